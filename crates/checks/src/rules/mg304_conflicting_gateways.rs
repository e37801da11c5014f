//! MG304 conflicting-gateways.

use std::collections::HashMap;

use meshgraph_config::{Kind, Object, hosts, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

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
    let selectors: Vec<_> = gateways.iter().map(|g| g.selector()).collect();
    let targets: Vec<Vec<*const Object>> = selectors
        .iter()
        .map(|s| {
            s.as_ref()
                .map(|s| {
                    cx.selected(s, None)
                        .into_iter()
                        .map(|o| o as *const Object)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let servers_of: Vec<Vec<(u64, String)>> = gateways.iter().map(|g| servers(g)).collect();
    // Only Gateways with a server on the same port whose hosts can overlap
    // are compared: exact hosts meet through an index, wildcard hosts meet
    // every host of their port. Many Gateways on one ingress are no longer
    // compared pair by pair.
    let mut on_port: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut wildcards_on_port: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut exact: HashMap<(u64, &str), Vec<usize>> = HashMap::new();
    for (i, servers) in servers_of.iter().enumerate() {
        for (port, host) in servers {
            on_port.entry(*port).or_default().push(i);
            if host.starts_with('*') {
                wildcards_on_port.entry(*port).or_default().push(i);
            } else {
                exact.entry((*port, host.as_str())).or_default().push(i);
            }
        }
    }
    let none: &[usize] = &[];
    for (i, a) in gateways.iter().enumerate() {
        let mut candidates: Vec<usize> = Vec::new();
        for (port, host) in &servers_of[i] {
            if host.starts_with('*') {
                candidates.extend(on_port.get(port).map_or(none, Vec::as_slice));
            } else {
                candidates.extend(
                    exact
                        .get(&(*port, host.as_str()))
                        .map_or(none, Vec::as_slice),
                );
                candidates.extend(wildcards_on_port.get(port).map_or(none, Vec::as_slice));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut conflicts = Vec::new();
        for j in candidates {
            if i == j {
                continue;
            }
            let b = gateways[j];
            let same_pods = if targets[i].is_empty() || targets[j].is_empty() {
                selectors[i].as_ref().is_some_and(|s| !s.is_empty()) && selectors[i] == selectors[j]
            } else {
                targets[i].iter().any(|p| targets[j].contains(p))
            };
            if !same_pods {
                continue;
            }
            let clash = servers_of[i].iter().find(|(pa, ha)| {
                servers_of[j]
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
