//! `meshgraph explain` on the demos: every series behind an edge, by emitter,
//! and what the reconciliation did with it.

mod common;

use serde_json::Value;

fn explain_json(args: &[&str]) -> Value {
    let out = common::run()
        .args(["explain", "--format", "json"])
        .args(args)
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn actions_by_emitter(doc: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["emitter"].as_str().unwrap().to_string(),
                s["disposition"]["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

#[test]
fn a_waypoint_edge_shows_both_ztunnel_hops_and_the_waypoint_that_gave_the_rates() {
    let doc = explain_json(&[
        "--demo",
        "bookinfo-waypoint",
        "bookinfo/productpage-v1",
        "bookinfo/reviews-v2",
    ]);
    assert_eq!(doc["edges"].as_array().unwrap().len(), 1);
    assert_eq!(doc["edges"][0]["rates_from"], "waypoint");
    assert_eq!(doc["edges"][0]["via_waypoint"], "bookinfo/waypoint");
    assert_eq!(
        actions_by_emitter(&doc),
        vec![
            ("waypoint".into(), "rates".into()),
            ("ztunnel-destination".into(), "waypoint_hop".into()),
            ("ztunnel-source".into(), "waypoint_hop".into()),
        ]
    );
    let hop = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["emitter"] == "ztunnel-source")
        .unwrap();
    assert_eq!(hop["labels"]["destination_workload"], "waypoint");
    assert_eq!(hop["labels"]["request_protocol"], "tcp");
    assert_eq!(hop["disposition"]["waypoint"], "bookinfo/waypoint");
    assert_eq!(
        hop["disposition"]["edges"].as_array().unwrap().len(),
        3,
        "one hop series carries all three reviews versions"
    );
}

#[test]
fn a_sidecar_edge_keeps_the_destination_and_drops_the_source_as_duplicate() {
    let doc = explain_json(&[
        "--demo",
        "bookinfo-sidecar",
        "bookinfo/reviews-v3",
        "bookinfo/ratings-v1",
    ]);
    assert_eq!(
        actions_by_emitter(&doc),
        vec![
            ("envoy-destination".into(), "rates".into()),
            ("envoy-source".into(), "duplicate".into())
        ]
    );
    let duplicate = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["emitter"] == "envoy-source")
        .unwrap();
    assert_eq!(duplicate["disposition"]["of"], "envoy-destination");
}

#[test]
fn ambient_edge_uses_ztunnel_source_and_never_adds_the_destination() {
    let doc = explain_json(&[
        "--demo",
        "bookinfo-ambient",
        "bookinfo/productpage-v1",
        "bookinfo/details-v1",
    ]);
    assert_eq!(
        actions_by_emitter(&doc),
        vec![
            ("ztunnel-destination".into(), "duplicate".into()),
            ("ztunnel-source".into(), "rates".into())
        ]
    );
}

#[test]
fn the_hop_pair_itself_can_be_explained_though_it_is_no_edge() {
    let doc = explain_json(&[
        "--demo",
        "bookinfo-waypoint",
        "bookinfo/productpage-v1",
        "bookinfo/waypoint",
    ]);
    assert!(doc["edges"].as_array().unwrap().is_empty());
    assert!(
        actions_by_emitter(&doc)
            .iter()
            .all(|(_, action)| action == "waypoint_hop")
    );
}

#[test]
fn text_form_groups_by_emitter_and_an_unknown_pair_is_an_error() {
    let out = common::run()
        .args([
            "explain",
            "--demo",
            "bookinfo-waypoint",
            "bookinfo/productpage-v1",
            "bookinfo/reviews-v2",
        ])
        .output();
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in ["waypoint (", "ztunnel-source (", "ztunnel-destination ("] {
        assert!(text.contains(heading), "{heading} missing in\n{text}");
    }
    assert!(text.contains("rates from waypoint"));
    let out = common::run()
        .args([
            "explain",
            "--demo",
            "bookinfo-waypoint",
            "bookinfo/details-v1",
            "bookinfo/ratings-v1",
        ])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no series from bookinfo/details-v1"));
}
