//! A Secret's values never leave the reader: `check` (every format, verbose)
//! and `record` see its key names only, so neither the value nor its base64
//! form appears in any output, message or recorded file; the same for a
//! Secret read live from the cluster (`--cluster`, crates/kube's stand-in
//! API server).

mod common;

#[path = "../crates/kube/tests/common/mod.rs"]
mod kube_api;

use std::path::Path;

/// The value, as `stringData` holds it and as `data` holds it (base64 of
/// `sup3r-s3cret-value-42`).
const PLAIN: &str = "sup3r-s3cret-value-42";
const BASE64: &str = "c3VwM3ItczNjcmV0LXZhbHVlLTQy";

const MANIFEST: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: shop-cert
  namespace: istio-system
type: kubernetes.io/tls
data:
  tls.crt: c3VwM3ItczNjcmV0LXZhbHVlLTQy
stringData:
  tls.key: sup3r-s3cret-value-42
---
apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
"#;

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text.contains(PLAIN) && !text.contains(BASE64),
        "{what} holds the Secret's value:\n{text}"
    );
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `check --format json` output with no MG307 finding.
fn assert_mg307_quiet(stdout: &[u8]) {
    let doc: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"MG307"), "{codes:?}");
}

/// Every file of a recording is free of the value, and one of them holds
/// the Secret's metadata.
fn assert_recording_clean(bundle: &Path) {
    let mut files = Vec::new();
    files_under(bundle, &mut files);
    assert!(!files.is_empty(), "the recording holds no file");
    let mut saw_secret = false;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert_clean(&file.display().to_string(), &bytes);
        saw_secret |= String::from_utf8_lossy(&bytes).contains("shop-cert");
    }
    assert!(saw_secret, "the Secret's metadata was not recorded at all");
}

#[test]
fn secret_values_appear_in_no_output_and_no_recording() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("mesh.yaml");
    std::fs::write(&manifest, MANIFEST).unwrap();

    for format in ["text", "json", "sarif", "junit"] {
        let out = common::run()
            .args(["check", "-v", "--format", format])
            .arg(&manifest)
            .output();
        assert_clean(&format!("check --format {format} stdout"), &out.stdout);
        assert_clean(&format!("check --format {format} stderr"), &out.stderr);
        if format == "json" {
            // The Secret was read: its key names made MG307 quiet about it.
            assert_mg307_quiet(&out.stdout);
        }
    }

    let bundle = dir.path().join("bundle");
    let out = common::run()
        .arg("record")
        .arg(&bundle)
        .arg("-f")
        .arg(&manifest)
        .output();
    assert!(
        out.status.success(),
        "record failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean("record stdout", &out.stdout);
    assert_clean("record stderr", &out.stderr);
    assert_recording_clean(&bundle);
}

/// The MANIFEST's Secret as the API server lists it (with the
/// `last-applied-configuration` annotation kubectl leaves, which holds the
/// values too), with the Gateway and its pod.
fn api_with_secret() -> kube_api::FakeApi {
    let mut api = kube_api::FakeApi::bookinfo();
    api.add(serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": {"name": "shop-cert", "namespace": "istio-system", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                format!("{{\"data\":{{\"tls.crt\":\"{BASE64}\"}},\"stringData\":{{\"tls.key\":\"{PLAIN}\"}}}}")}},
        "data": {"tls.crt": BASE64, "tls.key": BASE64}}));
    api.add(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "gw", "namespace": "istio-system", "labels": {"istio": "ingressgateway"}},
        "spec": {"containers": [{"name": "istio-proxy"}]}}));
    api.add(
        serde_json::json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": "public", "namespace": "shop"},
        "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{
            "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
            "hosts": ["*"], "tls": {"mode": "SIMPLE", "credentialName": "shop-cert"}}]}}),
    );
    api
}

#[test]
fn secret_values_read_live_appear_in_no_output_and_no_recording() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(kube_api::serve(api_with_secret()));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kube_api::kubeconfig(dir.path(), &[("lab", &server.url, "t0ken-lab", None)]);
    let kubeconfig = kubeconfig.to_str().unwrap();

    for format in ["text", "json", "sarif", "junit"] {
        let out = common::run()
            .args([
                "check",
                "--cluster",
                "-v",
                "--kubeconfig",
                kubeconfig,
                "--format",
                format,
            ])
            .output();
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(
            &format!("check --cluster --format {format} stdout"),
            &out.stdout,
        );
        assert_clean(
            &format!("check --cluster --format {format} stderr"),
            &out.stderr,
        );
        if format == "json" {
            // The Secret was read live: its key names made MG307 quiet.
            assert_mg307_quiet(&out.stdout);
        }
    }
    assert!(
        !server.seen_path("/api/v1/secrets").is_empty(),
        "Secrets were listed"
    );

    let bundle = dir.path().join("bundle");
    let out = common::run()
        .arg("record")
        .arg(&bundle)
        .args(["--cluster", "--kubeconfig", kubeconfig])
        .output();
    assert!(
        out.status.success(),
        "record failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean("record --cluster stdout", &out.stdout);
    assert_clean("record --cluster stderr", &out.stderr);
    assert_recording_clean(&bundle);
}
