//! MG910 failed-across-networks.

use crate::context::{Context, Findings};
use crate::finding::{ResourceKind, ResourceRef, Severity};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG910,
    name: "failed-across-networks",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "Calls to another network fail before any workload answers",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Calls reported only by the client, with no serving workload \
(`destination_workload=\"unknown\"`) and a `destination_cluster` other than the client's: the \
endpoint the client picked stood for the east-west gateway of another network, and the \
connection through it failed (response code 0 or 503, flags such as `UF` or `UH`).",
    why: "Every such request is lost, and no server-side series exists to show it: the \
remote cluster's graph looks healthy. Usual causes are an east-west gateway that is down or \
unreachable, a service not exposed through it (the sample `Gateway` exposes `*.local` only, so a \
cluster domain not ending in `.local` is never reachable), or clusters that do not share a root \
of trust.",
    fix: "Check the east-west gateway of the callee's network (its Service's external address, \
port 15443, the `AUTO_PASSTHROUGH` Gateway's hosts) and that the clusters trust each other's \
certificates.",
    example: "```text\nWarning [MG910] (Destination service:west/bookinfo/ratings) 0.20 req/s from east/bookinfo/reviews-v2 to service:west/bookinfo/ratings failed across networks\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    for edge in &t.reconciliation.edges {
        if !edge.failed_across_networks {
            continue;
        }
        let (rps, errors) = edge
            .l7
            .as_ref()
            .map_or((0.0, 0.0), |l| (l.rps, l.error_rps));
        let f = out.add_ref(
            Code::MG910,
            ResourceRef::new(ResourceKind::Destination, None, edge.destination.name()),
            None,
            format!(
                "{rps:.2} req/s from {} to {} failed across networks",
                edge.source,
                edge.destination.name()
            ),
        );
        f.on_edge(&edge.source, &edge.destination);
        f.evidence(format!(
            "{errors:.2}/s errors; reported only by the client ({}), no workload answered",
            edge.rates_from().map_or("-", |e| e.as_str())
        ));
    }
}
