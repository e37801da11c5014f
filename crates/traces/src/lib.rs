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
//! - **One span model behind every format** ([`Span`]), the format found from
//!   the content. JSON keeps an own lenient decoder: the answers come in many
//!   spellings of the same data (Jaeger's `/api/v3`: OTLP JSON, hex ids,
//!   integer enums, 64-bit integers as strings; Tempo's trace by id: base64
//!   ids, `SPAN_KIND_*` names, `batches` and the older
//!   `instrumentationLibrarySpans`; Tempo's search: metadata and matched spans
//!   only; Jaeger's v1 `/api/traces`: processes, `references`, typed tags;
//!   Zipkin v2; OTLP JSON lines from the Collector's file exporter), which
//!   `opentelemetry-proto`'s serde types would need a rewriting pass for.
//!   [`decode`] parses an envelope whose parts stay borrowed raw JSON, then
//!   decodes each batch, process and span on its own into small typed structs
//!   whose scalars accept every spelling; no `serde_json::Value` tree is
//!   built. OTLP protobuf ([`decode_protobuf`]: one `TracesData` or a
//!   length-delimited stream; Tempo's answers when asked for protobuf) walks
//!   the outer messages in place and decodes each span with
//!   `opentelemetry-proto`'s prost types. Either way one unreadable span is a
//!   warning; the rest is used.
//! - **Pairing by the servicegraph connector's rule** (see [`edges`]): a
//!   SERVER span with a CLIENT parent from another proxy or service is one
//!   call; a lone client span names its destination with `upstream_cluster`,
//!   `peer.service` or database attributes; a lone server span has an unknown
//!   caller; a waypoint span is never one side of a pair, it gives one call
//!   per request (tags on 1.29+, `upstream_cluster` and the parent span on
//!   1.22-1.28, see docs/traces.md). Istio proxies are
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
//!   received, into the `traces` section of the recording every source
//!   shares (`meshgraph-source`'s [`Recorder`]).
//!
//! The crate depends only on `meshgraph-model` and `meshgraph-source` (the
//! HTTP plumbing it shares with the other collectors) among meshgraph crates.

mod collect;
mod decode;
pub mod edges;
mod error;
mod http;
pub mod istio;
mod otlp;
pub mod record;
mod span;

use std::path::Path;
use std::time::{Duration, SystemTime};

pub use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};

pub use collect::collect;
pub use decode::{
    Decoded, Format, decode, decode_file, decode_protobuf, decode_tempo_search_protobuf,
};
pub use edges::{CallsFromSpans, calls_from_spans};
pub use error::TracesError;
pub use meshgraph_source::{Auth, DEFAULT_RETRIES, DEFAULT_TIMEOUT, Recorder};
use meshgraph_source::{Outcome, Peer, Scope, ServerConfig};
pub use otlp::{encode_protobuf, encode_tempo_search, traces_data};
pub use record::replay;
pub use span::{
    HexId, Resource, SearchHit, Span, SpanKind, Text, normalize_span_id, normalize_trace_id,
};

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

/// How this collector's messages name its server.
pub static TRACING_BACKEND: Peer = Peer {
    name: "the tracing backend",
    behind_proxies: "the tracing backend",
    url_name: "tracing URL",
    url_hint: "check --jaeger / --tempo (e.g. http://tracing.istio-system:16685/jaeger)",
    settings_name: "traces",
    unreachable_hint: "is it running and reachable? check --jaeger / --tempo",
    timeout_hint: "raise the timeout, shorten --window or lower the trace limit",
    too_large_hint: "lower the trace limit, use more time slices or raise the response size limit",
    timeout_in_seconds: false,
};

/// Where the backend is, how to talk to it and how much to ask for.
#[derive(Debug, Clone)]
pub struct TracesConfig {
    pub backend: Backend,
    /// URL (a path prefix allowed: `http://host/jaeger`, Istio's addon),
    /// auth, headers (`X-Scope-OrgID` for multi-tenant Tempo), CA file,
    /// timeout, retries and size cap.
    pub server: ServerConfig,
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

    /// The defaults for `backend` at `url`, with this collector's size cap
    /// ([`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub fn new(backend: Backend, url: impl Into<String>) -> Self {
        Self::with_server(
            backend,
            ServerConfig {
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
                ..ServerConfig::new(url)
            },
        )
    }

    /// `backend` at `server` (its settings as they are), default limits.
    pub fn with_server(backend: Backend, server: ServerConfig) -> Self {
        TracesConfig {
            backend,
            server,
            services: Vec::new(),
            namespaces: Vec::new(),
            limit: DEFAULT_LIMIT,
            slices: DEFAULT_SLICES,
            concurrency: DEFAULT_CONCURRENCY,
            max_traces: DEFAULT_MAX_TRACES,
        }
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

impl TimeWindow {
    /// The window of a scope, ending at its time rounded to the second and
    /// as long as its whole seconds (what the output shows).
    pub fn of_scope(scope: &Scope) -> Result<TimeWindow, TracesError> {
        let scope = scope.whole_seconds();
        TimeWindow::ending_at(scope.at_seconds(), scope.window)
    }
}

/// The result of a run: the calls and what they cost, with the warnings
/// (unreadable parts, failed queries, limits reached, spans not used) and
/// the summary line.
pub type TracesCollected = Outcome<Traces>;

/// What a run read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traces {
    /// Sorted by source, destination, evidence.
    pub calls: Vec<TraceCall>,
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
/// recognised by its content: Jaeger, Tempo, Zipkin v2, OTLP JSON (lines) or
/// OTLP protobuf. A Tempo search answer gives only waypoint calls
/// (its spans have no parent ids); a note says so.
pub fn read_file(path: &Path) -> Result<TracesCollected, TracesError> {
    let started = std::time::Instant::now();
    // The same cap as a recorded or fetched answer: 512 MiB (for framed
    // protobuf, per message: such a file is read one message at a time).
    let decoded = decode_file(path, meshgraph_source::record::ENTRY_MAX_BYTES)?;
    let mut collected = from_decoded(vec![decoded]);
    collected.stats.requests = 1;
    collected.stats.wall_time = started.elapsed();
    Ok(summarized(collected))
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
        data: Traces {
            calls: found.calls,
            stats: TraceStats {
                api,
                traces: found.traces,
                spans: spans.len(),
                ..Default::default()
            },
        },
        warnings,
        summary: None,
    }
}

/// `collected` with its summary line, once its figures are final.
pub(crate) fn summarized(mut collected: TracesCollected) -> TracesCollected {
    collected.summary = Some(collected.stats.summary_line());
    collected
}
