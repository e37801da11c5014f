//! Building the `reqwest` client: timeouts, redirects, which CA certificates
//! are trusted, TLS verification and a client certificate.

use std::path::PathBuf;
use std::time::Duration;

use crate::tls;

/// Longest time to wait for a connection, whatever the request timeout.
const CONNECT_TIMEOUT_MAX: Duration = Duration::from_secs(10);

/// Which certificate authorities a server's certificate may chain to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trust {
    /// The system's roots.
    #[default]
    System,
    /// The system's roots and the certificates of a PEM file (`--*-ca-file`).
    SystemAndFile(PathBuf),
    /// Only these PEM certificates, as kubectl does with a cluster's
    /// `certificate-authority`.
    OnlyPem(Vec<u8>),
}

impl Trust {
    /// The system's roots, and those of `file` when there is one.
    pub fn from_ca_file(file: Option<&std::path::Path>) -> Trust {
        match file {
            Some(path) => Trust::SystemAndFile(path.to_path_buf()),
            None => Trust::System,
        }
    }
}

/// Whether redirects are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// The 3xx answer is returned as it is (an `Authorization` header never
    /// travels to another host).
    Never,
    /// Up to this many redirects, then an error.
    Follow(usize),
}

/// How to set up a client. `Debug` shows no key material.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Timeout of one request, body included; the connect timeout is this,
    /// at most 10 s.
    pub timeout: Duration,
    pub redirects: Redirects,
    pub trust: Trust,
    /// Turns TLS certificate verification off (`insecure-skip-tls-verify`).
    pub accept_invalid_certs: bool,
    /// A client certificate chain followed by its private key, PEM.
    pub identity_pem: Option<Vec<u8>>,
}

impl ClientOptions {
    /// This timeout, up to 5 redirects, the system's roots, verification on,
    /// no client certificate.
    pub fn new(timeout: Duration) -> Self {
        ClientOptions {
            timeout,
            redirects: Redirects::Follow(5),
            trust: Trust::System,
            accept_invalid_certs: false,
            identity_pem: None,
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let trust = match &self.trust {
            Trust::System => "system".to_string(),
            Trust::SystemAndFile(path) => format!("system and {}", path.display()),
            Trust::OnlyPem(_) => "only the given PEM certificates".to_string(),
        };
        f.debug_struct("ClientOptions")
            .field("timeout", &self.timeout)
            .field("redirects", &self.redirects)
            .field("trust", &trust)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("client_certificate", &self.identity_pem.is_some())
            .finish()
    }
}

/// Why a client cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The CA file cannot be read, or the CA certificates are not PEM.
    #[error("the CA certificates are unusable: {reason}")]
    Ca { reason: String },
    /// The CA certificates hold no PEM certificate at all.
    #[error("the CA certificates hold no PEM certificate")]
    NoCaCertificate,
    /// The client certificate or key is unusable.
    #[error("the client certificate and key are unusable: {reason}")]
    Identity { reason: String },
    /// `reqwest` refused the settings (reason without URL).
    #[error("cannot set up the HTTP client: {reason}")]
    Build { reason: String },
}

/// A client with these options and meshgraph's `User-Agent`.
pub fn build_client(options: &ClientOptions) -> Result<reqwest::Client, ClientError> {
    let redirect = match options.redirects {
        Redirects::Never => reqwest::redirect::Policy::none(),
        Redirects::Follow(n) => reqwest::redirect::Policy::limited(n),
    };
    let mut builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(CONNECT_TIMEOUT_MAX))
        .redirect(redirect)
        .user_agent(concat!("meshgraph/", env!("CARGO_PKG_VERSION")));
    let named_roots = match &options.trust {
        Trust::System => None,
        Trust::SystemAndFile(path) => {
            let pem = std::fs::read(path).map_err(|e| ClientError::Ca {
                reason: e.to_string(),
            })?;
            Some((tls::Roots::SystemAnd, tls::pem_certificates(&pem)?))
        }
        Trust::OnlyPem(pem) => Some((tls::Roots::Only, tls::pem_certificates(pem)?)),
    };
    if options.accept_invalid_certs {
        builder = builder.tls_danger_accept_invalid_certs(true);
    } else if let Some((roots, trusted)) = named_roots {
        // Our own TLS set-up, so that a self-signed certificate given as its
        // own CA is accepted (see tls.rs); it carries the client certificate.
        let config = tls::client_config(roots, trusted, options.identity_pem.as_deref())?;
        return builder
            .tls_backend_preconfigured(config)
            .build()
            .map_err(|e| ClientError::Build {
                reason: e.without_url().to_string(),
            });
    }
    if let Some(pem) = &options.identity_pem {
        let identity = reqwest::Identity::from_pem(pem).map_err(|e| ClientError::Identity {
            reason: e.to_string(),
        })?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| ClientError::Build {
        reason: e.without_url().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_ca_certificates_are_typed_errors() {
        let dir = std::env::temp_dir().join(format!("meshgraph-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let build = |trust: Trust| {
            build_client(&ClientOptions {
                trust,
                ..ClientOptions::new(Duration::from_secs(1))
            })
        };
        assert_eq!(
            build(Trust::SystemAndFile(empty)).unwrap_err(),
            ClientError::NoCaCertificate
        );
        assert!(matches!(
            build(Trust::SystemAndFile(dir.join("missing.pem"))),
            Err(ClientError::Ca { .. })
        ));
        assert!(build(Trust::System).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
