//! Finding the mesh's Prometheus in the stand-in cluster, and the endpoint
//! that reaches it through the API server's service proxy.

mod common;

use std::time::Duration;

use common::{FakeApi, Reply, kubeconfig, serve};
use meshgraph_kube::{
    ClusterConfig, ClusterOptions, ServiceRef, discover_prometheus, proxy_endpoint,
};
use serde_json::json;

const TOKEN: &str = "discovery-token-abcdef123456";

fn options(config: &std::path::Path) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: Some(config.to_path_buf()),
        retries: 0,
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

async fn discover(api: FakeApi) -> (Option<meshgraph_kube::Discovered>, common::Server) {
    let server = serve(api).await;
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &[("lab", &server.url, TOKEN, None)]);
    let options = options(&path);
    let config = ClusterConfig::load(&options).await.unwrap();
    (
        discover_prometheus(&config, &options).await.unwrap(),
        server,
    )
}

fn service(namespace: &str, name: &str, ports: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"ports": ports},
    })
}

#[tokio::test]
async fn istio_addon_first_then_kube_prometheus_stack_then_kiali() {
    // Istio's addon, its port named http-web.
    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/namespaces/istio-system/services/prometheus".into(),
        Reply::json(
            200,
            &service(
                "istio-system",
                "prometheus",
                json!([{"name": "http-web", "port": 9090}]),
            ),
        ),
    );
    let (found, _) = discover(api).await;
    let found = found.unwrap();
    assert_eq!(
        found.service.k8s_url(),
        "k8s://istio-system/prometheus:9090"
    );
    assert_eq!(found.found_by, "service prometheus in istio-system");

    // kube-prometheus-stack: the addon is forbidden to us (a 403 is skipped),
    // `*-prometheus` in monitoring.
    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/namespaces/istio-system/services/prometheus".into(),
        Reply::status(403, "Forbidden", "services \"prometheus\" is forbidden"),
    );
    api.add(service(
        "monitoring",
        "kps-grafana",
        json!([{"name": "http-web", "port": 80}]),
    ));
    api.add(service(
        "monitoring",
        "kps-kube-prometheus-stack-prometheus",
        json!([{"name": "reloader-web", "port": 8080}, {"name": "http-web", "port": 9090}]),
    ));
    let (found, server) = discover(api).await;
    let found = found.unwrap();
    assert_eq!(
        found.service.k8s_url(),
        "k8s://monitoring/kps-kube-prometheus-stack-prometheus:9090"
    );
    assert_eq!(
        server
            .seen_path("/api/v1/namespaces/monitoring/services/prometheus-operated")
            .len(),
        1
    );

    // Kiali's ConfigMap names it.
    let mut api = FakeApi::bookinfo();
    api.always.insert(
        "/api/v1/namespaces/istio-system/configmaps/kiali".into(),
        Reply::json(
            200,
            &json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "kiali", "namespace": "istio-system"},
                "data": {"config.yaml": "auth:\n  strategy: anonymous\nexternal_services:\n  prometheus:\n    url: http://thanos-query.observability.svc.cluster.local:10902/\n"},
            }),
        ),
    );
    let (found, _) = discover(api).await;
    let found = found.unwrap();
    assert_eq!(
        found.service.k8s_url(),
        "k8s://observability/thanos-query:10902"
    );
    assert!(
        found.found_by.contains("Kiali's ConfigMap"),
        "{}",
        found.found_by
    );

    // Nothing there.
    let (found, _) = discover(FakeApi::bookinfo()).await;
    assert!(found.is_none());
}

#[tokio::test]
async fn the_proxy_endpoint_carries_the_contexts_token() {
    let server = serve(FakeApi::bookinfo()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &[("lab", &server.url, TOKEN, None)]);
    let config = ClusterConfig::load(&options(&path)).await.unwrap();
    let service = ServiceRef::parse_k8s_url("k8s://istio-system/prometheus:9090")
        .unwrap()
        .unwrap();
    let endpoint = proxy_endpoint(&config, &service).await.unwrap();
    assert_eq!(
        endpoint.url,
        format!(
            "{}/api/v1/namespaces/istio-system/services/prometheus:9090/proxy",
            server.url
        )
    );
    assert_eq!(endpoint.bearer.as_deref(), Some(TOKEN));
    assert!(endpoint.ca_pem.is_none() && endpoint.identity_pem.is_none());
    assert!(!format!("{endpoint:?}").contains(TOKEN));
}
