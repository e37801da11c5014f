//! MG9xx on the scenario kit's telemetry, reconciled by the core.

use meshgraph_checks::{CheckOptions, CheckReport, Severity, Telemetry, check};
use meshgraph_config::MeshConfig;
use meshgraph_core::{ClassifyOptions, reconcile};
use meshgraph_scenario::builtin;
use serde_json::json;

fn run(name: &str, extra: Vec<serde_json::Value>) -> CheckReport {
    let scenario = builtin(name).unwrap().unwrap();
    let mut objects = scenario.objects();
    objects.extend(extra);
    let (config, _) = MeshConfig::from_values(objects);
    let observations = scenario.telemetry();
    let reconciliation = reconcile(&observations, &ClassifyOptions::default());
    let telemetry = Telemetry {
        observations: &observations,
        reconciliation: &reconciliation,
    };
    check(&config, Some(telemetry), &CheckOptions::default())
}

#[test]
fn out_of_mesh_caller_is_an_unknown_source_and_blocks_strict() {
    let report = run("bookinfo-mixed", vec![]);
    let mg903: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "MG903")
        .collect();
    assert_eq!(mg903.len(), 1, "{:?}", report.findings);
    assert_eq!(
        mg903[0].resource.to_string(),
        "Deployment front/productpage-v1"
    );
    let mg904 = report.findings.iter().find(|f| f.code == "MG904").unwrap();
    assert_eq!(mg904.severity, Severity::Info, "PERMISSIVE by default");
}

#[test]
fn plaintext_into_strict_is_an_error() {
    let strict = json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "front"}, "spec": {"mtls": {"mode": "STRICT"}}});
    let report = run("bookinfo-mixed", vec![strict]);
    let f = report.findings.iter().find(|f| f.code == "MG904").unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("PeerAuthentication front/default")),
        "{f:?}"
    );
}

#[test]
fn failing_edges_are_reported_once_per_edge() {
    let report = run("bookinfo-waypoint", vec![]);
    let mg902: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "MG902")
        .collect();
    assert_eq!(mg902.len(), 1, "{mg902:?}");
    assert!(mg902[0].message.contains("reviews-v3"));
}

#[test]
fn telemetry_checks_are_skipped_with_a_note_without_telemetry() {
    let scenario = builtin("bookinfo-sidecar").unwrap().unwrap();
    let (config, _) = MeshConfig::from_values(scenario.objects());
    let report = check(&config, None, &CheckOptions::default());
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("MG902") && n.contains("need telemetry"))
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.code.as_str().starts_with("MG9"))
    );
}
