//! MG307 gateway-credential-problem.

use std::collections::BTreeSet;

use meshgraph_config::{Kind, Object, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG307,
    name: "gateway-credential-problem",
    severity: Severity::Error,
    istio_code: Some("IST0101"),
    status: Status::Stable,
    summary: "Gateway TLS credential is not in the gateway's namespace, or lacks its keys",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An Istio Gateway server with `tls.credentialName` naming a Secret that is not in the \
namespace of the gateway pods the Gateway selects (their namespace when they are all in one, \
else the Gateway's own) (IST0101), or a Secret without the keys `tls.crt` and `tls.key` \
(IST0161). Only the Secret's key names are read: meshgraph never reads a Secret's values, so \
unlike istioctl it does not report a certificate that is expired or does not parse.",
    why: "The gateway cannot load the certificate: the TLS server is not served and clients see \
handshake failures.",
    fix: "Create the Secret in the gateway's namespace with `tls.crt` and `tls.key` \
(`kubectl create secret tls`).",
    example: "```yaml\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: httpbin-credential-bogus}   # MG307\n```",
};

fn gateway_namespace<'a>(cx: &Context<'a>, gw: &'a Object) -> &'a str {
    let pods = gw
        .selector()
        .filter(|s| !s.is_empty())
        .map(|s| cx.selected(&s, None))
        .unwrap_or_default();
    let namespaces: BTreeSet<&str> = pods.iter().map(|p| p.effective_namespace()).collect();
    match (namespaces.len(), namespaces.first()) {
        (1, Some(ns)) => ns,
        _ => gw.effective_namespace(),
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for gw in cx.of_kind(Kind::Gateway) {
        let ns = gateway_namespace(cx, gw);
        for (i, server) in items(&gw.spec, "servers").enumerate() {
            let Some(name) = server
                .get("tls")
                .and_then(|t| t.get("credentialName"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty() && !n.contains("://"))
            else {
                continue;
            };
            let path = format!("spec/servers[{i}]/tls/credentialName");
            let Some(secret) = cx.named(&[Kind::Secret], ns, name) else {
                out.add(
                    Code::MG307,
                    gw,
                    format!("credential {name} is not a Secret of namespace {ns}, where the gateway runs"),
                )
                .at(path);
                continue;
            };
            let keys: Vec<&str> = items(&secret.spec, "keys")
                .filter_map(Value::as_str)
                .collect();
            if !(keys.contains(&"tls.crt") && keys.contains(&"tls.key")) {
                out.add(
                    Code::MG307,
                    gw,
                    format!(
                        "Secret {ns}/{name} lacks tls.crt or tls.key (it has {})",
                        keys.join(", ")
                    ),
                )
                .at(path)
                .istio_code(Some("IST0161"));
            }
        }
    }
}
