//! MG214: a TCP ServiceEntry port without addresses is reported; with an address it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, config_findings_with, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: shop}
spec:
  hosts: [db.example.com]
  location: MESH_EXTERNAL
  ports: [{number: 5432, name: tcp, protocol: TCP}]
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: shop}
spec:
  hosts: [db.example.com]
  addresses: [10.9.0.1]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
"#;

#[test]
fn mg214_is_reported() {
    assert_eq!(
        config_findings(Code::MG214, REPORTED),
        [finding("MG214", "ServiceEntry shop/db", Severity::Warning)]
    );
}

#[test]
fn mg214_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG214, QUIET), Vec::<Found>::new());
}

// MG214 stands down only when DNS auto-allocation is set to "true".
#[test]
fn mg214_reports_when_auto_allocation_is_set_false() {
    assert_eq!(
        config_findings_with(
            Code::MG214,
            REPORTED,
            "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_AUTO_ALLOCATE: \"false\"\n"
        ),
        [finding("MG214", "ServiceEntry shop/db", Severity::Warning)]
    );
}
