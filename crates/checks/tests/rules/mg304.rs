//! MG304: two Gateways claiming port 80 and the same host on the same pods is
//! reported; two Gateways with different hosts is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector:
    matchLabels: {istio: ingressgateway}
  template:
    metadata:
      labels: {istio: ingressgateway}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw-a
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw-b
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector:
    matchLabels: {istio: ingressgateway}
  template:
    metadata:
      labels: {istio: ingressgateway}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw-a
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw-b
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [admin.example.com]
"#;

#[test]
fn mg304_conflicting_gateways_is_reported() {
    assert_eq!(
        config_findings(Code::MG304, REPORTED),
        [
            finding("MG304", "Gateway shop/gw-a", Severity::Error),
            finding("MG304", "Gateway shop/gw-b", Severity::Error)
        ]
    );
}

#[test]
fn mg304_conflicting_gateways_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG304, QUIET), Vec::<Found>::new());
}
