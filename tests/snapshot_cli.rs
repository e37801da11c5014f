//! `meshgraph snapshot` end to end, through the binary.

mod common;

use common::meshgraph;

use serde_json::Value;

fn snapshot_json(demo: &str, graph_type: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "snapshot",
            "--demo",
            demo,
            "--graph-type",
            graph_type,
            "-o",
            "g.json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap()
}

fn edges(doc: &Value) -> &Vec<Value> {
    doc["edges"].as_array().unwrap()
}

const GATEWAY: &str = "workload:istio-system/istio-ingressgateway";

#[test]
fn waypoint_demo_has_seven_http_edges_six_via_the_waypoint() {
    let doc = snapshot_json("bookinfo-waypoint", "workload");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["graph_type"], "workload");
    assert_eq!(doc["window_seconds"], 300);
    let edges = edges(&doc);
    assert_eq!(edges.len(), 7, "{edges:#?}");
    for edge in edges {
        assert_eq!(edge["protocol"], "http", "{edge}");
        if edge["source"] == GATEWAY {
            assert!(
                edge["via_waypoint"].is_null(),
                "the gateway bypasses the waypoint: {edge}"
            );
            assert_eq!(edge["rates_from"], "gateway");
        } else {
            assert_eq!(edge["via_waypoint"], "bookinfo/waypoint", "{edge}");
            assert_eq!(edge["rates_from"], "waypoint");
            assert_eq!(edge["mtls"], 1.0);
            assert!(edge["latency_p99_ms"].as_f64().unwrap() > 0.0);
        }
    }
    let kinds: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.contains(&"waypoint"),
        "waypoints are hidden by default"
    );
}

#[test]
fn ambient_demo_has_the_same_seven_edges_six_of_them_tcp() {
    let doc = snapshot_json("bookinfo-ambient", "workload");
    let waypoint = snapshot_json("bookinfo-waypoint", "workload");
    let pairs = |d: &Value| -> Vec<(String, String)> {
        edges(d)
            .iter()
            .map(|e| (e["source"].to_string(), e["target"].to_string()))
            .collect()
    };
    assert_eq!(pairs(&doc), pairs(&waypoint));
    for edge in edges(&doc) {
        let expected = if edge["source"] == GATEWAY {
            "http"
        } else {
            "tcp"
        };
        assert_eq!(edge["protocol"], expected, "{edge}");
        if expected == "tcp" {
            assert!(
                edge["rps"].is_null(),
                "ztunnel cannot count requests: {edge}"
            );
            assert!(edge["bytes_to_server_per_second"].as_f64().unwrap() > 0.0);
            assert_eq!(edge["rates_from"], "ztunnel-source");
        }
    }
}

#[test]
fn sidecar_demo_rates_come_from_the_destination_and_are_not_doubled() {
    let doc = snapshot_json("bookinfo-sidecar", "workload");
    let edge = edges(&doc)
        .iter()
        .find(|e| {
            e["source"] == "workload:bookinfo/reviews-v3"
                && e["target"] == "workload:bookinfo/ratings-v1"
        })
        .expect("reviews-v3 -> ratings-v1");
    assert_eq!(edge["rates_from"], "envoy-destination");
    assert!((edge["rps"].as_f64().unwrap() - 4.0).abs() < 1e-9, "{edge}");
    assert!(
        (edge["error_rps"].as_f64().unwrap() - 0.4).abs() < 1e-9,
        "{edge}"
    );
}

#[test]
fn versioned_app_graph_sums_reviews_versions_separately() {
    let doc = snapshot_json("bookinfo-sidecar", "versioned-app");
    let ids: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for id in [
        "versioned_app:bookinfo/reviews/v1",
        "versioned_app:bookinfo/reviews/v2",
        "versioned_app:bookinfo/reviews/v3",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert_eq!(edges(&doc).len(), 7);
}

#[test]
fn app_graph_merges_versions_and_sums_rates() {
    let doc = snapshot_json("bookinfo-sidecar", "app");
    let to_reviews = edges(&doc)
        .iter()
        .find(|e| {
            e["source"] == "app:bookinfo/productpage" && e["target"] == "app:bookinfo/reviews"
        })
        .expect("productpage -> reviews");
    assert!((to_reviews["rps"].as_f64().unwrap() - 12.0).abs() < 1e-9);
    let to_ratings = edges(&doc)
        .iter()
        .find(|e| e["source"] == "app:bookinfo/reviews" && e["target"] == "app:bookinfo/ratings")
        .expect("reviews -> ratings");
    assert!((to_ratings["rps"].as_f64().unwrap() - 8.0).abs() < 1e-9);
}

#[test]
fn show_waypoints_draws_client_waypoint_server_without_parallel_arrows() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "snapshot",
            "--demo",
            "bookinfo-waypoint",
            "--show-waypoints",
            "-o",
            "g.json",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap();
    let waypoint = "workload:bookinfo/waypoint";
    let into: Vec<&Value> = edges(&doc)
        .iter()
        .filter(|e| e["target"] == waypoint)
        .collect();
    let out_of: Vec<&Value> = edges(&doc)
        .iter()
        .filter(|e| e["source"] == waypoint)
        .collect();
    assert_eq!(
        into.len(),
        3,
        "productpage, reviews-v2 and reviews-v3 call through it: {into:#?}"
    );
    assert_eq!(out_of.len(), 5, "details, reviews x3, ratings");
    for edge in edges(&doc) {
        let direct = edge["source"] == "workload:bookinfo/productpage-v1"
            && edge["target"] == "workload:bookinfo/details-v1";
        assert!(!direct, "no direct arrow beside the waypoint path");
    }
}

#[test]
fn dot_and_svg_outputs_are_a_digraph_and_well_formed_svg() {
    common::require_graphviz();
    let dir = tempfile::tempdir().unwrap();
    for file in ["g.dot", "g.svg"] {
        let out = meshgraph(
            &[
                "snapshot",
                "--demo",
                "bookinfo-waypoint",
                "--graph-type",
                "workload",
                "-o",
                file,
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dot = std::fs::read_to_string(dir.path().join("g.dot")).unwrap();
    assert!(dot.starts_with("digraph"));
    graphviz_rust::parse(&dot).expect("DOT parses");
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    assert!(
        svg.contains("<!-- Generated by graphviz"),
        "laid out by Graphviz, not the built-in layout"
    );
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(&svg, options).expect("SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&"productpage-v1"), "{texts:?}");
}

#[test]
fn same_input_gives_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "dot", "svg", "cytoscape", "mermaid"] {
        let a = meshgraph(
            &[
                "snapshot",
                "--demo",
                "bookinfo-mixed",
                "--format",
                format,
                "-o",
                "-",
            ],
            dir.path(),
        );
        let b = meshgraph(
            &[
                "snapshot",
                "--demo",
                "bookinfo-mixed",
                "--format",
                format,
                "-o",
                "-",
            ],
            dir.path(),
        );
        assert!(a.status.success() && !a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
    }
}

#[test]
fn stdout_output_defaults_to_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(&["snapshot", "--demo", "-o", "-"], dir.path());
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["source"], "demo:bookinfo-waypoint");
}

#[test]
fn failures_are_one_line_exit_two_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &["snapshot", "--demo", "no-such-demo", "-o", "g.svg"],
        &["snapshot", "--demo", "-o", "g.png"],
        &["snapshot", "--scenario", "missing.toml", "-o", "g.svg"],
        &["snapshot", "-o", "g.svg"],
    ];
    for args in cases {
        let out = meshgraph(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("meshgraph: error: "), "{stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no output file is left behind"
    );
}

#[test]
fn a_bad_scenario_file_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "name = \"x\"\nnamespaces = [\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("g.json"), "last good graph").unwrap();
    let out = meshgraph(
        &["snapshot", "--scenario", "bad.toml", "-o", "g.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("g.json")).unwrap(),
        "last good graph"
    );
}

#[cfg(unix)]
#[test]
fn output_files_get_the_usual_permissions_not_the_temp_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(&["snapshot", "--demo", "-o", "g.json"], dir.path());
    assert!(out.status.success());
    let mode = std::fs::metadata(dir.path().join("g.json"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn findings_appear_as_badges_on_nodes_and_edges() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scenarios/bookinfo-faults.toml"
    );
    let out = meshgraph(
        &["snapshot", "--scenario", scenario, "-o", "g.json"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap();
    let details = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "workload:bookinfo/details-v1")
        .unwrap();
    assert_eq!(details["findings"], serde_json::json!(["MG105", "MG906"]));
    let failing = edges(&doc)
        .iter()
        .find(|e| {
            e["source"] == "workload:bookinfo/reviews-v3"
                && e["target"] == "workload:bookinfo/ratings-v1"
        })
        .unwrap();
    assert_eq!(failing["findings"], serde_json::json!(["MG902"]));
    let plaintext = edges(&doc)
        .iter()
        .find(|e| e["source"] == "unknown" && e["target"] == "workload:bookinfo/productpage-v1")
        .unwrap();
    assert_eq!(plaintext["findings"], serde_json::json!(["MG903", "MG904"]));

    let out = meshgraph(
        &[
            "snapshot",
            "--scenario",
            scenario,
            "--format",
            "dot",
            "-o",
            "-",
        ],
        dir.path(),
    );
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.contains("[MG105 MG906]"), "badge in the node label");
    assert!(dot.contains("penwidth=\"2\""), "outlined node");

    let out = meshgraph(
        &[
            "snapshot",
            "--scenario",
            scenario,
            "--no-findings",
            "-o",
            "-",
        ],
        dir.path(),
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["findings"].as_array().unwrap().is_empty())
    );
}

#[test]
fn infrastructure_traffic_is_hidden_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scenarios/infra.toml"
    );
    let out = meshgraph(&["snapshot", "--scenario", scenario, "-o", "-"], dir.path());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(edges(&doc).len(), 1, "only web -> api: {:#?}", edges(&doc));
    assert!(
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["namespace"] != "monitoring")
    );
    let out = meshgraph(
        &[
            "snapshot",
            "--scenario",
            scenario,
            "--show-infra",
            "-o",
            "-",
        ],
        dir.path(),
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let infra: Vec<&Value> = edges(&doc)
        .iter()
        .filter(|e| e["infrastructure"] == true)
        .collect();
    assert_eq!(infra.len(), 1);
    assert_eq!(infra[0]["source"], "workload:monitoring/prometheus-server");
}

#[test]
fn service_graph_puts_service_nodes_between_callers_and_workloads() {
    let doc = snapshot_json("bookinfo-sidecar", "service");
    let into_reviews: Vec<&Value> = edges(&doc)
        .iter()
        .filter(|e| e["target"] == "service:bookinfo/reviews")
        .collect();
    assert_eq!(into_reviews.len(), 1);
    assert!(
        (into_reviews[0]["rps"].as_f64().unwrap() - 12.0).abs() < 1e-9,
        "the three versions' calls summed"
    );
    let out_of_reviews: Vec<&Value> = edges(&doc)
        .iter()
        .filter(|e| e["source"] == "service:bookinfo/reviews")
        .collect();
    assert_eq!(out_of_reviews.len(), 3, "to reviews-v1, v2, v3");
    assert!(
        edges(&doc)
            .iter()
            .all(|e| !(e["source"] == "workload:bookinfo/productpage-v1"
                && e["target"] == "workload:bookinfo/reviews-v1"))
    );
}

#[test]
fn without_graphviz_the_svg_comes_from_the_built_in_layout_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run()
        .args(["snapshot", "--demo", "-o", "g.svg"])
        .env("MESHGRAPH_DOT", "")
        .dir(dir.path())
        .output();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("built-in layout"));
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&svg, options).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(svg.contains("productpage-v1"));
}

#[test]
fn cytoscape_and_mermaid_follow_their_extensions() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["g.cy.json", "g.mmd"] {
        let out = meshgraph(
            &["snapshot", "--demo", "bookinfo-waypoint", "-o", file],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let cy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.cy.json")).unwrap())
            .unwrap();
    let edges = cy["elements"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 7);
    assert!(
        edges
            .iter()
            .filter(|e| e["data"]["via_waypoint"] == "bookinfo/waypoint")
            .count()
            == 6
    );
    let parents: Vec<&Value> = cy["elements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["data"]["kind"] == "namespace")
        .collect();
    assert_eq!(
        parents.len(),
        2,
        "bookinfo and istio-system as compound nodes"
    );
    let mmd = std::fs::read_to_string(dir.path().join("g.mmd")).unwrap();
    assert!(mmd.starts_with("flowchart LR\n"));
    assert_eq!(mmd.matches("-->|").count(), 7, "seven http arrows");
    assert!(mmd.contains("via waypoint bookinfo/waypoint"));
}

#[cfg(unix)]
#[test]
fn a_dot_that_runs_too_long_is_stopped_and_the_message_says_how_to_narrow() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("slow-dot");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = common::run()
        .args(["snapshot", "--demo", "-o", "g.svg"])
        .env("MESHGRAPH_DOT", &slow)
        .env("MESHGRAPH_DOT_TIMEOUT", "1")
        .dir(dir.path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("did not finish within 1 s"), "{stderr}");
    assert!(stderr.contains("--graph-type app"), "{stderr}");
    assert!(!dir.path().join("g.svg").exists());
}
