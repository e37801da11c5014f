//! MG402 mutual-tls-without-proxy.

use meshgraph_config::{Kind, hosts};
use serde_json::Value;

use crate::context::{Context, Findings, dr_tls_modes};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG402,
    name: "mutual-tls-without-proxy",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Preview,
    summary: "DestinationRule forces ISTIO_MUTUAL towards pods without a proxy",
    inputs: Inputs::Config,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "A DestinationRule that forces `tls.mode: ISTIO_MUTUAL` towards a Service all of whose \
pods (or pod templates) in the input will run with neither a sidecar nor ambient redirection.",
    why: "Clients open mTLS connections the server cannot terminate: every request fails \
(connection reset, 503 `UC`).",
    fix: "Mesh the server (sidecar or ambient), or remove `ISTIO_MUTUAL` and let auto mTLS send \
plaintext to it.",
    example: "```yaml\nspec:\n  host: legacy-db\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL   # legacy-db pods have no proxy: MG402\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for dr in cx.of_kind(Kind::DestinationRule) {
        let Some(host) = dr.spec.get("host").and_then(Value::as_str) else {
            continue;
        };
        let fqdn = hosts::fqdn(host, dr.effective_namespace());
        let Some(svc) = cx.service_by_fqdn(&fqdn) else {
            continue;
        };
        let Some(selector) = svc.selector().filter(|s| !s.is_empty()) else {
            continue;
        };
        let pods = cx.selected(&selector, Some(svc.effective_namespace()));
        let members: Vec<_> = pods.iter().filter_map(|p| cx.membership(p)).collect();
        if members.is_empty() || members.iter().any(|m| m.in_mesh() || !m.namespace_known) {
            continue;
        }
        for (path, tls) in dr_tls_modes(dr) {
            if tls == "ISTIO_MUTUAL" {
                let f = out.add(
                    Code::MG402,
                    dr,
                    format!("ISTIO_MUTUAL towards {host}, whose workloads run without a proxy"),
                );
                f.at(path);
                for p in &pods {
                    f.evidence(format!("{} is out of the mesh", p.display_name()));
                }
            }
        }
    }
}
