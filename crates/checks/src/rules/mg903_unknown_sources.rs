//! MG903 unknown-sources.

use meshgraph_core::Endpoint;
use meshgraph_model::Emitter;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG903,
    name: "unknown-sources",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "Meshed workload receives traffic from unidentified sources",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Traffic reported by the destination side (sidecar, ztunnel or waypoint) into a meshed \
workload from a source Istio could not identify (`source_workload=\"unknown\"`).",
    why: "The caller is outside the mesh or has no identity: its requests bypass mTLS and \
principal-based authorization, and the graph cannot say who it is (Kiali's \"unknown\" node).",
    fix: "Find the caller (pod IPs in the server's access log) and mesh it, or tighten the \
server's PeerAuthentication to STRICT once every legitimate caller is meshed.",
    example: "```text\nWarning [MG903] (Deployment bookinfo/productpage-v1) 3.00 req/s from unidentified sources\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    for edge in &t.reconciliation.edges {
        let (Endpoint::Unknown, Endpoint::Workload(dest)) = (&edge.source, &edge.destination)
        else {
            continue;
        };
        let Some(from) = edge.rates_from() else {
            continue;
        };
        if !matches!(
            from,
            Emitter::EnvoyDestination | Emitter::ZtunnelDestination | Emitter::Waypoint
        ) {
            continue;
        }
        let rate = edge
            .l7
            .as_ref()
            .map(|l| format!("{:.2} req/s", l.rps))
            .or_else(|| {
                edge.l4
                    .as_ref()
                    .map(|l| format!("{:.2} connections/s", l.connections_opened))
            })
            .unwrap_or_default();
        let (resource, object) = cx.workload_resource(dest);
        let f = out.add_ref(
            Code::MG903,
            resource,
            object,
            format!("{dest} receives {rate} from unidentified sources"),
        );
        f.on_edge(&edge.source, &edge.destination);
        f.evidence(format!("reported by {from}"));
        if !edge.services.is_empty() {
            f.evidence(format!(
                "services: {}",
                edge.services.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
}
