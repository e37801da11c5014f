//! MG215 service-entry-protocol-conflict.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, Object, hosts, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG215,
    name: "service-entry-protocol-conflict",
    severity: Severity::Error,
    istio_code: Some("IST0177"),
    status: Status::Stable,
    summary: "ServiceEntries declare one host and port with different protocols",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Two ServiceEntries visible to a common namespace (`exportTo` honoured) that declare \
the same host and port number with different protocols.",
    why: "Istio builds one listener per host and port: one of the protocols wins and traffic \
meant for the other is mishandled (TLS parsed as HTTP, or the reverse).",
    fix: "Use one protocol for the host and port, or move one of them to another port.",
    example: "```yaml\n# se-https: example.com:13835 HTTPS; se-http: example.com:13835 HTTP: MG215 on both\n```",
};

/// Namespaces an object is visible in (`None`: everywhere).
fn visible_in(o: &Object) -> Option<Vec<String>> {
    let export = o.export_to();
    if export.is_empty() || export.iter().any(|e| e == "*") {
        return None;
    }
    let ns = o.effective_namespace();
    Some(
        export
            .iter()
            .map(|e| if e == "." { ns.to_string() } else { e.clone() })
            .collect(),
    )
}

fn scopes_overlap(a: &Option<Vec<String>>, b: &Option<Vec<String>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|n| b.contains(n)),
        _ => true,
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // (host, port) -> declarations: the index; only declarations of one key are compared.
    type Declaration<'a> = (&'a Object, String, Option<Vec<String>>);
    let mut by_key: BTreeMap<(String, u64), Vec<Declaration<'_>>> = BTreeMap::new();
    for se in cx.of_kind(Kind::ServiceEntry) {
        let scope = visible_in(se);
        for host in se.spec_strings("hosts") {
            for port in items(&se.spec, "ports") {
                let Some(number) = port.get("number").and_then(Value::as_u64) else {
                    continue;
                };
                let protocol = port
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_uppercase();
                by_key
                    .entry((hosts::fqdn(&host, se.effective_namespace()), number))
                    .or_default()
                    .push((se, protocol, scope.clone()));
            }
        }
    }
    let mut reported = std::collections::BTreeSet::new();
    for ((host, port), decls) in &by_key {
        for (se, protocol, scope) in decls {
            let conflict = decls.iter().find(|(other, p, s)| {
                !std::ptr::eq(*other, *se) && p != protocol && scopes_overlap(scope, s)
            });
            if let Some((other, p, _)) = conflict
                && reported.insert((se.display_name(), host.clone(), *port))
            {
                out.add(
                    Code::MG215,
                    se,
                    format!(
                        "{host}:{port} is {protocol} here and {p} in {}",
                        other.display_name()
                    ),
                );
            }
        }
    }
}
