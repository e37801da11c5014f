//! MG103 namespace-not-in-mesh.

use meshgraph_config::{Enrollment, Kind};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG103,
    name: "namespace-not-in-mesh",
    severity: Severity::Info,
    istio_code: Some("IST0102"),
    status: Status::Stable,
    summary: "Namespace is enrolled neither for sidecar injection nor for ambient",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Namespace with none of `istio-injection`, `istio.io/rev` or \
`istio.io/dataplane-mode=ambient`. System namespaces (`kube-system`, `kube-public`, \
`kube-node-lease`, `local-path-storage`, the Istio root namespace) are skipped, and so is a \
namespace labelled `istio-injection=disabled`, which is a deliberate choice. When the sidecar injector's ConfigMap in the input sets `sidecarInjectorWebhook.enableNamespacesByDefault`, an unlabelled namespace is injected after all: it is reported as IST0148 (info) instead.",
    why: "Workloads deployed there join the mesh neither as sidecars nor through ztunnel: they get \
no mTLS and appear as `unknown` sources to meshed services.",
    fix: "Label the namespace for the data plane you use: `kubectl label namespace NS \
istio-injection=enabled` (sidecars) or `istio.io/dataplane-mode=ambient` (ambient), then restart \
sidecar workloads. Label it `istio-injection=disabled` to keep it out on purpose.",
    example: "```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo   # no enrollment label: MG103\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // The injector's `enableNamespacesByDefault`: unlabelled namespaces are injected.
    let by_default = cx
        .injector_values(None)
        .and_then(|v| {
            v.get("sidecarInjectorWebhook")?
                .get("enableNamespacesByDefault")?
                .as_bool()
        })
        .unwrap_or(false);
    for ns in cx.of_kind(Kind::Namespace) {
        if cx.config.is_system_namespace(ns.name()) {
            continue;
        }
        let e = Enrollment::of(ns);
        if e.injection_enabled || e.injection_disabled || e.revision.is_some() || e.ambient {
            continue;
        }
        if by_default {
            out.add(
                Code::MG103,
                ns,
                format!(
                    "Namespace {} has no enrollment label, and the injector enables namespaces by default: its pods get sidecars",
                    ns.name()
                ),
            )
            .istio_code(Some("IST0148"));
            continue;
        }
        out.add(
            Code::MG103,
            ns,
            format!(
                "Namespace {} is not enrolled in the mesh (no istio-injection, istio.io/rev or ambient label)",
                ns.name()
            ),
        );
    }
}
