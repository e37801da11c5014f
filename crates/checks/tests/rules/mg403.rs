//! MG403: an AuthorizationPolicy whose selector matches no workload is
//! reported; the policy selecting app=web is not.

use meshgraph_checks::{Code, Severity};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny
  namespace: shop
spec:
  selector:
    matchLabels: {app: nothing}
  action: DENY
  rules:
  - {}
"#;

const QUIET: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  action: DENY
  rules:
  - {}
"#;

#[test]
fn mg403_selector_matches_nothing_is_reported() {
    assert_eq!(
        config_findings(Code::MG403, REPORTED),
        [finding(
            "MG403",
            "AuthorizationPolicy shop/deny",
            Severity::Warning
        )]
    );
}

#[test]
fn mg403_selector_matches_nothing_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG403, QUIET), Vec::<Found>::new());
}

/// Each MG403 finding of a manifest as (resource, istio code, path).
fn details(yaml: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let (config, warnings) = meshgraph_config::MeshConfig::from_text(
        yaml,
        "rule.yaml",
        &meshgraph_config::LoadOptions::default(),
    );
    assert!(warnings.is_empty(), "malformed manifest: {warnings:?}");
    let options = meshgraph_checks::CheckOptions {
        only: Some(std::collections::BTreeSet::from([Code::MG403])),
        ..Default::default()
    };
    meshgraph_checks::check(&config, None, &options)
        .findings
        .iter()
        .map(|f| (f.resource.to_string(), f.istio_code.clone(), f.path.clone()))
        .collect()
}

// MG403 gives each policy kind its istioctl code and selector path.
#[test]
fn mg403_istio_code_and_path_by_kind() {
    let yaml = r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: shop}
spec:
  selector:
    matchLabels: {app: nothing}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: sidecar, namespace: shop}
spec:
  workloadSelector:
    labels: {app: nothing}
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: telemetry, namespace: shop}
spec:
  selector:
    matchLabels: {app: nothing}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: peer, namespace: shop}
spec:
  selector:
    matchLabels: {app: nothing}
"#;
    let row = |resource: &str, code: Option<&str>, path: &str| {
        (
            resource.to_string(),
            code.map(str::to_string),
            Some(path.to_string()),
        )
    };
    let mut got = details(yaml);
    got.sort();
    assert_eq!(
        got,
        [
            row(
                "AuthorizationPolicy shop/deny",
                Some("IST0127"),
                "spec/selector"
            ),
            row("PeerAuthentication shop/peer", None, "spec/selector"),
            row(
                "Sidecar shop/sidecar",
                Some("IST0101"),
                "spec/workloadSelector"
            ),
            row("Telemetry shop/telemetry", Some("IST0101"), "spec/selector"),
        ]
    );
}

// MG403 skips policies bound with targetRefs or targetRef, looks in every
// namespace for root-namespace policies and only in their own otherwise.
#[test]
fn mg403_target_refs_and_root_namespace_scope() {
    let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: refs, namespace: shop}
spec:
  targetRefs:
  - {kind: Gateway, group: gateway.networking.k8s.io, name: edge}
  selector:
    matchLabels: {app: nothing}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ref, namespace: shop}
spec:
  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: edge}
  selector:
    matchLabels: {app: nothing}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: mesh-wide, namespace: istio-system}
spec:
  selector:
    matchLabels: {app: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: elsewhere, namespace: billing}
spec:
  selector:
    matchLabels: {app: web}
"#;
    assert_eq!(
        config_findings(Code::MG403, yaml),
        [finding(
            "MG403",
            "AuthorizationPolicy billing/elsewhere",
            Severity::Warning
        )]
    );
}

// MG403 reports a namespace-wide AuthorizationPolicy only (not other kinds)
// in a namespace without workloads, and never in the root namespace.
#[test]
fn mg403_namespace_wide_authorization_policy_in_empty_namespace() {
    let yaml = r#"apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: shop}
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: istio-system}
spec: {}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: STRICT}
"#;
    assert_eq!(
        config_findings(Code::MG403, yaml),
        [finding(
            "MG403",
            "AuthorizationPolicy shop/allow-nothing",
            Severity::Warning
        )]
    );
}
