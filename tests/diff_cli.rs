//! `meshgraph diff`: what appeared, vanished or got worse between two snapshots.

mod common;

use common::meshgraph;

#[test]
fn a_regression_between_two_snapshots_is_reported_and_fails_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scenarios/infra.toml"
    ))
    .unwrap();
    std::fs::write(dir.path().join("before.toml"), &scenario).unwrap();
    // The next night: web -> api fails 20% of the time, and a new caller appears.
    let after = scenario.replacen(
        "to = \"shop/api\"\nrps = 5.0",
        "to = \"shop/api\"\nrps = 5.0\nerror_ratio = 0.2",
        1,
    ) + "\n[[calls]]\nfrom = \"shop/api-v1\"\nto = \"shop/web\"\nrps = 1.0\n";
    std::fs::write(dir.path().join("after.toml"), after).unwrap();
    for (toml, json) in [("before.toml", "before.json"), ("after.toml", "after.json")] {
        let out = meshgraph(&["snapshot", "--scenario", toml, "-o", json], dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = meshgraph(&["diff", "before.json", "after.json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "a regression exits 1");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("! edge workload:shop/web-v1 -> workload:shop/api-v1: errors 0.0% -> 20.0%"),
        "{text}"
    );
    assert!(
        text.contains("+ edge workload:shop/api-v1 -> workload:shop/web-v1"),
        "{text}"
    );

    let out = meshgraph(&["diff", "before.json", "before.json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "no changes\n");

    // Reversed, the new edge vanished: also a regression.
    let out = meshgraph(
        &["diff", "--format", "json", "after.json", "before.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["edges_vanished"][0],
        "workload:shop/api-v1 -> workload:shop/web-v1"
    );

    std::fs::write(dir.path().join("bad.json"), "{\"nodes\": 1}").unwrap();
    let out = meshgraph(&["diff", "bad.json", "before.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json"));
}
