//! MG503 waypoint-outside-ambient.

use meshgraph_config::Kind;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG503,
    name: "waypoint-outside-ambient",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "Waypoint requested for something that is not ambient",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "`istio.io/use-waypoint` on a Namespace that is not enrolled for ambient, on a Service or \
ServiceEntry in such a namespace, or on a Pod or workload that will not run in ambient mode.",
    why: "Only ztunnel sends traffic to waypoints. Sidecars and out-of-mesh pods ignore the label, \
so the L7 policy expected from the waypoint is not applied.",
    fix: "Enroll the namespace (`istio.io/dataplane-mode=ambient`), or remove the label.",
    example: "```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo\n  labels:\n    istio-injection: enabled\n    istio.io/use-waypoint: waypoint   # MG503\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for u in cx.config.waypoint_uses() {
        let ns_name = if u.kind == Kind::Namespace {
            u.name.as_str()
        } else {
            u.namespace.as_str()
        };
        let ns_ambient = cx.enrollment(ns_name).map(|e| e.ambient);
        let object = cx.named(&[u.kind], &u.namespace, &u.name);
        let Some(object) = object else { continue };
        let not_ambient = match u.kind {
            Kind::Namespace | Kind::Service | Kind::ServiceEntry => ns_ambient == Some(false),
            _ => cx
                .membership(object)
                .is_some_and(|m| m.namespace_known && !m.ambient),
        };
        if not_ambient {
            out.add(
                Code::MG503,
                object,
                format!(
                    "{} asks for waypoint {}/{} but is not in ambient mode",
                    u.kind, u.waypoint_namespace, u.waypoint_name
                ),
            )
            .at("metadata/labels/istio.io~1use-waypoint");
        }
    }
}
