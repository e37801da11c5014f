//! MG503: a sidecar namespace asking for a waypoint is reported; an ambient
//! namespace with its waypoint is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio-injection: enabled, istio.io/use-waypoint: waypoint}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}
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
"#;

#[test]
fn mg503_waypoint_outside_ambient_is_reported() {
    assert_eq!(
        config_findings(Code::MG503, REPORTED),
        [finding("MG503", "Namespace amb", Severity::Warning)]
    );
}

#[test]
fn mg503_waypoint_outside_ambient_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG503, QUIET), Vec::<Found>::new());
}
