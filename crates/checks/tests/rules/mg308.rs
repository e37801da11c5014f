//! MG308: two Gateways of one workload serving the same credential are both reported; different credentials are not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: b, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: b, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialName: b-cert}
"#;

#[test]
fn mg308_is_reported() {
    assert_eq!(
        config_findings(Code::MG308, REPORTED),
        [
            finding("MG308", "Gateway shop/a", Severity::Warning),
            finding("MG308", "Gateway shop/b", Severity::Warning)
        ]
    );
}

#[test]
fn mg308_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG308, QUIET), Vec::<Found>::new());
}

/// Two Gateways `a` (selecting `selector_a`) and `b` (selecting
/// `istio: ingressgateway`), each with the given `tls` blocks on its servers.
fn pair(selector_a: &str, tls_a: &[&str], tls_b: &[&str]) -> String {
    let gateway = |name: &str, selector: &str, tls: &[&str]| {
        let servers: String = tls
            .iter()
            .map(|t| {
                format!(
                    "  - port: {{number: 443, name: https, protocol: HTTPS}}\n    hosts: [{name}.example.com]\n    tls: {t}\n"
                )
            })
            .collect();
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  selector: {selector}\n  servers:\n{servers}"
        )
    };
    format!(
        "{}---\n{}",
        gateway("a", selector_a, tls_a),
        gateway("b", "{istio: ingressgateway}", tls_b)
    )
}

// MG308 compares certificate files, ignores TLS blocks without a certificate,
// needs one selector to cover the other, and reports a pair once.
#[test]
fn mg308_certificates_selectors_and_pairs() {
    let both = vec![
        finding("MG308", "Gateway shop/a", Severity::Warning),
        finding("MG308", "Gateway shop/b", Severity::Warning),
    ];
    let ingress = "{istio: ingressgateway}";
    let files =
        "{mode: SIMPLE, serverCertificate: /etc/certs/cert.pem, privateKey: /etc/certs/key.pem}";
    let redirect = "{httpsRedirect: true}";
    let wildcard = "{mode: SIMPLE, credentialName: wildcard}";
    let other = "{mode: SIMPLE, credentialName: other}";
    assert_eq!(
        config_findings(Code::MG308, &pair(ingress, &[files], &[files])),
        both
    );
    assert_eq!(
        config_findings(Code::MG308, &pair(ingress, &[redirect], &[redirect])),
        Vec::<Found>::new()
    );
    assert_eq!(
        config_findings(
            Code::MG308,
            &pair("{istio: egress}", &[wildcard], &[wildcard])
        ),
        Vec::<Found>::new()
    );
    assert_eq!(
        config_findings(
            Code::MG308,
            &pair(ingress, &[wildcard, other], &[wildcard, other])
        ),
        both
    );
}
