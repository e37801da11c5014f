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

// MG113 accepts Pod annotations on Pods and Service annotations on Services,
// checks integers only where an integer is wanted, and skips the system
// namespaces.
#[test]
fn mg113_is_quiet_on_annotations_where_they_apply() {
    let yaml = r#"apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations: {traffic.sidecar.istio.io/includeOutboundIPRanges: 10.0.0.0/8}
spec: {containers: [{name: web}]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: {networking.istio.io/exportTo: "."}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata:
  name: istiod
  namespace: istio-system
  annotations: {sidecar.istio.io/bogus: "x"}
spec: {containers: [{name: discovery}]}
"#;
    assert_eq!(config_findings(Code::MG113, yaml), Vec::<Found>::new());
}
