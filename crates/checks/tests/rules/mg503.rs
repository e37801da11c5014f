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

/// A Pod asking for a waypoint, in `namespace` (with `labels`, or no Namespace object).
fn pod_in(namespace: Option<&str>) -> String {
    let ns = namespace.map_or(String::new(), |labels| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {labels}\n---\n"
        )
    });
    format!(
        r#"{ns}apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {{app: web, istio.io/use-waypoint: waypoint}}
spec:
  containers:
  - {{name: app, image: web}}
"#
    )
}

#[test]
fn mg503_judges_a_pod_by_its_known_namespace_and_its_own_mode() {
    let cases: [(&str, Option<&str>, Vec<Found>); 3] = [
        (
            "a pod in a known sidecar-less namespace is not ambient",
            Some("{}"),
            vec![finding("MG503", "Pod shop/web-1", Severity::Warning)],
        ),
        (
            "a pod of an ambient namespace is",
            Some("{istio.io/dataplane-mode: ambient}"),
            vec![],
        ),
        ("without its namespace, a pod is not judged", None, vec![]),
    ];
    for (what, ns, expected) in cases {
        assert_eq!(
            config_findings(Code::MG503, &pod_in(ns)),
            expected,
            "{what}"
        );
    }
}
