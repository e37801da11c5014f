//! MG108 application-uid-1337.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG108,
    name: "application-uid-1337",
    severity: Severity::Warning,
    istio_code: Some("IST0144"),
    status: Status::Stable,
    summary: "Application container runs as UID 1337, the proxy's user",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Pod or workload outside the system namespaces whose pod `securityContext.runAsUser`, \
or the `securityContext.runAsUser` of a container other than `istio-proxy`, is 1337.",
    why: "The sidecar's iptables rules exempt traffic from UID 1337 (the proxy's own user) from \
redirection: the application's outbound traffic bypasses the proxy, unencrypted and unobserved.",
    fix: "Run the application under another UID.",
    example: "```yaml\nspec:\n  securityContext:\n    runAsUser: 1337   # MG108\n```",
};

const PROXY_UID: u64 = 1337;

fn runs_as_proxy(security_context: Option<&Value>) -> bool {
    security_context
        .and_then(|s| s.get("runAsUser"))
        .and_then(Value::as_u64)
        == Some(PROXY_UID)
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for o in cx.config.pod_carriers() {
        if o.kind == Kind::ReplicaSet || cx.config.is_system_namespace(o.effective_namespace()) {
            continue;
        }
        // Pods of a workload in the input are reported through the workload.
        if o.kind == Kind::Pod && cx.owner_in_input(o).is_some() {
            continue;
        }
        let Some(pod) = o.pod_template() else {
            continue;
        };
        let pod_level = runs_as_proxy(pod.spec.get("securityContext"));
        let container = items(pod.spec, "containers").find(|c| {
            c.get("name").and_then(Value::as_str) != Some("istio-proxy")
                && runs_as_proxy(c.get("securityContext"))
        });
        if pod_level || container.is_some() {
            let what = match container
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
            {
                Some(name) if !pod_level => format!("container {name}"),
                _ => "the pod".to_string(),
            };
            out.add(
                Code::MG108,
                o,
                format!(
                    "{what} runs as UID 1337, the sidecar's user: its traffic bypasses the proxy"
                ),
            );
        }
    }
}
