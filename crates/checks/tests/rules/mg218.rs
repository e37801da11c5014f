//! MG218: a relative patch without priority is reported; with a priority it is not.

use std::collections::BTreeSet;

use meshgraph_checks::{CheckOptions, Code, Severity, check};
use meshgraph_config::{LoadOptions, MeshConfig};

use crate::{Found, config_findings, finding};

const REPORTED: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: shop}
spec:
  workloadSelector: {labels: {app: web}}
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.lua}
"#;

const QUIET: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: shop}
spec:
  priority: 10
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.lua}
"#;

#[test]
fn mg218_is_reported() {
    assert_eq!(
        config_findings(Code::MG218, REPORTED),
        [finding("MG218", "EnvoyFilter shop/lua", Severity::Warning)]
    );
}

#[test]
fn mg218_is_quiet_otherwise() {
    assert_eq!(config_findings(Code::MG218, QUIET), Vec::<Found>::new());
}

/// MG218's (istioctl code, message) pairs for an EnvoyFilter of `priority`
/// with one patch `operation` on `apply_to`, matching `proxy_version` if any.
fn patch_findings(
    priority: i64,
    apply_to: &str,
    operation: &str,
    proxy_version: Option<&str>,
) -> Vec<(Option<String>, String)> {
    let matched = proxy_version.map_or(String::new(), |v| {
        format!("    match: {{proxy: {{proxyVersion: '{v}'}}}}\n")
    });
    let yaml = format!(
        "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {{name: ef, namespace: shop}}\nspec:\n  priority: {priority}\n  configPatches:\n  - applyTo: {apply_to}\n{matched}    patch:\n      operation: {operation}\n      value: {{name: envoy.lua}}\n"
    );
    let (config, warnings) = MeshConfig::from_text(&yaml, "rule.yaml", &LoadOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let options = CheckOptions {
        only: Some(BTreeSet::from([Code::MG218])),
        ..CheckOptions::default()
    };
    check(&config, None, &options)
        .findings
        .into_iter()
        .map(|f| (f.istio_code, f.message))
        .collect()
}

// MG218 gives each patch the istioctl code and message its operation and
// applyTo earn: ADD/REMOVE on routes are ignored, REPLACE only fits filters,
// relative patches want a priority and no proxyVersion match.
#[test]
fn mg218_codes_and_messages_follow_operation_and_apply_to() {
    let one = |code: &str, message: &str| vec![(Some(code.to_string()), message.to_string())];
    let none = Vec::<(Option<String>, String)>::new();
    let cases = [
        (
            (10, "ROUTE_CONFIGURATION", "ADD", None),
            one(
                "IST0153",
                "ADD is ignored for ROUTE_CONFIGURATION and HTTP_ROUTE",
            ),
        ),
        ((0, "CLUSTER", "ADD", None), none.clone()),
        (
            (10, "HTTP_ROUTE", "REMOVE", None),
            one(
                "IST0154",
                "REMOVE is ignored for ROUTE_CONFIGURATION and HTTP_ROUTE",
            ),
        ),
        (
            (0, "HTTP_FILTER", "REMOVE", None),
            one(
                "IST0151",
                "a relative patch operation without a priority depends on the order EnvoyFilters apply in",
            ),
        ),
        (
            (10, "CLUSTER", "REPLACE", None),
            one(
                "IST0152",
                "REPLACE is only valid for HTTP_FILTER and NETWORK_FILTER",
            ),
        ),
        ((10, "HTTP_FILTER", "REPLACE", None), none.clone()),
        (
            (10, "HTTP_FILTER", "INSERT_AFTER", Some("^1\\.24.*")),
            one(
                "IST0155",
                "a relative patch operation matched on proxyVersion may stop applying after an upgrade",
            ),
        ),
        ((10, "HTTP_FILTER", "INSERT_AFTER", Some("")), none),
    ];
    for ((priority, apply_to, operation, version), expected) in cases {
        assert_eq!(
            patch_findings(priority, apply_to, operation, version),
            expected,
            "{operation} on {apply_to}, priority {priority}, proxyVersion {version:?}"
        );
    }
}
