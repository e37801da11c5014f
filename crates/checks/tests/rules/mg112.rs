//! MG112: a Pod still carrying image auto is reported as an error; an injected workload template is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: shop}
spec:
  containers:
  - {name: istio-proxy, image: auto}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw, namespace: shop}
spec:
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers:
      - {name: istio-proxy, image: auto}
"#;

#[test]
fn mg112_is_reported() {
    assert_eq!(
        config_findings(Code::MG112, REPORTED),
        [finding("MG112", "Pod shop/gw", Severity::Error)]
    );
}

#[test]
fn mg112_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG112, QUIET), Vec::<Found>::new());
}
