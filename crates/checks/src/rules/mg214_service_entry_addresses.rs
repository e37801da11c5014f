//! MG214 service-entry-addresses-required.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG214,
    name: "service-entry-addresses-required",
    severity: Severity::Warning,
    istio_code: Some("IST0134"),
    status: Status::Stable,
    summary: "ServiceEntry port without protocol or with TCP needs addresses",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A ServiceEntry with no `addresses` (and none allocated in its status) that has a port \
with no `protocol` or protocol TCP (any case). Skipped when the mesh config turns on DNS address \
auto-allocation (`defaultConfig.proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"`).",
    why: "A TCP listener is keyed by address and port; without an address every ServiceEntry on \
that port shares the wildcard listener and traffic may go to the wrong one.",
    fix: "Add `addresses`, set an application protocol on the port, or enable DNS auto-allocation.",
    example: "```yaml\nspec:\n  hosts: [db.example.com]\n  ports:\n  - {number: 5432, name: tcp, protocol: TCP}   # no addresses: MG214\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let auto_allocate = cx
        .config
        .settings
        .proxy_metadata
        .get("ISTIO_META_DNS_AUTO_ALLOCATE")
        .is_some_and(|v| v == "true");
    if auto_allocate {
        return;
    }
    for se in cx.of_kind(Kind::ServiceEntry) {
        let allocated = se
            .status
            .as_ref()
            .is_some_and(|s| items(s, "addresses").next().is_some());
        if !se.spec_strings("addresses").is_empty() || allocated {
            continue;
        }
        for (i, port) in items(&se.spec, "ports").enumerate() {
            let protocol = port
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if protocol.is_empty() || protocol.eq_ignore_ascii_case("TCP") {
                let number = port.get("number").and_then(Value::as_u64).unwrap_or(0);
                out.add(
                    Code::MG214,
                    se,
                    format!("port {number} is TCP (or has no protocol) and the ServiceEntry has no addresses"),
                )
                .at(format!("spec/ports[{i}]"));
            }
        }
    }
}
