//! MG105 workload-out-of-mesh.

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG105,
    name: "workload-out-of-mesh",
    severity: Severity::Info,
    istio_code: None,
    status: Status::Stable,
    summary: "Workload will run with neither a sidecar nor ambient redirection",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, or a Pod no input object \
owns) outside the system namespaces, not a gateway or waypoint, that will run with neither a \
sidecar nor ambient redirection. The message says whether it was opted out explicitly. Pods whose \
owner is in the input are reported through the owner, once. A Pod that should have had a sidecar \
is the stronger MG101 instead.",
    why: "Its traffic is plaintext, unauthenticated, and invisible to the mesh's telemetry except \
as an `unknown` peer. This is Kiali's \"out of mesh\" badge.",
    fix: "Enroll its namespace (MG103) or remove the opt-out (`sidecar.istio.io/inject: \"false\"`, \
`istio.io/dataplane-mode: none`); keep the opt-out when the workload must stay outside, and \
silence the finding with the `meshgraph.io/ignore: MG105` annotation.",
    example: "```yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: batch\n  namespace: bookinfo   # istio-injection=enabled\nspec:\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"false\"   # MG105 (opted out)\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for o in cx.config.pod_carriers() {
        let ns = o.effective_namespace();
        if cx.config.is_system_namespace(ns) || cx.owner_in_input(o).is_some() {
            continue;
        }
        let Some(m) = cx.membership(o) else {
            continue;
        };
        if m.in_mesh() || (!m.namespace_known && m.opted_out.is_none() && !m.host_network) {
            continue;
        }
        let why = if let Some(reason) = &m.opted_out {
            format!("opted out by {reason}")
        } else if m.host_network {
            "runs on the host network".to_string()
        } else {
            format!("namespace {ns} is not enrolled")
        };
        let f = out.add(
            Code::MG105,
            o,
            format!(
                "{} will run outside the mesh, with neither a sidecar nor ambient redirection ({why})",
                o.kind
            ),
        );
        if let Some(e) = cx.enrollment(ns) {
            let labels = e.in_force();
            f.evidence(format!(
                "namespace {ns} labels in force: {}",
                if labels.is_empty() {
                    "none".to_string()
                } else {
                    labels.join(", ")
                }
            ));
        }
    }
}
