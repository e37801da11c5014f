//! One check per file, each declaring its code, name, severity, istioctl
//! equivalent, inputs and documentation once, in its `RULE` constant.
//! [`rules!`] turns this list into the [`Code`] enum and the registry.

use crate::registry::Rule;

/// Derives from the rule modules the [`Code`] enum (one variant per module,
/// in code order) and [`RULES`] (each module's `RULE`).
macro_rules! rules {
    ($($code:ident => $module:ident,)*) => {
        /// A finding code known at compile time: one variant per rule file.
        /// Ordered as the codes sort; displays and serialises as `MG101`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = concat!("`", stringify!($code), "`, see `rules/", stringify!($module), ".rs`.")] $code,)*
        }

        impl Code {
            /// Every code, sorted.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as written, e.g. `MG101`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }
        }

        /// Every rule, in code order: each module's `RULE`.
        pub static RULES: &[&Rule] = &[$(&$module::RULE,)*];
    };
}

// The modules are declared here, not by the macro, so that tools reading the
// module tree (cargo-mutants) see them; a module missing here or below does
// not compile.
pub(crate) mod mg101_missing_sidecar;
pub(crate) mod mg102_partially_meshed;
pub(crate) mod mg103_namespace_not_in_mesh;
pub(crate) mod mg104_conflicting_enrollment_labels;
pub(crate) mod mg105_workload_out_of_mesh;
pub(crate) mod mg108_application_uid_1337;
pub(crate) mod mg109_proxy_image_mismatch;
pub(crate) mod mg110_injector_webhook_problems;
pub(crate) mod mg111_external_control_plane_webhook;
pub(crate) mod mg112_image_auto_without_injection;
pub(crate) mod mg113_istio_annotation_problem;
pub(crate) mod mg201_destination_host_not_found;
pub(crate) mod mg202_subset_not_defined;
pub(crate) mod mg203_subset_matches_no_workload;
pub(crate) mod mg204_destination_rule_host_not_found;
pub(crate) mod mg205_duplicate_destination_rules;
pub(crate) mod mg206_conflicting_virtual_services;
pub(crate) mod mg207_destination_port;
pub(crate) mod mg208_two_part_host;
pub(crate) mod mg209_port_name_protocol;
pub(crate) mod mg210_destination_rule_without_ca;
pub(crate) mod mg211_unreachable_routes;
pub(crate) mod mg213_service_protocol_conflict;
pub(crate) mod mg214_service_entry_addresses;
pub(crate) mod mg215_service_entry_protocol_conflict;
pub(crate) mod mg216_route_rule_ignored_by_gateway;
pub(crate) mod mg217_external_name_port;
pub(crate) mod mg218_envoy_filter_patch;
pub(crate) mod mg219_mesh_networks_unknown_registry;
pub(crate) mod mg220_deprecated_fields;
pub(crate) mod mg301_gateway_not_found;
pub(crate) mod mg302_host_not_in_gateway;
pub(crate) mod mg303_gateway_selects_nothing;
pub(crate) mod mg304_conflicting_gateways;
pub(crate) mod mg305_route_reference_unresolved;
pub(crate) mod mg306_gateway_port_not_on_service;
pub(crate) mod mg307_gateway_credential_problem;
pub(crate) mod mg308_gateway_shared_certificate;
pub(crate) mod mg309_internal_gateway_reference;
pub(crate) mod mg310_gateway_api_crd_version;
pub(crate) mod mg401_mtls_conflict;
pub(crate) mod mg402_mutual_tls_without_proxy;
pub(crate) mod mg403_selector_matches_nothing;
pub(crate) mod mg404_policies_same_scope;
pub(crate) mod mg405_negative_condition;
pub(crate) mod mg406_unknown_source_namespace;
pub(crate) mod mg407_deprecated_telemetry_provider;
pub(crate) mod mg408_access_logging_without_provider;
pub(crate) mod mg409_jwks_without_blocked_cidrs;
pub(crate) mod mg410_jwt_claim_route_without_authentication;
pub(crate) mod mg501_ambient_sidecar_mixed;
pub(crate) mod mg502_waypoint_not_deployed;
pub(crate) mod mg503_waypoint_outside_ambient;
pub(crate) mod mg504_l7_without_waypoint;
pub(crate) mod mg901_subset_bypassed;
pub(crate) mod mg902_edge_error_rate;
pub(crate) mod mg903_unknown_sources;
pub(crate) mod mg904_plaintext_into_strict;
pub(crate) mod mg905_service_without_workloads;
pub(crate) mod mg906_proxy_missing_from_telemetry;
pub(crate) mod mg907_traces_metrics_disagree;
pub(crate) mod mg908_cross_cluster_plaintext;
pub(crate) mod mg909_cluster_without_telemetry;
pub(crate) mod mg910_failed_across_networks;

rules! {
    MG101 => mg101_missing_sidecar,
    MG102 => mg102_partially_meshed,
    MG103 => mg103_namespace_not_in_mesh,
    MG104 => mg104_conflicting_enrollment_labels,
    MG105 => mg105_workload_out_of_mesh,
    MG108 => mg108_application_uid_1337,
    MG109 => mg109_proxy_image_mismatch,
    MG110 => mg110_injector_webhook_problems,
    MG111 => mg111_external_control_plane_webhook,
    MG112 => mg112_image_auto_without_injection,
    MG113 => mg113_istio_annotation_problem,
    MG201 => mg201_destination_host_not_found,
    MG202 => mg202_subset_not_defined,
    MG203 => mg203_subset_matches_no_workload,
    MG204 => mg204_destination_rule_host_not_found,
    MG205 => mg205_duplicate_destination_rules,
    MG206 => mg206_conflicting_virtual_services,
    MG207 => mg207_destination_port,
    MG208 => mg208_two_part_host,
    MG209 => mg209_port_name_protocol,
    MG210 => mg210_destination_rule_without_ca,
    MG211 => mg211_unreachable_routes,
    MG213 => mg213_service_protocol_conflict,
    MG214 => mg214_service_entry_addresses,
    MG215 => mg215_service_entry_protocol_conflict,
    MG216 => mg216_route_rule_ignored_by_gateway,
    MG217 => mg217_external_name_port,
    MG218 => mg218_envoy_filter_patch,
    MG219 => mg219_mesh_networks_unknown_registry,
    MG220 => mg220_deprecated_fields,
    MG301 => mg301_gateway_not_found,
    MG302 => mg302_host_not_in_gateway,
    MG303 => mg303_gateway_selects_nothing,
    MG304 => mg304_conflicting_gateways,
    MG305 => mg305_route_reference_unresolved,
    MG306 => mg306_gateway_port_not_on_service,
    MG307 => mg307_gateway_credential_problem,
    MG308 => mg308_gateway_shared_certificate,
    MG309 => mg309_internal_gateway_reference,
    MG310 => mg310_gateway_api_crd_version,
    MG401 => mg401_mtls_conflict,
    MG402 => mg402_mutual_tls_without_proxy,
    MG403 => mg403_selector_matches_nothing,
    MG404 => mg404_policies_same_scope,
    MG405 => mg405_negative_condition,
    MG406 => mg406_unknown_source_namespace,
    MG407 => mg407_deprecated_telemetry_provider,
    MG408 => mg408_access_logging_without_provider,
    MG409 => mg409_jwks_without_blocked_cidrs,
    MG410 => mg410_jwt_claim_route_without_authentication,
    MG501 => mg501_ambient_sidecar_mixed,
    MG502 => mg502_waypoint_not_deployed,
    MG503 => mg503_waypoint_outside_ambient,
    MG504 => mg504_l7_without_waypoint,
    MG901 => mg901_subset_bypassed,
    MG902 => mg902_edge_error_rate,
    MG903 => mg903_unknown_sources,
    MG904 => mg904_plaintext_into_strict,
    MG905 => mg905_service_without_workloads,
    MG906 => mg906_proxy_missing_from_telemetry,
    MG907 => mg907_traces_metrics_disagree,
    MG908 => mg908_cross_cluster_plaintext,
    MG909 => mg909_cluster_without_telemetry,
    MG910 => mg910_failed_across_networks,
}
