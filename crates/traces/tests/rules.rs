//! The pairing rules and the decoder's leniency, on small hand-written
//! answers (the shapes of the real captures, with the cases they lack).

use meshgraph_traces::{TraceEvidence, TracePeer, TracesError, calls_from_spans, decode};
use serde_json::json;

fn attr(key: &str, value: &str) -> serde_json::Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn node(role: &str, pod: &str, ns: &str) -> serde_json::Value {
    attr(
        "node_id",
        &format!("{role}~10.0.0.1~{pod}.{ns}~{ns}.svc.cluster.local"),
    )
}

/// A Tempo-style (base64-free here: hex is accepted too) batch of one span.
fn batch(service: &str, span: serde_json::Value) -> serde_json::Value {
    json!({
        "resource": {"attributes": [attr("service.name", service)]},
        "scopeSpans": [{"spans": [span]}]
    })
}

fn calls(answer: serde_json::Value) -> (Vec<meshgraph_traces::TraceCall>, Vec<String>) {
    let decoded = decode(answer.to_string().as_bytes(), "test").unwrap();
    let mut warnings = decoded.warnings;
    let found = calls_from_spans(&decoded.spans);
    warnings.extend(found.notes);
    (found.calls, warnings)
}

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

#[test]
fn client_only_and_server_only_spans_and_failures() {
    let answer = json!({"batches": [
        // productpage's sidecar called reviews; the server span was not sampled.
        batch("productpage.bookinfo", json!({
            "traceId": TRACE, "spanId": "00f067aa0ba902b7", "kind": "SPAN_KIND_CLIENT",
            "startTimeUnixNano": 1_000_000_000u64, "endTimeUnixNano": "1002500000",
            "attributes": [
                node("sidecar", "productpage-v1-6b746f74dc-9stp6", "bookinfo"),
                attr("upstream_cluster", "outbound|9080|v1|reviews.bookinfo.svc.cluster.local"),
                attr("response_flags", "UF"),
            ]})),
        // ratings answered 503 to a caller that left no span.
        batch("ratings.bookinfo", json!({
            "traceId": TRACE, "spanId": "10f067aa0ba902b7", "parentSpanId": null,
            "kind": 2, "attributes": [
                node("sidecar", "ratings-v1-77bdbf89bb-qd48j", "bookinfo"),
                {"key": "http.status_code", "value": {"intValue": 503}},
            ]})),
        // An application calling its database.
        batch("orders", json!({
            "traceId": TRACE, "spanId": "20f067aa0ba902b7", "kind": "CLIENT",
            "attributes": [attr("db.system", "postgresql"), attr("k8s.namespace.name", "shop")],
            "status": {"code": "STATUS_CODE_ERROR"}})),
        // A client span that names nothing.
        batch("orders", json!({
            "traceId": TRACE, "spanId": "30f067aa0ba902b7", "kind": 3})),
    ]});
    let (calls, notes) = calls(answer);
    let summary: Vec<(TracePeer, TracePeer, TraceEvidence, u64, u64)> = calls
        .iter()
        .map(|c| {
            (
                c.source.clone(),
                c.destination.clone(),
                c.evidence.clone(),
                c.spans,
                c.errors,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                TracePeer::workload("bookinfo", "productpage-v1"),
                TracePeer::service("bookinfo", "reviews"),
                TraceEvidence::ClientOnly {
                    attribute: "upstream_cluster".into()
                },
                1,
                1
            ),
            (
                TracePeer::workload("shop", "orders"),
                TracePeer::virtual_node("postgresql"),
                TraceEvidence::ClientOnly {
                    attribute: "db.system".into()
                },
                1,
                1
            ),
            (
                TracePeer::Unknown,
                TracePeer::workload("bookinfo", "ratings-v1"),
                TraceEvidence::ServerOnly,
                1,
                1
            ),
        ]
    );
    assert_eq!(calls[0].durations_ms, [2.5]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("1 client span(s)"), "{notes:?}");
}

#[test]
fn waypoint_spans_use_their_tags_once_per_request_and_are_never_paired() {
    let waypoint = |span: &str, parent: Option<&str>, kind: &str, tagged: bool| {
        let mut attributes = vec![node("waypoint", "waypoint-5b7c754ccb-55jwk", "bookinfo")];
        if tagged {
            attributes.extend([
                attr("istio.source_workload", "productpage-v1"),
                attr("istio.source_namespace", "bookinfo"),
                attr("istio.destination_workload", "reviews-v2"),
                attr("istio.destination_namespace", "bookinfo"),
            ]);
        }
        json!({"traceId": TRACE, "spanId": span, "parentSpanId": parent.unwrap_or(""),
               "kind": kind, "attributes": attributes})
    };
    let answer = json!({"batches": [
        batch("productpage.bookinfo", json!({
            "traceId": TRACE, "spanId": "0000000000000001", "kind": "SPAN_KIND_CLIENT",
            "attributes": [node("sidecar", "productpage-v1-6b746f74dc-9stp6", "bookinfo")]})),
        batch("waypoint.bookinfo", waypoint("0000000000000002", Some("0000000000000001"), "SPAN_KIND_SERVER", true)),
        // The waypoint's upstream half of the same request.
        batch("waypoint.bookinfo", waypoint("0000000000000003", Some("0000000000000002"), "SPAN_KIND_CLIENT", true)),
        // A sidecar server below the waypoint: the waypoint hides the caller.
        batch("reviews.bookinfo", json!({
            "traceId": TRACE, "spanId": "0000000000000004", "parentSpanId": "0000000000000003",
            "kind": "SPAN_KIND_SERVER",
            "attributes": [node("sidecar", "reviews-v2-6f76498fc8-58wpn", "bookinfo")]})),
        // An older waypoint without tags.
        batch("waypoint.bookinfo", waypoint("0000000000000005", None, "SPAN_KIND_SERVER", false)),
    ]});
    let (calls, notes) = calls(answer);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].evidence, TraceEvidence::Waypoint);
    assert_eq!(
        calls[0].source,
        TracePeer::workload("bookinfo", "productpage-v1")
    );
    assert_eq!(
        calls[0].destination,
        TracePeer::workload("bookinfo", "reviews-v2")
    );
    assert_eq!(calls[0].spans, 1);
    assert!(
        notes.iter().any(|n| n.starts_with("1 waypoint span(s)")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("1 server span(s) below a waypoint")),
        "{notes:?}"
    );
}

#[test]
fn jaeger_v1_answers_from_istio_sidecars_pair_like_otlp() {
    let tag = |k: &str, v: &str| json!({"key": k, "type": "string", "value": v});
    let answer = json!({"data": [{
        "traceID": "5b8aa5a2d2c872e8321cf37308d69df2",
        "spans": [
            {"traceID": "5b8aa5a2d2c872e8321cf37308d69df2", "spanID": "051581bf3cb55c13",
             "operationName": "reviews.bookinfo.svc.cluster.local:9080/*", "references": [],
             "startTime": 1700000000000000u64, "duration": 4000, "processID": "p1",
             "tags": [tag("span.kind", "client"),
                      tag("node_id", "sidecar~10.0.0.5~productpage-v1-6b746f74dc-9stp6.bookinfo~bookinfo.svc.cluster.local"),
                      tag("http.status_code", "200"), tag("response_flags", "-")]},
            {"traceID": "5b8aa5a2d2c872e8321cf37308d69df2", "spanID": "5b8aa5a2d2c872e8",
             "operationName": "reviews.bookinfo.svc.cluster.local:9080/*",
             "references": [{"refType": "CHILD_OF", "traceID": "5b8aa5a2d2c872e8321cf37308d69df2", "spanID": "051581bf3cb55c13"}],
             "startTime": 1700000000001000u64, "duration": 2000, "processID": "p2",
             "tags": [tag("span.kind", "server"),
                      tag("node_id", "sidecar~10.0.0.7~reviews-v3-7dbcdcbc56-b6zvw.bookinfo~bookinfo.svc.cluster.local"),
                      tag("http.status_code", "500")]}
        ],
        "processes": {"p1": {"serviceName": "productpage.bookinfo", "tags": []},
                      "p2": {"serviceName": "reviews.bookinfo", "tags": []}}
    }], "total": 0, "limit": 0, "offset": 0, "errors": null});
    let (calls, notes) = calls(answer);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!(
        (&c.source, &c.destination, &c.evidence, c.spans, c.errors),
        (
            &TracePeer::workload("bookinfo", "productpage-v1"),
            &TracePeer::workload("bookinfo", "reviews-v3"),
            &TraceEvidence::ClientServerPair,
            1,
            1
        )
    );
    // The caller's view: the client span's duration.
    assert_eq!(c.durations_ms, [4.0]);
}

#[test]
fn unreadable_spans_are_warnings_and_the_rest_is_used() {
    let good = json!({"traceId": TRACE, "spanId": "0000000000000001", "kind": 2});
    let answer = json!({"result": {"resourceSpans": [
        {"resource": {"attributes": [attr("service.name", "a")]},
         "scopeSpans": [{"spans": [
             good,
             {"traceId": TRACE, "spanId": "not an id!", "kind": 2},
             {"traceId": TRACE, "spanId": "0000000000000003", "kind": "SPAN_KIND_BOGUS"},
             {"traceId": 12, "spanId": "0000000000000004"},
             "not a span"
         ]}]},
        42
    ]}});
    let decoded = decode(answer.to_string().as_bytes(), "http://jaeger/api/v3/traces").unwrap();
    assert_eq!(decoded.spans.len(), 1);
    assert_eq!(decoded.warnings.len(), 5, "{:#?}", decoded.warnings);
    for w in &decoded.warnings {
        assert!(
            w.starts_with("http://jaeger/api/v3/traces: result.resourceSpans["),
            "{w}"
        );
    }
    assert!(
        decoded.warnings[0].contains("spans[1]")
            && decoded.warnings[0].contains("neither hex nor base64")
    );
    assert!(decoded.warnings[1].contains("unknown span kind \"SPAN_KIND_BOGUS\""));
}

#[test]
fn broken_answers_are_errors_naming_the_source() {
    let full = json!({"result": {"resourceSpans": []}}).to_string();
    let e = decode(&full.as_bytes()[..full.len() - 3], "file.json").unwrap_err();
    assert!(matches!(e, TracesError::Truncated { .. }), "{e:?}");
    assert!(
        e.to_string().contains("file.json") && e.to_string().contains("truncated"),
        "{e}"
    );

    let e = decode(b"<html>jaeger ui</html>", "http://x/api").unwrap_err();
    assert!(
        e.to_string()
            .contains("http://x/api cannot be read at line 1, column 1"),
        "{e}"
    );

    let e = decode(br#"{"something": "else"}"#, "f").unwrap_err();
    assert!(e.to_string().contains("no result, resourceSpans"), "{e}");

    let e = decode(
        br#"{"error": {"httpCode": 404, "message": "trace not found"}}"#,
        "f",
    )
    .unwrap_err();
    assert!(
        matches!(&e, TracesError::Server { message, .. } if message == "trace not found"),
        "{e:?}"
    );

    // A streamed v3 answer: one object per chunk, read as one answer.
    let chunk = |id: &str| {
        json!({"result": {"resourceSpans": [batch("a", json!({"traceId": TRACE, "spanId": id, "kind": 2}))]}})
            .to_string()
    };
    let streamed = format!(
        "{}\n{}\n",
        chunk("0000000000000001"),
        chunk("0000000000000002")
    );
    assert_eq!(decode(streamed.as_bytes(), "f").unwrap().spans.len(), 2);
    let mixed = format!("{} {{\"data\": []}}", chunk("0000000000000001"));
    let e = decode(mixed.as_bytes(), "f").unwrap_err();
    assert!(
        e.to_string()
            .contains("a jaeger-v1 object follows a jaeger-v3 one"),
        "{e}"
    );
    assert!(matches!(
        decode(b"", "f").unwrap_err(),
        TracesError::Truncated { bytes: 0, .. }
    ));

    // Empty answers are fine.
    let empty = decode(br#"{"data": [], "errors": null}"#, "f").unwrap();
    assert!(empty.spans.is_empty() && empty.warnings.is_empty());
}
