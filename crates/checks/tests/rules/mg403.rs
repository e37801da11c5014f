//! MG403: an AuthorizationPolicy whose selector matches no workload is
//! reported; the policy selecting app=web is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny
  namespace: shop
spec:
  selector:
    matchLabels: {app: nothing}
  action: DENY
  rules:
  - {}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  action: DENY
  rules:
  - {}
"#;

#[test]
fn mg403_selector_matches_nothing_is_reported() {
    assert_eq!(
        config_findings(Code::MG403, REPORTED),
        [finding(
            "MG403",
            "AuthorizationPolicy shop/deny",
            Severity::Warning
        )]
    );
}

#[test]
fn mg403_selector_matches_nothing_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG403, QUIET), Vec::<Found>::new());
}
