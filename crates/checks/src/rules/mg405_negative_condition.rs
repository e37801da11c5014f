//! MG405 negative-status-condition.

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG405,
    name: "negative-status-condition",
    severity: Severity::Warning,
    istio_code: Some("IST0171"),
    status: Status::Stable,
    summary: "A status condition reports a problem",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A status condition written by Istio or a Gateway API controller that reports a problem: \
`WaypointBound`, `Accepted`, `Programmed`, `ResolvedRefs`, `ZtunnelAccepted` or \
`WaypointAccepted` with status `False`, or with reason `PartiallyInvalid`. Conditions of other \
controllers (e.g. Argo CD's `Synced`) are ignored. Route conditions are read per parent, Gateway \
conditions per listener too.",
    why: "The controller already knows the object does not work as written (a waypoint not ready, \
a route not attached, a policy ztunnel cannot enforce); only the status says so.",
    fix: "Read the condition's reason and message (in the evidence) and fix what it names.",
    example: "```yaml\nstatus:\n  conditions:\n  - type: istio.io/WaypointBound\n    status: \"False\"   # MG405\n    reason: NoWaypoint\n```",
};

const TYPES: &[&str] = &[
    "WaypointBound",
    "Accepted",
    "Programmed",
    "ResolvedRefs",
    "ZtunnelAccepted",
    "WaypointAccepted",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for o in &cx.config.objects {
        for (path, c) in o.conditions() {
            let type_ = c.type_.strip_prefix("istio.io/").unwrap_or(&c.type_);
            if !TYPES.contains(&type_) {
                continue;
            }
            if c.status != "False" && c.reason != "PartiallyInvalid" {
                continue;
            }
            let f = out.add(
                Code::MG405,
                o,
                format!("condition {} is {} ({})", c.type_, c.status, c.reason),
            );
            f.at(path);
            if !c.message.is_empty() {
                f.evidence(c.message.clone());
            }
        }
    }
}
