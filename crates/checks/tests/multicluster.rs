//! MG908, MG909, MG910 on the scenario kit's multi-cluster telemetry (the
//! built-in `multicluster` scenario), each with a case that must fire and one
//! that must not.

use std::collections::BTreeMap;

use meshgraph_checks::{CheckOptions, CheckReport, Telemetry, check};
use meshgraph_config::MeshConfig;
use meshgraph_core::{ClassifyOptions, reconcile};
use meshgraph_model::{Metric, Observation, Reporter};
use meshgraph_scenario::builtin;

fn run(observations: &[Observation]) -> CheckReport {
    let scenario = builtin("multicluster").unwrap().unwrap();
    let (config, _) = MeshConfig::from_values(scenario.objects());
    let reconciliation = reconcile(observations, &ClassifyOptions::default());
    let telemetry = Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    check(&config, Some(telemetry), &CheckOptions::default())
}

fn telemetry() -> Vec<Observation> {
    builtin("multicluster").unwrap().unwrap().telemetry()
}

fn codes(report: &CheckReport, code: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.message.clone())
        .collect()
}

/// A client-side series of east's reviews-v2 calling ratings.
fn client_series(code: &str, flags: &str, value: f64) -> Observation {
    let labels: BTreeMap<String, String> = [
        ("reporter", "source"),
        ("source_workload", "reviews-v2"),
        ("source_workload_namespace", "bookinfo"),
        (
            "source_principal",
            "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews",
        ),
        ("source_cluster", "east"),
        ("destination_workload", "unknown"),
        ("destination_workload_namespace", "unknown"),
        ("destination_cluster", "west"),
        ("destination_service", "ratings.bookinfo.svc.cluster.local"),
        ("destination_service_name", "ratings"),
        ("destination_service_namespace", "bookinfo"),
        ("request_protocol", "http"),
        ("response_code", code),
        ("response_flags", flags),
        ("connection_security_policy", "unknown"),
        ("cluster", "east"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Observation::from_labels(Metric::Requests, labels, value).unwrap()
}

#[test]
fn a_healthy_multicluster_mesh_raises_none_of_the_three() {
    let report = run(&telemetry());
    for code in ["MG908", "MG909", "MG910"] {
        assert!(
            codes(&report, code).is_empty(),
            "{code}: {:?}",
            report.findings
        );
    }
}

#[test]
fn plaintext_between_clusters_is_mg908() {
    let mut observations = telemetry();
    // west's ratings sidecar saw east's reviews-v2 without mTLS.
    let mut touched = 0;
    for o in &mut observations {
        if o.reporter == Reporter::Destination
            && o.source.workload == "reviews-v2"
            && o.source.cluster == "east"
        {
            o.connection_security_policy = "none".into();
            touched += 1;
        }
    }
    assert!(touched > 0);
    let found = codes(&run(&observations), "MG908");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("east/bookinfo/reviews-v2")
            && found[0].contains("west/bookinfo/ratings-v1"),
        "{found:?}"
    );
}

#[test]
fn plaintext_inside_one_cluster_is_not_mg908() {
    let mut observations = telemetry();
    for o in &mut observations {
        if o.reporter == Reporter::Destination && o.source.workload == "reviews-v3" {
            o.connection_security_policy = "none".into();
        }
    }
    assert!(codes(&run(&observations), "MG908").is_empty());
}

#[test]
fn a_cluster_missing_from_the_federation_is_mg909() {
    // Drop every series west's proxies emitted (its Prometheus is not federated).
    let observations: Vec<Observation> = telemetry()
        .into_iter()
        .filter(|o| o.extra.get("cluster").map(String::as_str) != Some("west"))
        .collect();
    let report = run(&observations);
    let found = codes(&report, "MG909");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(found[0].contains("go to west"), "{found:?}");
    assert!(codes(&report, "MG909").iter().all(|m| !m.contains("east")));
}

#[test]
fn a_call_that_failed_across_networks_is_mg910_and_a_local_failure_is_not() {
    let mut observations = telemetry();
    observations.push(client_series("503", "UF", 0.2));
    let found = codes(&run(&observations), "MG910");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("service:west/bookinfo/ratings"),
        "{found:?}"
    );

    // The same failure without a cluster change: a local failure, not MG910.
    let mut local = client_series("503", "UF", 0.2);
    local.destination.cluster = "east".into();
    let mut observations = telemetry();
    observations.push(local);
    assert!(codes(&run(&observations), "MG910").is_empty());
}
