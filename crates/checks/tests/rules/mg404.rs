//! MG404: two namespace-wide PeerAuthentications in one namespace is reported;
//! one of them scoped to a workload is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-a
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-b
  namespace: shop
spec:
  mtls: {mode: PERMISSIVE}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-a
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-b
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  mtls: {mode: PERMISSIVE}
"#;

#[test]
fn mg404_policies_same_scope_is_reported() {
    assert_eq!(
        config_findings(Code::MG404, REPORTED),
        [
            finding("MG404", "PeerAuthentication shop/pa-a", Severity::Error),
            finding("MG404", "PeerAuthentication shop/pa-b", Severity::Error)
        ]
    );
}

#[test]
fn mg404_policies_same_scope_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG404, QUIET), Vec::<Found>::new());
}
