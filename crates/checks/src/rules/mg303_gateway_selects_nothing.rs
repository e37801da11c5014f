//! MG303 gateway-selects-nothing.

use meshgraph_config::Kind;

use crate::context::{Context, Findings, labels_text};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG303,
    name: "gateway-selects-nothing",
    severity: Severity::Warning,
    istio_code: Some("IST0101"),
    status: Status::Stable,
    summary: "Gateway selector matches no workload",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An Istio Gateway whose `selector` matches no Pod and no pod template in any namespace.",
    why: "No gateway deployment loads the Gateway's servers: the ports and hosts it declares are \
not listened on anywhere.",
    fix: "Match the labels of the gateway deployment (`istio: ingressgateway` for the default \
install, `istio: ingress` for the Helm chart). When checking only application manifests, add \
the gateway's Deployment to the input or silence with `meshgraph.io/ignore: MG303`.",
    example: "```yaml\nspec:\n  selector:\n    istio: ingresstypo   # MG303\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for gw in cx.of_kind(Kind::Gateway) {
        let Some(selector) = gw.selector().filter(|s| !s.is_empty()) else {
            continue;
        };
        if cx.selected(&selector, None).is_empty() {
            out.add(
                Code::MG303,
                gw,
                format!(
                    "Gateway selector {} matches no workload",
                    labels_text(&selector)
                ),
            )
            .at("spec/selector");
        }
    }
}
