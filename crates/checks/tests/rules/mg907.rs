//! MG907: a busy metric edge without spans and a traced call without series is
//! reported; the metric edge confirmed by a trace is not. The series are
//! written here, one per reporter, as Istio would export them.

use meshgraph_checks::{Code, Severity};
use meshgraph_model::Observation;
use meshgraph_model::trace::TraceCall;

use crate::{Found, finding, requests, telemetry_findings, traced};

/// No objects: the findings name telemetry workloads.
const CONFIG: &str = "";

fn reported() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        5.0,
    )]
}

fn quiet() -> Vec<Observation> {
    vec![requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        "200",
        "mutual_tls",
        5.0,
    )]
}

fn reported_calls() -> Vec<TraceCall> {
    vec![traced("shop/api-v1", "shop/db-v1")]
}

fn quiet_calls() -> Vec<TraceCall> {
    vec![traced("shop/web-v1", "shop/api-v1")]
}

#[test]
fn mg907_traces_metrics_disagree_is_reported() {
    assert_eq!(
        telemetry_findings(Code::MG907, CONFIG, &reported(), &reported_calls()),
        [
            finding("MG907", "Workload shop/api-v1", Severity::Info),
            finding("MG907", "Workload shop/web-v1", Severity::Info)
        ]
    );
}

#[test]
fn mg907_traces_metrics_disagree_is_quiet_otherwise() {
    assert_eq!(
        telemetry_findings(Code::MG907, CONFIG, &quiet(), &quiet_calls()),
        Vec::<Found>::new()
    );
}

/// A metrics-only edge counts from 1 req/s of Envoy-reported traffic.
#[test]
fn mg907_reports_an_untraced_edge_from_one_request_per_second() {
    let traces_only = finding("MG907", "Workload shop/batch-v1", Severity::Info);
    let untraced = finding("MG907", "Workload shop/web-v1", Severity::Info);
    for (rate, expected) in [
        (1.0, vec![traces_only.clone(), untraced]),
        (0.5, vec![traces_only.clone()]),
    ] {
        let observations = [requests(
            "destination",
            "shop/web-v1",
            "shop/api-v1",
            "api.shop.svc.cluster.local",
            "200",
            "mutual_tls",
            rate,
        )];
        assert_eq!(
            telemetry_findings(
                Code::MG907,
                CONFIG,
                &observations,
                &[traced("shop/batch-v1", "shop/db-v1")]
            ),
            expected,
            "{rate} req/s"
        );
    }
}
