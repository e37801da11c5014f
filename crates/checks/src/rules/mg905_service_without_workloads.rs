//! MG905 service-without-workloads.

use meshgraph_core::Endpoint;

use crate::context::{Context, Findings, labels_text};
use crate::finding::ResourceRef;
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG905,
    name: "service-without-workloads",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Preview,
    summary: "A service receives traffic but has no workloads",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Traffic addressed to a Service that reached no workload (`destination_workload` \
unknown) while, in the configuration, no Pod or pod template matches the Service's selector. \
Needs both telemetry and the workloads in the configuration; skipped without them.",
    why: "Every request to it fails (503 `UH`/`NR`): a deleted or renamed deployment, or a \
selector that no longer matches after a relabel (Kiali's dead node).",
    fix: "Deploy the workload, fix the Service's selector, or stop the callers.",
    example: "```text\nError [MG905] (Service bookinfo/ratings) ratings receives 5.00 req/s but no pod matches its selector app=ratings\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    if !cx.has_workloads() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for edge in &t.reconciliation.edges {
        let Endpoint::Service {
            namespace, name, ..
        } = &edge.destination
        else {
            continue;
        };
        let Some(svc) = cx.service(namespace, name) else {
            continue;
        };
        let Some(selector) = svc.selector().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !cx.selected(&selector, Some(namespace)).is_empty() || !seen.insert((namespace, name)) {
            continue;
        }
        let rate: f64 = t
            .reconciliation
            .edges
            .iter()
            .filter(|e| e.destination == edge.destination)
            .filter_map(|e| e.l7.as_ref().map(|l| l.rps))
            .sum();
        out.add_ref(
            Code::MG905,
            ResourceRef::of(svc),
            Some(svc),
            format!(
                "{name} receives {rate:.2} req/s but no pod matches its selector {}",
                labels_text(&selector)
            ),
        )
        .evidence(format!("first caller: {}", edge.source));
    }
}
