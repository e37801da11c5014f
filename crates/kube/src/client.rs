//! The HTTP side: one authenticated GET with timeout, bounded retries, a size
//! cap and credentials that never reach a message.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::kubeconfig::{ClusterConfig, redact_url};
use crate::{ClusterOptions, KubeError, Verb};

/// First backoff delay; doubled on every retry.
const BACKOFF_START: Duration = Duration::from_millis(200);
/// Longest backoff delay, including one asked for by `Retry-After`.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 300;
/// Error bodies are read up to this size only.
const ERROR_BODY_MAX: u64 = 64 * 1024;

/// A configured client for one API server.
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    authorization: Option<reqwest::header::HeaderValue>,
    identity: String,
    retries: u32,
    timeout: Duration,
    max_bytes: u64,
    secrets: Vec<String>,
    pub requests: AtomicUsize,
    pub retried: AtomicUsize,
    pub bytes: AtomicU64,
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

enum Attempt {
    Retry {
        error: KubeError,
        after: Option<Duration>,
    },
    Fail(KubeError),
}

impl Client {
    pub fn new(config: &ClusterConfig, options: &ClusterOptions) -> Result<Client, KubeError> {
        Ok(Client {
            http: config.http_client(options.timeout)?,
            base: config.server().clone(),
            authorization: config.authorization().cloned(),
            identity: config.identity(),
            retries: options.retries,
            timeout: options.timeout,
            max_bytes: options.max_response_bytes,
            secrets: config.secrets().to_vec(),
            requests: AtomicUsize::new(0),
            retried: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        })
    }

    /// The URL of an API path under the server's own path prefix, without
    /// query: what messages show.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
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
        let attempts = self.retries.saturating_add(1);
        let mut attempt = 1;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.attempt(&full, &display, purpose, attempt).await {
                Ok(got) => return Ok(got),
                Err(Attempt::Retry { after, .. }) if attempt < attempts => {
                    let backoff = BACKOFF_START.saturating_mul(1 << (attempt - 1).min(16));
                    let delay = after.unwrap_or(backoff).min(BACKOFF_MAX);
                    tokio::time::sleep(delay).await;
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                Err(Attempt::Retry { error, .. }) | Err(Attempt::Fail(error)) => return Err(error),
            }
        }
    }

    async fn attempt(
        &self,
        url: &Url,
        display: &str,
        purpose: &Purpose<'_>,
        attempt: u32,
    ) -> Result<Got, Attempt> {
        let mut request = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(value) = &self.authorization {
            request = request.header(AUTHORIZATION, value.clone());
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(e, display, attempt, 0)),
        };
        let status = response.status();
        if status.is_success() {
            if response
                .content_length()
                .is_some_and(|n| n > self.max_bytes)
            {
                return Err(Attempt::Fail(self.too_large(display)));
            }
            let body = self
                .read_capped(&mut response, self.max_bytes, false, display, attempt)
                .await?;
            return Ok(Got::Body(body));
        }
        let after = retry_after(response.headers());
        let body = self
            .read_capped(&mut response, ERROR_BODY_MAX, true, display, attempt)
            .await
            .unwrap_or_default();
        match status {
            StatusCode::NOT_FOUND => Ok(Got::NotFound),
            StatusCode::GONE => Ok(Got::Gone),
            StatusCode::UNAUTHORIZED => Err(Attempt::Fail(KubeError::Unauthorized {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.identity.clone(),
                message: self.status_message(&body),
            })),
            StatusCode::FORBIDDEN => Err(Attempt::Fail(KubeError::Forbidden {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.identity.clone(),
                verb: purpose.verb,
                scope: purpose.scope.to_string(),
                message: self.status_message(&body),
            })),
            _ => {
                let hint = match status.as_u16() {
                    429 => "the API server is throttling requests; retry later",
                    500..=599 => {
                        "the API server is failing or overloaded; check its health and retry later"
                    }
                    _ => "check that the kubeconfig's `server` is the Kubernetes API server",
                };
                let error = KubeError::Http {
                    url: display.to_string(),
                    resource: purpose.resource.to_string(),
                    status: status.as_u16(),
                    attempts: attempt,
                    excerpt: self.excerpt(&body),
                    hint,
                };
                if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                    Err(Attempt::Retry { error, after })
                } else {
                    Err(Attempt::Fail(error))
                }
            }
        }
    }

    /// Reads the body up to `limit` bytes. With `truncate`, a longer body is
    /// cut (for error excerpts); without, it is a [`KubeError::TooLarge`].
    async fn read_capped(
        &self,
        response: &mut reqwest::Response,
        limit: u64,
        truncate: bool,
        display: &str,
        attempt: u32,
    ) -> Result<Vec<u8>, Attempt> {
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .unwrap_or(0)
                .min(limit)
                .min(1 << 24) as usize,
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > limit {
                        if truncate {
                            let room = limit as usize - body.len();
                            body.extend_from_slice(&chunk[..room]);
                            return Ok(body);
                        }
                        return Err(Attempt::Fail(self.too_large(display)));
                    }
                    self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.transport_error(e, display, attempt, body.len())),
            }
        }
    }

    fn too_large(&self, display: &str) -> KubeError {
        KubeError::TooLarge {
            url: display.to_string(),
            limit: self.max_bytes,
        }
    }

    fn transport_error(
        &self,
        e: reqwest::Error,
        display: &str,
        attempt: u32,
        received: usize,
    ) -> Attempt {
        let e = e.without_url();
        if e.is_timeout() {
            return Attempt::Fail(KubeError::Timeout {
                url: display.to_string(),
                timeout: self.timeout,
            });
        }
        let reason = self.scrub(&error_chain(&e));
        if received == 0 && is_certificate_error(&reason) {
            // Retrying cannot help.
            return Attempt::Fail(KubeError::Tls {
                url: display.to_string(),
                reason,
            });
        }
        let error = if received > 0 || e.is_body() || e.is_decode() {
            KubeError::Body {
                url: display.to_string(),
                received,
                reason,
            }
        } else {
            KubeError::Connect {
                url: display.to_string(),
                attempts: attempt,
                reason,
            }
        };
        Attempt::Retry { error, after: None }
    }

    /// The `message` of a Kubernetes `Status` answer, else an excerpt.
    fn status_message(&self, body: &[u8]) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Status {
            message: Option<String>,
        }
        match serde_json::from_slice::<Status>(body) {
            Ok(Status { message: Some(m) }) if !m.trim().is_empty() => {
                Some(self.scrub(&shorten(&m)))
            }
            _ => self.excerpt(body),
        }
    }

    fn excerpt(&self, body: &[u8]) -> Option<String> {
        let text = shorten(&String::from_utf8_lossy(body));
        (!text.is_empty()).then(|| format!("{:?}", self.scrub(&text)))
    }

    /// Replaces every configured secret in server-provided text.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Whitespace collapsed, at most [`EXCERPT_CHARS`] characters.
fn shorten(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// The error and its sources, joined, without any URL.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Whether a connection error is rustls refusing a certificate.
fn is_certificate_error(reason: &str) -> bool {
    let lower = reason.to_ascii_lowercase();
    lower.contains("invalid peer certificate")
        || lower.contains("certificate required")
        || lower.contains("bad certificate")
        || lower.contains("unknown ca")
}

/// `Retry-After` in seconds, as the API server sends it.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    text.parse::<u64>().ok().map(Duration::from_secs)
}
