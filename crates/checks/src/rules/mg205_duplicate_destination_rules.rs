//! MG205 duplicate-destination-rules.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, Object, hosts};
use serde_json::Value;

use crate::context::{Context, Findings, dr_subsets};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG205,
    name: "duplicate-destination-rules",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Preview,
    summary: "Several DestinationRules for one host overlap",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Several DestinationRules in one namespace for the same host (as an FQDN) that share a \
subset name, or where one of them has no subsets (so both set the host's traffic policy). The \
oldest one (by `creationTimestamp`, else the first read) is named as the one that wins.",
    why: "Istio merges DestinationRules for one host only when they do not overlap; otherwise the \
older one wins and the other's settings are ignored without any error.",
    fix: "Merge them into one DestinationRule per host.",
    example: "```yaml\n# two DestinationRules for host reviews, both defining subset v1: MG205\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let mut groups: BTreeMap<(String, String), Vec<&Object>> = BTreeMap::new();
    for dr in cx.of_kind(Kind::DestinationRule) {
        if let Some(host) = dr.spec.get("host").and_then(Value::as_str) {
            let ns = dr.effective_namespace().to_string();
            groups
                .entry((ns.clone(), hosts::fqdn(host, &ns)))
                .or_default()
                .push(dr);
        }
    }
    for ((_, fqdn), mut drs) in groups {
        if drs.len() < 2 {
            continue;
        }
        // Oldest first; without timestamps, input order (stable sort).
        drs.sort_by(|a, b| {
            match (
                &a.metadata.creation_timestamp,
                &b.metadata.creation_timestamp,
            ) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            }
        });
        let winner = drs[0];
        let subsets = |dr: &Object| {
            dr_subsets(dr)
                .into_iter()
                .map(|(_, n, _)| n)
                .collect::<Vec<_>>()
        };
        for other in &drs[1..] {
            let (mine, theirs) = (subsets(other), subsets(winner));
            let shared: Vec<&String> = mine.iter().filter(|s| theirs.contains(s)).collect();
            let reason = if !shared.is_empty() {
                format!(
                    "both define subset {}",
                    shared
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if mine.is_empty() || theirs.is_empty() {
                "one of them has no subsets, so both set the host's traffic policy".to_string()
            } else {
                continue;
            };
            out.add(
                Code::MG205,
                other,
                format!(
                    "DestinationRule {} also configures host {fqdn} ({reason}); {} wins",
                    winner.name(),
                    winner.display_name()
                ),
            );
        }
    }
}
