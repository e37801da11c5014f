//! MG101 missing-sidecar.

use meshgraph_config::Kind;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG101,
    name: "missing-sidecar",
    severity: Severity::Warning,
    istio_code: Some("IST0103"),
    status: Status::Stable,
    summary: "Pod is missing the Istio sidecar in an injected namespace",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Pod that the injection webhook should have given a sidecar has no `istio-proxy` \
container (nor the native-sidecar init container of that name). Injection is expected when the \
namespace has `istio-injection=enabled` or `istio.io/rev`, or the pod asks for it, and the pod is \
neither on the host network nor opted out (`sidecar.istio.io/inject` label first, then the \
annotation). Deployments and other workloads read from manifests are never reported here: for \
them the webhook's decision is predicted, and a workload that will run without a proxy is MG105.",
    why: "The pod's traffic bypasses the mesh: no mTLS, no policy, no telemetry of its own. Usually \
the namespace was labelled after the pod started, or the webhook was down when it was created.",
    fix: "Restart the workload (`kubectl rollout restart deployment/NAME -n NS`) so the webhook \
injects the sidecar; if the pod must stay out of the mesh, label it `sidecar.istio.io/inject: \"false\"`.",
    example: "```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo\n  labels:\n    istio-injection: enabled\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: reviews-v2-5b6f\n  namespace: bookinfo\nspec:\n  containers:\n  - name: reviews   # no istio-proxy: MG101\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for pod in cx.of_kind(Kind::Pod) {
        if cx.config.is_system_namespace(pod.effective_namespace()) {
            continue;
        }
        let Some(m) = cx.membership(pod) else {
            continue;
        };
        if !m.injection_expected || m.has_proxy || m.is_proxy {
            continue;
        }
        let f = out.add(
            Code::MG101,
            pod,
            "Pod is missing the Istio sidecar in an injected namespace",
        );
        if let Some(e) = cx.enrollment(pod.effective_namespace()) {
            f.evidence(format!(
                "namespace {} has {}",
                pod.effective_namespace(),
                e.in_force().join(", ")
            ));
        }
        f.evidence("no istio-proxy container or init container");
    }
}
