//! The HTTP side: one instant query with timeout, bounded retries, a size cap
//! and credentials that never reach a message.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::{Auth, CollectError, PrometheusConfig};

/// First backoff delay; doubled on every retry.
const BACKOFF_START: Duration = Duration::from_millis(200);
/// Longest backoff delay, including one asked for by `Retry-After`.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 200;
/// Error bodies (4xx/5xx) are read up to this size only.
const ERROR_BODY_MAX: usize = 64 * 1024;

/// A configured client for one Prometheus-compatible server.
pub(crate) struct Client {
    http: reqwest::Client,
    endpoint: Url,
    /// `endpoint` without credentials, for messages.
    display: String,
    auth: Auth,
    headers: HeaderMap,
    retries: u32,
    timeout: Duration,
    max_bytes: u64,
    /// Values scrubbed from any text quoted from the server.
    secrets: Vec<String>,
    busy: BusyClock,
}

/// One successful answer.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
}

/// Why one attempt failed, and whether another is worth it.
enum Attempt {
    Retry {
        error: CollectError,
        after: Option<Duration>,
    },
    Fail(CollectError),
}

impl Client {
    pub fn new(config: &PrometheusConfig) -> Result<Client, CollectError> {
        let mut url = Url::parse(config.url.trim()).map_err(|e| CollectError::InvalidUrl {
            url: redact_raw(&config.url),
            reason: e.to_string(),
        })?;
        let invalid = |reason: &str| CollectError::InvalidUrl {
            url: redact_url(&url),
            reason: reason.into(),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("only http and https are supported"));
        }
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(invalid("the URL has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("the URL must not have a query string or fragment"));
        }
        let mut secrets = Vec::new();
        let mut auth = config.auth.clone();
        if !url.username().is_empty() || url.password().is_some() {
            let user = percent_decode(url.username());
            let password = url.password().map(percent_decode).unwrap_or_default();
            if matches!(auth, Auth::None) {
                auth = Auth::Basic {
                    user,
                    password: password.clone(),
                };
            }
            secrets.push(password);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        match &auth {
            Auth::None => {}
            Auth::Bearer(token) => secrets.push(token.clone()),
            Auth::Basic { password, .. } => secrets.push(password.clone()),
        }
        let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
        url.set_path(&path);
        let display = redact_url(&url);

        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                CollectError::Config(format!("{name:?} is not a valid HTTP header name"))
            })?;
            let mut v = HeaderValue::from_str(value.trim()).map_err(|_| {
                CollectError::Config(format!(
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
            let pem = std::fs::read(path).map_err(|e| CollectError::CaFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| CollectError::CaFile {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            if certs.is_empty() {
                return Err(CollectError::CaFile {
                    path: path.clone(),
                    reason: "no PEM certificate in it".into(),
                });
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder.build().map_err(|e| {
            CollectError::Config(format!(
                "cannot set up the HTTP client: {}",
                e.without_url()
            ))
        })?;
        Ok(Client {
            http,
            endpoint: url,
            display,
            auth,
            headers,
            retries: config.retries,
            timeout: config.timeout,
            max_bytes: config.max_response_bytes,
            secrets,
            busy: BusyClock::default(),
        })
    }

    /// The query endpoint without credentials.
    pub fn display_url(&self) -> &str {
        &self.display
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.busy.total()
    }

    /// Runs one instant query, retrying on 429, 5xx and connection errors.
    /// `family` names the query in messages.
    pub async fn query(
        &self,
        query: &str,
        time: f64,
        family: &str,
    ) -> Result<Fetched, CollectError> {
        let attempts = self.retries.saturating_add(1);
        let mut attempt = 1;
        loop {
            let outcome = {
                let _busy = self.busy.enter();
                self.attempt(query, time, family, attempt).await
            };
            match outcome {
                Ok(fetched) => return Ok(fetched),
                Err(Attempt::Retry { after, .. }) if attempt < attempts => {
                    let backoff = BACKOFF_START.saturating_mul(1 << (attempt - 1).min(16));
                    let delay = after.unwrap_or(backoff).min(BACKOFF_MAX);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(Attempt::Retry { error, .. }) | Err(Attempt::Fail(error)) => return Err(error),
            }
        }
    }

    async fn attempt(
        &self,
        query: &str,
        time: f64,
        family: &str,
        attempt: u32,
    ) -> Result<Fetched, Attempt> {
        let form = form_body(&[("query", query), ("time", &format_time(time))]);
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .headers(self.headers.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(form);
        request = match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
        };
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(e, attempt, 0)),
        };
        let status = response.status();
        if !status.is_success() {
            let after = retry_after(response.headers());
            let body = self
                .read_capped(&mut response, ERROR_BODY_MAX as u64, true, attempt)
                .await
                .unwrap_or_default();
            let error = self.status_error(status, &body, family, attempt);
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
            return Err(Attempt::Fail(self.too_large()));
        }
        let body = self
            .read_capped(&mut response, self.max_bytes, false, attempt)
            .await?;
        Ok(Fetched { body })
    }

    /// Reads the body up to `limit` bytes. With `truncate`, a longer body is cut
    /// (for error excerpts); without, it is a [`CollectError::TooLarge`].
    async fn read_capped(
        &self,
        response: &mut reqwest::Response,
        limit: u64,
        truncate: bool,
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
                        return Err(Attempt::Fail(self.too_large()));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.transport_error(e, attempt, body.len())),
            }
        }
    }

    fn too_large(&self) -> CollectError {
        CollectError::TooLarge {
            url: self.display.clone(),
            limit: self.max_bytes,
        }
    }

    fn transport_error(&self, e: reqwest::Error, attempt: u32, received: usize) -> Attempt {
        let e = e.without_url();
        if e.is_timeout() {
            return Attempt::Fail(CollectError::Timeout {
                url: self.display.clone(),
                timeout: self.timeout,
            });
        }
        let reason = self.scrub(&error_chain(&e));
        let error = if received > 0 || e.is_body() || e.is_decode() {
            CollectError::Body {
                url: self.display.clone(),
                received,
                reason,
            }
        } else {
            CollectError::Connect {
                url: self.display.clone(),
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
        family: &str,
        attempt: u32,
    ) -> CollectError {
        // Prometheus explains 400/422/503 with a JSON {"status":"error"} body.
        if let Ok(ErrorBody {
            status: Some(s),
            error_type,
            error,
        }) = serde_json::from_slice::<ErrorBody>(body)
            && s == "error"
        {
            return CollectError::Server {
                url: self.display.clone(),
                family: family.to_string(),
                error_type: self
                    .scrub(&error_type.unwrap_or_else(|| format!("HTTP {}", status.as_u16()))),
                message: self.scrub(&error.unwrap_or_default()),
            };
        }
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
                "check the path in --prometheus: it is the API's base URL (e.g. http://host:9090 or http://host/prometheus)"
            }
            405 => {
                "the server does not accept POST /api/v1/query; check that --prometheus points at the Prometheus API"
            }
            429 => "the server is rate limiting; retry later",
            500..=599 => "the server is failing or overloaded; check its health, retry later",
            _ => "check that --prometheus points at the Prometheus API",
        };
        CollectError::Http {
            url: self.display.clone(),
            status: status.as_u16(),
            attempts: attempt,
            excerpt: (!excerpt.is_empty()).then(|| format!("{:?}", self.scrub(&excerpt))),
            hint,
        }
    }

    /// Scrubs server-provided text in a decoded answer's warnings.
    pub fn scrub_warnings(&self, warnings: &mut [String]) {
        for w in warnings {
            *w = self.scrub(w);
        }
    }

    /// Scrubs server-provided text in an error from decoding an answer.
    pub fn scrub_error(&self, error: CollectError) -> CollectError {
        match error {
            CollectError::Server {
                url,
                family,
                error_type,
                message,
            } => CollectError::Server {
                url,
                family,
                error_type: self.scrub(&error_type),
                message: self.scrub(&message),
            },
            CollectError::Decode {
                source_name,
                line,
                column,
                offset,
                reason,
            } => CollectError::Decode {
                source_name,
                line,
                column,
                offset,
                reason: self.scrub(&reason),
            },
            CollectError::ResultType {
                source_name,
                family,
                result_type,
            } => CollectError::ResultType {
                source_name,
                family,
                result_type: self.scrub(&result_type),
            },
            other => other,
        }
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

#[derive(serde::Deserialize)]
struct ErrorBody {
    status: Option<String>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

/// The error and its sources, joined, without any URL (reqwest's errors carry
/// the URL only at the top, which `without_url` removed).
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

/// Unix seconds as Prometheus' `time` parameter (fractional allowed).
pub(crate) fn format_time(time: f64) -> String {
    format!("{time}")
}

/// `application/x-www-form-urlencoded` encoding.
fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&form_encode(k));
        out.push('=');
        out.push_str(&form_encode(v));
    }
    out
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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
pub fn redact_url(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

/// Removes the user-info part of a URL string that did not parse.
pub fn redact_raw(text: &str) -> String {
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

/// Adds up the time during which at least one request is in flight, so that
/// concurrent requests are not counted twice.
#[derive(Default)]
struct BusyClock {
    state: Mutex<BusyState>,
}

#[derive(Default)]
struct BusyState {
    in_flight: usize,
    since: Option<Instant>,
    total: Duration,
}

struct BusyGuard<'a>(&'a BusyClock);

impl BusyClock {
    fn enter(&self) -> BusyGuard<'_> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.in_flight == 0 {
            s.since = Some(Instant::now());
        }
        s.in_flight += 1;
        BusyGuard(self)
    }

    fn total(&self) -> Duration {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.total
            + s.since
                .filter(|_| s.in_flight > 0)
                .map(|t| t.elapsed())
                .unwrap_or_default()
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.in_flight -= 1;
        if s.in_flight == 0
            && let Some(since) = s.since.take()
        {
            s.total += since.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        let url = Url::parse("https://user:s3cret@prom.example:9090/prometheus").unwrap();
        assert_eq!(redact_url(&url), "https://prom.example:9090/prometheus");
        assert_eq!(
            redact_raw("http://user:s3cret@host:bad/x"),
            "http://***@host:bad/x"
        );
        assert_eq!(redact_raw("http://host/a@b"), "http://host/a@b");
    }

    #[test]
    fn endpoint_keeps_a_path_prefix_and_takes_credentials_from_the_url() {
        let config = PrometheusConfig {
            url: "http://u:p%40ss@127.0.0.1:9/prometheus/".into(),
            ..Default::default()
        };
        let client = Client::new(&config).unwrap();
        assert_eq!(
            client.display_url(),
            "http://127.0.0.1:9/prometheus/api/v1/query"
        );
        assert!(
            matches!(&client.auth, Auth::Basic { user, password } if user == "u" && password == "p@ss")
        );
        assert!(
            Client::new(&PrometheusConfig {
                url: "ftp://x".into(),
                ..Default::default()
            })
            .is_err()
        );
        let e = Client::new(&PrometheusConfig {
            url: "http://a:secret@[::1".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_body(&[("query", "sum by (a) (x{b=~\"c|d\"})"), ("time", "1.5")]),
            "query=sum+by+%28a%29+%28x%7Bb%3D%7E%22c%7Cd%22%7D%29&time=1.5"
        );
        assert_eq!(format_time(1764036000.0), "1764036000");
        assert_eq!(format_time(1764036000.25), "1764036000.25");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
