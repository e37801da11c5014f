//! MG407 deprecated-tracing-provider.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG407,
    name: "deprecated-tracing-provider",
    severity: Severity::Info,
    istio_code: Some("IST0002"),
    status: Status::Stable,
    summary: "Telemetry traces to a Lightstep provider, which Istio deprecated",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A Telemetry whose `tracing[].providers[]` names an extension provider the mesh config \
declares as `lightstep`.",
    why: "Istio deprecated the Lightstep provider: it will be removed, and the traces with it.",
    fix: "Send traces through an OpenTelemetry provider (`opentelemetry`) instead.",
    example: "```yaml\nspec:\n  tracing:\n  - providers:\n    - name: lightstep   # declared as lightstep in the mesh config: MG407\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let providers = &cx.config.settings.extension_providers;
    for t in cx.of_kind(Kind::Telemetry) {
        for (i, tracing) in items(&t.spec, "tracing").enumerate() {
            for (j, p) in items(tracing, "providers").enumerate() {
                let Some(name) = p.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if providers.get(name).is_some_and(|kind| kind == "lightstep") {
                    out.add(
                        Code::MG407,
                        t,
                        format!("tracing provider {name} is a Lightstep provider, which Istio deprecated"),
                    )
                    .at(format!("spec/tracing[{i}]/providers[{j}]"));
                }
            }
        }
    }
}
