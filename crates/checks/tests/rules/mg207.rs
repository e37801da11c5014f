//! MG207: a route to a service with two ports that names none is reported; the
//! route naming port 9080 is not.

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
  - {name: http-admin, port: 9090}
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
  - {name: http-admin, port: 9090}
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
        port: {number: 9080}
"#;

#[test]
fn mg207_destination_port_is_reported() {
    assert_eq!(
        config_findings(Code::MG207, REPORTED),
        [finding(
            "MG207",
            "VirtualService shop/reviews",
            Severity::Error
        )]
    );
}

#[test]
fn mg207_destination_port_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG207, QUIET), Vec::<Found>::new());
}

// MG207 reports a route naming a port the service does not declare.
#[test]
fn mg207_reports_a_port_the_service_does_not_declare() {
    let yaml = r#"apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        port: {number: 9090}
"#;
    assert_eq!(
        config_findings(Code::MG207, yaml),
        [finding(
            "MG207",
            "VirtualService shop/reviews",
            Severity::Error
        )]
    );
}
