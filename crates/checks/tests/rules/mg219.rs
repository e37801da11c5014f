//! MG219: a network taking endpoints from an unknown registry is reported; a remote cluster's registry is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings_with, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-west
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
stringData:
  west: do-not-read-this-kubeconfig
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-west
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
stringData:
  west: do-not-read-this-kubeconfig
"#;

#[test]
fn mg219_is_reported() {
    assert_eq!(
        config_findings_with(
            Code::MG219,
            REPORTED,
            r#"networks: {n1: {endpoints: [{fromRegistry: east}]}}"#
        ),
        [finding(
            "MG219",
            "MeshNetworks istio-system/meshnetworks",
            Severity::Error
        )]
    );
}

#[test]
fn mg219_is_quiet_otherwise() {
    assert_eq!(
        config_findings_with(
            Code::MG219,
            QUIET,
            r#"networks: {n1: {endpoints: [{fromRegistry: west}, {fromRegistry: Kubernetes}]}}"#
        ),
        Vec::<Found>::new()
    );
}

// MG219 takes registry names only from Secrets of the root namespace that are
// labelled istio/multiCluster=true.
#[test]
fn mg219_ignores_unlabelled_or_foreign_secrets() {
    let yaml = r#"apiVersion: v1
kind: Secret
metadata: {name: istio-remote-secret-east, namespace: istio-system}
stringData:
  east: do-not-read-this-kubeconfig
---
apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-east
  namespace: shop
  labels: {istio/multiCluster: "true"}
stringData:
  east: do-not-read-this-kubeconfig
"#;
    assert_eq!(
        config_findings_with(
            Code::MG219,
            yaml,
            r#"networks: {n1: {endpoints: [{fromRegistry: east}]}}"#
        ),
        [finding(
            "MG219",
            "MeshNetworks istio-system/meshnetworks",
            Severity::Error
        )]
    );
}
