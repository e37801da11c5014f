//! The same spans written in other formats, for tests that check that every
//! format gives the same spans and calls: OTLP JSON, Jaeger v1 JSON (what
//! Jaeger UI's "Download JSON" saves) and Zipkin v2 JSON. Attribute values are
//! written as strings, as Envoy writes them.

use std::collections::BTreeMap;
use std::sync::Arc;

use meshgraph_traces::{Resource, Span, SpanKind, Text};
use serde_json::{Value, json};

fn groups(spans: &[Span]) -> Vec<(Arc<Resource>, Vec<&Span>)> {
    let mut out: Vec<(Arc<Resource>, Vec<&Span>)> = Vec::new();
    for s in spans {
        match out.iter_mut().find(|(r, _)| *r == s.resource) {
            Some((_, list)) => list.push(s),
            None => out.push((s.resource.clone(), vec![s])),
        }
    }
    out
}

fn kind_name(kind: SpanKind) -> Option<&'static str> {
    match kind {
        SpanKind::Server => Some("server"),
        SpanKind::Client => Some("client"),
        SpanKind::Producer => Some("producer"),
        SpanKind::Consumer => Some("consumer"),
        SpanKind::Internal => Some("internal"),
        SpanKind::Unspecified => None,
    }
}

fn otlp_attrs(list: &[(Text, Text)]) -> Value {
    list.iter()
        .map(|(k, v)| json!({"key": k, "value": {"stringValue": v}}))
        .collect()
}

fn resource_attrs(r: &Resource) -> Vec<(Text, Text)> {
    let mut attributes = r.attributes.clone();
    if let Some(name) = &r.service_name
        && !attributes.iter().any(|(k, _)| &**k == "service.name")
    {
        attributes.insert(0, ("service.name".into(), name.clone()));
    }
    attributes
}

/// One OTLP JSON `ResourceSpans` per resource.
pub fn otlp_resource_spans(spans: &[Span]) -> Vec<Value> {
    groups(spans)
        .into_iter()
        .map(|(r, list)| {
            let spans: Vec<Value> = list
                .iter()
                .map(|s| {
                    let start = s.start_unix_nanos.unwrap_or(0);
                    json!({
                        "traceId": s.trace_id,
                        "spanId": s.span_id,
                        "parentSpanId": s.parent_span_id.unwrap_or_default(),
                        "name": s.name,
                        "kind": s.kind.code(),
                        "startTimeUnixNano": start.to_string(),
                        "endTimeUnixNano": (start + s.duration_nanos.unwrap_or(0)).to_string(),
                        "attributes": otlp_attrs(&s.attributes),
                        "status": if s.status_error { json!({"code": 2}) } else { json!({}) },
                    })
                })
                .collect();
            json!({
                "resource": {"attributes": otlp_attrs(&resource_attrs(&r))},
                "scopeSpans": [{"scope": {"name": "meshgraph-test"}, "spans": spans}],
            })
        })
        .collect()
}

/// OTLP JSON lines, one `TracesData` per resource (the Collector's file exporter).
pub fn otlp_json_lines(spans: &[Span]) -> String {
    otlp_resource_spans(spans)
        .into_iter()
        .map(|rs| format!("{}\n", json!({"resourceSpans": [rs]})))
        .collect()
}

/// Jaeger v1 `{"data": [trace, ...]}`, one trace per trace id.
pub fn jaeger_v1(spans: &[Span]) -> Value {
    let mut traces: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for s in spans {
        traces.entry(&s.trace_id).or_default().push(s);
    }
    let data: Vec<Value> = traces
        .into_iter()
        .map(|(trace_id, list)| {
            let mut processes: Vec<Arc<Resource>> = Vec::new();
            let spans: Vec<Value> = list
                .iter()
                .map(|s| {
                    let p = match processes.iter().position(|r| *r == s.resource) {
                        Some(p) => p,
                        None => {
                            processes.push(s.resource.clone());
                            processes.len() - 1
                        }
                    };
                    let mut tags: Vec<Value> = s
                        .attributes
                        .iter()
                        .map(|(k, v)| json!({"key": k, "type": "string", "value": v}))
                        .collect();
                    if let Some(kind) = kind_name(s.kind) {
                        tags.push(json!({"key": "span.kind", "type": "string", "value": kind}));
                    }
                    if s.status_error {
                        tags.push(json!({"key": "error", "type": "bool", "value": true}));
                    }
                    let references: Vec<Value> = s
                        .parent_span_id
                        .iter()
                        .map(|p| json!({"refType": "CHILD_OF", "traceID": trace_id, "spanID": p}))
                        .collect();
                    json!({
                        "traceID": trace_id,
                        "spanID": s.span_id,
                        "operationName": s.name,
                        "references": references,
                        "startTime": s.start_unix_nanos.unwrap_or(0) / 1000,
                        "duration": s.duration_nanos.unwrap_or(0) / 1000,
                        "tags": tags,
                        "processID": format!("p{}", p + 1),
                    })
                })
                .collect();
            let processes: serde_json::Map<String, Value> = processes
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let tags: Vec<Value> = r
                        .attributes
                        .iter()
                        .filter(|(k, _)| &**k != "service.name")
                        .map(|(k, v)| json!({"key": k, "type": "string", "value": v}))
                        .collect();
                    (
                        format!("p{}", i + 1),
                        json!({"serviceName": r.service_name, "tags": tags}),
                    )
                })
                .collect();
            json!({"traceID": trace_id, "spans": spans, "processes": processes})
        })
        .collect();
    json!({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": null})
}

/// Zipkin v2: a list of spans.
pub fn zipkin_v2(spans: &[Span]) -> Value {
    spans
        .iter()
        .map(|s| {
            let mut tags: serde_json::Map<String, Value> = s
                .resource
                .attributes
                .iter()
                .chain(&s.attributes)
                .filter(|(k, _)| &**k != "service.name")
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            if s.status_error {
                tags.insert("error".into(), json!("true"));
            }
            let mut span = json!({
                "traceId": s.trace_id,
                "id": s.span_id,
                "name": s.name,
                "timestamp": s.start_unix_nanos.unwrap_or(0) / 1000,
                "duration": s.duration_nanos.unwrap_or(0) / 1000,
                "localEndpoint": {"serviceName": s.resource.service_name},
                "tags": tags,
            });
            if let Some(p) = &s.parent_span_id {
                span["parentId"] = json!(p);
            }
            if let Some(k) = kind_name(s.kind).filter(|k| *k != "internal") {
                span["kind"] = json!(k.to_ascii_uppercase());
            }
            span
        })
        .collect()
}
