//! MG404: two namespace-wide PeerAuthentications in one namespace is reported;
//! one of them scoped to a workload is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-a
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-b
  namespace: shop
spec:
  mtls: {mode: PERMISSIVE}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-a
  namespace: shop
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: pa-b
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  mtls: {mode: PERMISSIVE}
"#;

#[test]
fn mg404_policies_same_scope_is_reported() {
    assert_eq!(
        config_findings(Code::MG404, REPORTED),
        [
            finding("MG404", "PeerAuthentication shop/pa-a", Severity::Error),
            finding("MG404", "PeerAuthentication shop/pa-b", Severity::Error)
        ]
    );
}

#[test]
fn mg404_policies_same_scope_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG404, QUIET), Vec::<Found>::new());
}

/// Each MG404 finding of a manifest as (resource, istio code), sorted.
fn istio_codes(yaml: &str) -> Vec<(String, Option<String>)> {
    let (config, warnings) = meshgraph_config::MeshConfig::from_text(
        yaml,
        "rule.yaml",
        &meshgraph_config::LoadOptions::default(),
    );
    assert!(warnings.is_empty(), "malformed manifest: {warnings:?}");
    let options = meshgraph_checks::CheckOptions {
        only: Some(std::collections::BTreeSet::from([Code::MG404])),
        ..Default::default()
    };
    let mut out: Vec<_> = meshgraph_checks::check(&config, None, &options)
        .findings
        .iter()
        .map(|f| (f.resource.to_string(), f.istio_code.clone()))
        .collect();
    out.sort();
    out
}

// MG404 gives Sidecars and Telemetries their istioctl codes, both when they
// are namespace-wide and when their selectors meet on a pod; a policy alone
// on its pod is not reported.
#[test]
fn mg404_istio_codes_and_single_selector() {
    let yaml = r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s1, namespace: a}
spec: {}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s2, namespace: a}
spec: {}
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: t1, namespace: a}
spec: {}
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: t2, namespace: a}
spec: {}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: b}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s1, namespace: b}
spec:
  workloadSelector:
    labels: {app: web}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s2, namespace: b}
spec:
  workloadSelector:
    labels: {app: web}
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: t1, namespace: b}
spec:
  selector:
    matchLabels: {app: web}
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: t2, namespace: b}
spec:
  selector:
    matchLabels: {app: web}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: alone, namespace: b}
spec:
  selector:
    matchLabels: {app: web}
"#;
    let row = |resource: &str, code: &str| (resource.to_string(), Some(code.to_string()));
    assert_eq!(
        istio_codes(yaml),
        [
            row("Sidecar a/s1", "IST0111"),
            row("Sidecar a/s2", "IST0111"),
            row("Sidecar b/s1", "IST0110"),
            row("Sidecar b/s2", "IST0110"),
            row("Telemetry a/t1", "IST0160"),
            row("Telemetry a/t2", "IST0160"),
            row("Telemetry b/t1", "IST0159"),
            row("Telemetry b/t2", "IST0159"),
        ]
    );
}
