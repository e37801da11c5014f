//! MG501: a pod with a sidecar that is also redirected to ztunnel is reported;
//! the ambient pod without a sidecar is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: amb
  labels: {app: web}
  annotations: {ambient.istio.io/redirection: enabled}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: amb
  labels: {app: web}
  annotations: {ambient.istio.io/redirection: enabled}
spec:
  containers:
  - {name: app, image: web}
"#;

#[test]
fn mg501_ambient_sidecar_mixed_is_reported() {
    assert_eq!(
        config_findings(Code::MG501, REPORTED),
        [finding("MG501", "Pod amb/web-1", Severity::Error)]
    );
}

#[test]
fn mg501_ambient_sidecar_mixed_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG501, QUIET), Vec::<Found>::new());
}
