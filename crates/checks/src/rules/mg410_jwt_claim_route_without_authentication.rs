//! MG410 jwt-claim-route-unauthenticated.

use meshgraph_config::{Kind, Object, items, selector_matches};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::rules::mg301_gateway_not_found::resolve_gateway;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG410,
    name: "jwt-claim-route-unauthenticated",
    severity: Severity::Warning,
    istio_code: Some("IST0149"),
    status: Status::Stable,
    summary: "Route matches JWT claims on a gateway no RequestAuthentication applies to",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService bound to an Istio Gateway with an HTTP match on \
`@request.auth.claims.*` headers, while no RequestAuthentication applies to the gateway pods \
(one in their namespace selecting them or without selector, or one without selector in the root \
namespace).",
    why: "Claims exist only once a RequestAuthentication validated the token: the match never \
succeeds and the route is dead.",
    fix: "Add a RequestAuthentication for the gateway workload.",
    example: "```yaml\n  http:\n  - match:\n    - headers:\n        \"@request.auth.claims.group\": {exact: admin}   # no RequestAuthentication on the gateway: MG410\n```",
};

fn matches_claims(vs: &Object) -> bool {
    items(&vs.spec, "http").any(|route| {
        items(route, "match").any(|m| {
            m.get("headers")
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().any(|k| k.starts_with("@request.auth.claims")))
        })
    })
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let root = cx.config.settings.root_namespace.as_str();
    let authentications: Vec<&Object> = cx.of_kind(Kind::RequestAuthentication).collect();
    let authenticated = |pod: &Object| {
        let labels = pod.pod_template().map(|p| p.labels).unwrap_or_default();
        authentications.iter().any(|ra| {
            let selector = ra.selector().filter(|s| !s.is_empty());
            let ns = ra.effective_namespace();
            (ns == root && selector.is_none())
                || (ns == pod.effective_namespace()
                    && selector.is_none_or(|s| selector_matches(&s, &labels)))
        })
    };
    for vs in cx
        .of_kind(Kind::VirtualService)
        .filter(|v| matches_claims(v))
    {
        for entry in vs.spec_strings("gateways") {
            if entry == "mesh" {
                continue;
            }
            let Some(gw) = resolve_gateway(cx, vs, &entry).2 else {
                continue;
            };
            let Some(selector) = gw.selector().filter(|s| !s.is_empty()) else {
                continue;
            };
            let pods = cx.selected(&selector, None);
            if pods.iter().any(|p| !authenticated(p)) {
                out.add(
                    Code::MG410,
                    vs,
                    format!("matches JWT claims, but no RequestAuthentication applies to the pods of gateway {entry}"),
                );
                break;
            }
        }
    }
}
