//! One run as the history stores it: rows read from a graph snapshot (the JSON
//! of `docs/schema/graph.schema.json`) plus the run's findings.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::HistoryError;

/// A node of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub id: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub app: Option<String>,
    pub version: Option<String>,
    pub cluster: Option<String>,
}

/// An edge of one run with every figure the snapshot carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EdgeRow {
    pub source: String,
    pub target: String,
    /// Namespaces of the two ends (from the nodes; `None` for unknown or
    /// external nodes).
    pub source_namespace: Option<String>,
    pub target_namespace: Option<String>,
    pub cluster: Option<String>,
    pub protocol: String,
    pub rps: Option<f64>,
    pub error_rps: Option<f64>,
    /// Requests per second by response class, as JSON (`{"2xx":1.5}`).
    pub responses: String,
    /// Quantiles of the run's summed latency histogram (the snapshot keeps
    /// quantiles, not buckets: they are stored per run and never averaged).
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub request_bytes_per_second: Option<f64>,
    pub response_bytes_per_second: Option<f64>,
    pub bytes_to_server_per_second: Option<f64>,
    pub bytes_to_client_per_second: Option<f64>,
    pub tcp_connections_opened_per_second: Option<f64>,
    pub tcp_connections_closed_per_second: Option<f64>,
    pub mtls: Option<f64>,
    pub via_waypoint: Option<String>,
    pub rates_from: Option<String>,
    pub infrastructure: bool,
    pub seen_in: Option<String>,
    pub trace_spans: Option<i64>,
    pub trace_errors: Option<i64>,
    pub trace_latency_p50_ms: Option<f64>,
    pub trace_latency_p99_ms: Option<f64>,
}

/// A finding of one run. `severity` and `message` are unknown for runs
/// ingested from a snapshot, which only lists finding codes.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub code: String,
    pub severity: Option<String>,
    pub resource: String,
    pub message: Option<String>,
}

/// Everything the history keeps about one run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Evaluation time, seconds since the Unix epoch (UTC).
    pub at: i64,
    pub source: String,
    pub graph_type: String,
    pub window_seconds: i64,
    pub empty: bool,
    pub nodes: Vec<NodeRow>,
    pub edges: Vec<EdgeRow>,
    pub findings: Vec<FindingRow>,
}

#[derive(Deserialize)]
struct Doc {
    at: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    graph_type: String,
    #[serde(default)]
    window_seconds: i64,
    #[serde(default)]
    empty: bool,
    #[serde(default)]
    cluster: Option<String>,
    nodes: Vec<DocNode>,
    edges: Vec<DocEdge>,
}

#[derive(Deserialize)]
struct DocNode {
    id: String,
    #[serde(default)]
    kind: String,
    namespace: Option<String>,
    #[serde(default)]
    name: String,
    app: Option<String>,
    version: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    findings: Vec<String>,
}

#[derive(Deserialize)]
struct DocEdge {
    source: String,
    target: String,
    #[serde(default)]
    protocol: String,
    rps: Option<f64>,
    error_rps: Option<f64>,
    #[serde(default)]
    responses: BTreeMap<String, f64>,
    latency_p50_ms: Option<f64>,
    latency_p95_ms: Option<f64>,
    latency_p99_ms: Option<f64>,
    request_bytes_per_second: Option<f64>,
    response_bytes_per_second: Option<f64>,
    bytes_to_server_per_second: Option<f64>,
    bytes_to_client_per_second: Option<f64>,
    tcp_connections_opened_per_second: Option<f64>,
    tcp_connections_closed_per_second: Option<f64>,
    mtls: Option<f64>,
    via_waypoint: Option<String>,
    rates_from: Option<String>,
    #[serde(default)]
    infrastructure: bool,
    seen_in: Option<String>,
    trace_spans: Option<i64>,
    trace_errors: Option<i64>,
    trace_latency_p50_ms: Option<f64>,
    trace_latency_p99_ms: Option<f64>,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    findings: Vec<String>,
}

/// The resource a finding code on an edge is filed under.
pub fn edge_resource(source: &str, target: &str) -> String {
    format!("{source} -> {target}")
}

impl RunRecord {
    /// Reads a graph snapshot. `findings`, when given, replaces the finding
    /// codes the snapshot lists on nodes and edges (the CLI passes the checks'
    /// findings with their severity and message).
    pub fn from_snapshot_json(
        text: &str,
        origin: &str,
        findings: Option<Vec<FindingRow>>,
    ) -> Result<RunRecord, HistoryError> {
        let doc: Doc = serde_json::from_str(text).map_err(|e| HistoryError::Snapshot {
            file: origin.to_string(),
            reason: e.to_string(),
        })?;
        let at = parse_time(&doc.at).ok_or_else(|| HistoryError::Snapshot {
            file: origin.to_string(),
            reason: format!("`at` is not an RFC 3339 time: {:?}", doc.at),
        })?;
        let namespaces: BTreeMap<&str, Option<&str>> = doc
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.namespace.as_deref()))
            .collect();
        let ns_of = |id: &str| namespaces.get(id).copied().flatten().map(str::to_string);
        let mut snapshot_findings = Vec::new();
        for n in &doc.nodes {
            for code in &n.findings {
                snapshot_findings.push(FindingRow {
                    code: code.clone(),
                    severity: None,
                    resource: n.id.clone(),
                    message: None,
                });
            }
        }
        let edges = doc
            .edges
            .iter()
            .map(|e| {
                for code in &e.findings {
                    snapshot_findings.push(FindingRow {
                        code: code.clone(),
                        severity: None,
                        resource: edge_resource(&e.source, &e.target),
                        message: None,
                    });
                }
                EdgeRow {
                    source: e.source.clone(),
                    target: e.target.clone(),
                    source_namespace: ns_of(&e.source),
                    target_namespace: ns_of(&e.target),
                    cluster: e.cluster.clone().or_else(|| doc.cluster.clone()),
                    protocol: e.protocol.clone(),
                    rps: e.rps,
                    error_rps: e.error_rps,
                    responses: serde_json::to_string(&e.responses).unwrap_or_default(),
                    latency_p50_ms: e.latency_p50_ms,
                    latency_p95_ms: e.latency_p95_ms,
                    latency_p99_ms: e.latency_p99_ms,
                    request_bytes_per_second: e.request_bytes_per_second,
                    response_bytes_per_second: e.response_bytes_per_second,
                    bytes_to_server_per_second: e.bytes_to_server_per_second,
                    bytes_to_client_per_second: e.bytes_to_client_per_second,
                    tcp_connections_opened_per_second: e.tcp_connections_opened_per_second,
                    tcp_connections_closed_per_second: e.tcp_connections_closed_per_second,
                    mtls: e.mtls,
                    via_waypoint: e.via_waypoint.clone(),
                    rates_from: e.rates_from.clone(),
                    infrastructure: e.infrastructure,
                    seen_in: e.seen_in.clone(),
                    trace_spans: e.trace_spans,
                    trace_errors: e.trace_errors,
                    trace_latency_p50_ms: e.trace_latency_p50_ms,
                    trace_latency_p99_ms: e.trace_latency_p99_ms,
                }
            })
            .collect();
        let nodes = doc
            .nodes
            .iter()
            .map(|n| NodeRow {
                id: n.id.clone(),
                kind: n.kind.clone(),
                namespace: n.namespace.clone(),
                name: n.name.clone(),
                app: n.app.clone(),
                version: n.version.clone(),
                cluster: n.cluster.clone().or_else(|| doc.cluster.clone()),
            })
            .collect();
        Ok(RunRecord {
            at,
            source: doc.source,
            graph_type: doc.graph_type,
            window_seconds: doc.window_seconds,
            empty: doc.empty,
            nodes,
            edges,
            findings: findings.unwrap_or(snapshot_findings),
        })
    }
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// `2026-11-25T02:00:00Z`.
pub fn format_time(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// `2026-11-25`.
pub fn format_date(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| at.to_string())
}
