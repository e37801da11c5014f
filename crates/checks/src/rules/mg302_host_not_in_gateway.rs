//! MG302 host-not-in-gateway.

use meshgraph_config::{Kind, Object, items, scalar_text};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::rules::mg301_gateway_not_found::resolve_gateway;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG302,
    name: "host-not-in-gateway",
    severity: Severity::Warning,
    istio_code: Some("IST0132"),
    status: Status::Stable,
    summary: "No host of a VirtualService is exposed by its Gateway",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A VirtualService bound to a gateway none of whose server hosts (Istio Gateway \
`servers[].hosts`, restricted to those visible from the VirtualService's namespace) or listener \
hostnames (Gateway API) overlaps any of the VirtualService's hosts. Like istioctl, a gateway that \
does not exist exposes no host, so it is reported here as well as in MG301.",
    why: "The gateway never hands requests for those hosts to this VirtualService: they get 404 at \
the edge.",
    fix: "Add the host to the Gateway's server (or listener), or use a host the Gateway exposes.",
    example: "```yaml\n# Gateway servers expose bookinfo.example.com; the VirtualService's hosts: [reviews.example.com] -> MG302\n```",
};

/// Hosts a gateway exposes to VirtualServices in `vs_namespace`.
pub(crate) fn gateway_hosts(gateway: &Object, vs_namespace: &str) -> Vec<String> {
    let mut out = Vec::new();
    match gateway.kind {
        Kind::Gateway => {
            for server in items(&gateway.spec, "servers") {
                for host in meshgraph_config::string_list(server.get("hosts")) {
                    match host.split_once('/') {
                        Some((ns, h)) => {
                            let ns = if ns == "." {
                                gateway.effective_namespace()
                            } else {
                                ns
                            };
                            if ns == "*" || ns == vs_namespace {
                                out.push(h.to_string());
                            }
                        }
                        None => out.push(host),
                    }
                }
            }
        }
        Kind::KubeGateway => {
            for l in items(&gateway.spec, "listeners") {
                out.push(
                    l.get("hostname")
                        .and_then(scalar_text)
                        .unwrap_or_else(|| "*".into()),
                );
            }
        }
        _ => {}
    }
    out
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for vs in cx.of_kind(Kind::VirtualService) {
        let vs_hosts = vs.spec_strings("hosts");
        for (i, entry) in vs.spec_strings("gateways").iter().enumerate() {
            if entry == "mesh"
                || crate::rules::mg309_internal_gateway_reference::is_internal_gateway(entry)
            {
                continue;
            }
            let (ns, name, found) = resolve_gateway(cx, vs, entry);
            let exposed = found
                .map(|g| gateway_hosts(g, vs.effective_namespace()))
                .unwrap_or_default();
            let matched = exposed.iter().any(|g| {
                vs_hosts
                    .iter()
                    .any(|h| meshgraph_config::hosts::hosts_overlap(g, h))
            });
            if matched {
                continue;
            }
            let f = out.add(
                Code::MG302,
                vs,
                format!(
                    "no host of the VirtualService ({}) is exposed by gateway {ns}/{name}",
                    vs_hosts.join(", ")
                ),
            );
            f.at(format!("spec/gateways[{i}]"));
            f.evidence(if found.is_none() {
                "the gateway does not exist".to_string()
            } else {
                format!(
                    "gateway hosts: {}",
                    if exposed.is_empty() {
                        "none".to_string()
                    } else {
                        exposed.join(", ")
                    }
                )
            });
        }
    }
}
