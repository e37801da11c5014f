//! Synthetic runs for the history tests.
#![allow(dead_code)]

use meshgraph_history::{EdgeRow, FindingRow, NodeRow, RunRecord};

pub const DAY: i64 = 86_400;
/// 2026-11-01T02:00:00Z
pub const NIGHT0: i64 = 1_793_498_400;

pub fn night(i: i64) -> i64 {
    NIGHT0 + i * DAY
}

pub fn edge(source: &str, target: &str, rps: f64, error_rps: f64, p99: f64) -> EdgeRow {
    let ns = |id: &str| {
        id.split_once(':')
            .and_then(|(_, rest)| rest.split_once('/'))
            .map(|(ns, _)| ns.to_string())
    };
    EdgeRow {
        source: source.to_string(),
        target: target.to_string(),
        source_namespace: ns(source),
        target_namespace: ns(target),
        protocol: "http".to_string(),
        rps: Some(rps),
        error_rps: Some(error_rps),
        responses: "{}".to_string(),
        latency_p50_ms: Some(p99 / 4.0),
        latency_p95_ms: Some(p99 / 1.5),
        latency_p99_ms: Some(p99),
        mtls: Some(1.0),
        rates_from: Some("envoy-destination".to_string()),
        ..EdgeRow::default()
    }
}

pub fn node(id: &str) -> NodeRow {
    let (ns, name) = id
        .split_once(':')
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(a, b)| (Some(a.to_string()), b.to_string()))
        .unwrap_or((None, id.to_string()));
    NodeRow {
        id: id.to_string(),
        kind: "workload".to_string(),
        namespace: ns,
        name,
        app: None,
        version: None,
        cluster: None,
    }
}

pub fn finding(code: &str, severity: &str, resource: &str) -> FindingRow {
    FindingRow {
        code: code.to_string(),
        severity: Some(severity.to_string()),
        resource: resource.to_string(),
        message: Some(format!("{code} on {resource}")),
    }
}

pub fn run(at: i64, edges: Vec<EdgeRow>, findings: Vec<FindingRow>) -> RunRecord {
    let mut ids: Vec<String> = edges
        .iter()
        .flat_map(|e| [e.source.clone(), e.target.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    RunRecord {
        at,
        source: "test".to_string(),
        graph_type: "workload".to_string(),
        window_seconds: 300,
        empty: false,
        nodes: ids.iter().map(|i| node(i)).collect(),
        edges,
        findings,
    }
}
