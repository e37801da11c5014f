//! The HTTP side: GET with a timeout, bounded retries with backoff on 429, 5xx
//! and connection errors, a cap on the answer's size, and credentials that
//! never reach a message. The plumbing is `meshgraph-source`'s; this module
//! says what to ask and what failures mean.

use std::time::Duration;

use meshgraph_source::{Failure, Reply, Server};
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use crate::{TRACING_BACKEND, TracesConfig, TracesError};

/// A configured client for one tracing backend.
pub(crate) struct Http {
    server: Server,
}

/// An answer: 2xx, or a 404 the caller asked to see.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The URL asked, without credentials.
    pub url: String,
    /// The answer's `Content-Type`, when the server sent one.
    pub content_type: Option<String>,
}

impl Http {
    pub fn new(config: &TracesConfig) -> Result<Http, TracesError> {
        Ok(Http {
            server: config.server.open(&TRACING_BACKEND)?,
        })
    }

    /// The base URL without credentials.
    pub fn display_base(&self) -> String {
        self.server.base().to_string()
    }

    /// Time during which at least one request was in flight.
    pub fn busy_time(&self) -> Duration {
        self.server.busy_time()
    }

    /// `base + path` with the query; `path` starts with `/`.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        self.server.url(path, query)
    }

    /// GETs `path`; a 404 is an answer when `allow_404`, an error otherwise.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        allow_404: bool,
    ) -> Result<Answer, TracesError> {
        self.get_accepting(path, query, allow_404, None).await
    }

    /// [`Http::get`] with an `Accept` header other than JSON (the only one sent).
    pub async fn get_accepting(
        &self,
        path: &str,
        query: &[(&str, String)],
        allow_404: bool,
        accept: Option<&'static str>,
    ) -> Result<Answer, TracesError> {
        let url = self.url(path, query);
        let display = url.to_string();
        self.server
            .with_retries(|attempt| self.attempt(&url, &display, allow_404, accept, attempt))
            .await
    }

    async fn attempt(
        &self,
        url: &Url,
        display: &str,
        allow_404: bool,
        accept: Option<&'static str>,
        attempt: u32,
    ) -> Result<Answer, Failure<TracesError>> {
        let reply = self
            .server
            .send(Method::GET, url, display, attempt, |r| match accept {
                // `headers` replaces the JSON `Accept` the client sets.
                Some(accept) => r.headers(HeaderMap::from_iter([(
                    ACCEPT,
                    HeaderValue::from_static(accept),
                )])),
                None => r,
            })
            .await;
        match reply.map_err(|f| f.map(TracesError::from))? {
            Reply::Success {
                status,
                body,
                content_type,
            } => Ok(Answer {
                status: status.as_u16(),
                body,
                url: display.to_string(),
                content_type,
            }),
            Reply::Status(reply) if reply.status == StatusCode::NOT_FOUND && allow_404 => {
                Ok(Answer {
                    status: 404,
                    body: reply
                        .body
                        .map_err(|e| self.server.fetch_failure(e, display, attempt))
                        .map_err(|f| f.map(TracesError::from))?,
                    url: display.to_string(),
                    content_type: None,
                })
            }
            Reply::Status(reply) => {
                let body = reply.body.as_deref().unwrap_or_default();
                let hint = match reply.status.as_u16() {
                    401 | 403 => "check the credentials (bearer token, basic auth, headers)",
                    404 => {
                        "check the path in --jaeger / --tempo: it is the query service's base URL (e.g. http://host:16686, http://host/jaeger or http://tempo:3200)"
                    }
                    429 => "the server is rate limiting; retry later",
                    500..=599 => {
                        "the server is failing or overloaded; check its health, retry later"
                    }
                    _ => "check that --jaeger / --tempo points at the query API",
                };
                let error = self
                    .server
                    .status_error(reply.status, body, display, attempt, hint);
                Err(reply.failure(error.into()))
            }
        }
    }

    /// Replaces every configured secret in server-provided text.
    pub fn scrub(&self, text: &str) -> String {
        self.server.scrub(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Auth;

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
            matches!(http.server.auth(), Auth::Basic { user, password } if user == "u" && password == "p@ss")
        );
        let e = Http::new(&TracesConfig::jaeger("http://a:secret@[::1"))
            .err()
            .unwrap();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(Http::new(&TracesConfig::tempo("ftp://x")).is_err());
    }
}
