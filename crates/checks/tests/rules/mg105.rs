//! MG105: a Deployment in a namespace that opted out of injection is reported;
//! the Deployment in an injected namespace is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels: {istio-injection: disabled}
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
  name: db
  namespace: shop
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
"#;

#[test]
fn mg105_workload_out_of_mesh_is_reported() {
    assert_eq!(
        config_findings(Code::MG105, REPORTED),
        [finding("MG105", "Deployment legacy/db", Severity::Info)]
    );
}

#[test]
fn mg105_workload_out_of_mesh_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG105, QUIET), Vec::<Found>::new());
}

// MG105 reports a pod whose owner is in the input through the owner only.
#[test]
fn mg105_reports_an_owned_pod_through_its_deployment_once() {
    let yaml = r#"apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels: {istio-injection: disabled}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: legacy}
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-abc-1
  namespace: legacy
  labels: {app: db, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: db-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: db, image: db}
"#;
    assert_eq!(
        config_findings(Code::MG105, yaml),
        [finding("MG105", "Deployment legacy/db", Severity::Info)]
    );
}
