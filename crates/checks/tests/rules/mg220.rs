//! MG220: a fault delay with the deprecated percent is reported; with percentage it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - fault:
      delay: {percent: 50, fixedDelay: 1s}
    route:
    - destination: {host: web}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - fault:
      delay: {percentage: 50, fixedDelay: 1s}
    route:
    - destination: {host: web}
"#;

#[test]
fn mg220_is_reported() {
    assert_eq!(
        config_findings(Code::MG220, REPORTED),
        [finding("MG220", "VirtualService shop/web", Severity::Info)]
    );
}

#[test]
fn mg220_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG220, QUIET), Vec::<Found>::new());
}

/// A Sidecar with `outboundTrafficPolicy.egressProxy: {value}`.
fn egress_proxy(value: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: default, namespace: shop}}\nspec:\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n    egressProxy: {value}\n"
    )
}

// MG220 reports a Sidecar's egressProxy when set, not when null or false.
#[test]
fn mg220_reports_a_set_egress_proxy_only() {
    assert_eq!(
        config_findings(
            Code::MG220,
            &egress_proxy("{host: egress.example.com, port: {number: 3128}}")
        ),
        [finding("MG220", "Sidecar shop/default", Severity::Info)]
    );
    for unset in ["null", "false"] {
        assert_eq!(
            config_findings(Code::MG220, &egress_proxy(unset)),
            Vec::<Found>::new(),
            "egressProxy: {unset}"
        );
    }
}
