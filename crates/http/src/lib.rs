//! The HTTP plumbing meshgraph's collectors (Prometheus, traces, Kubernetes)
//! share: checking a server URL and moving its credentials out, building a
//! `reqwest` client, sending one request and reading the answer under a size
//! cap, retrying with backoff, and keeping secrets out of every message.
//!
//! What the crate returns are small typed errors and outcomes
//! ([`UrlError`], [`ClientError`], [`FetchError`], [`Reply`]); each collector
//! maps them to its own error enum, whose messages name its URL and say what
//! to do. Any text the crate puts in an error has the configured [`Secrets`]
//! scrubbed out and no URL in it.
//!
//! One module per concern:
//!
//! - `auth`: [`Auth`], credentials with a redacting `Debug`.
//! - `endpoint`: [`parse_base_url`], [`Endpoint`] (URL, auth, headers,
//!   secrets of one server) and [`join_path`].
//! - `redact`: [`redact_url`], [`redact_raw`], [`redact_url_str`],
//!   [`Secrets`] and [`shorten`].
//! - `client`: [`ClientOptions`] and [`build_client`] (timeouts, redirects,
//!   CA certificates, TLS verification, client certificate).
//! - `body`: [`read_capped`], a streaming read under a size cap.
//! - `retry`: [`RetryPolicy`] (exponential backoff, `Retry-After` with a
//!   cap), [`Failure`] and [`retry_after`].
//! - `fetch`: [`Fetcher`], one attempt: send, classify the failure, read.
//! - `busy`: [`BusyClock`], time with at least one request in flight.
//!
//! The crate depends on no other meshgraph crate.

mod auth;
mod body;
mod busy;
mod client;
mod endpoint;
mod fetch;
mod redact;
mod retry;

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
};
pub use redact::{Secrets, redact_raw, redact_url, redact_url_str, shorten};
pub use retry::{Failure, RetryPolicy, is_retryable_status, retry_after};
