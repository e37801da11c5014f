//! MG108: a container running as UID 1337 is reported; another UID is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
    securityContext: {runAsUser: 1337}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - name: app
  - name: istio-proxy
    securityContext: {runAsUser: 1337}
"#;

#[test]
fn mg108_is_reported() {
    assert_eq!(
        config_findings(Code::MG108, REPORTED),
        [finding("MG108", "Pod shop/app", Severity::Warning)]
    );
}

#[test]
fn mg108_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG108, QUIET), Vec::<Found>::new());
}
