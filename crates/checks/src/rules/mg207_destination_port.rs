//! MG207 destination-port.

use meshgraph_config::Kind;

use crate::context::{Context, Findings, vs_destinations};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG207,
    name: "destination-port",
    severity: Severity::Error,
    istio_code: Some("IST0112"),
    status: Status::Stable,
    summary: "VirtualService destination port is missing or not on the service",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService destination without `port` whose Service or ServiceEntry exposes \
several ports (istioctl IST0112), or with a `port.number` the Service does not expose (IST0101).",
    why: "Without a port Istio cannot tell which of the service's ports the route is for; with a \
wrong port the route points at a cluster that does not exist and requests fail with 503.",
    fix: "Set `destination.port.number` to one of the service's ports.",
    example: "```yaml\n    - destination:\n        host: reviews-2port   # exposes 80 and 443, no port given: MG207\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        let ns = vs.effective_namespace();
        let export = vs.export_to();
        for d in vs_destinations(vs) {
            let Some(host) = d.host.filter(|h| !h.is_empty()) else {
                continue;
            };
            let Some(entry) = cx.hosts.lookup(ns, &export, host) else {
                continue;
            };
            let ports = entry
                .ports
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            match d.port {
                None if entry.ports.len() > 1 => {
                    out.add(
                        Code::MG207,
                        vs,
                        format!("destination {host} has several ports ({ports}); the route must name one"),
                    )
                    .at(&d.path);
                }
                Some(port) if !entry.ports.contains(&(port as u32)) => {
                    out.add(
                        Code::MG207,
                        vs,
                        format!(
                            "port {port} is not a port of {host} ({})",
                            if ports.is_empty() {
                                "it declares none".to_string()
                            } else {
                                ports
                            }
                        ),
                    )
                    .at(format!("{}/port", d.path))
                    .istio_code(Some("IST0101"));
                }
                _ => {}
            }
        }
    }
}
