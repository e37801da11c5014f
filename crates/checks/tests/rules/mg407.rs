//! MG407: tracing to a Lightstep provider is reported; to an OpenTelemetry one it is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings_with, finding};

const REPORTED: &str = r#"apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  tracing:
  - providers: [{name: lightstep}]
"#;

const QUIET: &str = r#"apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  tracing:
  - providers: [{name: otel}]
"#;

#[test]
fn mg407_is_reported() {
    assert_eq!(
        config_findings_with(
            Code::MG407,
            REPORTED,
            r#"extensionProviders: [{name: lightstep, lightstep: {service: ls.example.com, port: 443}}, {name: otel, opentelemetry: {service: otel.example.com, port: 4317}}]"#
        ),
        [finding(
            "MG407",
            "Telemetry istio-system/mesh-default",
            Severity::Info
        )]
    );
}

#[test]
fn mg407_is_quiet_otherwise() {
    assert_eq!(
        config_findings_with(
            Code::MG407,
            QUIET,
            r#"extensionProviders: [{name: lightstep, lightstep: {service: ls.example.com, port: 443}}, {name: otel, opentelemetry: {service: otel.example.com, port: 4317}}]"#
        ),
        Vec::<Found>::new()
    );
}
