//! The collector against a real Prometheus 2.42 (Debian `prometheus`) loaded
//! with the hand-written bookinfo sidecar fixture.

mod common;

use std::collections::BTreeMap;

use common::*;
use meshgraph_model::Reporter;
use meshgraph_prometheus::testing::PrometheusServer;
use meshgraph_prometheus::{Auth, Manifest, PrometheusConfig, Recorder, collect, replay};

fn server() -> PrometheusServer {
    PrometheusServer::start(&bookinfo_openmetrics())
}

#[tokio::test]
async fn collects_the_true_rates_per_reporter_and_pair() {
    let prometheus = server();
    let collected = collect(&PrometheusConfig::new(prometheus.url()), &plan(&[]), None)
        .await
        .unwrap();
    assert_bookinfo(&collected);
    let summary = collected.stats.summary_line();
    assert!(
        summary.starts_with("prometheus: 10 queries, 59 series, "),
        "{summary}"
    );
}

#[tokio::test]
async fn namespace_selection_keeps_traffic_entering_the_namespace() {
    let prometheus = server();
    let config = PrometheusConfig::new(prometheus.url());

    // bookinfo alone still sees the gateway's calls from istio-system, from
    // both reporters, and the unknown caller's.
    let bookinfo = collect(&config, &plan(&["bookinfo"]), None).await.unwrap();
    assert_bookinfo(&bookinfo);

    // istio-system alone sees only the gateway's calls (they leave it).
    let system = collect(&config, &plan(&["istio-system"]), None)
        .await
        .unwrap();
    let gw = "istio-ingressgateway";
    let expected: BTreeMap<RequestKey, f64> = [
        ((Reporter::Destination, gw, "productpage-v1", "200"), 2.8),
        ((Reporter::Source, gw, "productpage-v1", "200"), 2.8),
    ]
    .into_iter()
    .collect();
    assert_request_rates(&system, &expected);
    assert_eq!(system.stats.queries, 10);

    // A namespace nobody talks to, with regex metacharacters: nothing.
    let none = collect(&config, &plan(&["book.nfo"]), None).await.unwrap();
    assert!(
        none.observations.is_empty(),
        "{:?}",
        none.observations.first()
    );

    // The number of queries does not depend on the number of namespaces.
    let many = collect(
        &config,
        &plan(&["bookinfo", "istio-system", "a", "b", "c", "d"]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(many.stats.queries, bookinfo.stats.queries);
    assert_bookinfo(&many);
}

#[tokio::test]
async fn record_then_replay_gives_identical_observations() {
    let prometheus = server();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let recorder = Recorder::create(&bundle).unwrap();
    let collected = collect(
        &PrometheusConfig::new(prometheus.url()),
        &plan(&["bookinfo"]),
        Some(&recorder),
    )
    .await
    .unwrap();
    drop(prometheus);

    let manifest = Manifest::read(&bundle).unwrap();
    // Ten queries, then the exemplar answer (empty: this server keeps none).
    assert_eq!(manifest.prometheus.len(), 11);
    assert_eq!(manifest.prometheus[0].family, "requests");
    assert_eq!(
        manifest.prometheus[10].family,
        meshgraph_prometheus::exemplars::EXEMPLARS_FAMILY
    );
    assert!(collected.exemplars.is_empty());
    assert_eq!(manifest.prometheus[0].time, AT);
    assert_eq!(manifest, recorder.manifest());

    let replayed = replay(&bundle, &plan(&["bookinfo"])).unwrap();
    assert_eq!(replayed.observations, collected.observations);
    assert_eq!(replayed.exemplars, collected.exemplars);
    assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
    assert_eq!(
        (replayed.stats.queries, replayed.stats.series),
        (10, collected.stats.series)
    );
    assert_eq!(replayed.stats.server_time, std::time::Duration::ZERO);

    // Replaying with another selection uses the recording and says so.
    let other = replay(&bundle, &plan(&[])).unwrap();
    assert_eq!(other.observations, collected.observations);
    assert_eq!(other.warnings.len(), 1, "{:?}", other.warnings);
    assert!(
        other.warnings[0].contains("differ"),
        "{}",
        other.warnings[0]
    );

    // A recording is never overwritten.
    assert!(Recorder::create(&bundle).is_err());
}

#[tokio::test]
async fn credentials_never_reach_the_recording() {
    let prometheus = server();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path()).unwrap();
    let url = prometheus
        .url()
        .replace("http://", "http://alice:url-password-123@");
    let config = PrometheusConfig {
        auth: Auth::Bearer("bearer-token-456".into()),
        headers: vec![("X-Scope-OrgID".into(), "header-secret-789".into())],
        ..PrometheusConfig::new(url)
    };
    let collected = collect(&config, &plan(&[]), Some(&recorder)).await.unwrap();
    assert_bookinfo(&collected);
    let debug = format!("{config:?}");
    for secret in ["url-password-123", "bearer-token-456", "header-secret-789"] {
        assert!(!debug.contains(secret), "Debug shows {secret}: {debug}");
    }
    for entry in walk(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        for secret in [
            "alice",
            "url-password-123",
            "bearer-token-456",
            "header-secret-789",
            "X-Scope-OrgID",
            "127.0.0.1",
        ] {
            assert!(
                !text.contains(secret),
                "{} contains {secret}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}
