//! MG310 gateway-api-crd-too-old.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG310,
    name: "gateway-api-crd-too-old",
    severity: Severity::Error,
    istio_code: Some("IST0176"),
    status: Status::Preview,
    summary: "Gateway API CRD serves no version Istio supports",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A CustomResourceDefinition of group `gateway.networking.k8s.io` that serves none of \
the versions current Istio reads for its kind (Gateway, GatewayClass, HTTPRoute, GRPCRoute: v1; \
ReferenceGrant: v1beta1 or v1; TLSRoute: v1alpha3 or v1; TCPRoute, UDPRoute: v1alpha2).",
    why: "Istio does not watch a version it does not know: the routes of that kind are ignored.",
    fix: "Install the Gateway API CRDs of the release the Istio version documents.",
    example: "```yaml\n# tlsroutes.gateway.networking.k8s.io serving only v1alpha2: MG310\n```",
};

/// The versions Istio reads, by kind.
const SUPPORTED: &[(&str, &[&str])] = &[
    ("Gateway", &["v1"]),
    ("GatewayClass", &["v1"]),
    ("HTTPRoute", &["v1"]),
    ("GRPCRoute", &["v1"]),
    ("ReferenceGrant", &["v1beta1", "v1"]),
    ("TLSRoute", &["v1alpha3", "v1"]),
    ("TCPRoute", &["v1alpha2", "v1"]),
    ("UDPRoute", &["v1alpha2", "v1"]),
];

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for crd in cx.of_kind(Kind::CustomResourceDefinition) {
        if crd.spec.get("group").and_then(Value::as_str) != Some("gateway.networking.k8s.io") {
            continue;
        }
        let Some(kind) = crd.spec_at(&["names", "kind"]).and_then(Value::as_str) else {
            continue;
        };
        let Some((_, wanted)) = SUPPORTED.iter().find(|(k, _)| *k == kind) else {
            continue;
        };
        let served: Vec<&str> = items(&crd.spec, "versions")
            .filter(|v| v.get("served").and_then(Value::as_bool) != Some(false))
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .collect();
        if !served.iter().any(|v| wanted.contains(v)) {
            out.add(
                Code::MG310,
                crd,
                format!(
                    "{kind} is served as {}, Istio reads {}",
                    served.join(", "),
                    wanted.join(" or ")
                ),
            )
            .at("spec/versions");
        }
    }
}
