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

// MG211: an earlier HTTP match whose URI prefix covers a later one's, with the
// same other conditions, makes the later match ineffective (names aside).
#[test]
fn mg211_reports_a_match_covered_by_an_earlier_prefix() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
  - match:
    - name: all
      uri: {prefix: /api}
      headers: {x-team: {exact: blue}}
    route:
    - destination: {host: api}
  - match:
    - name: v1
      uri: {prefix: /api/v1}
      headers: {x-team: {exact: blue}}
    route:
    - destination: {host: api-v1}
"#;
    assert_eq!(
        config_findings(Code::MG211, yaml),
        [finding(
            "MG211",
            "VirtualService shop/api",
            Severity::Warning
        )]
    );
}

// MG211: a later match with other conditions than the earlier one is not covered.
#[test]
fn mg211_is_quiet_when_the_other_conditions_differ() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
  - match:
    - uri: {prefix: /api}
      headers: {x-team: {exact: blue}}
    route:
    - destination: {host: api}
  - match:
    - uri: {prefix: /api/v1}
      headers: {x-team: {exact: red}}
    route:
    - destination: {host: api-v1}
"#;
    assert_eq!(config_findings(Code::MG211, yaml), Vec::<Found>::new());
}
