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

/// A series web -> api answered `code`, each at `rate`, with Envoy `flags`.
fn answered(code: &str, rate: f64, flags: &str) -> Observation {
    let mut o = requests(
        "destination",
        "shop/web-v1",
        "shop/api-v1",
        "api.shop.svc.cluster.local",
        code,
        "mutual_tls",
        rate,
    );
    o.response_flags = flags.to_string();
    o
}

/// MG902's findings with their message and the response-flag evidence lines.
fn detailed(observations: &[Observation]) -> Vec<(Severity, String, Vec<String>)> {
    let reconciliation =
        meshgraph_core::reconcile(observations, &meshgraph_core::ClassifyOptions::default());
    let telemetry = meshgraph_checks::Telemetry {
        observations,
        reconciliation: &reconciliation,
    };
    let report = meshgraph_checks::check(
        &crate::load(CONFIG),
        Some(telemetry),
        &crate::only(Code::MG902),
    );
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.severity,
                f.message.clone(),
                f.evidence
                    .iter()
                    .filter(|e| e.starts_with("response flag"))
                    .cloned()
                    .collect(),
            )
        })
        .collect()
}

/// The severity and message of the one finding expected, if any.
type Expected = Option<(Severity, String)>;

const EDGE: &str = "of requests from shop/web-v1 to shop/api-v1";

#[test]
fn mg902_failure_and_4xx_shares_pick_the_severity_at_kialis_thresholds() {
    // (200s, failing code, failing rate) -> expected (severity, message) or none.
    let cases: [(f64, &str, f64, Expected); 6] = [
        // Exactly 10% failing is still a warning.
        (
            9.0,
            "503",
            1.0,
            Some((Severity::Warning, format!("10.0% {EDGE} fail"))),
        ),
        // 5% failing: a warning.
        (
            19.0,
            "503",
            1.0,
            Some((Severity::Warning, format!("5.0% {EDGE} fail"))),
        ),
        // Exactly 10% 4xx is not reported.
        (9.0, "404", 1.0, None),
        // 15% 4xx: a warning.
        (
            17.0,
            "404",
            3.0,
            Some((Severity::Warning, format!("15.0% {EDGE} get a 4xx answer"))),
        ),
        // Exactly 20% 4xx is still a warning.
        (
            8.0,
            "404",
            2.0,
            Some((Severity::Warning, format!("20.0% {EDGE} get a 4xx answer"))),
        ),
        // 25% 4xx: an error.
        (
            3.0,
            "404",
            1.0,
            Some((Severity::Error, format!("25.0% {EDGE} get a 4xx answer"))),
        ),
    ];
    for (ok, code, bad, expected) in cases {
        let found = detailed(&[answered("200", ok, "-"), answered(code, bad, "-")]);
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(s, m)| (s, m, Vec::<String>::new()))
            .collect();
        assert_eq!(found, expected, "{ok} x 200, {bad} x {code}");
    }
}

#[test]
fn mg902_names_the_envoy_flags_of_the_failures_with_their_rate() {
    let found = detailed(&[answered("200", 6.0, "-"), answered("503", 2.0, "UH")]);
    assert_eq!(
        found,
        [(
            Severity::Error,
            format!("25.0% {EDGE} fail"),
            vec!["response flag UH: 2.00 req/s".to_string()]
        )]
    );
}
