//! MG410: a JWT claim route on a gateway without RequestAuthentication is reported; with one it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [web.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [public]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route:
    - destination: {host: web}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [web.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [public]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route:
    - destination: {host: web}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules: [{issuer: https://issuer.example.com}]
"#;

#[test]
fn mg410_is_reported() {
    assert_eq!(
        config_findings(Code::MG410, REPORTED),
        [finding(
            "MG410",
            "VirtualService shop/web",
            Severity::Warning
        )]
    );
}

#[test]
fn mg410_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG410, QUIET), Vec::<Found>::new());
}

// MG410 needs a claim header match, and counts a RequestAuthentication on the
// gateway pods when it is namespace-wide in the root namespace, or in the
// pods' namespace with a selector matching them (or none).
#[test]
fn mg410_which_request_authentications_apply() {
    let manifest = |pod_ns: &str, header: &str, ra: &str| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: gw, namespace: {pod_ns}, labels: {{istio: ingressgateway}}}}
spec: {{containers: [{{name: istio-proxy}}]}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: public, namespace: shop}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - port: {{number: 80, name: http, protocol: HTTP}}
    hosts: [web.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: web, namespace: shop}}
spec:
  hosts: [web.example.com]
  gateways: [public]
  http:
  - match:
    - headers:
        "{header}": {{exact: admin}}
    route:
    - destination: {{host: web}}
{ra}"#
        )
    };
    let ra = |ns: &str, selector: &str| {
        format!(
            r#"---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {{name: jwt, namespace: {ns}}}
spec:
  {selector}
  jwtRules: [{{issuer: https://issuer.example.com}}]
"#
        )
    };
    let claim = "@request.auth.claims.group";
    let on_gateway = "selector: {matchLabels: {istio: ingressgateway}}";
    let elsewhere = "selector: {matchLabels: {istio: other}}";
    let reported = vec![finding(
        "MG410",
        "VirtualService shop/web",
        Severity::Warning,
    )];
    let cases = [
        ("istio-system", "x-user", String::new(), vec![]),
        (
            "istio-system",
            claim,
            ra("istio-system", on_gateway),
            vec![],
        ),
        (
            "istio-system",
            claim,
            ra("istio-system", elsewhere),
            reported.clone(),
        ),
        ("istio-system", claim, ra("shop", ""), reported.clone()),
        ("ingress", claim, ra("istio-system", ""), vec![]),
        ("ingress", claim, ra("ingress", on_gateway), vec![]),
        ("ingress", claim, ra("ingress", ""), vec![]),
        ("ingress", claim, ra("ingress", elsewhere), reported.clone()),
    ];
    for (pod_ns, header, ra, expected) in cases {
        assert_eq!(
            config_findings(Code::MG410, &manifest(pod_ns, header, &ra)),
            expected,
            "pod in {pod_ns}, header {header}, {ra}"
        );
    }
}
