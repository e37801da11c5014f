//! MG108: a container running as UID 1337 is reported; another UID is not.

use std::collections::BTreeSet;

use meshgraph_checks::{CheckOptions, Code, Severity, check};
use meshgraph_config::{LoadOptions, MeshConfig};

use crate::{Found, config_findings, finding};

/// The messages of MG108's findings on a manifest.
fn messages(yaml: &str) -> Vec<String> {
    let (config, warnings) = MeshConfig::from_text(yaml, "rule.yaml", &LoadOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let options = CheckOptions {
        only: Some(BTreeSet::from([Code::MG108])),
        ..CheckOptions::default()
    };
    check(&config, None, &options)
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
    securityContext: {runAsUser: 1337}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - name: app
  - name: istio-proxy
    securityContext: {runAsUser: 1337}
"#;

#[test]
fn mg108_is_reported() {
    assert_eq!(
        config_findings(Code::MG108, REPORTED),
        [finding("MG108", "Pod shop/app", Severity::Warning)]
    );
}

#[test]
fn mg108_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG108, QUIET), Vec::<Found>::new());
}

// MG108 skips the system namespaces, and reports a pod owned by a workload
// in the input through that workload only.
#[test]
fn mg108_skips_system_namespaces_and_owned_pods() {
    let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: kube-system}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      securityContext: {runAsUser: 1337}
      containers: [{name: agent}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext: {runAsUser: 1337}
      containers: [{name: web}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  securityContext: {runAsUser: 1337}
  containers: [{name: web}]
"#;
    assert_eq!(
        config_findings(Code::MG108, yaml),
        [finding("MG108", "Deployment shop/web", Severity::Warning)]
    );
}

// MG108 names the container when only a container runs as 1337, the pod
// when the pod-level securityContext does.
#[test]
fn mg108_message_names_the_container_or_the_pod() {
    let container = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
  - name: app
    securityContext: {runAsUser: 1337}
"#;
    let pod = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext: {runAsUser: 1337}
  containers:
  - name: app
    securityContext: {runAsUser: 1337}
"#;
    assert_eq!(
        messages(container),
        ["container app runs as UID 1337, the sidecar's user: its traffic bypasses the proxy"]
    );
    assert_eq!(
        messages(pod),
        ["the pod runs as UID 1337, the sidecar's user: its traffic bypasses the proxy"]
    );
}
