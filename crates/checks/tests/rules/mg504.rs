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

/// A namespace `shop` with `labels`, then an AuthorizationPolicy with `rules`.
fn policy(labels: &str, rules: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {labels}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: p
  namespace: shop
spec:
  action: ALLOW
  rules:
{rules}"#
    )
}

const AMBIENT: &str = "{istio.io/dataplane-mode: ambient}";

#[test]
fn mg504_reports_ztunnel_policies_with_any_l7_attribute_in_ambient_only_namespaces() {
    let reported = vec![finding(
        "MG504",
        "AuthorizationPolicy shop/p",
        Severity::Warning,
    )];
    let cases: [(&str, &str, &str, Vec<Found>); 5] = [
        (
            "paths only",
            AMBIENT,
            "  - to:\n    - operation:\n        paths: [/api]\n",
            reported.clone(),
        ),
        (
            "request principals only",
            AMBIENT,
            "  - from:\n    - source:\n        requestPrincipals: [\"*\"]\n",
            reported.clone(),
        ),
        (
            "a request.* condition only",
            AMBIENT,
            "  - when:\n    - key: request.headers[x-user]\n      values: [admin]\n",
            reported.clone(),
        ),
        (
            "ports and principals are L4",
            AMBIENT,
            "  - from:\n    - source:\n        principals: [cluster.local/ns/shop/sa/web]\n    to:\n    - operation:\n        ports: [\"8080\"]\n",
            vec![],
        ),
        (
            "sidecars enforce L7 outside ambient",
            "{}",
            "  - to:\n    - operation:\n        methods: [GET]\n",
            vec![],
        ),
    ];
    for (what, labels, rules, expected) in cases {
        assert_eq!(
            config_findings(Code::MG504, &policy(labels, rules)),
            expected,
            "{what}"
        );
    }
}

/// A VirtualService routing a Service of a namespace that is not ambient is not MG504's business.
#[test]
fn mg504_is_quiet_on_virtualservices_outside_ambient() {
    let yaml = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: api
  namespace: shop
spec:
  hosts: [api]
  http:
  - route:
    - destination: {host: api}
"#;
    assert_eq!(config_findings(Code::MG504, yaml), Vec::<Found>::new());
}
