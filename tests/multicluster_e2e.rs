//! Bookinfo split across two clusters on two networks, joined by east-west
//! gateways, written by hand from the multi-cluster facts
//! (tests/fixtures/prometheus/make-bookinfo-multicluster.py, not the scenario
//! kit), loaded into a real Prometheus and read back by `meshgraph snapshot`
//! and `meshgraph explain`. The truth is the hand-computed
//! tests/fixtures/prometheus/bookinfo-multicluster.truth.json.

mod common;

use common::meshgraph;

use meshgraph_prometheus::testing::{PrometheusServer, openmetrics_from_rates, parse_rates};
use serde_json::Value;

/// End of the fixtures' data (see tests/fixtures/prometheus/README.md).
const FIXTURE_END: i64 = 1_764_547_200;
/// Relative tolerance on every rate.
const TOLERANCE: f64 = 0.01;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/prometheus/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn prometheus() -> PrometheusServer {
    prometheus_with("bookinfo-multicluster.rates")
}

fn prometheus_with(rates: &str) -> PrometheusServer {
    let series = parse_rates(&fixture(rates)).unwrap();
    PrometheusServer::start(&openmetrics_from_rates(&series, FIXTURE_END, 1200, 15))
}

fn truth() -> Value {
    serde_json::from_str(&fixture("bookinfo-multicluster.truth.json")).unwrap()
}

fn run(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(args, dir.path());
    assert!(
        out.status.success(),
        "meshgraph {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `snapshot` of the server in one format, on stdout.
fn draw(prometheus: &PrometheusServer, format: &str, extra: &[&str]) -> String {
    let (url, at) = (prometheus.url(), (FIXTURE_END - 120).to_string());
    let mut args = vec![
        "snapshot",
        "--prometheus",
        &url,
        "--at",
        &at,
        "--window",
        "5m",
        "--graph-type",
        "workload",
        "--format",
        format,
        "-o",
        "-",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn snapshot(prometheus: &PrometheusServer, extra: &[&str]) -> Value {
    serde_json::from_str(&draw(prometheus, "json", extra)).unwrap()
}

/// The snapshot's node id of a truth node.
fn node_id(n: &Value) -> String {
    let (c, ns) = (
        n["cluster"].as_str().unwrap(),
        n["namespace"].as_str().unwrap(),
    );
    match n.get("service") {
        Some(service) => format!("service:{c}/{ns}/{}", service.as_str().unwrap()),
        None => format!("workload:{c}/{ns}/{}", n["workload"].as_str().unwrap()),
    }
}

fn within(actual: &Value, expected: &Value) -> bool {
    match (actual.as_f64(), expected.as_f64()) {
        (Some(a), Some(e)) => (a - e).abs() <= TOLERANCE * e.abs().max(1e-9),
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn two_clusters_give_exactly_the_logical_calls_between_cluster_qualified_workloads() {
    assert_the_truth(&snapshot(&prometheus(), &[]), &truth());
}

/// Another cluster domain (`corp.example`, trust domain left at
/// `cluster.local`): the same graph, every service spelled under that domain.
#[test]
fn another_cluster_domain_gives_the_same_graph_under_its_own_names() {
    let mut truth = truth();
    let variant = &truth["variants"]["bookinfo-multicluster-corp-domain.rates"];
    let domain = variant["cluster_domain"].as_str().unwrap().to_string();
    for e in truth["edges"].as_array_mut().unwrap() {
        for s in e["services"].as_array_mut().unwrap() {
            let renamed = s
                .as_str()
                .unwrap()
                .replace(".svc.cluster.local", &format!(".svc.{domain}"));
            *s = Value::String(renamed);
        }
    }
    let doc = snapshot(
        &prometheus_with("bookinfo-multicluster-corp-domain.rates"),
        &[],
    );
    assert_the_truth(&doc, &truth);
}

/// The federation label only on west's series: the cluster labels are the
/// authority, so nothing changes.
#[test]
fn a_federation_label_on_one_cluster_only_changes_nothing() {
    let doc = snapshot(
        &prometheus_with("bookinfo-multicluster-remote-label-only.rates"),
        &[],
    );
    assert_the_truth(&doc, &truth());
}

fn assert_the_truth(doc: &Value, truth: &Value) {
    let edges = doc["edges"].as_array().unwrap();
    let expected = truth["edges"].as_array().unwrap();

    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|e| (node_id(&e["source"]), node_id(&e["destination"])))
        .collect();
    let mut got: Vec<(String, String)> = edges
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the logical edges, no more, no less");
    assert_eq!(
        edges.len(),
        truth["summary"]["edges"].as_u64().unwrap() as usize
    );

    for t in expected {
        let (s, d) = (node_id(&t["source"]), node_id(&t["destination"]));
        let e = edges
            .iter()
            .find(|e| e["source"] == s.as_str() && e["target"] == d.as_str())
            .unwrap();
        assert_eq!(e["protocol"], t["protocol"], "{s} -> {d}: {e:#}");
        for field in ["rps", "error_rps", "mtls"] {
            assert!(
                within(&e[field], &t[field]),
                "{s} -> {d}: {field} {} vs true {}\n{e:#}",
                e[field],
                t[field]
            );
        }
        if t["protocol"] == "tcp" {
            for field in [
                "bytes_to_server_per_second",
                "bytes_to_client_per_second",
                "tcp_connections_opened_per_second",
            ] {
                assert!(within(&e[field], &t[field]), "{s} -> {d}: {field}\n{e:#}");
            }
        }
        // Latency and byte figures where the truth computed them.
        for field in [
            "latency_p50_ms",
            "latency_p95_ms",
            "latency_p99_ms",
            "request_bytes_per_second",
            "response_bytes_per_second",
        ] {
            if let Some(want) = t.get(field) {
                assert!(
                    within(&e[field], want),
                    "{s} -> {d}: {field} {} vs true {want}\n{e:#}",
                    e[field]
                );
            }
        }
        let responses = t["responses"].as_object().unwrap();
        assert_eq!(
            e["responses"].as_object().map_or(0, |r| r.len()),
            responses.len(),
            "{s} -> {d}: {e:#}"
        );
        for (class, want) in responses {
            assert!(
                within(&e["responses"][class], want),
                "{s} -> {d}: {class}\n{e:#}"
            );
        }
        assert_eq!(e["source_principals"], t["source_principals"], "{s} -> {d}");
        assert_eq!(
            e["destination_principals"], t["destination_principals"],
            "{s} -> {d}"
        );
        assert_eq!(e["rates_from"], t["rates_from"], "{s} -> {d}: {e:#}");
        let via = t["via_network_gateway"].is_object();
        assert_eq!(
            e.get("via_network_gateway").is_some_and(|v| v == true),
            via,
            "{s} -> {d}: via_network_gateway\n{e:#}"
        );
        assert_eq!(
            e.get("failed_across_networks").is_some_and(|v| v == true),
            t["failed_across_networks"] == true,
            "{s} -> {d}: failed_across_networks\n{e:#}"
        );
        assert_eq!(e["services"], t["services"], "{s} -> {d}");
    }

    // Nodes: one per (cluster, namespace, workload), each with its cluster;
    // no east-west gateway, no `unknown` or `Kubernetes` cluster.
    let nodes = doc["nodes"].as_array().unwrap();
    let mut node_ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    node_ids.sort();
    let mut want_nodes: Vec<String> = truth["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(node_id)
        .collect();
    want_nodes.sort();
    assert_eq!(node_ids, want_nodes);
    for n in nodes {
        assert!(
            truth["clusters"]
                .as_array()
                .unwrap()
                .contains(&n["cluster"]),
            "{n:#}"
        );
        assert!(
            !n["id"].as_str().unwrap().contains("eastwestgateway"),
            "{n:#}"
        );
    }
}

#[test]
fn explain_names_the_gateway_hop_and_the_failure_across_networks() {
    let prometheus = prometheus();
    let (url, at) = (prometheus.url(), (FIXTURE_END - 120).to_string());
    let base = ["--prometheus", &url, "--at", &at, "--window", "5m"];
    let explain = |src: &str, dst: &str| {
        let mut args = vec!["explain", src, dst];
        args.extend_from_slice(&base);
        run(&args)
    };
    let text = explain("east/bookinfo/productpage-v1", "west/bookinfo/reviews-v3");
    assert!(
        text.contains("via network gateway west/istio-system/istio-eastwestgateway"),
        "{text}"
    );
    assert!(
        text.contains("network_gateway") || text.contains("east-west gateway"),
        "{text}"
    );
    let text = explain("east/bookinfo/reviews-v2", "service:west/bookinfo/ratings");
    assert!(text.contains("failed across networks"), "{text}");
    assert!(text.contains("cluster west"), "{text}");
}

#[test]
fn cluster_name_selects_the_calls_touching_one_cluster() {
    let prometheus = prometheus();
    let doc = snapshot(&prometheus, &["--cluster-name", "west"]);
    let edges = doc["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for e in edges {
        let (s, t) = (e["source"].as_str().unwrap(), e["target"].as_str().unwrap());
        assert!(
            s.contains(":west/") || t.contains(":west/"),
            "{s} -> {t} does not touch west"
        );
    }
    let none = snapshot(&prometheus, &["--cluster-name", "north"]);
    assert!(none["edges"].as_array().unwrap().is_empty());
    let warned = none["warnings"].as_array().unwrap().iter().any(|w| {
        w == "--cluster-name north: no such cluster in the telemetry (clusters: east, west)"
    });
    assert!(warned, "{:#}", none["warnings"]);
    // Calls within east only are gone.
    assert!(
        !edges
            .iter()
            .any(|e| e["source"] == "workload:east/bookinfo/productpage-v1"
                && e["target"] == "workload:east/bookinfo/details-v1")
    );
}

#[test]
fn every_drawing_boxes_namespaces_inside_their_cluster() {
    let prometheus = prometheus();
    let draw = |format: &str| draw(&prometheus, format, &[]);
    let dot = draw("dot");
    for cluster in ["east", "west"] {
        let start = dot
            .find(&format!("subgraph \"cluster_k8s_{cluster}\""))
            .unwrap_or_else(|| panic!("no box for cluster {cluster}:\n{dot}"));
        // Its namespace box and its workloads are inside it.
        let inside = &dot[start..];
        let ns_box = inside
            .find(&format!("\"cluster_ns_{cluster}/bookinfo\""))
            .unwrap_or_else(|| panic!("no bookinfo box in {cluster}:\n{dot}"));
        assert!(
            inside[ns_box..].contains(&format!("\"workload:{cluster}/bookinfo/reviews-v2\"")),
            "{dot}"
        );
    }
    assert!(dot.contains("via network gateway west/istio-system/istio-eastwestgateway"));
    assert!(!dot.contains("\"workload:east/istio-system/istio-eastwestgateway\""));

    let mermaid = draw("mermaid");
    assert!(
        mermaid.contains("subgraph k0[\"cluster east\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("subgraph k1[\"cluster west\"]"),
        "{mermaid}"
    );
    // Subgraphs open and close in pairs.
    assert_eq!(
        mermaid.matches("subgraph ").count(),
        mermaid.lines().filter(|l| l.trim() == "end").count()
    );

    let cy: Value = serde_json::from_str(&draw("cytoscape")).unwrap();
    let nodes = cy["elements"]["nodes"].as_array().unwrap();
    let data = |id: &str| {
        nodes
            .iter()
            .map(|n| &n["data"])
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    assert_eq!(data("cluster:west")["kind"], "cluster");
    assert_eq!(data("namespace:west/bookinfo")["parent"], "cluster:west");
    let reviews = data("workload:west/bookinfo/reviews-v3");
    assert_eq!(reviews["parent"], "namespace:west/bookinfo");
    assert_eq!(reviews["cluster"], "west");
}

#[test]
fn explain_suggests_the_cluster_qualified_names_and_diff_prints_them() {
    let prometheus = prometheus();
    let (url, at) = (prometheus.url(), (FIXTURE_END - 120).to_string());
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "explain",
            "bookinfo/productpage-v1",
            "bookinfo/reviews-v2",
            "--prometheus",
            &url,
            "--at",
            &at,
            "--window",
            "5m",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "east/bookinfo/productpage-v1",
        "east/bookinfo/reviews-v2",
        "west/bookinfo/reviews-v2",
    ] {
        assert!(stderr.contains(name), "{name} not suggested: {stderr}");
    }

    // diff of the whole mesh against west alone: east's calls vanished,
    // named by their cluster-qualified ids.
    let whole = snapshot(&prometheus, &[]);
    let west = snapshot(&prometheus, &["--cluster-name", "west"]);
    std::fs::write(dir.path().join("old.json"), whole.to_string()).unwrap();
    std::fs::write(dir.path().join("new.json"), west.to_string()).unwrap();
    let out = meshgraph(&["diff", "old.json", "new.json"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("workload:east/bookinfo/productpage-v1")
            && text.contains("workload:east/bookinfo/details-v1"),
        "{text}"
    );
    assert!(
        !text.contains("workload:bookinfo/"),
        "ids without their cluster: {text}"
    );
}
