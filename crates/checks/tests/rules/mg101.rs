//! MG101: a pod without istio-proxy in an injected namespace is reported; the
//! same pod with its sidecar is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - {name: app, image: web}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
"#;

#[test]
fn mg101_missing_sidecar_is_reported() {
    assert_eq!(
        config_findings(Code::MG101, REPORTED),
        [finding("MG101", "Pod shop/web-1", Severity::Warning)]
    );
}

#[test]
fn mg101_missing_sidecar_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG101, QUIET), Vec::<Found>::new());
}
