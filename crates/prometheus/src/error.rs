//! The one error type of the collector.
//!
//! Every message names where the problem is (a URL without credentials, or a
//! file path) and what to do about it. URLs are stored already redacted (see
//! [`meshgraph_source::redact_url`]); messages quoted from the server have the
//! configured secrets scrubbed out before they are stored.

use meshgraph_source::{HttpError, RecordingError};

/// Why collecting from Prometheus (or replaying a recording) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// Talking to the server failed: bad URL or CA file, no connection, a
    /// timeout, an HTTP error status, an oversized or broken answer.
    #[error(transparent)]
    Http(#[from] HttpError),

    /// A setting other than the URL cannot be used (header, window, label name).
    #[error("invalid Prometheus setting: {0}")]
    Config(String),

    /// A query template (built in or from `--queries-dir`) is unusable.
    #[error("query template {file}: {reason}")]
    Query { file: String, reason: String },

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

    /// Writing or reading a recording failed.
    #[error(transparent)]
    Recording(#[from] RecordingError),
}
