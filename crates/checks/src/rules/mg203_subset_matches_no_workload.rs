//! MG203 subset-matches-no-workload.

use meshgraph_config::{Kind, hosts};
use serde_json::Value;

use crate::context::{Context, Findings, dr_subsets, labels_text, vs_destinations};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG203,
    name: "subset-matches-no-workload",
    severity: Severity::Error,
    istio_code: Some("IST0173"),
    status: Status::Stable,
    summary: "DestinationRule subset selects no pod",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A DestinationRule subset whose labels, together with the Service's selector, match no \
Pod and no pod template in the Service's namespace. Error when a VirtualService routes to the \
subset, warning otherwise.",
    why: "Requests routed to the subset find no endpoint and fail with 503 `UH` (no healthy \
upstream).",
    fix: "Correct the subset's labels (usually `version`) to those of the pods, or deploy the \
missing version.",
    example: "```yaml\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\nspec:\n  host: reviews\n  subsets:\n  - name: v4\n    labels:\n      version: v4   # no reviews pod has version=v4: MG203\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let referenced: Vec<(String, String)> = cx
        .of_kind(Kind::VirtualService)
        .flat_map(|vs| {
            let ns = vs.effective_namespace();
            vs_destinations(vs)
                .into_iter()
                .filter_map(move |d| Some((hosts::fqdn(d.host?, ns), d.subset?.to_string())))
        })
        .collect();
    for dr in cx.of_kind(Kind::DestinationRule) {
        let Some(host) = dr.spec.get("host").and_then(Value::as_str) else {
            continue;
        };
        let fqdn = hosts::fqdn(host, dr.effective_namespace());
        let Some(service) = cx.service_by_fqdn(&fqdn) else {
            continue;
        };
        let Some(selector) = service.selector().filter(|s| !s.is_empty()) else {
            continue;
        };
        for (i, name, labels) in dr_subsets(dr) {
            let mut wanted = selector.clone();
            wanted.extend(labels.clone());
            if !cx
                .selected(&wanted, Some(service.effective_namespace()))
                .is_empty()
            {
                continue;
            }
            let is_referenced = referenced.iter().any(|(h, s)| *h == fqdn && *s == name);
            let f = out.add(
                Code::MG203,
                dr,
                format!(
                    "subset {name} of host {host} selects no pod ({})",
                    labels_text(&wanted)
                ),
            );
            f.at(format!("spec/subsets[{i}]"));
            if !is_referenced {
                f.severity(Severity::Warning);
                f.evidence("no VirtualService routes to this subset");
            }
        }
    }
}
