//! MG908 cross-cluster-plaintext.

use meshgraph_core::Endpoint;

use crate::context::{Context, Findings};
use crate::finding::{ResourceKind, ResourceRef, Severity};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG908,
    name: "cross-cluster-plaintext",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Stable,
    summary: "Traffic between clusters is not mutual TLS",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A call whose caller and callee are in different clusters (Istio's `source_cluster` \
and `destination_cluster`) and whose server-side telemetry shows plaintext \
(`connection_security_policy` other than `mutual_tls`, as weighed by the reconciliation).",
    why: "Between clusters the traffic leaves the cluster network: across networks it passes \
an east-west gateway that only forwards mTLS by SNI, and on a flat network it crosses \
infrastructure neither cluster controls. Plaintext there is readable and unauthenticated, and \
principal-based authorization cannot apply to it.",
    fix: "Make sure both ends have a proxy and that the callee's PeerAuthentication is STRICT; \
check that the clusters share a root of trust so that mTLS can be established between them.",
    example: "```text\nError [MG908] (Deployment bookinfo/ratings-v1) 0.40/s of plaintext from east/bookinfo/reviews-v2 to west/bookinfo/ratings-v1 cross clusters\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    for edge in &t.reconciliation.edges {
        let (from, to) = (edge.source.cluster(), edge.destination.cluster());
        if from.is_empty() || to.is_empty() || from == to || from == "unknown" || to == "unknown" {
            continue;
        }
        let plaintext = edge.security.observed - edge.security.mutual_tls;
        if edge.security.observed <= 0.0 || plaintext <= 1e-9 {
            continue;
        }
        let (resource, object) = match &edge.destination {
            Endpoint::Workload(w) => cx.workload_resource(w),
            other => (
                ResourceRef::new(ResourceKind::Destination, None, other.name()),
                None,
            ),
        };
        let f = out.add_ref(
            Code::MG908,
            resource,
            object,
            format!(
                "{plaintext:.2}/s of plaintext from {} to {} cross clusters",
                edge.source, edge.destination
            ),
        );
        f.on_edge(&edge.source, &edge.destination);
        f.evidence(format!(
            "mutual TLS on {:.2} of {:.2}/s seen by the server side",
            edge.security.mutual_tls, edge.security.observed
        ));
    }
}
