//! MG904 plaintext-into-strict.

use std::collections::BTreeMap;

use meshgraph_core::Endpoint;

use crate::context::{Context, Findings, MtlsMode};
use crate::finding::Severity;
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};

pub(crate) const RULE: Rule = Rule {
    code: Code::MG904,
    name: "plaintext-into-strict",
    severity: Severity::Error,
    istio_code: None,
    status: Status::Stable,
    summary: "Plaintext traffic reaches a workload under STRICT mTLS",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "Destination-side telemetry (`connection_security_policy`, as weighed by the \
reconciliation) shows plaintext traffic into a workload whose PeerAuthentication in force is \
STRICT (error). Where the mode is PERMISSIVE (explicitly or by Istio's default), the plaintext \
sources that would break if it were switched to STRICT are listed (info).",
    why: "STRICT should make plaintext impossible; seeing it means the policy does not select the \
workload as intended, a port is excluded, or the telemetry comes from before the change. Under \
PERMISSIVE, the list is what blocks moving to STRICT.",
    fix: "Check the PeerAuthentication's selector and port-level settings; mesh the plaintext \
clients before enforcing STRICT.",
    example: "```text\nError [MG904] (Deployment bookinfo/ratings-v1) 2.00 req/s of plaintext reach a workload under STRICT mTLS\n```",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    // Destination -> (plaintext rate, sources).
    type Plaintext = (f64, Vec<String>, Vec<(Endpoint, Endpoint)>);
    let mut plaintext: BTreeMap<meshgraph_core::WorkloadRef, Plaintext> = BTreeMap::new();
    for edge in &t.reconciliation.edges {
        let Endpoint::Workload(dest) = &edge.destination else {
            continue;
        };
        let rate = edge.security.observed - edge.security.mutual_tls;
        if edge.security.observed <= 0.0 || rate <= 1e-9 {
            continue;
        }
        let entry = plaintext.entry(dest.clone()).or_default();
        entry.0 += rate;
        entry.1.push(format!("{} ({rate:.2}/s)", edge.source));
        entry
            .2
            .push((edge.source.clone(), edge.destination.clone()));
    }
    for (dest, (rate, sources, edges)) in plaintext {
        let labels = cx.workload_labels(&dest);
        let (mode, policy) = cx.effective_mtls(&dest.namespace, &labels);
        let (resource, object) = cx.workload_resource(&dest);
        let f = if mode == MtlsMode::Strict {
            out.add_ref(
                Code::MG904,
                resource,
                object,
                format!(
                    "{rate:.2}/s of plaintext traffic reach {dest}, which is under STRICT mTLS"
                ),
            )
        } else if mode == MtlsMode::Permissive {
            let f = out.add_ref(
                Code::MG904,
                resource,
                object,
                format!("{dest} accepts {rate:.2}/s of plaintext under PERMISSIVE mTLS; these sources block STRICT"),
            );
            f.severity(Severity::Info);
            f
        } else {
            continue;
        };
        f.evidence(match policy {
            Some(p) => format!("mTLS mode {mode} from {}", p.display_name()),
            None => format!("mTLS mode {mode} (Istio's default: no PeerAuthentication applies)"),
        });
        f.evidence(format!("plaintext sources: {}", sources.join(", ")));
        for (source, destination) in &edges {
            f.on_edge(source, destination);
        }
    }
}
