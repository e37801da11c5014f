//! MG909 cluster-without-telemetry.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_model::{Reporter, UNKNOWN};

use crate::context::{Context, Findings};
use crate::finding::{ResourceKind, ResourceRef, Severity};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG909,
    name: "cluster-without-telemetry",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "Other clusters call a cluster that reports no series of its own",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A cluster that client-side series of other clusters name as `destination_cluster`, \
while no series emitted by a proxy of that cluster (server sidecars, its gateways, ztunnels) \
is in the data.",
    why: "Each cluster's proxies are scraped by that cluster's Prometheus; when it is missing \
from the federation (or from the Thanos or Mimir tenants queried), half of every call into the \
cluster is unseen: the server-side reports that carry the security policy, the real response \
codes and the retries, and every call inside that cluster. The graph then shows its workloads \
only as callees seen from outside.",
    fix: "Add the cluster's Prometheus to the federation (a `federate-<cluster>` job with the \
`cluster` target label, as Istio's multi-cluster monitoring guide does) or to the queried \
store, and check that its scrape of the `kubernetes-pods` job works.",
    example: "```text\nWarning [MG909] (Cluster west) 3 calls from other clusters go to west, which reports no series\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    let clusters = &t.reconciliation.classification.clusters;
    if !clusters.is_multi() {
        return;
    }
    // The cluster of the proxy that emitted each series.
    let reporting: BTreeSet<String> = t
        .observations
        .iter()
        .map(|o| match o.reporter {
            Reporter::Source => clusters.of_source(o),
            Reporter::Destination | Reporter::Waypoint => clusters.of_destination(o),
        })
        .collect();
    let mut called: BTreeMap<String, Vec<&meshgraph_core::LogicalEdge>> = BTreeMap::new();
    for edge in &t.reconciliation.edges {
        let (from, to) = (edge.source.cluster(), edge.destination.cluster());
        if !to.is_empty() && to != UNKNOWN && !from.is_empty() && from != to {
            called.entry(to.to_string()).or_default().push(edge);
        }
    }
    for (cluster, edges) in called {
        if reporting.contains(&cluster) {
            continue;
        }
        let f = out.add_ref(
            Code::MG909,
            ResourceRef::new(ResourceKind::Other("Cluster".into()), None, cluster.clone()),
            None,
            format!(
                "{} calls from other clusters go to {cluster}, which reports no series",
                edges.len()
            ),
        );
        f.evidence(format!(
            "clusters reporting series: {}",
            reporting
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for edge in edges {
            f.on_edge(&edge.source, &edge.destination);
        }
    }
}
