//! MG213 workload-service-port-conflict.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, ServicePort, selector_matches};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG213,
    name: "workload-service-port-conflict",
    severity: Severity::Warning,
    istio_code: Some("IST0116"),
    status: Status::Stable,
    summary: "Services of one workload give one port different protocols",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Deployment in the mesh (outside the system namespaces) selected by several Services \
of its namespace that give one service port different protocols (IST0116), or that send one \
container port (`targetPort`) different protocols (IST0137). The protocol is the port name's \
prefix, else its `protocol`.",
    why: "The sidecar has one listener per port: it can serve only one of the protocols, and \
traffic of the other is mishandled.",
    fix: "Use one protocol per port across the Services of a workload.",
    example: "```yaml\n# details-tcp (9080, name tcp) and details-http (9080, name http) both select app=details: MG213\n```",
};

fn protocol(port: &ServicePort) -> String {
    let named = port.name.split('-').next().unwrap_or("");
    if !named.is_empty() {
        return named.to_ascii_uppercase();
    }
    port.protocol.clone().unwrap_or_else(|| "TCP".into())
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for d in cx.of_kind(Kind::Deployment) {
        let ns = d.effective_namespace();
        if cx.config.is_system_namespace(ns) || !cx.membership(d).is_some_and(|m| m.in_mesh()) {
            continue;
        }
        let Some(labels) = d.pod_template().map(|p| p.labels) else {
            continue;
        };
        let mut by_port: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for svc in cx.services_in(ns) {
            if !svc
                .selector()
                .is_some_and(|s| !s.is_empty() && selector_matches(&s, &labels))
            {
                continue;
            }
            for p in svc.service_ports() {
                let proto = protocol(&p);
                by_port.entry(p.port).or_default().push(proto.clone());
                let target = p.target_port.clone().unwrap_or_else(|| p.port.to_string());
                by_target.entry(target).or_default().push(proto);
            }
        }
        let differ = |protos: &Vec<String>| protos.iter().any(|p| *p != protos[0]);
        if let Some((port, _)) = by_port.iter().find(|(_, p)| differ(p)) {
            out.add(
                Code::MG213,
                d,
                format!("its Services give port {port} different protocols"),
            );
        } else if let Some((target, _)) = by_target.iter().find(|(_, p)| differ(p)) {
            out.add(
                Code::MG213,
                d,
                format!("its Services send container port {target} different protocols"),
            )
            .istio_code(Some("IST0137"));
        }
    }
}
