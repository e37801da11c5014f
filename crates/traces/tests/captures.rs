//! The real captures in `tests/fixtures/traces`, read as `--traces-file`
//! would read them: exactly the calls each one holds.

mod common;

use common::*;
use meshgraph_traces::istio::{ProxyRole, proxy_of};
use meshgraph_traces::{Format, SpanKind, TraceEvidence, TracePeer, decode, read_file};

fn pair(
    source: &str,
    destination: &str,
    spans: u64,
    errors: u64,
) -> (String, String, TraceEvidence, u64, u64) {
    (
        source.into(),
        destination.into(),
        TraceEvidence::ClientServerPair,
        spans,
        errors,
    )
}

#[test]
fn kiali_tempo_bookinfo_trace_gives_the_four_sidecar_and_gateway_edges() {
    let collected = read_file(&fixture_path(TEMPO_SIDECAR_TRACE)).unwrap();
    assert_eq!(
        edge_set(&collected.calls),
        vec![
            pair("bookinfo/productpage-v1", "bookinfo/details-v1", 1, 0),
            pair("bookinfo/productpage-v1", "bookinfo/reviews-v2", 1, 0),
            pair("bookinfo/reviews-v2", "bookinfo/ratings-v1", 1, 0),
            pair(
                "istio-system/istio-ingressgateway",
                "bookinfo/productpage-v1",
                1,
                0
            ),
        ]
    );
    assert!(collected.warnings.is_empty(), "{:?}", collected.warnings);
    assert_eq!(collected.stats.api.as_deref(), Some("tempo"));
    assert_eq!((collected.stats.traces, collected.stats.spans), (1, 8));
    // base64 "O6VWCcPN5JZJzXfR+dzZNg==" as hex.
    for call in &collected.calls {
        assert_eq!(call.trace_ids, ["3ba55609c3cde49649cd77d1f9dcd936"]);
        assert_eq!(call.durations_ms.len(), 1);
    }
    // The gateway's client span took 11.932 ms (end - start in the capture).
    let gateway = &collected.calls[3];
    assert_eq!(
        gateway.source,
        TracePeer::workload("istio-system", "istio-ingressgateway")
    );
    assert!((gateway.durations_ms[0] - 11.932).abs() < 1e-9);
}

#[test]
fn kiali_tempo_trace_spans_are_normalised() {
    let decoded = decode(&fixture(TEMPO_SIDECAR_TRACE), "capture").unwrap();
    assert_eq!(decoded.format, Format::Tempo);
    let root = &decoded.spans[0];
    assert_eq!(root.kind, SpanKind::Client);
    assert_eq!(root.span_id, "49cd77d1f9dcd936");
    assert_eq!(root.parent_span_id, None);
    assert_eq!(
        root.service_name(),
        Some("istio-ingressgateway.istio-system")
    );
    let server = &decoded.spans[1];
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.parent_span_id.as_deref(), Some("49cd77d1f9dcd936"));
    let roles: Vec<ProxyRole> = decoded
        .spans
        .iter()
        .map(|s| proxy_of(s).unwrap().role)
        .collect();
    assert_eq!(
        roles.iter().filter(|r| **r == ProxyRole::Gateway).count(),
        1
    );
    assert_eq!(
        roles.iter().filter(|r| **r == ProxyRole::Sidecar).count(),
        7
    );
}

#[test]
fn jaeger_v3_hotrod_trace_gives_frontend_calls_and_its_dependencies() {
    let collected = read_file(&fixture_path(JAEGER_V3_HOTROD)).unwrap();
    let unknown_ns = |name: &str| format!("unknown/{name}");
    assert_eq!(
        edge_set(&collected.calls),
        vec![
            // customer's "SQL SELECT" and driver's redis calls are CLIENT spans
            // that HotROD writes under the dependency's own service name.
            (
                unknown_ns("customer"),
                "virtual mysql".into(),
                TraceEvidence::ClientOnly {
                    attribute: "service.name".into()
                },
                1,
                0
            ),
            (
                unknown_ns("driver"),
                "virtual redis-manual".into(),
                TraceEvidence::ClientOnly {
                    attribute: "service.name".into()
                },
                14,
                3
            ),
            pair(&unknown_ns("frontend"), &unknown_ns("customer"), 1, 0),
            pair(&unknown_ns("frontend"), &unknown_ns("driver"), 1, 0),
            pair(&unknown_ns("frontend"), &unknown_ns("route"), 10, 0),
            // The root "GET /dispatch" server span: the browser is not traced.
            (
                "unknown".into(),
                unknown_ns("frontend"),
                TraceEvidence::ServerOnly,
                1,
                0
            ),
        ]
    );
    assert!(collected.warnings.is_empty(), "{:?}", collected.warnings);
    assert_eq!(collected.stats.api.as_deref(), Some("jaeger-v3"));
    assert_eq!((collected.stats.traces, collected.stats.spans), (1, 40));
    let route = &collected.calls[4];
    assert_eq!(route.durations_ms.len(), 10);
    assert_eq!(route.trace_ids, ["2ea75461946a7dd10f2c15ab36a076cb"]);
}

#[test]
fn jaeger_v1_sample_decodes_with_processes_references_and_typed_tags() {
    let decoded = decode(&fixture(JAEGER_V1_SAMPLE), "sample").unwrap();
    assert_eq!(decoded.format, Format::JaegerV1);
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    // Five spans, two of which share an id (kept: they differ in name).
    assert_eq!(decoded.spans.len(), 5);
    let ids: Vec<(&str, Option<&str>, Option<&str>)> = decoded
        .spans
        .iter()
        .map(|s| {
            (
                s.span_id.as_str(),
                s.parent_span_id.as_deref(),
                s.service_name(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("0000000000000002", None, Some("service-x")),
            ("0000000000000002", None, Some("service-x")),
            (
                "0000000000000003",
                Some("0000000000000002"),
                Some("service-y")
            ),
            // The CHILD_OF into another trace is not the parent.
            (
                "0000000000000004",
                Some("0000000000000002"),
                Some("service-y")
            ),
            (
                "0000000000000005",
                Some("0000000000000004"),
                Some("service-y")
            ),
        ]
    );
    let tagged = &decoded.spans[1];
    assert_eq!(tagged.trace_id, "00000000000000000000000000000001");
    assert!(tagged.status_error, "error=true");
    assert_eq!(tagged.attr("peer.service"), Some("service-y"));
    assert_eq!(tagged.attr("peer.ipv4"), Some("23456"));
    assert_eq!(tagged.attr("temperature"), Some("72.5"));
    assert_eq!(tagged.attr("javascript_limit"), Some("9223372036854775222"));
    assert_eq!(tagged.start_unix_nanos, Some(1_485_467_191_639_875_000));
    assert_eq!(tagged.duration_nanos, Some(5_000));
    // No span.kind tags: nothing to pair.
    let collected = read_file(&fixture_path(JAEGER_V1_SAMPLE)).unwrap();
    assert!(collected.calls.is_empty());
}

#[test]
fn tempo_ambient_search_identifies_the_waypoint_spans() {
    let decoded = decode(&fixture(TEMPO_AMBIENT_SEARCH), "search").unwrap();
    assert_eq!(decoded.format, Format::TempoSearch);
    assert!(decoded.spans.is_empty());
    assert_eq!(decoded.search.len(), 1);
    let hit = &decoded.search[0];
    assert_eq!(hit.trace_id, "02e299711ce47710289dc6640727404f");
    assert_eq!(hit.root_service_name.as_deref(), Some("waypoint.bookinfo"));
    let proxies: Vec<(ProxyRole, String, String)> = hit
        .spans
        .iter()
        .map(|s| {
            let p = proxy_of(s).unwrap();
            (p.role, p.namespace, p.workload)
        })
        .collect();
    let waypoint = (
        ProxyRole::Waypoint,
        "bookinfo".to_string(),
        "waypoint".to_string(),
    );
    assert_eq!(
        proxies,
        [
            waypoint.clone(),
            waypoint.clone(),
            waypoint,
            (
                ProxyRole::Gateway,
                "bookinfo".into(),
                "bookinfo-gateway-istio".into()
            ),
        ]
    );
    // Before Istio 1.29 waypoint spans carry no source/destination tags; the
    // service of their `inbound-vip` upstream cluster is the destination. A
    // search answer has no parent ids: the callers are unknown, and a note
    // says so.
    let collected = read_file(&fixture_path(TEMPO_AMBIENT_SEARCH)).unwrap();
    let waypoint_call = |service: &str| {
        (
            "unknown".to_string(),
            format!("service bookinfo/{service}"),
            TraceEvidence::Waypoint,
            1,
            0,
        )
    };
    assert_eq!(
        edge_set(&collected.calls),
        vec![
            waypoint_call("bookinfo-gateway-istio"),
            waypoint_call("details"),
            waypoint_call("reviews"),
        ]
    );
    assert!(
        collected
            .warnings
            .iter()
            .any(|w| w
                .starts_with("3 waypoint span(s) name their destination service but no caller")),
        "{:?}",
        collected.warnings
    );
}
