//! MG409: istiod without BLOCKED_CIDRS_IN_JWKS_URIS is reported when JWKS URIs are fetched; with it it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - {issuer: https://issuer.example.com, jwksUri: https://issuer.example.com/jwks.json}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: discovery
        env: [{name: PILOT_TRACE_SAMPLING, value: "10.0.0.0/8"}]
"#;

const QUIET: &str = r#"apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - {issuer: https://issuer.example.com, jwksUri: https://issuer.example.com/jwks.json}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: discovery
        env: [{name: BLOCKED_CIDRS_IN_JWKS_URIS, value: "10.0.0.0/8"}]
"#;

#[test]
fn mg409_is_reported() {
    assert_eq!(
        config_findings(Code::MG409, REPORTED),
        [finding(
            "MG409",
            "Deployment istio-system/istiod",
            Severity::Info
        )]
    );
}

#[test]
fn mg409_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG409, QUIET), Vec::<Found>::new());
}

// MG409 looks only at the Deployment named istiod in the root namespace.
#[test]
fn mg409_only_istiod_in_the_root_namespace() {
    let yaml = r#"apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - {issuer: https://issuer.example.com, jwksUri: https://issuer.example.com/jwks.json}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: discovery
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: istio-proxy
"#;
    assert_eq!(config_findings(Code::MG409, yaml), Vec::<Found>::new());
}
