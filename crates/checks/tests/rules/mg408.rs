//! MG408: access logging naming no provider is reported; naming envoy it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: logs, namespace: shop}
spec:
  accessLogging:
  - filter: {expression: "response.code >= 400"}
"#;

const QUIET: &str = r#"apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: logs, namespace: shop}
spec:
  accessLogging:
  - providers: [{name: envoy}]
"#;

#[test]
fn mg408_is_reported() {
    assert_eq!(
        config_findings(Code::MG408, REPORTED),
        [finding("MG408", "Telemetry shop/logs", Severity::Warning)]
    );
}

#[test]
fn mg408_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG408, QUIET), Vec::<Found>::new());
}
