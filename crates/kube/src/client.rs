//! The HTTP side: one GET through kube-rs's client (which adds the
//! credentials, runs exec plugins, verifies TLS and goes through a proxy),
//! with meshgraph's timeout, bounded retries, size cap and messages that
//! never show a credential.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use meshgraph_source::{Failure, FetchError, HttpError, RetryPolicy, shorten};

use crate::config::{ClusterConfig, kubeconfig_reason};
use crate::{ClusterOptions, KUBERNETES_API, KubeError, Verb};

/// How much of an error body is quoted in an error message.
const EXCERPT_CHARS: usize = 300;

/// Counts of what a client did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    pub requests: usize,
    pub bytes: u64,
}

/// A configured client for one API server.
pub(crate) struct Client {
    kube: kube::Client,
    config: ClusterConfig,
    retry: RetryPolicy,
    timeout: Duration,
    max_bytes: u64,
    requests: AtomicUsize,
    bytes: AtomicU64,
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

/// kube-rs's client for this configuration, with these timeouts.
pub(crate) fn kube_client(
    config: &ClusterConfig,
    timeout: Duration,
) -> Result<kube::Client, KubeError> {
    crate::install_crypto_provider();
    let mut kube = config.kube.clone();
    kube.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    kube.read_timeout = Some(timeout);
    kube.write_timeout = Some(timeout);
    kube.reset_reader_on_write = true;
    kube::Client::try_from(kube).map_err(|e| match e {
        // kube-rs runs an exec plugin when it sets the client up.
        kube::Error::Auth(auth) => KubeError::Credentials {
            context: config.context_display(),
            mechanism: config.auth_display(),
            reason: auth_reason(&auth),
        },
        e => KubeError::Client {
            server: config.server_display(),
            reason: config.secrets().scrub(&kubeconfig_reason(&e)),
        },
    })
}

impl Client {
    pub fn new(config: &ClusterConfig, options: &ClusterOptions) -> Result<Client, KubeError> {
        Ok(Client {
            kube: kube_client(config, options.timeout)?,
            config: config.clone(),
            retry: RetryPolicy::new(options.retries),
            timeout: options.timeout,
            max_bytes: options.max_response_bytes,
            requests: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            retried: AtomicUsize::new(0),
        })
    }

    /// Requests sent and body bytes read so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Of the requests, retries.
    pub fn retried(&self) -> usize {
        self.retried.load(Ordering::Relaxed)
    }

    /// The URL of an API path under the server's own path prefix, without
    /// query: what messages show.
    pub fn url(&self, path: &str) -> String {
        let base = self.config.server_display();
        format!("{}{}", base.trim_end_matches('/'), path)
    }

    /// GETs `path` with `query`, retrying on 429, 5xx and connection errors.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        purpose: &Purpose<'_>,
    ) -> Result<Got, KubeError> {
        let mut uri = path.to_string();
        if !query.is_empty() {
            let mut q = String::new();
            for (k, v) in query {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str(k);
                q.push('=');
                q.push_str(&percent_encode(v));
            }
            uri = format!("{uri}?{q}");
        }
        let display = self.url(path);
        self.retry
            .run(|attempt| self.attempt(&uri, &display, purpose, attempt))
            .await
    }

    async fn attempt(
        &self,
        uri: &str,
        display: &str,
        purpose: &Purpose<'_>,
        attempt: u32,
    ) -> Result<Got, Failure<KubeError>> {
        if attempt > 1 {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let request = http::Request::get(uri)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::empty())
            .map_err(|e| {
                Failure::Fail(KubeError::Client {
                    server: self.config.server_display(),
                    reason: e.to_string(),
                })
            })?;
        let sent = tokio::time::timeout(self.timeout, async {
            let response = self.kube.send(request).await?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = http_body_util::Limited::new(
                response.into_body(),
                usize::try_from(self.max_bytes).unwrap_or(usize::MAX),
            )
            .collect()
            .await;
            Ok::<_, kube::Error>((status, retry_after, body))
        })
        .await;
        let (status, retry_after, body) = match sent {
            Err(_) => {
                return Err(Failure::Fail(KubeError::Http(HttpError::Timeout {
                    peer: &KUBERNETES_API,
                    url: display.to_string(),
                    timeout: self.timeout,
                })));
            }
            Ok(Err(e)) => return Err(self.send_failure(e, display, attempt)),
            Ok(Ok(answer)) => answer,
        };
        let body = match body {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(e) => {
                let error = if e.is::<http_body_util::LengthLimitError>() {
                    FetchError::TooLarge {
                        limit: self.max_bytes,
                    }
                } else {
                    FetchError::Body {
                        received: 0,
                        reason: e.to_string(),
                    }
                };
                return Err(HttpError::from_fetch(
                    &KUBERNETES_API,
                    error,
                    display,
                    attempt,
                    self.timeout,
                )
                .map(KubeError::from));
            }
        };
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        let secrets = self.config.secrets();
        match status.as_u16() {
            200..=299 => Ok(Got::Body(body)),
            404 => Ok(Got::NotFound),
            410 => Ok(Got::Gone),
            401 => Err(Failure::Fail(KubeError::Unauthorized {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.config.identity(),
                message: self.status_message(&body),
            })),
            403 => Err(Failure::Fail(KubeError::Forbidden {
                url: display.to_string(),
                resource: purpose.resource.to_string(),
                identity: self.config.identity(),
                verb: purpose.verb,
                scope: purpose.scope.to_string(),
                message: self.status_message(&body),
            })),
            code => {
                let hint = match code {
                    429 => "the API server is throttling requests; retry later",
                    500..=599 => {
                        "the API server is failing or overloaded; check its health and retry later"
                    }
                    _ => "check that the kubeconfig's `server` is the Kubernetes API server",
                };
                let error = KubeError::Http(HttpError::Status {
                    peer: &KUBERNETES_API,
                    url: display.to_string(),
                    status: code,
                    attempts: attempt,
                    reading: Some(purpose.resource.to_string()),
                    excerpt: secrets.excerpt(&body, EXCERPT_CHARS),
                    hint,
                });
                if code == 429 || code >= 500 {
                    Err(Failure::Retry {
                        error,
                        after: retry_after,
                    })
                } else {
                    Err(Failure::Fail(error))
                }
            }
        }
    }

    fn send_failure(&self, e: kube::Error, display: &str, attempt: u32) -> Failure<KubeError> {
        let reason = self.config.secrets().scrub(&kubeconfig_reason(&e));
        match e {
            kube::Error::Auth(auth) => Failure::Fail(KubeError::Credentials {
                context: self.config.context_display(),
                mechanism: self.config.auth_display(),
                reason: auth_reason(&auth),
            }),
            _ if is_certificate_error(&reason) => Failure::Fail(KubeError::Tls {
                url: display.to_string(),
                reason,
            }),
            _ => HttpError::from_fetch(
                &KUBERNETES_API,
                FetchError::Connect { reason },
                display,
                attempt,
                self.timeout,
            )
            .map(KubeError::from),
        }
    }

    /// The `message` of a Kubernetes `Status` answer, else an excerpt.
    fn status_message(&self, body: &[u8]) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Status {
            message: Option<String>,
        }
        let secrets = self.config.secrets();
        match serde_json::from_slice::<Status>(body) {
            Ok(Status { message: Some(m) }) if !m.trim().is_empty() => {
                Some(shorten(&secrets.scrub(&m), EXCERPT_CHARS))
            }
            _ => secrets.excerpt(body, EXCERPT_CHARS),
        }
    }
}

/// What went wrong getting credentials, without the plugin's standard output
/// (which may hold a token).
pub(crate) fn auth_reason(e: &kube::client::AuthError) -> String {
    use kube::client::AuthError;
    match e {
        AuthError::AuthExecStart(io) => {
            if io.kind() == std::io::ErrorKind::NotFound {
                "the exec plugin's command was not found (is it installed and on PATH?)".into()
            } else {
                format!("the exec plugin could not be started: {io}")
            }
        }
        AuthError::AuthExecRun { cmd, out } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = shorten(stderr.trim(), EXCERPT_CHARS);
            format!(
                "the exec plugin {cmd:?} failed ({}){}",
                out.status,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {stderr}")
                }
            )
        }
        AuthError::AuthExecParse(_) => {
            "the exec plugin's output is not an ExecCredential (JSON with status.token)".into()
        }
        AuthError::ExecPluginFailed => "the exec plugin's answer has no status".into(),
        AuthError::MissingCommand => "the exec plugin names no command".into(),
        AuthError::ReadTokenFile(io, path) => {
            format!("cannot read the token file {}: {io}", path.display())
        }
        other => {
            // Other variants carry no secret material in their messages.
            other.to_string()
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
        || lower.contains("unknownissuer")
}

/// Percent-encodes a query value (continue tokens are base64 with `=`, `+`, `/`).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
