//! MG304 conflicting-gateways.

use meshgraph_config::{Kind, Object, hosts, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use crate::finding::Severity;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG304,
    name: "conflicting-gateways",
    severity: Severity::Error,
    istio_code: Some("IST0145"),
    status: Status::Stable,
    summary: "Gateways on the same pods claim the same port and host",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Two Istio Gateways that apply to the same gateway pods (their selectors select a common \
pod, or are equal when they select none in the input) with a server on the same port number and \
overlapping hosts.",
    why: "The gateway proxy can have one listener per port and host: one Gateway's server is \
rejected or shadowed, and which one depends on creation order.",
    fix: "Merge the servers into one Gateway, or use distinct ports or hosts.",
    example: "```yaml\n# Gateways alpha and beta both select istio=ingressgateway and serve foo.bar on port 80: MG304 on both\n```",
};

/// (port, host) pairs a Gateway's servers declare, hosts without namespace prefix.
fn servers(gw: &Object) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for s in items(&gw.spec, "servers") {
        let Some(port) = s
            .get("port")
            .and_then(|p| p.get("number"))
            .and_then(Value::as_u64)
        else {
            continue;
        };
        for h in meshgraph_config::string_list(s.get("hosts")) {
            let host = h.split_once('/').map_or(h.as_str(), |(_, h)| h).to_string();
            out.push((port, host));
        }
    }
    out
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let gateways: Vec<&Object> = cx.of_kind(Kind::Gateway).collect();
    let targets: Vec<Vec<*const Object>> = gateways
        .iter()
        .map(|g| {
            g.selector()
                .map(|s| {
                    cx.selected(&s, None)
                        .into_iter()
                        .map(|o| o as *const Object)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    for (i, a) in gateways.iter().enumerate() {
        let mut conflicts = Vec::new();
        for (j, b) in gateways.iter().enumerate() {
            if i == j {
                continue;
            }
            let same_pods = if targets[i].is_empty() || targets[j].is_empty() {
                a.selector().is_some_and(|s| !s.is_empty()) && a.selector() == b.selector()
            } else {
                targets[i].iter().any(|p| targets[j].contains(p))
            };
            if !same_pods {
                continue;
            }
            let clash = servers(a).into_iter().find(|(pa, ha)| {
                servers(b)
                    .iter()
                    .any(|(pb, hb)| pa == pb && hosts::hosts_overlap(ha, hb))
            });
            if let Some((port, host)) = clash {
                conflicts.push(format!("{} (port {port}, host {host})", b.display_name()));
            }
        }
        if !conflicts.is_empty() {
            out.add(
                Code::MG304,
                a,
                format!(
                    "Gateway conflicts with {} on the same gateway pods",
                    conflicts.join(", ")
                ),
            )
            .at("spec/servers");
        }
    }
}
