//! MG216: a gateway route without the subset the mesh routes to is reported; with it it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: public, namespace: shop}
spec:
  hosts: [ratings.example.com]
  gateways: [istio-system/public]
  http:
  - route:
    - destination: {host: ratings}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: public, namespace: shop}
spec:
  hosts: [ratings.example.com]
  gateways: [istio-system/public]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
"#;

#[test]
fn mg216_is_reported() {
    assert_eq!(
        config_findings(Code::MG216, REPORTED),
        [finding(
            "MG216",
            "VirtualService shop/public",
            Severity::Warning
        )]
    );
}

#[test]
fn mg216_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG216, QUIET), Vec::<Found>::new());
}
