//! MG403 selector-matches-nothing.

use meshgraph_config::{Kind, Object};

use crate::context::{Context, Findings, labels_text};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG403,
    name: "selector-matches-nothing",
    severity: Severity::Warning,
    istio_code: Some("IST0127"),
    status: Status::Stable,
    summary: "Policy selector matches no workload",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An AuthorizationPolicy, PeerAuthentication, RequestAuthentication, Sidecar or Telemetry \
whose workload selector matches no Pod and no pod template in its namespace (in any namespace \
for policies in the root namespace). Policies bound with `targetRefs` are not checked here. A \
namespace-wide AuthorizationPolicy (no selector) outside the root namespace is reported when its \
namespace has no workloads at all.",
    why: "The policy protects or configures nothing, usually because of a label typo, and the \
workload it was meant for runs without it (e.g. without its ALLOW rules being enforced).",
    fix: "Correct the selector to the labels of the intended pods, or delete the policy.",
    example: "```yaml\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nspec:\n  selector:\n    matchLabels:\n      app: bogus-label   # MG403\n```",
};

const KINDS: &[Kind] = &[
    Kind::AuthorizationPolicy,
    Kind::PeerAuthentication,
    Kind::RequestAuthentication,
    Kind::Sidecar,
    Kind::Telemetry,
];

fn has_target_refs(o: &Object) -> bool {
    o.spec.get("targetRefs").is_some() || o.spec.get("targetRef").is_some()
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let root = cx.config.settings.root_namespace.as_str();
    for &kind in KINDS {
        for policy in cx.of_kind(kind) {
            if has_target_refs(policy) {
                continue;
            }
            let ns = policy.effective_namespace();
            let scope = (ns != root).then_some(ns);
            let istio = match kind {
                Kind::AuthorizationPolicy => Some("IST0127"),
                Kind::Sidecar | Kind::Telemetry => Some("IST0101"),
                _ => None,
            };
            match policy.selector().filter(|s| !s.is_empty()) {
                Some(selector) if cx.selected(&selector, scope).is_empty() => {
                    let path = if kind == Kind::Sidecar {
                        "spec/workloadSelector"
                    } else {
                        "spec/selector"
                    };
                    out.add(
                        Code::MG403,
                        policy,
                        format!(
                            "{kind} selector {} matches no workload",
                            labels_text(&selector)
                        ),
                    )
                    .at(path)
                    .istio_code(istio);
                }
                None if kind == Kind::AuthorizationPolicy
                    && scope.is_some()
                    && cx.selected(&Default::default(), scope).is_empty() =>
                {
                    out.add(
                        Code::MG403,
                        policy,
                        format!(
                            "namespace-wide AuthorizationPolicy applies to no workload: namespace {ns} has none"
                        ),
                    )
                    .istio_code(istio);
                }
                _ => {}
            }
        }
    }
}
