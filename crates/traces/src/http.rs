//! The HTTP side: GET with a timeout, bounded retries with backoff on 429, 5xx
//! and connection errors, a cap on the answer's size, and credentials that
//! never reach a message. The plumbing is `meshgraph-http`'s; this module
//! says what to ask and what failures mean.

use std::time::Duration;

use meshgraph_http::{
    ClientError, ClientOptions, Endpoint, EndpointError, Failure, FetchError, FetchOptions,
    Fetcher, Reply, RetryPolicy, Trust, build_client, join_path,
};
use reqwest::{Method, StatusCode, Url};

use crate::{Auth, TracesConfig, TracesError};

/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 200;

/// A configured client for one tracing backend.
pub(crate) struct Http {
    fetcher: Fetcher,
    retry: RetryPolicy,
    /// The base URL without credentials, path without a trailing slash.
    base: Url,
    auth: Auth,
    timeout: Duration,
}

/// An answer: 2xx, or a 404 the caller asked to see.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The URL asked, without credentials.
    pub url: String,
}

impl Http {
    pub fn new(config: &TracesConfig) -> Result<Http, TracesError> {
        let endpoint =
            Endpoint::new(&config.url, &config.auth, &config.headers).map_err(|e| match e {
                EndpointError::Url(e) => TracesError::InvalidUrl {
                    url: e.url,
                    reason: e.problem.to_string(),
                },
                other => TracesError::Config(other.to_string()),
            })?;
        let mut url = endpoint.url;
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);

        let options = ClientOptions {
            trust: Trust::from_ca_file(config.ca_file.as_deref()),
            ..ClientOptions::new(config.timeout)
        };
        let client = build_client(&options).map_err(|e| client_error(e, config))?;
        Ok(Http {
            fetcher: Fetcher::new(
                client,
                FetchOptions {
                    headers: endpoint.headers,
                    secrets: endpoint.secrets,
                    max_bytes: config.max_response_bytes,
                },
            ),
            retry: RetryPolicy::new(config.retries),
            base: url,
            auth: endpoint.auth,
            timeout: config.timeout,
        })
    }

    /// The base URL without credentials.
    pub fn display_base(&self) -> String {
        self.base.to_string()
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.fetcher.stats().busy
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

    /// GETs `path`; a 404 is an answer when `allow_404`, an error otherwise.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        allow_404: bool,
    ) -> Result<Answer, TracesError> {
        let url = self.url(path, query);
        let display = url.to_string();
        self.retry
            .run(|attempt| self.attempt(&url, &display, allow_404, attempt))
            .await
    }

    async fn attempt(
        &self,
        url: &Url,
        display: &str,
        allow_404: bool,
        attempt: u32,
    ) -> Result<Answer, Failure<TracesError>> {
        let request = self.fetcher.request(Method::GET, url.clone());
        let reply = self.fetcher.fetch(self.auth.apply(request)).await;
        let failure = |e| self.fetch_failure(e, display, attempt);
        match reply.map_err(failure)? {
            Reply::Success { status, body } => Ok(Answer {
                status: status.as_u16(),
                body,
                url: display.to_string(),
            }),
            Reply::Status(reply) if reply.status == StatusCode::NOT_FOUND && allow_404 => {
                Ok(Answer {
                    status: 404,
                    body: reply.body.map_err(failure)?,
                    url: display.to_string(),
                })
            }
            Reply::Status(reply) => {
                let body = reply.body.as_deref().unwrap_or_default();
                let error = self.status_error(reply.status, body, display, attempt);
                Err(reply.failure(error))
            }
        }
    }

    fn fetch_failure(&self, e: FetchError, display: &str, attempt: u32) -> Failure<TracesError> {
        let url = display.to_string();
        let retry = e.is_retryable();
        let error = match e {
            FetchError::Timeout => TracesError::Timeout {
                url,
                timeout: self.timeout,
            },
            FetchError::TooLarge { limit } => TracesError::TooLarge { url, limit },
            FetchError::Connect { reason } => TracesError::Connect {
                url,
                attempts: attempt,
                reason,
            },
            FetchError::Body { received, reason } => TracesError::Body {
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
        display: &str,
        attempt: u32,
    ) -> TracesError {
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
            excerpt: self.fetcher.secrets().excerpt(body, EXCERPT_CHARS),
            hint,
        }
    }

    /// Replaces every configured secret in server-provided text.
    pub fn scrub(&self, text: &str) -> String {
        self.fetcher.secrets().scrub(text)
    }
}

/// A client setup failure in this collector's words.
fn client_error(e: ClientError, config: &TracesConfig) -> TracesError {
    let path = config.ca_file.clone().unwrap_or_default();
    match e {
        ClientError::Ca { reason } => TracesError::CaFile { path, reason },
        ClientError::NoCaCertificate => TracesError::CaFile {
            path,
            reason: "no PEM certificate in it".into(),
        },
        ClientError::Identity { reason } | ClientError::Build { reason } => {
            TracesError::Config(format!("cannot set up the HTTP client: {reason}"))
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
