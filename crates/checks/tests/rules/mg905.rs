//! MG905: calls to Service api whose selector matches no pod is reported; the
//! same calls once Deployment api-v1 matches the selector is not. The series
//! are written here, one per reporter, as Istio would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;

use crate::{Found, finding, requests, telemetry_findings};

const CONFIG: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
"#;

const QUIET_CONFIG: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
"#;

fn reported() -> Vec<Observation> {
    vec![requests(
        "source",
        "shop/web-v1",
        "unknown",
        "api.shop.svc.cluster.local",
        "503",
        "unknown",
        1.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "source",
        "shop/web-v1",
        "unknown",
        "api.shop.svc.cluster.local",
        "503",
        "unknown",
        1.0,
    )]
}

#[test]
fn mg905_service_without_workloads_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG905, CONFIG, &reported(), &[]),
        [finding("MG905", "Service shop/api", Severity::Error)]
    );
}

#[test]
fn mg905_service_without_workloads_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG905, QUIET_CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}

/// MG905's messages on CONFIG.
fn messages(observations: &[Observation]) -> Vec<String> {
    let reconciliation =
        meshgraph_core::reconcile(observations, &meshgraph_core::ClassifyOptions::default());
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    meshgraph_checks::check(
        &crate::load(CONFIG),
        Some(telemetry),
        &crate::only(Code::MG905),
    )
    .findings
    .iter()
    .map(|f| f.message.clone())
    .collect()
}

#[test]
fn mg905_gives_the_rate_of_every_caller_of_the_dead_service() {
    let mut observations = reported();
    observations.push(requests(
        "source",
        "shop/batch-v1",
        "unknown",
        "api.shop.svc.cluster.local",
        "503",
        "unknown",
        0.5,
    ));
    let found = messages(&observations);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("api receives 1.50 req/s but no pod matches its selector"),
        "{found:?}"
    );
}
