//! MG404 policies-at-same-scope.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, Object, selector_matches};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG404,
    name: "policies-at-same-scope",
    severity: Severity::Error,
    istio_code: Some("IST0111"),
    status: Status::Stable,
    summary: "Several policies of one kind apply at the same scope",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "More than one PeerAuthentication, Sidecar or Telemetry without a workload selector in \
one namespace, or several with selectors that select the same pod.",
    why: "Istio applies only one of them (the oldest) and ignores the others without telling: the \
configuration in force is not the one that was reviewed.",
    fix: "Merge them into one namespace-wide resource, or make the selectors disjoint.",
    example: "```yaml\n# Sidecars has-conflict-1 and has-conflict-2 in namespace ns2, neither with a workloadSelector: MG404 on both\n```",
};

/// A policy with a workload selector, and that selector.
type Selecting<'a> = (&'a Object, BTreeMap<String, String>);

const KINDS: &[Kind] = &[Kind::PeerAuthentication, Kind::Sidecar, Kind::Telemetry];

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for &kind in KINDS {
        let policies: Vec<&Object> = cx.of_kind(kind).collect();
        let mut by_ns: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
        for p in &policies {
            if p.selector().is_none_or(|s| s.is_empty()) {
                by_ns.entry(p.effective_namespace()).or_default().push(p);
            }
        }
        for (ns, list) in by_ns {
            if list.len() < 2 {
                continue;
            }
            let names: Vec<&str> = list.iter().map(|p| p.name()).collect();
            for p in list {
                out.add(
                    Code::MG404,
                    p,
                    format!(
                        "several {kind}s without a workload selector in namespace {ns}: {}",
                        names.join(", ")
                    ),
                )
                .istio_code(match kind {
                    Kind::Sidecar => Some("IST0111"),
                    Kind::Telemetry => Some("IST0160"),
                    _ => None,
                });
            }
        }
        // Selectors overlapping on one pod: each pod is compared with the
        // policies of its own namespace only.
        // Selectors are read once per policy, not once per pod.
        let mut selecting_by_ns: BTreeMap<&str, Vec<Selecting<'_>>> = BTreeMap::new();
        for p in &policies {
            if let Some(s) = p.selector().filter(|s| !s.is_empty()) {
                selecting_by_ns
                    .entry(p.effective_namespace())
                    .or_default()
                    .push((p, s));
            }
        }
        for pod in cx.config.pod_carriers() {
            let Some(view) = pod.pod_template() else {
                continue;
            };
            let hits: Vec<&Object> = selecting_by_ns
                .get(pod.effective_namespace())
                .into_iter()
                .flatten()
                .filter(|(_, s)| selector_matches(s, &view.labels))
                .map(|(p, _)| *p)
                .collect();
            if hits.len() < 2 {
                continue;
            }
            for p in &hits {
                let others: Vec<&str> = hits
                    .iter()
                    .filter(|o| o.name() != p.name())
                    .map(|o| o.name())
                    .collect();
                out.add(
                    Code::MG404,
                    p,
                    format!(
                        "{kind} selects {} together with {}",
                        pod.display_name(),
                        others.join(", ")
                    ),
                )
                .istio_code(match kind {
                    Kind::Sidecar => Some("IST0110"),
                    Kind::Telemetry => Some("IST0159"),
                    _ => None,
                });
            }
        }
    }
}
