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
