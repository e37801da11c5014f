//! MG104 conflicting-enrollment-labels.

use meshgraph_config::{Enrollment, Kind};

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG104,
    name: "conflicting-enrollment-labels",
    severity: Severity::Warning,
    istio_code: Some("IST0123"),
    status: Status::Stable,
    summary: "Namespace carries more than one mesh enrollment label",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Namespace where more than one of `istio-injection=enabled`, `istio.io/rev` and \
`istio.io/dataplane-mode=ambient` is in force (`istio-injection=disabled` counts as none).",
    why: "The labels disagree about the data plane: `istio-injection` wins over `istio.io/rev`, so \
a revision upgrade silently does not apply, and injected pods in an ambient namespace are skipped \
by ztunnel, so the namespace runs in two modes at once.",
    fix: "Keep exactly one enrollment label: remove `istio-injection` when using revisions, or \
remove the injection labels when moving the namespace to ambient (and restart its workloads).",
    example: "```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: busted\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary   # MG104\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for ns in cx.of_kind(Kind::Namespace) {
        if cx.config.is_system_namespace(ns.name()) {
            continue;
        }
        let labels = Enrollment::of(ns).in_force();
        if labels.len() < 2 {
            continue;
        }
        out.add(
            Code::MG104,
            ns,
            format!(
                "Namespace {} has conflicting mesh enrollment labels: {}",
                ns.name(),
                labels.join(", ")
            ),
        );
    }
}
