//! MG104: a namespace labelled for both sidecar injection and ambient is
//! reported; a namespace labelled for ambient only is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: both
  labels: {istio-injection: enabled, istio.io/dataplane-mode: ambient}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: both
  labels: {istio.io/dataplane-mode: ambient}
"#;

#[test]
fn mg104_conflicting_enrollment_labels_is_reported() {
    assert_eq!(
        config_findings(Code::MG104, REPORTED),
        [finding("MG104", "Namespace both", Severity::Warning)]
    );
}

#[test]
fn mg104_conflicting_enrollment_labels_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG104, QUIET), Vec::<Found>::new());
}
