//! MG901: traffic reaching reviews-v2 while the VirtualService routes only to
//! v1 is reported; traffic to reviews-v1 only is not. The series are written
//! here, one per reporter, as Istio would export them.

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
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews-v1
  namespace: shop
spec:
  selector:
    matchLabels: {app: reviews, version: v1}
  template:
    metadata:
      labels: {app: reviews, version: v1}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews-v2
  namespace: shop
spec:
  selector:
    matchLabels: {app: reviews, version: v2}
  template:
    metadata:
      labels: {app: reviews, version: v2}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
"#;

fn reported() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/productpage-v1",
        "shop/reviews-v2",
        "reviews.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        1.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/productpage-v1",
        "shop/reviews-v1",
        "reviews.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        1.0,
    )]
}

#[test]
fn mg901_subset_bypassed_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG901, CONFIG, &reported(), &[]),
        [finding(
            "MG901",
            "VirtualService shop/reviews",
            Severity::Warning
        )]
    );
}

#[test]
fn mg901_subset_bypassed_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG901, CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}

/// MG901's findings on `yaml`, as (resource, evidence lines).
fn evidence(yaml: &str, observations: &[Observation]) -> Vec<(String, Vec<String>)> {
    let reconciliation =
        meshgraph_core::reconcile(observations, &meshgraph_core::ClassifyOptions::default());
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    meshgraph_checks::check(
        &crate::load(yaml),
        Some(telemetry),
        &crate::only(Code::MG901),
    )
    .findings
    .iter()
    .map(|f| (f.resource.to_string(), f.evidence.clone()))
    .collect()
}

#[test]
fn mg901_gives_the_rate_of_each_stray_edge() {
    let mut observations = reported();
    observations[0].value = 1.5;
    assert_eq!(
        evidence(CONFIG, &observations),
        [(
            "VirtualService shop/reviews".to_string(),
            vec!["shop/productpage-v1 -> shop/reviews-v2: 1.50 req/s".to_string()]
        )]
    );
}

/// A route that also sends to the plain host lets traffic reach any version.
#[test]
fn mg901_is_quiet_when_a_route_does_not_name_a_subset() {
    let config = CONFIG.replace(
        "        subset: v1\n",
        "        subset: v1\n      weight: 90\n    - destination:\n        host: reviews\n      weight: 10\n",
    );
    assert_eq!(
        telemetry_findings(Code::MG901, &config, &reported(), &[]),
        Vec::<Found>::new()
    );
}
