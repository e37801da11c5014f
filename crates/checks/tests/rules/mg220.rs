//! MG220: a fault delay with the deprecated percent is reported; with percentage it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - fault:
      delay: {percent: 50, fixedDelay: 1s}
    route:
    - destination: {host: web}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - fault:
      delay: {percentage: 50, fixedDelay: 1s}
    route:
    - destination: {host: web}
"#;

#[test]
fn mg220_is_reported() {
    assert_eq!(
        config_findings(Code::MG220, REPORTED),
        [finding("MG220", "VirtualService shop/web", Severity::Info)]
    );
}

#[test]
fn mg220_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG220, QUIET), Vec::<Found>::new());
}
