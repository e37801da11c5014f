//! MG501: a pod with a sidecar that is also redirected to ztunnel is reported;
//! the ambient pod without a sidecar is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: amb
  labels: {app: web}
  annotations: {ambient.istio.io/redirection: enabled}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: amb
  labels: {app: web}
  annotations: {ambient.istio.io/redirection: enabled}
spec:
  containers:
  - {name: app, image: web}
"#;

#[test]
fn mg501_ambient_sidecar_mixed_is_reported() {
    assert_eq!(
        config_findings(Code::MG501, REPORTED),
        [finding("MG501", "Pod amb/web-1", Severity::Error)]
    );
}

#[test]
fn mg501_ambient_sidecar_mixed_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG501, QUIET), Vec::<Found>::new());
}

const AMBIENT_NS: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: amb
  labels: {istio.io/dataplane-mode: ambient}
---
"#;

const PLAIN_NS: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: legacy
---
"#;

/// A Deployment opting into a sidecar in the ambient namespace, and the Pod
/// of its ReplicaSet: only the owner is reported.
const OWNED_POD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: amb
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, sidecar.istio.io/inject: "true"}
    spec:
      containers:
      - {name: app, image: web}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-x1
  namespace: amb
  labels: {app: web, pod-template-hash: 5d9c, sidecar.istio.io/inject: "true"}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: 1f0c}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
"#;

/// A manually injected Pod and a namespace-wide Sidecar outside ambient.
const PLAIN: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: legacy
  labels: {app: web}
spec:
  containers:
  - {name: app, image: web}
  - {name: istio-proxy, image: istio-sidecar}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: legacy
spec:
  egress:
  - hosts: ["./*"]
"#;

/// A namespace-wide Sidecar in the ambient namespace.
const NAMESPACE_SIDECAR: &str = r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: amb
spec:
  egress:
  - hosts: ["./*"]
"#;

/// A Sidecar in the ambient namespace selecting `app: web`.
const WEB_SIDECAR: &str = r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: web
  namespace: amb
spec:
  workloadSelector:
    labels: {app: web}
  egress:
  - hosts: ["./*"]
"#;

/// A Pod `app: web` in the ambient namespace, with `extra` labels.
fn web_pod(extra: &str) -> String {
    format!(
        r#"---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: amb
  labels: {{app: web{extra}}}
spec:
  containers:
  - {{name: app, image: web}}
"#
    )
}

#[test]
fn mg501_reports_sidecars_and_sidecar_resources_only_where_ambient_rules() {
    let warning = |resource| vec![finding("MG501", resource, Severity::Warning)];
    let cases: [(&str, String, Vec<Found>); 6] = [
        (
            "a Pod owned by a Deployment in the input is left to its owner",
            format!("{AMBIENT_NS}{OWNED_POD}"),
            warning("Deployment amb/web"),
        ),
        (
            "outside ambient, a sidecar and a namespace-wide Sidecar are fine",
            format!("{PLAIN_NS}{PLAIN}"),
            vec![],
        ),
        (
            "a namespace-wide Sidecar in an ambient namespace has no effect",
            format!("{AMBIENT_NS}{NAMESPACE_SIDECAR}"),
            warning("Sidecar amb/default"),
        ),
        (
            "a Sidecar selecting no pod is not judged",
            format!("{AMBIENT_NS}{WEB_SIDECAR}"),
            vec![],
        ),
        (
            "a Sidecar selecting a pod opted out of ambient has an effect",
            format!(
                "{AMBIENT_NS}{WEB_SIDECAR}{}",
                web_pod(", istio.io/dataplane-mode: none")
            ),
            vec![],
        ),
        (
            "a Sidecar selecting only ambient pods has no effect",
            format!("{AMBIENT_NS}{WEB_SIDECAR}{}", web_pod("")),
            warning("Sidecar amb/web"),
        ),
    ];
    for (what, yaml, expected) in cases {
        assert_eq!(config_findings(Code::MG501, &yaml), expected, "{what}");
    }
}
