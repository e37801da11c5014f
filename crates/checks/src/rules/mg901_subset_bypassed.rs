//! MG901 subset-routing-bypassed.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_config::{Kind, hosts};
use meshgraph_core::Endpoint;
use serde_json::Value;

use crate::context::{Context, Findings, dr_subsets, vs_destinations, vs_is_mesh_bound};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG901,
    name: "subset-routing-bypassed",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Preview,
    summary: "Traffic reaches versions the VirtualService does not route to",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A mesh VirtualService routes a host only to subsets S (every destination for the host \
names a subset), yet traffic to that host reaches workloads whose labels match none of the \
subsets in S (matched with the DestinationRule's subset labels, e.g. `version`).",
    why: "Some clients are not following the routing: they have no sidecar, sit outside the \
VirtualService's `exportTo`, or call the pods directly. A canary or a \"v1 only\" rule is then \
not what users get.",
    fix: "Find the clients in the evidence; mesh them, widen `exportTo`, or route them through the \
service.",
    example: "```text\nVirtualService reviews routes only to subset v1, but productpage-v1 -> reviews-v3 carries 4 req/s: MG901\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    // Subset labels per DR host FQDN.
    let mut subset_labels: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> =
        BTreeMap::new();
    for dr in cx.of_kind(Kind::DestinationRule) {
        if let Some(host) = dr.spec.get("host").and_then(Value::as_str) {
            let entry = subset_labels
                .entry(hosts::fqdn(host, dr.effective_namespace()))
                .or_default();
            for (_, name, labels) in dr_subsets(dr) {
                entry.insert(name, labels);
            }
        }
    }
    for vs in cx.of_kind(Kind::VirtualService) {
        if !vs_is_mesh_bound(vs) {
            continue;
        }
        let ns = vs.effective_namespace();
        let mut by_host: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
        for d in vs_destinations(vs) {
            let Some(host) = d.host else { continue };
            let entry = by_host.entry(hosts::fqdn(host, ns)).or_default();
            match d.subset {
                Some(s) => {
                    entry.0.insert(s.to_string());
                }
                None => entry.1 = true,
            }
        }
        for (fqdn, (subsets, unrestricted)) in by_host {
            if unrestricted || subsets.is_empty() {
                continue;
            }
            let Some(defs) = subset_labels.get(&fqdn) else {
                continue;
            };
            let allowed: Vec<&BTreeMap<String, String>> =
                subsets.iter().filter_map(|s| defs.get(s)).collect();
            if allowed.len() != subsets.len() {
                continue; // an undefined subset is MG202's business
            }
            let mut strays: BTreeMap<String, f64> = BTreeMap::new();
            for edge in &t.reconciliation.edges {
                let Endpoint::Workload(dest) = &edge.destination else {
                    continue;
                };
                if !edge.services.contains(&fqdn) {
                    continue;
                }
                let labels = cx.workload_labels(dest);
                if allowed
                    .iter()
                    .any(|sel| meshgraph_config::selector_matches(sel, &labels))
                {
                    continue;
                }
                let rate = edge.l7.as_ref().map(|l| l.rps).unwrap_or(0.0);
                *strays
                    .entry(format!("{} -> {}", edge.source, dest))
                    .or_default() += rate;
            }
            if strays.is_empty() {
                continue;
            }
            let f = out.add(
                Code::MG901,
                vs,
                format!(
                    "VirtualService routes {fqdn} only to subset(s) {}, yet traffic reaches other workloads",
                    subsets.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
            for (edge, rate) in strays {
                f.evidence(format!("{edge}: {rate:.2} req/s"));
            }
        }
    }
}
