//! Collects Istio telemetry from anything that speaks the Prometheus HTTP API
//! (Prometheus, Thanos, Mimir, VictoriaMetrics) and returns it as plain
//! [`Observation`]s plus warnings.
//!
//! Design:
//!
//! - **One query per metric family.** The ten families of [`Metric::ALL`](meshgraph_model::Metric::ALL) each
//!   have a PromQL template in `queries/*.promql` (compiled in, overridable with
//!   `--queries-dir`). A namespace selection becomes one regex inside that one
//!   query, whatever the number of namespaces, and also catches traffic entering
//!   the selected namespaces from outside (see [`queries`]).
//! - **`reporter` is preserved.** Every template keeps `reporter` and every label
//!   the reconciliation needs in its `by (...)` list; the engine aggregates away
//!   only `pod`-level detail. Deciding which reporter to believe is the core's
//!   job, not the query's.
//! - **Streaming decode.** Answers are read as bytes under a size cap and
//!   decoded by serde visitors straight into observations; no JSON tree of the
//!   whole answer is built. Unusable series become warnings, the rest is kept.
//! - **Bounded concurrency and reliability.** The families run concurrently, at
//!   most [`CONCURRENCY`] at a time, each with a timeout, bounded retries with
//!   exponential backoff on 429, 5xx and connection errors, and a response size
//!   cap. Errors name the URL without credentials and say what to do.
//! - **Record and replay.** A [`Recorder`] keeps the exact bytes of every answer
//!   plus a manifest; [`replay`] decodes them again with no network.
//!
//! The crate depends only on `meshgraph-model` and `meshgraph-http` (the
//! HTTP plumbing it shares with the other collectors) among meshgraph crates.

mod client;
mod decode;
mod error;
pub mod openmetrics;
pub mod queries;
pub mod record;
mod time;

#[cfg(feature = "testing")]
pub mod testing;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meshgraph_model::{Metric, Observation};

pub use decode::{Decoded, decode};
pub use error::CollectError;
pub use meshgraph_http::Auth;
pub use record::{Manifest, PrometheusEntry, RecordedScope, Recorder};
pub use time::{TimeArgError, parse_at, parse_window};

use queries::{RenderOptions, RenderedQuery, family_name};

/// How many queries run at the same time.
pub const CONCURRENCY: usize = 4;
/// Default cap on one answer's size.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 512 * 1024 * 1024;
/// Default timeout of one HTTP request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default scrape label marking ztunnel series (`app="ztunnel"`).
pub const DEFAULT_ZTUNNEL_LABEL: &str = "app";

/// Where the server is and how to talk to it.
#[derive(Clone)]
pub struct PrometheusConfig {
    /// Base URL of the API, a path prefix allowed (`http://host/prometheus`).
    pub url: String,
    pub auth: Auth,
    /// Extra request headers (`X-Scope-OrgID` for Mimir, ...). Values are
    /// treated as secrets.
    pub headers: Vec<(String, String)>,
    /// PEM file with CA certificates trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    /// Timeout of one HTTP request, body included.
    pub timeout: Duration,
    /// Retries after a failed attempt (429, 5xx, connection error).
    pub retries: u32,
    /// Cap on one answer's size.
    pub max_response_bytes: u64,
}

impl PrometheusConfig {
    /// The defaults with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        PrometheusConfig {
            url: url.into(),
            ..Default::default()
        }
    }
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            url: "http://localhost:9090".into(),
            auth: Auth::None,
            headers: Vec::new(),
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl std::fmt::Debug for PrometheusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = meshgraph_http::redact_url_str(&self.url);
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("PrometheusConfig")
            .field("url", &url)
            .field("auth", &self.auth)
            .field("headers", &header_names)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// What to ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// Namespaces to select (`-n`); empty selects all.
    pub namespaces: Vec<String>,
    /// Evaluation time, unix seconds (`--at`).
    pub at: f64,
    /// Rate window (`--window`).
    pub window: Duration,
    /// Scrape label kept in every query to recognise ztunnel series.
    pub ztunnel_label: String,
    /// Directory of `*.promql` overrides (`--queries-dir`).
    pub queries_dir: Option<PathBuf>,
}

impl QueryPlan {
    /// All namespaces, the default ztunnel label, the built-in queries.
    pub fn new(at: f64, window: Duration) -> Self {
        QueryPlan {
            namespaces: Vec::new(),
            at,
            window,
            ztunnel_label: DEFAULT_ZTUNNEL_LABEL.into(),
            queries_dir: None,
        }
    }

    /// The queries this plan sends, one per family in [`Metric::ALL`](meshgraph_model::Metric::ALL) order.
    pub fn render(&self) -> Result<Vec<RenderedQuery>, CollectError> {
        queries::render_all(
            self.queries_dir.as_deref(),
            &RenderOptions {
                namespaces: &self.namespaces,
                window: self.window,
                ztunnel_label: &self.ztunnel_label,
            },
        )
    }
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// In [`Metric::ALL`](meshgraph_model::Metric::ALL) order, then in the server's order.
    pub observations: Vec<Observation>,
    pub warnings: Vec<String>,
    pub stats: RunStats,
}

/// What a run cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Queries sent (one per family; retries not counted).
    pub queries: usize,
    /// Elements of the answers' results, used or not.
    pub series: usize,
    /// Time spent waiting on the server: the HTTP round trips, with
    /// overlapping concurrent requests counted once. Zero for a replay.
    pub server_time: Duration,
    /// The whole run, from rendering the queries to the last decoded series.
    pub wall_time: Duration,
}

impl RunStats {
    /// `prometheus: 10 queries, 1234 series, 0.21s in the server, 0.03s in meshgraph`
    pub fn summary_line(&self) -> String {
        let own = self.wall_time.saturating_sub(self.server_time);
        format!(
            "prometheus: {} queries, {} series, {:.2}s in the server, {:.2}s in meshgraph",
            self.queries,
            self.series,
            self.server_time.as_secs_f64(),
            own.as_secs_f64()
        )
    }
}

/// Runs the plan's queries against the server and decodes the answers. With a
/// recorder, every answer is also written, as received, before it is decoded.
///
/// Any query that fails (after its retries) fails the run: a graph missing a
/// whole family would be silently wrong.
///
/// Must run inside a Tokio runtime (the families are spawned as tasks).
pub async fn collect(
    config: &PrometheusConfig,
    plan: &QueryPlan,
    recorder: Option<&Recorder>,
) -> Result<Collected, CollectError> {
    let started = Instant::now();
    if !plan.at.is_finite() {
        return Err(CollectError::Config(format!(
            "the evaluation time {} is not a number",
            plan.at
        )));
    }
    let rendered = plan.render()?;
    let window = queries::promql_duration(plan.window).map_err(CollectError::Config)?;
    let client = Arc::new(client::Client::new(config)?);
    let source_name = client.display_url().to_string();

    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, query) in rendered.iter().enumerate() {
        let (client, permits, query, at) =
            (client.clone(), permits.clone(), query.clone(), plan.at);
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            (
                index,
                client
                    .query(&query.query, at, family_name(query.metric))
                    .await,
            )
        });
    }
    let mut bodies: Vec<Option<Vec<u8>>> = vec![None; rendered.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, result) =
            joined.map_err(|e| CollectError::Config(format!("a query task stopped: {e}")))?;
        // Returning drops the JoinSet, which cancels the other queries.
        bodies[index] = Some(result?.body);
    }

    let mut collected = Collected::default();
    for (query, body) in rendered.iter().zip(bodies) {
        let body = body.expect("every task reported");
        if let Some(recorder) = recorder {
            recorder.record_prometheus(query.metric, &query.query, plan.at, &window, &body)?;
        }
        let mut decoded =
            decode(&body, query.metric, &source_name).map_err(|e| client.scrub_error(e))?;
        client.scrub_warnings(&mut decoded.warnings);
        add(&mut collected, decoded);
    }
    collected.stats.queries = rendered.len();
    collected.stats.server_time = client.busy_time();
    collected.stats.wall_time = started.elapsed();
    Ok(collected)
}

/// Decodes a recording made by [`Recorder`] with the same decoder, without
/// network. The plan is used to warn when the recorded queries differ from the
/// ones it would send (another `-n`, `--window` or `--queries-dir`); the
/// recorded answers are used as they are. The recorded evaluation time is in
/// [`Manifest::read`]`(dir)?.prometheus[_].time`.
pub fn replay(dir: &Path, plan: &QueryPlan) -> Result<Collected, CollectError> {
    let expected: Vec<(Metric, Option<String>)> = plan
        .render()?
        .into_iter()
        .map(|q| (q.metric, Some(q.query)))
        .collect();
    replay_answers(dir, &expected)
}

/// Reads a recording's answers as they were recorded, without comparing
/// them with the queries a run would send now (see [`replay`]).
pub fn replay_recorded(dir: &Path) -> Result<Collected, CollectError> {
    let expected: Vec<(Metric, Option<String>)> =
        Metric::ALL.into_iter().map(|m| (m, None)).collect();
    replay_answers(dir, &expected)
}

/// Replays one answer per family; where a query text is given, a recorded
/// query that differs from it is reported in a warning.
fn replay_answers(
    dir: &Path,
    expected: &[(Metric, Option<String>)],
) -> Result<Collected, CollectError> {
    let started = Instant::now();
    let manifest = Manifest::read(dir)?;
    let mut collected = Collected::default();
    let mut differs = Vec::new();
    for (metric, query) in expected {
        let family = family_name(*metric);
        let Some(entry) = manifest
            .prometheus
            .iter()
            .rev()
            .find(|e| e.metric() == Some(*metric))
        else {
            collected.warnings.push(format!(
                "the recording {} has no {family} answer; those series are missing",
                dir.display()
            ));
            continue;
        };
        let path = safe_join(dir, &entry.file).ok_or_else(|| CollectError::Replay {
            path: dir.join(record::MANIFEST),
            reason: format!(
                "the entry for {family} names the file {:?}, outside the recording",
                entry.file
            ),
        })?;
        let body = std::fs::read(&path).map_err(|e| CollectError::Replay {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        add(
            &mut collected,
            decode(&body, *metric, &path.display().to_string())?,
        );
        collected.stats.queries += 1;
        if query.as_ref().is_some_and(|q| *q != entry.query) {
            differs.push(family);
        }
    }
    for entry in &manifest.prometheus {
        if entry.metric().is_none() {
            collected.warnings.push(format!(
                "the recording {} has an answer for the unknown family {:?} (from meshgraph {}); ignored",
                dir.display(),
                entry.family,
                manifest.meshgraph_version
            ));
        }
    }
    if !differs.is_empty() {
        collected.warnings.push(format!(
            "the recorded queries for {} differ from the ones this run would send (other -n, --window or --queries-dir?); the recorded answers are used as they are",
            differs.join(", ")
        ));
    }
    collected.stats.wall_time = started.elapsed();
    Ok(collected)
}

fn add(collected: &mut Collected, decoded: Decoded) {
    collected.observations.extend(decoded.observations);
    collected.warnings.extend(decoded.warnings);
    collected.stats.series += decoded.series;
}

/// `dir/relative`, refusing absolute paths and `..`.
fn safe_join(dir: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    rel.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| dir.join(rel))
}
