//! `meshgraph snapshot -o graph.json` writes documents that match the published
//! schema, `docs/schema/graph.schema.json`, for every built-in scenario.

mod common;

use std::path::Path;

use serde_json::Value;

const SCENARIOS: &[&str] = &[
    "bookinfo-sidecar",
    "bookinfo-ambient",
    "bookinfo-waypoint",
    "bookinfo-mixed",
    // Nodes with `cluster`, edges with `via_network_gateway`.
    "multicluster",
];
const GRAPH_TYPES: &[&str] = &["workload", "versioned-app"];

fn validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/graph.schema.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{path} is not a valid draft 2020-12 schema: {e}"))
}

/// Every schema violation as `instance path: message`, one per line.
fn violations(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn snapshot(scenario: &str, graph_type: &str, dir: &Path) -> Value {
    let out = dir.join(format!("{scenario}-{graph_type}.json"));
    let run = common::run()
        .args([
            "snapshot",
            "--demo",
            scenario,
            "--graph-type",
            graph_type,
            "-o",
        ])
        .arg(&out)
        .output();
    assert!(
        run.status.success(),
        "meshgraph snapshot --demo {scenario} --graph-type {graph_type} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("reading the snapshot");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{scenario} {graph_type}: output is not JSON: {e}"))
}

#[test]
fn every_builtin_snapshot_matches_the_schema() {
    let validator = validator();
    let dir = tempfile::tempdir().expect("temporary directory");
    for scenario in SCENARIOS {
        for graph_type in GRAPH_TYPES {
            let document = snapshot(scenario, graph_type, dir.path());
            let errors = violations(&validator, &document);
            assert!(
                errors.is_empty(),
                "snapshot --demo {scenario} --graph-type {graph_type} does not match \
                 docs/schema/graph.schema.json:\n{}",
                errors.join("\n")
            );
            assert!(
                !document["edges"].as_array().is_some_and(Vec::is_empty),
                "{scenario} {graph_type}: no edges, so the edge schema was not exercised"
            );
            // What the schema cannot say: edges join nodes of the same document.
            let ids: Vec<&str> = document["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["id"].as_str())
                .collect();
            for edge in document["edges"].as_array().into_iter().flatten() {
                for end in ["source", "target"] {
                    let id = edge[end].as_str().unwrap_or_default();
                    assert!(
                        ids.contains(&id),
                        "{scenario} {graph_type}: edge {end} {id:?} is not a node id"
                    );
                }
            }
        }
    }
}

#[test]
fn schema_rejects_an_edge_without_protocol() {
    let validator = validator();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut document = snapshot("bookinfo-waypoint", "workload", dir.path());
    assert!(violations(&validator, &document).is_empty());
    let edge = document["edges"][0]
        .as_object_mut()
        .expect("the snapshot has an edge");
    edge.remove("protocol");
    let errors = violations(&validator, &document);
    assert!(
        errors.iter().any(|e| e.contains("protocol")),
        "an edge without protocol was accepted; errors: {errors:?}"
    );
}

#[test]
fn schema_takes_exemplar_trace_ids_only_with_their_count_and_as_plain_ids() {
    let validator = validator();
    let dir = tempfile::tempdir().expect("temporary directory");
    let document = snapshot("bookinfo-sidecar", "workload", dir.path());
    let with = |fields: Value| {
        let mut doc = document.clone();
        let edge = doc["edges"][0].as_object_mut().expect("an edge");
        for (k, v) in fields.as_object().unwrap() {
            edge.insert(k.clone(), v.clone());
        }
        violations(&validator, &doc)
    };
    let id = "4bf92f3577b34da6a3ce929d0e0e4736";
    assert_eq!(
        with(serde_json::json!({"exemplar_trace_ids": [id], "exemplar_count": 3})),
        Vec::<String>::new()
    );
    for (fields, why) in [
        (
            serde_json::json!({"exemplar_trace_ids": [id]}),
            "ids without a count",
        ),
        (
            serde_json::json!({"exemplar_count": 1}),
            "a count without ids",
        ),
        (
            serde_json::json!({"exemplar_trace_ids": [], "exemplar_count": 1}),
            "an empty list (the field is left out instead)",
        ),
        (
            serde_json::json!({"exemplar_trace_ids": ["<b>x</b>"], "exemplar_count": 1}),
            "an id that is not a plain token",
        ),
        (
            serde_json::json!({"exemplar_trace_ids": ["a","b","c","d","e","f"], "exemplar_count": 6}),
            "more than 5 ids",
        ),
    ] {
        assert!(!with(fields).is_empty(), "the schema accepted {why}");
    }
}
