//! The telemetry-aware findings (MG9xx) fire on telemetry read from a real
//! Prometheus, for faults injected through the scenario kit, and agree with
//! the same scenario checked in memory.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use meshgraph_prometheus::testing::{PrometheusServer, RateSeries, openmetrics_from_rates};
use meshgraph_scenario::Scenario;
use serde_json::Value;

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scenarios/bookinfo-faults.toml"
);

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = common::run()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .dir(dir)
        .output();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc)
}

fn codes(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn findings_of<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn injected_faults_are_found_from_a_real_prometheus() {
    let scenario =
        Scenario::from_toml(&std::fs::read_to_string(SCENARIO).unwrap(), SCENARIO).unwrap();
    let series: Vec<RateSeries> = scenario
        .telemetry()
        .into_iter()
        .map(|o| (o.metric.series_name().to_string(), o.labels(), o.value))
        .collect();
    let prometheus =
        PrometheusServer::start(&openmetrics_from_rates(&series, scenario.at, 1200, 15));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("objects.yaml"), scenario.objects_yaml()).unwrap();
    let at = (scenario.at - 60).to_string();

    let (status, live) = check(
        dir.path(),
        &[
            "-f",
            "objects.yaml",
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "--window",
            "5m",
        ],
    );
    assert_eq!(status, Some(1), "error-level findings exit 1");
    let found = codes(&live);
    for code in [
        "MG901", "MG902", "MG903", "MG904", "MG906", "MG202", "MG105",
    ] {
        assert!(found.contains(code), "{code} missing; found {found:?}");
    }

    let mg901 = findings_of(&live, "MG901");
    assert_eq!(mg901[0]["resource"]["kind"], "VirtualService");
    assert_eq!(mg901[0]["resource"]["name"], "reviews");
    let evidence = mg901[0]["evidence"].to_string();
    assert!(
        evidence.contains("reviews-v2") && evidence.contains("reviews-v3"),
        "{evidence}"
    );
    assert!(!evidence.contains("reviews-v1"), "v1 is routed: {evidence}");

    let mg902: Vec<&Value> = findings_of(&live, "MG902");
    assert!(
        mg902
            .iter()
            .any(|f| f["severity"] == "error"
                && f["message"].as_str().unwrap().contains("ratings-v1")),
        "{mg902:#?}"
    );
    let mg904 = findings_of(&live, "MG904");
    assert!(
        mg904
            .iter()
            .any(|f| f["resource"]["name"] == "productpage-v1"),
        "{mg904:#?}"
    );
    let mg906 = findings_of(&live, "MG906");
    assert!(
        mg906.iter().any(|f| f["resource"]["name"] == "details-v1"),
        "{mg906:#?}"
    );
    assert!(
        !mg906
            .iter()
            .any(|f| f["resource"]["name"] == "productpage-v1"),
        "productpage has its sidecar: {mg906:#?}"
    );

    // A recording keeps the answers and the objects: the replay needs neither
    // the server nor the manifests and finds the same.
    let out = common::run()
        .args([
            "record",
            "bundle",
            "-f",
            "objects.yaml",
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "--window",
            "5m",
        ])
        .dir(dir.path())
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(dir.path().join("objects.yaml")).unwrap();
    let (_, replayed) = check(dir.path(), &["--replay", "bundle", "--window", "5m"]);

    // The same scenario checked in memory gives the same findings.
    let (_, in_memory) = check(dir.path(), &["--scenario", SCENARIO]);
    let strip = |doc: &Value| -> BTreeSet<(String, String, String)> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].to_string(),
                    f["resource"].to_string(),
                    f["message"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&live), strip(&in_memory));
    assert_eq!(strip(&live), strip(&replayed));
}
