//! MG306: a server port on no Service of the gateway is reported; the Service's target port is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: v1
kind: Service
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8004, name: http, protocol: HTTP}
    hosts: ["*"]
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
---
apiVersion: v1
kind: Service
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
"#;

#[test]
fn mg306_is_reported() {
    assert_eq!(
        config_findings(Code::MG306, REPORTED),
        [finding("MG306", "Gateway shop/public", Severity::Warning)]
    );
}

#[test]
fn mg306_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG306, QUIET), Vec::<Found>::new());
}

// MG306 counts only the ports of Services selecting the gateway pods.
#[test]
fn mg306_ignores_services_selecting_other_pods() {
    let yaml = format!(
        r#"{REPORTED}---
apiVersion: v1
kind: Service
metadata: {{name: other, namespace: istio-system}}
spec:
  selector: {{app: other}}
  ports: [{{name: http, port: 8004}}]
"#
    );
    assert_eq!(
        config_findings(Code::MG306, &yaml),
        [finding("MG306", "Gateway shop/public", Severity::Warning)]
    );
}
