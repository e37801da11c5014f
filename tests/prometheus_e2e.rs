//! `meshgraph snapshot --prometheus` against real servers on loopback: a real
//! Prometheus 2.42 loaded through `promtool tsdb create-blocks-from
//! openmetrics`, and a real VictoriaMetrics loaded through its import API.

mod common;

use common::meshgraph;

use std::collections::BTreeMap;
use std::path::Path;

use meshgraph_prometheus::testing::{
    PrometheusServer, VictoriaMetricsServer, openmetrics_from_rates, parse_rates,
};
use meshgraph_standin::{Refusing, Reply, StandIn};
use serde_json::Value;

/// End of the hand-written fixture's data (see tests/fixtures/prometheus/README.md).
const FIXTURE_END: i64 = 1_764_547_200;

fn snapshot(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["snapshot"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "g.json"]);
    let out = meshgraph(&all, dir);
    assert!(
        out.status.success(),
        "meshgraph {all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.join("g.json")).unwrap()).unwrap()
}

fn edge<'a>(doc: &'a Value, source: &str, target: &str) -> &'a Value {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == source && e["target"] == target)
        .unwrap_or_else(|| panic!("no edge {source} -> {target} in {:#}", doc["edges"]))
}

fn within(actual: &Value, expected: f64, tolerance: f64) -> bool {
    actual
        .as_f64()
        .is_some_and(|a| (a - expected).abs() <= tolerance * expected.abs().max(1e-12))
}

/// Bookinfo in sidecar mode written the way Envoy reports it, by hand (not by
/// the scenario kit): 7 logical calls, 20% 503 on reviews-v3 -> ratings, and
/// an unknown caller into productpage.
#[test]
fn hand_written_sidecar_bookinfo_gives_the_seven_calls_with_true_rates() {
    let rates = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/prometheus/bookinfo-sidecar.rates"
    ))
    .unwrap();
    let series = parse_rates(&rates).unwrap();
    let prometheus =
        PrometheusServer::start(&openmetrics_from_rates(&series, FIXTURE_END, 1200, 15));
    let dir = tempfile::tempdir().unwrap();
    let at = (FIXTURE_END - 120).to_string();
    let doc = snapshot(
        dir.path(),
        &[
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "--window",
            "5m",
            "--graph-type",
            "workload",
        ],
    );

    let bi = |w: &str| format!("workload:bookinfo/{w}");
    let truth: Vec<(String, String, f64, f64)> = vec![
        (
            "workload:istio-system/istio-ingressgateway".into(),
            bi("productpage-v1"),
            2.8,
            0.0,
        ),
        (bi("productpage-v1"), bi("details-v1"), 3.0, 0.0),
        (bi("productpage-v1"), bi("reviews-v1"), 1.0, 0.0),
        (bi("productpage-v1"), bi("reviews-v2"), 1.0, 0.0),
        (bi("productpage-v1"), bi("reviews-v3"), 1.0, 0.0),
        (bi("reviews-v2"), bi("ratings-v1"), 1.0, 0.0),
        (bi("reviews-v3"), bi("ratings-v1"), 1.0, 0.2),
    ];
    let edges = doc["edges"].as_array().unwrap();
    let others: Vec<&Value> = edges
        .iter()
        .filter(|e| {
            !truth
                .iter()
                .any(|(s, t, _, _)| e["source"] == s.as_str() && e["target"] == t.as_str())
        })
        .collect();
    assert!(
        others.iter().all(|e| e["source"] == "unknown"),
        "only an unknown caller may add edges: {others:#?}"
    );
    assert_eq!(others.len(), 1, "the unknown caller into productpage");
    assert!(within(&others[0]["rps"], 0.2, 0.05));
    for (source, target, rps, errors) in &truth {
        let e = edge(&doc, source, target);
        assert!(
            within(&e["rps"], *rps, 0.05),
            "{source} -> {target}: rps {} vs {rps}",
            e["rps"]
        );
        if *errors > 0.0 {
            assert!(
                within(&e["error_rps"], *errors, 0.05),
                "{source} -> {target}: errors {}",
                e["error_rps"]
            );
        } else {
            assert_eq!(e["error_rps"], 0.0);
        }
        assert_eq!(e["protocol"], "http");
    }
    let gateway = edge(
        &doc,
        "workload:istio-system/istio-ingressgateway",
        &bi("productpage-v1"),
    );
    assert_eq!(gateway["rates_from"], "envoy-destination");
    assert_eq!(gateway["mtls"], 1.0);
    let unknown = others[0];
    assert_eq!(unknown["mtls"], 0.0, "plaintext from the unknown caller");
}

fn scenario_openmetrics(name: &str) -> (String, i64) {
    let scenario = meshgraph_scenario::builtin(name).unwrap().unwrap();
    let series: Vec<meshgraph_prometheus::testing::RateSeries> = scenario
        .telemetry()
        .into_iter()
        .map(|o| (o.metric.series_name().to_string(), o.labels(), o.value))
        .collect();
    (
        openmetrics_from_rates(&series, scenario.at, 1200, 15),
        scenario.at,
    )
}

/// The fields that must agree between two graphs of the same traffic.
fn comparable(doc: &Value) -> BTreeMap<(String, String), Value> {
    doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                (e["source"].to_string(), e["target"].to_string()),
                e.clone(),
            )
        })
        .collect()
}

fn assert_same_graph(name: &str, from_server: &Value, in_memory: &Value) {
    assert_eq!(
        from_server["nodes"], in_memory["nodes"],
        "{name}: nodes differ"
    );
    let (a, b) = (comparable(from_server), comparable(in_memory));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{name}: edge sets differ"
    );
    for (key, server_edge) in &a {
        let memory_edge = &b[key];
        for field in [
            "protocol",
            "via_waypoint",
            "rates_from",
            "services",
            "source_principals",
            "destination_principals",
        ] {
            assert_eq!(
                server_edge[field], memory_edge[field],
                "{name} {key:?} {field}"
            );
        }
        for (field, value) in memory_edge.as_object().unwrap() {
            if let Some(expected) = value.as_f64() {
                assert!(
                    within(&server_edge[field], expected, 1e-6),
                    "{name} {key:?} {field}: server {} vs scenario {expected}",
                    server_edge[field]
                );
            }
        }
    }
}

#[test]
fn every_builtin_scenario_reads_back_from_prometheus_as_built_in_memory() {
    for name in meshgraph_scenario::builtin_names() {
        let (openmetrics, end) = scenario_openmetrics(name);
        let prometheus = PrometheusServer::start(&openmetrics);
        let dir = tempfile::tempdir().unwrap();
        let at = (end - 60).to_string();
        let from_server = snapshot(
            dir.path(),
            &[
                "--prometheus",
                &prometheus.url(),
                "--at",
                &at,
                "--window",
                "5m",
            ],
        );
        let in_memory = snapshot(dir.path(), &["--demo", name]);
        assert_same_graph(name, &from_server, &in_memory);
    }
}

#[test]
fn victoria_metrics_gives_the_same_graph_as_prometheus() {
    for name in ["bookinfo-waypoint", "bookinfo-mixed"] {
        let (openmetrics, end) = scenario_openmetrics(name);
        let vm = VictoriaMetricsServer::start_with_openmetrics(&openmetrics);
        let dir = tempfile::tempdir().unwrap();
        let at = (end - 60).to_string();
        let from_vm = snapshot(
            dir.path(),
            &["--prometheus", &vm.url(), "--at", &at, "--window", "5m"],
        );
        let in_memory = snapshot(dir.path(), &["--demo", name]);
        assert_same_graph(name, &from_vm, &in_memory);
    }
}

#[test]
fn record_then_replay_gives_the_same_graph_without_a_server() {
    let (openmetrics, end) = scenario_openmetrics("bookinfo-waypoint");
    let dir = tempfile::tempdir().unwrap();
    let at = (end - 60).to_string();
    let live = {
        let prometheus = PrometheusServer::start(&openmetrics);
        let out = meshgraph(
            &[
                "record",
                "bundle",
                "--prometheus",
                &prometheus.url(),
                "--at",
                &at,
                "--window",
                "5m",
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        snapshot(
            dir.path(),
            &[
                "--prometheus",
                &prometheus.url(),
                "--at",
                &at,
                "--window",
                "5m",
            ],
        )
    };
    // The server is stopped: the replay reads only the bundle.
    let replayed = snapshot(dir.path(), &["--replay", "bundle", "--window", "5m"]);
    assert_eq!(live["edges"], replayed["edges"]);
    assert_eq!(
        live["at"], replayed["at"],
        "--at defaults to the recorded time"
    );
}

#[test]
fn server_failures_are_one_line_exit_two_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let refusing = Refusing::new();
    let unreachable = refusing.url();
    let cases: Vec<(&str, Option<StandIn>)> = vec![
        ("unreachable", None),
        (
            "500",
            Some(StandIn::sequence(vec![Reply::status(500, "{}")])),
        ),
        (
            "malformed",
            Some(StandIn::sequence(vec![Reply::ok(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{]}}",
            )])),
        ),
        (
            "truncated",
            Some(StandIn::sequence(vec![Reply::ok(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vec",
            )])),
        ),
        (
            "error",
            Some(StandIn::sequence(vec![Reply::status(
                400,
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}",
            )])),
        ),
        (
            "slow",
            Some(StandIn::sequence(vec![
                Reply::ok("{}").delayed(std::time::Duration::from_secs(5)),
            ])),
        ),
    ];
    for (what, server) in &cases {
        let url = server.as_ref().map_or(unreachable.clone(), |s| {
            format!("http://user:hunter2@127.0.0.1:{}", s.port())
        });
        let out = meshgraph(
            &[
                "snapshot",
                "--prometheus",
                &url,
                "--at",
                "1764547200",
                "--query-timeout",
                "1s",
                "-o",
                "g.json",
            ],
            dir.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{what}: one clear line, got {stderr}");
        assert!(
            lines[0].starts_with("meshgraph: error: "),
            "{what}: {stderr}"
        );
        assert!(
            lines[0].contains("127.0.0.1"),
            "{what}: the error names the server: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "{what}: credentials leaked: {stderr}"
        );
        assert!(
            !dir.path().join("g.json").exists(),
            "{what}: no output file"
        );
    }
}

#[test]
fn a_recording_holds_metrics_and_traces_and_explain_replays_it() {
    let scenario = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap();
    let (openmetrics, end) = scenario_openmetrics("bookinfo-sidecar");
    let traces = serde_json::to_vec(&scenario.jaeger_v3_traces(0.01)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let at = (end - 60).to_string();
    let live = {
        let prometheus = PrometheusServer::start(&openmetrics);
        // A local Jaeger answering with the scenario's spans.
        let jaeger = StandIn::sequence(vec![
            Reply::ok(r#"{"services":["productpage.bookinfo"]}"#),
            Reply::ok(traces),
        ]);
        let common = [
            "--prometheus",
            &prometheus.url(),
            "--jaeger",
            &jaeger.url(),
            "--trace-service",
            "productpage.bookinfo",
            "--at",
            &at,
            "--window",
            "5m",
        ];
        let mut record = vec!["record", "bundle"];
        record.extend_from_slice(&common);
        let out = meshgraph(&record, dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        snapshot(dir.path(), &common)
    };
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("bundle/manifest.json")).unwrap(),
    )
    .unwrap();
    assert!(!manifest["prometheus"].as_array().unwrap().is_empty());
    assert!(!manifest["traces"].as_array().unwrap().is_empty());
    let replayed = snapshot(dir.path(), &["--replay", "bundle", "--window", "5m"]);
    assert_eq!(live["edges"], replayed["edges"]);
    assert!(
        replayed["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["seen_in"] == "both"),
        "{:#}",
        replayed["edges"]
    );

    let out = meshgraph(
        &[
            "explain",
            "--replay",
            "bundle",
            "--window",
            "5m",
            "bookinfo/reviews-v3",
            "bookinfo/ratings-v1",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let explained: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(explained["edges"][0]["rates_from"], "envoy-destination");
}

#[test]
fn meshgraph_toml_supplies_defaults_that_flags_override() {
    let (openmetrics, end) = scenario_openmetrics("bookinfo-sidecar");
    let prometheus = PrometheusServer::start(&openmetrics);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("meshgraph.toml"),
        format!(
            "prometheus = \"{}\"\nwindow = \"5m\"\nnamespaces = [\"bookinfo\"]\n",
            prometheus.url()
        ),
    )
    .unwrap();
    let at = (end - 60).to_string();
    let doc = snapshot(dir.path(), &["--at", &at]);
    assert_eq!(doc["source"], prometheus.url());
    assert_eq!(doc["window_seconds"], 300);
    assert_eq!(doc["edges"].as_array().unwrap().len(), 7);

    // A flag wins over the file.
    let refusing = Refusing::new();
    let unreachable = refusing.url();
    let out = meshgraph(
        &[
            "snapshot",
            "--at",
            &at,
            "--prometheus",
            &unreachable,
            "-o",
            "g.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&unreachable));

    // A demo needs no server, whatever the file says.
    let out = meshgraph(&["snapshot", "--demo", "-o", "demo.json"], dir.path());
    assert!(out.status.success());

    // A mistake in the file is named.
    std::fs::write(dir.path().join("bad.toml"), "prometheus_url = \"x\"\n").unwrap();
    let out = meshgraph(
        &["--config", "bad.toml", "snapshot", "--demo", "-o", "x.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
}

#[test]
fn no_series_at_the_asked_time_is_an_empty_graph_with_a_hint() {
    let (openmetrics, end) = scenario_openmetrics("bookinfo-sidecar");
    let prometheus = PrometheusServer::start(&openmetrics);
    let dir = tempfile::tempdir().unwrap();
    // A day after the data: nothing in the window.
    let at = (end + 86_400).to_string();
    let out = meshgraph(
        &[
            "snapshot",
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "-o",
            "g.json",
        ],
        dir.path(),
    );
    // The graph is written, and the exit status says it is empty.
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no Istio series"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("g.json")).unwrap()).unwrap();
    assert!(doc["edges"].as_array().unwrap().is_empty());
    assert_eq!(doc["empty"], true);
    assert!(doc["warnings"].to_string().contains("check --at"));
}
