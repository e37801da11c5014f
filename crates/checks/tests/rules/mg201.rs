//! MG201: a route to a host no Service or ServiceEntry declares is reported;
//! the route once Service ratings exists is not.

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
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: ratings
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
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: ratings
"#;

#[test]
fn mg201_destination_host_not_found_is_reported() {
    assert_eq!(
        config_findings(Code::MG201, REPORTED),
        [finding(
            "MG201",
            "VirtualService shop/reviews",
            Severity::Error
        )]
    );
}

#[test]
fn mg201_destination_host_not_found_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG201, QUIET), Vec::<Found>::new());
}
