//! MG213: two Services giving one port of a workload different protocols are reported; the same protocol is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details-a, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: details-b, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: tcp, port: 9080}]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details, namespace: shop}
spec:
  template:
    metadata: {labels: {app: details}}
    spec: {containers: [{name: details}]}
---
apiVersion: v1
kind: Service
metadata: {name: details-a, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: details-b, namespace: shop}
spec:
  selector: {app: details}
  ports: [{name: http-alt, port: 9080}]
"#;

#[test]
fn mg213_is_reported() {
    assert_eq!(
        config_findings(Code::MG213, REPORTED),
        [finding(
            "MG213",
            "Deployment shop/details",
            Severity::Warning
        )]
    );
}

#[test]
fn mg213_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG213, QUIET), Vec::<Found>::new());
}
