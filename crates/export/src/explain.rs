//! Rendering `meshgraph explain`: text for people, JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write;

use meshgraph_core::reconcile::{Disposition, Reconciliation};
use meshgraph_core::{Endpoint, Explanation};
use meshgraph_model::Observation;
use serde::Serialize;

fn endpoint_name(e: &Endpoint) -> String {
    e.name()
}

fn edge_name(rec: &Reconciliation, index: usize) -> String {
    let e = &rec.edges[index];
    format!(
        "{} -> {}",
        endpoint_name(&e.source),
        endpoint_name(&e.destination)
    )
}

#[derive(Debug, Serialize)]
struct JsonExplanation {
    source: String,
    destination: String,
    edges: Vec<JsonEdge>,
    series: Vec<JsonSeries>,
}

#[derive(Debug, Serialize)]
struct JsonEdge {
    source: String,
    target: String,
    protocol: &'static str,
    rates_from: Option<&'static str>,
    via_waypoint: Option<String>,
    /// East-west gateways the call crossed networks through (multi-cluster only).
    #[serde(skip_serializing_if = "Option::is_none")]
    via_network_gateway: Option<String>,
    rps: Option<f64>,
    error_rps: Option<f64>,
    /// Why the edge looks as it does, when a multi-cluster rule shaped it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    why: Vec<String>,
    /// Trace ids from Prometheus exemplars, the most recent first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exemplar_trace_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exemplar_count: Option<u64>,
}

/// Workloads as `a,b`; `None` when there are none.
fn joined(set: &std::collections::BTreeSet<meshgraph_core::WorkloadRef>) -> Option<String> {
    (!set.is_empty()).then(|| {
        set.iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// What the multi-cluster rules did to an edge, in words (docs/multicluster.md).
fn why(e: &meshgraph_core::LogicalEdge) -> Vec<String> {
    let mut out = Vec::new();
    let gateways = joined(&e.via_network_gateway).unwrap_or_default();
    if e.peer_hidden_by_network_gateway && matches!(e.destination, Endpoint::Workload(_)) {
        out.push(format!(
            "the client's ztunnel saw only the east-west gateway {gateways} (no peer metadata across networks before Istio 1.29 baggage); the server's ztunnel reported the same caller principal with an unknown source, and it is the only server of that service in that cluster to do so: the two halves are one call, rated from the client's ztunnel"
        ));
    } else if e.peer_hidden_by_network_gateway {
        out.push(format!(
            "the client's ztunnel saw only the east-west gateway {gateways}: before peer metadata crossed networks (Istio 1.29 baggage) the serving workload is not in the telemetry, and no single server-side report with the caller's principal names it, so the call ends at the service in the gateway's cluster"
        ));
    } else if !gateways.is_empty() {
        out.push(format!(
            "crossed networks through the east-west gateway {gateways}: its TCP passthrough series are the transport of this call, never an edge, and their bytes are not added to its rates"
        ));
    }
    if e.failed_across_networks {
        out.push(format!(
            "failed across networks: only the client reported, no workload answered (destination_workload unknown), and the endpoint it picked was in cluster {} (the east-west gateway of that network); no server-side series can exist",
            e.destination.cluster()
        ));
    }
    out
}

#[derive(Debug, Serialize)]
struct JsonSeries {
    emitter: &'static str,
    metric: &'static str,
    labels: BTreeMap<String, String>,
    value: f64,
    /// A latency histogram read as one series: its bounds and cumulative
    /// rates (`value` is the highest bound's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    buckets: Vec<JsonBucket>,
    disposition: JsonDisposition,
}

#[derive(Debug, Serialize)]
struct JsonBucket {
    /// As Prometheus writes `le` (`+Inf`).
    le: String,
    rate: f64,
}

#[derive(Debug, Serialize)]
struct JsonDisposition {
    action: &'static str,
    /// What the action means, in words.
    meaning: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    edges: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waypoint: Option<String>,
}

fn disposition(rec: &Reconciliation, d: &Disposition) -> JsonDisposition {
    let edge = |i: &usize| vec![edge_name(rec, *i)];
    // A hop (through a waypoint or an east-west gateway) and the edges it marks.
    let hop =
        |action, meaning, edges: &[usize], through: &meshgraph_core::WorkloadRef| JsonDisposition {
            action,
            meaning,
            edges: edges.iter().map(|i| edge_name(rec, *i)).collect(),
            of: None,
            waypoint: Some(through.to_string()),
        };
    match d {
        Disposition::Rates { edge: e, emitter } => JsonDisposition {
            action: "rates",
            meaning: format!("kept: the edge's rates come from {emitter}"),
            edges: edge(e),
            of: None,
            waypoint: None,
        },
        Disposition::FailedBeforeServer { edge: e } => JsonDisposition {
            action: "failed_before_server",
            meaning: "kept: requests that failed before any server saw them, added to the rates"
                .into(),
            edges: edge(e),
            of: None,
            waypoint: None,
        },
        Disposition::Transport { edge: e, emitter } => JsonDisposition {
            action: "transport",
            meaning: format!("kept as the transport (TCP) figures of an L7 edge, from {emitter}"),
            edges: edge(e),
            of: None,
            waypoint: None,
        },
        Disposition::WaypointHop { waypoint, edges } => hop(
            "waypoint_hop",
            format!(
                "dropped as a hop through waypoint {waypoint}: not an edge of its own; marks {} edge(s) as via the waypoint",
                edges.len()
            ),
            edges,
            waypoint,
        ),
        Disposition::Duplicate { edge: e, of } => JsonDisposition {
            action: "duplicate",
            meaning: format!("dropped: the same traffic as reported by {of}, which gave the rates"),
            edges: edge(e),
            of: Some(of.as_str()),
            waypoint: None,
        },
        Disposition::NetworkGatewayHop { gateway, edges } => hop(
            "network_gateway_hop",
            format!(
                "dropped as a hop through east-west gateway {gateway}: the TCP passthrough of calls from another network, not an edge; marks {} edge(s) as via the network gateway, its bytes kept apart",
                edges.len()
            ),
            edges,
            gateway,
        ),
    }
}

fn build(rec: &Reconciliation, observations: &[Observation], ex: &Explanation) -> JsonExplanation {
    JsonExplanation {
        source: endpoint_name(&ex.source),
        destination: endpoint_name(&ex.destination),
        edges: ex
            .edges
            .iter()
            .map(|&i| {
                let e = &rec.edges[i];
                JsonEdge {
                    source: endpoint_name(&e.source),
                    target: endpoint_name(&e.destination),
                    protocol: e.protocol.as_str(),
                    rates_from: e.rates_from().map(|r| r.as_str()),
                    via_waypoint: joined(&e.via_waypoint),
                    via_network_gateway: joined(&e.via_network_gateway),
                    rps: e.l7.as_ref().map(|l| l.rps),
                    error_rps: e.l7.as_ref().map(|l| l.error_rps),
                    why: why(e),
                    exemplar_trace_ids: e
                        .exemplars
                        .iter()
                        .flat_map(|x| x.trace_ids().map(str::to_string))
                        .collect(),
                    exemplar_count: e.exemplars.as_ref().map(|x| x.count),
                }
            })
            .collect(),
        series: ex
            .series
            .iter()
            .map(|s| {
                let obs = &observations[s.observation];
                JsonSeries {
                    emitter: s.emitter.as_str(),
                    metric: obs.metric.series_name(),
                    labels: obs.labels().into_iter().collect(),
                    value: obs.value,
                    buckets: obs
                        .buckets
                        .iter()
                        .map(|&(le, rate)| JsonBucket {
                            le: meshgraph_model::format_le(le),
                            rate,
                        })
                        .collect(),
                    disposition: disposition(rec, &s.disposition),
                }
            })
            .collect(),
    }
}

/// The explanation as pretty JSON.
pub fn explain_json(
    rec: &Reconciliation,
    observations: &[Observation],
    ex: &Explanation,
) -> Result<String, crate::ExportError> {
    let mut text = serde_json::to_string_pretty(&build(rec, observations, ex))?;
    text.push('\n');
    Ok(text)
}

/// Labels worth reading first; the rest are in the JSON form.
const KEY_LABELS: &[&str] = &[
    "reporter",
    "source_workload",
    "destination_workload",
    "destination_service",
    "request_protocol",
    "response_code",
    "response_flags",
    "connection_security_policy",
    "le",
];

/// The explanation as text, grouped by emitter; control characters from
/// names and label values are escaped.
pub fn explain_text(
    rec: &Reconciliation,
    observations: &[Observation],
    ex: &Explanation,
) -> String {
    meshgraph_model::escape_controls(&explain_text_raw(rec, observations, ex))
}

fn explain_text_raw(
    rec: &Reconciliation,
    observations: &[Observation],
    ex: &Explanation,
) -> String {
    let doc = build(rec, observations, ex);
    let mut out = String::new();
    let _ = writeln!(out, "{} -> {}", doc.source, doc.destination);
    if doc.edges.is_empty() {
        let _ = writeln!(
            out,
            "  no logical edge: these series were not drawn as an edge of their own"
        );
    }
    for e in &doc.edges {
        let _ = write!(out, "  edge: {}", e.protocol);
        if let Some(rps) = e.rps {
            let _ = write!(
                out,
                ", {} rps, {} errors/s",
                human(rps),
                human(e.error_rps.unwrap_or(0.0))
            );
        }
        let _ = write!(out, ", rates from {}", e.rates_from.unwrap_or("-"));
        if let Some(w) = &e.via_waypoint {
            let _ = write!(out, ", via waypoint {w}");
        }
        if let Some(w) = &e.via_network_gateway {
            let _ = write!(out, ", via network gateway {w}");
        }
        out.push('\n');
        for line in &e.why {
            let _ = writeln!(out, "  why: {line}");
        }
        if let Some(count) = e.exemplar_count {
            let _ = writeln!(
                out,
                "  exemplars: {count} trace id(s) in Prometheus; latest: {}",
                e.exemplar_trace_ids.join(", ")
            );
        }
    }
    let mut current = "";
    let mut buckets_done = std::collections::BTreeSet::new();
    for s in &doc.series {
        // A histogram is one line: its buckets differ only in `le`.
        let is_bucket = s.metric.ends_with("_bucket");
        if is_bucket {
            let mut key = s.labels.clone();
            key.remove("le");
            if !buckets_done.insert((s.emitter, key)) {
                continue;
            }
        }
        if s.emitter != current {
            current = s.emitter;
            let count = doc.series.iter().filter(|x| x.emitter == current).count();
            let _ = writeln!(out, "\n{current} ({count} series)");
        }
        let labels: Vec<String> = KEY_LABELS
            .iter()
            .filter_map(|k| s.labels.get(*k).map(|v| format!("{k}={v:?}")))
            .collect();
        if is_bucket {
            let labels: Vec<&String> = labels.iter().filter(|l| !l.starts_with("le=")).collect();
            let labels: Vec<&str> = labels.iter().map(|l| l.as_str()).collect();
            let folded = s.buckets.iter().filter(|b| b.le == "+Inf").map(|b| b.rate);
            let total = doc
                .series
                .iter()
                .filter(|x| {
                    x.emitter == s.emitter
                        && x.metric == s.metric
                        && x.labels.get("le").map(String::as_str) == Some("+Inf")
                })
                .filter(|x| {
                    x.labels
                        .iter()
                        .all(|(k, v)| k == "le" || s.labels.get(k) == Some(v))
                })
                .map(|x| x.value)
                .chain(folded)
                .sum::<f64>();
            let _ = writeln!(
                out,
                "  {}{{{}}} all buckets, +Inf {}",
                s.metric,
                labels.join(", "),
                human(total)
            );
        } else {
            let _ = writeln!(
                out,
                "  {}{{{}}} {}",
                s.metric,
                labels.join(", "),
                human(s.value)
            );
        }
        let _ = writeln!(out, "    -> {}", s.disposition.meaning);
    }
    if doc.series.is_empty() {
        let _ = writeln!(out, "\nno series touch this pair");
    }
    out
}

/// A rate for people: four significant digits, no trailing zeros
/// (`1.2000000000000002` is `1.2`). The JSON keeps full precision.
fn human(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn rates_are_rounded_for_people() {
        assert_eq!(human(1.2000000000000002), "1.2");
        assert_eq!(human(0.4), "0.4");
        assert_eq!(human(12000.0), "12000");
        assert_eq!(human(4.0), "4");
        assert_eq!(human(0.000123456), "0.0001235");
        assert_eq!(human(-2.5), "-2.5");
        assert_eq!(human(0.0), "0");
        assert_eq!(human(1234.5678), "1235");
    }
}
