//! MG302: a VirtualService host its Gateway does not expose is reported; the
//! Gateway exposing shop.example.com is not.

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
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [other.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: [shop.example.com]
  gateways: [shop-gw]
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
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: [shop.example.com]
  gateways: [shop-gw]
  http:
  - route:
    - destination:
        host: reviews
"#;

#[test]
fn mg302_host_not_in_gateway_is_reported() {
    assert_eq!(
        config_findings(Code::MG302, REPORTED),
        [finding(
            "MG302",
            "VirtualService shop/shop",
            Severity::Warning
        )]
    );
}

#[test]
fn mg302_host_not_in_gateway_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG302, QUIET), Vec::<Found>::new());
}

// MG302 reads namespace-prefixed server hosts (`./`, `*/`, `ns/`) and Gateway
// API listener hostnames, and skips `mesh`.
#[test]
fn mg302_reads_host_namespaces_and_gateway_api_listeners() {
    let manifest = |gateway: &str| {
        format!(
            r#"{gateway}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: [shop.example.com]
  gateways: [mesh, shop-gw]
"#
        )
    };
    let istio = |hosts: &str| {
        format!(
            r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - port: {{number: 80, name: http, protocol: HTTP}}
    hosts: [{hosts}]"#
        )
    };
    let reported = vec![finding(
        "MG302",
        "VirtualService shop/shop",
        Severity::Warning,
    )];
    let cases = [
        (istio("./shop.example.com"), vec![]),
        (istio("\"*/shop.example.com\""), vec![]),
        (istio("shop/shop.example.com"), vec![]),
        (istio("other/shop.example.com"), reported.clone()),
        (
            r#"apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: shop.example.com}"#
                .to_string(),
            vec![],
        ),
        (
            r#"apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop-gw
  namespace: shop
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: other.example.com}"#
                .to_string(),
            reported.clone(),
        ),
    ];
    for (gateway, expected) in cases {
        assert_eq!(
            config_findings(Code::MG302, &manifest(&gateway)),
            expected,
            "{gateway}"
        );
    }
}
