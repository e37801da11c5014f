//! MG401 mtls-mode-conflict.

use std::collections::BTreeMap;

use meshgraph_config::{Kind, hosts};
use serde_json::Value;

use crate::context::{Context, Findings, MtlsMode, dr_tls_modes};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG401,
    name: "mtls-mode-conflict",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Stable,
    summary: "DestinationRule TLS mode contradicts the PeerAuthentication in force",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A DestinationRule that sets `tls.mode: DISABLE` (at any level: traffic policy, port \
level, subset) for a service whose pods are under a STRICT PeerAuthentication, or `ISTIO_MUTUAL` \
while the PeerAuthentication in force is DISABLE. The PeerAuthentication in force is the \
workload one, else the namespace one, else the mesh-wide one in the root namespace.",
    why: "Clients send plaintext to servers that only accept mTLS (connection resets, 503 `UC`), \
or mTLS to servers that only accept plaintext.",
    fix: "Remove the DestinationRule's `tls` block (auto mTLS does the right thing) or align the \
two modes.",
    example: "```yaml\n# PeerAuthentication default (namespace bookinfo): mtls.mode STRICT\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nspec:\n  host: reviews\n  trafficPolicy:\n    tls:\n      mode: DISABLE   # MG401\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for dr in cx.of_kind(Kind::DestinationRule) {
        let Some(host) = dr.spec.get("host").and_then(Value::as_str) else {
            continue;
        };
        let fqdn = hosts::fqdn(host, dr.effective_namespace());
        let Some((_, ns)) = hosts::split_service_fqdn(&fqdn) else {
            continue;
        };
        let labels: BTreeMap<String, String> = cx
            .service_by_fqdn(&fqdn)
            .and_then(|s| s.selector())
            .unwrap_or_default();
        let (mode, policy) = cx.effective_mtls(ns, &labels);
        let Some(policy) = policy else { continue };
        for (path, tls) in dr_tls_modes(dr) {
            let conflict = (mode == MtlsMode::Strict && tls == "DISABLE")
                || (mode == MtlsMode::Disable && tls == "ISTIO_MUTUAL");
            if conflict {
                out.add(
                    Code::MG401,
                    dr,
                    format!(
                        "tls mode {tls} for {host} contradicts mTLS mode {mode} of {}",
                        policy.display_name()
                    ),
                )
                .at(path);
            }
        }
    }
}
