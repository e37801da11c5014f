//! MG904: plaintext calls into a workload under STRICT mTLS is reported; the
//! calls over mutual TLS is not. The series are written here, one per reporter,
//! as Istio would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;

use crate::{Found, finding, requests, telemetry_findings};

const CONFIG: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: shop
spec:
  mtls: {mode: STRICT}
"#;

fn reported() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "none",
        1.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        1.0,
    )]
}

#[test]
fn mg904_plaintext_into_strict_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG904, CONFIG, &reported(), &[]),
        [finding("MG904", "Workload shop/api-v1", Severity::Error)]
    );
}

#[test]
fn mg904_plaintext_into_strict_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG904, CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}

/// MG904's findings on CONFIG, as (resource, message).
fn messages(observations: &[Observation]) -> Vec<(String, String)> {
    let reconciliation =
        meshgraph_core::reconcile(observations, &meshgraph_core::ClassifyOptions::default());
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    meshgraph_checks::check(
        &crate::load(CONFIG),
        Some(telemetry),
        &crate::only(Code::MG904),
    )
    .findings
    .iter()
    .map(|f| (f.resource.to_string(), f.message.clone()))
    .collect()
}

#[test]
fn mg904_adds_up_the_plaintext_rate_of_every_source() {
    let plaintext = |source, rate| {
        requests(
            "destination",
            source,
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "200",
            "none",
            rate,
        )
    };
    assert_eq!(
        messages(&[
            plaintext("shop/web-v1", 1.0),
            plaintext("shop/batch-v1", 0.5)
        ]),
        [(
            "Workload shop/api-v1".to_string(),
            "1.50/s of plaintext traffic reach shop/api-v1, which is under STRICT mTLS".to_string()
        )]
    );
}
