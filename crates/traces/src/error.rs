//! The one error type of the traces collector.
//!
//! Every message names where the problem is (a URL without credentials, or a
//! file path) and what to do about it. URLs are stored already redacted;
//! text quoted from a server has the configured secrets scrubbed out.

use std::path::PathBuf;
use std::time::Duration;

/// Why reading traces failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TracesError {
    /// `--jaeger` / `--tempo` is not an http(s) URL.
    #[error(
        "invalid tracing URL {url:?}: {reason}; check --jaeger / --tempo (e.g. http://tracing.istio-system:16685/jaeger)"
    )]
    InvalidUrl { url: String, reason: String },

    /// A setting other than the URL cannot be used (header, window, limits).
    #[error("invalid traces setting: {0}")]
    Config(String),

    /// The custom CA file cannot be read or holds no PEM certificate.
    #[error("cannot use the CA file {path}: {reason}; pass a PEM file with the CA certificate(s)")]
    CaFile { path: PathBuf, reason: String },

    /// No connection could be made, after every retry.
    #[error(
        "cannot reach the tracing backend at {url} ({attempts} attempts): {reason}; is it running and reachable? check --jaeger / --tempo"
    )]
    Connect {
        url: String,
        attempts: u32,
        reason: String,
    },

    /// The server did not answer in time.
    #[error("the tracing backend at {url} did not answer within {}; raise the timeout, shorten --window or lower the trace limit", humantime::format_duration(*timeout))]
    Timeout { url: String, timeout: Duration },

    /// The server answered with an HTTP error status (after every retry for 429/5xx).
    #[error("the tracing backend at {url} answered HTTP {status} ({attempts} attempts){}: {hint}", excerpt.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    Http {
        url: String,
        status: u16,
        attempts: u32,
        excerpt: Option<String>,
        hint: &'static str,
    },

    /// The answer is larger than `max_response_bytes`.
    #[error(
        "the answer from {url} is larger than the limit of {limit} bytes; lower the trace limit, use more time slices or raise the response size limit"
    )]
    TooLarge { url: String, limit: u64 },

    /// The connection broke while the answer was being read.
    #[error(
        "reading the answer from {url} failed after {received} bytes: {reason}; retry, or check proxies between meshgraph and the tracing backend"
    )]
    Body {
        url: String,
        received: usize,
        reason: String,
    },

    /// Neither Jaeger's v3 nor its v1 API answered as expected.
    #[error(
        "{url} does not look like a Jaeger query service: {reason}; check --jaeger (the query service's base URL, e.g. http://host:16686 or http://host/jaeger)"
    )]
    NotJaeger { url: String, reason: String },

    /// The input ended before the JSON was complete.
    #[error(
        "the traces from {source_name} are truncated: the JSON ends after {bytes} bytes; retry, or check proxies and the response size limit"
    )]
    Truncated { source_name: String, bytes: usize },

    /// The input is not JSON, or not in any trace format this version reads.
    #[error(
        "the traces from {source_name} cannot be read{}: {reason}; expected a Jaeger (/api/v3/traces or /api/traces) or Tempo (/api/traces/ID or /api/search) answer", location.as_deref().map(|l| format!(" at {l}")).unwrap_or_default())]
    Decode {
        source_name: String,
        location: Option<String>,
        reason: String,
    },

    /// The answer is an error message from the server.
    #[error("the tracing backend answered with an error ({source_name}): {message}")]
    Server {
        source_name: String,
        message: String,
    },

    /// A trace file cannot be read.
    #[error("cannot read the traces file {path}: {reason}")]
    File { path: PathBuf, reason: String },

    /// Writing a recording failed.
    #[error("cannot record the traces answers: {0}")]
    Record(String),

    /// Reading a recording failed.
    #[error("cannot replay the traces recorded in {path}: {reason}")]
    Replay { path: PathBuf, reason: String },
}
