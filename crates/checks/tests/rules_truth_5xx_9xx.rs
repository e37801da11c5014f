//! MG908 and MG909 on hand-written multi-cluster series: which cluster pairs
//! count as crossing clusters.

use std::collections::BTreeSet;

use meshgraph_checks::{CheckOptions, Code, Telemetry, check};
use meshgraph_config::{LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, reconcile};
use meshgraph_model::{Metric, Observation};

/// One `istio_requests_total` series at 1 req/s, reported by `reporter`, from
/// `source` to `destination` (each `cluster/workload` in namespace shop, no
/// cluster label for an empty cluster; workload `unknown` for an unidentified
/// peer), over `security`, scraped by the Prometheus of cluster `scraped`.
fn series(
    reporter: &str,
    source: &str,
    destination: &str,
    security: &str,
    scraped: Option<&str>,
) -> Observation {
    let (scluster, sname) = source.split_once('/').unwrap();
    let (dcluster, dname) = destination.split_once('/').unwrap();
    let ns = |name: &str| if name == "unknown" { "unknown" } else { "shop" };
    let labels = [
        ("reporter", reporter),
        ("source_workload", sname),
        ("source_workload_namespace", ns(sname)),
        ("source_cluster", scluster),
        ("destination_workload", dname),
        ("destination_workload_namespace", ns(dname)),
        ("destination_cluster", dcluster),
        ("destination_service", "api.shop.svc.cluster.local"),
        ("destination_service_name", "api"),
        ("destination_service_namespace", "shop"),
        ("request_protocol", "http"),
        ("response_code", "200"),
        ("response_flags", "-"),
        ("connection_security_policy", security),
        ("cluster", scraped.unwrap_or_default()),
    ];
    Observation::from_labels(
        Metric::Requests,
        labels
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        1.0,
    )
    .unwrap()
}

/// The messages of rule `code` alone, with no configuration.
fn messages(code: Code, observations: &[Observation]) -> Vec<String> {
    let (config, warnings) = MeshConfig::from_text("", "empty.yaml", &LoadOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let reconciliation = reconcile(observations, &ClassifyOptions::default());
    let telemetry = Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    let options = CheckOptions {
        only: Some(BTreeSet::from([code])),
        ..CheckOptions::default()
    };
    let report = check(&config, Some(telemetry), &options);
    assert_eq!(report.checked, [code], "{:?}", report.notes);
    report.findings.iter().map(|f| f.message.clone()).collect()
}

/// Series without cluster labels, scraped in east and west; the last one lost
/// its scrape label, so the workload it names only there (api-v2) is in
/// cluster `unknown`, called from east.
fn scraped_with_a_lost_label(reporter: &str, security: &str) -> Vec<Observation> {
    vec![
        series("source", "/web-v1", "/api-v1", "unknown", Some("east")),
        series("source", "/batch-v1", "/api-v1", "unknown", Some("west")),
        series(reporter, "/web-v1", "/api-v2", security, None),
    ]
}

// MG908 cross-cluster-plaintext: plaintext between two known, different clusters.
#[test]
fn mg908_needs_a_known_cluster_on_both_sides() {
    let found = messages(
        Code::MG908,
        &[
            series("destination", "east/web-v1", "west/api-v1", "none", None),
            // The source is unidentified: it has no cluster.
            series("destination", "east/unknown", "west/api-v1", "none", None),
        ],
    );
    assert_eq!(
        found,
        ["1.00/s of plaintext from east/shop/web-v1 to west/shop/api-v1 cross clusters"]
    );
    // Plaintext into a workload of cluster `unknown` is not judged.
    assert_eq!(
        messages(
            Code::MG908,
            &scraped_with_a_lost_label("destination", "none")
        ),
        Vec::<String>::new()
    );
}

// MG909 cluster-without-telemetry: calls into a cluster that reports nothing.
#[test]
fn mg909_counts_only_calls_from_a_known_other_cluster() {
    let found = messages(
        Code::MG909,
        &[
            series("source", "east/web-v1", "west/api-v1", "unknown", None),
            // An unidentified caller has no cluster.
            series("source", "east/unknown", "west/api-v1", "unknown", None),
        ],
    );
    assert_eq!(
        found,
        ["1 calls from other clusters go to west, which reports no series"]
    );
    // Cluster `unknown` is no cluster that could be missing.
    assert_eq!(
        messages(Code::MG909, &scraped_with_a_lost_label("source", "unknown")),
        Vec::<String>::new()
    );
}
