//! OTLP protobuf answers and files, into the same [`Span`]s as the JSON
//! decoder.
//!
//! The outer messages (`TracesData` → `ResourceSpans` → `ScopeSpans`) are
//! walked in place over the input, without copying: each resource and each
//! span is then decoded on its own with `opentelemetry-proto`'s prost types,
//! so one unreadable span is a warning and the rest is used, and the input is
//! never held twice. The walk accepts what real files hold:
//!
//! - one `TracesData` (or `ExportTraceServiceRequest`, or Tempo's `Trace`:
//!   the same wire layout, field 1 repeated `ResourceSpans`), or a stream of
//!   them each preceded by its length as a varint (length-delimited); which
//!   one is found out from the bytes;
//! - `ResourceSpans` of OTLP before 0.19, whose spans sit under field 1000
//!   (`instrumentation_library_spans`, the same layout as `ScopeSpans`), next
//!   to current ones in the same file.
//!
//! Ids must be 16 bytes (trace) and 8 bytes (span), not all zero; a span
//! with any other id (empty, or 32 bytes of hex text written as bytes) is
//! skipped with a warning.

use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::resource::v1::Resource as PbResource;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span as PbSpan, Status, TracesData,
};
use prost::Message;

use crate::TracesError;
use crate::decode::Warnings;
use crate::span::{Resource, SearchHit, Span, SpanKind, normalize_span_id, normalize_trace_id};

const WIRE_VARINT: u64 = 0;
const WIRE_I64: u64 = 1;
const WIRE_LEN: u64 = 2;
const WIRE_I32: u64 = 5;

/// `TracesData.resource_spans`.
const TRACES_RESOURCE_SPANS: u64 = 1;
/// `ResourceSpans.resource`, `.scope_spans` and, before OTLP 0.19,
/// `.instrumentation_library_spans`.
const RESOURCE: u64 = 1;
const SCOPE_SPANS: u64 = 2;
const LIBRARY_SPANS: u64 = 1000;
/// `ScopeSpans.spans` (and `InstrumentationLibrarySpans.spans`).
const SPANS: u64 = 2;

/// How the messages were laid out in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One message.
    Single,
    /// Messages each preceded by its length (varint).
    LengthDelimited,
}

/// One field of a message: its number and, for length-delimited fields, its bytes.
struct Field<'a> {
    number: u64,
    bytes: Option<&'a [u8]>,
}

/// Reads a varint at `*pos`; `None` when it runs past the end or is longer than 10 bytes.
fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in 0..10 {
        let b = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << (shift * 7);
        if b < 0x80 {
            return Some(value);
        }
    }
    None
}

/// The fields of one message, in order; `Err(offset)` where the message
/// stops making sense (a bad tag, a length past the end, a group).
fn fields(buf: &[u8]) -> Result<Vec<Field<'_>>, usize> {
    match fields_until_error(buf) {
        (list, None) => Ok(list),
        (_, Some(at)) => Err(at),
    }
}

/// The fields read before the message stops making sense, and where it does.
fn fields_until_error(buf: &[u8]) -> (Vec<Field<'_>>, Option<usize>) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        match next_field(buf, &mut pos) {
            Ok(field) => out.push(field),
            Err(_) => return (out, Some(start)),
        }
    }
    (out, None)
}

/// The field at `*pos`, moving `*pos` past it; `Err(start)` when it is not one.
fn next_field<'a>(buf: &'a [u8], pos: &mut usize) -> Result<Field<'a>, usize> {
    let start = *pos;
    let key = varint(buf, pos).ok_or(start)?;
    let (number, wire) = (key >> 3, key & 7);
    if number == 0 {
        return Err(start);
    }
    let bytes = match wire {
        WIRE_VARINT => {
            varint(buf, pos).ok_or(start)?;
            None
        }
        WIRE_I64 | WIRE_I32 => {
            *pos += if wire == WIRE_I64 { 8 } else { 4 };
            if *pos > buf.len() {
                return Err(start);
            }
            None
        }
        WIRE_LEN => {
            let len = varint(buf, pos).ok_or(start)?;
            let end = usize::try_from(len)
                .ok()
                .and_then(|l| pos.checked_add(l))
                .filter(|&e| e <= buf.len())
                .ok_or(start)?;
            let slice = &buf[*pos..end];
            *pos = end;
            Some(slice)
        }
        _ => return Err(start),
    };
    Ok(Field { number, bytes })
}

/// Whether `buf` reads as one `TracesData`: only field 1, length-delimited.
fn is_traces_data(buf: &[u8]) -> bool {
    fields(buf).is_ok_and(|f| {
        !f.is_empty()
            && f.iter()
                .all(|f| f.number == TRACES_RESOURCE_SPANS && f.bytes.is_some())
    })
}

/// Where a length-delimited stream stops being one.
#[derive(Debug, PartialEq)]
enum Cut {
    /// The length at byte `at` is unfinished.
    UnfinishedLength { at: usize },
    /// The message at byte `at` announces more bytes than are `left`.
    Short {
        at: usize,
        announced: u64,
        left: usize,
    },
}

/// The messages of a length-delimited stream, and where it stops being one.
type Stream<'a> = (Vec<&'a [u8]>, Option<Cut>);

fn stream(buf: &[u8]) -> Stream<'_> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let Some(len) = varint(buf, &mut pos) else {
            return (out, Some(Cut::UnfinishedLength { at: start }));
        };
        let left = buf.len() - pos;
        match usize::try_from(len).ok().filter(|&l| l <= left) {
            Some(l) => {
                out.push(&buf[pos..pos + l]);
                pos += l;
            }
            None => {
                let cut = Cut::Short {
                    at: start,
                    announced: len,
                    left,
                };
                return (out, Some(cut));
            }
        }
    }
    (out, None)
}

/// Decodes OTLP protobuf: one `TracesData` or a length-delimited stream of
/// them. Errors (naming `source_name`) when the bytes are neither; warnings
/// for each part that cannot be read.
pub(crate) fn decode_protobuf(
    bytes: &[u8],
    source_name: &str,
    out: &mut Vec<Span>,
    w: &mut Warnings,
) -> Result<Layout, TracesError> {
    let not_otlp = |reason: String| TracesError::Decode {
        source_name: source_name.to_string(),
        location: None,
        reason,
    };
    if is_traces_data(bytes) {
        walk_traces_data(bytes, "", out, w);
        return Ok(Layout::Single);
    }
    let (messages, cut) = stream(bytes);
    let readable = messages.iter().filter(|m| is_traces_data(m)).count();
    // Bytes each reading explains: one TracesData cut short (its complete
    // resource spans) against a stream (its readable messages).
    let stream_covers: usize = messages
        .iter()
        .filter(|m| is_traces_data(m))
        .map(|m| m.len())
        .sum();
    if let (prefix, Some(at)) = fields_until_error(bytes)
        && at > stream_covers
        && !prefix.is_empty()
        && prefix
            .iter()
            .all(|f| f.number == TRACES_RESOURCE_SPANS && f.bytes.is_some())
    {
        // One TracesData cut short: the resource spans before the cut.
        walk_traces_data(&bytes[..at], "", out, w);
        w.push(format_args!(
            "the message is truncated at byte {at} of {}: the {} resource span(s) before it were read",
            bytes.len(),
            prefix.len()
        ));
        return Ok(Layout::Single);
    }
    if readable == 0 {
        return Err(not_otlp(match fields(bytes) {
            Ok(f) if f.iter().all(|f| f.number != TRACES_RESOURCE_SPANS) => {
                "protobuf without resource spans (field 1): not an OTLP TracesData or ExportTraceServiceRequest — a wrong message type?".into()
            }
            Ok(_) => "protobuf whose field 1 is not length-delimited: not an OTLP TracesData — a wrong message type?".into(),
            Err(at) => format!(
                "neither JSON nor OTLP protobuf (one TracesData or a length-delimited stream of them): unreadable at byte {at}"
            ),
        }));
    }
    let mut offset = 0usize;
    for (i, message) in messages.iter().enumerate() {
        let here = format!("message {i} (byte {offset})");
        offset += message.len() + varint_len(message.len() as u64);
        if is_traces_data(message) {
            walk_traces_data(message, &format!("{here}: "), out, w);
        } else if !message.is_empty() {
            w.push(format_args!(
                "{here} is not an OTLP TracesData and was skipped"
            ));
        }
    }
    if let Some(cut) = cut {
        w.push(match cut {
            Cut::Short {
                at,
                announced,
                left,
            } => format!(
                "the length-delimited stream is truncated: the message at byte {at} announces {announced} bytes but only {left} remain; the {} message(s) before it were read",
                messages.len()
            ),
            Cut::UnfinishedLength { at } => format!(
                "the length-delimited stream is truncated at byte {at} (an unfinished length); the {} message(s) before it were read",
                messages.len()
            ),
        });
    }
    Ok(Layout::LengthDelimited)
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// The spans of one `TracesData` (already checked to be one).
fn walk_traces_data(buf: &[u8], prefix: &str, out: &mut Vec<Span>, w: &mut Warnings) {
    let list = fields(buf).unwrap_or_default();
    for (i, field) in list.iter().enumerate() {
        let here = format!("{prefix}resourceSpans[{i}]");
        let Some(rs) = field.bytes else { continue };
        resource_spans(rs, &here, out, w);
    }
}

fn resource_spans(buf: &[u8], here: &str, out: &mut Vec<Span>, w: &mut Warnings) {
    let list = match fields(buf) {
        Ok(list) => list,
        Err(at) => {
            w.push(format_args!(
                "{here} is unreadable at byte {at} and was skipped"
            ));
            return;
        }
    };
    let mut resource = Resource::default();
    for f in list.iter().filter(|f| f.number == RESOURCE) {
        match f.bytes.map(PbResource::decode) {
            Some(Ok(r)) => resource = resource_of(r),
            Some(Err(e)) => w.push(format_args!("{here}.resource is unreadable ({e})")),
            None => {}
        }
    }
    let resource = Arc::new(resource);
    let scopes = list
        .iter()
        .filter(|f| f.number == SCOPE_SPANS || f.number == LIBRARY_SPANS);
    for (j, scope) in scopes.enumerate() {
        let key = if scope.number == SCOPE_SPANS {
            "scopeSpans"
        } else {
            "instrumentationLibrarySpans"
        };
        let here = format!("{here}.{key}[{j}]");
        let Some(scope) = scope.bytes else { continue };
        let spans = match fields(scope) {
            Ok(list) => list,
            Err(at) => {
                w.push(format_args!(
                    "{here} is unreadable at byte {at} and was skipped"
                ));
                continue;
            }
        };
        for (k, raw) in spans.iter().filter(|f| f.number == SPANS).enumerate() {
            let here = format!("{here}.spans[{k}]");
            let Some(raw) = raw.bytes else { continue };
            match PbSpan::decode(raw) {
                Ok(span) => match span_of(span, &resource) {
                    Ok(span) => out.push(span),
                    Err(reason) => w.push(format_args!("{here} was skipped: {reason}")),
                },
                Err(e) => w.push(format_args!("{here} is unreadable and was skipped ({e})")),
            }
        }
    }
}

fn resource_of(r: PbResource) -> Resource {
    let attributes = attributes(r.attributes);
    let service_name = attributes
        .iter()
        .find(|(k, _)| k == "service.name")
        .map(|(_, v)| v.clone());
    Resource {
        service_name,
        attributes,
    }
}

/// Attribute values as text, like the JSON decoder's (`200`, `true`, `0.5`);
/// arrays, maps and bytes are left out.
fn attributes(list: Vec<KeyValue>) -> Vec<(String, String)> {
    // A fresh vector of the right size: collecting in place would keep the
    // larger `KeyValue` allocation alive with every span.
    let mut out = Vec::with_capacity(list.len());
    for kv in list {
        let text = match kv.value.and_then(|v| v.value) {
            Some(Value::StringValue(s)) => s,
            Some(Value::BoolValue(b)) => b.to_string(),
            Some(Value::IntValue(i)) => i.to_string(),
            Some(Value::DoubleValue(d)) => d.to_string(),
            _ => continue,
        };
        out.push((kv.key, text));
    }
    out
}

/// Lower-case hex of an id of exactly `width` bytes, not all zero.
fn hex_id(bytes: &[u8], width: usize, what: &str) -> Result<String, String> {
    if bytes.len() != width {
        let hint = if bytes.len() == width * 2 && bytes.iter().all(u8::is_ascii_hexdigit) {
            " (hex text written as bytes)"
        } else {
            ""
        };
        return Err(format!(
            "its {what} is {} bytes, not {width}{hint}",
            bytes.len()
        ));
    }
    if bytes.iter().all(|&b| b == 0) {
        return Err(format!("its {what} is all zeros"));
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(width * 2);
    for &b in bytes {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Ok(hex)
}

fn span_of(span: PbSpan, resource: &Arc<Resource>) -> Result<Span, String> {
    let trace_id = hex_id(&span.trace_id, 16, "trace id")?;
    let span_id = hex_id(&span.span_id, 8, "span id")?;
    let parent_span_id = match span.parent_span_id.len() {
        0 => None,
        8 if span.parent_span_id.iter().all(|&b| b == 0) => None,
        _ => Some(hex_id(&span.parent_span_id, 8, "parent span id")?),
    };
    let start = (span.start_time_unix_nano > 0).then_some(span.start_time_unix_nano);
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        name: span.name,
        kind: SpanKind::from_code(i64::from(span.kind)),
        start_unix_nanos: start,
        // An end of 0 (unset) is before any start: no duration.
        duration_nanos: start.and_then(|s| span.end_time_unix_nano.checked_sub(s)),
        status_error: span
            .status
            .is_some_and(|s| s.code == StatusCode::Error as i32),
        attributes: attributes(span.attributes),
        resource: resource.clone(),
    })
}

// ---------------------------------------------------------------------------
// Tempo's search answer in protobuf (`Accept: application/protobuf`)

/// Tempo's `SearchResponse`, as its `tempo.proto` numbers the fields (facts,
/// not code, taken over: `traces = 1`; the metrics are not read).
#[derive(Clone, PartialEq, Message)]
struct TempoSearchResponse {
    #[prost(message, repeated, tag = "1")]
    traces: Vec<TempoTraceMetadata>,
}

#[derive(Clone, PartialEq, Message)]
struct TempoTraceMetadata {
    #[prost(string, tag = "1")]
    trace_id: String,
    #[prost(string, tag = "2")]
    root_service_name: String,
    #[prost(string, tag = "3")]
    root_trace_name: String,
    #[prost(uint64, tag = "4")]
    start_time_unix_nano: u64,
    #[prost(uint32, tag = "5")]
    duration_ms: u32,
    /// Deprecated by `span_sets`, still filled with the first set.
    #[prost(message, optional, tag = "6")]
    span_set: Option<TempoSpanSet>,
    #[prost(message, repeated, tag = "7")]
    span_sets: Vec<TempoSpanSet>,
}

#[derive(Clone, PartialEq, Message)]
struct TempoSpanSet {
    #[prost(message, repeated, tag = "1")]
    spans: Vec<TempoSpan>,
}

#[derive(Clone, PartialEq, Message)]
struct TempoSpan {
    #[prost(string, tag = "1")]
    span_id: String,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(uint64, tag = "3")]
    start_time_unix_nano: u64,
    #[prost(uint64, tag = "4")]
    duration_nanos: u64,
    /// Tempo's `KeyValue` has OTLP's layout.
    #[prost(message, repeated, tag = "5")]
    attributes: Vec<KeyValue>,
}

/// Decodes a Tempo `/api/search` answer sent as protobuf. The traces are
/// decoded one by one: an unreadable one is a warning.
pub(crate) fn decode_tempo_search(
    bytes: &[u8],
    source_name: &str,
    w: &mut Warnings,
) -> Result<Vec<SearchHit>, TracesError> {
    let list = fields(bytes).map_err(|at| TracesError::Decode {
        source_name: source_name.to_string(),
        location: Some(format!("byte {at}")),
        reason: "not a Tempo search answer in protobuf".into(),
    })?;
    let mut hits = Vec::new();
    for (i, field) in list.iter().filter(|f| f.number == 1).enumerate() {
        let here = format!("traces[{i}]");
        let Some(raw) = field.bytes else { continue };
        let meta = match TempoTraceMetadata::decode(raw) {
            Ok(m) => m,
            Err(e) => {
                w.push(format_args!("{here} is unreadable and was skipped ({e})"));
                continue;
            }
        };
        let Some(trace_id) = normalize_trace_id(&meta.trace_id) else {
            w.push(format_args!("{here} has no readable traceID"));
            continue;
        };
        let resource = Arc::new(Resource::default());
        let mut spans: Vec<Span> = Vec::new();
        for s in meta
            .span_sets
            .into_iter()
            .chain(meta.span_set)
            .flat_map(|s| s.spans)
        {
            let Some(span_id) = normalize_span_id(&s.span_id) else {
                w.push(format_args!("{here} has a span without a readable spanID"));
                continue;
            };
            let nonzero = |n: u64| (n > 0).then_some(n);
            Span::push_matched(
                &mut spans,
                &trace_id,
                span_id,
                s.name,
                (nonzero(s.start_time_unix_nano), nonzero(s.duration_nanos)),
                attributes(s.attributes),
                &resource,
            );
        }
        let text = |t: String| (!t.is_empty()).then_some(t);
        hits.push(SearchHit {
            trace_id,
            root_service_name: text(meta.root_service_name),
            root_trace_name: text(meta.root_trace_name),
            start_unix_nanos: (meta.start_time_unix_nano > 0).then_some(meta.start_time_unix_nano),
            duration_ms: Some(u64::from(meta.duration_ms)),
            spans,
        });
    }
    Ok(hits)
}

/// Tempo search hits as Tempo's protobuf `SearchResponse` (span attributes
/// as strings): for converting recorded search answers into test fixtures.
pub fn encode_tempo_search(hits: &[SearchHit]) -> Vec<u8> {
    TempoSearchResponse {
        traces: hits
            .iter()
            .map(|h| TempoTraceMetadata {
                trace_id: h.trace_id.clone(),
                root_service_name: h.root_service_name.clone().unwrap_or_default(),
                root_trace_name: h.root_trace_name.clone().unwrap_or_default(),
                start_time_unix_nano: h.start_unix_nanos.unwrap_or(0),
                duration_ms: h
                    .duration_ms
                    .map_or(0, |d| u32::try_from(d).unwrap_or(u32::MAX)),
                span_set: None,
                span_sets: vec![TempoSpanSet {
                    spans: h
                        .spans
                        .iter()
                        .map(|s| TempoSpan {
                            span_id: s.span_id.clone(),
                            name: s.name.clone(),
                            start_time_unix_nano: s.start_unix_nanos.unwrap_or(0),
                            duration_nanos: s.duration_nanos.unwrap_or(0),
                            attributes: key_values(&s.attributes),
                        })
                        .collect(),
                }],
            })
            .collect(),
    }
    .encode_to_vec()
}

/// Spans as one OTLP `TracesData`, a resource per distinct [`Resource`] (in
/// order of first use), attribute values as strings. The reverse of
/// [`decode_protobuf`](crate::decode_protobuf) up to attribute types: for
/// converting captures into protobuf fixtures and for the benchmark.
pub fn traces_data(spans: &[Span]) -> TracesData {
    let mut groups: Vec<(&Arc<Resource>, Vec<PbSpan>)> = Vec::new();
    for span in spans {
        let pb = pb_span(span);
        match groups.iter_mut().find(|(r, _)| **r == span.resource) {
            Some((_, list)) => list.push(pb),
            None => groups.push((&span.resource, vec![pb])),
        }
    }
    TracesData {
        resource_spans: groups
            .into_iter()
            .map(|(resource, spans)| {
                let mut attributes = resource.attributes.clone();
                if let Some(name) = &resource.service_name
                    && !attributes.iter().any(|(k, _)| k == "service.name")
                {
                    attributes.insert(0, ("service.name".into(), name.clone()));
                }
                ResourceSpans {
                    resource: Some(PbResource {
                        attributes: key_values(&attributes),
                        ..Default::default()
                    }),
                    scope_spans: vec![ScopeSpans {
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }
            })
            .collect(),
    }
}

/// [`traces_data`] encoded.
pub fn encode_protobuf(spans: &[Span]) -> Vec<u8> {
    traces_data(spans).encode_to_vec()
}

fn key_values(list: &[(String, String)]) -> Vec<KeyValue> {
    list.iter()
        .map(|(k, v)| KeyValue {
            key: k.clone(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(v.clone())),
            }),
            ..Default::default()
        })
        .collect()
}

fn id_bytes(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks_exact(2)
        .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

fn pb_span(span: &Span) -> PbSpan {
    let start = span.start_unix_nanos.unwrap_or(0);
    PbSpan {
        trace_id: id_bytes(&span.trace_id),
        span_id: id_bytes(&span.span_id),
        parent_span_id: span
            .parent_span_id
            .as_deref()
            .map(id_bytes)
            .unwrap_or_default(),
        name: span.name.clone(),
        kind: span.kind.code(),
        start_time_unix_nano: start,
        end_time_unix_nano: span.duration_nanos.map_or(0, |d| start.saturating_add(d)),
        attributes: key_values(&span.attributes),
        status: span.status_error.then(|| Status {
            code: StatusCode::Error as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_truncation() {
        let mut pos = 0;
        assert_eq!(varint(&[0xac, 0x02], &mut pos), Some(300));
        assert_eq!(pos, 2);
        assert_eq!(varint(&[0xac], &mut 0), None);
        assert_eq!(varint_len(300), 2);
        assert_eq!(varint_len(5), 1);
        // A length past the end is not a field.
        assert!(fields(&[0x0a, 0x05, 1, 2]).is_err());
        assert!(is_traces_data(&[0x0a, 0x00]));
        assert!(!is_traces_data(&[0x08, 0x01]));
        let (messages, cut) = stream(&[0x02, 0x0a, 0x00, 0x05, 0x0a]);
        assert_eq!(messages, vec![&[0x0a, 0x00][..]]);
        assert_eq!(
            cut,
            Some(Cut::Short {
                at: 3,
                announced: 5,
                left: 1
            })
        );
        let (messages, cut) = stream(&[0x01, 0x00, 0x80, 0x80]);
        assert_eq!(messages, vec![&[0x00][..]]);
        assert_eq!(cut, Some(Cut::UnfinishedLength { at: 2 }));
        // 0x80 continues a varint even though its own bits are zero.
        let mut pos = 0;
        assert_eq!(varint(&[0x80, 0x01], &mut pos), Some(128));
        assert_eq!(pos, 2);
    }

    #[test]
    fn a_tie_between_the_two_readings_is_read_as_a_stream() {
        // As one TracesData: a resource-spans field of 9 bytes, then no
        // field at byte 9. As a stream: two messages that are not
        // TracesData, then one of 9 bytes that is. Each reading explains 9
        // bytes (found by a random search); the stream is kept.
        let tie = [
            0x0a, 0x07, 0x61, 0xe4, 0x88, 0x71, 0x2c, 0xcc, 0xe3, 0x9a, 0xa7, 0x03, 0x20, 0x97,
            0x73, 0x09, 0x0a, 0x07, 0x2c, 0xbc, 0xbd, 0x71, 0x67, 0x59, 0x72,
        ];
        let (mut out, mut w) = (Vec::new(), Warnings::new("t"));
        let layout = decode_protobuf(&tie, "t", &mut out, &mut w);
        assert_eq!(layout.unwrap(), Layout::LengthDelimited, "{:?}", w.finish());
    }

    #[test]
    fn fixed_width_fields_take_their_width() {
        // Field 1 as a 64-bit value (wire type 1), then as a 32-bit one
        // (wire type 5), each exactly filling the buffer.
        let i64_field = [0x09, 1, 2, 3, 4, 5, 6, 7, 8];
        let i32_field = [0x0d, 1, 2, 3, 4];
        assert_eq!(fields(&i64_field).map(|f| f.len()), Ok(1));
        assert_eq!(fields(&i32_field).map(|f| f.len()), Ok(1));
        assert_eq!(
            fields(&[i64_field, i64_field].concat()).map(|f| f.len()),
            Ok(2)
        );
        // One byte short.
        assert_eq!(fields(&i64_field[..8]).err(), Some(0));
        assert_eq!(fields(&i32_field[..4]).err(), Some(0));
        // Field number 0 is never a field.
        assert_eq!(fields(&[0x08, 0x01, 0x00, 0x01]).err(), Some(2));
    }

    fn decode_warnings(bytes: &[u8]) -> Result<Vec<String>, String> {
        crate::decode_protobuf(bytes, "t.binpb")
            .map(|d| d.warnings)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_wrong_message_type_is_told_by_its_fields() {
        // Only field 2: no resource spans at all.
        let only_field_2 = decode_warnings(&[0x12, 0x00]).unwrap_err();
        assert!(
            only_field_2.contains("protobuf without resource spans (field 1)"),
            "{only_field_2}"
        );
        // Field 1 as a varint.
        let varint_field_1 = decode_warnings(&[0x08, 0x01]).unwrap_err();
        assert!(
            varint_field_1.contains("field 1 is not length-delimited"),
            "{varint_field_1}"
        );
        // Field 2 then garbage: not a TracesData cut short (which holds field 1 only).
        let field_2_then_garbage = decode_warnings(&[0x12, 0x00, 0x07]).unwrap_err();
        assert!(
            field_2_then_garbage.contains("unreadable at byte 2"),
            "{field_2_then_garbage}"
        );
    }

    #[test]
    fn stream_warnings_name_the_message_and_its_byte() {
        let one_span = |id: u8| {
            TracesData {
                resource_spans: vec![ResourceSpans {
                    scope_spans: vec![ScopeSpans {
                        spans: vec![PbSpan {
                            trace_id: vec![1; 16],
                            span_id: vec![id; 8],
                            name: "a".into(),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            }
            .encode_to_vec()
        };
        let len = u8::try_from(one_span(2).len()).unwrap();
        assert!(len < 0x80, "a one-byte length");
        // [TracesData][empty][a field-2 message][TracesData]
        let mut stream = vec![len];
        stream.extend(one_span(2)); // message 0 at byte 0
        stream.push(0x00); // message 1: empty, skipped quietly
        stream.extend([0x02, 0x12, 0x00]); // message 2: not a TracesData
        stream.push(len);
        stream.extend(one_span(3)); // message 3
        let at = usize::from(len) + 2;
        let decoded = crate::decode_protobuf(&stream, "t.binpb").unwrap();
        assert_eq!(decoded.spans.len(), 2);
        assert_eq!(
            decoded.warnings,
            [format!(
                "t.binpb: message 2 (byte {at}) is not an OTLP TracesData and was skipped"
            )]
        );
    }

    #[test]
    fn ids_must_have_their_width() {
        assert_eq!(
            hex_id(&[0xab; 8], 8, "span id").unwrap(),
            "abababababababab"
        );
        assert!(hex_id(&[], 8, "span id").unwrap_err().contains("0 bytes"));
        assert!(
            hex_id(&[b'a'; 32], 16, "trace id")
                .unwrap_err()
                .contains("hex text")
        );
        assert!(
            hex_id(&[0; 16], 16, "trace id")
                .unwrap_err()
                .contains("zeros")
        );
    }

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    #[test]
    fn attribute_values_are_read_as_text_like_json() {
        let list = vec![
            kv("s", Value::StringValue("x".into())),
            kv("b", Value::BoolValue(true)),
            kv("i", Value::IntValue(200)),
            kv("d", Value::DoubleValue(0.5)),
            kv("bytes", Value::BytesValue(vec![1])),
        ];
        let text = attributes(list);
        let text: Vec<(&str, &str)> = text.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(
            text,
            [("s", "x"), ("b", "true"), ("i", "200"), ("d", "0.5")]
        );
    }

    #[test]
    fn the_hex_text_hint_needs_both_twice_the_width_and_hex() {
        // Hex text, but not twice the width; twice the width, but not text.
        for bytes in [&[b'a'; 5][..], &[0xff; 16][..]] {
            let reason = hex_id(bytes, 8, "span id").unwrap_err();
            assert!(!reason.contains("hex text"), "{reason}");
        }
        assert!(
            hex_id(&[b'0'; 16], 8, "span id")
                .unwrap_err()
                .contains("hex text")
        );
    }

    #[test]
    fn zero_parents_and_times_are_absent() {
        let resource = Arc::new(Resource::default());
        let span = |parent: Vec<u8>, start: u64, end: u64| PbSpan {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            parent_span_id: parent,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            ..Default::default()
        };
        let zero = span_of(span(vec![0; 8], 0, 0), &resource).unwrap();
        assert_eq!(zero.parent_span_id, None);
        assert_eq!((zero.start_unix_nanos, zero.duration_nanos), (None, None));
        let set = span_of(span(vec![3; 8], 10, 25), &resource).unwrap();
        assert_eq!(set.parent_span_id.as_deref(), Some("0303030303030303"));
        assert_eq!(
            (set.start_unix_nanos, set.duration_nanos),
            (Some(10), Some(15))
        );
        // An end without a start gives no duration.
        let no_start = span_of(span(Vec::new(), 0, 25), &resource).unwrap();
        assert_eq!(no_start.duration_nanos, None);
    }

    #[test]
    fn search_hits_without_names_or_times_have_none() {
        let resource = Arc::new(Resource::default());
        let hit = |name: Option<&str>, start: Option<u64>| SearchHit {
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            root_service_name: name.map(String::from),
            root_trace_name: name.map(String::from),
            start_unix_nanos: start,
            duration_ms: Some(3),
            spans: vec![Span {
                trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
                span_id: "00f067aa0ba902b7".into(),
                parent_span_id: None,
                name: "GET".into(),
                kind: SpanKind::Unspecified,
                start_unix_nanos: start,
                duration_nanos: start,
                status_error: false,
                attributes: Vec::new(),
                resource: resource.clone(),
            }],
        };
        let bytes = encode_tempo_search(&[hit(None, None), hit(Some("web"), Some(7))]);
        let mut w = Warnings::new("t");
        let hits = decode_tempo_search(&bytes, "t", &mut w).unwrap();
        let read: Vec<_> = hits
            .iter()
            .map(|h| {
                (
                    h.root_service_name.as_deref(),
                    h.root_trace_name.as_deref(),
                    h.start_unix_nanos,
                    h.spans[0].start_unix_nanos,
                    h.spans[0].duration_nanos,
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (None, None, None, None, None),
                (Some("web"), Some("web"), Some(7), Some(7), Some(7))
            ]
        );
    }
}
