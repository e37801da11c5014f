//! MG502 waypoint-not-deployed.

use meshgraph_config::Kind;
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::ResourceRef;
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG502,
    name: "waypoint-not-deployed",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Stable,
    summary: "`istio.io/use-waypoint` names no waypoint",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Namespace, Service, ServiceEntry, Pod or workload labelled \
`istio.io/use-waypoint: NAME` where NAME (in `istio.io/use-waypoint-namespace`, else the same \
namespace) is no Gateway of class `istio-waypoint` in the input.",
    why: "Traffic for it is sent to a waypoint that does not exist: L7 policy and routing are not \
applied, and with some Istio versions the traffic is dropped.",
    fix: "Deploy the waypoint (`istioctl waypoint apply -n NS --name NAME`), or correct or remove \
the label.",
    example: "```yaml\nmetadata:\n  labels:\n    istio.io/use-waypoint: waypoint   # no Gateway waypoint of class istio-waypoint: MG502\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let waypoints: std::collections::HashSet<(String, String)> = cx
        .config
        .waypoints()
        .into_iter()
        .map(|w| (w.namespace, w.name))
        .collect();
    for u in cx.config.waypoint_uses() {
        if waypoints.contains(&(u.waypoint_namespace.clone(), u.waypoint_name.clone())) {
            continue;
        }
        let other_class = cx
            .named(
                &[Kind::KubeGateway],
                &u.waypoint_namespace,
                &u.waypoint_name,
            )
            .and_then(|g| {
                g.spec
                    .get("gatewayClassName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        let resource = ResourceRef::new(
            u.kind,
            (!u.namespace.is_empty()).then_some(u.namespace.as_str()),
            u.name.clone(),
        );
        let object = cx.named(&[u.kind], &u.namespace, &u.name);
        let message = match other_class {
            Some(class) => format!(
                "waypoint {}/{} is a Gateway of class {class}, not istio-waypoint",
                u.waypoint_namespace, u.waypoint_name
            ),
            None => format!(
                "waypoint {}/{} is not deployed",
                u.waypoint_namespace, u.waypoint_name
            ),
        };
        out.add_ref(Code::MG502, resource, object, message)
            .at("metadata/labels/istio.io~1use-waypoint");
    }
}
