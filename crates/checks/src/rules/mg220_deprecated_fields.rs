//! MG220 deprecated-field.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG220,
    name: "deprecated-field",
    severity: Severity::Info,
    istio_code: Some("IST0002"),
    status: Status::Stable,
    summary: "Routing resource uses a field Istio deprecated",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService with `http[].fault.delay.percent`, `http[].fault.abort.percent` \
(use `percentage`) or `http[].mirrorPercent` (use `mirrorPercentage`); a Sidecar with \
`outboundTrafficPolicy.egressProxy`. Reported once per object.",
    why: "Deprecated fields are removed in a later Istio release; the resource then stops \
validating or behaves differently.",
    fix: "Use the replacement field.",
    example: "```yaml\n  http:\n  - fault:\n      delay:\n        percent: 50   # use percentage: MG220\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        let found = items(&vs.spec, "http").enumerate().find_map(|(i, route)| {
            if route.get("mirrorPercent").is_some() {
                return Some((
                    format!("spec/http[{i}]/mirrorPercent"),
                    "mirrorPercent (use mirrorPercentage)",
                ));
            }
            ["delay", "abort"].iter().find_map(|f| {
                route
                    .get("fault")
                    .and_then(|fault| fault.get(*f))
                    .and_then(|x| x.get("percent"))
                    .map(|_| {
                        (
                            format!("spec/http[{i}]/fault/{f}/percent"),
                            "fault percent (use percentage)",
                        )
                    })
            })
        });
        if let Some((path, what)) = found {
            out.add(Code::MG220, vs, format!("uses the deprecated field {what}"))
                .at(path);
        }
    }
    for sidecar in cx.of_kind(Kind::Sidecar) {
        if sidecar
            .spec_at(&["outboundTrafficPolicy", "egressProxy"])
            .is_some_and(|v| !v.is_null() && *v != Value::Bool(false))
        {
            out.add(
                Code::MG220,
                sidecar,
                "uses the deprecated field outboundTrafficPolicy.egressProxy",
            )
            .at("spec/outboundTrafficPolicy/egressProxy");
        }
    }
}
