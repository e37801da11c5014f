//! MG303: a Gateway whose selector matches no workload is reported; the ingress
//! gateway Deployment it selects is not.

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
    matchLabels: {istio: other}
  template:
    metadata:
      labels: {istio: other}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop-gw
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
  name: shop-gw
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
"#;

#[test]
fn mg303_gateway_selects_nothing_is_reported() {
    assert_eq!(
        config_findings(Code::MG303, REPORTED),
        [finding("MG303", "Gateway shop/shop-gw", Severity::Warning)]
    );
}

#[test]
fn mg303_gateway_selects_nothing_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG303, QUIET), Vec::<Found>::new());
}
