//! MG204 destination-rule-host-not-found.

use meshgraph_config::Kind;
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::rules::mg208_two_part_host::two_part_service;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG204,
    name: "destination-rule-host-not-found",
    severity: Severity::Warning,
    istio_code: Some("IST0174"),
    status: Status::Stable,
    summary: "DestinationRule host is no visible Service or ServiceEntry",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A DestinationRule whose `host` is neither a Service nor a ServiceEntry host visible \
from its namespace (wildcard hosts are not checked).",
    why: "The traffic policy and subsets apply to nothing; whatever it was meant to configure \
(mTLS mode, load balancing, outlier detection) silently does not happen.",
    fix: "Correct the host, or create the Service or ServiceEntry it refers to.",
    example: "```yaml\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: fake-host\n  namespace: default\nspec:\n  host: fake-svc.default.svc.cluster.local   # MG204\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for dr in cx.of_kind(Kind::DestinationRule) {
        let Some(host) = dr.spec.get("host").and_then(Value::as_str) else {
            out.add(Code::MG204, dr, "DestinationRule has no host")
                .at("spec/host");
            continue;
        };
        if host.starts_with('*') || two_part_service(cx, host).is_some() {
            continue;
        }
        if !cx.hosts.visible(dr.effective_namespace(), host) {
            out.add(
                Code::MG204,
                dr,
                format!("host {host} is neither a visible Service nor a ServiceEntry host"),
            )
            .at("spec/host");
        }
    }
}
