//! The one error type of the collector.
//!
//! Every message names where the problem is (a URL without credentials, or a
//! file path) and what to do about it. URLs are stored already redacted (see
//! [`meshgraph_http::redact_url`]); messages quoted from the server have the
//! configured secrets scrubbed out before they are stored.

use std::path::PathBuf;
use std::time::Duration;

/// Why collecting from Prometheus (or replaying a recording) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// `--prometheus` is not an http(s) URL.
    #[error(
        "invalid Prometheus URL {url:?}: {reason}; check --prometheus (e.g. http://prometheus.istio-system:9090)"
    )]
    InvalidUrl { url: String, reason: String },

    /// A setting other than the URL cannot be used (header, window, label name).
    #[error("invalid Prometheus setting: {0}")]
    Config(String),

    /// The custom CA file cannot be read or holds no PEM certificate.
    #[error("cannot use the CA file {path}: {reason}; pass a PEM file with the CA certificate(s)")]
    CaFile { path: PathBuf, reason: String },

    /// A query template (built in or from `--queries-dir`) is unusable.
    #[error("query template {file}: {reason}")]
    Query { file: String, reason: String },

    /// No connection could be made, after every retry.
    #[error(
        "cannot reach Prometheus at {url} ({attempts} attempts): {reason}; is Prometheus running and reachable? check --prometheus"
    )]
    Connect {
        url: String,
        attempts: u32,
        reason: String,
    },

    /// The server did not answer in time.
    #[error("Prometheus at {url} did not answer within {}; raise the query timeout, shorten --window or select fewer namespaces", humantime::format_duration(*timeout))]
    Timeout { url: String, timeout: Duration },

    /// The server answered with an HTTP error status (after every retry for 429/5xx).
    #[error("Prometheus at {url} answered HTTP {status} ({attempts} attempts){}: {hint}", excerpt.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    Http {
        url: String,
        status: u16,
        attempts: u32,
        excerpt: Option<String>,
        hint: &'static str,
    },

    /// The server answered `"status":"error"`.
    #[error(
        "Prometheus at {url} rejected the {family} query ({error_type}): {message}; check the query (--queries-dir) and that the server speaks the Prometheus API"
    )]
    Server {
        url: String,
        family: String,
        error_type: String,
        message: String,
    },

    /// The answer is larger than `max_response_bytes`.
    #[error(
        "the answer from {url} is larger than the limit of {limit} bytes; select fewer namespaces (-n) or raise the response size limit"
    )]
    TooLarge { url: String, limit: u64 },

    /// The connection broke while the answer was being read.
    #[error(
        "reading the answer from {url} failed after {received} bytes: {reason}; retry, or check proxies between meshgraph and Prometheus"
    )]
    Body {
        url: String,
        received: usize,
        reason: String,
    },

    /// The answer ended before the JSON was complete.
    #[error(
        "the answer from {source_name} is truncated: the JSON ends after {bytes} bytes; retry, or check proxies and the response size limit"
    )]
    Truncated { source_name: String, bytes: usize },

    /// The answer is not the JSON of the Prometheus query API.
    #[error(
        "the answer from {source_name} is not valid Prometheus JSON at line {line}, column {column} (byte {offset}): {reason}; is --prometheus pointing at the Prometheus API?"
    )]
    Decode {
        source_name: String,
        line: usize,
        column: usize,
        offset: usize,
        reason: String,
    },

    /// The query gave a matrix, scalar or string instead of an instant vector.
    #[error(
        "the {family} query at {source_name} returned a {result_type}, not an instant vector; a custom query must return an instant vector (e.g. sum by (...) (rate(...)))"
    )]
    ResultType {
        source_name: String,
        family: String,
        result_type: String,
    },

    /// Writing a recording failed.
    #[error("cannot write the recording in {path}: {reason}")]
    Record { path: PathBuf, reason: String },

    /// Reading a recording failed.
    #[error("cannot replay the recording {path}: {reason}")]
    Replay { path: PathBuf, reason: String },
}
