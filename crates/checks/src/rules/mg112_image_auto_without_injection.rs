//! MG112 image-auto-without-injection.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG112,
    name: "image-auto-without-injection",
    severity: Severity::Warning,
    istio_code: Some("IST0146"),
    status: Status::Stable,
    summary: "Container image `auto` that no injection will replace",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A workload with a container `image: auto` (the placeholder the injector replaces, \
used by gateway deployments) in a pod template the injector will not process (IST0146, warning), \
or a Pod that still has `image: auto`, which is never replaced once the Pod exists (IST0147, \
error).",
    why: "`auto` is no image: the pods fail to start with an image pull error.",
    fix: "Enable injection for the namespace (`istio-injection=enabled` or `istio.io/rev`), or \
remove `sidecar.istio.io/inject: \"false\"` from the template.",
    example: "```yaml\n      containers:\n      - name: istio-proxy\n        image: auto   # namespace not injected: MG112\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for o in cx.config.pod_carriers() {
        if o.kind == Kind::ReplicaSet {
            continue;
        }
        let Some(pod) = o.pod_template() else {
            continue;
        };
        let auto = items(pod.spec, "containers")
            .find(|c| c.get("image").and_then(Value::as_str) == Some("auto"))
            .and_then(|c| c.get("name").and_then(Value::as_str));
        let Some(container) = auto else {
            continue;
        };
        if o.kind == Kind::Pod {
            out.add(
                Code::MG112,
                o,
                format!("container {container} still has image auto: the Pod was not injected and cannot start"),
            )
            .severity(Severity::Error)
            .istio_code(Some("IST0147"));
        } else if !cx.membership(o).is_some_and(|m| m.injection_expected) {
            out.add(
                Code::MG112,
                o,
                format!("container {container} has image auto, and the injector will not replace it here"),
            );
        }
    }
}
