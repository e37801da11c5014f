//! MG202 subset-not-defined.

use meshgraph_config::{Kind, hosts};

use crate::context::{Context, Findings, subsets_by_host, vs_destinations};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG202,
    name: "subset-not-defined",
    severity: Severity::Error,
    istio_code: Some("IST0101"),
    status: Status::Stable,
    summary: "VirtualService routes to a subset no DestinationRule defines",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService destination names a `subset` that no DestinationRule defines for the \
same host. Hosts are compared as FQDNs: the destination's in the VirtualService's namespace, the \
DestinationRule's in its own. A wildcard DestinationRule host covering the destination counts.",
    why: "Envoy has no cluster for the subset and answers 503 with `NR` for every request on the \
route. This is the workshop's classic: applying a routing VirtualService before the \
DestinationRule that defines `v1`, `v2`, `v3`.",
    fix: "Apply the DestinationRule that defines the subsets (for bookinfo: \
`destination-rule-all.yaml`) before, or together with, the VirtualService; or correct the subset name.",
    example: "```yaml\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: v2   # MG202 unless a DestinationRule for reviews defines v2\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let defined = subsets_by_host(cx.config);
    for vs in cx.of_kind(Kind::VirtualService) {
        let ns = vs.effective_namespace();
        for d in vs_destinations(vs) {
            let (Some(host), Some(subset)) = (d.host, d.subset) else {
                continue;
            };
            let fqdn = hosts::fqdn(host, ns);
            let exact = defined.get(&fqdn);
            if exact.is_some_and(|s| s.contains(subset)) {
                continue;
            }
            let by_wildcard = exact.is_none()
                && defined.iter().any(|(h, subsets)| {
                    h.starts_with('*') && hosts::hosts_overlap(h, &fqdn) && subsets.contains(subset)
                });
            if by_wildcard {
                continue;
            }
            let f = out.add(
                Code::MG202,
                vs,
                format!("subset {subset} of host {host} is not defined by any DestinationRule"),
            );
            f.at(&d.path);
            match exact {
                Some(s) if !s.is_empty() => f.evidence(format!(
                    "DestinationRules for {fqdn} define: {}",
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
                _ => f.evidence(format!("no DestinationRule has host {fqdn}")),
            };
        }
    }
}
