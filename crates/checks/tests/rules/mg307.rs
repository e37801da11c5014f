//! MG307: a credential Secret without tls.crt is reported; a complete one is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.cert: c2VjcmV0LXZhbHVlLW5ldmVyLXJlYWQ=
  tls.key: c2VjcmV0LXZhbHVlLW5ldmVyLXJlYWQ=
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: c2VjcmV0LXZhbHVlLW5ldmVyLXJlYWQ=
  tls.key: c2VjcmV0LXZhbHVlLW5ldmVyLXJlYWQ=
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
"#;

#[test]
fn mg307_is_reported() {
    assert_eq!(
        config_findings(Code::MG307, REPORTED),
        [finding("MG307", "Gateway shop/public", Severity::Error)]
    );
}

#[test]
fn mg307_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG307, QUIET), Vec::<Found>::new());
}

// MG307 skips credential names that are SDS URLs, not Secret names.
#[test]
fn mg307_skips_credential_urls() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: "sds://shop-cert"}
"#;
    assert_eq!(config_findings(Code::MG307, yaml), Vec::<Found>::new());
}
