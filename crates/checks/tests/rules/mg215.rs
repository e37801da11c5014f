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

/// ServiceEntries `a` in `shop` exported to `.` (HTTPS) and `b` in `web`
/// exported to `export_b` (HTTP), both for example.com:8443.
fn exported(export_b: &str) -> String {
    format!(
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: a, namespace: shop}}
spec:
  hosts: [example.com]
  exportTo: ["."]
  ports: [{{number: 8443, name: https, protocol: HTTPS}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: b, namespace: web}}
spec:
  hosts: [example.com]
  exportTo: [{export_b}]
  ports: [{{number: 8443, name: p, protocol: HTTP}}]
"#
    )
}

// MG215 compares only ServiceEntries visible in a common namespace: `.` is
// the entry's own namespace, `*` every namespace.
#[test]
fn mg215_conflicts_only_where_export_scopes_overlap() {
    let both = [
        finding("MG215", "ServiceEntry shop/a", Severity::Error),
        finding("MG215", "ServiceEntry web/b", Severity::Error),
    ];
    assert_eq!(
        config_findings(Code::MG215, &exported("\".\"")),
        Vec::<Found>::new()
    );
    assert_eq!(config_findings(Code::MG215, &exported("\"*\"")), both);
    assert_eq!(config_findings(Code::MG215, &exported("shop")), both);
}
