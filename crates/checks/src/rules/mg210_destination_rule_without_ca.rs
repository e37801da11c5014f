//! MG210 tls-origination-without-ca.

use meshgraph_config::{Kind, items};
use serde_json::Value;

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG210,
    name: "tls-origination-without-ca",
    severity: Severity::Error,
    istio_code: Some("IST0128"),
    status: Status::Stable,
    summary: "DestinationRule originates TLS without a CA certificate to verify the server",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A DestinationRule whose `trafficPolicy.tls` (reported as IST0128) or a \
`portLevelSettings[].tls` (IST0129) sets `mode: SIMPLE` or `MUTUAL` without `caCertificates`, \
unless it reads its certificates from a `credentialName` and is bound to workloads with a \
`workloadSelector` (the secret then carries the CA), or sets `insecureSkipVerify: true`.",
    why: "The sidecar originates TLS to the upstream without verifying its certificate: \
anyone able to answer on that address is trusted.",
    fix: "Set `caCertificates` (or `credentialName` with a `workloadSelector`), or \
`insecureSkipVerify: true` when skipping verification is deliberate.",
    example: "```yaml\nspec:\n  host: db.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE   # no caCertificates: MG210\n```",
};

/// Whether a `tls` block originates TLS without a way to verify the server.
fn unverified(tls: &Value, has_selector: bool) -> bool {
    let mode = tls.get("mode").and_then(Value::as_str).unwrap_or_default();
    if mode != "SIMPLE" && mode != "MUTUAL" {
        return false;
    }
    let set = |k: &str| {
        tls.get(k)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
    };
    if set("caCertificates") || tls.get("insecureSkipVerify").and_then(Value::as_bool) == Some(true)
    {
        return false;
    }
    !(set("credentialName") && has_selector)
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for dr in cx.of_kind(Kind::DestinationRule) {
        let has_selector = dr
            .spec
            .get("workloadSelector")
            .is_some_and(Value::is_object);
        let Some(policy) = dr.spec.get("trafficPolicy") else {
            continue;
        };
        if let Some(tls) = policy.get("tls")
            && unverified(tls, has_selector)
        {
            out.add(
                Code::MG210,
                dr,
                "TLS origination (mode SIMPLE or MUTUAL) without caCertificates: the server's certificate is not verified",
            )
            .at("spec/trafficPolicy/tls");
        }
        for (i, port) in items(policy, "portLevelSettings").enumerate() {
            if let Some(tls) = port.get("tls")
                && unverified(tls, has_selector)
            {
                let number = port
                    .get("port")
                    .and_then(|p| p.get("number"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                out.add(
                    Code::MG210,
                    dr,
                    format!("TLS origination on port {number} without caCertificates: the server's certificate is not verified"),
                )
                .at(format!("spec/trafficPolicy/portLevelSettings[{i}]/tls"))
                .istio_code(Some("IST0129"));
            }
        }
    }
}
