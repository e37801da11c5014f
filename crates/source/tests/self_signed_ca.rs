//! A server whose certificate is self-signed and given as its own CA (what
//! `openssl req -x509` makes, `CA:TRUE`) is trusted, as curl and kubectl
//! trust it; a wrong name, an expired certificate or an untrusted one still
//! fail. Certificates in tests/data (see README.md there).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use meshgraph_source::{ClientOptions, Trust, build_client};
use meshgraph_standin::{Reply, StandIn};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// An HTTPS stand-in presenting `cert` (PEM) with its key `key`.
fn serve(cert: &str, key: &str) -> StandIn {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(data(cert))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(data(key)).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    StandIn::builder()
        .tls(Arc::new(config))
        .route(|_, _| Reply::ok("up"))
}

/// The answer's body, or the error's whole source chain as text.
fn get(trust: Trust, url: &str) -> Result<String, String> {
    let client = build_client(&ClientOptions {
        trust,
        ..ClientOptions::new(Duration::from_secs(5))
    })
    .map_err(|e| e.to_string())?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let answer = client.get(url).send().await.map_err(|e| chain(&e))?;
            answer.text().await.map_err(|e| chain(&e))
        })
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}

#[test]
fn a_self_signed_certificate_given_as_its_own_ca_is_trusted() {
    let server = serve("self-signed.pem", "self-signed-key.pem");
    let pem = std::fs::read(data("self-signed.pem")).unwrap();
    assert_eq!(
        get(Trust::SystemAndFile(data("self-signed.pem")), &server.url()),
        Ok("up".to_string())
    );
    assert_eq!(
        get(Trust::OnlyPem(pem.clone()), &server.url()),
        Ok("up".to_string())
    );
    // By its other name, too (DNS:localhost).
    let by_name = server.url().replace("127.0.0.1", "localhost");
    assert_eq!(get(Trust::OnlyPem(pem), &by_name), Ok("up".to_string()));
}

#[test]
fn without_being_named_a_self_signed_certificate_is_refused() {
    let server = serve("self-signed.pem", "self-signed-key.pem");
    let refused = get(Trust::System, &server.url()).unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");
    // Trusting another self-signed certificate does not help.
    let other = get(Trust::SystemAndFile(data("other-name.pem")), &server.url()).unwrap_err();
    assert!(other.contains("certificate"), "{other}");
}

#[test]
fn a_trusted_self_signed_certificate_must_still_name_the_server() {
    // other-name.pem names prometheus.example only.
    let server = serve("other-name.pem", "other-name-key.pem");
    let refused = get(Trust::SystemAndFile(data("other-name.pem")), &server.url()).unwrap_err();
    assert!(refused.contains("not valid for name"), "{refused}");
}

#[test]
fn a_trusted_self_signed_certificate_must_still_be_valid_today() {
    let server = serve("expired-self-signed.pem", "expired-self-signed-key.pem");
    let refused = get(
        Trust::SystemAndFile(data("expired-self-signed.pem")),
        &server.url(),
    )
    .unwrap_err();
    assert!(refused.contains("expired"), "{refused}");
}
