//! The JSON snapshot: a versioned schema (`docs/schema/graph.schema.json`),
//! converted explicitly from core types so the core can change freely.

use std::collections::BTreeMap;

use meshgraph_core::MeshGraph;
use meshgraph_model::StatusClass;
use serde::Serialize;

use crate::ExportError;
use crate::time::format_rfc3339;

/// Bumped on any incompatible change to the document's shape.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// What the graph describes, beyond the graph itself.
#[derive(Debug, Clone, Default)]
pub struct SnapshotMeta {
    /// Evaluation time, unix seconds.
    pub at: i64,
    pub window_seconds: u64,
    /// Where the data came from: `demo:bookinfo-waypoint`, a Prometheus URL
    /// (without credentials), a replay directory.
    pub source: String,
    pub warnings: Vec<String>,
    /// The metrics input returned no Istio series: the graph is empty because
    /// there was no traffic in the window (or none was scraped), not because
    /// all is well.
    pub empty: bool,
}

#[derive(Debug, Serialize)]
pub struct JsonDocument {
    pub schema_version: u32,
    pub generator: String,
    pub graph_type: &'static str,
    pub at: String,
    pub window_seconds: u64,
    pub source: String,
    /// True when the metrics input returned no Istio series.
    pub empty: bool,
    pub nodes: Vec<JsonNode>,
    pub edges: Vec<JsonEdge>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonNode {
    pub id: String,
    pub kind: &'static str,
    /// The cluster; present only when the telemetry names several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: String,
    pub app: Option<String>,
    pub version: Option<String>,
    /// Codes of the findings about the node (`meshgraph check` explains them).
    pub findings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonEdge {
    pub source: String,
    pub target: String,
    pub protocol: &'static str,
    /// Requests per second; `null` for TCP-only edges.
    pub rps: Option<f64>,
    pub error_rps: Option<f64>,
    /// Requests per second by response class (`"0"` = no response, `"2xx"`, ...).
    pub responses: BTreeMap<StatusClass, f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub request_bytes_per_second: Option<f64>,
    pub response_bytes_per_second: Option<f64>,
    pub bytes_to_server_per_second: Option<f64>,
    pub bytes_to_client_per_second: Option<f64>,
    pub tcp_connections_opened_per_second: Option<f64>,
    pub tcp_connections_closed_per_second: Option<f64>,
    /// Share of traffic seen as mutual TLS by an authoritative proxy, 0..1.
    pub mtls: Option<f64>,
    /// `namespace/name` of the waypoint the calls went through, if any.
    pub via_waypoint: Option<String>,
    /// The calls crossed networks through an east-west gateway; present only
    /// when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub via_network_gateway: bool,
    /// Some calls failed across networks (client-only reports); present only
    /// when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failed_across_networks: bool,
    /// An east-west gateway hid the serving workload (ambient before peer
    /// metadata crossed networks); present only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peer_hidden_by_network_gateway: bool,
    /// The emitter the rates came from (`waypoint`, `envoy-destination`, ...).
    pub rates_from: Option<String>,
    pub services: Vec<String>,
    pub source_principals: Vec<String>,
    pub destination_principals: Vec<String>,
    /// Traffic from infrastructure (scrapers, collectors); present only with `--show-infra`.
    pub infrastructure: bool,
    /// `metrics`, `traces` or `both` when traces were collected, else `null`.
    pub seen_in: Option<&'static str>,
    /// Sampled spans behind the edge (a sample count, not a rate).
    pub trace_spans: Option<u64>,
    pub trace_errors: Option<u64>,
    pub trace_latency_p50_ms: Option<f64>,
    pub trace_latency_p99_ms: Option<f64>,
    /// A few trace ids to open in Jaeger or Tempo.
    pub trace_ids: Vec<String>,
    /// Trace ids from Prometheus exemplars of the edge's latency buckets, the
    /// most recent first (at most 5); present only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exemplar_trace_ids: Vec<String>,
    /// How many distinct exemplar trace ids the edge had; present only with
    /// `exemplar_trace_ids`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemplar_count: Option<u64>,
    /// Codes of the findings about the edge.
    pub findings: Vec<String>,
}

impl JsonDocument {
    pub fn from_graph(graph: &MeshGraph, meta: &SnapshotMeta) -> JsonDocument {
        let nodes = graph
            .nodes()
            .map(|n| JsonNode {
                id: n.id.clone(),
                kind: n.kind.as_str(),
                cluster: n.cluster.clone(),
                namespace: n.namespace.clone(),
                name: n.name.clone(),
                app: n.app.clone(),
                version: n.version.clone(),
                findings: n.badges.iter().map(|b| b.code.clone()).collect(),
            })
            .collect();
        let edges = graph
            .edges()
            .map(|(from, to, e)| {
                let l7 = e.l7.as_ref();
                let l4 = e.l4.as_ref();
                let quantile = |q| l7.and_then(|l| l.latency.quantile(q));
                let join = |items: Vec<String>| (!items.is_empty()).then(|| items.join(","));
                JsonEdge {
                    source: from.id.clone(),
                    target: to.id.clone(),
                    protocol: e.protocol.as_str(),
                    rps: l7.map(|l| l.rps),
                    error_rps: l7.map(|l| l.error_rps),
                    responses: l7.map(|l| l.by_class.clone()).unwrap_or_default(),
                    latency_p50_ms: quantile(0.5),
                    latency_p95_ms: quantile(0.95),
                    latency_p99_ms: quantile(0.99),
                    request_bytes_per_second: l7.and_then(|l| l.request_bytes_per_second),
                    response_bytes_per_second: l7.and_then(|l| l.response_bytes_per_second),
                    bytes_to_server_per_second: l4.map(|l| l.bytes_to_server),
                    bytes_to_client_per_second: l4.map(|l| l.bytes_to_client),
                    tcp_connections_opened_per_second: l4.map(|l| l.connections_opened),
                    tcp_connections_closed_per_second: l4.map(|l| l.connections_closed),
                    mtls: e.security.share(),
                    via_waypoint: join(e.via_waypoint.iter().cloned().collect()),
                    via_network_gateway: !e.via_network_gateway.is_empty(),
                    failed_across_networks: e.failed_across_networks,
                    peer_hidden_by_network_gateway: e.peer_hidden_by_network_gateway,
                    rates_from: join(
                        e.rates_from
                            .iter()
                            .map(|r| r.as_str().to_string())
                            .collect(),
                    ),
                    services: e.services.iter().cloned().collect(),
                    source_principals: e.source_principals.iter().cloned().collect(),
                    destination_principals: e.destination_principals.iter().cloned().collect(),
                    infrastructure: e.infrastructure,
                    seen_in: e.seen_in.map(|s| s.as_str()),
                    trace_spans: e.traces.as_ref().map(|t| t.spans),
                    trace_errors: e.traces.as_ref().map(|t| t.errors),
                    trace_latency_p50_ms: e.traces.as_ref().and_then(|t| t.quantile_ms(0.5)),
                    trace_latency_p99_ms: e.traces.as_ref().and_then(|t| t.quantile_ms(0.99)),
                    trace_ids: e
                        .traces
                        .as_ref()
                        .map(|t| t.trace_ids.iter().cloned().collect())
                        .unwrap_or_default(),
                    exemplar_trace_ids: e
                        .exemplars
                        .iter()
                        .flat_map(|x| x.trace_ids().map(str::to_string))
                        .collect(),
                    exemplar_count: e
                        .exemplars
                        .as_ref()
                        .filter(|x| !x.recent.is_empty())
                        .map(|x| x.count),
                    findings: e.badges.iter().map(|b| b.code.clone()).collect(),
                }
            })
            .collect();
        JsonDocument {
            schema_version: JSON_SCHEMA_VERSION,
            generator: format!("meshgraph {}", env!("CARGO_PKG_VERSION")),
            graph_type: graph.graph_type.as_str(),
            at: format_rfc3339(meta.at),
            window_seconds: meta.window_seconds,
            source: meta.source.clone(),
            empty: meta.empty,
            nodes,
            edges,
            warnings: meta.warnings.clone(),
        }
    }
}

/// The graph as pretty-printed JSON with a trailing newline.
pub fn to_json(graph: &MeshGraph, meta: &SnapshotMeta) -> Result<String, ExportError> {
    let mut text = serde_json::to_string_pretty(&JsonDocument::from_graph(graph, meta))?;
    text.push('\n');
    Ok(text)
}
