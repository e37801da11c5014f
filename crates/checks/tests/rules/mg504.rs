//! MG504: an L7 AuthorizationPolicy in an ambient namespace enforced by ztunnel
//! is reported; the policy bound to a waypoint is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: get-only
  namespace: amb
spec:
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: [GET]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: waypoint
  namespace: amb
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - {name: mesh, port: 15008, protocol: HBONE}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: get-only
  namespace: amb
spec:
  targetRefs:
  - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: [GET]
"#;

#[test]
fn mg504_l7_without_waypoint_is_reported() {
    assert_eq!(
        config_findings(Code::MG504, REPORTED),
        [finding(
            "MG504",
            "AuthorizationPolicy amb/get-only",
            Severity::Warning
        )]
    );
}

#[test]
fn mg504_l7_without_waypoint_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG504, QUIET), Vec::<Found>::new());
}
