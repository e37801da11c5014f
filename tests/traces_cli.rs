//! Traces through the binary: real captures from Kiali and Jaeger (copied
//! unchanged into tests/fixtures/traces), merged with metrics, and a local
//! HTTP server replaying a recorded Jaeger answer.

mod common;

use meshgraph_standin::{Refusing, Reply, StandIn};
use serde_json::Value;

fn snapshot(args: &[&str]) -> Value {
    let out = common::run()
        .arg("snapshot")
        .args(args)
        .args(["-o", "-"])
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A capture in tests/fixtures/traces, as a command-line argument.
fn fixture(name: &str) -> String {
    common::fixture(&format!("traces/{name}"))
        .display()
        .to_string()
}

fn pairs(doc: &Value) -> Vec<(String, String)> {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn kialis_tempo_bookinfo_trace_gives_the_sidecar_call_chain() {
    let doc = snapshot(&[
        "--traces-file",
        &fixture("kiali-tempo-bookinfo-sidecar-trace.json"),
        "--graph-type",
        "workload",
    ]);
    assert_eq!(
        pairs(&doc),
        vec![
            pair(
                "workload:bookinfo/productpage-v1",
                "workload:bookinfo/details-v1"
            ),
            pair(
                "workload:bookinfo/productpage-v1",
                "workload:bookinfo/reviews-v2"
            ),
            pair(
                "workload:bookinfo/reviews-v2",
                "workload:bookinfo/ratings-v1"
            ),
            pair(
                "workload:istio-system/istio-ingressgateway",
                "workload:bookinfo/productpage-v1"
            ),
        ]
    );
    for edge in doc["edges"].as_array().unwrap() {
        assert_eq!(edge["seen_in"], "traces");
        assert!(edge["rps"].is_null(), "traces are samples, not rates");
        assert_eq!(edge["trace_spans"], 1);
        assert_eq!(edge["trace_ids"][0], "3ba55609c3cde49649cd77d1f9dcd936");
    }
    let gateway = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "istio-ingressgateway")
        .unwrap();
    assert_eq!(gateway["kind"], "gateway");
}

/// The captures converted to OTLP protobuf (tests/fixtures/traces/SOURCE.md)
/// give the same graph as the JSON they came from.
#[test]
fn otlp_protobuf_files_give_the_graph_of_their_json_capture() {
    for json in [
        "kiali-tempo-bookinfo-sidecar-trace.json",
        "jaeger-v3-hotrod-trace.json",
    ] {
        let binpb = json.replace(".json", ".binpb");
        let from_json = snapshot(&["--traces-file", &fixture(json)]);
        let from_pb = snapshot(&["--traces-file", &fixture(&binpb)]);
        assert!(!from_pb["edges"].as_array().unwrap().is_empty());
        assert_eq!(from_pb["edges"], from_json["edges"], "{binpb}");
        assert_eq!(from_pb["nodes"], from_json["nodes"], "{binpb}");
    }
}

/// Istio 1.22-1.28 waypoint spans (generated in 1.26's shape, see
/// tests/fixtures/traces/SOURCE.md) confirm the waypoint-mediated metric
/// edges of the bookinfo-waypoint demo; the call whose caller no span names
/// stays a traces-only edge from `unknown`.
#[test]
fn istio_1_26_waypoint_traces_confirm_the_waypoint_edges() {
    let doc = snapshot(&[
        "--demo",
        "bookinfo-waypoint",
        "--traces-file",
        &fixture("generated-istio-1.26-waypoint-traces.binpb"),
    ]);
    let edges = doc["edges"].as_array().unwrap();
    let seen = |s: &str, t: &str| -> (String, u64) {
        edges
            .iter()
            .find(|e| e["source"] == s && e["target"] == t)
            .map(|e| {
                (
                    e["seen_in"].as_str().unwrap().to_string(),
                    e["trace_spans"].as_u64().unwrap_or(0),
                )
            })
            .unwrap_or_default()
    };
    assert_eq!(
        seen(
            "workload:istio-system/istio-ingressgateway",
            "workload:bookinfo/productpage-v1"
        ),
        ("both".to_string(), 2)
    );
    assert_eq!(
        seen(
            "workload:bookinfo/productpage-v1",
            "workload:bookinfo/details-v1"
        ),
        ("both".to_string(), 1)
    );
    // A call to the reviews service goes to its busiest backend.
    let reviews: Vec<(String, u64)> = ["v1", "v2", "v3"]
        .iter()
        .map(|v| {
            seen(
                "workload:bookinfo/productpage-v1",
                &format!("workload:bookinfo/reviews-{v}"),
            )
        })
        .collect();
    assert_eq!(
        reviews.iter().filter(|r| r.0 == "both").count(),
        1,
        "{reviews:?}"
    );
    assert_eq!(
        seen("unknown", "service:bookinfo/ratings"),
        ("traces".to_string(), 1)
    );
}

#[test]
fn jaegers_v3_hotrod_trace_gives_frontend_to_route_driver_and_customer() {
    let doc = snapshot(&["--traces-file", &fixture("jaeger-v3-hotrod-trace.json")]);
    let edges = pairs(&doc);
    for target in ["route", "driver", "customer"] {
        assert!(
            edges.contains(&pair(
                "workload:unknown/frontend",
                &format!("workload:unknown/{target}")
            )),
            "frontend -> {target} missing in {edges:?}"
        );
    }
    let redis = doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == "external:redis-manual")
        .unwrap();
    assert_eq!(redis["trace_spans"], 14);
    assert_eq!(redis["trace_errors"], 3);
}

#[test]
fn metrics_and_traces_agree_and_one_sided_edges_are_marked() {
    let doc = snapshot(&[
        "--demo",
        "bookinfo-sidecar",
        "--traces-file",
        &fixture("kiali-tempo-bookinfo-sidecar-trace.json"),
        "--traces-file",
        &fixture("jaeger-v3-hotrod-trace.json"),
    ]);
    let seen = |s: &str, t: &str| {
        doc["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == s && e["target"] == t)
            .map(|e| e["seen_in"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no edge {s} -> {t}"))
    };
    assert_eq!(
        seen(
            "workload:bookinfo/productpage-v1",
            "workload:bookinfo/reviews-v2"
        ),
        "both"
    );
    assert_eq!(
        seen(
            "workload:istio-system/istio-ingressgateway",
            "workload:bookinfo/productpage-v1"
        ),
        "both"
    );
    assert_eq!(
        seen(
            "workload:bookinfo/productpage-v1",
            "workload:bookinfo/reviews-v1"
        ),
        "metrics"
    );
    assert_eq!(
        seen("workload:unknown/frontend", "workload:unknown/route"),
        "traces"
    );
    let both = doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["source"] == "workload:bookinfo/reviews-v2"
                && e["target"] == "workload:bookinfo/ratings-v1"
        })
        .unwrap();
    assert!(
        (both["rps"].as_f64().unwrap() - 4.0).abs() < 1e-9,
        "rates still come from metrics"
    );
    assert_eq!(both["trace_spans"], 1);
}

#[test]
fn a_local_jaeger_serving_a_recorded_answer_is_read_through_v3() {
    // A recorded real Jaeger /api/v3/traces answer (jaeger-ui's HotROD fixture).
    let trace = common::read_fixture_bytes("traces/jaeger-v3-hotrod-trace.json");
    let server = StandIn::sequence(vec![
        Reply::ok(r#"{"services":["frontend"]}"#),
        Reply::ok(trace),
    ]);
    let url = format!("{}/jaeger", server.url());
    let doc = snapshot(&[
        "--jaeger",
        &url,
        "--trace-service",
        "frontend",
        "--at",
        "2026-11-25T02:00:00Z",
        "--window",
        "10m",
    ]);
    assert!(pairs(&doc).contains(&pair("workload:unknown/frontend", "workload:unknown/route")));
    let requests = server.requests();
    assert!(!requests.is_empty());
    let paths: Vec<&str> = requests.iter().map(|r| r.target.as_str()).collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/jaeger/api/v3/")),
        "{paths:?}"
    );
    let trace_queries: Vec<&&str> = paths
        .iter()
        .filter(|p| p.starts_with("/jaeger/api/v3/traces?"))
        .collect();
    assert!(!trace_queries.is_empty(), "{paths:?}");
    for query in trace_queries {
        assert!(query.contains("query.service_name=frontend"), "{query}");
        assert!(
            query.contains("query.start_time_max=2026-11-25T0"),
            "the window ends at --at: {query}"
        );
    }
}

#[test]
fn an_unreachable_jaeger_is_one_line_and_exit_two() {
    let refusing = Refusing::new();
    let port = refusing.port();
    let out = common::run()
        .args([
            "snapshot",
            "--jaeger",
            &format!("http://u:secret@127.0.0.1:{port}"),
            "--trace-service",
            "x",
            "--query-timeout",
            "2s",
            "-o",
            "g.json",
        ])
        .dir(tempfile::tempdir().unwrap().path())
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("secret"));
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
}

/// Spans generated by the scenario kit for each built-in scenario confirm the
/// metric edges that have a span-emitting proxy and invent none.
#[test]
fn scenario_traces_confirm_metric_edges_and_invent_none() {
    let dir = tempfile::tempdir().unwrap();
    for name in meshgraph_scenario::builtin_names() {
        let scenario = meshgraph_scenario::builtin(name).unwrap().unwrap();
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(
            &file,
            serde_json::to_vec(&scenario.jaeger_v3_traces(0.01)).unwrap(),
        )
        .unwrap();
        let doc = snapshot(&["--demo", name, "--traces-file", file.to_str().unwrap()]);
        let edges = doc["edges"].as_array().unwrap();
        assert!(
            edges.iter().all(|e| e["seen_in"] != "traces"),
            "{name}: traces invented an edge: {edges:#?}"
        );
        let seen = |s: &str, t: &str| -> String {
            edges
                .iter()
                .find(|e| e["source"] == s && e["target"] == t)
                .map(|e| e["seen_in"].as_str().unwrap().to_string())
                .unwrap_or_default()
        };
        match name {
            "bookinfo-sidecar" => assert!(
                edges.iter().all(|e| e["seen_in"] == "both"),
                "{name}: {edges:#?}"
            ),
            "bookinfo-ambient" | "bookinfo-waypoint" => {
                // Only the gateway emits spans: ztunnel emits none, waypoint
                // spans before 1.29 cannot be paired.
                assert_eq!(
                    seen(
                        "workload:istio-system/istio-ingressgateway",
                        "workload:bookinfo/productpage-v1"
                    ),
                    "both"
                );
                assert_eq!(
                    seen(
                        "workload:bookinfo/productpage-v1",
                        "workload:bookinfo/details-v1"
                    ),
                    "metrics"
                );
            }
            "bookinfo-mixed" => {
                assert_eq!(
                    seen("workload:front/productpage-v1", "workload:back/details-v1"),
                    "both",
                    "client sidecar"
                );
                // ratings' server spans have no parent (reviews is ambient: no
                // client span); they confirm one unconfirmed edge into ratings.
                let into_ratings = [
                    seen("workload:back/reviews-v2", "workload:data/ratings-v1"),
                    seen("workload:back/reviews-v3", "workload:data/ratings-v1"),
                ];
                assert!(
                    into_ratings.contains(&"both".to_string()),
                    "server sidecar: {into_ratings:?}"
                );
                assert_eq!(
                    seen("unknown", "workload:front/productpage-v1"),
                    "both",
                    "server span without a parent"
                );
            }
            "multicluster" => {
                // Spans name no cluster; a span pair matches the edge of that
                // workload pair in whichever cluster it runs, cross-cluster
                // calls included (docs/multicluster.md, "Limits").
                for (s, t) in [
                    (
                        "workload:east/bookinfo/productpage-v1",
                        "workload:east/bookinfo/details-v1",
                    ),
                    (
                        "workload:east/bookinfo/productpage-v1",
                        "workload:west/bookinfo/reviews-v3",
                    ),
                    (
                        "workload:west/bookinfo/reviews-v3",
                        "workload:west/bookinfo/ratings-v1",
                    ),
                ] {
                    assert_eq!(seen(s, t), "both", "{s} -> {t}: {edges:#?}");
                }
            }
            other => panic!("new built-in scenario {other}: add its expectations"),
        }
    }
}

#[test]
fn check_reports_mg907_for_edges_seen_by_only_one_source() {
    let out = common::run()
        .args([
            "check",
            "--demo",
            "bookinfo-sidecar",
            "--traces-file",
            &fixture("kiali-tempo-bookinfo-sidecar-trace.json"),
            "--traces-file",
            &fixture("jaeger-v3-hotrod-trace.json"),
            "--format",
            "json",
        ])
        .output();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mg907: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "MG907")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        mg907
            .iter()
            .any(|m| m.contains("unknown/frontend -> unknown/route")
                && m.contains("no metric series")),
        "{mg907:#?}"
    );
    assert!(
        mg907.iter().any(
            |m| m.contains("bookinfo/productpage-v1 -> bookinfo/reviews-v1")
                && m.contains("no sampled span")
        ),
        "{mg907:#?}"
    );
    assert!(
        !mg907.iter().any(|m| m.contains("-> bookinfo/reviews-v2 ")),
        "productpage -> reviews-v2 is in both: {mg907:#?}"
    );
    // Without traces, MG907 does not run.
    let out = common::run()
        .args(["check", "--demo", "bookinfo-sidecar", "--format", "json"])
        .output();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "MG907")
    );
}

#[test]
fn with_metrics_a_failed_trace_backend_leaves_a_metrics_only_graph_and_a_warning() {
    let refusing = Refusing::new();
    let port = refusing.port();
    let out = common::run()
        .args([
            "snapshot",
            "--demo",
            "bookinfo-sidecar",
            "--jaeger",
            &format!("http://127.0.0.1:{port}"),
            "--trace-service",
            "x",
            "--query-timeout",
            "2s",
            "-o",
            "-",
        ])
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: traces not used"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["edges"].as_array().unwrap().len(), 7);
    assert!(
        doc["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["seen_in"].is_null())
    );
    assert!(doc["warnings"].to_string().contains("traces not used"));
}

#[test]
fn trace_backends_get_the_token_and_headers_and_the_token_is_never_printed() {
    let trace = common::read_fixture_bytes("traces/jaeger-v3-hotrod-trace.json");
    let server = StandIn::sequence(vec![
        Reply::ok(r#"{"services":["frontend"]}"#),
        Reply::ok(trace),
    ]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "tr4ce-t0ken\n").unwrap();
    let out = common::run()
        .args([
            "snapshot",
            "--jaeger",
            &server.url(),
            "--trace-service",
            "frontend",
            "--traces-token-file",
            "token",
        ])
        .args([
            "--traces-header",
            "X-Scope-OrgID=tenant-1",
            "--at",
            "2026-11-25T02:00:00Z",
            "-o",
            "-",
        ])
        .dir(dir.path())
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer tr4ce-t0ken"))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-scope-orgid") == Some("tenant-1"))
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tr4ce-t0ken"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("tr4ce-t0ken"));
}
