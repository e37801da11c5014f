//! `meshgraph kiali`: Kiali's own golden graphs (tests/fixtures/kiali) and the
//! scenario kit's Kiali graphs, every edge accounted for; bad input is one
//! clear line, never a panic.

mod common;

use serde_json::Value;

const AT: &str = "1523364075";

fn validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/kiali.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn kiali_json(args: &[&str]) -> Value {
    let out = common::run()
        .args(["kiali", "-q", "--format", "json"])
        .args(args)
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    doc
}

/// Every edge has a reason and, unless Kiali-only, calls; the counts add up.
fn accounted(doc: &Value) {
    let edges = doc["edges"].as_array().unwrap();
    let s = &doc["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("kiali_edges") as usize, edges.len());
    assert_eq!(
        n("kiali_edges"),
        n("call_arrows") + n("extra_arrows"),
        "{s}"
    );
    let by_reason: u64 = s["extra_by_reason"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(n("extra_arrows"), by_reason, "{s}");
    assert_eq!(
        n("logical_calls"),
        n("calls_drawn") + n("calls_missing"),
        "{s}"
    );
    for e in edges {
        let code = e["reason"]["code"].as_str().unwrap();
        assert!(!e["reason"]["text"].as_str().unwrap().is_empty(), "{e}");
        assert_ne!(code, "kiali_only", "an edge with no series: {e}");
        assert!(!e["calls"].as_array().unwrap().is_empty(), "{e}");
    }
}

#[test]
fn kialis_ambient_waypoint_golden_graph_every_edge_accounted_for() {
    let graph = common::fixture("kiali/kiali-expected/test_ambient_graph.expected");
    let replay = common::fixture("kiali/data/ambientMockGraph@ambient/replay");
    let doc = kiali_json(&[
        "--kiali-graph",
        graph.to_str().unwrap(),
        "--replay",
        replay.to_str().unwrap(),
        "--at",
        AT,
        "--window",
        "10m",
    ]);
    accounted(&doc);
    let edges = doc["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 5);
    let code = |id: &str| {
        edges
            .iter()
            .find(|e| e["kiali_id"].as_str().unwrap().starts_with(id))
            .unwrap()["reason"]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The two HTTP arrows are the calls (rates from the waypoint); the
    // waypoint → details/reviews TCP arrows are waypoint legs.
    assert_eq!(code("fc7e327b"), "logical_call");
    assert_eq!(code("0d936279"), "logical_call");
    assert_eq!(code("d5ca8e75"), "waypoint_leg");
    assert_eq!(code("5f73ad96"), "waypoint_leg");
    // Kiali's mock spells the service `details:9080` on the waypoint's series
    // and the FQDN on ztunnel's. The layers join on the normalised identity
    // (bookinfo/details), so the client ztunnel's productpage → waypoint
    // series are the caller → waypoint leg of those two calls, not a third
    // call to the bare services (before, they made a `tcp` call arrow of
    // their own, and the summary said 4 calls on 3 arrows).
    assert_eq!(code("784d7813"), "waypoint_leg");
    assert_eq!(doc["summary"]["logical_calls"], 2, "{doc}");
    assert_eq!(doc["summary"]["extra_arrows"], 3, "{doc}");
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    for call in calls {
        assert_eq!(call["via_waypoint"], "bookinfo/waypoint", "{call:#}");
        // One spelling per service: the FQDN under the data's cluster domain,
        // and the ztunnel hop's bytes attached as the call's transport.
        let services = call["services"].as_array().unwrap();
        assert_eq!(services.len(), 1, "{call:#}");
        assert!(
            services[0]
                .as_str()
                .unwrap()
                .ends_with(".bookinfo.svc.cluster.local"),
            "{call:#}"
        );
        assert_eq!(call["bytes_to_server_per_second"], 50.0, "{call:#}");
    }
    let http = edges
        .iter()
        .find(|e| e["kiali_id"].as_str().unwrap().starts_with("fc7e327b"))
        .unwrap();
    assert_eq!(http["rates_from"], serde_json::json!(["waypoint"]));
    assert!(doc["warnings"].as_array().unwrap().is_empty(), "{doc}");
    // The edge Kiali nests in the productpage → waypoint arrow's
    // `waypoint.fromEdge` keeps its id, with that arrow.
    let to_waypoint = edges
        .iter()
        .find(|e| e["kiali_id"].as_str().unwrap().starts_with("784d7813"))
        .unwrap();
    assert_eq!(
        to_waypoint["nested_kiali_ids"][0].as_str().unwrap()[..8],
        *"a46a8f63"
    );
    assert_eq!(
        edges
            .iter()
            .filter(|e| e.get("nested_kiali_ids").is_some())
            .count(),
        1
    );
}

#[test]
fn kialis_sidecar_golden_graphs_of_every_graph_type_every_edge_accounted_for() {
    let replay = common::fixture("kiali/data/mockNamespaceGraph+mockNamespaceRatesGraph/replay");
    for name in ["workload", "versioned_app", "app", "service"] {
        let graph = common::fixture(&format!("kiali/kiali-expected/test_{name}_graph.expected"));
        let doc = kiali_json(&[
            "--kiali-graph",
            graph.to_str().unwrap(),
            "--replay",
            replay.to_str().unwrap(),
            "--at",
            AT,
            "--window",
            "10m",
        ]);
        accounted(&doc);
        assert!(
            doc["summary"]["logical_calls"].as_u64().unwrap() > 0,
            "{name}"
        );
    }
}

#[test]
fn the_kit_s_kiali_graph_of_bookinfo_waypoint_maps_to_the_seven_calls() {
    use meshgraph_scenario::{KialiGraphType, KialiOptions, builtin};
    let scenario = builtin("bookinfo-waypoint").unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for options in [
        KialiOptions::default(),
        KialiOptions {
            graph_type: KialiGraphType::VersionedApp,
            inject_service_nodes: true,
        },
    ] {
        let path = dir.path().join("graph.json");
        std::fs::write(&path, scenario.kiali_graph(&options).to_string()).unwrap();
        let doc = kiali_json(&[
            "--kiali-graph",
            path.to_str().unwrap(),
            "--demo=bookinfo-waypoint",
        ]);
        accounted(&doc);
        assert_eq!(doc["summary"]["logical_calls"], 7, "{}", doc["summary"]);
        assert_eq!(doc["summary"]["calls_missing"], 0);
        let calls = doc["calls"].as_array().unwrap();
        assert_eq!(
            calls.iter().filter(|c| c["infrastructure"] != true).count(),
            7
        );
        let text = common::run()
            .args([
                "kiali",
                "-q",
                "--kiali-graph",
                path.to_str().unwrap(),
                "--demo",
            ])
            .output();
        assert!(text.status.success());
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains("logical calls: 7"), "{text}");
        assert!(text.contains("waypoint_leg"), "{text}");
    }
}

fn fails_with(bytes: &[u8], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiali.json");
    std::fs::write(&path, bytes).unwrap();
    let out = common::run()
        .args(["kiali", "--kiali-graph", path.to_str().unwrap(), "--demo"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("meshgraph: error:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.contains("kiali.json"), "{line}");
    assert!(line.contains(needle), "{line}");
}

#[test]
fn bad_kiali_input_is_one_clear_line_naming_the_file() {
    fails_with(
        b"<!DOCTYPE html><html><head><title>Kiali</title></head><body>Log in</body></html>",
        "HTML page",
    );
    fails_with(
        b"{\"schema_version\": 1, \"nodes\": [], \"edges\": []}",
        "not a Kiali graph",
    );
    fails_with(b"{\"error\": \"Unauthorized\"}", "Unauthorized");
    fails_with(b"{\"elements\": {\"nodes\": 3}}", "not a list");
    fails_with(b"[1, 2]", "not a Kiali graph");
    let golden = std::fs::read(common::fixture(
        "kiali/kiali-expected/test_ambient_graph.expected",
    ))
    .unwrap();
    for cut in (0..golden.len()).step_by(97) {
        let out = common::run()
            .args(["kiali", "-q", "--kiali-graph", "-", "--demo"])
            .stdin(golden[..cut].to_vec())
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "cut at {cut}: {stderr}");
        assert_eq!(out.status.code(), Some(2), "cut at {cut}: {stderr}");
    }
}

#[test]
fn a_window_mismatch_is_said() {
    let graph = common::fixture("kiali/kiali-expected/test_ambient_graph.expected");
    let out = common::run()
        .args(["kiali", "--kiali-graph", graph.to_str().unwrap(), "--demo"])
        .output();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--at 1523364075"), "{stderr}");
}

/// `--kiali URL`: a stand-in Kiali serving Kiali's own golden graph; the
/// query carries the telemetry's scope and the token goes as a bearer.
#[test]
fn a_live_kiali_is_asked_with_the_telemetry_scope_and_the_bearer_token() {
    use meshgraph_standin::{Reply, StandIn};
    let golden = std::fs::read(common::fixture(
        "kiali/kiali-expected/test_ambient_graph.expected",
    ))
    .unwrap();
    let kiali = StandIn::route(move |req, _| {
        if req.path == "/kiali/api/namespaces/graph" {
            Reply::ok(golden.clone()).with_header("Content-Type", "application/json")
        } else {
            Reply::not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let replay = common::fixture("kiali/data/ambientMockGraph@ambient/replay");
    let url = format!("{}/kiali", kiali.url());
    let doc = kiali_json(&[
        "--kiali",
        &url,
        "--kiali-token-file",
        token.to_str().unwrap(),
        "--replay",
        replay.to_str().unwrap(),
        "-n",
        "bookinfo",
        "--at",
        AT,
        "--window",
        "10m",
    ]);
    accounted(&doc);
    assert_eq!(doc["edges"].as_array().unwrap().len(), 5, "{doc}");
    assert!(
        doc["kiali"]["file"]
            .as_str()
            .unwrap()
            .ends_with("/kiali/api/namespaces/graph")
    );
    let requests = kiali.requests_to("/kiali/api/namespaces/graph");
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.param("namespaces"), Some("bookinfo"));
    assert_eq!(req.param("graphType"), Some("workload"));
    assert_eq!(req.param("duration"), Some("600s"));
    assert_eq!(req.param("queryTime"), Some(AT));
    assert!(
        req.param("appenders").unwrap().contains("deadNode"),
        "{req:?}"
    );
    assert_eq!(req.header("authorization"), Some("Bearer s3cret-token"));
}

/// 401, a login page, another Kiali version's JSON: one clear line, exit 2,
/// never the token.
#[test]
fn a_live_kiali_refusing_or_answering_something_else_is_one_line_exit_2() {
    use meshgraph_standin::{Reply, StandIn};
    let replay = common::fixture("kiali/data/ambientMockGraph@ambient/replay");
    let cases: [(Reply, &str); 3] = [
        (Reply::status(401, "Unauthorized"), "HTTP 401"),
        (
            Reply::ok("<!DOCTYPE html><html><body>Log in</body></html>")
                .with_header("Content-Type", "text/html"),
            "login page",
        ),
        (
            Reply::ok(r#"{"graph":{"vertices":[],"links":[]}}"#),
            "another Kiali version",
        ),
    ];
    for (reply, expected) in cases {
        let kiali = StandIn::route(move |_, _| reply.clone());
        let out = common::run()
            .env("MESHGRAPH_KIALI_TOKEN", "s3cret-token")
            .args(["kiali", "-q", "--kiali", &kiali.url()])
            .args(["--replay", replay.to_str().unwrap(), "-n", "bookinfo"])
            .args(["--at", AT, "--window", "10m"])
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
        let requests = kiali.requests();
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer s3cret-token")
        );
    }
}

/// `--format svg`: every Kiali edge drawn (its id), every extra arrow's reason
/// written, and the document parses as XML.
#[test]
fn the_svg_overlay_has_every_kiali_edge_and_every_reason() {
    let mut extra = 0;
    for (name, data) in [
        ("ambient", "ambientMockGraph@ambient"),
        ("workload", "mockNamespaceGraph+mockNamespaceRatesGraph"),
        (
            "versioned_app",
            "mockNamespaceGraph+mockNamespaceRatesGraph",
        ),
    ] {
        let replay = common::fixture(&format!("kiali/data/{data}/replay"));
        let graph = common::fixture(&format!("kiali/kiali-expected/test_{name}_graph.expected"));
        let args = [
            "--kiali-graph",
            graph.to_str().unwrap(),
            "--replay",
            replay.to_str().unwrap(),
            "--at",
            AT,
            "--window",
            "10m",
        ];
        let doc = kiali_json(&args);
        let out = common::run()
            .args(["kiali", "-q", "--format", "svg"])
            .args(args)
            .output();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let svg = roxmltree::Document::parse(&text).unwrap();
        let ids: std::collections::BTreeSet<&str> = svg
            .descendants()
            .filter(|n| n.attribute("class") == Some("kiali-edge"))
            .filter_map(|n| n.attribute("id"))
            .collect();
        let reasons: std::collections::BTreeSet<String> = svg
            .descendants()
            .filter(|n| n.attribute("class") == Some("reason"))
            .map(|n| {
                n.children()
                    .filter(|c| c.is_text())
                    .filter_map(|c| c.text())
                    .collect::<String>()
            })
            .collect();
        let edges = doc["edges"].as_array().unwrap();
        assert!(!edges.is_empty());
        for e in edges {
            let id = format!("kiali-edge-{}", e["kiali_id"].as_str().unwrap());
            assert!(ids.contains(id.as_str()), "{name}: {id} not drawn");
            let code = e["reason"]["code"].as_str().unwrap();
            if code != "logical_call" {
                extra += 1;
                assert!(
                    reasons.contains(code),
                    "{name}: {code} not written: {reasons:?}"
                );
            }
        }
        assert_eq!(ids.len(), edges.len(), "{name}");

        // The HTML page holds the same picture, the summary and the table.
        let out = common::run()
            .args(["kiali", "-q", "--format", "html"])
            .args(args)
            .output();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let html = String::from_utf8(out.stdout).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        let summary = doc["summary"]["text"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;");
        assert!(
            html.contains(&summary),
            "{name}: summary missing: {summary}"
        );
        for e in edges {
            let id = e["kiali_id"].as_str().unwrap();
            assert!(
                html.contains(&format!("id=\"kiali-edge-{id}\"")),
                "{name}: {id} not drawn in the page"
            );
        }
    }
    assert!(extra > 0, "no extra arrow was checked");
}

/// `--kiali` asks Kiali for named namespaces: without -n it says so and asks
/// nothing.
#[test]
fn a_live_kiali_needs_the_namespaces() {
    use meshgraph_standin::{Reply, StandIn};
    let kiali = StandIn::route(|_, _| Reply::not_found());
    let replay = common::fixture("kiali/data/ambientMockGraph@ambient/replay");
    let out = common::run()
        .args(["kiali", "-q", "--kiali", &kiali.url(), "-A"])
        .args(["--replay", replay.to_str().unwrap(), "--at", AT])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("-n NAMESPACE"), "{stderr}");
    assert!(kiali.requests().is_empty());
}
