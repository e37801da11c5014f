//! MG906 proxy-missing-from-telemetry.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_core::{Endpoint, WorkloadRef};
use meshgraph_model::Emitter;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG906,
    name: "proxy-missing-from-telemetry",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "A workload is only seen by its peers' proxies, or traffic leaves through a passthrough",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A workload that appears in telemetry only in series reported by its peers' proxies — it \
never reports itself, and no ztunnel series mention it, and the configuration does not make it \
ambient; or traffic from a workload to `PassthroughCluster` or `BlackHoleCluster`.",
    why: "A workload without its own proxy has no mTLS, no policy and half a graph. Passthrough \
traffic leaves the mesh to destinations Istio does not know (no telemetry by service, no \
policy); BlackHole traffic is dropped by `REGISTRY_ONLY`.",
    fix: "Inject the workload (see MG101, MG105); for passthrough traffic add a ServiceEntry for the \
destination, for BlackHole traffic add one or relax the outbound policy.",
    example: "```text\nWarning [MG906] (Workload legacy/batch-exporter) legacy/batch-exporter is only seen by its peers' proxies\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    let classes = &t.reconciliation.classification;
    // By workload number: a million series name a few thousand workloads.
    let numbered = &classes.series_workloads;
    let mut own = vec![false; numbered.len()];
    let mut ztunnel = vec![false; numbered.len()];
    let mut mentioned: Vec<BTreeSet<Emitter>> = vec![BTreeSet::new(); numbered.len()];
    for (i, emitter) in classes.emitters.iter().enumerate() {
        let (src, dst) = numbered.ends_of(i);
        let mark = |flags: &mut [bool], w: Option<u32>| {
            if let Some(w) = w {
                flags[w as usize] = true;
            }
        };
        match emitter {
            Emitter::EnvoySource | Emitter::Gateway => mark(&mut own, src),
            Emitter::EnvoyDestination => mark(&mut own, dst),
            Emitter::ZtunnelSource | Emitter::ZtunnelDestination => {
                mark(&mut ztunnel, src);
                mark(&mut ztunnel, dst);
            }
            Emitter::Waypoint => {}
        }
        for w in [src, dst].into_iter().flatten() {
            mentioned[w as usize].insert(*emitter);
        }
    }
    let mut mentioned: Vec<(&WorkloadRef, BTreeSet<Emitter>)> = mentioned
        .into_iter()
        .enumerate()
        .filter(|(w, by)| !by.is_empty() && !own[*w] && !ztunnel[*w])
        .map(|(w, by)| (numbered.get(w as u32), by))
        .collect();
    mentioned.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (w, by) in mentioned {
        if classes.waypoints.contains_key(w) || classes.gateways.contains(w) {
            continue;
        }
        let (resource, object) = cx.workload_resource(w);
        if object
            .and_then(|o| cx.membership(o))
            .is_some_and(|m| m.ambient)
        {
            continue;
        }
        out.add_ref(
            Code::MG906,
            resource,
            object,
            format!("{w} is only seen by its peers' proxies and reports nothing itself: its proxy is missing"),
        )
        .evidence(format!(
            "seen in series from: {}",
            by.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let mut passthrough: BTreeMap<(String, WorkloadRef), f64> = BTreeMap::new();
    for edge in &t.reconciliation.edges {
        let (Endpoint::Workload(src), Endpoint::External { host }) =
            (&edge.source, &edge.destination)
        else {
            continue;
        };
        if host == "PassthroughCluster" || host == "BlackHoleCluster" {
            let rate = edge
                .l7
                .as_ref()
                .map(|l| l.rps)
                .or(edge.l4.as_ref().map(|l| l.connections_opened))
                .unwrap_or(0.0);
            *passthrough.entry((host.clone(), src.clone())).or_default() += rate;
        }
    }
    for ((host, src), rate) in passthrough {
        let (resource, object) = cx.workload_resource(&src);
        let what = if host == "BlackHoleCluster" {
            "dropped by the outbound policy"
        } else {
            "leaving the mesh to an unknown destination"
        };
        out.add_ref(
            Code::MG906,
            resource,
            object,
            format!("{src} sends {rate:.2}/s to {host}: traffic {what}"),
        );
    }
}
