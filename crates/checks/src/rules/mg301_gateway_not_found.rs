//! MG301 gateway-not-found.

use meshgraph_config::{Kind, Object};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG301,
    name: "gateway-not-found",
    severity: Severity::Error,
    istio_code: Some("IST0101"),
    status: Status::Stable,
    summary: "VirtualService references a Gateway that does not exist",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An entry of a VirtualService's `gateways` (other than `mesh`) that names no Istio \
Gateway and no Gateway API Gateway. A bare name is looked up in the VirtualService's namespace, \
`namespace/name` in that namespace.",
    why: "The VirtualService is not bound to any gateway: traffic entering through the intended \
gateway ignores its routes (often 404 from the gateway).",
    fix: "Correct the reference (`namespace/name` when the Gateway lives elsewhere, which is \
common for `istio-system/...`), or create the Gateway.",
    example: "```yaml\nspec:\n  gateways:\n  - httpbin-gateway-bogus   # MG301\n```",
};

/// The Istio or Gateway API Gateway a `gateways[]` entry names.
pub(crate) fn resolve_gateway<'a>(
    cx: &Context<'a>,
    vs: &Object,
    entry: &str,
) -> (String, String, Option<&'a Object>) {
    let (ns, name) = match entry.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (vs.effective_namespace().to_string(), entry.to_string()),
    };
    let found = cx.named(&[Kind::Gateway, Kind::KubeGateway], &ns, &name);
    (ns, name, found)
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        for (i, entry) in vs.spec_strings("gateways").iter().enumerate() {
            if entry == "mesh"
                || crate::rules::mg309_internal_gateway_reference::is_internal_gateway(entry)
            {
                continue;
            }
            let (ns, name, found) = resolve_gateway(cx, vs, entry);
            if found.is_none() {
                out.add(
                    Code::MG301,
                    vs,
                    format!("gateway {entry} does not exist (looked for Gateway {ns}/{name})"),
                )
                .at(format!("spec/gateways[{i}]"));
            }
        }
    }
}
