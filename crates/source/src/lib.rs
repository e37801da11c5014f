//! The sources' shared seam: what every source of meshgraph (Prometheus,
//! Jaeger and Tempo, the Kubernetes API) needs, written once.
//!
//! - **Settings and errors.** [`ServerConfig`] (URL, auth, headers, CA file,
//!   timeout, retries, size cap; a `Debug` that never prints a secret),
//!   [`Peer`] (how a source's messages name its server) and [`HttpError`],
//!   the one error for talking to a server, which each source's error enum
//!   wraps. [`Server`] is an opened connection.
//! - **Scope.** [`Scope`] (`--at` as a [`jiff::Timestamp`], `--window`, `-n`)
//!   with [`parse_at`] and [`parse_window`].
//! - **Recording.** One [`Manifest`] with a typed section per source and one
//!   [`Recorder`] every source writes into (see [`record`]).
//! - **Outcome.** [`Outcome`]: what every source returns (data, warnings,
//!   summary).
//! - **HTTP plumbing.** Checking a server URL and moving its credentials out,
//!   building a `reqwest` client, sending one request and reading the answer
//!   under a size cap, retrying with backoff, keeping secrets out of every
//!   message:
//!   - `auth`: [`Auth`], credentials with a redacting `Debug`.
//!   - `endpoint`: [`parse_base_url`], [`Endpoint`] (URL, auth, headers,
//!     secrets of one server) and [`join_path`].
//!   - `redact`: [`redact_url`], [`redact_raw`], [`redact_url_str`],
//!     [`Secrets`] and [`shorten`].
//!   - `client`: [`ClientOptions`] and [`build_client`] (timeouts, redirects,
//!     CA certificates, TLS verification, client certificate).
//!   - `body`: [`read_capped`], a streaming read under a size cap.
//!   - `retry`: [`RetryPolicy`] (exponential backoff, `Retry-After` with a
//!     cap), [`Failure`] and [`retry_after`].
//!   - `fetch`: [`Fetcher`], one attempt: send, classify the failure, read.
//!   - `busy`: [`BusyClock`], time with at least one request in flight.
//!
//! The crate depends on no other meshgraph crate.

mod auth;
mod body;
mod busy;
mod client;
mod endpoint;
mod fetch;
mod outcome;
pub mod record;
mod redact;
mod retry;
mod scope;
mod server;
mod tls;

pub use auth::Auth;
pub use body::{BodyError, Overflow, read_capped};
pub use busy::{BusyClock, BusyGuard};
pub use client::{ClientError, ClientOptions, Redirects, Trust, build_client};
pub use endpoint::{
    BaseUrl, Endpoint, EndpointError, UrlCredentials, UrlError, UrlProblem, join_path,
    parse_base_url,
};
pub use fetch::{
    ERROR_BODY_MAX, FetchError, FetchOptions, FetchStats, Fetcher, Reply, StatusReply,
    is_sensitive_header,
};
pub use outcome::Outcome;
pub use record::{
    Manifest, ObjectsEntry, PrometheusEntry, RecordedScope, Recorder, RecordingError, TraceEntry,
};
pub use redact::{
    Secrets, is_secret_key, redact_query, redact_raw, redact_url, redact_url_str, shorten,
};
pub use retry::{Failure, RetryPolicy, is_retryable_status, retry_after};
pub use scope::{
    MAX_WINDOW, MIN_WINDOW, Scope, TimeArgError, from_unix_seconds, parse_at, parse_window,
    parse_window_range, round_to_second, unix_seconds,
};
pub use server::{
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT, EXCERPT_CHARS, HttpError, Peer,
    Server, ServerConfig,
};
