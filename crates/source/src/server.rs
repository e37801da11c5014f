//! One server a source talks to: its settings ([`ServerConfig`]), how
//! messages name it ([`Peer`]), the errors talking to it can give
//! ([`HttpError`]), and the opened connection ([`Server`]).

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode, Url};

use crate::{
    Auth, ClientError, ClientOptions, Endpoint, EndpointError, Failure, FetchError, FetchOptions,
    Fetcher, Reply, RetryPolicy, Trust, build_client, join_path,
};

/// Default timeout of one HTTP request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default cap on one answer's size.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 512 * 1024 * 1024;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// How much of an error body is quoted in an error message.
pub const EXCERPT_CHARS: usize = 200;

/// Where a server is and how to talk to it: the connection settings every
/// HTTP source (Prometheus, Jaeger, Tempo) takes. `Debug` never shows a
/// secret: the URL without credentials, the auth redacted, header names only.
#[derive(Clone)]
pub struct ServerConfig {
    /// Base URL of the API, a path prefix allowed (`http://host/prometheus`).
    pub url: String,
    pub auth: Auth,
    /// Extra request headers (`X-Scope-OrgID` for Mimir or Tempo, ...).
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
    /// A client certificate chain followed by its private key, PEM (a kube
    /// context's client certificate, to reach a Service through the API
    /// server's proxy).
    pub identity_pem: Option<Vec<u8>>,
}

impl ServerConfig {
    /// The defaults with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        ServerConfig {
            url: url.into(),
            ..Default::default()
        }
    }

    /// Checks the settings and sets up the connection; errors are named after
    /// `peer`.
    pub fn open(&self, peer: &'static Peer) -> Result<Server, HttpError> {
        let endpoint =
            Endpoint::new(&self.url, &self.auth, &self.headers).map_err(|e| match e {
                EndpointError::Url(e) => HttpError::InvalidUrl {
                    peer,
                    url: e.url,
                    reason: e.problem.to_string(),
                },
                other => HttpError::Setting {
                    peer,
                    reason: other.to_string(),
                },
            })?;
        let mut base = endpoint.url;
        let path = base.path().trim_end_matches('/').to_string();
        base.set_path(&path);
        // Redirects are followed by the fetcher, which knows which headers
        // must not leave the origin.
        let options = ClientOptions {
            trust: Trust::from_ca_file(self.ca_file.as_deref()),
            redirects: crate::Redirects::Never,
            identity_pem: self.identity_pem.clone(),
            ..ClientOptions::new(self.timeout)
        };
        let client = build_client(&options).map_err(|e| {
            let path = self.ca_file.clone().unwrap_or_default();
            match e {
                ClientError::Ca { reason } => HttpError::CaFile { path, reason },
                ClientError::NoCaCertificate => HttpError::CaFile {
                    path,
                    reason: "no PEM certificate in it".into(),
                },
                ClientError::Identity { reason } | ClientError::Build { reason } => {
                    HttpError::Setting {
                        peer,
                        reason: format!("cannot set up the HTTP client: {reason}"),
                    }
                }
            }
        })?;
        Ok(Server {
            peer,
            fetcher: Fetcher::new(
                client,
                FetchOptions {
                    headers: endpoint.headers,
                    secrets: endpoint.secrets,
                    max_bytes: self.max_response_bytes,
                },
            )
            .following_redirects(MAX_REDIRECTS),
            retry: RetryPolicy::new(self.retries),
            base,
            auth: endpoint.auth,
            timeout: self.timeout,
        })
    }
}

impl Default for ServerConfig {
    /// No URL, no auth, 30 s, 3 retries, 512 MiB.
    fn default() -> Self {
        ServerConfig {
            url: String::new(),
            auth: Auth::None,
            headers: Vec::new(),
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            identity_pem: None,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = crate::redact_url_str(&self.url);
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ServerConfig")
            .field("url", &url)
            .field("auth", &self.auth)
            .field("headers", &header_names)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("identity_pem", &self.identity_pem.is_some())
            .finish()
    }
}

/// How a source's messages name its server and what they advise. One
/// constant per source; [`HttpError`] builds every message from it.
#[derive(Debug, PartialEq, Eq)]
pub struct Peer {
    /// `Prometheus`, `the tracing backend`, `the Kubernetes API server`.
    pub name: &'static str,
    /// Who sits behind proxies: `Prometheus`, `the API server`.
    pub behind_proxies: &'static str,
    /// What an invalid URL is called: `Prometheus URL`.
    pub url_name: &'static str,
    /// After an invalid URL: `check --prometheus (e.g. ...)`.
    pub url_hint: &'static str,
    /// What the settings are called: `Prometheus`, `traces`.
    pub settings_name: &'static str,
    /// After "cannot reach": `is Prometheus running and reachable? ...`.
    pub unreachable_hint: &'static str,
    /// After a timeout: `raise the query timeout, ...`.
    pub timeout_hint: &'static str,
    /// After an oversized answer: `select fewer namespaces (-n) or ...`.
    pub too_large_hint: &'static str,
    /// Timeouts in fractional seconds (`0.3s`) rather than `300ms`.
    pub timeout_in_seconds: bool,
}

/// Why talking to a server failed. Messages name the server as its [`Peer`]
/// says, its URL without credentials, and what to do; text quoted from the
/// server has the configured secrets scrubbed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The URL is not an http(s) URL.
    #[error("invalid {} {url:?}: {reason}; {}", peer.url_name, peer.url_hint)]
    InvalidUrl {
        peer: &'static Peer,
        url: String,
        reason: String,
    },

    /// A header or client setting cannot be used.
    #[error("invalid {} setting: {reason}", peer.settings_name)]
    Setting { peer: &'static Peer, reason: String },

    /// The custom CA file cannot be read or holds no PEM certificate.
    #[error("cannot use the CA file {}: {reason}; pass a PEM file with the CA certificate(s)", path.display())]
    CaFile { path: PathBuf, reason: String },

    /// No connection could be made, after every retry.
    #[error("cannot reach {} at {url} ({attempts} attempts): {reason}; {}", peer.name, peer.unreachable_hint)]
    Connect {
        peer: &'static Peer,
        url: String,
        attempts: u32,
        reason: String,
    },

    /// The server did not answer in time.
    #[error("{} at {url} did not answer within {}; {}", peer.name, format_timeout(peer, *timeout), peer.timeout_hint)]
    Timeout {
        peer: &'static Peer,
        url: String,
        timeout: Duration,
    },

    /// The server answered with an HTTP error status (after every retry for
    /// 429/5xx).
    #[error("{} at {url} answered HTTP {status} ({attempts} attempts){}{}: {hint}", peer.name, reading.as_deref().map(|r| format!(" while reading {r}")).unwrap_or_default(), excerpt.as_deref().map(|e| format!(": {e}")).unwrap_or_default())]
    Status {
        peer: &'static Peer,
        url: String,
        status: u16,
        attempts: u32,
        /// What was being read (`deployments.apps`), when the source says.
        reading: Option<String>,
        excerpt: Option<String>,
        hint: &'static str,
    },

    /// The answer is larger than the size cap.
    #[error("the answer from {url} is larger than the limit of {limit} bytes; {}", peer.too_large_hint)]
    TooLarge {
        peer: &'static Peer,
        url: String,
        limit: u64,
    },

    /// The answer cannot be used as it came (gzip nobody asked for, a
    /// redirect that cannot be followed safely).
    #[error("{} at {url}: {reason}", peer.name)]
    Unusable {
        peer: &'static Peer,
        url: String,
        reason: String,
    },

    /// The connection broke while the answer was being read.
    #[error("reading the answer from {url} failed after {received} bytes: {reason}; retry, or check proxies between meshgraph and {}", peer.behind_proxies)]
    Body {
        peer: &'static Peer,
        url: String,
        received: usize,
        reason: String,
    },
}

fn format_timeout(peer: &Peer, timeout: Duration) -> String {
    if peer.timeout_in_seconds {
        format!("{}s", timeout.as_secs_f64())
    } else {
        humantime::format_duration(timeout).to_string()
    }
}

impl HttpError {
    /// The one mapping of a failed attempt (see [`Fetcher::fetch`]) to an
    /// error: retried on connection and read failures, final on a timeout
    /// or an oversized answer. `url` is shown as it is (without credentials).
    pub fn from_fetch(
        peer: &'static Peer,
        error: FetchError,
        url: &str,
        attempt: u32,
        timeout: Duration,
    ) -> Failure<HttpError> {
        let url = url.to_string();
        let retry = error.is_retryable();
        let error = match error {
            FetchError::Timeout => HttpError::Timeout { peer, url, timeout },
            FetchError::TooLarge { limit } => HttpError::TooLarge { peer, url, limit },
            FetchError::Connect { reason } => HttpError::Connect {
                peer,
                url,
                attempts: attempt,
                reason,
            },
            FetchError::Unusable { reason } => HttpError::Unusable { peer, url, reason },
            FetchError::Body { received, reason } => HttpError::Body {
                peer,
                url,
                received,
                reason,
            },
        };
        Failure::retry_if(retry, error)
    }

    /// The HTTP status, for a [`HttpError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An opened connection to one server: a client, the retry policy, the base
/// URL without credentials and the auth. Shared by concurrent tasks.
#[derive(Debug)]
pub struct Server {
    peer: &'static Peer,
    fetcher: Fetcher,
    retry: RetryPolicy,
    base: Url,
    auth: Auth,
    timeout: Duration,
}

impl Server {
    /// The base URL without credentials, its path without a trailing `/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `base + path` with the query; `path` starts with `/`.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = join_path(&self.base, path);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// The configured auth (from the settings or the URL's user-info).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Runs `attempt` (numbered from 1) under the retry policy.
    pub async fn with_retries<T, E, Fut>(&self, attempt: impl FnMut(u32) -> Fut) -> Result<T, E>
    where
        Fut: std::future::Future<Output = Result<T, Failure<E>>>,
    {
        self.retry.run(attempt).await
    }

    /// Sends a request once, with the configured headers and auth, and reads
    /// the answer; `build` adds a body or whatever else the request needs.
    /// Failures are mapped by [`HttpError::from_fetch`].
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        display: &str,
        attempt: u32,
        build: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> Result<Reply, Failure<HttpError>> {
        let request = build(self.fetcher.request(method, url.clone()));
        self.fetcher
            .fetch(self.auth.apply(request))
            .await
            .map_err(|e| self.fetch_failure(e, display, attempt))
    }

    /// A failed attempt as an error (see [`HttpError::from_fetch`]).
    pub fn fetch_failure(&self, e: FetchError, display: &str, attempt: u32) -> Failure<HttpError> {
        HttpError::from_fetch(self.peer, e, display, attempt, self.timeout)
    }

    /// A non-2xx answer as an error, quoting the (scrubbed) body.
    pub fn status_error(
        &self,
        status: StatusCode,
        body: &[u8],
        display: &str,
        attempt: u32,
        hint: &'static str,
    ) -> HttpError {
        HttpError::Status {
            peer: self.peer,
            url: display.to_string(),
            status: status.as_u16(),
            attempts: attempt,
            reading: None,
            excerpt: self.fetcher.secrets().excerpt(body, EXCERPT_CHARS),
            hint,
        }
    }

    /// Replaces every configured secret in server-provided text.
    pub fn scrub(&self, text: &str) -> String {
        self.fetcher.secrets().scrub(text)
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.fetcher.stats().busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST: Peer = Peer {
        name: "the test server",
        behind_proxies: "the test server",
        url_name: "test URL",
        url_hint: "check --test",
        settings_name: "test",
        unreachable_hint: "is it up?",
        timeout_hint: "raise the timeout",
        too_large_hint: "ask for less",
        timeout_in_seconds: false,
    };

    #[test]
    fn debug_never_shows_a_secret() {
        let config = ServerConfig {
            auth: Auth::Bearer("t0ken".into()),
            headers: vec![("X-Scope-OrgID".into(), "tenant-secret".into())],
            ..ServerConfig::new("http://user:hunter2@prom:9090/p")
        };
        let debug = format!("{config:?}");
        for secret in ["t0ken", "tenant-secret", "hunter2"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("X-Scope-OrgID") && debug.contains("prom:9090/p"));
    }

    #[test]
    fn opening_keeps_the_path_prefix_and_moves_credentials_out() {
        let server = ServerConfig::new("http://u:p%40ss@127.0.0.1:9/jaeger/")
            .open(&TEST)
            .unwrap();
        assert_eq!(server.base().as_str(), "http://127.0.0.1:9/jaeger");
        assert_eq!(
            server.url("/api", &[("q", "a b".into())]).as_str(),
            "http://127.0.0.1:9/jaeger/api?q=a+b"
        );
        assert!(
            matches!(server.auth(), Auth::Basic { user, password } if user == "u" && password == "p@ss")
        );
        let e = ServerConfig::new("http://a:secret@[::1")
            .open(&TEST)
            .unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().starts_with("invalid test URL"), "{e}");
    }

    #[test]
    fn messages_follow_the_peer() {
        let Failure::Fail(e) = HttpError::from_fetch(
            &TEST,
            FetchError::Timeout,
            "http://h/",
            1,
            Duration::from_millis(300),
        ) else {
            panic!("a timeout is final")
        };
        assert_eq!(
            e.to_string(),
            "the test server at http://h/ did not answer within 300ms; raise the timeout"
        );
    }
}
