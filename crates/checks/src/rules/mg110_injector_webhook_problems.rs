//! MG110 injector-webhook-problem.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, Object, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG110,
    name: "injector-webhook-problem",
    severity: Severity::Error,
    istio_code: Some("IST0139"),
    status: Status::Stable,
    summary: "Injection webhook calls a missing Service or overlaps another webhook",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A MutatingWebhookConfiguration webhook whose `clientConfig.service` is not in the \
input, or two webhooks of different configurations with the same `namespaceSelector` and \
`objectSelector` (each reported, once per other configuration).",
    why: "A webhook without its service fails pod creation (or silently skips injection); two \
injectors selecting the same pods race, and a pod may get two sidecars or the wrong revision.",
    fix: "Point the webhook at the istiod Service of its revision; remove the stale injector \
configuration (`istioctl tag` and `istioctl uninstall --revision` help).",
    example: "```yaml\nwebhooks:\n- name: sidecar-injector.istio.io\n  clientConfig:\n    service: {name: fake, namespace: istio-system}   # no such Service: MG110\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let configs: Vec<&Object> = cx.of_kind(Kind::MutatingWebhookConfiguration).collect();
    // Webhooks by their selectors, as text: the index that finds overlaps.
    let mut by_selectors: BTreeMap<String, Vec<(&Object, String)>> = BTreeMap::new();
    for config in &configs {
        for (i, hook) in items(&config.spec, "webhooks").enumerate() {
            let name = hook.get("name").and_then(Value::as_str).unwrap_or("");
            if let Some(svc) = hook.get("clientConfig").and_then(|c| c.get("service")) {
                let svc_name = svc.get("name").and_then(Value::as_str).unwrap_or("");
                let svc_ns = svc.get("namespace").and_then(Value::as_str).unwrap_or("");
                if cx.service(svc_ns, svc_name).is_none() {
                    out.add(
                        Code::MG110,
                        config,
                        format!("webhook {name} calls Service {svc_ns}/{svc_name}, which is not in the input"),
                    )
                    .at(format!("webhooks[{i}]/clientConfig/service"));
                }
            }
            let key = format!(
                "{}|{}",
                hook.get("namespaceSelector").unwrap_or(&Value::Null),
                hook.get("objectSelector").unwrap_or(&Value::Null)
            );
            by_selectors
                .entry(key)
                .or_default()
                .push((config, name.to_string()));
        }
    }
    for hooks in by_selectors.values() {
        for (config, name) in hooks {
            let mut others: Vec<&str> = hooks
                .iter()
                .filter(|(o, _)| o.name() != config.name())
                .map(|(o, _)| o.name())
                .collect();
            others.dedup();
            for other in others {
                out.add(
                    Code::MG110,
                    config,
                    format!("webhook {name} selects the same namespaces and pods as a webhook of {other}"),
                );
            }
        }
    }
}
