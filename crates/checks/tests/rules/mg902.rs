//! MG902: 20% of the calls web -> api failing with 503 is reported; every call
//! answered 200 is not. The series are written here, one per reporter, as Istio
//! would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;

use crate::{Found, finding, requests, telemetry_findings};

/// No objects: the findings name telemetry workloads.
const CONFIG: &str = "";

fn reported() -> Vec<Observation> {
    vec![
        requests(
            "destination",
            "shop/web-v1",
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "200",
            "mutual_tls",
            8.0,
        ),
        requests(
            "destination",
            "shop/web-v1",
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "503",
            "mutual_tls",
            2.0,
        ),
    ]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        10.0,
    )]
}

#[test]
fn mg902_edge_error_rate_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG902, CONFIG, &reported(), &[]),
        [finding("MG902", "Workload shop/api-v1", Severity::Error)]
    );
}

#[test]
fn mg902_edge_error_rate_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG902, CONFIG, &quiet(), &[]),
        Vec::<Found>::new()
    );
}
