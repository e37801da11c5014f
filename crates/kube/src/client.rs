//! The HTTP side: one authenticated GET with timeout, bounded retries, a size
//! cap and credentials that never reach a message. The plumbing is
//! `meshgraph-source`'s; this module says what to ask and what failures mean.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use meshgraph_source::{
    Failure, FetchError, FetchOptions, FetchStats, Fetcher, HttpError, Reply, RetryPolicy, Secrets,
    join_path, redact_url, shorten,
};
use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::{Method, StatusCode, Url};

use crate::kubeconfig::ClusterConfig;
use crate::{ClusterOptions, KUBERNETES_API, KubeError, Verb};

/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 300;

/// A configured client for one API server.
pub(crate) struct Client {
    fetcher: Fetcher,
    retry: RetryPolicy,
    base: Url,
    identity: String,
    timeout: Duration,
    retried: AtomicUsize,
}

/// What a GET gave, apart from errors.
pub(crate) enum Got {
    Body(Vec<u8>),
    /// 404: the resource type is not served (CRD not installed) or the
    /// object does not exist.
    NotFound,
    /// 410: a `continue` token expired.
    Gone,
}

/// What the request is for, in messages.
pub(crate) struct Purpose<'a> {
    /// `deployments.apps`, `virtualservices.networking.istio.io`, ...
    pub resource: &'a str,
    /// `-A` or `-n NAMESPACE`.
    pub scope: &'a str,
    /// `list`, or `get` for one object.
    pub verb: Verb,
}

impl Client {
    pub fn new(config: &ClusterConfig, options: &ClusterOptions) -> Result<Client, KubeError> {
        let mut headers = HeaderMap::new();
        if let Some(value) = config.authorization() {
            headers.insert(AUTHORIZATION, value.clone());
        }
        let fetch = FetchOptions {
            headers,
            secrets: config.secrets().iter().cloned().collect::<Secrets>(),
            max_bytes: options.max_response_bytes,
        };
        Ok(Client {
            fetcher: Fetcher::new(config.http_client(options.timeout)?, fetch),
            retry: RetryPolicy::new(options.retries),
            base: config.server().clone(),
            identity: config.identity(),
            timeout: options.timeout,
            retried: AtomicUsize::new(0),
        })
    }

    /// Requests sent and body bytes read so far.
    pub fn stats(&self) -> FetchStats {
        self.fetcher.stats()
    }

    /// Of the requests, retries.
    pub fn retried(&self) -> usize {
        self.retried.load(Ordering::Relaxed)
    }

    /// The URL of an API path under the server's own path prefix, without
    /// query: what messages show.
    pub fn url(&self, path: &str) -> Url {
        join_path(&self.base, path)
    }

    /// GETs `path` with `query`, retrying on 429, 5xx and connection errors.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        purpose: &Purpose<'_>,
    ) -> Result<Got, KubeError> {
        let url = self.url(path);
        let display = redact_url(&url);
        let mut full = url;
        if !query.is_empty() {
            full.query_pairs_mut().extend_pairs(query);
        }
        self.retry
            .run(|attempt| self.attempt(&full, &display, purpose, attempt))
            .await
    }

    async fn attempt(
        &self,
        url: &Url,
        display: &str,
        purpose: &Purpose<'_>,
        attempt: u32,
    ) -> Result<Got, Failure<KubeError>> {
        if attempt > 1 {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        let request = self.fetcher.request(Method::GET, url.clone());
        let reply = match self.fetcher.fetch(request).await {
            Ok(Reply::Success { body, .. }) => return Ok(Got::Body(body)),
            Ok(Reply::Status(reply)) => reply,
            Err(e) => return Err(self.fetch_failure(e, display, attempt)),
        };
        let body = reply.body.as_deref().unwrap_or_default();
        match reply.status {
            StatusCode::NOT_FOUND => Ok(Got::NotFound),
            StatusCode::GONE => Ok(Got::Gone),
            StatusCode::UNAUTHORIZED => Err(Failure::Fail(KubeError::Unauthorized {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.identity.clone(),
                message: self.status_message(body),
            })),
            StatusCode::FORBIDDEN => Err(Failure::Fail(KubeError::Forbidden {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.identity.clone(),
                verb: purpose.verb,
                scope: purpose.scope.to_string(),
                message: self.status_message(body),
            })),
            status => {
                let hint = match status.as_u16() {
                    429 => "the API server is throttling requests; retry later",
                    500..=599 => {
                        "the API server is failing or overloaded; check its health and retry later"
                    }
                    _ => "check that the kubeconfig's `server` is the Kubernetes API server",
                };
                Err(reply.failure(KubeError::Http(HttpError::Status {
                    peer: &KUBERNETES_API,
                    url: display.to_string(),
                    status: status.as_u16(),
                    attempts: attempt,
                    reading: Some(purpose.resource.to_string()),
                    excerpt: self.fetcher.secrets().excerpt(body, EXCERPT_CHARS),
                    hint,
                })))
            }
        }
    }

    fn fetch_failure(&self, e: FetchError, display: &str, attempt: u32) -> Failure<KubeError> {
        match e {
            // Retrying cannot help.
            FetchError::Connect { reason }
            | FetchError::Body {
                received: 0,
                reason,
            } if is_certificate_error(&reason) => Failure::Fail(KubeError::Tls {
                url: display.to_string(),
                reason,
            }),
            e => HttpError::from_fetch(&KUBERNETES_API, e, display, attempt, self.timeout)
                .map(KubeError::from),
        }
    }

    /// The `message` of a Kubernetes `Status` answer, else an excerpt.
    fn status_message(&self, body: &[u8]) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Status {
            message: Option<String>,
        }
        let secrets = self.fetcher.secrets();
        match serde_json::from_slice::<Status>(body) {
            Ok(Status { message: Some(m) }) if !m.trim().is_empty() => {
                Some(shorten(&secrets.scrub(&m), EXCERPT_CHARS))
            }
            _ => secrets.excerpt(body, EXCERPT_CHARS),
        }
    }
}

/// Whether a connection error is rustls refusing a certificate.
fn is_certificate_error(reason: &str) -> bool {
    let lower = reason.to_ascii_lowercase();
    lower.contains("invalid peer certificate")
        || lower.contains("certificate required")
        || lower.contains("bad certificate")
        || lower.contains("unknown ca")
}
