//! MG409 jwks-fetch-unrestricted.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG409,
    name: "jwks-fetch-unrestricted",
    severity: Severity::Info,
    istio_code: Some("IST0175"),
    status: Status::Stable,
    summary: "istiod fetches JWKS URIs without BLOCKED_CIDRS_IN_JWKS_URIS",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A RequestAuthentication with a `jwksUri` while the istiod Deployment of the root \
namespace sets no `BLOCKED_CIDRS_IN_JWKS_URIS` environment variable on any container. Only the \
variable's name is looked at.",
    why: "istiod fetches every `jwksUri` itself: whoever may write a RequestAuthentication can \
make istiod call internal addresses (server-side request forgery).",
    fix: "Set `BLOCKED_CIDRS_IN_JWKS_URIS` on istiod to the internal ranges (e.g. \
`10.0.0.0/8,172.16.0.0/12,192.168.0.0/16`).",
    example: "```yaml\n# istiod without BLOCKED_CIDRS_IN_JWKS_URIS, and:\nspec:\n  jwtRules:\n  - jwksUri: https://example.com/jwks.json   # MG409 on istiod\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let fetches = cx.of_kind(Kind::RequestAuthentication).any(|ra| {
        items(&ra.spec, "jwtRules").any(|r| r.get("jwksUri").and_then(Value::as_str).is_some())
    });
    if !fetches {
        return;
    }
    let root = cx.config.settings.root_namespace.as_str();
    for istiod in cx
        .of_kind(Kind::Deployment)
        .filter(|d| d.name() == "istiod" && d.effective_namespace() == root)
    {
        let Some(pod) = istiod.pod_template() else {
            continue;
        };
        let set = items(pod.spec, "containers")
            .flat_map(|c| items(c, "env"))
            .any(|e| e.get("name").and_then(Value::as_str) == Some("BLOCKED_CIDRS_IN_JWKS_URIS"));
        if !set {
            out.add(
                Code::MG409,
                istiod,
                "RequestAuthentications name JWKS URIs and istiod sets no BLOCKED_CIDRS_IN_JWKS_URIS: it fetches any address",
            );
        }
    }
}
