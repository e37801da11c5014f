//! MG102 partially-meshed-workload.

use std::collections::BTreeMap;

use meshgraph_config::Kind;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::finding::{ResourceKind, ResourceRef};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG102,
    name: "partially-meshed-workload",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "Some pods of a workload have a sidecar and others do not",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Pods of one owner (a Deployment through its ReplicaSet, a StatefulSet, a DaemonSet) \
where some have an `istio-proxy` container and others do not.",
    why: "Part of the workload's traffic skips the mesh: requests that land on the bare pods get no \
mTLS, no policy and no telemetry, so the graph and the error rates are only partly true. It \
happens when injection was enabled while the workload was running.",
    fix: "Restart the workload so every pod is recreated with the same injection decision: \
`kubectl rollout restart deployment/NAME -n NS`.",
    example: "```text\nreviews-v1-5b6f-abc  2/2  (istio-proxy)\nreviews-v1-5b6f-def  1/1  (no proxy)  -> MG102 on Deployment bookinfo/reviews-v1\n```",
};

/// (kind, namespace, name) of a pod's controller.
type OwnerKey = (String, String, String);

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // Owner (kind, namespace, name) -> (with proxy, without).
    let mut owners: BTreeMap<OwnerKey, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for pod in cx.of_kind(Kind::Pod) {
        let Some(owner) = owner_key(cx, pod) else {
            continue;
        };
        let Some(m) = cx.membership(pod) else {
            continue;
        };
        let entry = owners.entry(owner).or_default();
        if m.has_proxy {
            entry.0.push(pod.name().to_string());
        } else {
            entry.1.push(pod.name().to_string());
        }
    }
    for ((kind, ns, name), (with, without)) in owners {
        if with.is_empty() || without.is_empty() {
            continue;
        }
        let resource = ResourceRef::new(ResourceKind::from_name(&kind), Some(&ns), name);
        let object = cx.object(&resource);
        let f = out.add_ref(
            Code::MG102,
            resource,
            object,
            format!(
                "{} of {} pods run without the Istio sidecar; restart the workload",
                without.len(),
                with.len() + without.len()
            ),
        );
        f.evidence(format!("with istio-proxy: {}", with.join(", ")));
        f.evidence(format!("without: {}", without.join(", ")));
    }
}

/// The controller that owns a pod: from the input when there, else from its
/// owner reference (a ReplicaSet's Deployment by the pod-template-hash).
fn owner_key(cx: &Context<'_>, pod: &meshgraph_config::Object) -> Option<OwnerKey> {
    let ns = pod.effective_namespace().to_string();
    if let Some(owner) = cx.owner_in_input(pod) {
        return Some((
            owner.kind.as_str().to_string(),
            ns,
            owner.name().to_string(),
        ));
    }
    let r = pod
        .metadata
        .owner_references
        .iter()
        .find(|r| r.controller)
        .or_else(|| pod.metadata.owner_references.first())?;
    if r.kind == "ReplicaSet"
        && let Some(hash) = pod.label("pod-template-hash")
        && let Some(deployment) = r.name.strip_suffix(&format!("-{hash}"))
    {
        return Some(("Deployment".into(), ns, deployment.to_string()));
    }
    Some((r.kind.clone(), ns, r.name.clone()))
}
