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

/// A Service asking for a missing waypoint is named with its namespace.
#[test]
fn mg502_names_a_namespaced_user_with_its_namespace() {
    let yaml = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: amb
  labels: {istio.io/use-waypoint: api-waypoint}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80}
"#;
    assert_eq!(
        config_findings(Code::MG502, yaml),
        [finding("MG502", "Service amb/api", Severity::Error)]
    );
}
