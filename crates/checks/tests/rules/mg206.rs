//! MG206: two mesh VirtualServices for the same host is reported;
//! VirtualServices for different hosts is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
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
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-a
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-b
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
"#;

const QUIET: &str = r#"apiVersion: v1
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
apiVersion: v1
kind: Service
metadata:
  name: ratings
  namespace: shop
spec:
  selector: {app: ratings}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-a
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
  namespace: shop
spec:
  hosts: [ratings]
  http:
  - route:
    - destination:
        host: ratings
"#;

#[test]
fn mg206_conflicting_virtual_services_is_reported() {
    assert_eq!(
        config_findings(Code::MG206, REPORTED),
        [
            finding("MG206", "VirtualService shop/reviews-a", Severity::Error),
            finding("MG206", "VirtualService shop/reviews-b", Severity::Error)
        ]
    );
}

#[test]
fn mg206_conflicting_virtual_services_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG206, QUIET), Vec::<Found>::new());
}
