//! Joining trace-derived calls with the metric edges (issue: traces).
//!
//! Traces confirm edges, reveal calls metrics miss (callers without a proxy)
//! and carry latency samples and example trace ids. Counts from traces are
//! samples: rates always come from metrics.

use std::collections::{BTreeSet, HashMap};

use meshgraph_model::Protocol;
use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};

use crate::endpoint::{Endpoint, WorkloadRef};
use crate::reconcile::{LogicalEdge, Reconciliation};

/// What the traces say about one edge.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct TraceFigures {
    /// Sampled spans (or span pairs) seen for the edge.
    pub spans: u64,
    pub errors: u64,
    /// Span durations in milliseconds, for latency percentiles.
    pub durations_ms: Vec<f64>,
    /// A few trace ids to click through, sorted.
    pub trace_ids: BTreeSet<String>,
}

impl TraceFigures {
    pub fn add(&mut self, other: &TraceFigures) {
        self.spans += other.spans;
        self.errors += other.errors;
        self.durations_ms.extend_from_slice(&other.durations_ms);
        for id in &other.trace_ids {
            if self.trace_ids.len() >= TraceCall::MAX_TRACE_IDS {
                break;
            }
            self.trace_ids.insert(id.clone());
        }
    }

    /// The q-quantile of the sampled durations (nearest rank), `None` without samples.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.durations_ms.is_empty() {
            return None;
        }
        let mut sorted = self.durations_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let rank =
            ((q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        Some(sorted[rank - 1])
    }

    fn of(call: &TraceCall) -> TraceFigures {
        TraceFigures {
            spans: call.spans,
            errors: call.errors,
            durations_ms: call.durations_ms.clone(),
            trace_ids: call
                .trace_ids
                .iter()
                .take(TraceCall::MAX_TRACE_IDS)
                .cloned()
                .collect(),
        }
    }
}

/// Which sources saw an edge, once traces were collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeenIn {
    Metrics,
    Traces,
    Both,
}

impl SeenIn {
    pub fn as_str(self) -> &'static str {
        match self {
            SeenIn::Metrics => "metrics",
            SeenIn::Traces => "traces",
            SeenIn::Both => "both",
        }
    }
}

fn endpoint_of(peer: &TracePeer) -> Endpoint {
    match peer {
        TracePeer::Workload { namespace, name } => {
            Endpoint::Workload(WorkloadRef::new(namespace, name))
        }
        TracePeer::Service { namespace, name } => Endpoint::Service {
            cluster: String::new(),
            namespace: namespace.clone(),
            name: name.clone(),
        },
        TracePeer::Virtual { name } => Endpoint::External { host: name.clone() },
        TracePeer::Unknown => Endpoint::Unknown,
    }
}

/// Whether a metric edge is the one a trace call describes: same source, and
/// the same destination workload, or a destination serving the traced service.
fn describes(edge: &LogicalEdge, source: &Endpoint, destination: &Endpoint) -> bool {
    // Spans name no cluster: in a multi-cluster mesh they match the edge of
    // that workload in any cluster (docs/multicluster.md, "Limits").
    if &edge.source.without_cluster() != source {
        return false;
    }
    match destination {
        Endpoint::Service {
            namespace, name, ..
        } => {
            edge.destination.without_cluster() == *destination
                || edge.services.iter().any(|fqdn| {
                    let service = meshgraph_model::ServiceRef::identity_of_fqdn(fqdn);
                    service.namespace == *namespace && service.name == *name
                })
        }
        other => &edge.destination.without_cluster() == other,
    }
}

/// Adds trace figures to the reconciled edges. Edges seen only in traces are
/// added (protocol `http`, no rates); every edge is marked with where it was
/// seen. A call to a service with several backends goes to the busiest one.
pub fn merge_traces(rec: &mut Reconciliation, calls: &[TraceCall]) {
    for edge in &mut rec.edges {
        edge.seen_in = Some(SeenIn::Metrics);
    }
    // Calls whose caller is known first, so that server-only spans (whose
    // caller had no tracing proxy) can then go to an edge nothing else confirmed.
    let mut ordered: Vec<&TraceCall> = calls.iter().collect();
    ordered.sort_by_key(|c| c.evidence == TraceEvidence::ServerOnly);
    let rps = |e: &LogicalEdge| e.l7.as_ref().map_or(0.0, |l| l.rps);
    // Indexes by source and by destination, so each call looks only at its
    // candidates (a scan of every edge per call would be quadratic).
    let mut by_source: HashMap<Endpoint, Vec<usize>> = HashMap::new();
    let mut by_destination: HashMap<Endpoint, Vec<usize>> = HashMap::new();
    for (i, edge) in rec.edges.iter().enumerate() {
        by_source
            .entry(edge.source.without_cluster())
            .or_default()
            .push(i);
        by_destination
            .entry(edge.destination.without_cluster())
            .or_default()
            .push(i);
    }
    for call in ordered {
        let (source, destination) = (endpoint_of(&call.source), endpoint_of(&call.destination));
        let figures = TraceFigures::of(call);
        let edges = &rec.edges;
        let busiest = |candidates: Option<&Vec<usize>>, keep: &dyn Fn(&LogicalEdge) -> bool| {
            candidates
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| keep(&edges[i]))
                .max_by(|&a, &b| rps(&edges[a]).total_cmp(&rps(&edges[b])))
        };
        let mut target = busiest(by_source.get(&source), &|e| {
            describes(e, &source, &destination)
        });
        if target.is_none() && call.evidence == TraceEvidence::ServerOnly {
            // The caller sent no span (ztunnel, an untraced client): the
            // metrics know it. Take the busiest unconfirmed edge into the server.
            target = busiest(by_destination.get(&destination), &|e| {
                e.seen_in == Some(SeenIn::Metrics)
            });
        }
        let index = match target {
            Some(i) => i,
            None => {
                let mut edge = LogicalEdge::new(source.clone(), destination.clone());
                edge.protocol = Protocol::Http;
                edge.seen_in = Some(SeenIn::Traces);
                rec.edges.push(edge);
                let i = rec.edges.len() - 1;
                by_source.entry(source).or_default().push(i);
                by_destination.entry(destination).or_default().push(i);
                i
            }
        };
        let edge = &mut rec.edges[index];
        edge.traces
            .get_or_insert_with(TraceFigures::default)
            .add(&figures);
        if edge.seen_in == Some(SeenIn::Metrics) {
            edge.seen_in = Some(SeenIn::Both);
        }
    }
    rec.sort_edges();
}
