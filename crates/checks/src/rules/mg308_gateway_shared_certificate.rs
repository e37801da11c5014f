//! MG308 gateway-shared-certificate.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, Object, items, selector_matches};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG308,
    name: "gateway-shared-certificate",
    severity: Severity::Warning,
    istio_code: Some("IST0138"),
    status: Status::Stable,
    summary: "Gateways on the same workload serve the same certificate",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An Istio Gateway whose selector also selects every pod another Gateway selects (its \
labels are a subset of the other's), where a TLS server of each uses the same certificate: the \
same `credentialName`, or the same `serverCertificate` and `privateKey` files. Reported on the \
Gateway with the wider selector, once per other Gateway.",
    why: "Envoy picks the certificate by SNI: with the same certificate on two filter chains of \
one gateway, HTTP/2 connection reuse sends requests for one host to the other server, which \
answers 404.",
    fix: "Use one Gateway for the hosts sharing a certificate, or a certificate per Gateway.",
    example: "```yaml\n# gateway-01 and gateway-02 both select istio=ingressgateway and use credentialName: wildcard-cert: MG308 on both\n```",
};

/// The certificate a TLS server uses, as a comparable key.
fn certificate(server: &Value) -> Option<String> {
    let tls = server.get("tls")?;
    let text = |k: &str| tls.get(k).and_then(Value::as_str).unwrap_or("");
    if !text("credentialName").is_empty() {
        return Some(format!("credential:{}", text("credentialName")));
    }
    (!text("serverCertificate").is_empty()).then(|| {
        format!(
            "files:{}|{}|{}",
            text("serverCertificate"),
            text("privateKey"),
            text("caCertificates")
        )
    })
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    // Certificate -> Gateways using it: only Gateways sharing one are compared.
    let mut by_cert: BTreeMap<String, Vec<&Object>> = BTreeMap::new();
    for gw in cx.of_kind(Kind::Gateway) {
        let mut certs: Vec<String> = items(&gw.spec, "servers").filter_map(certificate).collect();
        certs.sort();
        certs.dedup();
        for cert in certs {
            by_cert.entry(cert).or_default().push(gw);
        }
    }
    let mut reported = std::collections::BTreeSet::new();
    for gateways in by_cert.values() {
        for gw in gateways {
            let selector = gw.selector().unwrap_or_default();
            for other in gateways {
                if std::ptr::eq(*gw, *other) {
                    continue;
                }
                let other_labels = other.selector().unwrap_or_default();
                if selector_matches(&selector, &other_labels)
                    && reported.insert((gw.display_name(), other.display_name()))
                {
                    out.add(
                        Code::MG308,
                        gw,
                        format!(
                            "serves the same certificate as {} on the same gateway workload",
                            other.display_name()
                        ),
                    );
                }
            }
        }
    }
}
