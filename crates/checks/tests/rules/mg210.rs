//! MG210: TLS origination without caCertificates is reported; with them it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.example.com
  trafficPolicy:
    tls: {mode: SIMPLE}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.example.com
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: /etc/certs/root.pem}
"#;

#[test]
fn mg210_is_reported() {
    assert_eq!(
        config_findings(Code::MG210, REPORTED),
        [finding("MG210", "DestinationRule shop/db", Severity::Error)]
    );
}

#[test]
fn mg210_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG210, QUIET), Vec::<Found>::new());
}
