//! MG402: ISTIO_MUTUAL towards pods that run without a proxy is reported; the
//! same pods in an injected namespace is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels: {istio-injection: disabled}
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: legacy
spec:
  selector: {app: db}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: legacy
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db
  namespace: legacy
spec:
  host: db
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: legacy
spec:
  selector: {app: db}
  ports:
  - {name: http, port: 9080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: legacy
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db
  namespace: legacy
spec:
  host: db
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
"#;

#[test]
fn mg402_mutual_tls_without_proxy_is_reported() {
    assert_eq!(
        config_findings(Code::MG402, REPORTED),
        [finding(
            "MG402",
            "DestinationRule legacy/db",
            Severity::Error
        )]
    );
}

#[test]
fn mg402_mutual_tls_without_proxy_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG402, QUIET), Vec::<Found>::new());
}
