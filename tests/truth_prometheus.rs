//! The independent-truth fixtures of `crates/core/tests/truth.rs`, end to end:
//! the hand-written series (`tests/fixtures/truth/*.rates`) loaded into a real
//! Prometheus, read by `meshgraph snapshot --prometheus`, and every field of
//! the JSON edges compared with figures computed by hand (written out again
//! here, arithmetic in comments; relative tolerance 1e-9).

mod common;

use std::path::Path;

use common::meshgraph;
use meshgraph_prometheus::testing::{PrometheusServer, openmetrics_from_rates, parse_rates};
use serde_json::{Value, json};

/// End of the fixtures' data, as for tests/fixtures/prometheus.
const END: i64 = 1_764_547_200;

fn snapshot_of(fixture: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/truth/{fixture}.rates",
        env!("CARGO_MANIFEST_DIR")
    );
    let series = parse_rates(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let prometheus = PrometheusServer::start(&openmetrics_from_rates(&series, END, 1200, 15));
    let dir = tempfile::tempdir().unwrap();
    let at = (END - 120).to_string();
    let args = [
        "snapshot",
        "--prometheus",
        &prometheus.url(),
        "--at",
        &at,
        "--window",
        "5m",
        "-o",
        "g.json",
    ];
    let out = meshgraph(&args, dir.path());
    assert!(
        out.status.success(),
        "meshgraph {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_json(&dir.path().join("g.json"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Compares `actual` with `expected`: numbers within 1e-9 relative, everything
/// else exactly, objects key by key over the expected keys.
fn compare(path: &str, actual: &Value, expected: &Value, problems: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            if (a - e).abs() > 1e-9 * e.abs() + 1e-12 {
                problems.push(format!("{path}: got {a}, expected {e}"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            for (k, v) in e {
                compare(
                    &format!("{path}.{k}"),
                    a.get(k).unwrap_or(&Value::Null),
                    v,
                    problems,
                );
            }
            if path.ends_with(".responses") && a.len() != e.len() {
                problems.push(format!("{path}: got {a:?}"));
            }
        }
        (a, e) if a == e => {}
        (a, e) => problems.push(format!("{path}: got {a}, expected {e}")),
    }
}

/// The graph has exactly these edges, each with these fields.
fn assert_edges(doc: &Value, expected: &[Value]) {
    let edges = doc["edges"].as_array().unwrap();
    let key = |e: &Value| format!("{} -> {}", e["source"], e["target"]);
    let mut got: Vec<String> = edges.iter().map(key).collect();
    let mut want: Vec<String> = expected.iter().map(key).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the graph's edges");
    let mut problems = Vec::new();
    for x in expected {
        let e = edges.iter().find(|e| key(e) == key(x)).unwrap();
        compare(&key(x), e, x, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every field of a JSON edge that reconciliation decides, with the values of
/// an edge that has none of them; each test overrides what its edge has.
fn edge(fields: Value) -> Value {
    let mut base = json!({
        "protocol": "http",
        "rps": null, "error_rps": null, "responses": {},
        "latency_p50_ms": null, "latency_p95_ms": null, "latency_p99_ms": null,
        "request_bytes_per_second": null, "response_bytes_per_second": null,
        "bytes_to_server_per_second": null, "bytes_to_client_per_second": null,
        "tcp_connections_opened_per_second": null, "tcp_connections_closed_per_second": null,
        "mtls": null, "via_waypoint": null, "rates_from": null,
        "services": [], "source_principals": [], "destination_principals": [],
        "infrastructure": false,
    });
    for (k, v) in fields.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn failed_before_the_server_through_prometheus() {
    let doc = snapshot_of("failed-before-server");
    assert_edges(
        &doc,
        &[edge(json!({
            "source": "workload:shop/web",
            "target": "workload:shop/cart",
            // server 5.0 + 1.0 + 0.4 = 6.4; never reached it: UF 0.2, "URX,UF" 0.2,
            // code 0/DC 0.4, NR 0.2, UH 0.2, UO 0.4 = 1.6; 6.4 + 1.6 = 8.0
            "rps": 8.0,
            // 5xx 0.4 + 0.2 + 0.2 + 0.2 + 0.4 = 1.4, plus "0" 0.4
            "error_rps": 1.8,
            "responses": {"2xx": 6.0, "5xx": 1.4, "0": 0.4, "4xx": 0.2},
            // server buckets le 5/10/25/50/100/+Inf: 1.0, 3.0, 5.0, 6.0, 6.4, 6.4
            // p50 = 10 + 15*(3.2-3.0)/2.0; p95 = 50 + 50*(6.08-6.0)/0.4;
            // p99 = 50 + 50*(6.336-6.0)/0.4
            "latency_p50_ms": 11.5,
            "latency_p95_ms": 60.0,
            "latency_p99_ms": 92.0,
            "request_bytes_per_second": 3040.0,   // 3000 + 40
            "response_bytes_per_second": 12080.0, // 12000 + 80
            "mtls": 0.84375,                      // (5.0 + 0.4) / 6.4
            "rates_from": "envoy-destination",
            "services": ["cart.shop.svc.cluster.local"],
            "source_principals": ["spiffe://cluster.local/ns/shop/sa/web"],
            "destination_principals": ["spiffe://cluster.local/ns/shop/sa/cart"],
        }))],
    );
}

#[test]
fn waypoint_split_silent_waypoint_and_server_hop_fallback_through_prometheus() {
    let doc = snapshot_of("ambient-waypoint");
    let bank = |sa: &str| format!("spiffe://cluster.local/ns/bank/sa/{sa}");
    assert_edges(
        &doc,
        &[
            edge(json!({
                "source": "workload:bank/teller",
                "target": "workload:bank/ledger-v1",
                "rps": 3.0, "error_rps": 0.0, "responses": {"2xx": 3.0},
                // buckets le 10/25/50/+Inf: 1.5, 2.7, 3.0, 3.0
                // p50 = 10*1.5/1.5; p95 = 25 + 25*0.15/0.3; p99 = 25 + 25*0.27/0.3
                "latency_p50_ms": 10.0, "latency_p95_ms": 37.5, "latency_p99_ms": 47.5,
                // teller's leg 900/3000/0.6/0.4 times 3.0/(3.0+1.0)
                "bytes_to_server_per_second": 675.0,
                "bytes_to_client_per_second": 2250.0,
                "tcp_connections_opened_per_second": 0.45,
                "tcp_connections_closed_per_second": 0.3,
                "mtls": 1.0,
                "via_waypoint": "bank/waypoint",
                "rates_from": "waypoint",
                "services": ["ledger.bank.svc.cluster.local"],
                "source_principals": [bank("teller")],
                "destination_principals": [bank("ledger")],
            })),
            edge(json!({
                "source": "workload:bank/teller",
                "target": "workload:bank/ledger-v2",
                "rps": 1.0, "error_rps": 0.2, "responses": {"2xx": 0.8, "5xx": 0.2},
                // buckets le 10/25/50/+Inf: 0.4, 0.8, 1.0, 1.0
                // p50 = 10 + 15*0.1/0.4; p95 = 25 + 25*0.15/0.2; p99 = 25 + 25*0.19/0.2
                "latency_p50_ms": 13.75, "latency_p95_ms": 43.75, "latency_p99_ms": 48.75,
                // teller's leg times 1.0/4.0
                "bytes_to_server_per_second": 225.0,
                "bytes_to_client_per_second": 750.0,
                "tcp_connections_opened_per_second": 0.15,
                "tcp_connections_closed_per_second": 0.1,
                "mtls": 1.0,
                "via_waypoint": "bank/waypoint",
                "rates_from": "waypoint",
                "services": ["ledger.bank.svc.cluster.local"],
                "source_principals": [bank("teller")],
                "destination_principals": [bank("ledger")],
            })),
            edge(json!({
                "source": "workload:bank/auditor",
                "target": "workload:bank/wallet-v1",
                "rps": 0.4, "error_rps": 0.0, "responses": {"2xx": 0.4},
                // auditor's leg to wallet, whole (one edge)
                "bytes_to_server_per_second": 80.0,
                "bytes_to_client_per_second": 400.0,
                "tcp_connections_opened_per_second": 0.2,
                "tcp_connections_closed_per_second": 0.2,
                "mtls": 1.0,
                "via_waypoint": "bank/waypoint",
                "rates_from": "waypoint",
                "services": ["wallet.bank.svc.cluster.local"],
                "source_principals": [bank("auditor")],
                "destination_principals": [bank("wallet")],
            })),
            edge(json!({
                "source": "workload:bank/auditor",
                "target": "service:bank/vault",
                "protocol": "tcp",
                // the waypoint reported nothing: auditor's leg, whole
                "bytes_to_server_per_second": 100.0,
                "bytes_to_client_per_second": 300.0,
                "tcp_connections_opened_per_second": 0.2,
                "tcp_connections_closed_per_second": 0.2,
                "mtls": 1.0, // ztunnel-source saw HBONE on 0.2 of 0.2 connections
                "via_waypoint": "bank/waypoint",
                "rates_from": "ztunnel-source",
                "services": ["vault.bank.svc.cluster.local"],
            })),
            edge(json!({
                "source": "unknown",
                "target": "workload:bank/statement-v1",
                "rps": 0.6, "error_rps": 0.0, "responses": {"2xx": 0.6},
                // the waypoint -> statement-v1 leg, whole (server-hop fallback)
                "bytes_to_server_per_second": 240.0,
                "bytes_to_client_per_second": 960.0,
                "tcp_connections_opened_per_second": 0.2,
                "tcp_connections_closed_per_second": 0.2,
                "mtls": 0.0, // the waypoint saw plaintext on all 0.6 rps
                "via_waypoint": "bank/waypoint",
                "rates_from": "waypoint",
                "services": ["statement.bank.svc.cluster.local"],
                "destination_principals": [bank("statement")],
            })),
        ],
    );
}
