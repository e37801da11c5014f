//! MG306 gateway-port-not-on-service.

use std::collections::BTreeSet;

use meshgraph_config::{Kind, items, selector_matches};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG306,
    name: "gateway-port-not-on-service",
    severity: Severity::Warning,
    istio_code: Some("IST0162"),
    status: Status::Stable,
    summary: "Gateway server port is on no Service of the gateway workload",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An Istio Gateway server whose port number is neither the `port` nor the \
`targetPort` of any Service selecting the gateway pods the Gateway selects. Gateways selecting \
no pod are MG303's.",
    why: "The gateway listens on that port, but no Service routes traffic to it: the server \
is unreachable from outside the pod.",
    fix: "Add the port to the gateway's Service, or use a port the Service exposes.",
    example: "```yaml\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 8004, name: http, protocol: HTTP}   # not on the Service: MG306\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for gw in cx.of_kind(Kind::Gateway) {
        let Some(selector) = gw.selector().filter(|s| !s.is_empty()) else {
            continue;
        };
        let pods = cx.selected(&selector, None);
        if pods.is_empty() {
            continue;
        }
        let mut ports = BTreeSet::new();
        for pod in &pods {
            let Some(labels) = pod.pod_template().map(|p| p.labels) else {
                continue;
            };
            for svc in cx.services_in(pod.effective_namespace()) {
                if !svc
                    .selector()
                    .is_some_and(|s| !s.is_empty() && selector_matches(&s, &labels))
                {
                    continue;
                }
                for p in svc.service_ports() {
                    ports.insert(u64::from(p.port));
                    if let Some(target) = p.target_port.and_then(|t| t.parse::<u64>().ok()) {
                        ports.insert(target);
                    }
                }
            }
        }
        for (i, server) in items(&gw.spec, "servers").enumerate() {
            let Some(number) = server
                .get("port")
                .and_then(|p| p.get("number"))
                .and_then(Value::as_u64)
            else {
                continue;
            };
            if !ports.contains(&number) {
                out.add(
                    Code::MG306,
                    gw,
                    format!("port {number} is on no Service of the selected gateway pods"),
                )
                .at(format!("spec/servers[{i}]/port"));
            }
        }
    }
}
