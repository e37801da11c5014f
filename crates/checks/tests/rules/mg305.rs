//! MG305: an HTTPRoute whose parent Gateway does not exist is reported; the
//! parent Gateway in the input is not.

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
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: shop-gw
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP}
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
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: shop-gw
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
"#;

#[test]
fn mg305_route_reference_unresolved_is_reported() {
    assert_eq!(
        config_findings(Code::MG305, REPORTED),
        [finding("MG305", "HTTPRoute shop/shop", Severity::Error)]
    );
}

#[test]
fn mg305_route_reference_unresolved_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG305, QUIET), Vec::<Found>::new());
}
