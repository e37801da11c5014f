//! MG218: a relative patch without priority is reported; with a priority it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: shop}
spec:
  workloadSelector: {labels: {app: web}}
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.lua}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: shop}
spec:
  priority: 10
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.lua}
"#;

#[test]
fn mg218_is_reported() {
    assert_eq!(
        config_findings(Code::MG218, REPORTED),
        [finding("MG218", "EnvoyFilter shop/lua", Severity::Warning)]
    );
}

#[test]
fn mg218_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG218, QUIET), Vec::<Found>::new());
}
