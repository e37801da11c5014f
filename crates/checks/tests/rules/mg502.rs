//! MG502: a namespace using a waypoint that is not deployed is reported; the
//! waypoint deployed is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}
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
fn mg502_waypoint_not_deployed_is_reported() {
    assert_eq!(
        config_findings(Code::MG502, REPORTED),
        [finding("MG502", "Namespace amb", Severity::Error)]
    );
}

#[test]
fn mg502_waypoint_not_deployed_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG502, QUIET), Vec::<Found>::new());
}
