//! MG206 conflicting-virtual-services.

use std::collections::{BTreeSet, HashMap};

use meshgraph_config::{Kind, Object, hosts};

use crate::context::{Context, Findings, vs_is_mesh_bound};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG206,
    name: "conflicting-virtual-services",
    severity: Severity::Error,
    istio_code: Some("IST0109"),
    status: Status::Stable,
    summary: "Two mesh VirtualServices claim the same host",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Two VirtualServices bound to the mesh (no `gateways`, or `mesh` among them) with the \
same host, as an FQDN, whose `exportTo` scopes overlap (exported everywhere, or to the same \
namespace).",
    why: "Sidecars use only one VirtualService per host; which one is not defined, so half the \
routing rules silently do nothing.",
    fix: "Merge the routes into one VirtualService per host, or narrow `exportTo` so each client \
namespace sees one.",
    example: "```yaml\n# foo/productpage and foo/bogus-productpage both claim host productpage: MG206 on both\n```",
};

/// Export scope of a VirtualService: `*` when everywhere, else its own namespace.
fn scope(vs: &Object) -> String {
    let export = vs.export_to();
    if export.is_empty() || export.iter().any(|e| e == "*") {
        "*".into()
    } else {
        vs.effective_namespace().to_string()
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let vss: Vec<(&Object, String, BTreeSet<String>)> = cx
        .of_kind(Kind::VirtualService)
        .filter(|vs| vs_is_mesh_bound(vs))
        .map(|vs| {
            let ns = vs.effective_namespace();
            let hosts = vs
                .spec_strings("hosts")
                .iter()
                .map(|h| hosts::fqdn(h, ns))
                .collect();
            (vs, scope(vs), hosts)
        })
        .collect();
    // VirtualServices by host: only those sharing a host are compared, so
    // the work grows with the objects and the conflicts, not with all pairs.
    let mut by_host: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, _, hosts)) in vss.iter().enumerate() {
        for h in hosts {
            by_host.entry(h.as_str()).or_default().push(i);
        }
    }
    for (i, (vs, scope_a, hosts_a)) in vss.iter().enumerate() {
        // The others sharing a host, in input order.
        let mut sharing: Vec<usize> = hosts_a
            .iter()
            .flat_map(|h| by_host.get(h.as_str()).into_iter().flatten().copied())
            .filter(|&j| j != i)
            .collect();
        sharing.sort_unstable();
        sharing.dedup();
        let mut with = Vec::new();
        for j in sharing {
            let (other, scope_b, hosts_b) = &vss[j];
            if !(scope_a == "*" || scope_b == "*" || scope_a == scope_b) {
                continue;
            }
            // The first host both claim, as the sets order them.
            if let Some(h) = hosts_a.iter().find(|h| hosts_b.contains(*h)) {
                with.push(format!("{} (host {h})", other.display_name()));
            }
        }
        if with.is_empty() {
            continue;
        }
        let f = out.add(
            Code::MG206,
            vs,
            format!(
                "VirtualService conflicts with {} for the mesh gateway",
                with.join(", ")
            ),
        );
        f.at("spec/hosts");
    }
}
