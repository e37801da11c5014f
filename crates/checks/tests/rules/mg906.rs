//! MG906: web seen only by the server side of its calls is reported; web
//! reporting its own calls too is not. The series are written here, one per
//! reporter, as Istio would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;

use crate::{Found, finding, requests, telemetry_findings};

/// No objects: the findings name telemetry workloads.
const CONFIG: &str = "";

fn reported() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "none",
        1.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![
        requests(
            "destination",
            "shop/web-v1",
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "200",
            "mutual_tls",
            1.0,
        ),
        requests(
            "source",
            "shop/web-v1",
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "200",
            "unknown",
            1.0,
        ),
    ]
}

#[test]
fn mg906_proxy_missing_from_telemetry_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG906, CONFIG, &reported(), &[]),
        [finding("MG906", "Workload shop/web-v1", Severity::Warning)]
    );
}

#[test]
fn mg906_proxy_missing_from_telemetry_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG906, CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}

/// MG906's findings as (resource, message), with `waypoints` configured.
fn messages(observations: &[Observation], waypoints: &[(&str, &str)]) -> Vec<(String, String)> {
    let options = meshgraph_core::ClassifyOptions {
        waypoints: waypoints
            .iter()
            .map(|(ns, name)| meshgraph_core::WorkloadRef::new(*ns, *name))
            .collect(),
        ..meshgraph_core::ClassifyOptions::default()
    };
    let reconciliation = meshgraph_core::reconcile(observations, &options);
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    meshgraph_checks::check(
        &crate::load(CONFIG),
        Some(telemetry),
        &crate::only(Code::MG906),
    )
    .findings
    .iter()
    .map(|f| (f.resource.to_string(), f.message.clone()))
    .collect()
}

/// A series web -> api reported by `reporter`.
fn web_to_api(reporter: &str) -> Observation {
    requests(
        reporter,
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        1.0,
    )
}

#[test]
fn mg906_trusts_ztunnel_series() {
    let mut by_ztunnel = web_to_api("destination");
    by_ztunnel
        .extra
        .insert("app".to_string(), "ztunnel".to_string());
    assert_eq!(messages(&[by_ztunnel], &[]), []);
}

#[test]
fn mg906_does_not_expect_a_sidecar_on_a_waypoint() {
    // The waypoint reports web -> api: api never reports itself, the waypoint needs not.
    let mut by_waypoint = web_to_api("waypoint");
    by_waypoint.source.workload = "waypoint".to_string();
    let found = messages(&[by_waypoint], &[("shop", "waypoint")]);
    let resources: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(resources, ["Workload shop/api-v1"], "{found:?}");
}

#[test]
fn mg906_reports_passthrough_and_blackhole_traffic_with_its_rate() {
    let out = |to: &str, code: &str, rate| {
        requests(
            "source",
            "shop/web-v1",
            "unknown",
            to,
            code,
            "unknown",
            rate,
        )
    };
    let found = messages(
        &[
            out("PassthroughCluster", "200", 1.0),
            out("PassthroughCluster", "404", 0.5),
            out("BlackHoleCluster", "502", 0.25),
        ],
        &[],
    );
    assert_eq!(
        found,
        [
            (
                "Workload shop/web-v1".to_string(),
                "shop/web-v1 sends 0.25/s to BlackHoleCluster: traffic dropped by the outbound policy"
                    .to_string()
            ),
            (
                "Workload shop/web-v1".to_string(),
                "shop/web-v1 sends 1.50/s to PassthroughCluster: traffic leaving the mesh to an unknown destination"
                    .to_string()
            ),
        ]
    );
}
