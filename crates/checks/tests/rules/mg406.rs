//! MG406: an AuthorizationPolicy allowing a namespace that does not exist is
//! reported; a namespace that exists is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow
  namespace: shop
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        namespaces: [nosuch]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow
  namespace: shop
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        namespaces: [shop]
"#;

#[test]
fn mg406_unknown_source_namespace_is_reported() {
    assert_eq!(
        config_findings(Code::MG406, REPORTED),
        [finding(
            "MG406",
            "AuthorizationPolicy shop/allow",
            Severity::Error
        )]
    );
}

#[test]
fn mg406_unknown_source_namespace_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG406, QUIET), Vec::<Found>::new());
}
