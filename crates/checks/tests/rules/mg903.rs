//! MG903: api receiving calls from an unidentified source is reported; calls
//! from a known workload is not. The series are written here, one per reporter,
//! as Istio would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;

use crate::{Found, finding, requests, telemetry_findings};

/// No objects: the findings name telemetry workloads.
const CONFIG: &str = "";

fn reported() -> Vec<Observation> {
    vec![requests(
        "destination",
        "unknown",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "none",
        1.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        1.0,
    )]
}

#[test]
fn mg903_unknown_sources_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG903, CONFIG, &reported(), &[]),
        [finding("MG903", "Workload shop/api-v1", Severity::Warning)]
    );
}

#[test]
fn mg903_unknown_sources_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG903, CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}

/// The evidence lines of MG903's findings that start with `prefix`.
fn evidence(observations: &[Observation], prefix: &str) -> Vec<Vec<String>> {
    let reconciliation =
        meshgraph_core::reconcile(observations, &meshgraph_core::ClassifyOptions::default());
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    meshgraph_checks::check(
        &crate::load(CONFIG),
        Some(telemetry),
        &crate::only(Code::MG903),
    )
    .findings
    .iter()
    .map(|f| {
        f.evidence
            .iter()
            .filter(|e| e.starts_with(prefix))
            .cloned()
            .collect()
    })
    .collect()
}

#[test]
fn mg903_lists_the_services_the_unknown_sources_called() {
    assert_eq!(
        evidence(&reported(), "services:"),
        [vec!["services: api.shop.svc.cluster.local".to_string()]]
    );
}
