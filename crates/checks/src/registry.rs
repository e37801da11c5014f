//! Every finding code, in one place. Codes are never reused: a retired check
//! keeps its row with [`Status::Removed`], and a code listed in [`RESERVED`]
//! is taken even before its check exists.

use crate::context::{Context, Findings};
use crate::finding::Severity;
use crate::rules::*;

/// How settled a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Behaviour and code are stable.
    Stable,
    /// May change or produce false positives; feedback welcome.
    Preview,
    /// No longer run; the code stays taken.
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
            Status::Removed => "removed",
        }
    }
}

/// What a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// Kubernetes and Istio objects.
    Config,
    /// Reconciled telemetry (and the configuration when there is some).
    Telemetry,
}

/// The documentation of one check, kept beside its code.
#[derive(Debug)]
pub struct RuleDoc {
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// Markdown, usually a fenced YAML block.
    pub example: &'static str,
}

pub(crate) type CheckFn = fn(&Context<'_>, &mut Findings);

/// One entry of the registry.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub istio_code: Option<&'static str>,
    pub status: Status,
    /// One line, for listings.
    pub summary: &'static str,
    pub inputs: Inputs,
    pub doc: &'static RuleDoc,
    pub(crate) check: CheckFn,
}

macro_rules! rule {
    ($code:literal, $name:literal, $sev:ident, $istio:expr, $status:ident, $inputs:ident, $module:ident, $summary:literal) => {
        Rule {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            istio_code: $istio,
            status: Status::$status,
            summary: $summary,
            inputs: Inputs::$inputs,
            doc: &$module::DOC,
            check: $module::check,
        }
    };
}

/// The catalogue (rendered as `docs/findings/README.md`), sorted by code.
pub static RULES: &[Rule] = &[
    rule!(
        "MG101",
        "missing-sidecar",
        Warning,
        Some("IST0103"),
        Stable,
        Config,
        mg101_missing_sidecar,
        "Pod is missing the Istio sidecar in an injected namespace"
    ),
    rule!(
        "MG102",
        "partially-meshed-workload",
        Warning,
        None,
        Stable,
        Config,
        mg102_partially_meshed,
        "Some pods of a workload have a sidecar and others do not"
    ),
    rule!(
        "MG103",
        "namespace-not-in-mesh",
        Info,
        Some("IST0102"),
        Stable,
        Config,
        mg103_namespace_not_in_mesh,
        "Namespace is enrolled neither for sidecar injection nor for ambient"
    ),
    rule!(
        "MG104",
        "conflicting-enrollment-labels",
        Warning,
        Some("IST0123"),
        Stable,
        Config,
        mg104_conflicting_enrollment_labels,
        "Namespace carries more than one mesh enrollment label"
    ),
    rule!(
        "MG105",
        "workload-out-of-mesh",
        Info,
        None,
        Stable,
        Config,
        mg105_workload_out_of_mesh,
        "Workload will run with neither a sidecar nor ambient redirection"
    ),
    rule!(
        "MG201",
        "destination-host-not-found",
        Error,
        Some("IST0101"),
        Stable,
        Config,
        mg201_destination_host_not_found,
        "VirtualService destination host is no visible Service or ServiceEntry"
    ),
    rule!(
        "MG202",
        "subset-not-defined",
        Error,
        Some("IST0101"),
        Stable,
        Config,
        mg202_subset_not_defined,
        "VirtualService routes to a subset no DestinationRule defines"
    ),
    rule!(
        "MG203",
        "subset-matches-no-workload",
        Error,
        Some("IST0173"),
        Stable,
        Config,
        mg203_subset_matches_no_workload,
        "DestinationRule subset selects no pod"
    ),
    rule!(
        "MG204",
        "destination-rule-host-not-found",
        Warning,
        Some("IST0174"),
        Stable,
        Config,
        mg204_destination_rule_host_not_found,
        "DestinationRule host is no visible Service or ServiceEntry"
    ),
    rule!(
        "MG205",
        "duplicate-destination-rules",
        Warning,
        None,
        Preview,
        Config,
        mg205_duplicate_destination_rules,
        "Several DestinationRules for one host overlap"
    ),
    rule!(
        "MG206",
        "conflicting-virtual-services",
        Error,
        Some("IST0109"),
        Stable,
        Config,
        mg206_conflicting_virtual_services,
        "Two mesh VirtualServices claim the same host"
    ),
    rule!(
        "MG207",
        "destination-port",
        Error,
        Some("IST0112"),
        Stable,
        Config,
        mg207_destination_port,
        "VirtualService destination port is missing or not on the service"
    ),
    rule!(
        "MG208",
        "two-part-host",
        Warning,
        None,
        Preview,
        Config,
        mg208_two_part_host,
        "Host `name.namespace` is used literally, not as the service's FQDN"
    ),
    rule!(
        "MG209",
        "port-name-without-protocol",
        Info,
        Some("IST0118"),
        Stable,
        Config,
        mg209_port_name_protocol,
        "Service port name does not declare a protocol"
    ),
    rule!(
        "MG301",
        "gateway-not-found",
        Error,
        Some("IST0101"),
        Stable,
        Config,
        mg301_gateway_not_found,
        "VirtualService references a Gateway that does not exist"
    ),
    rule!(
        "MG302",
        "host-not-in-gateway",
        Warning,
        Some("IST0132"),
        Stable,
        Config,
        mg302_host_not_in_gateway,
        "No host of a VirtualService is exposed by its Gateway"
    ),
    rule!(
        "MG303",
        "gateway-selects-nothing",
        Warning,
        Some("IST0101"),
        Stable,
        Config,
        mg303_gateway_selects_nothing,
        "Gateway selector matches no workload"
    ),
    rule!(
        "MG304",
        "conflicting-gateways",
        Error,
        Some("IST0145"),
        Stable,
        Config,
        mg304_conflicting_gateways,
        "Gateways on the same pods claim the same port and host"
    ),
    rule!(
        "MG305",
        "route-reference-unresolved",
        Error,
        None,
        Preview,
        Config,
        mg305_route_reference_unresolved,
        "HTTPRoute/GRPCRoute parent or backend does not resolve"
    ),
    rule!(
        "MG401",
        "mtls-mode-conflict",
        Error,
        None,
        Stable,
        Config,
        mg401_mtls_conflict,
        "DestinationRule TLS mode contradicts the PeerAuthentication in force"
    ),
    rule!(
        "MG402",
        "mutual-tls-without-proxy",
        Error,
        None,
        Preview,
        Config,
        mg402_mutual_tls_without_proxy,
        "DestinationRule forces ISTIO_MUTUAL towards pods without a proxy"
    ),
    rule!(
        "MG403",
        "selector-matches-nothing",
        Warning,
        Some("IST0127"),
        Stable,
        Config,
        mg403_selector_matches_nothing,
        "Policy selector matches no workload"
    ),
    rule!(
        "MG404",
        "policies-at-same-scope",
        Error,
        Some("IST0111"),
        Stable,
        Config,
        mg404_policies_same_scope,
        "Several policies of one kind apply at the same scope"
    ),
    rule!(
        "MG405",
        "negative-status-condition",
        Warning,
        Some("IST0171"),
        Stable,
        Config,
        mg405_negative_condition,
        "A status condition reports a problem"
    ),
    rule!(
        "MG406",
        "unknown-source-namespace",
        Error,
        Some("IST0101"),
        Preview,
        Config,
        mg406_unknown_source_namespace,
        "AuthorizationPolicy names a source namespace that does not exist"
    ),
    rule!(
        "MG501",
        "ambient-sidecar-mixed",
        Error,
        Some("IST0167"),
        Stable,
        Config,
        mg501_ambient_sidecar_mixed,
        "Ambient and sidecar mode mixed on the same pods"
    ),
    rule!(
        "MG502",
        "waypoint-not-deployed",
        Error,
        None,
        Stable,
        Config,
        mg502_waypoint_not_deployed,
        "`istio.io/use-waypoint` names no waypoint"
    ),
    rule!(
        "MG503",
        "waypoint-outside-ambient",
        Warning,
        None,
        Stable,
        Config,
        mg503_waypoint_outside_ambient,
        "Waypoint requested for something that is not ambient"
    ),
    rule!(
        "MG504",
        "l7-policy-without-waypoint",
        Warning,
        None,
        Preview,
        Config,
        mg504_l7_without_waypoint,
        "L7 policy or routing for ambient workloads that no waypoint serves"
    ),
    rule!(
        "MG901",
        "subset-routing-bypassed",
        Warning,
        None,
        Preview,
        Telemetry,
        mg901_subset_bypassed,
        "Traffic reaches versions the VirtualService does not route to"
    ),
    rule!(
        "MG902",
        "edge-error-rate",
        Warning,
        None,
        Stable,
        Telemetry,
        mg902_edge_error_rate,
        "An edge fails too often"
    ),
    rule!(
        "MG903",
        "unknown-sources",
        Warning,
        None,
        Stable,
        Telemetry,
        mg903_unknown_sources,
        "Meshed workload receives traffic from unidentified sources"
    ),
    rule!(
        "MG904",
        "plaintext-into-strict",
        Error,
        None,
        Stable,
        Telemetry,
        mg904_plaintext_into_strict,
        "Plaintext traffic reaches a workload under STRICT mTLS"
    ),
    rule!(
        "MG905",
        "service-without-workloads",
        Error,
        None,
        Preview,
        Telemetry,
        mg905_service_without_workloads,
        "A service receives traffic but has no workloads"
    ),
    rule!(
        "MG906",
        "proxy-missing-from-telemetry",
        Warning,
        None,
        Stable,
        Telemetry,
        mg906_proxy_missing_from_telemetry,
        "A workload is only seen by its peers' proxies, or traffic leaves through a passthrough"
    ),
    rule!(
        "MG907",
        "traces-metrics-disagree",
        Info,
        None,
        Stable,
        Telemetry,
        mg907_traces_metrics_disagree,
        "An edge is seen in traces but not in metrics, or the reverse"
    ),
];

/// Codes that are taken although no check runs for them yet.
pub const RESERVED: &[(&str, &str)] = &[];

/// The registry entry of a code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// The `istioctl analyze` analyzers meshgraph implements (their Go names), each
/// with the MG checks that implement it.
pub const ISTIO_ANALYZERS: &[(&str, &[&str])] = &[
    ("authz.AuthorizationPoliciesAnalyzer", &["MG403", "MG406"]),
    ("conditions.ConditionAnalyzer", &["MG405"]),
    (
        "destinationrule.PodNotSelectedAnalyzer",
        &["MG203", "MG204"],
    ),
    ("gateway.ConflictingGatewayAnalyzer", &["MG304"]),
    ("gateway.IngressGatewayPortAnalyzer", &["MG303"]),
    ("injection.Analyzer", &["MG101", "MG103", "MG104"]),
    ("service.PortNameAnalyzer", &["MG209"]),
    ("sidecar.SelectorAnalyzer", &["MG403", "MG404", "MG501"]),
    (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        &["MG206"],
    ),
    (
        "virtualservice.DestinationHostAnalyzer",
        &["MG201", "MG207"],
    ),
    ("virtualservice.DestinationRuleAnalyzer", &["MG202"]),
    ("virtualservice.GatewayAnalyzer", &["MG301", "MG302"]),
];

/// The MG checks that implement one `istioctl analyze` analyzer (its Go name,
/// e.g. `virtualservice.DestinationRuleAnalyzer`), for comparing meshgraph with
/// an istioctl run of that analyzer alone. `None` for analyzers not covered.
pub fn checks_for_istio_analyzer(analyzer: &str) -> Option<&'static [&'static str]> {
    ISTIO_ANALYZERS
        .iter()
        .find(|(name, _)| *name == analyzer)
        .map(|(_, checks)| *checks)
}

/// The MG checks whose istioctl equivalent is one of `istio_codes` (`IST0101`...).
pub fn checks_for_istio_codes(istio_codes: &[&str]) -> Vec<&'static str> {
    RULES
        .iter()
        .filter(|r| r.istio_code.is_some_and(|c| istio_codes.contains(&c)))
        .map(|r| r.code)
        .collect()
}

/// Whether a code is known (a rule or reserved), e.g. to validate `--ignore`.
pub fn is_known_code(code: &str) -> bool {
    rule(code).is_some() || RESERVED.iter().any(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let mut previous = "";
        for r in RULES {
            assert!(
                r.code > previous,
                "{} is out of order or duplicated",
                r.code
            );
            assert!(r.code.len() == 5 && r.code.starts_with("MG"), "{}", r.code);
            assert!(
                !RESERVED.iter().any(|(c, _)| *c == r.code),
                "{} reserved and used",
                r.code
            );
            assert!(!r.summary.ends_with('.'), "{}: no trailing period", r.code);
            previous = r.code;
        }
    }
}
