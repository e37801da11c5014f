//! MG215: one host and port declared HTTPS and HTTP is reported on both entries; the same protocol twice is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: shop}
spec:
  hosts: [example.com]
  ports: [{number: 8443, name: https, protocol: HTTPS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b, namespace: shop}
spec:
  hosts: [example.com]
  ports: [{number: 8443, name: p, protocol: HTTP}]
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: shop}
spec:
  hosts: [example.com]
  ports: [{number: 8443, name: https, protocol: HTTPS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b, namespace: shop}
spec:
  hosts: [example.com]
  ports: [{number: 8443, name: p, protocol: HTTPS}]
"#;

#[test]
fn mg215_is_reported() {
    assert_eq!(
        config_findings(Code::MG215, REPORTED),
        [
            finding("MG215", "ServiceEntry shop/a", Severity::Error),
            finding("MG215", "ServiceEntry shop/b", Severity::Error)
        ]
    );
}

#[test]
fn mg215_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG215, QUIET), Vec::<Found>::new());
}
