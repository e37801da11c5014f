//! The TLS set-up used when the user names CA certificates: the usual
//! chain verification, plus the case curl and kubectl accept and webpki does
//! not — a server presenting, as its own certificate, exactly one of the
//! certificates the user said to trust (what `openssl req -x509` makes: a
//! self-signed certificate marked `CA:TRUE`, given as its own CA).

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use crate::client::ClientError;

/// Whether the system's roots are trusted beside the given certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Roots {
    SystemAnd,
    Only,
}

/// The certificates of a PEM bundle; at least one.
pub(crate) fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::Ca {
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(ClientError::NoCaCertificate);
    }
    Ok(certs)
}

/// A rustls configuration trusting `trusted` (and the system's roots with
/// [`Roots::SystemAnd`]), with a client certificate when `identity_pem` holds
/// one, speaking HTTP/2 and HTTP/1.1.
pub(crate) fn client_config(
    roots: Roots,
    trusted: Vec<CertificateDer<'static>>,
    identity_pem: Option<&[u8]>,
) -> Result<rustls::ClientConfig, ClientError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let ca = |e: &dyn std::fmt::Display| ClientError::Ca {
        reason: e.to_string(),
    };
    let inner: Arc<dyn ServerCertVerifier> = match roots {
        Roots::SystemAnd => Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                trusted.clone(),
                provider.clone(),
            )
            .map_err(|e| ca(&e))?,
        ),
        Roots::Only => {
            let mut store = rustls::RootCertStore::empty();
            for cert in &trusted {
                store.add(cert.clone()).map_err(|e| ca(&e))?;
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                .build()
                .map_err(|e| ca(&e))?
        }
    };
    let verifier = Arc::new(TrustedAsPresented { inner, trusted });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Build {
            reason: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let identity = |reason: String| ClientError::Identity { reason };
            let chain = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| identity(e.to_string()))?;
            if chain.is_empty() {
                return Err(identity("no PEM certificate".into()));
            }
            let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| identity(e.to_string()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| identity(e.to_string()))?
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Chain verification by `inner`; when that fails only because the server's
/// certificate is a CA certificate, and that certificate is byte for byte one
/// the user trusts, the certificate is accepted if it names the server.
/// webpki checks the validity period before the CA flag, so an expired or
/// not-yet-valid certificate still fails with its own error.
#[derive(Debug)]
struct TrustedAsPresented {
    inner: Arc<dyn ServerCertVerifier>,
    trusted: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for TrustedAsPresented {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verdict {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(ref other)))
                if is_ca_used_as_end_entity(other)
                    && self
                        .trusted
                        .iter()
                        .any(|t| t.as_ref() == end_entity.as_ref()) =>
            {
                let parsed = ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn is_ca_used_as_end_entity(error: &rustls::OtherError) -> bool {
    let error: &(dyn std::error::Error + 'static) = &*error.0;
    matches!(
        error.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}
