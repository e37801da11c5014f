//! OTLP protobuf answers and files, into the same [`Span`]s as the JSON
//! decoder.
//!
//! The outer messages (`TracesData` → `ResourceSpans` → `ScopeSpans`) are
//! walked in place over the input, without copying; each resource and each
//! span is read in place ([`resource_in_place`], [`span_in_place`]), field
//! by field as `trace.proto` numbers them, with keys, values and names taken
//! through the answer's [`Interner`]: decoding a span into prost's owned
//! `String`s first cost two allocations per attribute (and their frees) for
//! text that is the same in every span of a proxy. `opentelemetry-proto`'s
//! prost types stay the reference: the tests encode random spans and
//! resources with them and check that both readings agree (Tempo's search
//! answer is still decoded with prost). One unreadable span is a warning
//! and the rest is used, and the input is never held twice. The walk accepts
//! what real files hold:
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

use std::io::{self, BufRead};
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
use crate::span::{
    HexId, Interner, Resource, SearchHit, Span, SpanKind, Text, normalize_span_id,
    normalize_trace_id,
};

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
    /// Messages each preceded by its length in 4 bytes, big-endian: what the
    /// OpenTelemetry Collector's file exporter writes with `format: proto`.
    FixedLengthPrefixed,
}

/// How a stream of messages gives each message's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Varint,
    BigEndian32,
}

impl Framing {
    fn layout(self) -> Layout {
        match self {
            Framing::Varint => Layout::LengthDelimited,
            Framing::BigEndian32 => Layout::FixedLengthPrefixed,
        }
    }

    /// What the warnings call such a stream.
    fn name(self) -> &'static str {
        match self {
            Framing::Varint => "length-delimited stream",
            Framing::BigEndian32 => "stream of 4-byte length-prefixed messages",
        }
    }

    /// The length at `*pos`, moving `*pos` past it; `None` when unfinished.
    fn length(self, buf: &[u8], pos: &mut usize) -> Option<u64> {
        match self {
            Framing::Varint => varint(buf, pos),
            Framing::BigEndian32 => {
                let bytes: [u8; 4] = buf.get(*pos..*pos + 4)?.try_into().ok()?;
                *pos += 4;
                Some(u64::from(u32::from_be_bytes(bytes)))
            }
        }
    }
}

/// One field of a message: its number and, for length-delimited fields, its bytes.
struct Field<'a> {
    number: u64,
    bytes: Option<&'a [u8]>,
}

/// A field's value as the wire carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wire<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    I32(u32),
}

/// Reads a varint at `*pos`; `None` when it runs past the end or is longer than 10 bytes.
#[inline(always)]
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
    for field in FieldIter::new(buf) {
        match field {
            Ok(field) => out.push(field),
            Err(at) => return (out, Some(at)),
        }
    }
    (out, None)
}

/// `Err(offset)` where the message stops making sense; nothing is kept.
fn readable(buf: &[u8]) -> Result<(), usize> {
    FieldIter::new(buf).try_for_each(|f| f.map(|_| ()))
}

/// The fields of a message one by one, ending after the first error.
struct FieldIter<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> FieldIter<'a> {
    fn new(buf: &'a [u8]) -> Self {
        FieldIter {
            buf,
            pos: 0,
            failed: false,
        }
    }

    /// The fields of a message already found [`readable`].
    fn of_readable(buf: &'a [u8]) -> impl Iterator<Item = Field<'a>> {
        FieldIter::new(buf).map_while(Result::ok)
    }
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Result<Field<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let field = next_field(self.buf, &mut self.pos).map_err(|_| start);
        self.failed = field.is_err();
        Some(field)
    }
}

/// The field at `*pos`, moving `*pos` past it; `Err(start)` when it is not one.
fn next_field<'a>(buf: &'a [u8], pos: &mut usize) -> Result<Field<'a>, usize> {
    let (number, value) = next_value(buf, pos)?;
    let bytes = match value {
        Wire::Len(bytes) => Some(bytes),
        _ => None,
    };
    Ok(Field { number, bytes })
}

/// The number and value of the field at `*pos`, moving `*pos` past it;
/// `Err(start)` when it is not one.
#[inline(always)]
fn next_value<'a>(buf: &'a [u8], pos: &mut usize) -> Result<(u64, Wire<'a>), usize> {
    let start = *pos;
    let key = varint(buf, pos).ok_or(start)?;
    let (number, wire) = (key >> 3, key & 7);
    if number == 0 {
        return Err(start);
    }
    let fixed = |pos: &mut usize, width: usize| {
        let bytes = buf.get(*pos..*pos + width).ok_or(start)?;
        *pos += width;
        Ok::<_, usize>(
            bytes
                .iter()
                .rev()
                .fold(0u64, |v, &b| (v << 8) | u64::from(b)),
        )
    };
    let value = match wire {
        WIRE_VARINT => Wire::Varint(varint(buf, pos).ok_or(start)?),
        WIRE_I64 => Wire::I64(fixed(pos, 8)?),
        // Four bytes always fit.
        WIRE_I32 => Wire::I32(fixed(pos, 4)? as u32),
        WIRE_LEN => {
            let len = varint(buf, pos).ok_or(start)?;
            let end = usize::try_from(len)
                .ok()
                .and_then(|l| pos.checked_add(l))
                .filter(|&e| e <= buf.len())
                .ok_or(start)?;
            let slice = &buf[*pos..end];
            *pos = end;
            Wire::Len(slice)
        }
        _ => return Err(start),
    };
    Ok((number, value))
}

/// Whether `buf` reads as one `TracesData`: only field 1, length-delimited.
fn is_traces_data(buf: &[u8]) -> bool {
    !buf.is_empty()
        && FieldIter::new(buf)
            .all(|f| f.is_ok_and(|f| f.number == TRACES_RESOURCE_SPANS && f.bytes.is_some()))
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

/// The messages of a stream (each with the byte where its length starts),
/// and where it stops being one.
type Stream<'a> = (Vec<(usize, &'a [u8])>, Option<Cut>);

fn stream(buf: &[u8], framing: Framing) -> Stream<'_> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let Some(len) = framing.length(buf, &mut pos) else {
            return (out, Some(Cut::UnfinishedLength { at: start }));
        };
        let left = buf.len() - pos;
        match usize::try_from(len).ok().filter(|&l| l <= left) {
            Some(l) => {
                out.push((start, &buf[pos..pos + l]));
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

/// Bytes of `TracesData` a stream's messages hold.
fn covered(messages: &[(usize, &[u8])]) -> usize {
    messages
        .iter()
        .filter(|(_, m)| is_traces_data(m))
        .map(|(_, m)| m.len())
        .sum()
}

/// Decodes OTLP protobuf: one `TracesData` or a stream of them, each
/// preceded by its length (a varint, or 4 bytes as the Collector's file
/// exporter writes). Errors (naming `source_name`) when the bytes are none of
/// these; warnings for each part that cannot be read.
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
    let t = &mut Interner::default();
    if is_traces_data(bytes) {
        walk_traces_data(bytes, "", out, (w, t));
        return Ok(Layout::Single);
    }
    // Bytes each reading explains: one TracesData cut short (its complete
    // resource spans) against a stream (its readable messages) with either
    // framing; the varint one wins a tie.
    let varint = stream(bytes, Framing::Varint);
    let fixed = stream(bytes, Framing::BigEndian32);
    let (framing, (messages, cut), stream_covers) = {
        let (v, f) = (covered(&varint.0), covered(&fixed.0));
        if f > v {
            (Framing::BigEndian32, fixed, f)
        } else {
            (Framing::Varint, varint, v)
        }
    };
    if let (prefix, Some(at)) = fields_until_error(bytes)
        && at > stream_covers
        && !prefix.is_empty()
        && prefix
            .iter()
            .all(|f| f.number == TRACES_RESOURCE_SPANS && f.bytes.is_some())
    {
        // One TracesData cut short: the resource spans before the cut.
        walk_traces_data(&bytes[..at], "", out, (w, t));
        w.push(format_args!(
            "the message is truncated at byte {at} of {}: the {} resource span(s) before it were read",
            bytes.len(),
            prefix.len()
        ));
        return Ok(Layout::Single);
    }
    // Readable messages are never empty: nothing covered, nothing readable.
    if stream_covers == 0 {
        return Err(not_otlp(match fields(bytes) {
            Ok(f) if f.iter().all(|f| f.number != TRACES_RESOURCE_SPANS) => {
                "protobuf without resource spans (field 1): not an OTLP TracesData or ExportTraceServiceRequest — a wrong message type?".into()
            }
            Ok(_) => "protobuf whose field 1 is not length-delimited: not an OTLP TracesData — a wrong message type?".into(),
            Err(at) => format!(
                "neither JSON nor OTLP protobuf (one TracesData or a length-prefixed stream of them): unreadable at byte {at}"
            ),
        }));
    }
    for (i, &(offset, message)) in messages.iter().enumerate() {
        let here = format!("message {i} (byte {offset})");
        if is_traces_data(message) {
            walk_traces_data(message, &format!("{here}: "), out, (w, t));
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
                "the {} is truncated: the message at byte {at} announces {announced} bytes but only {left} remain; the {} message(s) before it were read",
                framing.name(),
                messages.len()
            ),
            Cut::UnfinishedLength { at } => format!(
                "the {} is truncated at byte {at} (an unfinished length); the {} message(s) before it were read",
                framing.name(),
                messages.len()
            ),
        });
    }
    Ok(framing.layout())
}

/// Reads a file of framed `TracesData` one message at a time, so that a
/// file far larger than its spans is never held whole. The framing is told
/// by the first bytes: a zero byte means 4-byte lengths (no `TracesData`
/// starts with one, nor does a varint stream with a first message), a
/// varint of 128 or more means varint lengths (no single `TracesData`
/// starts with one). Gives `Ok(None)`, having read some of the file, when
/// the framing cannot be told or a frame is not a `TracesData`, is cut
/// short or announces more than `max_message` bytes: the caller then reads
/// the whole file and decodes it as an answer, which says what is wrong.
/// Spans and warnings are the same as that decoding would give.
pub(crate) fn read_framed(
    reader: &mut impl BufRead,
    max_message: u64,
    out: &mut Vec<Span>,
    w: &mut Warnings,
) -> io::Result<Option<Layout>> {
    let head = reader.fill_buf()?;
    let framing = match head.first() {
        Some(0) => Framing::BigEndian32,
        Some(&b) if b >= 0x80 && varint(head, &mut 0).is_some_and(|v| v >= 0x80) => Framing::Varint,
        _ => return Ok(None),
    };
    let t = &mut Interner::default();
    let (mut offset, mut index, mut readable) = (0usize, 0usize, 0usize);
    let mut message = Vec::new();
    while !reader.fill_buf()?.is_empty() {
        let Some((length_bytes, len)) = read_length(reader, framing)? else {
            return Ok(None);
        };
        let Some(len) = usize::try_from(len)
            .ok()
            .filter(|&l| l as u64 <= max_message)
        else {
            return Ok(None);
        };
        message.clear();
        message.resize(len, 0);
        match reader.read_exact(&mut message) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        if is_traces_data(&message) {
            let here = format!("message {index} (byte {offset}): ");
            walk_traces_data(&message, &here, out, (w, t));
            readable += 1;
        } else if !message.is_empty() {
            return Ok(None);
        }
        offset += length_bytes + len;
        index += 1;
    }
    Ok((readable > 0).then(|| framing.layout()))
}

/// A frame's length read from `reader`, with how many bytes it took;
/// `None` when the input ends inside it.
fn read_length(reader: &mut impl BufRead, framing: Framing) -> io::Result<Option<(usize, u64)>> {
    let mut bytes = [0u8; 10];
    let width = match framing {
        Framing::BigEndian32 => 4,
        Framing::Varint => 10,
    };
    for n in 0..width {
        if reader.read(&mut bytes[n..=n])? == 0 {
            return Ok(None);
        }
        let mut pos = 0;
        let length = match framing {
            Framing::BigEndian32 if n == 3 => framing.length(&bytes, &mut pos),
            Framing::Varint if bytes[n] < 0x80 => varint(&bytes[..=n], &mut pos),
            _ => continue,
        };
        return Ok(length.map(|l| (n + 1, l)));
    }
    Ok(None)
}

/// Where decoded spans' warnings and shared text go.
type Sinks<'a> = (&'a mut Warnings, &'a mut Interner);

/// Where a part of the input sits (`message 2 (byte 640):
/// resourceSpans[0].scopeSpans[1]`), written only when a warning needs it.
#[derive(Clone, Copy)]
struct Place<'a> {
    prefix: &'a str,
    resource: usize,
    scope: Option<(&'static str, usize)>,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}resourceSpans[{}]", self.prefix, self.resource)?;
        if let Some((key, index)) = self.scope {
            write!(f, ".{key}[{index}]")?;
        }
        Ok(())
    }
}

/// The spans of one `TracesData` (already checked to be one).
fn walk_traces_data(buf: &[u8], prefix: &str, out: &mut Vec<Span>, (w, t): Sinks<'_>) {
    for (i, field) in FieldIter::of_readable(buf).enumerate() {
        let here = Place {
            prefix,
            resource: i,
            scope: None,
        };
        let Some(rs) = field.bytes else { continue };
        resource_spans(rs, here, out, (w, t));
    }
}

fn resource_spans(buf: &[u8], here: Place<'_>, out: &mut Vec<Span>, (w, t): Sinks<'_>) {
    if let Err(at) = readable(buf) {
        w.push(format_args!(
            "{here} is unreadable at byte {at} and was skipped"
        ));
        return;
    }
    let mut resource = Resource::default();
    for f in FieldIter::of_readable(buf).filter(|f| f.number == RESOURCE) {
        match f.bytes.map(|raw| resource_in_place(raw, t)) {
            Some(Ok(r)) => resource = r,
            Some(Err(Unusable::Unreadable(e) | Unusable::Skipped(e))) => {
                w.push(format_args!("{here}.resource is unreadable ({e})"))
            }
            None => {}
        }
    }
    let resource = Arc::new(resource);
    let scopes = FieldIter::of_readable(buf)
        .filter(|f| f.number == SCOPE_SPANS || f.number == LIBRARY_SPANS);
    for (j, scope) in scopes.enumerate() {
        let key = if scope.number == SCOPE_SPANS {
            "scopeSpans"
        } else {
            "instrumentationLibrarySpans"
        };
        let here = Place {
            scope: Some((key, j)),
            ..here
        };
        let Some(scope) = scope.bytes else { continue };
        if let Err(at) = readable(scope) {
            w.push(format_args!(
                "{here} is unreadable at byte {at} and was skipped"
            ));
            continue;
        }
        let spans = FieldIter::of_readable(scope);
        for (k, raw) in spans.filter(|f| f.number == SPANS).enumerate() {
            let Some(raw) = raw.bytes else { continue };
            match span_in_place(raw, &resource, t) {
                Ok(span) => out.push(span),
                Err(Unusable::Unreadable(e)) => w.push(format_args!(
                    "{here}.spans[{k}] is unreadable and was skipped ({e})"
                )),
                Err(Unusable::Skipped(reason)) => {
                    w.push(format_args!("{here}.spans[{k}] was skipped: {reason}"))
                }
            }
        }
    }
}

/// A `Resource` read in place like a span: its attributes (field 1); the
/// rest is skipped.
fn resource_in_place(raw: &[u8], t: &mut Interner) -> Result<Resource, Unusable> {
    let mut scratch = std::mem::take(&mut t.scratch);
    scratch.clear();
    let mut pos = 0;
    while pos < raw.len() {
        match next_value(raw, &mut pos)
            .map_err(|at| Unusable::Unreadable(format!("unreadable at byte {at}")))?
        {
            (RESOURCE_ATTRIBUTES, Wire::Len(b)) => {
                let slot = Interner::RESOURCE_SLOTS + 2 * scratch.len();
                if let Some(pair) = key_value_in_place(b, slot, t)? {
                    scratch.push(pair);
                }
            }
            (RESOURCE_ATTRIBUTES, other) => return Err(wrong_wire(RESOURCE_ATTRIBUTES, other)),
            _ => {}
        }
    }
    let mut attributes = Vec::with_capacity(scratch.len());
    attributes.append(&mut scratch);
    t.scratch = scratch;
    let service_name = attributes
        .iter()
        .find(|(k, _)| &**k == "service.name")
        .map(|(_, v)| v.clone());
    Ok(Resource {
        service_name,
        attributes,
    })
}

/// `Resource.attributes`.
const RESOURCE_ATTRIBUTES: u64 = 1;

/// Attribute values as text, like the JSON decoder's (`200`, `true`, `0.5`);
/// arrays, maps and bytes are left out.
fn attributes(list: Vec<KeyValue>, t: &mut Interner) -> Vec<(Text, Text)> {
    let mut out = Vec::with_capacity(list.len());
    for kv in list {
        let value = match kv.value.and_then(|v| v.value) {
            Some(Value::StringValue(s)) => t.text(&s),
            Some(Value::BoolValue(b)) => t.text(&b.to_string()),
            Some(Value::IntValue(i)) => t.text(&i.to_string()),
            Some(Value::DoubleValue(d)) => t.text(&d.to_string()),
            _ => continue,
        };
        out.push((t.text(&kv.key), value));
    }
    out
}

/// Lower-case hex of an id of exactly `width` bytes, not all zero.
fn hex_id(bytes: &[u8], width: usize, what: &str) -> Result<HexId, String> {
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
    HexId::of_bytes(bytes).ok_or_else(|| format!("its {what} is longer than 16 bytes"))
}

/// Why a span was not used.
#[derive(Debug, PartialEq)]
enum Unusable {
    /// Its bytes are no `Span` message.
    Unreadable(String),
    /// It is one, but unusable (its ids).
    Skipped(String),
}

/// `Span` field numbers in `opentelemetry/proto/trace/v1/trace.proto`.
mod span_field {
    pub const TRACE_ID: u64 = 1;
    pub const SPAN_ID: u64 = 2;
    pub const PARENT_SPAN_ID: u64 = 4;
    pub const NAME: u64 = 5;
    pub const KIND: u64 = 6;
    pub const START_TIME: u64 = 7;
    pub const END_TIME: u64 = 8;
    pub const ATTRIBUTES: u64 = 9;
    pub const STATUS: u64 = 15;
    /// `Status.code`.
    pub const STATUS_CODE: u64 = 3;
}

/// `KeyValue` and `AnyValue` field numbers (`common.proto`).
mod value_field {
    pub const KEY: u64 = 1;
    pub const VALUE: u64 = 2;
    pub const STRING: u64 = 1;
    pub const BOOL: u64 = 2;
    pub const INT: u64 = 3;
    pub const DOUBLE: u64 = 4;
    pub const ARRAY: u64 = 5;
    pub const MAP: u64 = 6;
    pub const BYTES: u64 = 7;
}

/// Text of a string field; protobuf strings are UTF-8.
fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Unusable> {
    std::str::from_utf8(bytes).map_err(|_| Unusable::Unreadable(format!("its {what} is not UTF-8")))
}

fn wrong_wire(number: u64, value: Wire<'_>) -> Unusable {
    Unusable::Unreadable(format!(
        "field {number} has the wrong wire type ({value:?})"
    ))
}

/// One span read in place. Decodes what prost's `Span` would, the way it
/// would (the last of a repeated scalar wins, unknown fields are skipped),
/// without the owned copies.
fn span_in_place(raw: &[u8], resource: &Arc<Resource>, t: &mut Interner) -> Result<Span, Unusable> {
    use span_field as f;
    let (mut trace_id, mut span_id, mut parent): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let (mut name, mut kind, mut start, mut end) = ("", 0i32, 0u64, 0u64);
    let mut status_error = false;
    // Collected in the interner's scratch list, then copied at their size:
    // one allocation per span instead of one per doubling.
    let mut attributes = std::mem::take(&mut t.scratch);
    attributes.clear();
    let mut pos = 0;
    while pos < raw.len() {
        let (number, value) = next_value(raw, &mut pos)
            .map_err(|at| Unusable::Unreadable(format!("unreadable at byte {at}")))?;
        match (number, value) {
            (f::TRACE_ID, Wire::Len(b)) => trace_id = b,
            (f::SPAN_ID, Wire::Len(b)) => span_id = b,
            (f::PARENT_SPAN_ID, Wire::Len(b)) => parent = b,
            (f::NAME, Wire::Len(b)) => name = utf8(b, "name")?,
            // An enum is an int32 on the wire: the low 32 bits.
            (f::KIND, Wire::Varint(v)) => kind = v as i32,
            (f::START_TIME, Wire::I64(v)) => start = v,
            (f::END_TIME, Wire::I64(v)) => end = v,
            (f::ATTRIBUTES, Wire::Len(b)) => {
                if let Some(pair) = key_value_in_place(b, 2 * attributes.len(), t)? {
                    attributes.push(pair);
                }
            }
            (f::STATUS, Wire::Len(b)) => {
                // A repeated message field merges: its last code wins.
                if let Some(code) = status_code(b)? {
                    status_error = code == StatusCode::Error as i32;
                }
            }
            (
                f::TRACE_ID
                | f::SPAN_ID
                | f::PARENT_SPAN_ID
                | f::NAME
                | f::KIND
                | f::START_TIME
                | f::END_TIME
                | f::ATTRIBUTES
                | f::STATUS,
                other,
            ) => return Err(wrong_wire(number, other)),
            _ => {}
        }
    }
    let skipped = Unusable::Skipped;
    let trace_id = hex_id(trace_id, 16, "trace id").map_err(skipped)?;
    let span_id = hex_id(span_id, 8, "span id").map_err(skipped)?;
    let parent_span_id = match parent.len() {
        0 => None,
        8 if parent.iter().all(|&b| b == 0) => None,
        _ => Some(hex_id(parent, 8, "parent span id").map_err(skipped)?),
    };
    let start = (start > 0).then_some(start);
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id,
        name: t.text_in_slot(Interner::NAME_SLOT, name),
        kind: SpanKind::from_code(i64::from(kind)),
        start_unix_nanos: start,
        // An end of 0 (unset) is before any start: no duration.
        duration_nanos: start.and_then(|s| end.checked_sub(s)),
        status_error,
        attributes: {
            // Moved out at their size (one allocation, no reference counts
            // touched); the scratch list keeps its capacity for the next span.
            let mut own = Vec::with_capacity(attributes.len());
            own.append(&mut attributes);
            t.scratch = attributes;
            own
        },
        resource: resource.clone(),
    })
}

/// The last `code` of a `Status` message, if it has one.
fn status_code(raw: &[u8]) -> Result<Option<i32>, Unusable> {
    let mut code = None;
    let mut pos = 0;
    while pos < raw.len() {
        match next_value(raw, &mut pos)
            .map_err(|at| Unusable::Unreadable(format!("its status is unreadable at byte {at}")))?
        {
            (span_field::STATUS_CODE, Wire::Varint(v)) => code = Some(v as i32),
            (span_field::STATUS_CODE, other) => {
                return Err(wrong_wire(span_field::STATUS_CODE, other));
            }
            _ => {}
        }
    }
    Ok(code)
}

/// One attribute as text, like [`attributes`]; `None` for a value that is
/// absent, an array, a map or bytes. `slot` and the one after it are the
/// interner's slots for its key and value.
#[inline(always)]
fn key_value_in_place(
    raw: &[u8],
    slot: usize,
    t: &mut Interner,
) -> Result<Option<(Text, Text)>, Unusable> {
    use value_field as f;
    let unreadable = |at| Unusable::Unreadable(format!("an attribute is unreadable at byte {at}"));
    let (mut key, mut value): (&[u8], _) = (&[], None);
    let mut pos = 0;
    while pos < raw.len() {
        match next_value(raw, &mut pos).map_err(unreadable)? {
            (f::KEY, Wire::Len(b)) => key = b,
            (f::VALUE, Wire::Len(b)) => value = any_value_in_place(b, value, slot + 1, t)?,
            (number @ (f::KEY | f::VALUE), other) => return Err(wrong_wire(number, other)),
            _ => {}
        }
    }
    let Some(value) = value else {
        // Not kept, but a key that is not UTF-8 makes the span unreadable.
        return match std::str::from_utf8(key) {
            Ok(_) => Ok(None),
            Err(_) => Err(Unusable::Unreadable(
                "its attribute key is not UTF-8".into(),
            )),
        };
    };
    let key = t
        .utf8_in_slot(slot, key)
        .map_err(|_| Unusable::Unreadable("its attribute key is not UTF-8".into()))?;
    Ok(Some((key, value)))
}

/// The text of an `AnyValue` (merged into `before`, as a repeated message
/// field is: a later `value` that sets nothing keeps the earlier one).
fn any_value_in_place(
    raw: &[u8],
    before: Option<Text>,
    slot: usize,
    t: &mut Interner,
) -> Result<Option<Text>, Unusable> {
    use value_field as f;
    let unreadable =
        |at| Unusable::Unreadable(format!("an attribute value is unreadable at byte {at}"));
    let mut value = before;
    let mut pos = 0;
    while pos < raw.len() {
        value = match next_value(raw, &mut pos).map_err(unreadable)? {
            (f::STRING, Wire::Len(b)) => Some(
                t.utf8_in_slot(slot, b)
                    .map_err(|_| Unusable::Unreadable("its attribute value is not UTF-8".into()))?,
            ),
            (f::BOOL, Wire::Varint(v)) => Some(t.text(if v != 0 { "true" } else { "false" })),
            // int64 is two's complement in ten bytes.
            (f::INT, Wire::Varint(v)) => Some(t.text(&(v as i64).to_string())),
            (f::DOUBLE, Wire::I64(v)) => Some(t.text(&f64::from_bits(v).to_string())),
            (number @ (f::STRING | f::BOOL | f::INT | f::DOUBLE), other) => {
                return Err(wrong_wire(number, other));
            }
            // Arrays, maps and bytes: not text (the oneof holds them now).
            (f::ARRAY | f::MAP | f::BYTES, _) => None,
            _ => value,
        };
    }
    Ok(value)
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
    let t = &mut Interner::default();
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
                trace_id,
                span_id,
                t.text(&s.name),
                (nonzero(s.start_time_unix_nano), nonzero(s.duration_nanos)),
                attributes(s.attributes, t),
                &resource,
            );
        }
        let text = |t: String| (!t.is_empty()).then_some(t);
        hits.push(SearchHit {
            trace_id: trace_id.to_string(),
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
                            span_id: s.span_id.to_string(),
                            name: s.name.to_string(),
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
                    && !attributes.iter().any(|(k, _)| &**k == "service.name")
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

fn key_values(list: &[(Text, Text)]) -> Vec<KeyValue> {
    list.iter()
        .map(|(k, v)| KeyValue {
            key: k.to_string(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(v.to_string())),
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
        name: span.name.to_string(),
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
        // A length past the end is not a field.
        assert!(fields(&[0x0a, 0x05, 1, 2]).is_err());
        assert!(is_traces_data(&[0x0a, 0x00]));
        assert!(!is_traces_data(&[0x08, 0x01]));
        let (messages, cut) = stream(&[0x02, 0x0a, 0x00, 0x05, 0x0a], Framing::Varint);
        assert_eq!(messages, vec![(0, &[0x0a, 0x00][..])]);
        assert_eq!(
            cut,
            Some(Cut::Short {
                at: 3,
                announced: 5,
                left: 1
            })
        );
        let (messages, cut) = stream(&[0x01, 0x00, 0x80, 0x80], Framing::Varint);
        assert_eq!(messages, vec![(0, &[0x00][..])]);
        assert_eq!(cut, Some(Cut::UnfinishedLength { at: 2 }));
        // Four-byte big-endian lengths: 2, then 258 announced with 1 left.
        let (messages, cut) = stream(
            &[0, 0, 0, 2, 0x0a, 0x00, 0, 0, 1, 2, 0x0a],
            Framing::BigEndian32,
        );
        assert_eq!(messages, vec![(0, &[0x0a, 0x00][..])]);
        assert_eq!(
            cut,
            Some(Cut::Short {
                at: 6,
                announced: 258,
                left: 1
            })
        );
        let (_, cut) = stream(&[0, 0, 0, 0, 0, 0], Framing::BigEndian32);
        assert_eq!(cut, Some(Cut::UnfinishedLength { at: 4 }));
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
        let text = attributes(list, &mut Interner::default());
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

    fn read(span: PbSpan, resource: &Arc<Resource>) -> Result<Span, Unusable> {
        span_in_place(&span.encode_to_vec(), resource, &mut Interner::default())
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
        let zero = read(span(vec![0; 8], 0, 0), &resource).unwrap();
        assert_eq!(zero.parent_span_id, None);
        assert_eq!((zero.start_unix_nanos, zero.duration_nanos), (None, None));
        let set = read(span(vec![3; 8], 10, 25), &resource).unwrap();
        assert_eq!(set.parent_span_id.as_deref(), Some("0303030303030303"));
        assert_eq!(
            (set.start_unix_nanos, set.duration_nanos),
            (Some(10), Some(15))
        );
        // An end without a start gives no duration.
        let no_start = read(span(Vec::new(), 0, 25), &resource).unwrap();
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
                trace_id: crate::normalize_trace_id("0af7651916cd43dd8448eb211c80319c").unwrap(),
                span_id: crate::normalize_span_id("00f067aa0ba902b7").unwrap(),
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

    /// What prost's own `Span` gives, converted the way the decoder did
    /// before it read spans in place: the reference `span_in_place` must match.
    fn span_via_prost(raw: &[u8], resource: &Arc<Resource>) -> Option<Span> {
        let span = PbSpan::decode(raw).ok()?;
        let t = &mut Interner::default();
        let trace_id = hex_id(&span.trace_id, 16, "trace id").ok()?;
        let span_id = hex_id(&span.span_id, 8, "span id").ok()?;
        let parent_span_id = match span.parent_span_id.len() {
            0 => None,
            8 if span.parent_span_id.iter().all(|&b| b == 0) => None,
            _ => Some(hex_id(&span.parent_span_id, 8, "parent span id").ok()?),
        };
        let start = (span.start_time_unix_nano > 0).then_some(span.start_time_unix_nano);
        Some(Span {
            trace_id,
            span_id,
            parent_span_id,
            name: t.text(&span.name),
            kind: SpanKind::from_code(i64::from(span.kind)),
            start_unix_nanos: start,
            duration_nanos: start.and_then(|s| span.end_time_unix_nano.checked_sub(s)),
            status_error: span
                .status
                .is_some_and(|s| s.code == StatusCode::Error as i32),
            attributes: attributes(span.attributes, t),
            resource: resource.clone(),
        })
    }

    /// A field as protobuf writes it.
    fn put(out: &mut Vec<u8>, number: u64, value: Wire<'_>) {
        let varint = |out: &mut Vec<u8>, mut v: u64| {
            while v >= 0x80 {
                out.push((v as u8) | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        };
        let wire = match value {
            Wire::Varint(_) => WIRE_VARINT,
            Wire::I64(_) => WIRE_I64,
            Wire::Len(_) => WIRE_LEN,
            Wire::I32(_) => WIRE_I32,
        };
        varint(out, number << 3 | wire);
        match value {
            Wire::Varint(v) => varint(out, v),
            Wire::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Wire::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Wire::Len(b) => {
                varint(out, b.len() as u64);
                out.extend_from_slice(b);
            }
        }
    }

    /// The fields of `raw` (a `Span`) that `span_in_place` reads, with what it
    /// skips inside them emptied; `None` where the walk itself fails.
    fn only_read_fields(raw: &[u8]) -> Option<Vec<u8>> {
        fn keep(raw: &[u8], rule: &dyn Fn(u64, Wire<'_>) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
            let (mut out, mut pos) = (Vec::new(), 0);
            while pos < raw.len() {
                let (number, value) = next_value(raw, &mut pos).ok()?;
                if let Some(field) = rule(number, value) {
                    out.extend(field);
                }
            }
            Some(out)
        }
        fn field(number: u64, value: Wire<'_>) -> Vec<u8> {
            let mut out = Vec::new();
            put(&mut out, number, value);
            out
        }
        let any_value = |raw: &[u8]| {
            keep(raw, &|n, v| match (n, v) {
                (1..=4, _) => Some(field(n, v)),
                (5..=7, Wire::Len(_)) => Some(field(n, Wire::Len(&[]))),
                _ => None,
            })
        };
        let key_value = |raw: &[u8]| {
            keep(raw, &|n, v| match (n, v) {
                (2, Wire::Len(b)) => any_value(b).map(|b| field(2, Wire::Len(&b))),
                (1 | 2, _) => Some(field(n, v)),
                _ => None,
            })
        };
        let walked = std::cell::Cell::new(true);
        // Of a status, only its code is read.
        let status = |raw: &[u8]| keep(raw, &|n, v| (n == 3).then(|| field(n, v)));
        let kept = keep(raw, &|n, v| match (n, v) {
            (9, Wire::Len(b)) => match key_value(b) {
                Some(b) => Some(field(9, Wire::Len(&b))),
                None => {
                    walked.set(false);
                    None
                }
            },
            (15, Wire::Len(b)) => match status(b) {
                Some(b) => Some(field(15, Wire::Len(&b))),
                None => {
                    walked.set(false);
                    None
                }
            },
            (1 | 2 | 4..=9 | 15, _) => Some(field(n, v)),
            _ => None,
        })?;
        walked.get().then_some(kept)
    }

    fn any_value() -> impl Strategy<Value = Option<AnyValue>> {
        use opentelemetry_proto::tonic::common::v1::ArrayValue;
        let value = prop_oneof![
            ".{0,12}".prop_map(Value::StringValue),
            any::<bool>().prop_map(Value::BoolValue),
            any::<i64>().prop_map(Value::IntValue),
            any::<f64>().prop_map(Value::DoubleValue),
            proptest::collection::vec(any::<u8>(), 0..4).prop_map(Value::BytesValue),
            Just(Value::ArrayValue(ArrayValue { values: Vec::new() })),
        ];
        proptest::option::of(proptest::option::of(value).prop_map(|value| AnyValue { value }))
    }

    fn pb_spans() -> impl Strategy<Value = PbSpan> {
        use opentelemetry_proto::tonic::trace::v1::span::Event;
        let id = |lengths: &'static [usize]| {
            proptest::sample::select(lengths)
                .prop_flat_map(|n| proptest::collection::vec(0u8..3, n))
        };
        let attribute = ("[a-z._]{0,8}", any_value()).prop_map(|(key, value)| KeyValue {
            key,
            value,
            ..Default::default()
        });
        (
            (
                id(&[16, 16, 16, 0, 8, 32]),
                id(&[8, 8, 8, 0, 16]),
                id(&[0, 8, 8, 3]),
            ),
            (".{0,16}", -2i32..8, 0u64..4, 0u64..6),
            proptest::collection::vec(attribute, 0..6),
            proptest::option::of((-1i32..4, ".{0,4}")),
            (".{0,4}", 0u32..3, proptest::collection::vec(".{0,4}", 0..2)),
        )
            .prop_map(|(ids, fields, attributes, status, extra)| PbSpan {
                trace_id: ids.0,
                span_id: ids.1,
                parent_span_id: ids.2,
                name: fields.0,
                kind: fields.1,
                start_time_unix_nano: fields.2,
                end_time_unix_nano: fields.3,
                attributes,
                status: status.map(|(code, message)| Status { code, message }),
                // Fields the decoder skips.
                trace_state: extra.0,
                dropped_attributes_count: extra.1,
                events: extra
                    .2
                    .into_iter()
                    .map(|name| Event {
                        name,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn resources_read_in_place_equal_prosts_reading(
            list in proptest::collection::vec(
                ("[a-z._]{0,8}", any_value()).prop_map(|(key, value)| KeyValue {
                    key,
                    value,
                    ..Default::default()
                }),
                0..6,
            ),
            dropped in 0u32..3,
        ) {
            let raw = PbResource {
                attributes: list,
                dropped_attributes_count: dropped,
                ..Default::default()
            }
            .encode_to_vec();
            let by_prost = PbResource::decode(&raw[..]).map(|r| {
                let attributes = attributes(r.attributes, &mut Interner::default());
                let service_name = attributes
                    .iter()
                    .find(|(k, _)| &**k == "service.name")
                    .map(|(_, v)| v.clone());
                Resource { service_name, attributes }
            });
            let in_place = resource_in_place(&raw, &mut Interner::default());
            prop_assert_eq!(in_place.ok(), by_prost.ok());
        }

        #[test]
        fn spans_read_in_place_equal_prosts_reading(span in pb_spans()) {
            let resource = Arc::new(Resource::default());
            let raw = span.encode_to_vec();
            let in_place = span_in_place(&raw, &resource, &mut Interner::default()).ok();
            prop_assert_eq!(in_place, span_via_prost(&raw, &resource));
        }

        #[test]
        fn damaged_spans_are_read_as_prost_reads_them_or_refused(
            span in pb_spans(),
            cut in any::<proptest::sample::Index>(),
            flip in any::<proptest::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let resource = Arc::new(Resource::default());
            let mut raw = span.encode_to_vec();
            if !raw.is_empty() {
                let at = flip.index(raw.len());
                raw[at] = byte;
                raw.truncate(cut.index(raw.len() + 1));
            }
            // Never a panic, and the same reading as prost's of what the decoder
            // reads: it skips (and so does not check) events, links, array and
            // map values, where prost refuses the whole span for a damaged one.
            let in_place = span_in_place(&raw, &resource, &mut Interner::default()).ok();
            let oracle = only_read_fields(&raw).and_then(|r| span_via_prost(&r, &resource));
            prop_assert_eq!(in_place, oracle, "{:?}", raw);
        }
    }
}
