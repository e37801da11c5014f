//! MG907 traces-metrics-disagree.

use meshgraph_core::{Endpoint, SeenIn};
use meshgraph_model::Emitter;

use crate::context::{Context, Findings};
use crate::finding::ResourceRef;
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

/// Requests per second from which a traced edge is expected to have at least
/// one sampled span over a window (Istio samples 1% by default).
const BUSY_RPS: f64 = 1.0;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG907,
    name: "traces-metrics-disagree",
    severity: Severity::Info,
    istio_code: None,
    status: Status::Stable,
    summary: "An edge is seen in traces but not in metrics, or the reverse",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An edge that traces show but no metric series does, or a busy HTTP edge between \
proxies that emit spans (sidecars, gateways) with no sampled span over the window. Runs only \
when traces were collected.",
    why: "Traces and metrics come from the same proxies: disagreement means one pipeline loses \
data (a caller without a proxy, spans dropped by the collector, a tracing header not propagated \
by the application, metrics relabelled away) and whatever relies on the missing one is blind.",
    fix: "For a traces-only edge, check that the caller runs a proxy and that Prometheus scrapes \
it. For a metrics-only edge, check the tracing provider and sampling rate (Telemetry resource), \
and that the application forwards the trace headers.",
    example: "```text\nInfo [MG907] (Workload unknown/frontend) frontend -> route is seen in 10 sampled spans but in no metric series\n```",
};

fn resource<'a>(
    cx: &Context<'a>,
    endpoint: &Endpoint,
) -> Option<(ResourceRef, Option<&'a meshgraph_config::Object>)> {
    match endpoint {
        Endpoint::Workload(w) => Some(cx.workload_resource(w)),
        _ => None,
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    if t.reconciliation.edges.iter().all(|e| e.seen_in.is_none()) {
        return; // no traces collected
    }
    for edge in &t.reconciliation.edges {
        let Some((resource, object)) =
            resource(cx, &edge.source).or_else(|| resource(cx, &edge.destination))
        else {
            continue;
        };
        match edge.seen_in {
            Some(SeenIn::Traces) => {
                let spans = edge.traces.as_ref().map_or(0, |t| t.spans);
                let f = out.add_ref(
                    Code::MG907,
                    resource,
                    object,
                    format!(
                        "{} -> {} is seen in {spans} sampled spans but in no metric series",
                        edge.source, edge.destination
                    ),
                );
                f.on_edge(&edge.source, &edge.destination);
                if let Some(traces) = &edge.traces {
                    for id in &traces.trace_ids {
                        f.evidence(format!("trace {id}"));
                    }
                }
            }
            Some(SeenIn::Metrics) => {
                let Some(rps) = edge.l7.as_ref().map(|l| l.rps) else {
                    continue;
                };
                // Waypoint spans cannot be paired before Istio 1.29, ztunnel emits none.
                let traced = matches!(
                    edge.l7_from,
                    Some(Emitter::EnvoyDestination | Emitter::EnvoySource | Emitter::Gateway)
                );
                if rps < BUSY_RPS || !traced {
                    continue;
                }
                let f = out.add_ref(
                    Code::MG907,
                    resource,
                    object,
                    format!(
                        "{} -> {} carries {rps:.2} req/s but no sampled span",
                        edge.source, edge.destination
                    ),
                );
                f.on_edge(&edge.source, &edge.destination);
                f.evidence(format!(
                    "rates from {}",
                    edge.l7_from.map_or("-", |e| e.as_str())
                ));
            }
            _ => {}
        }
    }
}
