//! MG408 access-logging-without-provider.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG408,
    name: "access-logging-without-provider",
    severity: Severity::Warning,
    istio_code: Some("IST0157"),
    status: Status::Preview,
    summary: "Telemetry access logging names no provider and the mesh has no default one",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Telemetry whose `accessLogging` entries name no provider at all (and are not all \
`disabled`), while the mesh config sets no `defaultProviders.accessLogging`.",
    why: "Without a provider there is nothing to log to: Istio ignores the entries.",
    fix: "Name a provider (`envoy` for the proxy's standard output), or set a default one in \
the mesh config.",
    example: "```yaml\nspec:\n  accessLogging:\n  - filter:\n      expression: response.code >= 400   # no provider: MG408\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    if cx.config.settings.default_access_log_providers {
        return;
    }
    for t in cx.of_kind(Kind::Telemetry) {
        let entries: Vec<&Value> = items(&t.spec, "accessLogging").collect();
        if entries.is_empty() {
            continue;
        }
        let named = entries
            .iter()
            .any(|e| items(e, "providers").next().is_some());
        let all_disabled = entries
            .iter()
            .all(|e| e.get("disabled").and_then(Value::as_bool) == Some(true));
        if !named && !all_disabled {
            out.add(
                Code::MG408,
                t,
                "access logging names no provider and the mesh config has no default one: Istio ignores it",
            )
            .at("spec/accessLogging");
        }
    }
}
