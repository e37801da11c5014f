//! The HTTP side: one instant query with timeout, bounded retries, a size cap
//! and credentials that never reach a message. The plumbing is
//! `meshgraph-source`'s; this module says what to ask and what failures mean.

use std::time::Duration;

use meshgraph_source::{Failure, Reply, Server};
use reqwest::{Method, StatusCode, Url};

use crate::{CollectError, PROMETHEUS, PrometheusConfig};

// The unit tests below check the shared helpers as this client uses them.
#[cfg(test)]
use crate::Auth;
#[cfg(test)]
use meshgraph_source::{redact_raw, redact_url, retry_after};
#[cfg(test)]
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

/// A configured client for one Prometheus-compatible server.
pub(crate) struct Client {
    server: Server,
    endpoint: Url,
    /// `endpoint` without credentials, for messages.
    display: String,
    /// `/api/v1/query_exemplars`.
    exemplars: Url,
    /// `/api/v1/query_range`.
    range: Url,
    /// `GET` with URL parameters instead of a form `POST`.
    use_get: bool,
}

/// One successful answer.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
}

impl Client {
    pub fn new(config: &PrometheusConfig) -> Result<Client, CollectError> {
        let server = config.open(&PROMETHEUS)?;
        let endpoint = server.url("/api/v1/query", &[]);
        let exemplars = server.url("/api/v1/query_exemplars", &[]);
        let range = server.url("/api/v1/query_range", &[]);
        Ok(Client {
            server,
            display: endpoint.to_string(),
            endpoint,
            exemplars,
            range,
            use_get: false,
        })
    }

    /// Queries as `GET` with URL parameters instead of a form `POST`.
    pub fn use_get(mut self, use_get: bool) -> Client {
        self.use_get = use_get;
        self
    }

    /// The query endpoint without credentials.
    pub fn display_url(&self) -> &str {
        &self.display
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.server.busy_time()
    }

    /// Runs one instant query, retrying on 429, 5xx and connection errors.
    /// `family` names the query in messages.
    pub async fn query(
        &self,
        query: &str,
        time: f64,
        family: &str,
    ) -> Result<Fetched, CollectError> {
        self.server
            .with_retries(|attempt| self.attempt(query, time, family, attempt))
            .await
    }

    /// The range endpoint without credentials, for messages.
    pub fn range_display(&self) -> String {
        self.range.to_string()
    }

    /// Runs one range query (`/api/v1/query_range`) from `start` to `end`
    /// (unix seconds) every `step` seconds, with the same transport, retries
    /// and redaction as [`Client::query`]. `family` names the query in
    /// messages.
    pub async fn query_range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
        family: &str,
    ) -> Result<Fetched, CollectError> {
        let display = self.range_display();
        let form = form_body(&[
            ("query", query),
            ("start", &format_time(start)),
            ("end", &format_time(end)),
            ("step", &format_time(step)),
        ]);
        self.server
            .with_retries(|attempt| {
                let (form, display) = (form.clone(), display.clone());
                async move {
                    let reply = self.send_form(&self.range, &display, form, attempt).await;
                    match reply.map_err(|f| f.map(CollectError::from))? {
                        Reply::Success { body, .. } => Ok(Fetched { body }),
                        Reply::Status(reply) => {
                            let body = reply.body.as_deref().unwrap_or_default();
                            let error =
                                self.status_error_at(reply.status, body, family, attempt, &display);
                            Err(reply.failure(error))
                        }
                    }
                }
            })
            .await
    }

    async fn attempt(
        &self,
        query: &str,
        time: f64,
        family: &str,
        attempt: u32,
    ) -> Result<Fetched, Failure<CollectError>> {
        let form = form_body(&[("query", query), ("time", &format_time(time))]);
        let reply = self
            .send_form(&self.endpoint, &self.display, form, attempt)
            .await;
        match reply.map_err(|f| f.map(CollectError::from))? {
            Reply::Success { body, .. } => Ok(Fetched { body }),
            Reply::Status(reply) => {
                let body = reply.body.as_deref().unwrap_or_default();
                let error = self.status_error(reply.status, body, family, attempt);
                Err(reply.failure(error))
            }
        }
    }

    /// Sends `form` to `url` once: a form `POST`, or a `GET` with the form
    /// as the URL's query when [`Client::use_get`] is set.
    async fn send_form(
        &self,
        url: &Url,
        display: &str,
        form: String,
        attempt: u32,
    ) -> Result<Reply, Failure<meshgraph_source::HttpError>> {
        if self.use_get {
            let mut url = url.clone();
            url.set_query(Some(&form));
            self.server
                .send(Method::GET, &url, display, attempt, |r| r)
                .await
        } else {
            self.server
                .send(Method::POST, url, display, attempt, |r| {
                    r.header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(form)
                })
                .await
        }
    }

    /// The exemplar endpoint without credentials, for messages.
    pub fn exemplars_display(&self) -> String {
        self.exemplars.to_string()
    }

    /// Asks `/api/v1/query_exemplars` for the exemplars of `query` between
    /// `start` and `end`, with the same retries as a query. A 404 (a server
    /// older than the endpoint, or an engine without it), a 400 or a 405 is
    /// `Ok(None)`: the server has no exemplars to give, which is not an error.
    pub async fn query_exemplars(
        &self,
        query: &str,
        start: f64,
        end: f64,
    ) -> Result<Option<Fetched>, CollectError> {
        let display = self.exemplars_display();
        let form = form_body(&[
            ("query", query),
            ("start", &format_time(start)),
            ("end", &format_time(end)),
        ]);
        self.server
            .with_retries(|attempt| {
                let (form, display) = (form.clone(), display.clone());
                async move {
                    let reply = self
                        .send_form(&self.exemplars, &display, form, attempt)
                        .await;
                    match reply.map_err(|f| f.map(CollectError::from))? {
                        Reply::Success { body, .. } => Ok(Some(Fetched { body })),
                        Reply::Status(reply)
                            if matches!(reply.status.as_u16(), 400 | 404 | 405) =>
                        {
                            Ok(None)
                        }
                        Reply::Status(reply) => {
                            let body = reply.body.as_deref().unwrap_or_default();
                            let error = CollectError::Http(self.server.status_error(
                                reply.status,
                                body,
                                &display,
                                attempt,
                                "exemplars are optional; the graph is drawn without them",
                            ));
                            Err(reply.failure(error))
                        }
                    }
                }
            })
            .await
    }

    fn status_error(
        &self,
        status: StatusCode,
        body: &[u8],
        family: &str,
        attempt: u32,
    ) -> CollectError {
        self.status_error_at(status, body, family, attempt, &self.display)
    }

    /// The error for an HTTP error status from the endpoint `display`.
    fn status_error_at(
        &self,
        status: StatusCode,
        body: &[u8],
        family: &str,
        attempt: u32,
        display: &str,
    ) -> CollectError {
        // Prometheus explains 400/422/503 with a JSON {"status":"error"} body.
        // A 429 or 5xx is about the server, not the query: it is reported
        // with its status (and the body quoted).
        let about_the_server = status.as_u16() == 429 || status.is_server_error();
        if !about_the_server
            && let Ok(ErrorBody {
                status: Some(s),
                error_type,
                error,
            }) = serde_json::from_slice::<ErrorBody>(body)
            && s == "error"
        {
            return CollectError::Server {
                url: display.to_string(),
                family: family.to_string(),
                error_type: self
                    .scrub(&error_type.unwrap_or_else(|| format!("HTTP {}", status.as_u16()))),
                message: self.scrub(&error.unwrap_or_default()),
            };
        }
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
        CollectError::Http(
            self.server
                .status_error(status, body, display, attempt, hint),
        )
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
    pub fn scrub(&self, text: &str) -> String {
        self.server.scrub(text)
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    status: Option<String>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
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
        assert_eq!(
            client.range_display(),
            "http://127.0.0.1:9/prometheus/api/v1/query_range"
        );
        assert!(
            matches!(client.server.auth(), Auth::Basic { user, password } if user == "u" && password == "p@ss")
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
        assert_eq!(
            form_body(&[("start", "1.5"), ("end", "2"), ("step", "900")]),
            "start=1.5&end=2&step=900"
        );
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
