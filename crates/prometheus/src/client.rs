//! The HTTP side: one instant query with timeout, bounded retries, a size cap
//! and credentials that never reach a message. The plumbing is
//! `meshgraph-http`'s; this module says what to ask and what failures mean.

use std::time::Duration;

use meshgraph_http::{
    ClientError, ClientOptions, Endpoint, EndpointError, Failure, FetchError, FetchOptions,
    Fetcher, Reply, RetryPolicy, Trust, build_client,
};
use reqwest::{Method, StatusCode, Url};

use crate::{Auth, CollectError, PrometheusConfig};

// The unit tests below check the shared helpers as this client uses them.
#[cfg(test)]
use meshgraph_http::{redact_raw, redact_url, retry_after};
#[cfg(test)]
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 200;

/// A configured client for one Prometheus-compatible server.
pub(crate) struct Client {
    fetcher: Fetcher,
    retry: RetryPolicy,
    endpoint: Url,
    /// `endpoint` without credentials, for messages.
    display: String,
    auth: Auth,
    timeout: Duration,
}

/// One successful answer.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
}

impl Client {
    pub fn new(config: &PrometheusConfig) -> Result<Client, CollectError> {
        let endpoint =
            Endpoint::new(&config.url, &config.auth, &config.headers).map_err(|e| match e {
                EndpointError::Url(e) => CollectError::InvalidUrl {
                    url: e.url,
                    reason: e.problem.to_string(),
                },
                other => CollectError::Config(other.to_string()),
            })?;
        let mut url = endpoint.url;
        let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
        url.set_path(&path);

        let options = ClientOptions {
            trust: Trust::from_ca_file(config.ca_file.as_deref()),
            ..ClientOptions::new(config.timeout)
        };
        let http = build_client(&options).map_err(|e| client_error(e, config))?;
        Ok(Client {
            fetcher: Fetcher::new(
                http,
                FetchOptions {
                    headers: endpoint.headers,
                    secrets: endpoint.secrets,
                    max_bytes: config.max_response_bytes,
                },
            ),
            retry: RetryPolicy::new(config.retries),
            display: url.to_string(),
            endpoint: url,
            auth: endpoint.auth,
            timeout: config.timeout,
        })
    }

    /// The query endpoint without credentials.
    pub fn display_url(&self) -> &str {
        &self.display
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.fetcher.stats().busy
    }

    /// Runs one instant query, retrying on 429, 5xx and connection errors.
    /// `family` names the query in messages.
    pub async fn query(
        &self,
        query: &str,
        time: f64,
        family: &str,
    ) -> Result<Fetched, CollectError> {
        self.retry
            .run(|attempt| self.attempt(query, time, family, attempt))
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
        let request = self
            .fetcher
            .request(Method::POST, self.endpoint.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form);
        let reply = self.fetcher.fetch(self.auth.apply(request)).await;
        match reply.map_err(|e| self.fetch_failure(e, attempt))? {
            Reply::Success { body, .. } => Ok(Fetched { body }),
            Reply::Status(reply) => {
                let body = reply.body.as_deref().unwrap_or_default();
                let error = self.status_error(reply.status, body, family, attempt);
                Err(reply.failure(error))
            }
        }
    }

    fn fetch_failure(&self, e: FetchError, attempt: u32) -> Failure<CollectError> {
        let url = self.display.clone();
        let retry = e.is_retryable();
        let error = match e {
            FetchError::Timeout => CollectError::Timeout {
                url,
                timeout: self.timeout,
            },
            FetchError::TooLarge { limit } => CollectError::TooLarge { url, limit },
            FetchError::Connect { reason } => CollectError::Connect {
                url,
                attempts: attempt,
                reason,
            },
            FetchError::Body { received, reason } => CollectError::Body {
                url,
                received,
                reason,
            },
        };
        Failure::retry_if(retry, error)
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
            excerpt: self.fetcher.secrets().excerpt(body, EXCERPT_CHARS),
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
        self.fetcher.secrets().scrub(text)
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    status: Option<String>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

/// A client setup failure in this collector's words.
fn client_error(e: ClientError, config: &PrometheusConfig) -> CollectError {
    let path = config.ca_file.clone().unwrap_or_default();
    match e {
        ClientError::Ca { reason } => CollectError::CaFile { path, reason },
        ClientError::NoCaCertificate => CollectError::CaFile {
            path,
            reason: "no PEM certificate in it".into(),
        },
        ClientError::Identity { reason } | ClientError::Build { reason } => {
            CollectError::Config(format!("cannot set up the HTTP client: {reason}"))
        }
    }
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
