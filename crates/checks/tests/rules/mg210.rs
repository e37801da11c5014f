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

// MG210 accepts a credentialName only on a DestinationRule with a
// workloadSelector: either alone leaves the certificate unverified.
#[test]
fn mg210_credential_name_counts_only_with_a_workload_selector() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cred, namespace: shop}
spec:
  host: db.example.com
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: db-ca}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: selected, namespace: shop}
spec:
  host: api.example.com
  workloadSelector:
    matchLabels: {app: web}
  trafficPolicy:
    tls: {mode: SIMPLE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: both, namespace: shop}
spec:
  host: mail.example.com
  workloadSelector:
    matchLabels: {app: web}
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: mail-ca}
"#;
    assert_eq!(
        config_findings(Code::MG210, yaml),
        [
            finding("MG210", "DestinationRule shop/cred", Severity::Error),
            finding("MG210", "DestinationRule shop/selected", Severity::Error),
        ]
    );
}
