//! MG211: a rule repeating an earlier rule's match is reported (unreachable
//! rule and ineffective match); distinct matches are not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
  - match: [{name: again, uri: {prefix: /api}}]
    route: [{destination: {host: web, subset: v2}}]
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - match: [{uri: {prefix: /api/v2}}]
    route: [{destination: {host: web, subset: v2}}]
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: web}}]
  - route: [{destination: {host: web}}]
"#;

#[test]
fn mg211_is_reported() {
    assert_eq!(
        config_findings(Code::MG211, REPORTED),
        [
            finding("MG211", "VirtualService shop/web", Severity::Warning),
            finding("MG211", "VirtualService shop/web", Severity::Error)
        ]
    );
}

#[test]
fn mg211_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG211, QUIET), Vec::<Found>::new());
}
