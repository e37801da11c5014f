//! One small test per MG rule: a manifest (and, for MG9xx, telemetry built
//! here from hand-written observations) in, the rule's exact findings
//! (code, resource, severity) out, for a case that must be reported and one
//! that must not. Each test runs its rule alone (`CheckOptions::only`).

use std::collections::BTreeSet;

use meshgraph_checks::{CheckOptions, Code, Severity, Telemetry, check};
use meshgraph_config::{LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, merge_traces, reconcile};
use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};
use meshgraph_model::{Metric, Observation};

mod mg101;
mod mg102;
mod mg103;
mod mg104;
mod mg105;
mod mg108;
mod mg109;
mod mg110;
mod mg111;
mod mg112;
mod mg113;
mod mg201;
mod mg202;
mod mg203;
mod mg204;
mod mg205;
mod mg206;
mod mg207;
mod mg208;
mod mg209;
mod mg210;
mod mg211;
mod mg213;
mod mg214;
mod mg215;
mod mg216;
mod mg217;
mod mg218;
mod mg219;
mod mg220;
mod mg301;
mod mg302;
mod mg303;
mod mg304;
mod mg305;
mod mg306;
mod mg307;
mod mg308;
mod mg309;
mod mg310;
mod mg401;
mod mg402;
mod mg403;
mod mg404;
mod mg405;
mod mg406;
mod mg407;
mod mg408;
mod mg409;
mod mg410;
mod mg501;
mod mg502;
mod mg503;
mod mg504;
mod mg901;
mod mg902;
mod mg903;
mod mg904;
mod mg905;
mod mg906;
mod mg907;

/// One finding as the tests compare it: code, resource (`Kind ns/name`), severity.
pub type Found = (String, String, Severity);

/// The finding `code` on `resource` with `severity`.
pub fn finding(code: &str, resource: &str, severity: Severity) -> Found {
    (code.to_string(), resource.to_string(), severity)
}

fn load(yaml: &str) -> MeshConfig {
    let (config, warnings) = MeshConfig::from_text(yaml, "rule.yaml", &LoadOptions::default());
    assert!(
        warnings.is_empty(),
        "the test manifest is malformed: {warnings:?}"
    );
    config
}

fn only(code: Code) -> CheckOptions {
    CheckOptions {
        only: Some(BTreeSet::from([code])),
        ..CheckOptions::default()
    }
}

fn found(report: meshgraph_checks::CheckReport, code: Code) -> Vec<Found> {
    assert_eq!(
        report.checked,
        [code],
        "{code} did not run: {:?}",
        report.notes
    );
    report
        .findings
        .iter()
        .map(|f| (f.code.to_string(), f.resource.to_string(), f.severity))
        .collect()
}

/// The findings of configuration rule `code` on a manifest.
pub fn config_findings(code: Code, yaml: &str) -> Vec<Found> {
    found(check(&load(yaml), None, &only(code)), code)
}

/// The findings of configuration rule `code` on a manifest, with the mesh
/// settings of a MeshConfig document that may also hold MeshNetworks
/// (`networks`), both as YAML.
pub fn config_findings_with(code: Code, yaml: &str, mesh: &str) -> Vec<Found> {
    let settings = meshgraph_config::MeshSettings::from_mesh_config_text(mesh, "mesh.yaml")
        .unwrap()
        .with_mesh_networks_text(mesh, "mesh.yaml")
        .unwrap();
    let config = load(yaml).with_settings(settings);
    found(check(&config, None, &only(code)), code)
}

/// The findings of telemetry rule `code` on a manifest, the series and the
/// trace calls (none: no traces were collected).
pub fn telemetry_findings(
    code: Code,
    yaml: &str,
    observations: &[Observation],
    calls: &[TraceCall],
) -> Vec<Found> {
    let mut reconciliation = reconcile(observations, &ClassifyOptions::default());
    if !calls.is_empty() {
        merge_traces(&mut reconciliation, calls);
    }
    let telemetry = Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    found(check(&load(yaml), Some(telemetry), &only(code)), code)
}

/// One `istio_requests_total` series at `rate` per second, reported by
/// `reporter` (`source`, `destination`) for a call from `source` to
/// `destination` (each `namespace/workload`, or `unknown`) addressed to the
/// service FQDN `service`, answered with `code`, over a connection
/// `security` (`mutual_tls`, `none`, `unknown`).
pub fn requests(
    reporter: &str,
    source: &str,
    destination: &str,
    service: &str,
    code: &str,
    security: &str,
    rate: f64,
) -> Observation {
    let split = |peer: &str| match peer.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => ("unknown".to_string(), "unknown".to_string()),
    };
    let (sns, sname) = split(source);
    let (dns, dname) = split(destination);
    let app = |name: &str| name.rsplit_once('-').map_or(name, |(a, _)| a).to_string();
    let version = |name: &str| {
        name.rsplit_once('-')
            .map_or("unknown", |(_, v)| v)
            .to_string()
    };
    let (service_name, service_ns) = match service.split_once('.') {
        Some((name, rest)) => (
            name.to_string(),
            rest.split('.').next().unwrap_or("").to_string(),
        ),
        None => (service.to_string(), "unknown".to_string()),
    };
    let labels = [
        ("reporter", reporter.to_string()),
        ("source_workload", sname.clone()),
        ("source_workload_namespace", sns),
        ("source_app", app(&sname)),
        ("source_version", version(&sname)),
        ("destination_workload", dname.clone()),
        ("destination_workload_namespace", dns),
        ("destination_app", app(&dname)),
        ("destination_version", version(&dname)),
        ("destination_service", service.to_string()),
        ("destination_service_name", service_name),
        ("destination_service_namespace", service_ns),
        ("request_protocol", "http".to_string()),
        ("response_code", code.to_string()),
        ("response_flags", "-".to_string()),
        ("connection_security_policy", security.to_string()),
    ];
    Observation::from_labels(
        Metric::Requests,
        labels
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        rate,
    )
    .expect("well-formed labels")
}

/// A trace call between two workloads (`namespace/name`), seen as a client/server pair.
pub fn traced(source: &str, destination: &str) -> TraceCall {
    let peer = |p: &str| {
        let (ns, name) = p.split_once('/').expect("namespace/name");
        TracePeer::workload(ns, name)
    };
    TraceCall {
        source: peer(source),
        destination: peer(destination),
        evidence: TraceEvidence::ClientServerPair,
        spans: 3,
        errors: 0,
        durations_ms: vec![5.0, 6.0, 7.0],
        trace_ids: vec!["4bf92f3577b34da6a3ce929d0e0e4736".to_string()],
    }
}
