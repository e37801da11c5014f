//! MG310: an HTTPRoute CRD serving only v1beta1 is reported; one serving v1 is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: httproutes.gateway.networking.k8s.io}
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
  versions:
  - {name: v1beta1, served: true, storage: true}
"#;

const QUIET: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: httproutes.gateway.networking.k8s.io}
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
  versions:
  - {name: v1, served: true, storage: true}
"#;

#[test]
fn mg310_is_reported() {
    assert_eq!(
        config_findings(Code::MG310, REPORTED),
        [finding(
            "MG310",
            "CustomResourceDefinition httproutes.gateway.networking.k8s.io",
            Severity::Error
        )]
    );
}

#[test]
fn mg310_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG310, QUIET), Vec::<Found>::new());
}
