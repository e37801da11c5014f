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
