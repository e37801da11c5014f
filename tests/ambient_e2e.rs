//! Bookinfo in ambient mode, without and with a namespace waypoint, written by
//! hand the way ztunnel and the waypoint report it
//! (tests/fixtures/prometheus/make-bookinfo-ambient.py, not the scenario kit),
//! loaded into a real Prometheus and read back by `meshgraph snapshot` and
//! `meshgraph explain`. The true rates are in tests/fixtures/prometheus/README.md.

mod common;

use common::meshgraph;

use meshgraph_prometheus::testing::{PrometheusServer, openmetrics_from_rates, parse_rates};
use serde_json::Value;

/// End of the fixtures' data (see tests/fixtures/prometheus/README.md).
const FIXTURE_END: i64 = 1_764_547_200;
/// Relative tolerance on every rate.
const TOLERANCE: f64 = 0.05;

const GATEWAY: &str = "workload:istio-system/istio-ingressgateway";
const WAYPOINT_NODE: &str = "workload:bookinfo/waypoint";

fn bi(workload: &str) -> String {
    format!("workload:bookinfo/{workload}")
}

/// A real Prometheus holding one fixture.
fn prometheus_with(fixture: &str) -> PrometheusServer {
    let path = format!(
        "{}/tests/fixtures/prometheus/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let rates = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let series = parse_rates(&rates).unwrap();
    PrometheusServer::start(&openmetrics_from_rates(&series, FIXTURE_END, 1200, 15))
}

fn at() -> String {
    (FIXTURE_END - 120).to_string()
}

/// `snapshot --graph-type workload` of the server, as JSON.
fn snapshot(prometheus: &PrometheusServer) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (url, at) = (prometheus.url(), at());
    let args = [
        "snapshot",
        "--prometheus",
        &url,
        "--at",
        &at,
        "--window",
        "5m",
        "--graph-type",
        "workload",
        "-o",
        "g.json",
    ];
    let out = meshgraph(&args, dir.path());
    assert!(
        out.status.success(),
        "meshgraph {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap()
}

fn edge<'a>(doc: &'a Value, source: &str, target: &str) -> &'a Value {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == source && e["target"] == target)
        .unwrap_or_else(|| panic!("no edge {source} -> {target} in {:#}", doc["edges"]))
}

fn within(actual: &Value, expected: f64) -> bool {
    actual
        .as_f64()
        .is_some_and(|a| (a - expected).abs() <= TOLERANCE * expected.abs().max(1e-12))
}

fn assert_rate(e: &Value, field: &str, expected: f64) {
    assert!(
        within(&e[field], expected),
        "{} -> {}: {field} {} vs true {expected}\n{e:#}",
        e["source"],
        e["target"],
        e[field]
    );
}

/// The six mesh-internal calls of bookinfo.
fn mesh_internal_pairs() -> Vec<(String, String)> {
    [
        ("productpage-v1", "details-v1"),
        ("productpage-v1", "reviews-v1"),
        ("productpage-v1", "reviews-v2"),
        ("productpage-v1", "reviews-v3"),
        ("reviews-v2", "ratings-v1"),
        ("reviews-v3", "ratings-v1"),
    ]
    .iter()
    .map(|(s, t)| (bi(s), bi(t)))
    .collect()
}

/// Exactly the seven logical calls, plus at most the unknown caller into
/// productpage; returns that caller's edge if drawn.
fn assert_the_seven_calls(doc: &Value) -> Option<&Value> {
    let mut expected = mesh_internal_pairs();
    expected.push((GATEWAY.to_string(), bi("productpage-v1")));
    let edges = doc["edges"].as_array().unwrap();
    for (source, target) in &expected {
        let count = edges
            .iter()
            .filter(|e| e["source"] == source.as_str() && e["target"] == target.as_str())
            .count();
        assert_eq!(count, 1, "one edge {source} -> {target}: {edges:#?}");
    }
    let others: Vec<&Value> = edges
        .iter()
        .filter(|e| {
            !expected
                .iter()
                .any(|(s, t)| e["source"] == s.as_str() && e["target"] == t.as_str())
        })
        .collect();
    assert!(
        others.len() <= 1 && others.iter().all(|e| e["source"] == "unknown"),
        "only the unknown caller may add an edge: {others:#?}"
    );
    let unknown = others.first().copied();
    if let Some(e) = unknown {
        assert_eq!(e["target"], bi("productpage-v1").as_str(), "{e:#}");
        assert_eq!(
            e["protocol"], "tcp",
            "plain TCP from outside the mesh: {e:#}"
        );
        assert_rate(e, "tcp_connections_opened_per_second", 1.0 / 15.0);
        assert_rate(e, "bytes_to_server_per_second", 60.0);
        assert_rate(e, "bytes_to_client_per_second", 1800.0);
    }
    unknown
}

fn assert_no_waypoint_in_the_default_graph(doc: &Value) {
    for node in doc["nodes"].as_array().unwrap() {
        assert_ne!(node["kind"], "waypoint", "waypoint node drawn: {node:#}");
        assert_ne!(
            node["id"], WAYPOINT_NODE,
            "the waypoint is drawn as a workload: {node:#}"
        );
    }
    for e in doc["edges"].as_array().unwrap() {
        assert!(
            e["source"] != WAYPOINT_NODE && e["target"] != WAYPOINT_NODE,
            "hop drawn as an edge: {e:#}"
        );
    }
}

/// The gateway skips the waypoint (no `istio.io/ingress-use-waypoint`): its
/// own L7 series give the rates, the server ztunnel's series (source = the
/// gateway, HBONE) the transport figures and mTLS (reconciliation.md case 8).
fn assert_the_gateway_call(doc: &Value) {
    let gateway = edge(doc, GATEWAY, &bi("productpage-v1"));
    assert_eq!(gateway["protocol"], "http", "{gateway:#}");
    assert_eq!(gateway["via_waypoint"], Value::Null, "{gateway:#}");
    assert_eq!(gateway["rates_from"], "gateway", "{gateway:#}");
    assert_rate(gateway, "rps", 2.8);
    assert_eq!(gateway["error_rps"], 0.0, "{gateway:#}");
    // Cumulative 0, 6, 30, 40 of 42 requests per 15 s at 10, 25, 50, 100 ms.
    assert_rate(gateway, "latency_p50_ms", 40.625);
    assert_eq!(gateway["mtls"], 1.0, "{gateway:#}");
    assert_rate(gateway, "tcp_connections_opened_per_second", 0.4);
    assert_rate(gateway, "bytes_to_server_per_second", 1500.0);
    assert_rate(gateway, "bytes_to_client_per_second", 25000.0);
}

/// Ambient without waypoint: ztunnel reports every mesh-internal connection
/// twice (client node, server node) with the same values; the graph has one
/// TCP edge per call rated from the client's ztunnel, and the gateway's call
/// stays HTTP from the gateway's own L7 series.
#[test]
fn ambient_bookinfo_gives_the_seven_calls_with_ztunnel_rates() {
    let prometheus = prometheus_with("bookinfo-ambient.rates");
    let doc = snapshot(&prometheus);
    assert_the_seven_calls(&doc);
    assert_no_waypoint_in_the_default_graph(&doc);

    // (source, target, connections opened/s, bytes to server/s, bytes to client/s)
    let truth = [
        ("productpage-v1", "details-v1", 0.6, 700.0, 1600.0),
        ("productpage-v1", "reviews-v1", 0.2, 300.0, 1100.0),
        ("productpage-v1", "reviews-v2", 4.0 / 15.0, 310.0, 1900.0),
        ("productpage-v1", "reviews-v3", 1.0 / 3.0, 320.0, 2100.0),
        ("reviews-v2", "ratings-v1", 2.0 / 15.0, 200.0, 260.0),
        ("reviews-v3", "ratings-v1", 0.2, 220.0, 300.0),
    ];
    for (source, target, opened, to_server, to_client) in truth {
        let e = edge(&doc, &bi(source), &bi(target));
        assert_eq!(e["protocol"], "tcp", "{e:#}");
        assert_eq!(e["rates_from"], "ztunnel-source", "{e:#}");
        assert_eq!(e["mtls"], 1.0, "{e:#}");
        assert_eq!(e["via_waypoint"], Value::Null, "{e:#}");
        assert_eq!(e["rps"], Value::Null, "ztunnel sees no requests: {e:#}");
        assert_rate(e, "tcp_connections_opened_per_second", opened);
        assert_rate(e, "tcp_connections_closed_per_second", opened);
        assert_rate(e, "bytes_to_server_per_second", to_server);
        assert_rate(e, "bytes_to_client_per_second", to_client);
    }

    assert_the_gateway_call(&doc);
}

/// Ambient with the namespace waypoint: each mesh-internal call is three
/// series families (client ztunnel to the waypoint, waypoint L7, server
/// ztunnel from the waypoint); the graph has one HTTP edge per call rated from
/// the waypoint and marked as going through it. The gateway skips the waypoint.
#[test]
fn waypoint_bookinfo_gives_the_seven_calls_via_the_waypoint() {
    let prometheus = prometheus_with("bookinfo-waypoint.rates");
    let doc = snapshot(&prometheus);
    assert_the_seven_calls(&doc);
    assert_no_waypoint_in_the_default_graph(&doc);

    // (source, target, requests/s, errors/s)
    let truth = [
        ("productpage-v1", "details-v1", 3.0, 0.0),
        ("productpage-v1", "reviews-v1", 1.0, 0.0),
        ("productpage-v1", "reviews-v2", 1.0, 0.0),
        ("productpage-v1", "reviews-v3", 1.0, 0.0),
        ("reviews-v2", "ratings-v1", 1.0, 0.0),
        ("reviews-v3", "ratings-v1", 1.0, 0.2),
    ];
    for (source, target, rps, errors) in truth {
        let e = edge(&doc, &bi(source), &bi(target));
        assert_eq!(e["protocol"], "http", "{e:#}");
        assert_eq!(e["via_waypoint"], "bookinfo/waypoint", "{e:#}");
        assert_eq!(e["rates_from"], "waypoint", "{e:#}");
        assert_rate(e, "rps", rps);
        if errors > 0.0 {
            assert_rate(e, "error_rps", errors);
        } else {
            assert_eq!(e["error_rps"], 0.0, "{e:#}");
        }
        assert_eq!(e["mtls"], 1.0, "{e:#}");
    }
    // Latency from the waypoint's histograms (README.md): productpage-v1 ->
    // reviews-v2, and reviews-v3 -> ratings-v1 with its 200 and 503 buckets
    // added together.
    assert_rate(
        edge(&doc, &bi("productpage-v1"), &bi("reviews-v2")),
        "latency_p50_ms",
        115.0 / 12.0,
    );
    assert_rate(
        edge(&doc, &bi("reviews-v3"), &bi("ratings-v1")),
        "latency_p50_ms",
        6.25,
    );

    assert_the_gateway_call(&doc);
}

/// `explain` of one call through the waypoint lists the three families: the
/// client ztunnel's hop to the waypoint, the server ztunnel's hop from it
/// (both dropped as hops) and the waypoint's L7 series (kept for rates).
#[test]
fn explain_shows_the_three_series_families_of_a_call_through_the_waypoint() {
    let prometheus = prometheus_with("bookinfo-waypoint.rates");
    let dir = tempfile::tempdir().unwrap();
    let (url, at) = (prometheus.url(), at());
    let args = [
        "explain",
        "--prometheus",
        &url,
        "--at",
        &at,
        "--window",
        "5m",
        "bookinfo/productpage-v1",
        "bookinfo/reviews-v2",
        "--format",
        "json",
    ];
    let out = meshgraph(&args, dir.path());
    assert!(
        out.status.success(),
        "meshgraph {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "explain --format json is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(doc["source"].is_string(), "{doc:#}");
    assert!(doc["destination"].is_string(), "{doc:#}");

    // Endpoints may be written `bookinfo/x` or as node ids `workload:bookinfo/x`.
    let is = |v: &Value, workload: &str| {
        v.as_str()
            .is_some_and(|s| s.trim_start_matches("workload:") == format!("bookinfo/{workload}"))
    };
    let edges = doc["edges"].as_array().expect("edges");
    assert!(
        edges.iter().any(|e| is(&e["source"], "productpage-v1")
            && is(&e["target"], "reviews-v2")
            && e["protocol"] == "http"
            && e["rates_from"] == "waypoint"
            && e["via_waypoint"] == "bookinfo/waypoint"),
        "the logical edge: {edges:#?}"
    );

    let series = doc["series"].as_array().expect("series");
    let label = |s: &Value, name: &str| s["labels"][name].as_str().unwrap_or("").to_string();
    let action = |s: &Value| {
        s["disposition"]["action"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };

    // Family 1: productpage's ztunnel, one series to the waypoint for all of
    // reviews (destination_service names the real service).
    let client_hops: Vec<&Value> = series
        .iter()
        .filter(|s| {
            s["emitter"] == "ztunnel-source"
                && label(s, "source_workload") == "productpage-v1"
                && label(s, "destination_workload") == "waypoint"
                && label(s, "destination_service") == "reviews.bookinfo.svc.cluster.local"
        })
        .collect();
    assert!(!client_hops.is_empty(), "client ztunnel hop: {series:#?}");
    for s in &client_hops {
        assert_eq!(action(s), "waypoint_hop", "{s:#}");
        if s["metric"] == "istio_tcp_connections_opened_total" {
            assert!(within(&s["value"], 0.8), "all reviews versions: {s:#}");
        }
    }

    // Family 3: reviews-v2's ztunnel, from the waypoint.
    let server_hops: Vec<&Value> = series
        .iter()
        .filter(|s| {
            s["emitter"] == "ztunnel-destination"
                && label(s, "source_workload") == "waypoint"
                && label(s, "destination_workload") == "reviews-v2"
        })
        .collect();
    assert!(!server_hops.is_empty(), "server ztunnel hop: {series:#?}");
    for s in &server_hops {
        assert_eq!(action(s), "waypoint_hop", "{s:#}");
        if s["metric"] == "istio_tcp_connections_opened_total" {
            assert!(within(&s["value"], 1.0 / 15.0), "{s:#}");
        }
    }

    // Family 2: the waypoint's L7 series, the logical call.
    let waypoint: Vec<&Value> = series
        .iter()
        .filter(|s| s["emitter"] == "waypoint" && s["metric"] == "istio_requests_total")
        .collect();
    assert_eq!(waypoint.len(), 1, "{series:#?}");
    let w = waypoint[0];
    assert_eq!(label(w, "source_workload"), "productpage-v1", "{w:#}");
    assert_eq!(label(w, "destination_workload"), "reviews-v2", "{w:#}");
    assert_eq!(action(w), "rates", "{w:#}");
    assert!(within(&w["value"], 1.0), "{w:#}");
}

/// The debugging use (issue 16) on telemetry the scenario kit did not write:
/// the hand-written waypoint telemetry in a real Prometheus, recorded; the
/// graph Kiali would draw from those series (the kit's Kiali semantics: one
/// arrow per protocol, reporters summed, the waypoint a node); `meshgraph
/// kiali` accounts for every arrow, finds exactly the seven calls, and its
/// summary counts add up to Kiali's edges.
#[test]
fn kialis_picture_of_independent_waypoint_telemetry_is_the_seven_calls() {
    use meshgraph_scenario::{KialiOptions, builtin, kiali_graph_of};
    let prometheus = prometheus_with("bookinfo-waypoint.rates");
    let dir = tempfile::tempdir().unwrap();
    let (url, at) = (prometheus.url(), at());
    let record = [
        "record",
        "--prometheus",
        &url,
        "--at",
        &at,
        "--window",
        "5m",
        "bundle",
    ];
    let out = meshgraph(&record, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let observations = meshgraph_prometheus::replay_recorded(&dir.path().join("bundle"))
        .unwrap()
        .data
        .observations;
    assert!(!observations.is_empty());
    // The kit's scenario only names the waypoint (bookinfo/waypoint, as the
    // fixture does); the series are the fixture's.
    let waypoint_scenario = builtin("bookinfo-waypoint").unwrap().unwrap();
    let kiali = kiali_graph_of(&waypoint_scenario, &observations, &KialiOptions::default());
    std::fs::write(dir.path().join("kiali.json"), kiali.to_string()).unwrap();
    let args = [
        "kiali",
        "-q",
        "--kiali-graph",
        "kiali.json",
        "--replay",
        "bundle",
        "--format",
        "json",
    ];
    let out = meshgraph(&args, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &doc["summary"];
    // The seven calls, and the fixture's out-of-mesh TCP caller.
    assert_eq!(summary["logical_calls"], 8, "{summary:#}");
    let calls: Vec<(&str, &str)> = doc["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["source"].as_str().unwrap(), c["target"].as_str().unwrap()))
        .collect();
    let mut expected = mesh_internal_pairs();
    expected.push((GATEWAY.to_string(), bi("productpage-v1")));
    expected.push(("unknown".to_string(), bi("productpage-v1")));
    for (source, target) in &expected {
        assert!(
            calls.contains(&(source.as_str(), target.as_str())),
            "{source} -> {target} in {calls:?}"
        );
    }
    // Kiali's HTTP arrows are the calls' own rates: nothing double-counted.
    assert_eq!(summary["rate_mismatches"], 0, "{summary:#}");
    assert_eq!(summary["calls_missing"], 0, "{summary:#}");
    let edges = doc["edges"].as_array().unwrap();
    assert_eq!(summary["kiali_edges"], edges.len(), "{summary:#}");
    let mut by_reason = std::collections::BTreeMap::<String, u64>::new();
    for e in edges {
        let code = e["reason"]["code"].as_str().unwrap();
        assert_ne!(code, "kiali_only", "an arrow without series: {e:#}");
        assert!(!e["calls"].as_array().unwrap().is_empty(), "{e:#}");
        *by_reason.entry(code.to_string()).or_default() += 1;
    }
    // Every arrow is a call arrow or an extra arrow with its reason, and the
    // summary's counts are those of the table.
    let extra: u64 = by_reason
        .iter()
        .filter(|(code, _)| *code != "logical_call")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(summary["extra_arrows"], extra, "{summary:#}");
    assert_eq!(
        summary["call_arrows"].as_u64().unwrap() + extra,
        edges.len() as u64
    );
    for (code, n) in &by_reason {
        if code != "logical_call" {
            assert_eq!(summary["extra_by_reason"][code], *n, "{code}: {summary:#}");
        }
    }
    // The waypoint is drawn by Kiali, so there are legs into and out of it.
    assert!(
        by_reason.get("waypoint_leg").copied().unwrap_or(0) > 0,
        "{by_reason:?}"
    );
}
