//! MG308: two Gateways of one workload serving the same credential are both reported; different credentials are not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: b, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: b, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialName: b-cert}
"#;

#[test]
fn mg308_is_reported() {
    assert_eq!(
        config_findings(Code::MG308, REPORTED),
        [
            finding("MG308", "Gateway shop/a", Severity::Warning),
            finding("MG308", "Gateway shop/b", Severity::Warning)
        ]
    );
}

#[test]
fn mg308_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG308, QUIET), Vec::<Found>::new());
}
