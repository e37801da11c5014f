//! MG405: an object whose Accepted condition is False is reported; the
//! condition True is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
status:
  conditions:
  - {type: Accepted, status: "False", reason: Invalid, message: checked}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
status:
  conditions:
  - {type: Accepted, status: "True", reason: Accepted, message: checked}
"#;

#[test]
fn mg405_negative_condition_is_reported() {
    assert_eq!(
        config_findings(Code::MG405, REPORTED),
        [finding(
            "MG405",
            "VirtualService shop/reviews",
            Severity::Warning
        )]
    );
}

#[test]
fn mg405_negative_condition_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG405, QUIET), Vec::<Found>::new());
}

// MG405 keeps a condition's message as evidence, and adds none without one.
#[test]
fn mg405_condition_message_is_evidence() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: with-message, namespace: shop}
spec:
  hosts: [reviews]
status:
  conditions:
  - {type: Accepted, status: "False", reason: Invalid, message: host not found}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: without-message, namespace: shop}
spec:
  hosts: [reviews]
status:
  conditions:
  - {type: Accepted, status: "False", reason: Invalid}
"#;
    let (config, warnings) = meshgraph_config::MeshConfig::from_text(
        yaml,
        "rule.yaml",
        &meshgraph_config::LoadOptions::default(),
    );
    assert!(warnings.is_empty(), "malformed manifest: {warnings:?}");
    let options = meshgraph_checks::CheckOptions {
        only: Some(std::collections::BTreeSet::from([Code::MG405])),
        ..Default::default()
    };
    let mut got: Vec<(String, Vec<String>)> = meshgraph_checks::check(&config, None, &options)
        .findings
        .iter()
        .map(|f| (f.resource.to_string(), f.evidence.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "VirtualService shop/with-message".to_string(),
                vec!["host not found".to_string()]
            ),
            ("VirtualService shop/without-message".to_string(), vec![]),
        ]
    );
}
