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

// MG310 checks each kind against its own supported versions and skips kinds
// it has no list for.
#[test]
fn mg310_uses_the_versions_of_the_crd_kind() {
    let crd = |kind: &str, plural: &str, version: &str| {
        format!(
            r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.gateway.networking.k8s.io}}
spec:
  group: gateway.networking.k8s.io
  names: {{kind: {kind}, plural: {plural}}}
  versions:
  - {{name: {version}, served: true, storage: true}}
"#
        )
    };
    assert_eq!(
        config_findings(Code::MG310, &crd("TLSRoute", "tlsroutes", "v1alpha3")),
        Vec::<Found>::new()
    );
    assert_eq!(
        config_findings(
            Code::MG310,
            &crd("BackendTLSPolicy", "backendtlspolicies", "v1alpha3")
        ),
        Vec::<Found>::new()
    );
    assert_eq!(
        config_findings(Code::MG310, &crd("TLSRoute", "tlsroutes", "v1alpha2")),
        [finding(
            "MG310",
            "CustomResourceDefinition tlsroutes.gateway.networking.k8s.io",
            Severity::Error
        )]
    );
}
