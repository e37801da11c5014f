//! The one error type of the traces collector.
//!
//! Every message names where the problem is (a URL without credentials, or a
//! file path) and what to do about it. URLs are stored already redacted;
//! text quoted from a server has the configured secrets scrubbed out.

use std::path::PathBuf;

use meshgraph_source::{HttpError, RecordingError};

/// Why reading traces failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TracesError {
    /// Talking to the backend failed: bad URL or CA file, no connection, a
    /// timeout, an HTTP error status, an oversized or broken answer.
    #[error(transparent)]
    Http(#[from] HttpError),

    /// A setting other than the URL cannot be used (header, window, limits).
    #[error("invalid traces setting: {0}")]
    Config(String),

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

    /// Writing or reading a recording failed.
    #[error(transparent)]
    Recording(#[from] RecordingError),
}
