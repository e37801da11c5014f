//! One attempt at one request: send it, read the answer under the size cap,
//! and say what failed in a form the retry loop and the collectors can use.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap};
use reqwest::{Method, RequestBuilder, StatusCode, Url};

use crate::retry::{Failure, is_retryable_status, retry_after};
use crate::{BodyError, BusyClock, Overflow, Secrets, read_capped};

/// Error bodies (non-2xx) are read up to this size only.
pub const ERROR_BODY_MAX: u64 = 64 * 1024;

/// What a [`Fetcher`] sends and accepts.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Sent with every request (extra headers, a ready `Authorization`);
    /// values should be marked sensitive.
    pub headers: HeaderMap,
    /// Scrubbed from every reason the fetcher reports.
    pub secrets: Secrets,
    /// Cap on a successful answer's body.
    pub max_bytes: u64,
}

/// Why an attempt got no usable answer. Reasons have no URL and no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The client's timeout ran out (connecting, waiting or reading).
    #[error("no answer within the timeout")]
    Timeout,
    /// No connection, or no answer on it.
    #[error("{reason}")]
    Connect { reason: String },
    /// The connection failed while the body was read.
    #[error("reading the answer failed after {received} bytes: {reason}")]
    Body { received: usize, reason: String },
    /// The answer is larger than [`FetchOptions::max_bytes`].
    #[error("the answer is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The answer cannot be used as it came: gzip nobody asked for, a
    /// redirect that cannot be followed safely. Not retried.
    #[error("{reason}")]
    Unusable { reason: String },
}

impl FetchError {
    /// Whether another attempt may help: connection and read failures, not
    /// a timeout or an oversized answer.
    pub fn is_retryable(&self) -> bool {
        matches!(self, FetchError::Connect { .. } | FetchError::Body { .. })
    }
}

/// An answer.
#[derive(Debug)]
pub enum Reply {
    /// 2xx, with the whole body and its `Content-Type` (when the server sent one).
    Success {
        status: StatusCode,
        body: Vec<u8>,
        content_type: Option<String>,
    },
    /// Any other status.
    Status(StatusReply),
}

/// A non-2xx answer.
#[derive(Debug)]
pub struct StatusReply {
    pub status: StatusCode,
    /// The server's `Retry-After`.
    pub retry_after: Option<Duration>,
    /// Up to [`ERROR_BODY_MAX`] bytes of the body (cut, not refused, when
    /// longer); an error when reading it failed.
    pub body: Result<Vec<u8>, FetchError>,
}

impl StatusReply {
    /// `error` as a [`Failure`]: retried (after `Retry-After`) on 429 and
    /// 5xx, final otherwise.
    pub fn failure<E>(&self, error: E) -> Failure<E> {
        if is_retryable_status(self.status) {
            Failure::Retry {
                error,
                after: self.retry_after,
            }
        } else {
            Failure::Fail(error)
        }
    }
}

/// What a [`Fetcher`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Requests sent, retries included.
    pub requests: usize,
    /// Body bytes read, error bodies included.
    pub bytes: u64,
    /// Time with at least one request in flight.
    pub busy: Duration,
}

/// Sends requests for one server with a configured client and reads the
/// answers. Shared by concurrent tasks (`&self` only).
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
    requests: AtomicUsize,
    bytes: AtomicU64,
    busy: BusyClock,
    /// Redirects followed by [`Fetcher::fetch`] itself (the client follows
    /// none): 0 returns a 3xx as it is.
    redirects: usize,
}

/// Headers never sent to another origin than the one they were set for.
pub fn is_sensitive_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "cookie2"
    )
}

impl Fetcher {
    /// `client` from [`build_client`](crate::build_client).
    /// The values of sensitive headers (a ready `Authorization`) are added
    /// to the secrets in every form (see [`Secrets::add_header_value`]).
    pub fn new(client: reqwest::Client, mut options: FetchOptions) -> Self {
        for (name, value) in &options.headers {
            if (value.is_sensitive() || is_sensitive_header(name.as_str()))
                && let Ok(value) = value.to_str()
            {
                options.secrets.add_header_value(value);
            }
        }
        Fetcher {
            client,
            options,
            requests: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            busy: BusyClock::default(),
            redirects: 0,
        }
    }

    /// Follows up to `max` redirects in [`Fetcher::fetch`] (the client must
    /// follow none, see [`Redirects::Never`](crate::Redirects::Never)): the
    /// method and body are kept on 301, 302, 307 and 308 (a query sent by
    /// POST stays a POST, as `curl --post301 --post302` does), a 303 to a
    /// POST is refused; `Authorization`, `Cookie` and every configured
    /// header are dropped when the redirect leaves the origin.
    pub fn following_redirects(mut self, max: usize) -> Self {
        self.redirects = max;
        self
    }

    /// A request with the configured headers, asking for JSON (Tempo answers
    /// protobuf unless JSON is asked for). Add auth, a body, ... and pass it
    /// to [`Fetcher::fetch`].
    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.client
            .request(method, url)
            .headers(self.options.headers.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends `request` once and reads the answer: a 2xx body up to
    /// `max_bytes` (more is [`FetchError::TooLarge`]), a non-2xx body up to
    /// [`ERROR_BODY_MAX`].
    pub async fn fetch(&self, request: RequestBuilder) -> Result<Reply, FetchError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let _busy = self.busy.enter();
        let mut response = if self.redirects == 0 {
            request.send().await.map_err(|e| self.transport(e, 0))?
        } else {
            self.send_following(request).await?
        };
        let status = response.status();
        let limit = self.options.max_bytes;
        if status.is_success() {
            if response.content_length().is_some_and(|n| n > limit) {
                return Err(FetchError::TooLarge { limit });
            }
            let encoding = response
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = self.read(&mut response, limit, Overflow::Fail).await?;
            if body.starts_with(&[0x1f, 0x8b]) {
                return Err(FetchError::Unusable {
                    reason: format!(
                        "the answer is gzip-compressed ({}) although meshgraph did not ask for compression; \
                         check the proxy or server in front of it",
                        encoding
                            .map(|e| format!("Content-Encoding: {e}"))
                            .unwrap_or_else(|| "no Content-Encoding header".into())
                    ),
                });
            }
            return Ok(Reply::Success {
                status,
                body,
                content_type,
            });
        }
        let retry_after = retry_after(response.headers());
        let body = self
            .read(&mut response, ERROR_BODY_MAX, Overflow::Truncate)
            .await;
        Ok(Reply::Status(StatusReply {
            status,
            retry_after,
            body,
        }))
    }

    /// Sends `request`, following redirects by hand (see
    /// [`Fetcher::following_redirects`]).
    async fn send_following(
        &self,
        request: RequestBuilder,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = request.build().map_err(|e| self.transport(e, 0))?;
        let origin = request.url().origin();
        for hop in 0..=self.redirects {
            let next = request.try_clone();
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| self.transport(e, 0))?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok());
            let (true, Some(location)) = (status.is_redirection(), location) else {
                return Ok(response);
            };
            if status == StatusCode::NOT_MODIFIED || status == StatusCode::MULTIPLE_CHOICES {
                return Ok(response);
            }
            if hop == self.redirects {
                return Err(FetchError::Unusable {
                    reason: format!(
                        "more than {} redirects; point the URL at the final address",
                        self.redirects
                    ),
                });
            }
            let Some(mut next) = next else {
                return Err(FetchError::Unusable {
                    reason: format!("HTTP {status} redirect, and the request cannot be sent again"),
                });
            };
            let target = response
                .url()
                .join(location)
                .map_err(|_| FetchError::Unusable {
                    reason: format!("HTTP {status} redirect to an invalid Location"),
                })?;
            if !matches!(target.scheme(), "http" | "https") {
                return Err(FetchError::Unusable {
                    reason: format!("HTTP {status} redirect to a {} URL", target.scheme()),
                });
            }
            if status == StatusCode::SEE_OTHER && next.method() != Method::GET {
                return Err(FetchError::Unusable {
                    reason: format!(
                        "HTTP 303 redirect of a {} request (it would be sent again as a GET, without its query); \
                         point the URL at the final address ({})",
                        next.method(),
                        crate::redact_url(&target)
                    ),
                });
            }
            if target.origin() != origin {
                let configured: Vec<_> = self.options.headers.keys().cloned().collect();
                let headers = next.headers_mut();
                for name in configured {
                    headers.remove(name);
                }
                let sensitive: Vec<_> = headers
                    .keys()
                    .filter(|n| is_sensitive_header(n.as_str()))
                    .cloned()
                    .collect();
                for name in sensitive {
                    headers.remove(name);
                }
            }
            *next.url_mut() = target;
            request = next;
        }
        unreachable!("the loop returns on its last hop")
    }

    /// The secrets scrubbed from reasons, for the caller's own messages.
    pub fn secrets(&self) -> &Secrets {
        &self.options.secrets
    }

    /// Requests, bytes and busy time so far.
    pub fn stats(&self) -> FetchStats {
        FetchStats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            busy: self.busy.total(),
        }
    }

    async fn read(
        &self,
        response: &mut reqwest::Response,
        limit: u64,
        overflow: Overflow,
    ) -> Result<Vec<u8>, FetchError> {
        let (result, received) = match read_capped(response, limit, overflow).await {
            Ok(body) => {
                let n = body.len();
                (Ok(body), n)
            }
            Err(BodyError::TooLarge { limit, received }) => {
                (Err(FetchError::TooLarge { limit }), received)
            }
            Err(BodyError::Transport { source, received }) => {
                (Err(self.transport(source, received)), received)
            }
        };
        self.bytes.fetch_add(received as u64, Ordering::Relaxed);
        result
    }

    /// A `reqwest` error as a [`FetchError`], after `received` body bytes.
    fn transport(&self, e: reqwest::Error, received: usize) -> FetchError {
        let e = e.without_url();
        if e.is_timeout() {
            return FetchError::Timeout;
        }
        let reason = self.options.secrets.scrub(&error_chain(&e));
        if received > 0 || e.is_body() || e.is_decode() {
            FetchError::Body { received, reason }
        } else {
            FetchError::Connect { reason }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-connection-per-answer HTTP/1.1 server giving `answers` in turn.
    async fn serve(answers: Vec<String>) -> Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            for answer in answers {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        url
    }

    fn answer(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    fn fetcher(max_bytes: u64) -> Fetcher {
        let client = crate::build_client(&crate::ClientOptions::new(Duration::from_secs(5)));
        Fetcher::new(
            client.unwrap(),
            FetchOptions {
                secrets: ["s3cret-token"].into_iter().collect(),
                max_bytes,
                ..Default::default()
            },
        )
    }

    #[tokio::test]
    async fn answers_statuses_and_the_size_cap() {
        let url = serve(vec![
            answer("200 OK", "", "{\"ok\":1}"),
            answer("429 Too Many Requests", "retry-after: 2\r\n", "slow down"),
            answer("200 OK", "", "0123456789"),
        ])
        .await;
        let fetcher = fetcher(8);
        let get = || fetcher.fetch(fetcher.request(Method::GET, url.clone()));
        match get().await.unwrap() {
            Reply::Success { status, body, .. } => {
                assert_eq!((status, body), (StatusCode::OK, b"{\"ok\":1}".to_vec()));
            }
            other => panic!("{other:?}"),
        }
        let Reply::Status(reply) = get().await.unwrap() else {
            panic!("expected a status")
        };
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.body.as_deref().ok(), Some(&b"slow down"[..]));
        assert!(matches!(
            reply.failure("e"),
            Failure::Retry { after: Some(d), .. } if d == Duration::from_secs(2)
        ));
        assert_eq!(get().await.unwrap_err(), FetchError::TooLarge { limit: 8 });
        let stats = fetcher.stats();
        assert_eq!((stats.requests, stats.bytes), (3, 8 + 9));
    }

    #[tokio::test]
    async fn connection_failures_are_retryable_and_scrubbed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let fetcher = fetcher(1024);
        let url = Url::parse(&format!("http://{addr}/s3cret-token")).unwrap();
        let e = fetcher
            .fetch(fetcher.request(Method::GET, url))
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Connect { .. }), "{e:?}");
        assert!(e.is_retryable());
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(!FetchError::Timeout.is_retryable());
    }
}
