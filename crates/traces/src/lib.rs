//! Collects sampled calls from the traces of an Istio mesh (Jaeger or Tempo)
//! and returns them as plain [`TraceCall`]s plus warnings, for
//! `meshgraph-core` to merge with the metric edges.
//!
//! Design:
//!
//! - **Three steps, two of them pure.** [`decode`] turns one answer (bytes)
//!   into [`Span`]s; [`calls_from_spans`] turns spans into calls; only
//!   [`collect`] does IO. [`read_file`] (`--traces-file`) and [`replay`] run
//!   the same two pure steps on files.
//! - **An own lenient span model, not `opentelemetry-proto`.** The answers
//!   come in four spellings of the same data: Jaeger's `/api/v3` (OTLP JSON,
//!   hex ids, integer enums, 64-bit integers as strings), Tempo's trace by id
//!   (base64 ids, `SPAN_KIND_*` names, `batches` and the older
//!   `instrumentationLibrarySpans`), Tempo's search (metadata and matched spans
//!   only) and Jaeger's v1 `/api/traces` (processes, `references`, typed tags).
//!   `opentelemetry-proto`'s serde types read only the first and would need a
//!   rewriting pass (through a JSON tree) for the others, and bring prost with
//!   them. Instead [`decode`] parses an envelope whose parts stay borrowed raw
//!   JSON, then decodes each batch, process and span on its own into small
//!   typed structs whose scalars accept every spelling. One unreadable span
//!   is a warning; the rest is used. No `serde_json::Value` tree is built.
//! - **Pairing by the servicegraph connector's rule** (see [`edges`]): a
//!   SERVER span with a CLIENT parent from another proxy or service is one
//!   call; a lone client span names its destination with `upstream_cluster`,
//!   `peer.service` or database attributes; a lone server span has an unknown
//!   caller; waypoint spans are never paired by parent id. Istio proxies are
//!   recognised by their `node_id` tag, and named by their pod's workload.
//! - **Counts are samples.** [`TraceCall::spans`] counts sampled calls; rates
//!   come from metrics.
//! - **Reliability.** Every request has a timeout, bounded retries with
//!   exponential backoff on 429, 5xx and connection errors, and a response
//!   size cap. Errors name the URL without credentials. The time window is
//!   split into slices (instead of paging, which the APIs do not offer) and
//!   queries run with bounded concurrency. One failed query is a warning; the
//!   run fails only when every query failed, so the caller can degrade to a
//!   metrics-only graph and say so.
//! - **Record and replay** (see [`record`]): answers are written, as
//!   received, under the `"traces"` key of the recording's `manifest.json`
//!   that `meshgraph-prometheus` writes, through the [`RecordSink`] trait
//!   (this crate must not depend on another collector).
//!
//! The crate depends only on `meshgraph-model` and `meshgraph-http` (the
//! HTTP plumbing it shares with the other collectors) among meshgraph crates.

mod collect;
mod decode;
pub mod edges;
mod error;
mod http;
pub mod istio;
pub mod record;
mod span;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};

pub use collect::collect;
pub use decode::{Decoded, Format, decode};
pub use edges::{CallsFromSpans, calls_from_spans};
pub use error::TracesError;
pub use meshgraph_http::Auth;
pub use record::{RecordSink, replay};
pub use span::{Resource, SearchHit, Span, SpanKind, normalize_span_id, normalize_trace_id};

/// Default timeout of one HTTP request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default cap on one answer's size.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
/// Default traces asked for per service and time slice.
pub const DEFAULT_LIMIT: usize = 100;
/// Default number of slices the window is split into.
pub const DEFAULT_SLICES: u32 = 4;
/// Default number of requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default cap on the traces fetched by id from Tempo in one run.
pub const DEFAULT_MAX_TRACES: usize = 1000;

/// Which tracing backend `url` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Jaeger's query service: `/api/v3` (Jaeger 2, and 1.x from 1.35), else `/api`.
    Jaeger,
    /// Grafana Tempo's HTTP API: `/api/search`, then `/api/traces/{id}`.
    Tempo,
}

/// Where the backend is, how to talk to it and how much to ask for.
#[derive(Clone)]
pub struct TracesConfig {
    pub backend: Backend,
    /// Base URL, a path prefix allowed (`http://host/jaeger`, Istio's addon).
    pub url: String,
    pub auth: Auth,
    /// Extra request headers (`X-Scope-OrgID` for multi-tenant Tempo).
    /// Values are treated as secrets.
    pub headers: Vec<(String, String)>,
    /// PEM file with CA certificates trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    /// Timeout of one HTTP request, body included.
    pub timeout: Duration,
    /// Retries after a failed attempt (429, 5xx, connection error).
    pub retries: u32,
    /// Cap on one answer's size.
    pub max_response_bytes: u64,
    /// Services to ask about (Jaeger's service names, `productpage.bookinfo`
    /// for Istio). Empty: every service the backend knows (Jaeger), or no
    /// service filter (Tempo).
    pub services: Vec<String>,
    /// Keeps only discovered services named `<name>.<namespace>` for these
    /// namespaces (Istio's naming); empty keeps all. Explicit `services` are
    /// always used.
    pub namespaces: Vec<String>,
    /// Traces per query (Jaeger's `search_depth` / `limit`, Tempo's `limit`).
    pub limit: usize,
    /// Number of equal slices the window is split into; each is one query per
    /// service. More slices find more traces in a busy window.
    pub slices: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Tempo: most traces fetched by id in one run.
    pub max_traces: usize,
}

impl TracesConfig {
    /// The defaults for a Jaeger query service at `url`.
    pub fn jaeger(url: impl Into<String>) -> Self {
        Self::new(Backend::Jaeger, url)
    }

    /// The defaults for a Tempo server at `url`.
    pub fn tempo(url: impl Into<String>) -> Self {
        Self::new(Backend::Tempo, url)
    }

    pub fn new(backend: Backend, url: impl Into<String>) -> Self {
        TracesConfig {
            backend,
            url: url.into(),
            auth: Auth::None,
            headers: Vec::new(),
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            services: Vec::new(),
            namespaces: Vec::new(),
            limit: DEFAULT_LIMIT,
            slices: DEFAULT_SLICES,
            concurrency: DEFAULT_CONCURRENCY,
            max_traces: DEFAULT_MAX_TRACES,
        }
    }
}

impl std::fmt::Debug for TracesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = meshgraph_http::redact_url_str(&self.url);
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("TracesConfig")
            .field("backend", &self.backend)
            .field("url", &url)
            .field("auth", &self.auth)
            .field("headers", &header_names)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("services", &self.services)
            .field("namespaces", &self.namespaces)
            .field("limit", &self.limit)
            .field("slices", &self.slices)
            .field("concurrency", &self.concurrency)
            .field("max_traces", &self.max_traces)
            .finish()
    }
}

/// The time range to look for traces in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: SystemTime,
    pub end: SystemTime,
}

impl TimeWindow {
    /// The `window` ending at `at` (unix seconds), as meshgraph's `--at` and
    /// `--window` say.
    pub fn ending_at(at_unix_secs: f64, window: Duration) -> Result<TimeWindow, TracesError> {
        if !at_unix_secs.is_finite() || at_unix_secs < 0.0 {
            return Err(TracesError::Config(format!(
                "the time {at_unix_secs} is not a unix time"
            )));
        }
        let end = SystemTime::UNIX_EPOCH + Duration::from_secs_f64(at_unix_secs);
        let start = end
            .checked_sub(window)
            .ok_or_else(|| TracesError::Config("the window starts before 1970".into()))?;
        Ok(TimeWindow { start, end })
    }
}

/// The result of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TracesCollected {
    /// Sorted by source, destination, evidence.
    pub calls: Vec<TraceCall>,
    /// Unreadable parts, failed queries, limits reached, spans not used.
    pub warnings: Vec<String>,
    pub stats: TraceStats,
}

/// What a run read and what it cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceStats {
    /// The API that answered (`jaeger-v3`, `jaeger-v1`, `tempo`) or the file
    /// format read.
    pub api: Option<String>,
    /// Requests sent (retries not counted), or files read.
    pub requests: usize,
    /// Distinct traces among the spans.
    pub traces: usize,
    /// Distinct spans read.
    pub spans: usize,
    /// Time spent waiting on the server, overlapping requests counted once.
    pub server_time: Duration,
    /// The whole run.
    pub wall_time: Duration,
}

impl TraceStats {
    /// `traces (jaeger-v3): 9 requests, 42 traces, 380 spans, 0.81s in the server, 0.02s in meshgraph`
    pub fn summary_line(&self) -> String {
        let own = self.wall_time.saturating_sub(self.server_time);
        format!(
            "traces ({}): {} requests, {} traces, {} spans, {:.2}s in the server, {:.2}s in meshgraph",
            self.api.as_deref().unwrap_or("none"),
            self.requests,
            self.traces,
            self.spans,
            self.server_time.as_secs_f64(),
            own.as_secs_f64()
        )
    }
}

/// Reads a file holding one answer of any supported format (`--traces-file`),
/// recognised by its content. A Tempo search answer gives only waypoint calls
/// (its spans have no parent ids); a note says so.
pub fn read_file(path: &Path) -> Result<TracesCollected, TracesError> {
    let started = std::time::Instant::now();
    let bytes = std::fs::read(path).map_err(|e| TracesError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let decoded = decode(&bytes, &path.display().to_string())?;
    let mut collected = from_decoded(vec![decoded]);
    collected.stats.requests = 1;
    collected.stats.wall_time = started.elapsed();
    Ok(collected)
}

/// Calls, warnings and counts from decoded answers.
pub(crate) fn from_decoded(answers: Vec<Decoded>) -> TracesCollected {
    let mut warnings = Vec::new();
    let mut spans = Vec::new();
    let mut api = None;
    let mut searched = 0;
    for d in answers {
        api.get_or_insert(d.format.as_str().to_string());
        warnings.extend(d.warnings);
        spans.extend(d.spans);
        for hit in d.search {
            searched += 1;
            spans.extend(hit.spans);
        }
    }
    decode::dedupe(&mut spans);
    if searched > 0 {
        warnings.push(format!(
            "{searched} trace(s) come from a Tempo search answer, which holds only matched spans without parent ids: only tagged waypoint spans give calls; fetch the traces by id for the rest"
        ));
    }
    let found = calls_from_spans(&spans);
    warnings.extend(found.notes);
    TracesCollected {
        calls: found.calls,
        warnings,
        stats: TraceStats {
            api,
            traces: found.traces,
            spans: spans.len(),
            ..Default::default()
        },
    }
}
