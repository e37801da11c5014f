//! The kinds the istioctl-grid checks need, read live from the stand-in API
//! server (see `common`): webhooks, CRDs (names and versions only), Nodes
//! (name and labels only), Secrets (key names only, never a value), Istio's
//! ConfigMaps in the Istio namespace, EnvoyFilters, Telemetry, WasmPlugins,
//! RequestAuthentications and ProxyConfigs. A kind RBAC forbids is a warning.

mod common;

use std::time::Duration;

use common::{FakeApi, Reply, kubeconfig, serve};
use meshgraph_config::{Kind, MeshConfig, Object};
use meshgraph_kube::{ClusterOptions, ClusterRead, read_cluster};
use serde_json::{Value, json};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.Y2hlY2sta2luZHM.k1nds-sig";
/// A Secret's value, as `stringData` would hold it, and its base64 (`data`).
const PLAIN: &str = "sup3r-s3cret-value-42";
const BASE64: &str = "c3VwM3ItczNjcmV0LXZhbHVlLTQy";

/// Bookinfo plus one object of each kind the newer checks read.
fn api() -> FakeApi {
    let mut api = FakeApi::bookinfo();
    api.install("telemetry.istio.io", "v1", "telemetries", "Telemetry");
    api.install(
        "extensions.istio.io",
        "v1alpha1",
        "wasmplugins",
        "WasmPlugin",
    );
    for object in [
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "worker-1", "uid": "1f0c", "labels": {
                "kubernetes.io/hostname": "worker-1",
                "topology.kubernetes.io/zone": "eu-west-1a"},
                "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
            "spec": {"podCIDR": "10.244.1.0/24"},
            "status": {"images": [{"names": ["docker.io/istio/proxyv2:1.24.1"], "sizeBytes": 1}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]}}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "istio-sidecar-injector", "labels": {"app": "sidecar-injector"}},
            "webhooks": [{"name": "namespace.sidecar-injector.istio.io",
                "clientConfig": {"service": {"name": "istiod", "namespace": "istio-system", "path": "/inject"}},
                "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}}}]}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "istio-validator-istio-system"},
            "webhooks": [{"name": "rev.validation.istio.io",
                "clientConfig": {"service": {"name": "istiod", "namespace": "istio-system"}}}]}),
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "httproutes.gateway.networking.k8s.io",
                "annotations": {"gateway.networking.k8s.io/bundle-version": "v1.2.0"}},
            "spec": {"group": "gateway.networking.k8s.io", "scope": "Namespaced",
                "names": {"kind": "HTTPRoute", "plural": "httproutes"},
                "versions": [
                    {"name": "v1", "served": true, "storage": true,
                        "schema": {"openAPIV3Schema": {"description": "HTTPRoute provides a way to route HTTP requests"}}},
                    {"name": "v1beta1", "served": true, "storage": false, "deprecated": true,
                        "schema": {"openAPIV3Schema": {"description": "HTTPRoute provides a way to route HTTP requests"}}}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "istio", "namespace": "istio-system"},
            "data": {"mesh": "rootNamespace: istio-system\ntrustDomain: cluster.local\n",
                "meshNetworks": "networks: {}\n"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kube-root-ca.crt", "namespace": "istio-system"},
            "data": {"ca.crt": "not Istio's"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "istio", "namespace": "default"},
            "data": {"mesh": "not in the Istio namespace"}}),
        json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
            "metadata": {"name": "lua", "namespace": "default"},
            "spec": {"configPatches": [{"applyTo": "HTTP_FILTER", "patch": {"operation": "INSERT_BEFORE"}}]}}),
        json!({"apiVersion": "networking.istio.io/v1beta1", "kind": "ProxyConfig",
            "metadata": {"name": "distroless", "namespace": "default"},
            "spec": {"image": {"imageType": "distroless"}}}),
        json!({"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry",
            "metadata": {"name": "mesh-default", "namespace": "istio-system"},
            "spec": {"accessLogging": [{"providers": [{"name": "envoy"}]}]}}),
        json!({"apiVersion": "extensions.istio.io/v1alpha1", "kind": "WasmPlugin",
            "metadata": {"name": "basic-auth", "namespace": "default"},
            "spec": {"url": "oci://example.com/basic-auth:1", "phase": "AUTHN"}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
            "metadata": {"name": "jwt", "namespace": "default"},
            "spec": {"jwtRules": [{"issuer": "https://example.com", "jwksUri": "https://example.com/jwks"}]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "shop-cert", "namespace": "istio-system",
                "labels": {"app": "shop"},
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration":
                        format!("{{\"stringData\":{{\"tls.key\":\"{PLAIN}\"}},\"data\":{{\"tls.crt\":\"{BASE64}\"}}}}"),
                    "owner": "team-shop"}},
            "data": {"tls.crt": BASE64, "tls.key": BASE64},
            "stringData": {"ca.crt": PLAIN}}),
    ] {
        api.add(object);
    }
    api
}

fn options(config: &std::path::Path) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: Some(config.to_path_buf()),
        retries: 1,
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn of_kind<'a>(read: &'a ClusterRead, kind: &str) -> Vec<&'a Value> {
    read.objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn assert_no_value(what: &str, text: &str) {
    assert!(
        !text.contains(PLAIN) && !text.contains(BASE64),
        "{what} holds the Secret's value: {text}"
    );
}

#[tokio::test]
async fn reads_the_kinds_the_checks_need_and_keeps_only_what_they_read() {
    let server = serve(api()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("lab", &server.url, TOKEN, None)]);
    let read = read_cluster(&options(&config)).await.unwrap();

    // Node: its name and labels, nothing of spec or status.
    let nodes = of_kind(&read, "Node");
    assert_eq!(
        nodes,
        [
            &json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1", "labels": {
            "kubernetes.io/hostname": "worker-1", "topology.kubernetes.io/zone": "eu-west-1a"}}})
        ]
    );
    // CRD: name, group, names, scope and versions; no schema.
    let crds = of_kind(&read, "CustomResourceDefinition");
    assert_eq!(crds.len(), 1);
    assert_eq!(
        crds[0]["spec"],
        json!({"group": "gateway.networking.k8s.io", "scope": "Namespaced",
            "names": {"kind": "HTTPRoute", "plural": "httproutes"},
            "versions": [{"name": "v1", "served": true, "storage": true},
                {"name": "v1beta1", "served": true, "storage": false, "deprecated": true}]})
    );
    assert_eq!(
        crds[0]["metadata"],
        json!({"name": "httproutes.gateway.networking.k8s.io"})
    );
    // Webhooks whole (the checks read their selectors and services).
    let mwc = of_kind(&read, "MutatingWebhookConfiguration");
    assert_eq!(mwc.len(), 1);
    assert_eq!(
        mwc[0]["webhooks"][0]["clientConfig"]["service"]["name"],
        "istiod"
    );
    assert_eq!(of_kind(&read, "ValidatingWebhookConfiguration").len(), 1);
    // Istio's ConfigMaps, from the Istio namespace only.
    let configmaps = of_kind(&read, "ConfigMap");
    assert_eq!(configmaps.len(), 1, "{configmaps:?}");
    assert_eq!(configmaps[0]["metadata"]["namespace"], "istio-system");
    assert_eq!(configmaps[0]["metadata"]["name"], "istio");
    assert_eq!(
        server
            .seen_path("/api/v1/namespaces/istio-system/configmaps")
            .len(),
        1
    );
    assert!(server.seen_path("/api/v1/configmaps").is_empty());
    for (kind, n) in [
        ("EnvoyFilter", 1),
        ("ProxyConfig", 1),
        ("Telemetry", 1),
        ("WasmPlugin", 1),
        ("RequestAuthentication", 1),
        ("Secret", 1),
    ] {
        assert_eq!(of_kind(&read, kind).len(), n, "{kind}");
    }
    // Only the Gateway API is not installed here.
    assert!(
        read.stats
            .not_installed
            .iter()
            .all(|r| r.ends_with(".gateway.networking.k8s.io")),
        "{:?}",
        read.stats
    );

    // Secret: metadata without last-applied, type, key names with empty values.
    let secret = of_kind(&read, "Secret")[0];
    assert_eq!(
        secret,
        &json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "shop-cert", "namespace": "istio-system",
                "labels": {"app": "shop"}, "annotations": {"owner": "team-shop"}},
            "data": {"ca.crt": "", "tls.crt": "", "tls.key": ""}})
    );

    // The config crate reads all of them as it reads a kubectl dump.
    let (mesh, warnings) = MeshConfig::from_values(read.objects.clone());
    assert!(warnings.is_empty(), "{warnings:?}");
    for kind in [
        Kind::Node,
        Kind::CustomResourceDefinition,
        Kind::MutatingWebhookConfiguration,
        Kind::ValidatingWebhookConfiguration,
        Kind::ConfigMap,
        Kind::EnvoyFilter,
        Kind::ProxyConfig,
        Kind::Telemetry,
        Kind::WasmPlugin,
        Kind::RequestAuthentication,
        Kind::Secret,
    ] {
        assert_eq!(mesh.of_kind(kind).count(), 1, "{kind:?}");
    }
    let node = mesh.of_kind(Kind::Node).next().unwrap();
    assert_eq!(
        node.label("topology.kubernetes.io/zone"),
        Some("eu-west-1a")
    );
    let (settings, warnings) = mesh
        .settings_from_configmap("istio-system")
        .expect("the istio ConfigMap was read");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(settings.root_namespace, "istio-system");
    let secret = mesh.of_kind(Kind::Secret).next().unwrap();
    assert_eq!(
        secret.spec,
        json!({"type": "kubernetes.io/tls", "keys": ["ca.crt", "tls.crt", "tls.key"]})
    );

    // No value anywhere: the objects, the whole read, what a recording keeps.
    assert_no_value(
        "the objects",
        &serde_json::to_string(&read.objects).unwrap(),
    );
    assert_no_value("the read", &format!("{read:?}"));
    assert_no_value("the config", &format!("{mesh:?}"));
    for o in &mesh.objects {
        assert_no_value("a recorded object", &Object::to_value(o).to_string());
    }
}

#[tokio::test]
async fn a_forbidden_kind_is_a_warning_and_cluster_kinds_are_listed_once() {
    let mut api = api();
    // The identity may not read Secrets in the selected namespace.
    api.always.insert(
        "/api/v1/namespaces/default/secrets".into(),
        Reply::status(
            403,
            "Forbidden",
            "secrets is forbidden: User \"ci\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"",
        ),
    );
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &[("ci", &server.url, TOKEN, None)]);
    let options = ClusterOptions {
        namespaces: vec!["default".into()],
        ..options(&config)
    };
    let read = read_cluster(&options).await.unwrap();
    assert_eq!(read.stats.forbidden, ["secrets"]);
    let warning = read
        .warnings
        .iter()
        .find(|w| w.contains("may not list secrets"))
        .unwrap_or_else(|| panic!("{:?}", read.warnings));
    assert!(
        warning.contains("HTTP 403") && warning.contains("no Secret objects read"),
        "{warning}"
    );
    // The rest is used.
    assert_eq!(of_kind(&read, "Secret").len(), 0);
    assert_eq!(of_kind(&read, "Deployment").len(), 6);
    assert_eq!(of_kind(&read, "EnvoyFilter").len(), 1);
    // Cluster-scoped kinds are listed once, cluster-wide, whatever -n says;
    // Istio's ConfigMaps in the Istio namespace, which -n did not select.
    for path in [
        "/api/v1/nodes",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "/api/v1/namespaces/istio-system/configmaps",
    ] {
        assert_eq!(server.seen_path(path).len(), 1, "{path}");
    }
    assert!(
        server
            .seen()
            .iter()
            .all(|s| !s.path.contains("/namespaces/default/nodes")),
        "nodes listed per namespace"
    );
    assert_eq!(of_kind(&read, "Node").len(), 1);
    assert_eq!(of_kind(&read, "ConfigMap").len(), 1);
}
