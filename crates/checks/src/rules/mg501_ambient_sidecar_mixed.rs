//! MG501 ambient-sidecar-mixed.

use meshgraph_config::{Enrollment, Kind};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG501,
    name: "ambient-sidecar-mixed",
    severity: Severity::Error,
    istio_code: Some("IST0167"),
    status: Status::Stable,
    summary: "Ambient and sidecar mode mixed on the same pods",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Pod with an `istio-proxy` container that is also redirected to ztunnel (error); a Pod \
or workload that gets a sidecar in a namespace enrolled for ambient only (warning); a Sidecar \
resource in an ambient namespace, or selecting only ambient pods, which has no effect (warning, \
istioctl IST0167). A namespace carrying both enrollment labels is MG104.",
    why: "ztunnel skips pods with a sidecar, so part of the namespace runs in another mode than \
its label says; a Sidecar resource configures sidecars, and ambient pods have none.",
    fix: "Pick one data plane per namespace: remove the sidecar opt-in from ambient pods \
(`sidecar.istio.io/inject`) and restart them, or move the namespace back to sidecars. Delete \
Sidecar resources that only target ambient pods.",
    example: "```yaml\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: namespace-scoped\n  namespace: ns-ambient   # istio.io/dataplane-mode=ambient: MG501\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for o in cx.config.pod_carriers() {
        let Some(m) = cx.membership(o) else {
            continue;
        };
        if cx.owner_in_input(o).is_some() || m.is_proxy {
            continue;
        }
        let ambient_redirected = o
            .pod_template()
            .and_then(|p| p.annotations.get("ambient.istio.io/redirection").cloned())
            .is_some_and(|v| v == "enabled");
        if m.has_proxy && ambient_redirected {
            out.add(
                Code::MG501,
                o,
                "Pod has a sidecar and is also redirected to ztunnel",
            )
            .istio_code(None);
            continue;
        }
        let ns = cx.enrollment(o.effective_namespace());
        let ns_ambient_only = ns.as_ref().is_some_and(|e| e.ambient && !e.injects());
        if ns_ambient_only && (m.has_proxy || m.injection_expected) {
            out.add(
                Code::MG501,
                o,
                format!(
                    "{} gets a sidecar in ambient namespace {}; ztunnel will skip it",
                    o.kind,
                    o.effective_namespace()
                ),
            )
            .severity(Severity::Warning)
            .istio_code(None);
        }
    }
    for sidecar in cx.of_kind(Kind::Sidecar) {
        let ns = sidecar.effective_namespace();
        let ns_ambient_only = cx
            .namespace(ns)
            .map(Enrollment::of)
            .is_some_and(|e| e.ambient && !e.injects());
        let message = match sidecar.selector().filter(|s| !s.is_empty()) {
            None if ns_ambient_only => format!("Sidecar has no effect: namespace {ns} is ambient"),
            None => continue,
            Some(selector) => {
                let pods = cx.selected(&selector, Some(ns));
                let all_ambient = !pods.is_empty()
                    && pods
                        .iter()
                        .all(|p| cx.membership(p).is_some_and(|m| m.ambient));
                if !all_ambient {
                    continue;
                }
                "Sidecar has no effect: the pods it selects are ambient".to_string()
            }
        };
        out.add(Code::MG501, sidecar, message)
            .severity(Severity::Warning)
            .istio_code(Some("IST0167"));
    }
}
