//! MG103: a namespace with no enrollment label is reported; an injected
//! namespace is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: plain
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: plain
  labels: {istio-injection: enabled}
"#;

#[test]
fn mg103_namespace_not_in_mesh_is_reported() {
    assert_eq!(
        config_findings(Code::MG103, REPORTED),
        [finding("MG103", "Namespace plain", Severity::Info)]
    );
}

#[test]
fn mg103_namespace_not_in_mesh_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG103, QUIET), Vec::<Found>::new());
}
