//! Lenient decoding of every trace answer meshgraph reads, into [`Span`]s.
//!
//! The answer is parsed once into a small envelope whose parts stay borrowed
//! raw JSON (`&RawValue`, slices of the input, never a `serde_json::Value`
//! tree); each batch, process and span is then decoded on its own into typed
//! structs. A part that cannot be read becomes a warning and the rest is used.
//! Scalars are accepted in every spelling seen in the wild: 64-bit integers as
//! numbers or strings, ids in hex or base64, enums as integers or names, `null`
//! for absent.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::TracesError;
use crate::span::{
    HexId, Interner, Resource, SearchHit, Span, SpanKind, Text, normalize_span_id,
    normalize_trace_id,
};

/// Which answer a body was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Jaeger `/api/v3/traces` or `/api/v3/traces/{id}`: `{"result": {"resourceSpans": [...]}}`.
    JaegerV3,
    /// Jaeger `/api/traces` (`{"data": [trace, ...]}`) or one v1 trace object.
    JaegerV1,
    /// Tempo `/api/traces/{id}` (`{"batches": [...]}`) or `/api/v2/traces/{id}` (`{"trace": {...}}`).
    Tempo,
    /// Tempo `/api/search`: trace metadata and matched spans only.
    TempoSearch,
    /// Bare OTLP JSON `TracesData` (`{"resourceSpans": [...]}`), one or one
    /// per line: the OpenTelemetry Collector's file exporter (`.jsonl`).
    Otlp,
    /// OTLP protobuf: one `TracesData` (`ExportTraceServiceRequest`, Tempo's
    /// `Trace`) or a length-delimited stream of them (`.binpb`, `.pb`).
    OtlpProtobuf,
    /// Zipkin v2 JSON: a list of spans (`/api/v2/trace/{id}`), or a list of
    /// such lists (`/api/v2/traces`).
    Zipkin,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JaegerV3 => "jaeger-v3",
            Format::JaegerV1 => "jaeger-v1",
            Format::Tempo => "tempo",
            Format::TempoSearch => "tempo-search",
            Format::Otlp => "otlp",
            Format::OtlpProtobuf => "otlp-protobuf",
            Format::Zipkin => "zipkin-v2",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one answer held.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub format: Format,
    /// Spans of full traces (not of search answers).
    pub spans: Vec<Span>,
    /// Traces found by a Tempo search.
    pub search: Vec<SearchHit>,
    /// Parts that could not be read, and messages from the server.
    pub warnings: Vec<String>,
}

/// How many per-span warnings one answer reports before summarising.
const DETAILED_WARNINGS: usize = 10;

pub(crate) struct Warnings {
    source: String,
    list: Vec<String>,
    suppressed: usize,
}

impl Warnings {
    pub(crate) fn new(source: &str) -> Warnings {
        Warnings {
            source: source.to_string(),
            list: Vec::new(),
            suppressed: 0,
        }
    }

    pub(crate) fn push(&mut self, what: impl fmt::Display) {
        if self.list.len() < DETAILED_WARNINGS {
            self.list.push(format!("{}: {what}", self.source));
        } else {
            self.suppressed += 1;
        }
    }

    pub(crate) fn finish(mut self) -> Vec<String> {
        if self.suppressed > 0 {
            self.list.push(format!(
                "{}: {} more unreadable parts not listed",
                self.source, self.suppressed
            ));
        }
        self.list
    }
}

/// Decodes one answer, recognising its format from its content (not from a
/// file name or a Content-Type, which may lie). `source_name` (a URL without
/// credentials, or a file path) is named in every error and warning.
///
/// JSON: several objects one after the other (a streamed `/api/v3/traces`
/// answer, one `{"result": ...}` per chunk; an OpenTelemetry Collector file
/// export, one `TracesData` per line) are read as one answer; a list is Zipkin
/// v2. Anything else is OTLP protobuf (see [`otlp`](crate::otlp)). Text that
/// fails as JSON is tried as protobuf and the other way round, and the first
/// error is reported when both fail.
pub fn decode(bytes: &[u8], source_name: &str) -> Result<Decoded, TracesError> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    let json_like = first.is_some_and(|b| {
        matches!(
            b,
            b'{' | b'[' | b'"' | b'n' | b't' | b'f' | b'-' | b'0'..=b'9'
        )
    });
    let text = std::str::from_utf8(bytes).is_ok();
    if first.is_none() || (json_like && text) {
        return decode_json(bytes, source_name)
            .or_else(|e| decode_protobuf(bytes, source_name).map_err(|_| e));
    }
    decode_protobuf(bytes, source_name).or_else(|e| {
        if text {
            // Text that is no JSON either (an HTML page): say why as JSON.
            decode_json(bytes, source_name)
        } else if matches!(first, Some(b'{' | b'[')) {
            decode_json(bytes, source_name).map_err(|_| e)
        } else {
            Err(e)
        }
    })
}

/// Decodes OTLP protobuf (one `TracesData` or a length-prefixed stream).
pub fn decode_protobuf(bytes: &[u8], source_name: &str) -> Result<Decoded, TracesError> {
    let mut w = Warnings::new(source_name);
    let mut spans = Vec::new();
    crate::otlp::decode_protobuf(bytes, source_name, &mut spans, &mut w)?;
    protobuf_decoded(spans, w, source_name)
}

/// Decodes a file holding one answer of any format, like [`decode`]. A
/// stream of framed OTLP protobuf messages (the OpenTelemetry Collector's
/// file exporter, `format: proto`) is read one message at a time, so its
/// bytes are never held whole; anything else is read whole, up to
/// `max_bytes`.
pub fn decode_file(path: &Path, max_bytes: u64) -> Result<Decoded, TracesError> {
    let fail = |e: std::io::Error| TracesError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let source_name = path.display().to_string();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, File::open(path).map_err(fail)?);
    let mut w = Warnings::new(&source_name);
    let mut spans = Vec::new();
    if crate::otlp::read_framed(&mut reader, max_bytes, &mut spans, &mut w)
        .map_err(fail)?
        .is_some()
    {
        return protobuf_decoded(spans, w, &source_name);
    }
    drop(spans);
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(fail)?;
    if bytes.len() as u64 > max_bytes {
        return Err(TracesError::File {
            path: path.to_path_buf(),
            reason: if max_bytes >= 1024 * 1024 {
                format!(
                    "larger than the {} MiB a trace answer may hold",
                    max_bytes / (1024 * 1024)
                )
            } else {
                format!("larger than the {max_bytes} bytes a trace answer may hold")
            },
        });
    }
    decode(&bytes, &source_name)
}

/// Spans read from protobuf, as a decoded answer (an error when none could
/// be read and something was wrong).
fn protobuf_decoded(
    mut spans: Vec<Span>,
    w: Warnings,
    source_name: &str,
) -> Result<Decoded, TracesError> {
    if spans.is_empty()
        && let Some(first) = w.list.first()
    {
        // Nothing usable and something wrong: a wrong message type, most likely.
        let first = first
            .strip_prefix(&format!("{source_name}: "))
            .unwrap_or(first);
        return Err(TracesError::Decode {
            source_name: source_name.to_string(),
            location: None,
            reason: format!(
                "protobuf in which no span could be read ({} problem(s), the first: {first}): is it OTLP TracesData?",
                w.list.len() + w.suppressed
            ),
        });
    }
    dedupe(&mut spans);
    Ok(Decoded {
        format: Format::OtlpProtobuf,
        spans,
        search: Vec::new(),
        warnings: w.finish(),
    })
}

/// Decodes a Tempo `/api/search` answer sent as protobuf
/// (`SearchResponse`), one trace at a time: the answer is not copied whole.
pub fn decode_tempo_search_protobuf(
    bytes: &[u8],
    source_name: &str,
) -> Result<Decoded, TracesError> {
    let mut w = Warnings::new(source_name);
    let search = crate::otlp::decode_tempo_search(bytes, source_name, &mut w)?;
    Ok(Decoded {
        format: Format::TempoSearch,
        spans: Vec::new(),
        search,
        warnings: w.finish(),
    })
}

fn decode_json(bytes: &[u8], source_name: &str) -> Result<Decoded, TracesError> {
    let mut w = Warnings::new(source_name);
    let mut text = Interner::default();
    let mut spans = Vec::new();
    let mut search = Vec::new();
    let mut format = None;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        zipkin(bytes, source_name, &mut spans, &mut w, &mut text)?;
        dedupe(&mut spans);
        return Ok(Decoded {
            format: Format::Zipkin,
            spans,
            search,
            warnings: w.finish(),
        });
    }
    // Where the current run of objects starts: after an unreadable line of a
    // file with one object per line, reading resumes at the next line.
    let mut base = 0usize;
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Envelope<'_>>();
    loop {
        // Every answer is a JSON object: serde would read an array as the
        // fields of one, in order (`[1,2,3]` as an empty answer).
        let offset = base + stream.byte_offset();
        if let Some(&first) = bytes[offset..].iter().find(|b| !b.is_ascii_whitespace())
            && matches!(first, b'[' | b'"' | b'n' | b't' | b'f' | b'-' | b'0'..=b'9')
        {
            return Err(TracesError::Decode {
                source_name: source_name.to_string(),
                location: Some(format!("byte {offset}")),
                reason: format!(
                    "a traces answer is a JSON object (Jaeger, Tempo or OTLP), not {}",
                    match first {
                        b'[' => "an array",
                        b'"' => "a string",
                        b'n' => "null",
                        b't' | b'f' => "a boolean",
                        _ => "a number",
                    }
                ),
            });
        }
        let envelope = match stream.next() {
            None if format.is_none() => {
                return Err(TracesError::Truncated {
                    source_name: source_name.to_string(),
                    bytes: bytes.len(),
                });
            }
            None => break,
            Some(Err(e)) if format == Some(Format::Otlp) => {
                // One object per line (the file exporter): skip to the next line.
                let failed_at = offset
                    + bytes[offset..]
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                let next_line = bytes[failed_at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map(|p| failed_at + p + 1);
                w.push(format_args!(
                    "the line at byte {failed_at} is unreadable and was skipped ({})",
                    json_error(&e, &bytes[failed_at..], source_name)
                ));
                match next_line {
                    Some(next) if next < bytes.len() => {
                        base = next;
                        stream = serde_json::Deserializer::from_slice(&bytes[next..])
                            .into_iter::<Envelope<'_>>();
                        continue;
                    }
                    _ => break,
                }
            }
            Some(Err(e)) => return Err(json_error(&e, bytes, source_name)),
            Some(Ok(envelope)) => envelope,
        };
        let this = one_envelope(
            envelope,
            source_name,
            &mut spans,
            &mut search,
            (&mut w, &mut text),
        )?;
        if format.is_some_and(|f| f != this) {
            return Err(TracesError::Decode {
                source_name: source_name.to_string(),
                location: Some(format!("byte {}", base + stream.byte_offset())),
                reason: format!("a {this} object follows a {} one", format.expect("checked")),
            });
        }
        format = Some(this);
    }
    dedupe(&mut spans);
    Ok(Decoded {
        format: format.expect("at least one object was read"),
        spans,
        search,
        warnings: w.finish(),
    })
}

fn one_envelope(
    envelope: Envelope<'_>,
    source_name: &str,
    spans: &mut Vec<Span>,
    search: &mut Vec<SearchHit>,
    (w, t): (&mut Warnings, &mut Interner),
) -> Result<Format, TracesError> {
    let format = if let Some(result) = envelope.result {
        let data: TracesData<'_> = part(result, "result", w).unwrap_or_default();
        otlp_resource_spans(&data.resource_spans, "result.resourceSpans", spans, w, t);
        Format::JaegerV3
    } else if let Some(list) = envelope.resource_spans {
        let list: Vec<&RawValue> = part(list, "resourceSpans", w).unwrap_or_default();
        otlp_resource_spans(&list, "resourceSpans", spans, w, t);
        Format::Otlp
    } else if let Some(list) = envelope.batches {
        let list: Vec<&RawValue> = part(list, "batches", w).unwrap_or_default();
        otlp_resource_spans(&list, "batches", spans, w, t);
        Format::Tempo
    } else if let Some(trace) = envelope.trace {
        let data: TracesData<'_> = part(trace, "trace", w).unwrap_or_default();
        otlp_resource_spans(&data.resource_spans, "trace.resourceSpans", spans, w, t);
        Format::Tempo
    } else if let Some(traces) = envelope.traces {
        let list: Vec<&RawValue> = part(traces, "traces", w).unwrap_or_default();
        for (i, raw) in list.iter().enumerate() {
            if let Some(hit) = part::<TempoHit<'_>>(raw, &format!("traces[{i}]"), w) {
                search.push(search_hit(hit, i, w, t));
            }
        }
        Format::TempoSearch
    } else if let Some(data) = envelope.data {
        let list: Vec<&RawValue> = part(data, "data", w).unwrap_or_default();
        for (i, raw) in list.iter().enumerate() {
            if let Some(trace) = part::<V1Trace<'_>>(raw, &format!("data[{i}]"), w) {
                v1_trace(trace, &format!("data[{i}]"), spans, w, t);
            }
        }
        if let Some(errors) = envelope.errors {
            v1_errors(errors, w);
        }
        Format::JaegerV1
    } else if envelope.spans.is_some() {
        let trace = V1Trace {
            spans: envelope.spans,
            processes: envelope.processes,
        };
        v1_trace(trace, "the trace", spans, w, t);
        Format::JaegerV1
    } else if let Some(error) = envelope.error {
        return Err(TracesError::Server {
            source_name: source_name.to_string(),
            message: error_message(error),
        });
    } else if let Some(errors) = envelope.errors {
        return Err(TracesError::Server {
            source_name: source_name.to_string(),
            message: error_message(errors),
        });
    } else {
        return Err(TracesError::Decode {
            source_name: source_name.to_string(),
            location: None,
            reason: "no result, resourceSpans, batches, trace, traces or data key".into(),
        });
    };
    Ok(format)
}

/// Drops repeated spans (same [`Span::identity`]), keeping the first.
///
/// Repeats are rare, so spans are compared by a hash of their identity
/// first (16 bytes a span, sorted) and by the identity itself only where two
/// hashes meet: a set of the identities themselves was 88 bytes a span and
/// hashed every id again on each probe.
pub(crate) fn dedupe(spans: &mut Vec<Span>) {
    use std::hash::BuildHasher;
    let hasher = hashbrown::DefaultHashBuilder::default();
    let mut hashes: Vec<(u64, usize)> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (hasher.hash_one(s.identity()), i))
        .collect();
    hashes.sort_unstable();
    let mut repeated = vec![false; spans.len()];
    for group in hashes.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // In input order within the group (the sort keeps it): each span is
        // a repeat if an earlier one has its identity.
        for (k, &(_, i)) in group.iter().enumerate() {
            repeated[i] = group[..k]
                .iter()
                .any(|&(_, j)| !repeated[j] && spans[j].identity() == spans[i].identity());
        }
    }
    if repeated.contains(&true) {
        let mut repeated = repeated.into_iter();
        spans.retain(|_| !repeated.next().unwrap_or(false));
    }
}

fn json_error(e: &serde_json::Error, bytes: &[u8], source_name: &str) -> TracesError {
    if e.classify() == serde_json::error::Category::Eof {
        return TracesError::Truncated {
            source_name: source_name.to_string(),
            bytes: bytes.len(),
        };
    }
    let text = e.to_string();
    let reason = text
        .rsplit_once(" at line ")
        .map(|(r, _)| r.to_string())
        .unwrap_or(text);
    TracesError::Decode {
        source_name: source_name.to_string(),
        location: Some(format!("line {}, column {}", e.line(), e.column())),
        reason,
    }
}

/// Decodes one part, or warns and gives `None`.
fn part<'a, T: Deserialize<'a>>(
    raw: &'a RawValue,
    what: impl fmt::Display,
    w: &mut Warnings,
) -> Option<T> {
    match serde_json::from_str(raw.get()) {
        Ok(v) => Some(v),
        Err(e) => {
            w.push(format_args!("{what} is unreadable and was skipped ({e})"));
            None
        }
    }
}

fn error_message(raw: &RawValue) -> String {
    #[derive(Deserialize)]
    struct Detail {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        msg: Option<String>,
    }
    if let Ok(text) = serde_json::from_str::<String>(raw.get()) {
        return text;
    }
    if let Ok(Detail { message, msg }) = serde_json::from_str::<Detail>(raw.get())
        && let Some(m) = message.or(msg)
    {
        return m;
    }
    if let Ok(list) = serde_json::from_str::<Vec<Detail>>(raw.get()) {
        let all: Vec<String> = list
            .into_iter()
            .filter_map(|d| d.message.or(d.msg))
            .collect();
        if !all.is_empty() {
            return all.join("; ");
        }
    }
    raw.get().chars().take(200).collect()
}

fn v1_errors(raw: &RawValue, w: &mut Warnings) {
    if raw.get() != "null" && raw.get() != "[]" {
        w.push(format_args!(
            "the server reported errors: {}",
            error_message(raw)
        ));
    }
}

// ---------------------------------------------------------------------------
// Envelope

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "resourceSpans")]
    resource_spans: Option<&'a RawValue>,
    #[serde(borrow, default)]
    batches: Option<&'a RawValue>,
    #[serde(borrow, default)]
    trace: Option<&'a RawValue>,
    #[serde(borrow, default)]
    traces: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    spans: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    processes: Option<BTreeMap<String, &'a RawValue>>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
    #[serde(borrow, default)]
    errors: Option<&'a RawValue>,
}

// ---------------------------------------------------------------------------
// OTLP JSON (Jaeger v3, Tempo)

#[derive(Deserialize, Default)]
struct TracesData<'a> {
    #[serde(borrow, default, rename = "resourceSpans")]
    resource_spans: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct ResourceSpans<'a> {
    #[serde(borrow, default)]
    resource: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "scopeSpans")]
    scope_spans: Option<Vec<&'a RawValue>>,
    /// The name before OTLP 0.19, still written by older Tempo versions.
    #[serde(borrow, default, rename = "instrumentationLibrarySpans")]
    library_spans: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(borrow, default)]
    spans: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize, Default)]
struct OtlpResource<'a> {
    #[serde(default, borrow)]
    attributes: Option<Vec<KeyValue<'a>>>,
}

#[derive(Deserialize)]
struct OtlpSpan<'a> {
    #[serde(default, borrow, rename = "traceId")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "spanId")]
    span_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "parentSpanId")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    kind: Option<Scalar>,
    #[serde(default, rename = "startTimeUnixNano")]
    start: Option<Scalar>,
    #[serde(default, rename = "endTimeUnixNano")]
    end: Option<Scalar>,
    #[serde(default, borrow)]
    attributes: Option<Vec<KeyValue<'a>>>,
    #[serde(default)]
    status: Option<OtlpStatus>,
}

#[derive(Deserialize)]
struct OtlpStatus {
    #[serde(default)]
    code: Option<Scalar>,
}

/// An attribute, its key and text borrowed from the answer unless escaped.
#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default, borrow)]
    value: Option<AnyValue<'a>>,
}

/// OTLP `AnyValue`; arrays, maps and bytes are skipped. Only its text is
/// kept, the first of `stringValue`, `intValue`, `boolValue`, `doubleValue`
/// that has one: 32 bytes instead of four scalars' 96, so that a span's
/// list of attributes stays small while it is read.
struct AnyValue<'a>(Option<Cow<'a, str>>);

impl<'a> AnyValue<'a> {
    const FIELDS: [&'static str; 4] = ["stringValue", "intValue", "boolValue", "doubleValue"];

    fn into_text(self) -> Option<Cow<'a, str>> {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct AnyValue")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue<'de>, A::Error> {
                // (rank of the field, its text): the lowest rank with text wins.
                let mut best: Option<(usize, Cow<'de, str>)> = None;
                let mut seen = [false; 4];
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let Some(rank) = AnyValue::FIELDS.iter().position(|f| *f == key) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    if std::mem::replace(&mut seen[rank], true) {
                        return Err(de::Error::duplicate_field(AnyValue::FIELDS[rank]));
                    }
                    if let Some(text) = map
                        .next_value::<Option<ScalarText<'de>>>()?
                        .and_then(|s| s.0)
                        && best.as_ref().is_none_or(|(r, _)| rank < *r)
                    {
                        best = Some((rank, text));
                    }
                }
                Ok(AnyValue(best.map(|(_, text)| text)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue<'de>, A::Error> {
                // Fields in their declared order, as a derived struct reads a list.
                let mut first = None;
                for _ in AnyValue::FIELDS {
                    match seq.next_element::<Option<ScalarText<'de>>>()? {
                        Some(value) => {
                            let text = value.and_then(|s| s.0);
                            first = first.or(text);
                        }
                        None => break,
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(AnyValue(first))
            }
        }
        deserializer.deserialize_struct("AnyValue", &AnyValue::FIELDS, V)
    }
}

fn attributes(list: Option<Vec<KeyValue<'_>>>, t: &mut Interner) -> Vec<(Text, Text)> {
    let list = list.unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for kv in list {
        if let Some(value) = kv.value.and_then(AnyValue::into_text) {
            let slot = 2 * out.len();
            out.push((
                t.text_in_slot(slot, &kv.key),
                t.text_in_slot(slot + 1, &value),
            ));
        }
    }
    out
}

fn otlp_resource_spans(
    list: &[&RawValue],
    what: &str,
    out: &mut Vec<Span>,
    w: &mut Warnings,
    t: &mut Interner,
) {
    for (i, raw) in list.iter().enumerate() {
        let here = format!("{what}[{i}]");
        let Some(rs) = part::<ResourceSpans<'_>>(raw, &here, w) else {
            continue;
        };
        let resource = rs
            .resource
            .and_then(|r| part::<OtlpResource>(r, format_args!("{here}.resource"), w))
            .unwrap_or_default();
        let attrs = attributes(resource.attributes, t);
        let service_name = attrs
            .iter()
            .find(|(k, _)| &**k == "service.name")
            .map(|(_, v)| v.clone());
        let resource = Arc::new(Resource {
            service_name,
            attributes: attrs,
        });
        let scopes = rs
            .scope_spans
            .into_iter()
            .flatten()
            .map(|s| (s, "scopeSpans"))
            .chain(
                rs.library_spans
                    .into_iter()
                    .flatten()
                    .map(|s| (s, "instrumentationLibrarySpans")),
            );
        for (j, (scope, key)) in scopes.enumerate() {
            let here = format!("{here}.{key}[{j}]");
            let Some(scope) = part::<ScopeSpans<'_>>(scope, &here, w) else {
                continue;
            };
            for (k, raw) in scope.spans.into_iter().flatten().enumerate() {
                let Some(span) = part::<OtlpSpan>(raw, format_args!("{here}.spans[{k}]"), w) else {
                    continue;
                };
                match otlp_span(span, &resource, t) {
                    Ok(span) => out.push(span),
                    Err(reason) => w.push(format_args!("{here}.spans[{k}] was skipped: {reason}")),
                }
            }
        }
    }
}

fn otlp_span(
    span: OtlpSpan<'_>,
    resource: &Arc<Resource>,
    t: &mut Interner,
) -> Result<Span, String> {
    let trace_id = id(span.trace_id.as_deref(), "trace id", normalize_trace_id)?;
    let span_id = id(span.span_id.as_deref(), "span id", normalize_span_id)?;
    let kind = match span.kind.and_then(|k| k.0) {
        Some(text) => SpanKind::parse(&text).ok_or(format!("unknown span kind {text:?}"))?,
        None => SpanKind::Unspecified,
    };
    let start = span.start.and_then(|s| s.as_u64());
    let end = span.end.and_then(|s| s.as_u64());
    let status_error = span
        .status
        .and_then(|s| s.code)
        .and_then(|c| c.0)
        .is_some_and(|c| is_error_code(&c));
    Ok(Span {
        trace_id,
        span_id,
        parent_span_id: parent(span.parent_span_id.as_deref()),
        name: t.text(span.name.as_deref().unwrap_or_default()),
        kind,
        start_unix_nanos: start,
        duration_nanos: start.zip(end).and_then(|(s, e)| e.checked_sub(s)),
        status_error,
        attributes: attributes(span.attributes, t),
        resource: resource.clone(),
    })
}

/// Microseconds (Jaeger v1, Zipkin) as nanoseconds.
fn micros_as_nanos(micros: Option<Scalar>) -> Option<u64> {
    micros
        .and_then(|m| m.as_u64())
        .map(|m| m.saturating_mul(1000))
}

/// OTLP `STATUS_CODE_ERROR` in any spelling (`2`, `STATUS_CODE_ERROR`, `ERROR`).
fn is_error_code(text: &str) -> bool {
    let t = text.trim().to_ascii_uppercase();
    t == "2" || t == "STATUS_CODE_ERROR" || t == "ERROR"
}

fn id(
    text: Option<&str>,
    what: &str,
    normalize: fn(&str) -> Option<HexId>,
) -> Result<HexId, String> {
    let text = text.ok_or(format!("it has no {what}"))?;
    normalize(text).ok_or_else(|| format!("its {what} {text:?} is neither hex nor base64"))
}

/// A parent id; empty, unreadable and all-zero ids mean "no parent".
fn parent(text: Option<&str>) -> Option<HexId> {
    normalize_span_id(text?).filter(|id| id.bytes().any(|b| b != b'0'))
}

// ---------------------------------------------------------------------------
// Tempo search

#[derive(Deserialize)]
struct TempoHit<'a> {
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default, rename = "rootServiceName")]
    root_service_name: Option<String>,
    #[serde(default, rename = "rootTraceName")]
    root_trace_name: Option<String>,
    #[serde(default, rename = "startTimeUnixNano")]
    start: Option<Scalar>,
    #[serde(default, rename = "durationMs")]
    duration_ms: Option<Scalar>,
    #[serde(borrow, default, rename = "spanSet")]
    span_set: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "spanSets")]
    span_sets: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct TempoSpanSet<'a> {
    #[serde(borrow, default)]
    spans: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct TempoSearchSpan<'a> {
    #[serde(default, rename = "spanID")]
    span_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "startTimeUnixNano")]
    start: Option<Scalar>,
    #[serde(default, rename = "durationNanos")]
    duration: Option<Scalar>,
    #[serde(default, borrow)]
    attributes: Option<Vec<KeyValue<'a>>>,
}

fn search_hit(hit: TempoHit<'_>, index: usize, w: &mut Warnings, t: &mut Interner) -> SearchHit {
    let here = format!("traces[{index}]");
    let trace_id = hit.trace_id.as_deref().and_then(normalize_trace_id);
    if trace_id.is_none() {
        w.push(format_args!("{here} has no readable traceID"));
    }
    let trace_id = trace_id.unwrap_or_default();
    let sets = hit.span_sets.into_iter().flatten().chain(hit.span_set);
    let resource = Arc::new(Resource::default());
    let mut spans: Vec<Span> = Vec::new();
    for (i, set) in sets.enumerate() {
        let Some(set) = part::<TempoSpanSet<'_>>(set, &format!("{here}.spanSets[{i}]"), w) else {
            continue;
        };
        for (j, raw) in set.spans.into_iter().flatten().enumerate() {
            let where_ = format!("{here}.spanSets[{i}].spans[{j}]");
            let Some(s) = part::<TempoSearchSpan>(raw, &where_, w) else {
                continue;
            };
            let Some(span_id) = s.span_id.as_deref().and_then(normalize_span_id) else {
                w.push(format_args!("{where_} has no readable spanID"));
                continue;
            };
            Span::push_matched(
                &mut spans,
                trace_id,
                span_id,
                t.text(s.name.as_deref().unwrap_or_default()),
                (
                    s.start.and_then(|v| v.as_u64()),
                    s.duration.and_then(|v| v.as_u64()),
                ),
                attributes(s.attributes, t),
                &resource,
            );
        }
    }
    SearchHit {
        trace_id: trace_id.to_string(),
        root_service_name: hit.root_service_name,
        root_trace_name: hit.root_trace_name,
        start_unix_nanos: hit.start.and_then(|v| v.as_u64()),
        duration_ms: hit.duration_ms.and_then(|v| v.as_u64()),
        spans,
    }
}

// ---------------------------------------------------------------------------
// Jaeger v1

#[derive(Deserialize)]
struct V1Trace<'a> {
    #[serde(borrow, default)]
    spans: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    processes: Option<BTreeMap<String, &'a RawValue>>,
}

#[derive(Deserialize)]
struct V1Process {
    #[serde(default, rename = "serviceName")]
    service_name: Option<String>,
    #[serde(default)]
    tags: Option<Vec<V1Tag>>,
}

#[derive(Deserialize)]
struct V1Span {
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default, rename = "spanID")]
    span_id: Option<String>,
    /// Old answers carry the parent here instead of in `references`.
    #[serde(default, rename = "parentSpanID")]
    parent_span_id: Option<String>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    references: Option<Vec<V1Reference>>,
    #[serde(default, rename = "startTime")]
    start_micros: Option<Scalar>,
    #[serde(default)]
    duration: Option<Scalar>,
    #[serde(default)]
    tags: Option<Vec<V1Tag>>,
    #[serde(default, rename = "processID")]
    process_id: Option<String>,
    /// Some answers embed the process instead of referring to `processes`.
    #[serde(default)]
    process: Option<V1Process>,
}

#[derive(Deserialize)]
struct V1Reference {
    #[serde(default, rename = "refType")]
    ref_type: Option<String>,
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default, rename = "spanID")]
    span_id: Option<String>,
}

#[derive(Deserialize)]
struct V1Tag {
    key: String,
    #[serde(default)]
    value: Option<Scalar>,
}

fn v1_tags(tags: Option<Vec<V1Tag>>, t: &mut Interner) -> Vec<(Text, Text)> {
    tags.unwrap_or_default()
        .into_iter()
        .filter_map(|tag| Some((t.text(&tag.key), t.text(&tag.value?.0?))))
        .collect()
}

fn v1_resource(process: V1Process, t: &mut Interner) -> Resource {
    Resource {
        service_name: process
            .service_name
            .filter(|s| !s.is_empty())
            .map(|s| t.text(&s)),
        attributes: v1_tags(process.tags, t),
    }
}

fn v1_trace(
    trace: V1Trace<'_>,
    what: &str,
    out: &mut Vec<Span>,
    w: &mut Warnings,
    t: &mut Interner,
) {
    let mut processes: BTreeMap<String, Arc<Resource>> = BTreeMap::new();
    for (id, raw) in trace.processes.unwrap_or_default() {
        if let Some(p) = part::<V1Process>(raw, format_args!("{what}.processes.{id}"), w) {
            processes.insert(id, Arc::new(v1_resource(p, t)));
        }
    }
    let no_process = Arc::new(Resource::default());
    for (i, raw) in trace.spans.unwrap_or_default().iter().enumerate() {
        let here = format!("{what}.spans[{i}]");
        let Some(span) = part::<V1Span>(raw, &here, w) else {
            continue;
        };
        let resource = match (span.process, &span.process_id) {
            (Some(p), _) => Arc::new(v1_resource(p, t)),
            (None, Some(id)) => match processes.get(id) {
                Some(r) => r.clone(),
                None => {
                    w.push(format_args!("{here} names the unknown process {id:?}"));
                    no_process.clone()
                }
            },
            (None, None) => no_process.clone(),
        };
        let built = (|| {
            let trace_id = id(span.trace_id.as_deref(), "trace id", normalize_trace_id)?;
            let span_id = id(span.span_id.as_deref(), "span id", normalize_span_id)?;
            let refs = span.references.unwrap_or_default();
            // The parent is the first CHILD_OF reference in the same trace.
            let parent_span_id = refs
                .iter()
                .filter(|r| r.ref_type.as_deref().unwrap_or("CHILD_OF") == "CHILD_OF")
                .find(|r| {
                    r.trace_id
                        .as_deref()
                        .and_then(normalize_trace_id)
                        .is_none_or(|t| t == trace_id)
                })
                .and_then(|r| parent(r.span_id.as_deref()))
                .or_else(|| parent(span.parent_span_id.as_deref()));
            let attributes = v1_tags(span.tags, t);
            let tag = |k: &str| {
                attributes
                    .iter()
                    .find(|(key, _)| &**key == k)
                    .map(|(_, v)| &**v)
            };
            let kind = tag("span.kind")
                .and_then(SpanKind::parse)
                .unwrap_or(SpanKind::Unspecified);
            let status_error = tag("error").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || tag("otel.status_code").is_some_and(is_error_code);
            Ok::<_, String>(Span {
                trace_id,
                span_id,
                parent_span_id,
                name: t.text(span.operation_name.as_deref().unwrap_or_default()),
                kind,
                start_unix_nanos: micros_as_nanos(span.start_micros),
                duration_nanos: micros_as_nanos(span.duration),
                status_error,
                attributes,
                resource,
            })
        })();
        match built {
            Ok(span) => out.push(span),
            Err(reason) => w.push(format_args!("{here} was skipped: {reason}")),
        }
    }
}

// ---------------------------------------------------------------------------
// Zipkin v2

#[derive(Deserialize)]
struct ZipkinSpan {
    #[serde(default, rename = "traceId")]
    trace_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "parentId")]
    parent_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// Microseconds.
    #[serde(default)]
    timestamp: Option<Scalar>,
    /// Microseconds.
    #[serde(default)]
    duration: Option<Scalar>,
    #[serde(default, rename = "localEndpoint")]
    local_endpoint: Option<ZipkinEndpoint>,
    #[serde(default)]
    tags: Option<BTreeMap<String, Scalar>>,
}

#[derive(Deserialize)]
struct ZipkinEndpoint {
    #[serde(default, rename = "serviceName")]
    service_name: Option<String>,
}

/// A Zipkin v2 list of spans, or a list of such lists. A list none of whose
/// items is a span is an error (it is no Zipkin answer).
fn zipkin(
    bytes: &[u8],
    source_name: &str,
    out: &mut Vec<Span>,
    w: &mut Warnings,
    t: &mut Interner,
) -> Result<(), TracesError> {
    let list: Vec<&RawValue> =
        serde_json::from_slice(bytes).map_err(|e| json_error(&e, bytes, source_name))?;
    let mut items: Vec<(String, &RawValue)> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        if raw.get().starts_with('[') {
            let inner: Vec<&RawValue> = part(raw, format_args!("[{i}]"), w).unwrap_or_default();
            items.extend(
                inner
                    .into_iter()
                    .enumerate()
                    .map(|(j, r)| (format!("[{i}][{j}]"), r)),
            );
        } else {
            items.push((format!("[{i}]"), raw));
        }
    }
    let mut read = 0usize;
    let mut resources: BTreeMap<Option<String>, Arc<Resource>> = BTreeMap::new();
    for (here, raw) in &items {
        if !raw.get().starts_with('{') {
            continue;
        }
        let Some(span) = part::<ZipkinSpan>(raw, format_args!("span {here}"), w) else {
            continue;
        };
        read += 1;
        let service = span.local_endpoint.and_then(|e| e.service_name);
        let resource = resources
            .entry(service.clone())
            .or_insert_with(|| {
                Arc::new(Resource {
                    service_name: service.filter(|s| !s.is_empty()).map(|s| t.text(&s)),
                    attributes: Vec::new(),
                })
            })
            .clone();
        let built = (|| {
            let trace_id = id(span.trace_id.as_deref(), "trace id", normalize_trace_id)?;
            let span_id = id(span.id.as_deref(), "span id", normalize_span_id)?;
            let attributes: Vec<(Text, Text)> = span
                .tags
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| Some((t.text(&k), t.text(&v.0?))))
                .collect();
            // Zipkin marks a failed span by the presence of an `error` tag.
            let status_error = attributes.iter().any(|(k, _)| &**k == "error");
            let kind = match span.kind.as_deref() {
                Some(k) => SpanKind::parse(k).ok_or(format!("unknown span kind {k:?}"))?,
                None => SpanKind::Unspecified,
            };
            Ok::<_, String>(Span {
                trace_id,
                span_id,
                parent_span_id: parent(span.parent_id.as_deref()),
                name: t.text(span.name.as_deref().unwrap_or_default()),
                kind,
                start_unix_nanos: micros_as_nanos(span.timestamp),
                duration_nanos: micros_as_nanos(span.duration),
                status_error,
                attributes,
                resource,
            })
        })();
        match built {
            Ok(span) => out.push(span),
            Err(reason) => w.push(format_args!("span {here} was skipped: {reason}")),
        }
    }
    if read == 0 && !items.is_empty() {
        return Err(TracesError::Decode {
            source_name: source_name.to_string(),
            location: None,
            reason: "a traces answer is a JSON object (Jaeger, Tempo or OTLP), a list of Zipkin v2 spans or OTLP protobuf, not an array without a single span".into(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Scalars in any spelling

/// A JSON scalar as text (`"200"`, `200`, `true` → `"true"`), `None` for null;
/// arrays and objects are skipped as `None` without failing.
struct Scalar(Option<String>);

/// [`Scalar`] borrowed from the answer when it is an unescaped string.
struct ScalarText<'a>(Option<Cow<'a, str>>);

impl Scalar {
    fn as_u64(&self) -> Option<u64> {
        let t = self.0.as_deref()?.trim();
        t.parse::<u64>().ok().or_else(|| {
            t.parse::<f64>()
                .ok()
                .filter(|f| *f >= 0.0)
                .map(|f| f as u64)
        })
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserializer.deserialize_any(ScalarVisitor)?;
        Ok(Scalar(text.map(Cow::into_owned)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ScalarText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(ScalarText(deserializer.deserialize_any(ScalarVisitor)?))
    }
}

/// Reads any JSON scalar as text, borrowing an unescaped string.
struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON scalar")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn only_json_objects_are_answers() {
        for text in ["[1,2,3]", " 42", "\"x\"", "null", "{\"data\":[]} [1]"] {
            let e = decode(text.as_bytes(), "t.json").unwrap_err();
            assert!(e.to_string().contains("t.json"), "{text}: {e}");
        }
        assert!(decode(b"  {\"data\":[]}", "t.json").is_ok());
    }

    #[test]
    fn a_scalar_names_itself_in_type_errors() {
        // serde_json hands the visitor every JSON type; another deserializer
        // (bytes) gets the type error, which says what was expected.
        let bytes = serde::de::value::BytesDeserializer::<serde::de::value::Error>::new(b"\x01");
        let e = Scalar::deserialize(bytes)
            .err()
            .expect("bytes are no scalar");
        assert_eq!(
            e.to_string(),
            "invalid type: byte array, expected a JSON scalar"
        );
    }
}

#[cfg(test)]
mod any_value_tests {
    use super::*;

    fn text(json: &str) -> Result<Option<String>, serde_json::Error> {
        serde_json::from_str::<AnyValue>(json).map(|v| v.into_text().map(Cow::into_owned))
    }

    #[test]
    fn the_first_field_in_declared_order_with_text_wins() {
        let cases = [
            (r#"{"intValue":"5","stringValue":"x"}"#, Some("x")),
            (r#"{"stringValue":null,"intValue":3}"#, Some("3")),
            (r#"{"doubleValue":0.5,"boolValue":true}"#, Some("true")),
            (
                r#"{"arrayValue":{"values":[]},"doubleValue":1.5}"#,
                Some("1.5"),
            ),
            (r#"{"kvlistValue":{}}"#, None),
            (r#"{}"#, None),
            (r#"["x", 3]"#, Some("x")),
            (r#"[null, 3]"#, Some("3")),
        ];
        for (json, expected) in cases {
            assert_eq!(text(json).unwrap().as_deref(), expected, "{json}");
        }
    }

    #[test]
    fn unescaped_text_is_borrowed_and_escaped_text_owned() {
        let plain: KeyValue<'_> =
            serde_json::from_str(r#"{"key":"http.url","value":{"stringValue":"/a"}}"#).unwrap();
        assert!(matches!(plain.key, Cow::Borrowed("http.url")));
        assert!(matches!(
            plain.value.and_then(AnyValue::into_text),
            Some(Cow::Borrowed("/a"))
        ));
        let escaped: KeyValue<'_> =
            serde_json::from_str(r#"{"key":"a\u0062","value":{"intValue":7}}"#).unwrap();
        assert_eq!(escaped.key, "ab");
        assert!(matches!(escaped.key, Cow::Owned(_)));
        assert_eq!(
            escaped.value.and_then(AnyValue::into_text).as_deref(),
            Some("7")
        );
    }

    #[test]
    fn a_repeated_field_is_an_error_as_before() {
        let e = text(r#"{"stringValue":"a","stringValue":"b"}"#).unwrap_err();
        assert!(
            e.to_string().contains("duplicate field `stringValue`"),
            "{e}"
        );
        assert!(text("3").is_err());
    }
}

#[cfg(test)]
mod dedupe_tests {
    use super::*;
    use proptest::prelude::*;

    fn span(trace: u8, id: u8, kind: SpanKind, start: Option<u64>, tag: usize) -> Span {
        Span {
            trace_id: crate::normalize_trace_id(&format!("{trace:032x}")).unwrap(),
            span_id: crate::normalize_span_id(&format!("{id:016x}")).unwrap(),
            parent_span_id: None,
            name: "GET".into(),
            kind,
            start_unix_nanos: start,
            duration_nanos: None,
            status_error: false,
            // Not part of the identity: tells which of two equal spans was kept.
            attributes: vec![("position".into(), tag.to_string().into())],
            resource: Default::default(),
        }
    }

    proptest! {
        /// The first span of each identity is kept, in input order, as a set
        /// of identities filled in input order would decide.
        #[test]
        fn keeps_the_first_of_each_identity_in_order(
            picks in proptest::collection::vec((0u8..3, 0u8..3, any::<bool>(), prop::option::of(0u64..2)), 0..40)
        ) {
            let spans: Vec<Span> = picks
                .iter()
                .enumerate()
                .map(|(i, &(t, id, server, start))| {
                    let kind = if server { SpanKind::Server } else { SpanKind::Client };
                    span(t, id, kind, start, i)
                })
                .collect();
            let mut seen = std::collections::HashSet::new();
            let expected: Vec<Span> =
                spans.iter().filter(|s| seen.insert(s.identity())).cloned().collect();
            let mut got = spans.clone();
            dedupe(&mut got);
            prop_assert_eq!(got, expected);
        }
    }
}
