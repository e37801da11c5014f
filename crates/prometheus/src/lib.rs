//! Collects Istio telemetry from anything that speaks the Prometheus HTTP API
//! (Prometheus, Thanos, Mimir, VictoriaMetrics) and returns it as plain
//! [`Observation`]s plus warnings.
//!
//! Design:
//!
//! - **One query per metric family** (the latency buckets' built-in one in
//!   [`queries::LATENCY_PART_COUNT`] parts by `le`, started first, which the
//!   server evaluates side by side; their histograms are folded together).
//!   The ten families of [`Metric::ALL`](meshgraph_model::Metric::ALL) each
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
//!   Each answer is decoded on a blocking thread as soon as it has arrived,
//!   while the other queries are still in flight, and its bytes are freed
//!   then (kept only for a recorder).
//! - **Bounded concurrency and reliability.** The families run concurrently, at
//!   most [`CONCURRENCY`] at a time, each with a timeout, bounded retries with
//!   exponential backoff on 429, 5xx and connection errors, and a response size
//!   cap. Errors name the URL without credentials and say what to do.
//! - **Exemplars.** One more request per run asks
//!   `/api/v1/query_exemplars` for the trace ids kept next to the latency
//!   buckets (see [`exemplars`]); a server without them answers nothing, and
//!   a failure there is a warning, never the run's error.
//! - **Record and replay.** A [`Recorder`] keeps the exact bytes of every answer
//!   plus a manifest; [`replay`] decodes them again with no network.
//!
//! The crate depends only on `meshgraph-model` and `meshgraph-source` (the
//! HTTP plumbing it shares with the other collectors) among meshgraph crates.

mod client;
mod decode;
mod error;
pub mod exemplars;
pub mod openmetrics;
pub mod queries;
pub mod range;
pub mod record;

#[cfg(feature = "testing")]
pub mod testing;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use meshgraph_model::{ExemplarSeries, Observation};

pub use decode::{Decoded, FamilyDecoder, decode};
pub use error::CollectError;
pub use meshgraph_source::{
    Auth, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT, Manifest, PrometheusEntry,
    RecordedScope, Recorder,
};
use meshgraph_source::{Outcome, Peer, Scope, ServerConfig};
pub use record::{entry_metric, replay, replay_recorded};

use queries::{RenderOptions, RenderedQuery, family_name};

/// How many queries run at the same time.
pub const CONCURRENCY: usize = 4;
/// Default scrape label marking ztunnel series (`app="ztunnel"`).
pub const DEFAULT_ZTUNNEL_LABEL: &str = "app";

/// Where the server is and how to talk to it: the sources' shared
/// [`ServerConfig`] (its default size cap, 512 MiB, is this collector's).
pub type PrometheusConfig = ServerConfig;

/// How this collector's messages name its server.
pub static PROMETHEUS: Peer = Peer {
    name: "Prometheus",
    behind_proxies: "Prometheus",
    url_name: "Prometheus URL",
    url_hint: "check --prometheus (e.g. http://prometheus.istio-system:9090)",
    settings_name: "Prometheus",
    unreachable_hint: "is Prometheus running and reachable? check --prometheus",
    timeout_hint: "raise the query timeout, shorten --window or select fewer namespaces",
    too_large_hint: "select fewer namespaces (-n) or raise the response size limit",
    timeout_in_seconds: false,
};

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
    /// Read a family's series recorded by `docs/recording-rules.yaml` when
    /// the server holds them (one cheap probe query first) and they stand
    /// for the built-in query (5-minute window, default ztunnel label, no
    /// `--queries-dir`). Off in [`QueryPlan::new`]; the CLI turns it on
    /// unless `--no-recording-rules`.
    pub recordings: bool,
    /// Send each query as a `GET` with the query in the URL instead of a
    /// form `POST`: through a Kubernetes API server's service proxy a `GET`
    /// needs only the RBAC verb `get` on `services/proxy` (a `POST` needs
    /// `create`).
    pub use_get: bool,
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
            recordings: false,
            use_get: false,
        }
    }

    /// The namespaces, time and window of `scope`, the default ztunnel
    /// label, the built-in queries.
    pub fn for_scope(scope: &Scope) -> Self {
        QueryPlan {
            namespaces: scope.namespaces.clone(),
            ..QueryPlan::new(scope.at_seconds(), scope.window)
        }
    }

    /// The queries this plan sends, one per family in [`Metric::ALL`](meshgraph_model::Metric::ALL)
    /// order, the latency family's built-in query in
    /// [`queries::LATENCY_PART_COUNT`] parts.
    pub fn render(&self) -> Result<Vec<RenderedQuery>, CollectError> {
        queries::render_sent(self.queries_dir.as_deref(), &self.render_options())
    }

    fn render_options(&self) -> RenderOptions<'_> {
        RenderOptions {
            namespaces: &self.namespaces,
            window: self.window,
            ztunnel_label: &self.ztunnel_label,
        }
    }

    /// Whether recorded series can stand for this plan's queries.
    pub fn recordings_apply(&self) -> bool {
        queries::recordings_apply(self.queries_dir.as_deref(), &self.render_options())
    }

    /// The query reading the recorded series of `query`'s family (or of its
    /// part), when recorded series can stand for this plan's built-in queries.
    pub fn recorded_query(&self, query: &RenderedQuery) -> Option<String> {
        self.recordings_apply().then(|| {
            queries::render_recorded(query.metric, &self.render_options(), query.part.as_deref())
        })
    }
}

/// The result of a run: the observations and what they cost, with the
/// warnings (unusable series, ...) and the summary line.
pub type Collected = Outcome<Metrics>;

/// What a run read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// In [`Metric::ALL`](meshgraph_model::Metric::ALL) order, then in the server's order.
    pub observations: Vec<Observation>,
    /// Exemplars of the latency buckets, by raw series; empty when the
    /// server keeps none.
    pub exemplars: Vec<ExemplarSeries>,
    pub stats: RunStats,
}

/// What a run cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Queries sent (one per family, the latency family's in parts; retries
    /// not counted).
    pub queries: usize,
    /// Elements of the answers' results, used or not.
    pub series: usize,
    /// Exemplars kept from the exemplar answer.
    pub exemplars: usize,
    /// Families read from series recorded by `docs/recording-rules.yaml`.
    pub recorded: usize,
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
        let exemplars = match self.exemplars {
            0 => String::new(),
            n => format!(", {n} exemplars"),
        };
        let recorded = match self.recorded {
            0 => String::new(),
            n => format!(" ({n} from recording rules)"),
        };
        format!(
            "prometheus: {} queries{recorded}, {} series{exemplars}, {:.2}s in the server, {:.2}s in meshgraph",
            self.queries,
            self.series,
            self.server_time.as_secs_f64(),
            own.as_secs_f64()
        )
    }
}

/// The families whose recorded series (`docs/recording-rules.yaml`) the
/// server holds at `at`. Any failure of the probe (an engine without
/// `group by`, a server that fails) means none: the family queries then go
/// as they would have, and report a failing server themselves.
async fn recorded_families(client: &client::Client, at: f64) -> Vec<meshgraph_model::Metric> {
    #[derive(serde::Deserialize)]
    struct Answer {
        data: Data,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        result: Vec<Series>,
    }
    #[derive(serde::Deserialize)]
    struct Series {
        metric: std::collections::BTreeMap<String, String>,
    }
    let Ok(fetched) = client
        .query(queries::RECORDED_PROBE, at, "recording rules probe")
        .await
    else {
        return Vec::new();
    };
    let Ok(answer) = serde_json::from_slice::<Answer>(&fetched.body) else {
        return Vec::new();
    };
    let names: std::collections::BTreeSet<&str> = answer
        .data
        .result
        .iter()
        .filter_map(|s| s.metric.get("__name__").map(String::as_str))
        .collect();
    meshgraph_model::Metric::ALL
        .into_iter()
        .filter(|m| names.contains(queries::recorded_name(*m).as_str()))
        .collect()
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
    let mut rendered = plan.render()?;
    let window = queries::promql_duration(plan.window).map_err(CollectError::Config)?;
    let client = Arc::new(client::Client::new(config)?.use_get(plan.use_get));
    let source_name = client.display_url().to_string();
    let mut recorded = 0;
    if plan.recordings && plan.recordings_apply() {
        let present = recorded_families(&client, plan.at).await;
        let mut families = Vec::new();
        for query in rendered.iter_mut().filter(|q| present.contains(&q.metric)) {
            if let Some(text) = plan.recorded_query(query) {
                query.query = text;
                families.push(query.metric);
            }
        }
        families.dedup();
        recorded = families.len();
    }

    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    let keep_bodies = recorder.is_some();
    for index in start_order(&rendered) {
        let (client, query, at, source_name) = (
            client.clone(),
            rendered[index].clone(),
            plan.at,
            source_name.clone(),
        );
        // Taken here, so the queries start in `start_order`.
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        tasks.spawn(async move {
            let fetched = {
                let _permit = permit;
                client
                    .query(&query.query, at, family_name(query.metric))
                    .await
            };
            let body = match fetched {
                Ok(fetched) => fetched.body,
                Err(e) => return (index, Err(e)),
            };
            // Each answer is decoded as soon as it arrives, on a blocking
            // thread, while the other queries (the large latency family
            // above all) are still in flight; the permit is already free.
            let decoded = tokio::task::spawn_blocking(move || {
                let decoded = decode(&body, query.metric, &source_name)
                    .map_err(|e| client.scrub_error(e))
                    .map(|mut decoded| {
                        client.scrub_warnings(&mut decoded.warnings);
                        decoded
                    });
                (keep_bodies.then_some(body), decoded)
            })
            .await
            .map_err(|e| CollectError::Config(format!("a decoding task stopped: {e}")));
            (index, decoded)
        });
    }
    // The exemplars, alongside the queries. Their own set, so that a failed
    // query (which returns early) cancels this request too.
    let mut exemplar_task = tokio::task::JoinSet::new();
    {
        let (client, permits) = (client.clone(), permits.clone());
        let query = exemplars::exemplar_query(&plan.namespaces);
        let (start, end) = (plan.at - plan.window.as_secs_f64(), plan.at);
        exemplar_task.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let fetched = client.query_exemplars(&query, start, end).await;
            (query, fetched)
        });
    }
    let mut answers: Vec<Option<Answer>> = (0..rendered.len()).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, result) =
            joined.map_err(|e| CollectError::Config(format!("a query task stopped: {e}")))?;
        // Returning drops the JoinSet, which cancels the other queries.
        answers[index] = Some(result?);
    }

    let mut collected = Collected::default();
    collected.stats.recorded = recorded;
    let mut decoded_parts = Vec::new();
    for (query, answer) in rendered.iter().zip(answers) {
        let (body, decoded) = answer.expect("every task reported");
        // The exact bytes are recorded before a decoding error is reported,
        // as when they were decoded after recording.
        if let (Some(recorder), Some(body)) = (recorder, body) {
            recorder.record_prometheus(
                PrometheusEntry {
                    family: family_name(query.metric).into(),
                    series_name: query.metric.series_name().into(),
                    query: query.query.clone(),
                    time: plan.at,
                    window: window.clone(),
                    file: String::new(),
                    part: query.part.clone(),
                },
                &body,
            )?;
        }
        decoded_parts.push((query.metric, decoded?));
    }
    for decoded in join_parts(decoded_parts) {
        add(&mut collected, decoded);
    }
    if let Some(joined) = exemplar_task.join_next().await {
        let (query, fetched) =
            joined.map_err(|e| CollectError::Config(format!("the exemplar task stopped: {e}")))?;
        match fetched {
            Ok(Some(fetched)) => {
                if let Some(recorder) = recorder {
                    recorder.record_prometheus(
                        PrometheusEntry {
                            family: exemplars::EXEMPLARS_FAMILY.into(),
                            series_name: meshgraph_model::Metric::RequestDurationBucket
                                .series_name()
                                .into(),
                            query,
                            time: plan.at,
                            window: window.clone(),
                            file: String::new(),
                            part: None,
                        },
                        &fetched.body,
                    )?;
                }
                let mut decoded =
                    exemplars::decode_exemplars(&fetched.body, &client.exemplars_display());
                client.scrub_warnings(&mut decoded.warnings);
                add_exemplars(&mut collected, decoded);
            }
            // No exemplar endpoint (an older server, another engine).
            Ok(None) => {}
            Err(e) => collected.warnings.push(format!(
                "exemplars not read: {}",
                client.scrub(&e.to_string())
            )),
        }
    }
    collected.stats.queries = rendered.len();
    collected.stats.server_time = client.busy_time();
    collected.stats.wall_time = started.elapsed();
    collected.summary = Some(collected.stats.summary_line());
    Ok(collected)
}

/// One family's answer: its bytes (kept only for a recorder) and what
/// decoding them gave.
type Answer = (Option<Vec<u8>>, Result<Decoded, CollectError>);

/// The order the queries start in: the latency family's parts first (they
/// are most of the server's work, and a long query started last would
/// finish last), then the others, each group in the families' order.
fn start_order(rendered: &[RenderedQuery]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rendered.len()).collect();
    order.sort_by_key(|&i| rendered[i].part.is_none());
    order
}

/// The decoded answers of a run, in order, one per family: the parts of a
/// family asked for in parts (next to each other, in order) are joined
/// into one, their histograms folded across the parts.
fn join_parts(answers: Vec<(meshgraph_model::Metric, Decoded)>) -> Vec<Decoded> {
    let mut families: Vec<(meshgraph_model::Metric, Decoded, Vec<Vec<Observation>>)> = Vec::new();
    for (metric, decoded) in answers {
        match families.last_mut() {
            Some((last, family, more)) if *last == metric => {
                family.warnings.extend(decoded.warnings);
                family.series += decoded.series;
                more.push(decoded.observations);
            }
            _ => families.push((metric, decoded, Vec::new())),
        }
    }
    families
        .into_iter()
        .map(|(_, mut family, more)| {
            if !more.is_empty() {
                meshgraph_model::fold_buckets_into(&mut family.observations, more);
            }
            family
        })
        .collect()
}

pub(crate) fn add_exemplars(collected: &mut Collected, decoded: exemplars::DecodedExemplars) {
    collected.exemplars.extend(decoded.series);
    collected.warnings.extend(decoded.warnings);
    collected.stats.exemplars += decoded.exemplars;
}

pub(crate) fn add(collected: &mut Collected, decoded: Decoded) {
    collected.observations.extend(decoded.observations);
    collected.warnings.extend(decoded.warnings);
    collected.stats.series += decoded.series;
}
