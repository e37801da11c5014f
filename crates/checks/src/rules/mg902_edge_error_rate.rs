//! MG902 edge-error-rate.

use std::collections::BTreeMap;

use meshgraph_core::Endpoint;
use meshgraph_model::StatusClass;

use crate::context::{Context, Findings};
use crate::finding::{ResourceKind, ResourceRef, Severity};
use crate::registry::{Code, Inputs, Rule, RuleDoc, Status};
use meshgraph_config::Kind;

pub(crate) const RULE: Rule = Rule {
    code: Code::MG902,
    name: "edge-error-rate",
    severity: Severity::Warning,
    istio_code: None,
    status: Status::Stable,
    summary: "An edge fails too often",
    inputs: Inputs::Telemetry,
    doc: &DOC,
    check,
};

pub(crate) const DOC: RuleDoc = RuleDoc {
    what: "An edge of the reconciled graph whose failed-request share (5xx, no response, non-OK \
gRPC status) is above 0 (warning) or 10% (error), or whose 4xx share is above 10% (warning) or \
20% (error) — Kiali's health defaults. Envoy response flags that explain failures (`UH` no \
healthy upstream, `NR` no route, `UF` upstream connection failure, `URX` retries exhausted) are \
called out. Rates come from the single emitter the reconciliation chose for the edge, so a call \
seen by both proxies is not counted twice.",
    why: "Users of that edge see errors now; the flags usually say why (no endpoints, a missing \
route or subset, a server refusing connections).",
    fix: "Follow the flags: `NR` points at routing (MG201, MG202), `UH` at endpoints (MG203, \
MG905), `UF` at the server or mTLS (MG401, MG904); otherwise look at the destination's logs.",
    example: "```text\nError [MG902] (Deployment bookinfo/ratings-v1) 25.0% of requests from bookinfo/reviews-v2 to bookinfo/ratings-v1 fail\n```",
};

const FLAGS: &[&str] = &["UH", "NR", "UF", "URX"];

pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let Some(t) = cx.telemetry else { return };
    for edge in &t.reconciliation.edges {
        let Some(l7) = &edge.l7 else { continue };
        if l7.rps <= 0.0 {
            continue;
        }
        let errors = l7.error_rps / l7.rps;
        let client = l7
            .by_class
            .get(&StatusClass::ClientError)
            .copied()
            .unwrap_or(0.0)
            / l7.rps;
        let (severity, what, share) = if errors > 0.0 {
            (
                if errors > 0.10 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "fail",
                errors,
            )
        } else if client > 0.10 {
            (
                if client > 0.20 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "get a 4xx answer",
                client,
            )
        } else {
            continue;
        };
        let mut flags: BTreeMap<&str, f64> = BTreeMap::new();
        for &i in &edge.series {
            let obs = &t.observations[i];
            if obs.metric != meshgraph_model::Metric::Requests {
                continue;
            }
            for flag in obs.response_flags.split(',') {
                if let Some(f) = FLAGS.iter().find(|f| **f == flag) {
                    *flags.entry(f).or_default() += obs.value;
                }
            }
        }
        let (resource, object) = match &edge.destination {
            Endpoint::Workload(w) => cx.workload_resource(w),
            Endpoint::Service {
                namespace, name, ..
            } => {
                let svc = cx.service(namespace, name);
                (
                    ResourceRef::new(Kind::Service, Some(namespace), name.clone()),
                    svc,
                )
            }
            other => (
                ResourceRef::new(ResourceKind::Destination, None, other.to_string()),
                None,
            ),
        };
        let f = out.add_ref(
            Code::MG902,
            resource,
            object,
            format!(
                "{:.1}% of requests from {} to {} {what}",
                share * 100.0,
                edge.source,
                edge.destination
            ),
        );
        f.severity(severity)
            .on_edge(&edge.source, &edge.destination);
        f.evidence(format!(
            "{:.2} req/s, by class: {}",
            l7.rps,
            l7.by_class
                .iter()
                .map(|(c, r)| format!("{c}={r:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(from) = edge.l7_from {
            f.evidence(format!("rates from {from}"));
        }
        for (flag, rate) in flags {
            f.evidence(format!("response flag {flag}: {rate:.2} req/s"));
        }
    }
}
