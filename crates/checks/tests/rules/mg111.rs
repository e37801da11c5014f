//! MG111: an external control plane webhook addressed by IP is reported; one addressed by host name is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: istio-validator-external}
webhooks:
- name: rev.validation.istio.io
  clientConfig:
    url: https://10.1.2.3:15017/validate
"#;

const QUIET: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: istio-validator-external}
webhooks:
- name: rev.validation.istio.io
  clientConfig:
    url: https://istiod.example.com:15017/validate
"#;

#[test]
fn mg111_is_reported() {
    assert_eq!(
        config_findings(Code::MG111, REPORTED),
        [finding(
            "MG111",
            "ValidatingWebhookConfiguration istio-validator-external",
            Severity::Warning
        )]
    );
}

#[test]
fn mg111_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG111, QUIET), Vec::<Found>::new());
}

// MG111 treats an empty URL like no URL at all.
#[test]
fn mg111_reports_a_webhook_with_an_empty_url() {
    let yaml = r#"apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector}
webhooks:
- name: sidecar-injector.istio.io
  clientConfig:
    url: ""
"#;
    assert_eq!(
        config_findings(Code::MG111, yaml),
        [finding(
            "MG111",
            "MutatingWebhookConfiguration istio-sidecar-injector",
            Severity::Warning
        )]
    );
}
