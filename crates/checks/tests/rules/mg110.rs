//! MG110: an injection webhook calling a missing Service is reported; one calling istiod is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector}
webhooks:
- name: sidecar-injector.istio.io
  clientConfig:
    service: {name: fake, namespace: istio-system}
  namespaceSelector:
    matchLabels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec:
  ports: [{name: https-webhook, port: 443}]
"#;

const QUIET: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector}
webhooks:
- name: sidecar-injector.istio.io
  clientConfig:
    service: {name: istiod, namespace: istio-system}
  namespaceSelector:
    matchLabels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec:
  ports: [{name: https-webhook, port: 443}]
"#;

#[test]
fn mg110_is_reported() {
    assert_eq!(
        config_findings(Code::MG110, REPORTED),
        [finding(
            "MG110",
            "MutatingWebhookConfiguration istio-sidecar-injector",
            Severity::Error
        )]
    );
}

#[test]
fn mg110_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG110, QUIET), Vec::<Found>::new());
}
