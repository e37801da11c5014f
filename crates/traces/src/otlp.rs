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

/// The messages of a length-delimited stream, and where it stops being one
/// (`Some((offset, announced, left))` when the last message is cut short or
/// the rest is not a length).
type Stream<'a> = (Vec<&'a [u8]>, Option<(usize, Option<u64>, usize)>);

fn stream(buf: &[u8]) -> Stream<'_> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let Some(len) = varint(buf, &mut pos) else {
            return (out, Some((start, None, buf.len() - start)));
        };
        let left = buf.len() - pos;
        match usize::try_from(len).ok().filter(|&l| l <= left) {
            Some(l) => {
                out.push(&buf[pos..pos + l]);
                pos += l;
            }
            None => return (out, Some((start, Some(len), left))),
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
    if let Some((at, announced, left)) = cut {
        w.push(match announced {
            Some(len) => format!(
                "the length-delimited stream is truncated: the message at byte {at} announces {len} bytes but only {left} remain; the {} message(s) before it were read",
                messages.len()
            ),
            None => format!(
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
    let end = (span.end_time_unix_nano > 0).then_some(span.end_time_unix_nano);
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        name: span.name,
        kind: SpanKind::from_code(i64::from(span.kind)),
        start_unix_nanos: start,
        duration_nanos: start.zip(end).and_then(|(s, e)| e.checked_sub(s)),
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
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
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
        assert_eq!(cut, Some((3, Some(5), 1)));
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
}
