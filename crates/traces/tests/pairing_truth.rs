//! The pairing rules of `calls_from_spans` on spans built by hand (no
//! decoder), each with the calls worked out from docs/traces.md: the
//! branches the captures and the scenario kit never reach (Zipkin's shared
//! span context, spans without an owner, spans below spans that cannot be
//! used, waypoint spans of Istio 1.22-1.28 whose caller is found through a
//! sibling or an `x-request-id`, external hosts).

use std::sync::Arc;

use meshgraph_traces::{
    Resource, Span, SpanKind, TraceCall, TraceEvidence, TracePeer, calls_from_spans,
    normalize_span_id, normalize_trace_id,
};

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

const PRODUCTPAGE: &str =
    "sidecar~10.0.0.1~productpage-v1-6b746f74dc-9stp6.bookinfo~bookinfo.svc.cluster.local";
const REVIEWS: &str =
    "sidecar~10.0.0.2~reviews-v1-545db77b95-jqrl2.bookinfo~bookinfo.svc.cluster.local";
const GATEWAY: &str = "router~10.0.0.5~istio-ingressgateway-6d8f9c7b5-kq2xz.istio-system~istio-system.svc.cluster.local";
const WAYPOINT: &str =
    "waypoint~10.0.0.9~waypoint-7b5c8d9f4-x2x4z.bookinfo~bookinfo.svc.cluster.local";
const WAYPOINT_2: &str =
    "waypoint~10.0.0.8~waypoint-7b5c8d9f4-b6w9q.bookinfo~bookinfo.svc.cluster.local";

const TO_REVIEWS: &str = "outbound|9080||reviews.bookinfo.svc.cluster.local";
const TO_PRODUCTPAGE: &str = "outbound|9080||productpage.bookinfo.svc.cluster.local";
/// A waypoint's inbound cluster for reviews (Istio 1.22-1.28).
const WAYPOINT_REVIEWS: &str = "inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local";
const WAYPOINT_DETAILS: &str = "inbound-vip|9080|http|details.bookinfo.svc.cluster.local";

/// A span of trace `trace` with id `id` (a small number), its parent's id,
/// its kind, its own attributes and its resource's `service.name`.
fn span_in(
    trace: &str,
    id: u64,
    parent: Option<u64>,
    kind: SpanKind,
    attributes: &[(&str, &str)],
    service: Option<&str>,
) -> Span {
    Span {
        trace_id: normalize_trace_id(trace).expect("a hex trace id"),
        span_id: normalize_span_id(&format!("{id:016x}")).expect("hex"),
        parent_span_id: parent.and_then(|p| normalize_span_id(&format!("{p:016x}"))),
        name: "call".into(),
        kind,
        start_unix_nanos: None,
        duration_nanos: None,
        status_error: false,
        attributes: attributes
            .iter()
            .map(|&(k, v)| (k.into(), v.into()))
            .collect(),
        resource: Arc::new(Resource {
            service_name: service.map(Into::into),
            attributes: Vec::new(),
        }),
    }
}

fn span(
    id: u64,
    parent: Option<u64>,
    kind: SpanKind,
    attributes: &[(&str, &str)],
    service: Option<&str>,
) -> Span {
    span_in(TRACE, id, parent, kind, attributes, service)
}

fn peer(p: &TracePeer) -> String {
    match p {
        TracePeer::Workload { namespace, name } => format!("{namespace}/{name}"),
        TracePeer::Service { namespace, name } => format!("svc {namespace}/{name}"),
        TracePeer::Virtual { name } => format!("virtual {name}"),
        TracePeer::Unknown => "unknown".into(),
    }
}

fn evidence(e: &TraceEvidence) -> String {
    match e {
        TraceEvidence::ClientServerPair => "pair".into(),
        TraceEvidence::ClientOnly { attribute } => format!("client-only {attribute}"),
        TraceEvidence::ServerOnly => "server-only".into(),
        TraceEvidence::Waypoint => "waypoint".into(),
    }
}

/// Each call as `source -> destination (evidence) xN`.
fn summary(calls: &[TraceCall]) -> Vec<String> {
    calls
        .iter()
        .map(|c| {
            format!(
                "{} -> {} ({}) x{}",
                peer(&c.source),
                peer(&c.destination),
                evidence(&c.evidence),
                c.spans
            )
        })
        .collect()
}

#[test]
fn spans_without_an_owner_are_counted_in_one_note() {
    let spans = [
        // Trace A: a server span of nobody.
        span_in(
            "0000000000000000000000000000000a",
            1,
            None,
            SpanKind::Server,
            &[],
            None,
        ),
        // Trace B: a client span of nobody, answered by reviews' sidecar.
        span_in(
            "0000000000000000000000000000000b",
            1,
            None,
            SpanKind::Client,
            &[],
            None,
        ),
        span_in(
            "0000000000000000000000000000000b",
            2,
            Some(1),
            SpanKind::Server,
            &[("node_id", REVIEWS)],
            None,
        ),
        // Trace C: a client span of nobody with nothing below it.
        span_in(
            "0000000000000000000000000000000c",
            1,
            None,
            SpanKind::Client,
            &[("upstream_cluster", TO_REVIEWS)],
            None,
        ),
    ];
    let found = calls_from_spans(&spans);
    assert!(found.calls.is_empty(), "{:?}", summary(&found.calls));
    assert_eq!(
        found.notes,
        ["3 span(s) have neither an Istio node_id nor a service.name and were not used"]
    );
    assert_eq!(found.traces, 3);
}

#[test]
fn a_call_keeps_five_example_trace_ids() {
    let spans: Vec<Span> = (1..=7)
        .map(|t| {
            span_in(
                &format!("{t:032x}"),
                1,
                None,
                SpanKind::Server,
                &[("node_id", REVIEWS)],
                None,
            )
        })
        .collect();
    let found = calls_from_spans(&spans);
    assert_eq!(
        summary(&found.calls),
        ["unknown -> bookinfo/reviews-v1 (server-only) x7"]
    );
    let expected: Vec<String> = (1..=5).map(|t| format!("{t:032x}")).collect();
    assert_eq!(found.calls[0].trace_ids, expected);
}

#[test]
fn zipkin_shared_span_context_pairs_the_two_sides() {
    // Zipkin: the server reuses the client's span id (and parent).
    let spans = [
        span(
            7,
            None,
            SpanKind::Server,
            &[("node_id", REVIEWS), ("http.status_code", "503")],
            None,
        ),
        span(
            7,
            None,
            SpanKind::Client,
            &[("node_id", PRODUCTPAGE), ("upstream_cluster", TO_REVIEWS)],
            None,
        ),
    ];
    let found = calls_from_spans(&spans);
    assert_eq!(
        summary(&found.calls),
        ["bookinfo/productpage-v1 -> bookinfo/reviews-v1 (pair) x1"]
    );
    assert_eq!(found.calls[0].errors, 1);
}

#[test]
fn a_server_span_below_another_server_span_gives_nothing() {
    // reviews' sidecar received the request from an untraced caller; the
    // application's own server span sits below it.
    let spans = [
        span(1, None, SpanKind::Server, &[("node_id", REVIEWS)], None),
        span(
            2,
            Some(1),
            SpanKind::Server,
            &[("k8s.namespace.name", "bookinfo")],
            Some("reviews"),
        ),
    ];
    assert_eq!(
        summary(&calls_from_spans(&spans).calls),
        ["unknown -> bookinfo/reviews-v1 (server-only) x1"]
    );
}

#[test]
fn what_is_below_a_client_span_decides_whether_it_is_a_call_of_its_own() {
    let spans = [
        // The application's client span above its sidecar's: one call.
        span(
            1,
            None,
            SpanKind::Client,
            &[
                ("k8s.namespace.name", "bookinfo"),
                ("peer.service", "reviews"),
            ],
            Some("productpage"),
        ),
        span(
            2,
            Some(1),
            SpanKind::Client,
            &[("node_id", PRODUCTPAGE), ("upstream_cluster", TO_REVIEWS)],
            None,
        ),
        // A client span with only an internal span below it is a call.
        span(
            3,
            None,
            SpanKind::Client,
            &[("node_id", PRODUCTPAGE), ("peer.service", "cache")],
            None,
        ),
        span(
            4,
            Some(3),
            SpanKind::Internal,
            &[("k8s.namespace.name", "bookinfo")],
            Some("productpage"),
        ),
        // A client span above a waypoint span that could not be used (no
        // tags, no upstream_cluster) is a call.
        span(
            5,
            None,
            SpanKind::Client,
            &[("node_id", GATEWAY), ("upstream_cluster", TO_PRODUCTPAGE)],
            None,
        ),
        span(6, Some(5), SpanKind::Server, &[("node_id", WAYPOINT)], None),
    ];
    let found = calls_from_spans(&spans);
    assert_eq!(
        summary(&found.calls),
        [
            "bookinfo/productpage-v1 -> svc bookinfo/reviews (client-only upstream_cluster) x1",
            "bookinfo/productpage-v1 -> virtual cache (client-only peer.service) x1",
            "istio-system/istio-ingressgateway -> svc bookinfo/productpage (client-only upstream_cluster) x1",
        ]
    );
    assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
    assert!(found.notes[0].starts_with("1 waypoint span(s) carry neither"));
}

#[test]
fn a_client_span_whose_server_has_no_owner_is_not_a_call_of_its_own() {
    let spans = [
        span(
            1,
            None,
            SpanKind::Client,
            &[("node_id", PRODUCTPAGE), ("upstream_cluster", TO_REVIEWS)],
            None,
        ),
        span(2, Some(1), SpanKind::Server, &[], None),
    ];
    let found = calls_from_spans(&spans);
    assert!(found.calls.is_empty(), "{:?}", summary(&found.calls));
    assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
}

#[test]
fn a_waypoint_span_below_another_waypoint_is_its_own_request() {
    // Two waypoints in a row, each writing one client span with Istio
    // 1.29 tags: two requests.
    let spans = [
        span(
            1,
            None,
            SpanKind::Client,
            &[
                ("node_id", WAYPOINT),
                ("istio.source_namespace", "bookinfo"),
                ("istio.source_workload", "productpage-v1"),
                ("istio.destination_namespace", "bookinfo"),
                ("istio.destination_workload", "reviews-v1"),
            ],
            None,
        ),
        span(
            2,
            Some(1),
            SpanKind::Client,
            &[
                ("node_id", WAYPOINT_2),
                ("istio.source_namespace", "bookinfo"),
                ("istio.source_workload", "reviews-v1"),
                ("istio.destination_namespace", "bookinfo"),
                ("istio.destination_workload", "ratings-v1"),
            ],
            None,
        ),
    ];
    assert_eq!(
        summary(&calls_from_spans(&spans).calls),
        [
            "bookinfo/productpage-v1 -> bookinfo/reviews-v1 (waypoint) x1",
            "bookinfo/reviews-v1 -> bookinfo/ratings-v1 (waypoint) x1",
        ]
    );
}

#[test]
fn unknown_or_empty_waypoint_tags_are_not_names() {
    let spans = [
        // The source tags say `unknown`: read as a 1.22-1.28 span (the
        // destination service from upstream_cluster, no caller in the trace).
        span(
            1,
            None,
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("istio.source_namespace", "bookinfo"),
                ("istio.source_workload", "unknown"),
                ("istio.destination_namespace", "bookinfo"),
                ("istio.destination_workload", "reviews-v1"),
                ("upstream_cluster", WAYPOINT_REVIEWS),
            ],
            None,
        ),
        // The destination service tags win over upstream_cluster, unless
        // they say `unknown` or nothing.
        span(
            2,
            None,
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("istio.destination_service_namespace", "bookinfo"),
                ("istio.destination_service_name", "ratings"),
            ],
            None,
        ),
        span(
            3,
            None,
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("istio.destination_service_namespace", "bookinfo"),
                ("istio.destination_service_name", "unknown"),
                ("upstream_cluster", WAYPOINT_DETAILS),
            ],
            None,
        ),
        span(
            4,
            None,
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("istio.destination_service_namespace", "bookinfo"),
                ("istio.destination_service_name", ""),
                ("upstream_cluster", WAYPOINT_DETAILS),
            ],
            None,
        ),
    ];
    let found = calls_from_spans(&spans);
    assert_eq!(
        summary(&found.calls),
        [
            "unknown -> svc bookinfo/details (waypoint) x2",
            "unknown -> svc bookinfo/ratings (waypoint) x1",
            "unknown -> svc bookinfo/reviews (waypoint) x1",
        ]
    );
}

#[test]
fn a_waypoint_caller_from_a_server_span_that_names_its_own_service() {
    // productpage's sidecar received the request (its inbound cluster names
    // its own service, as older sidecars write it) and the application
    // called reviews through the waypoint without a client span.
    let spans = [
        span(
            1,
            None,
            SpanKind::Server,
            &[
                ("node_id", PRODUCTPAGE),
                (
                    "upstream_cluster",
                    "inbound|9080|http|productpage.bookinfo.svc.cluster.local",
                ),
            ],
            None,
        ),
        span(
            2,
            Some(1),
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("upstream_cluster", WAYPOINT_REVIEWS),
            ],
            None,
        ),
    ];
    assert_eq!(
        summary(&calls_from_spans(&spans).calls),
        [
            "bookinfo/productpage-v1 -> svc bookinfo/reviews (waypoint) x1",
            "unknown -> bookinfo/productpage-v1 (server-only) x1",
        ]
    );
}

#[test]
fn a_waypoint_caller_is_whoever_served_the_hop_before_it() {
    // The gateway called productpage (span 1); productpage's application
    // served it (span 2) and, without client spans, called reviews and
    // details through two waypoint pods (spans 3 and 4), whose parent is the
    // gateway's span.
    let spans = [
        span(
            1,
            None,
            SpanKind::Client,
            &[("node_id", GATEWAY), ("upstream_cluster", TO_PRODUCTPAGE)],
            None,
        ),
        span(
            3,
            Some(1),
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT),
                ("upstream_cluster", WAYPOINT_REVIEWS),
            ],
            None,
        ),
        span(
            2,
            Some(1),
            SpanKind::Server,
            &[("k8s.namespace.name", "bookinfo")],
            Some("productpage"),
        ),
        span(
            4,
            Some(1),
            SpanKind::Server,
            &[
                ("node_id", WAYPOINT_2),
                ("upstream_cluster", WAYPOINT_DETAILS),
            ],
            None,
        ),
    ];
    assert_eq!(
        summary(&calls_from_spans(&spans).calls),
        [
            "bookinfo/productpage -> svc bookinfo/details (waypoint) x1",
            "bookinfo/productpage -> svc bookinfo/reviews (waypoint) x1",
            "istio-system/istio-ingressgateway -> bookinfo/productpage (pair) x1",
        ]
    );
}

#[test]
fn a_waypoint_span_without_parent_finds_its_caller_by_request_id_only() {
    let client = |id: u64, request: &str| {
        span(
            id,
            None,
            SpanKind::Client,
            &[
                ("node_id", PRODUCTPAGE),
                ("upstream_cluster", TO_REVIEWS),
                ("guid:x-request-id", request),
            ],
            None,
        )
    };
    let waypoint = |id: u64, request: Option<&str>| {
        let mut attributes = vec![
            ("node_id", WAYPOINT),
            ("upstream_cluster", WAYPOINT_REVIEWS),
        ];
        attributes.extend(request.map(|r| ("guid:x-request-id", r)));
        span(id, None, SpanKind::Server, &attributes, None)
    };
    // The same request id: one call, the caller's span is the waypoint's.
    let same = [client(1, "r-1"), waypoint(2, Some("r-1"))];
    assert_eq!(
        summary(&calls_from_spans(&same).calls),
        ["bookinfo/productpage-v1 -> svc bookinfo/reviews (waypoint) x1"]
    );
    // Another request id, or none on the waypoint span: two calls.
    for other in [waypoint(2, Some("r-2")), waypoint(2, None)] {
        let spans = [client(1, "r-1"), other];
        assert_eq!(
            summary(&calls_from_spans(&spans).calls),
            [
                "bookinfo/productpage-v1 -> svc bookinfo/reviews (client-only upstream_cluster) x1",
                "unknown -> svc bookinfo/reviews (waypoint) x1",
            ]
        );
    }
}

#[test]
fn client_spans_to_external_hosts_name_the_host() {
    let spans = [
        span(
            1,
            None,
            SpanKind::Client,
            &[
                ("node_id", PRODUCTPAGE),
                ("upstream_cluster", "outbound|443||www.googleapis.com"),
            ],
            None,
        ),
        // An outbound cluster without a host names nothing.
        span(
            2,
            None,
            SpanKind::Client,
            &[
                ("node_id", PRODUCTPAGE),
                ("upstream_cluster", "outbound|443||"),
            ],
            None,
        ),
    ];
    let found = calls_from_spans(&spans);
    assert_eq!(
        summary(&found.calls),
        ["bookinfo/productpage-v1 -> virtual www.googleapis.com (client-only upstream_cluster) x1"]
    );
    assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
    assert!(found.notes[0].starts_with("1 client span(s) without a server span"));
}
