//! The HTTP side: GET with a timeout, bounded retries with backoff on 429, 5xx
//! and connection errors, a cap on the answer's size, and credentials that
//! never reach a message. Same approach as `meshgraph-prometheus`' client,
//! which is private to that crate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::{Auth, TracesConfig, TracesError};

/// First backoff delay; doubled on every retry.
const BACKOFF_START: Duration = Duration::from_millis(200);
/// Longest backoff delay, including one asked for by `Retry-After`.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 200;
/// Error bodies are read up to this size only.
const ERROR_BODY_MAX: u64 = 64 * 1024;

/// A configured client for one tracing backend.
pub(crate) struct Http {
    client: reqwest::Client,
    /// The base URL without credentials, path without a trailing slash.
    base: Url,
    auth: Auth,
    headers: HeaderMap,
    retries: u32,
    timeout: Duration,
    max_bytes: u64,
    secrets: Vec<String>,
    busy: BusyClock,
}

/// An answer: 2xx, or a 404 the caller asked to see.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The URL asked, without credentials.
    pub url: String,
}

enum Attempt {
    Retry {
        error: TracesError,
        after: Option<Duration>,
    },
    Fail(TracesError),
}

impl Http {
    pub fn new(config: &TracesConfig) -> Result<Http, TracesError> {
        let mut url = Url::parse(config.url.trim()).map_err(|e| TracesError::InvalidUrl {
            url: redact_raw(&config.url),
            reason: e.to_string(),
        })?;
        let invalid = |url: &Url, reason: &str| TracesError::InvalidUrl {
            url: redact_url(url),
            reason: reason.into(),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(&url, "only http and https are supported"));
        }
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(invalid(&url, "the URL has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                &url,
                "the URL must not have a query string or fragment",
            ));
        }
        let mut secrets = Vec::new();
        let mut auth = config.auth.clone();
        if !url.username().is_empty() || url.password().is_some() {
            let user = percent_decode(url.username());
            let password = percent_decode(url.password().unwrap_or_default());
            if matches!(auth, Auth::None) {
                auth = Auth::Basic {
                    user: user.clone(),
                    password: password.clone(),
                };
            }
            secrets.push(password);
            secrets.push(url.password().unwrap_or_default().to_string());
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        match &auth {
            Auth::None => {}
            Auth::Bearer(token) => secrets.push(token.clone()),
            Auth::Basic { password, .. } => secrets.push(password.clone()),
        }
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);

        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                TracesError::Config(format!("{name:?} is not a valid HTTP header name"))
            })?;
            let mut v = HeaderValue::from_str(value.trim()).map_err(|_| {
                TracesError::Config(format!(
                    "the value of header {name} is not a valid header value"
                ))
            })?;
            v.set_sensitive(true);
            headers.append(header, v);
            secrets.push(value.trim().to_string());
        }
        // Scrubbing very short values would mangle messages and protects little.
        secrets.retain(|s| s.len() >= 4);

        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("meshgraph/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            let ca_error = |reason: String| TracesError::CaFile {
                path: path.clone(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no PEM certificate in it".into()));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder.build().map_err(|e| {
            TracesError::Config(format!(
                "cannot set up the HTTP client: {}",
                e.without_url()
            ))
        })?;
        Ok(Http {
            client,
            base: url,
            auth,
            headers,
            retries: config.retries,
            timeout: config.timeout,
            max_bytes: config.max_response_bytes,
            secrets,
            busy: BusyClock::default(),
        })
    }

    /// The base URL without credentials.
    pub fn display_base(&self) -> String {
        self.base.to_string()
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.busy.total()
    }

    /// `base + path` with the query; `path` starts with `/`.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", self.base.path().trim_end_matches('/'));
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// GETs `path`; a 404 is an answer when `allow_404`, an error otherwise.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        allow_404: bool,
    ) -> Result<Answer, TracesError> {
        let url = self.url(path, query);
        let display = url.to_string();
        let attempts = self.retries.saturating_add(1);
        let mut attempt = 1;
        loop {
            let outcome = {
                let _busy = self.busy.enter();
                self.attempt(&url, &display, allow_404, attempt).await
            };
            match outcome {
                Ok(answer) => return Ok(answer),
                Err(Attempt::Retry { after, .. }) if attempt < attempts => {
                    let backoff = BACKOFF_START.saturating_mul(1 << (attempt - 1).min(16));
                    tokio::time::sleep(after.unwrap_or(backoff).min(BACKOFF_MAX)).await;
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
        allow_404: bool,
        attempt: u32,
    ) -> Result<Answer, Attempt> {
        let mut request = self
            .client
            .get(url.clone())
            .headers(self.headers.clone())
            // Tempo answers protobuf unless JSON is asked for.
            .header(reqwest::header::ACCEPT, "application/json");
        request = match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
        };
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(e, display, attempt, 0)),
        };
        let status = response.status();
        if status == StatusCode::NOT_FOUND && allow_404 {
            let body = self
                .read_capped(&mut response, ERROR_BODY_MAX, true, display, attempt)
                .await?;
            return Ok(Answer {
                status: 404,
                body,
                url: display.to_string(),
            });
        }
        if !status.is_success() {
            let after = retry_after(response.headers());
            let body = self
                .read_capped(&mut response, ERROR_BODY_MAX, true, display, attempt)
                .await
                .unwrap_or_default();
            let error = self.status_error(status, &body, display, attempt);
            return Err(
                if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                    Attempt::Retry { error, after }
                } else {
                    Attempt::Fail(error)
                },
            );
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes)
        {
            return Err(Attempt::Fail(self.too_large(display)));
        }
        let body = self
            .read_capped(&mut response, self.max_bytes, false, display, attempt)
            .await?;
        Ok(Answer {
            status: status.as_u16(),
            body,
            url: display.to_string(),
        })
    }

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
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.transport_error(e, display, attempt, body.len())),
            }
        }
    }

    fn too_large(&self, display: &str) -> TracesError {
        TracesError::TooLarge {
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
            return Attempt::Fail(TracesError::Timeout {
                url: display.to_string(),
                timeout: self.timeout,
            });
        }
        let reason = self.scrub(&error_chain(&e));
        let error = if received > 0 || e.is_body() || e.is_decode() {
            TracesError::Body {
                url: display.to_string(),
                received,
                reason,
            }
        } else {
            TracesError::Connect {
                url: display.to_string(),
                attempts: attempt,
                reason,
            }
        };
        Attempt::Retry { error, after: None }
    }

    fn status_error(
        &self,
        status: StatusCode,
        body: &[u8],
        display: &str,
        attempt: u32,
    ) -> TracesError {
        let text = String::from_utf8_lossy(body);
        let excerpt: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(EXCERPT_CHARS)
            .collect();
        let hint = match status.as_u16() {
            401 | 403 => "check the credentials (bearer token, basic auth, headers)",
            404 => {
                "check the path in --jaeger / --tempo: it is the query service's base URL (e.g. http://host:16686, http://host/jaeger or http://tempo:3200)"
            }
            429 => "the server is rate limiting; retry later",
            500..=599 => "the server is failing or overloaded; check its health, retry later",
            _ => "check that --jaeger / --tempo points at the query API",
        };
        TracesError::Http {
            url: display.to_string(),
            status: status.as_u16(),
            attempts: attempt,
            excerpt: (!excerpt.is_empty()).then(|| format!("{:?}", self.scrub(&excerpt))),
            hint,
        }
    }

    /// Replaces every configured secret in server-provided text.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
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

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(text)
        .ok()?;
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URL without user name and password.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

/// Removes the user-info part of a URL string that did not parse.
pub(crate) fn redact_raw(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => (&text[..i + 3], &text[i + 3..]),
        None => ("", text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// Adds up the time during which at least one request is in flight.
#[derive(Default)]
struct BusyClock {
    state: Mutex<(usize, Option<Instant>, Duration)>,
}

struct BusyGuard<'a>(&'a BusyClock);

impl BusyClock {
    fn enter(&self) -> BusyGuard<'_> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 == 0 {
            s.1 = Some(Instant::now());
        }
        s.0 += 1;
        BusyGuard(self)
    }

    fn total(&self) -> Duration {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.2 + s
            .1
            .filter(|_| s.0 > 0)
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 -= 1;
        if s.0 == 0
            && let Some(since) = s.1.take()
        {
            s.2 += since.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_base_paths_and_lose_credentials() {
        let config = TracesConfig::jaeger("http://u:p%40ss@127.0.0.1:9/jaeger/");
        let http = Http::new(&config).unwrap();
        assert_eq!(http.display_base(), "http://127.0.0.1:9/jaeger");
        assert_eq!(
            http.url("/api/v3/services", &[]).as_str(),
            "http://127.0.0.1:9/jaeger/api/v3/services"
        );
        assert_eq!(
            http.url("/api/traces", &[("service", "a b".into())])
                .as_str(),
            "http://127.0.0.1:9/jaeger/api/traces?service=a+b"
        );
        assert!(
            matches!(&http.auth, Auth::Basic { user, password } if user == "u" && password == "p@ss")
        );
        let e = Http::new(&TracesConfig::jaeger("http://a:secret@[::1"))
            .err()
            .unwrap();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(Http::new(&TracesConfig::tempo("ftp://x")).is_err());
    }
}
