//! TLS: the cluster's CA is trusted, certificates are verified by default,
//! client certificates are sent, and `insecure-skip-tls-verify` is honoured
//! with a warning. The server is the stand-in API of `common` behind rustls,
//! with the test-only certificates in `tests/data`.

mod common;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use common::{FakeApi, data_path, serve_tls};
use meshgraph_kube::{ClusterOptions, KubeError, read_cluster};

fn b64(name: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(data_path(name)).unwrap())
}

fn write_config(dir: &Path, cluster: &str, user: &str) -> ClusterOptions {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: tls\nclusters:\n- name: tls\n  cluster:\n{cluster}users:\n- name: tls\n  user:\n{user}contexts:\n- name: tls\n  context: {{cluster: tls, user: tls}}\n"
    );
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    ClusterOptions {
        kubeconfig: Some(path),
        retries: 0,
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn deployments(objects: &[serde_json::Value]) -> usize {
    objects.iter().filter(|o| o["kind"] == "Deployment").count()
}

#[tokio::test]
async fn ca_data_and_a_client_certificate_from_data() {
    let mut api = FakeApi::bookinfo();
    api.require_client_cert = true;
    let server = serve_tls(api).await;
    let dir = tempfile::tempdir().unwrap();
    let options = write_config(
        dir.path(),
        &format!(
            "    server: {}\n    certificate-authority-data: {}\n",
            server.url,
            b64("ca.pem")
        ),
        &format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64("client.pem"),
            b64("client-key.pem")
        ),
    );
    let read = read_cluster(&options).await.unwrap();
    assert_eq!(deployments(&read.objects), 6);
    assert!(
        read.warnings.iter().all(|w| !w.contains("TLS")),
        "{:?}",
        read.warnings
    );
    let seen = server.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|s| s.client_cert && s.header("authorization").is_none())
    );
}

#[tokio::test]
async fn ca_and_client_certificate_files_relative_to_the_kubeconfig() {
    let mut api = FakeApi::bookinfo();
    api.require_client_cert = true;
    api.tokens = vec!["tls-token-abcdef".into()];
    let server = serve_tls(api).await;
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    std::fs::create_dir(&pki).unwrap();
    for name in ["ca.pem", "client.pem", "client-key.pem"] {
        std::fs::copy(data_path(name), pki.join(name)).unwrap();
    }
    let token = dir.path().join("token");
    std::fs::write(&token, "tls-token-abcdef\n").unwrap();
    let options = write_config(
        dir.path(),
        &format!(
            "    server: {}\n    certificate-authority: pki/ca.pem\n",
            server.url
        ),
        "    client-certificate: pki/client.pem\n    client-key: pki/client-key.pem\n    tokenFile: token\n",
    );
    let read = read_cluster(&options).await.unwrap();
    assert_eq!(deployments(&read.objects), 6);
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.client_cert && s.header("authorization") == Some("Bearer tls-token-abcdef"))
    );
}

#[tokio::test]
async fn tls_is_verified_by_default() {
    let server = serve_tls(FakeApi::bookinfo()).await;
    let dir = tempfile::tempdir().unwrap();
    let options = write_config(
        dir.path(),
        &format!("    server: {}\n", server.url),
        "    token: verify-token-abcdef\n",
    );
    let e = read_cluster(&options).await.unwrap_err();
    assert!(matches!(e, KubeError::Tls { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&format!("{}/api", server.url)), "{text}");
    assert!(
        text.contains("UnknownIssuer") && text.contains("certificate-authority(-data)"),
        "{text}"
    );
    assert!(!text.contains("verify-token") && !format!("{e:?}").contains("verify-token"));
    // The server never saw a request: the handshake failed first.
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn insecure_skip_tls_verify_is_honoured_with_a_warning() {
    let server = serve_tls(FakeApi::bookinfo()).await;
    let dir = tempfile::tempdir().unwrap();
    let options = write_config(
        dir.path(),
        &format!(
            "    server: {}\n    insecure-skip-tls-verify: true\n",
            server.url
        ),
        "    token: insecure-token-abcdef\n",
    );
    let read = read_cluster(&options).await.unwrap();
    assert_eq!(deployments(&read.objects), 6);
    assert!(
        read.warnings[0].contains("TLS verification is off")
            && read.warnings[0].contains("insecure-skip-tls-verify"),
        "{:?}",
        read.warnings
    );
}
