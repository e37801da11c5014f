//! MG102: one pod of a Deployment with a sidecar, one without is reported; both
//! pods with a sidecar is not.

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
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-2
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: app, image: web}
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
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-2
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
"#;

#[test]
fn mg102_partially_meshed_is_reported() {
    assert_eq!(
        config_findings(Code::MG102, REPORTED),
        [finding("MG102", "Deployment shop/web", Severity::Warning)]
    );
}

#[test]
fn mg102_partially_meshed_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG102, QUIET), Vec::<Found>::new());
}

// MG102 groups pods by the Deployment their ReplicaSet's name and
// pod-template-hash point at, even when neither is in the input.
#[test]
fn mg102_names_the_deployment_behind_a_replica_set_not_in_the_input() {
    let yaml = r#"apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
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
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-2
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u1}
spec:
  containers:
  - {name: app, image: web}
"#;
    assert_eq!(
        config_findings(Code::MG102, yaml),
        [finding("MG102", "Deployment shop/web", Severity::Warning)]
    );
}
