//! MG216 subset-routing-bypassed-by-gateway.

use std::collections::BTreeSet;

use meshgraph_config::{Kind, hosts};

use crate::context::{Context, Findings, vs_destinations, vs_is_mesh_bound};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG216,
    name: "subset-routing-bypassed-by-gateway",
    severity: Severity::Warning,
    istio_code: Some("IST0140"),
    status: Status::Stable,
    summary: "Gateway route skips the subsets the mesh routes the same host to",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService bound only to gateways that routes to a host without a subset, \
while a mesh VirtualService for that host routes to subsets.",
    why: "A gateway does not apply the mesh VirtualService: traffic entering through it \
reaches every version of the service, whatever the mesh routing says.",
    fix: "Route to the same subsets in the gateway VirtualService, or bind one VirtualService \
to both the gateway and `mesh`.",
    example: "```yaml\nspec:\n  gateways: [istio-system/public]\n  http:\n  - route:\n    - destination: {host: ratings}   # mesh routes ratings to v1: MG216\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // Hosts mesh VirtualServices route to subsets.
    let mut subset_routed = BTreeSet::new();
    for vs in cx
        .of_kind(Kind::VirtualService)
        .filter(|v| vs_is_mesh_bound(v))
    {
        if vs_destinations(vs).iter().any(|d| d.subset.is_some()) {
            let ns = vs.effective_namespace();
            subset_routed.extend(vs.spec_strings("hosts").iter().map(|h| hosts::fqdn(h, ns)));
        }
    }
    for vs in cx
        .of_kind(Kind::VirtualService)
        .filter(|v| !vs_is_mesh_bound(v))
    {
        let ns = vs.effective_namespace();
        for d in vs_destinations(vs) {
            let Some(host) = d.host.filter(|_| d.subset.is_none()) else {
                continue;
            };
            if subset_routed.contains(&hosts::fqdn(host, ns)) {
                out.add(
                    Code::MG216,
                    vs,
                    format!("routes to {host} without a subset, while the mesh routes it to subsets: the gateway ignores the mesh routing"),
                )
                .at(d.path.clone());
            }
        }
    }
}
