//! MG218 envoy-filter-fragile-patch.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG218,
    name: "envoy-filter-fragile-patch",
    severity: Severity::Warning,
    istio_code: Some("IST0151"),
    status: Status::Stable,
    summary: "EnvoyFilter patch is ignored, invalid, or depends on order or proxy version",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An EnvoyFilter patch that: uses a relative operation (`INSERT_BEFORE`, \
`INSERT_AFTER`, `REPLACE`, `REMOVE`) with no `priority` (IST0151), or with a \
`match.proxy.proxyVersion` (IST0155); uses `REPLACE` on anything but `HTTP_FILTER` or \
`NETWORK_FILTER` (IST0152); uses `ADD` (IST0153) or `REMOVE` (IST0154) on `ROUTE_CONFIGURATION` \
or `HTTP_ROUTE`, where Istio ignores it. As istioctl does, each EnvoyFilter is reported for its \
first patch with a problem.",
    why: "Relative patches depend on the order EnvoyFilters apply in and on the filters other \
patches leave; a proxy upgrade can silently break them. Ignored patches do nothing.",
    fix: "Set `priority`, drop the `proxyVersion` match, or use an operation valid for `applyTo`.",
    example: "```yaml\n  configPatches:\n  - applyTo: HTTP_FILTER\n    patch:\n      operation: INSERT_BEFORE   # no priority: MG218\n```",
};

/// The istioctl codes a patch earns, in the order istioctl reports them.
fn patch_codes(patch: &Value, priority: i64) -> Vec<&'static str> {
    let apply_to = patch.get("applyTo").and_then(Value::as_str).unwrap_or("");
    let Some(operation) = patch
        .get("patch")
        .and_then(|p| p.get("operation"))
        .and_then(Value::as_str)
    else {
        return Vec::new();
    };
    let routes = matches!(apply_to, "ROUTE_CONFIGURATION" | "HTTP_ROUTE");
    let relative = || {
        let mut codes = Vec::new();
        if priority == 0 {
            codes.push("IST0151");
        }
        let version = patch
            .get("match")
            .and_then(|m| m.get("proxy"))
            .and_then(|p| p.get("proxyVersion"))
            .and_then(Value::as_str);
        if version.is_some_and(|v| !v.is_empty()) {
            codes.push("IST0155");
        }
        codes
    };
    match operation {
        "ADD" if routes => vec!["IST0153"],
        "REMOVE" if routes => vec!["IST0154"],
        "REPLACE" if !matches!(apply_to, "HTTP_FILTER" | "NETWORK_FILTER") => vec!["IST0152"],
        "REMOVE" | "REPLACE" | "INSERT_BEFORE" | "INSERT_AFTER" => relative(),
        _ => Vec::new(),
    }
}

fn message(code: &str) -> &'static str {
    match code {
        "IST0151" => {
            "a relative patch operation without a priority depends on the order EnvoyFilters apply in"
        }
        "IST0152" => "REPLACE is only valid for HTTP_FILTER and NETWORK_FILTER",
        "IST0153" => "ADD is ignored for ROUTE_CONFIGURATION and HTTP_ROUTE",
        "IST0154" => "REMOVE is ignored for ROUTE_CONFIGURATION and HTTP_ROUTE",
        _ => {
            "a relative patch operation matched on proxyVersion may stop applying after an upgrade"
        }
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for ef in cx.of_kind(Kind::EnvoyFilter) {
        let priority = ef.spec.get("priority").and_then(Value::as_i64).unwrap_or(0);
        let first = items(&ef.spec, "configPatches")
            .enumerate()
            .map(|(i, p)| (i, patch_codes(p, priority)))
            .find(|(_, codes)| !codes.is_empty());
        let Some((i, codes)) = first else {
            continue;
        };
        for code in codes {
            out.add(Code::MG218, ef, message(code))
                .at(format!("spec/configPatches[{i}]"))
                .istio_code(Some(code));
        }
    }
}
