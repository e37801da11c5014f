//! `--cluster`: objects read from a Kubernetes API server feed `check` and the
//! graph. The server is crates/kube's stand-in (real bookinfo objects served
//! in the API's list format; no API server can be installed here).

mod common;

#[path = "../crates/kube/tests/common/mod.rs"]
mod kube_api;

use serde_json::Value;

#[test]
fn check_reads_the_live_cluster_of_the_kubeconfig_context() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut api = kube_api::FakeApi::bookinfo();
    // A routing mistake only the cluster holds: a subset no DestinationRule defines.
    api.add(serde_json::json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "default"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v9"}}]}]},
    }));
    let server = runtime.block_on(kube_api::serve(api));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig =
        kube_api::kubeconfig(dir.path(), &[("lab", &server.url, "s3cr3t-token", None)]);
    let out = common::run()
        .args([
            "check",
            "--cluster",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
    assert!(
        stderr.contains("cluster:") && stderr.contains("context lab"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-token"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    // The VirtualService from the cluster is checked against its DestinationRules.
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "MG202" && f["resource"]["name"] == "reviews"),
        "{findings:#?}"
    );
    // bookinfo's Deployments in the injected namespace `default`: the webhook
    // will inject them, so no MG101.
    assert!(
        findings.iter().all(|f| f["code"] != "MG101"),
        "{findings:#?}"
    );
    assert!(
        !server.seen_path("/apis/apps/v1/deployments").is_empty(),
        "deployments were listed"
    );

    // An unreachable cluster is one clear line and exit 2.
    let gone = meshgraph_standin::Refusing::new();
    let kubeconfig = kube_api::kubeconfig(dir.path(), &[("gone", &gone.url(), "t", None)]);
    let out = common::run()
        .args([
            "check",
            "--cluster",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{}", gone.port())));
}

/// The Prometheus collector verifies TLS by default and trusts an extra CA
/// given with `--prometheus-ca` (the stand-in server speaks TLS with
/// crates/kube's throw-away test certificates; it is not a Prometheus, so a
/// completed handshake ends in an HTTP error, not a TLS one).
#[test]
fn prometheus_tls_is_verified_and_a_custom_ca_is_trusted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve_tls(kube_api::FakeApi::new()));
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = common::run()
            .args([
                "snapshot",
                "--prometheus",
                &server.url,
                "--at",
                "1764547200",
                "--query-timeout",
                "5s",
                "-o",
                "g.json",
            ])
            .args(extra)
            .dir(dir.path())
            .output();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).to_lowercase()
    };
    let untrusted = run(&[]);
    assert!(
        untrusted.contains("certificate") || untrusted.contains("tls"),
        "{untrusted}"
    );
    let ca = kube_api::data_path("ca.pem");
    let trusted = run(&["--prometheus-ca", ca.to_str().unwrap()]);
    assert!(
        !trusted.contains("certificate"),
        "the handshake succeeds with the CA: {trusted}"
    );
    assert!(trusted.contains("404"), "{trusted}");
}
