//! MG113: a pod annotation on a Deployment's own metadata is reported; on its template it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {sidecar.istio.io/proxyCPU: 100m}
spec:
  template:
    spec: {containers: [{name: web}]}
"#;

const QUIET: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations: {sidecar.istio.io/proxyCPU: 100m}
    spec: {containers: [{name: web}]}
"#;

#[test]
fn mg113_is_reported() {
    assert_eq!(
        config_findings(Code::MG113, REPORTED),
        [finding("MG113", "Deployment shop/web", Severity::Warning)]
    );
}

#[test]
fn mg113_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG113, QUIET), Vec::<Found>::new());
}
