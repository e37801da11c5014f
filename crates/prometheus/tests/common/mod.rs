//! The bookinfo sidecar fixture (`tests/fixtures/prometheus/`) and its true
//! rates, shared by the tests against real servers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use meshgraph_model::{Metric, Observation, Reporter};
use meshgraph_prometheus::testing::{openmetrics_from_rates, parse_rates};
use meshgraph_prometheus::{Collected, QueryPlan};

/// Last sample of the fixture: 2025-12-01T00:00:00Z.
pub const END: i64 = 1_764_547_200;
/// The fixture spans 20 minutes, sampled every 15 s.
pub const DURATION_S: i64 = 1200;
pub const STEP_S: i64 = 15;
/// Evaluation time: two minutes before the end, off the sample grid.
pub const AT: f64 = (END - 120) as f64 + 0.5;

pub fn bookinfo_openmetrics() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/prometheus/bookinfo-sidecar.rates"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let series = parse_rates(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    openmetrics_from_rates(&series, END, DURATION_S, STEP_S)
}

pub fn plan(namespaces: &[&str]) -> QueryPlan {
    let mut plan = QueryPlan::new(AT, Duration::from_secs(300));
    plan.namespaces = namespaces.iter().map(|n| n.to_string()).collect();
    plan
}

/// (reporter, source workload, destination workload, response code)
pub type RequestKey = (Reporter, &'static str, &'static str, &'static str);

/// The true `istio_requests_total` rates of the fixture (README.md).
pub fn true_request_rates() -> BTreeMap<RequestKey, f64> {
    use Reporter::{Destination as D, Source as S};
    let mut m = BTreeMap::new();
    let gw = "istio-ingressgateway";
    m.insert((S, gw, "productpage-v1", "200"), 2.8);
    m.insert((D, gw, "productpage-v1", "200"), 2.8);
    m.insert((D, "unknown", "productpage-v1", "200"), 0.2);
    for (r, rate) in [(S, 3.0), (D, 3.0)] {
        m.insert((r, "productpage-v1", "details-v1", "200"), rate);
    }
    for r in [S, D] {
        for v in ["reviews-v1", "reviews-v2", "reviews-v3"] {
            m.insert((r, "productpage-v1", v, "200"), 1.0);
        }
        m.insert((r, "reviews-v2", "ratings-v1", "200"), 1.0);
        m.insert((r, "reviews-v3", "ratings-v1", "200"), 0.8);
        m.insert((r, "reviews-v3", "ratings-v1", "503"), 0.2);
    }
    m
}

/// Bucket rates of productpage-v1 → reviews-v2 by reporter, in `le` order.
pub fn true_bucket_rates(reporter: Reporter) -> Vec<(f64, f64)> {
    let counts: &[u32] = match reporter {
        Reporter::Destination => &[0, 0, 3, 9, 13, 14],
        _ => &[0, 0, 1, 6, 12, 14],
    };
    let les = [
        0.5,
        1.0,
        5.0,
        10.0,
        25.0,
        50.0,
        100.0,
        250.0,
        500.0,
        1000.0,
        2500.0,
        5000.0,
        10000.0,
        30000.0,
        60000.0,
        300000.0,
        600000.0,
        1.8e6,
        3.6e6,
        f64::INFINITY,
    ];
    les.iter()
        .enumerate()
        .map(|(i, le)| (*le, f64::from(counts.get(i).copied().unwrap_or(15)) / 15.0))
        .collect()
}

pub fn close(actual: f64, expected: f64) -> bool {
    if expected == 0.0 {
        actual.abs() < 1e-9
    } else {
        ((actual - expected) / expected).abs() <= 0.01
    }
}

/// The request observations keyed like [`true_request_rates`]; panics on a
/// duplicate key.
pub fn request_rates(collected: &Collected) -> BTreeMap<(Reporter, String, String, String), f64> {
    let mut out = BTreeMap::new();
    for o in collected
        .observations
        .iter()
        .filter(|o| o.metric == Metric::Requests)
    {
        let key = (
            o.reporter,
            o.source.workload.clone(),
            o.destination.workload.clone(),
            o.response_code.clone().unwrap_or_default(),
        );
        assert!(
            out.insert(key.clone(), o.value).is_none(),
            "duplicate series {key:?}"
        );
    }
    out
}

/// Asserts that the request observations are exactly `expected`, within 1 %.
pub fn assert_request_rates(collected: &Collected, expected: &BTreeMap<RequestKey, f64>) {
    let actual = request_rates(collected);
    let expected_keys: Vec<_> = expected
        .keys()
        .map(|(r, s, d, c)| (*r, s.to_string(), d.to_string(), c.to_string()))
        .collect();
    let actual_keys: Vec<_> = actual.keys().cloned().collect();
    assert_eq!(actual_keys, expected_keys, "request series differ");
    for ((r, s, d, c), want) in expected {
        let got = actual[&(*r, s.to_string(), d.to_string(), c.to_string())];
        assert!(
            close(got, *want),
            "{r:?} {s} -> {d} {c}: got {got}, want {want}"
        );
    }
}

/// Everything the fixture should give with all namespaces selected.
pub fn assert_bookinfo(collected: &Collected) {
    assert!(
        collected.warnings.is_empty(),
        "warnings: {:#?}",
        collected.warnings
    );
    // One query per family, the latency buckets' built-in one in parts.
    assert_eq!(
        collected.stats.queries,
        Metric::ALL.len() - 1 + meshgraph_prometheus::queries::LATENCY_PART_COUNT
    );
    assert_request_rates(collected, &true_request_rates());

    // Reporter-specific labels come through untouched.
    let find = |r: Reporter, s: &str, d: &str| -> &Observation {
        collected
            .observations
            .iter()
            .find(|o| {
                o.metric == Metric::Requests
                    && o.reporter == r
                    && o.source.workload == s
                    && o.destination.workload == d
            })
            .unwrap_or_else(|| panic!("no {r:?} {s} -> {d}"))
    };
    let client = find(Reporter::Source, "productpage-v1", "reviews-v2");
    assert_eq!(client.connection_security_policy, "unknown");
    assert_eq!(
        client.source.principal,
        "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage"
    );
    assert_eq!(
        client.destination.principal,
        "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews"
    );
    assert_eq!(client.service.fqdn, "reviews.bookinfo.svc.cluster.local");
    assert_eq!(
        client.extra.get("app").map(String::as_str),
        Some("productpage"),
        "the ztunnel matcher label is kept"
    );
    assert!(!client.extra.contains_key("pod"), "pod is aggregated away");
    assert_eq!(client.grpc_response_status, None);
    let server = find(Reporter::Destination, "productpage-v1", "reviews-v2");
    assert_eq!(server.connection_security_policy, "mutual_tls");
    assert_eq!(server.extra.get("app").map(String::as_str), Some("reviews"));
    let unknown = find(Reporter::Destination, "unknown", "productpage-v1");
    assert_eq!(unknown.connection_security_policy, "none");
    assert_eq!(unknown.source.canonical_revision, "latest");
    let gateway = find(Reporter::Source, "istio-ingressgateway", "productpage-v1");
    assert_eq!(gateway.source.namespace, "istio-system");

    // Duration buckets: 20 per reporter, with the documented rates.
    for reporter in [Reporter::Source, Reporter::Destination] {
        let mut buckets: Vec<(f64, f64)> = collected
            .observations
            .iter()
            .filter(|o| o.metric == Metric::RequestDurationBucket && o.reporter == reporter)
            .flat_map(|o| {
                assert_eq!(
                    (o.source.workload.as_str(), o.destination.workload.as_str()),
                    ("productpage-v1", "reviews-v2")
                );
                // One histogram per reporter, folded as it was read.
                assert_eq!((o.le, o.buckets.len()), (None, 20));
                o.bucket_rates()
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let want = true_bucket_rates(reporter);
        assert_eq!(buckets.len(), want.len(), "{reporter:?} buckets");
        for ((le, got), (want_le, want_rate)) in buckets.iter().zip(&want) {
            assert_eq!(le, want_le);
            assert!(
                close(*got, *want_rate),
                "{reporter:?} le={le}: got {got}, want {want_rate}"
            );
        }
    }

    // Response bytes: 534 B/s per reporter.
    let bytes: Vec<&Observation> = collected
        .observations
        .iter()
        .filter(|o| o.metric == Metric::ResponseBytesSum)
        .collect();
    assert_eq!(bytes.len(), 2);
    for o in bytes {
        assert_eq!(o.destination.workload, "details-v1");
        assert!(close(o.value, 534.0), "{:?}: {}", o.reporter, o.value);
    }
    let families_with_data: std::collections::BTreeSet<Metric> =
        collected.observations.iter().map(|o| o.metric).collect();
    assert_eq!(
        families_with_data.into_iter().collect::<Vec<_>>(),
        vec![
            Metric::Requests,
            Metric::RequestDurationBucket,
            Metric::ResponseBytesSum
        ]
    );
    // Every answer series was kept: one per observation, one per bucket.
    let kept: usize = collected
        .observations
        .iter()
        .map(|o| o.buckets.len().max(1))
        .sum();
    assert_eq!(collected.stats.series, kept);
}
