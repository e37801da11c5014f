//! OTLP protobuf, OTLP JSON lines, Jaeger v1 and Zipkin v2 files read into the
//! same spans and calls; the protobuf fixtures are the JSON captures
//! converted (`MESHGRAPH_BLESS=1` rewrites them); bad protobuf gives an error
//! naming the file or a warning per bad part.

mod common;

use common::formats::{jaeger_v1, otlp_json_lines, zipkin_v2};
use common::*;
use meshgraph_traces::{
    Format, Span, TraceCall, TraceEvidence, TracePeer, decode, encode_protobuf,
    encode_tempo_search, read_file, traces_data,
};
use opentelemetry_proto::tonic::trace::v1::{ScopeSpans, TracesData};
use prost::Message;

/// The generated Istio 1.26-style ambient trace (see tests/fixtures/traces/SOURCE.md).
const WAYPOINT_1_26: &str = "generated-istio-1.26-waypoint-traces.json";

fn binpb_name(json: &str) -> String {
    format!("{}.binpb", json.trim_end_matches(".json"))
}

fn spans_of(bytes: &[u8]) -> Vec<Span> {
    let decoded = decode(bytes, "test").unwrap();
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    decoded.spans
}

type Edge = (String, String, TraceEvidence, u64, u64);

fn edges(calls: &[TraceCall]) -> Vec<Edge> {
    edge_set(calls)
}

fn file_with(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The committed `.binpb` files are exactly the JSON captures converted.
#[test]
fn protobuf_fixtures_are_the_json_captures_converted() {
    for json in [TEMPO_SIDECAR_TRACE, JAEGER_V3_HOTROD, WAYPOINT_1_26] {
        let converted = encode_protobuf(&spans_of(&fixture(json)));
        let target = fixture_path(json).with_file_name(binpb_name(json));
        bless_if_asked(&target, &converted);
        assert_eq!(
            fixture(&binpb_name(json)),
            converted,
            "{} is not {json} converted: run with MESHGRAPH_BLESS=1 to rewrite it",
            target.display()
        );
    }
}

/// Kiali's Tempo search capture as Tempo's protobuf `SearchResponse`.
#[test]
fn the_protobuf_search_fixture_is_the_json_capture_converted() {
    let decoded = decode(&fixture(TEMPO_AMBIENT_SEARCH), "search").unwrap();
    assert_eq!(decoded.search.len(), 1);
    let converted = encode_tempo_search(&decoded.search);
    let name = binpb_name(TEMPO_AMBIENT_SEARCH);
    bless_if_asked(
        &fixture_path(TEMPO_AMBIENT_SEARCH).with_file_name(&name),
        &converted,
    );
    assert_eq!(
        fixture(&name),
        converted,
        "{name} is not the search capture converted: run with MESHGRAPH_BLESS=1 to rewrite it"
    );
}

#[test]
fn protobuf_gives_the_spans_of_the_json_it_came_from() {
    for json in [TEMPO_SIDECAR_TRACE, JAEGER_V3_HOTROD, WAYPOINT_1_26] {
        let from_json = spans_of(&fixture(json));
        let decoded = decode(&fixture(&binpb_name(json)), "pb").unwrap();
        assert_eq!(decoded.format, Format::OtlpProtobuf);
        assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
        assert!(!from_json.is_empty());
        assert_eq!(decoded.spans, from_json, "{json}");
    }
}

#[test]
fn a_protobuf_file_gives_the_calls_of_its_json_capture() {
    let from_json = read_file(&fixture_path(TEMPO_SIDECAR_TRACE)).unwrap();
    let from_pb = read_file(&fixture_path(&binpb_name(TEMPO_SIDECAR_TRACE))).unwrap();
    assert_eq!(from_pb.stats.api.as_deref(), Some("otlp-protobuf"));
    assert_eq!(edges(&from_pb.calls), edges(&from_json.calls));
    assert_eq!(from_pb.calls.len(), 4);
    assert_eq!(
        (from_pb.stats.traces, from_pb.stats.spans),
        (from_json.stats.traces, from_json.stats.spans)
    );
}

/// A stream of `TracesData`, each preceded by its length, is told apart
/// from one message by its bytes, whatever the file is called.
#[test]
fn length_delimited_streams_are_detected() {
    let spans = spans_of(&fixture(JAEGER_V3_HOTROD));
    let mut stream = Vec::new();
    for chunk in spans.chunks(7) {
        traces_data(chunk)
            .encode_length_delimited(&mut stream)
            .unwrap();
    }
    let decoded = decode(&stream, "spans.json").unwrap();
    assert_eq!(decoded.format, Format::OtlpProtobuf);
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    assert_eq!(decoded.spans, spans);

    // Cut in the middle of the last message: the complete ones are used.
    let cut = &stream[..stream.len() - 20];
    let decoded = decode(cut, "spans.binpb").unwrap();
    assert_eq!(decoded.spans.len(), 35, "the last message holds 5 spans");
    assert_eq!(decoded.spans[..], spans[..35]);
    assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    assert!(
        decoded.warnings[0].starts_with("spans.binpb: the length-delimited stream is truncated"),
        "{:?}",
        decoded.warnings
    );
}

/// `spans` in chunks of `per_message`, each `TracesData` preceded by its
/// length as the OpenTelemetry Collector's file exporter writes it with
/// `format: proto`: 4 bytes, big-endian.
fn collector_file(spans: &[Span], per_message: usize) -> Vec<u8> {
    let mut file = Vec::new();
    for chunk in spans.chunks(per_message) {
        let message = traces_data(chunk).encode_to_vec();
        file.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
        file.extend_from_slice(&message);
    }
    file
}

/// What the Collector's file exporter writes: 4-byte lengths, not varints.
#[test]
fn the_collector_file_exporters_4_byte_lengths_are_read() {
    let spans = spans_of(&fixture(JAEGER_V3_HOTROD));
    let file = collector_file(&spans, 7);
    let decoded = decode(&file, "spans.binpb").unwrap();
    assert_eq!(decoded.format, Format::OtlpProtobuf);
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    assert_eq!(decoded.spans, spans);

    let cut = &file[..file.len() - 20];
    let decoded = decode(cut, "spans.binpb").unwrap();
    assert_eq!(decoded.spans[..], spans[..35]);
    assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    assert!(
        decoded.warnings[0].starts_with(
            "spans.binpb: the stream of 4-byte length-prefixed messages is truncated: the message at byte"
        ),
        "{:?}",
        decoded.warnings
    );
}

/// A framed file is read one message at a time: a file larger than the cap
/// on one answer is read when each of its messages is under it, and every
/// file gives what decoding its bytes as one answer gives, including
/// damaged ones (which are then read whole).
#[test]
fn framed_files_are_read_one_message_at_a_time_with_the_answers_result() {
    let spans = spans_of(&fixture(JAEGER_V3_HOTROD));
    let dir = tempfile::tempdir().unwrap();
    let mut varint_file = Vec::new();
    for chunk in spans.chunks(7) {
        traces_data(chunk)
            .encode_length_delimited(&mut varint_file)
            .unwrap();
    }
    assert!(
        varint_file[0] >= 0x80,
        "a first message of 128 bytes or more"
    );
    let collector = collector_file(&spans, 7);
    let largest_message = spans
        .chunks(7)
        .map(|c| traces_data(c).encode_to_vec().len() as u64)
        .max()
        .unwrap();
    for (name, bytes) in [
        ("varint.binpb", &varint_file),
        ("collector.binpb", &collector),
    ] {
        let path = file_with(&dir, name, bytes);
        let streamed = meshgraph_traces::decode_file(&path, largest_message).unwrap();
        assert!(
            (bytes.len() as u64) > largest_message * 3,
            "the file is larger than the cap"
        );
        assert_eq!(streamed.spans, spans, "{name}");
        assert!(streamed.warnings.is_empty(), "{:?}", streamed.warnings);
        // One message over the cap: the whole file is read, and refused.
        let refused = meshgraph_traces::decode_file(&path, largest_message - 1).unwrap_err();
        assert!(refused.to_string().contains("larger than the"), "{refused}");
    }
    // Damaged or other files: the same as the answer's decoding.
    let single = traces_data(&spans).encode_to_vec();
    let lines = otlp_json_lines(&spans);
    let mut not_traces = collector.clone();
    not_traces.extend_from_slice(&[0, 0, 0, 2, 0x08, 0x01]);
    let cases: [(&str, &[u8]); 6] = [
        ("single.binpb", &single),
        ("cut-varint.binpb", &varint_file[..varint_file.len() - 20]),
        ("cut-collector.binpb", &collector[..collector.len() - 20]),
        ("cut-length.binpb", &collector[..collector.len() - 2]),
        ("not-traces.binpb", &not_traces),
        ("spans.jsonl", lines.as_bytes()),
    ];
    for (name, bytes) in cases {
        let path = file_with(&dir, name, bytes);
        let from_file = meshgraph_traces::decode_file(&path, 1 << 30).unwrap();
        let answer = decode(bytes, &path.display().to_string()).unwrap();
        assert_eq!(from_file.spans, answer.spans, "{name}");
        assert_eq!(from_file.warnings, answer.warnings, "{name}");
        assert_eq!(from_file.format, answer.format, "{name}");
    }
}

/// One `TracesData` cut short: the complete resource spans before the cut.
#[test]
fn a_truncated_single_message_gives_the_resources_before_the_cut() {
    let spans = spans_of(&fixture(JAEGER_V3_HOTROD));
    let data = traces_data(&spans);
    let whole = data.encode_to_vec();
    let last = data.resource_spans.last().unwrap();
    let kept: usize = data.resource_spans[..data.resource_spans.len() - 1]
        .iter()
        .map(|rs| rs.scope_spans[0].spans.len())
        .sum();
    let cut = &whole[..whole.len() - last.encoded_len() / 2];
    let decoded = decode(cut, "cut.binpb").unwrap();
    assert_eq!(decoded.spans[..], spans[..kept]);
    assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    assert!(
        decoded.warnings[0].starts_with("cut.binpb: the message is truncated at byte "),
        "{:?}",
        decoded.warnings
    );
}

#[test]
fn otlp_json_lines_and_zipkin_and_jaeger_files_are_recognised_by_content() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let dir = tempfile::tempdir().unwrap();
    let expected = edges(&read_file(&fixture_path(TEMPO_SIDECAR_TRACE)).unwrap().calls);
    for (name, bytes, api) in [
        ("export.jsonl", otlp_json_lines(&spans).into_bytes(), "otlp"),
        // Names that lie about the content.
        (
            "download.binpb",
            jaeger_v1(&spans).to_string().into_bytes(),
            "jaeger-v1",
        ),
        (
            "zipkin.txt",
            zipkin_v2(&spans).to_string().into_bytes(),
            "zipkin-v2",
        ),
        ("otlp.json", encode_protobuf(&spans), "otlp-protobuf"),
    ] {
        let read = read_file(&file_with(&dir, name, &bytes)).unwrap();
        assert_eq!(read.stats.api.as_deref(), Some(api), "{name}");
        assert_eq!(edges(&read.calls), expected, "{name}");
        assert!(read.warnings.is_empty(), "{name}: {:?}", read.warnings);
    }
}

#[test]
fn an_unreadable_line_of_a_json_lines_file_is_a_warning() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let mut lines = otlp_json_lines(&spans);
    let whole = lines.len();
    // A line cut short by a crash, then one more good line.
    let last_line = lines.trim_end().rsplit('\n').next().unwrap().to_string();
    lines.truncate(whole - last_line.len() / 2);
    lines.push('\n');
    lines.push_str(&last_line);
    lines.push('\n');
    let decoded = decode(lines.as_bytes(), "export.jsonl").unwrap();
    assert_eq!(decoded.format, Format::Otlp);
    assert_eq!(decoded.spans, spans, "the cut line is read again in full");
    assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    assert!(
        decoded.warnings[0].starts_with("export.jsonl: the line at byte ")
            && decoded.warnings[0].contains("unreadable and was skipped"),
        "{:?}",
        decoded.warnings
    );
}

#[test]
fn protobuf_of_another_message_type_is_an_error_naming_the_file() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let data = traces_data(&spans);
    // A bare Span, and a ScopeSpans, where a TracesData was expected.
    let span = data.resource_spans[0].scope_spans[0].spans[0].encode_to_vec();
    let scope = data.resource_spans[0].scope_spans[0].encode_to_vec();
    for (what, bytes) in [("span", span), ("scope", scope)] {
        let e = decode(&bytes, "wrong.binpb").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("wrong.binpb"), "{what}: {text}");
        assert!(
            text.contains("TracesData") || text.contains("neither JSON nor OTLP"),
            "{what}: {text}"
        );
    }
    // Random bytes.
    let e = decode(&[0xff, 0xfe, 0x00, 0x17, 0x99], "noise.pb").unwrap_err();
    assert!(e.to_string().contains("noise.pb"), "{e}");
}

#[test]
fn spans_with_empty_or_32_byte_ids_are_warnings_and_the_rest_is_used() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let mut data = traces_data(&spans);
    let list = &mut data.resource_spans[0].scope_spans[0].spans;
    let good = list[0].clone();
    let mut empty_trace = good.clone();
    empty_trace.trace_id.clear();
    let mut hex_span_id = good.clone();
    hex_span_id.span_id = b"0123456789abcdef0123456789abcdef".to_vec();
    let mut hex_trace_id = good.clone();
    hex_trace_id.trace_id =
        b"3ba55609c3cde49649cd77d1f9dcd9363ba55609c3cde49649cd77d1f9dcd936"[..32].to_vec();
    list.extend([empty_trace, hex_span_id, hex_trace_id]);
    let decoded = decode(&data.encode_to_vec(), "ids.binpb").unwrap();
    assert_eq!(decoded.spans, spans);
    assert_eq!(decoded.warnings.len(), 3, "{:?}", decoded.warnings);
    assert!(decoded.warnings[0].contains("its trace id is 0 bytes, not 16"));
    assert!(decoded.warnings[1].contains("its span id is 32 bytes, not 8"));
    assert!(
        decoded.warnings[2]
            .contains("its trace id is 32 bytes, not 16 (hex text written as bytes)")
    );
    for w in &decoded.warnings {
        assert!(
            w.starts_with("ids.binpb: resourceSpans[0].scopeSpans[0].spans["),
            "{w}"
        );
    }
}

/// `ResourceSpans` as OTLP wrote it before 0.19: spans under field 1000.
#[derive(Clone, PartialEq, Message)]
struct LegacyResourceSpans {
    #[prost(message, optional, tag = "1")]
    resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
    #[prost(message, repeated, tag = "1000")]
    instrumentation_library_spans: Vec<ScopeSpans>,
}

#[derive(Clone, PartialEq, Message)]
struct LegacyTracesData {
    #[prost(message, repeated, tag = "1")]
    resource_spans: Vec<LegacyResourceSpans>,
}

#[test]
fn a_file_mixing_otlp_versions_is_read_whole() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let data = traces_data(&spans);
    let (old, new) = data.resource_spans.split_at(2);
    let legacy = LegacyTracesData {
        resource_spans: old
            .iter()
            .map(|rs| LegacyResourceSpans {
                resource: rs.resource.clone(),
                instrumentation_library_spans: rs.scope_spans.clone(),
            })
            .collect(),
    };
    // One message holding both versions' resources.
    let mut bytes = legacy.encode_to_vec();
    TracesData {
        resource_spans: new.to_vec(),
    }
    .encode(&mut bytes)
    .unwrap();
    let decoded = decode(&bytes, "mixed.binpb").unwrap();
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    assert_eq!(decoded.spans, spans);

    // And in JSON lines: an `instrumentationLibrarySpans` line, then a current one.
    let lines = otlp_json_lines(&spans);
    let (first, rest) = lines.split_once('\n').unwrap();
    let old_style = first.replace("\"scopeSpans\"", "\"instrumentationLibrarySpans\"");
    let decoded = decode(format!("{old_style}\n{rest}").as_bytes(), "mixed.jsonl").unwrap();
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    assert_eq!(decoded.spans, spans);
}

/// Spans kept as raw bytes, to put a broken one among good ones.
#[derive(Clone, PartialEq, Message)]
struct RawScopeSpans {
    #[prost(bytes = "vec", repeated, tag = "2")]
    spans: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
struct RawResourceSpans {
    #[prost(message, optional, tag = "1")]
    resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
    #[prost(message, repeated, tag = "2")]
    scope_spans: Vec<RawScopeSpans>,
}

#[derive(Clone, PartialEq, Message)]
struct RawTracesData {
    #[prost(message, repeated, tag = "1")]
    resource_spans: Vec<RawResourceSpans>,
}

#[test]
fn a_span_that_is_not_readable_protobuf_is_one_warning() {
    let spans = spans_of(&fixture(TEMPO_SIDECAR_TRACE));
    let data = traces_data(&spans);
    let raw = RawTracesData {
        resource_spans: data
            .resource_spans
            .iter()
            .enumerate()
            .map(|(i, rs)| {
                let mut list: Vec<Vec<u8>> = rs.scope_spans[0]
                    .spans
                    .iter()
                    .map(|s| s.encode_to_vec())
                    .collect();
                if i == 0 {
                    // A span whose name is not UTF-8: prost refuses it.
                    let good = &rs.scope_spans[0].spans[0];
                    let mut broken = good.encode_to_vec();
                    let at = broken
                        .windows(good.name.len())
                        .position(|w| w == good.name.as_bytes())
                        .unwrap();
                    broken[at] = 0xff;
                    list.insert(0, broken);
                }
                RawResourceSpans {
                    resource: rs.resource.clone(),
                    scope_spans: vec![RawScopeSpans { spans: list }],
                }
            })
            .collect(),
    };
    let decoded = decode(&raw.encode_to_vec(), "broken.binpb").unwrap();
    assert_eq!(decoded.spans, spans);
    assert_eq!(decoded.warnings.len(), 1, "{:?}", decoded.warnings);
    assert!(
        decoded.warnings[0]
            .starts_with("broken.binpb: resourceSpans[0].scopeSpans[0].spans[0] is unreadable"),
        "{:?}",
        decoded.warnings
    );
}

/// The generated Istio 1.26-style ambient traces give their waypoint calls,
/// from OTLP JSON, OTLP protobuf, Jaeger v1 JSON and Zipkin v2 JSON alike.
#[test]
fn waypoint_calls_of_istio_1_26_are_the_same_in_every_format() {
    let spans = spans_of(&fixture(WAYPOINT_1_26));
    let waypoint = |source: &str, service: &str, n: u64| -> Edge {
        (
            source.into(),
            format!("service bookinfo/{service}"),
            TraceEvidence::Waypoint,
            n,
            0,
        )
    };
    let expected = vec![
        waypoint("bookinfo/productpage-v1", "details", 1),
        waypoint("bookinfo/productpage-v1", "reviews", 1),
        waypoint("istio-system/istio-ingressgateway", "productpage", 2),
        waypoint("unknown", "ratings", 1),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("otlp.json", fixture(WAYPOINT_1_26)),
        ("otlp.binpb", fixture(&binpb_name(WAYPOINT_1_26))),
        ("otlp.jsonl", otlp_json_lines(&spans).into_bytes()),
        ("jaeger.json", jaeger_v1(&spans).to_string().into_bytes()),
        ("zipkin.json", zipkin_v2(&spans).to_string().into_bytes()),
    ] {
        let read = read_file(&file_with(&dir, name, &bytes)).unwrap();
        assert_eq!(edges(&read.calls), expected, "{name}");
        assert!(
            read.warnings.iter().any(|w| w
                .starts_with("1 waypoint span(s) name their destination service but no caller")),
            "{name}: {:?}",
            read.warnings
        );
        let unknown = read
            .calls
            .iter()
            .find(|c| c.source == TracePeer::Unknown)
            .unwrap();
        assert_eq!(unknown.trace_ids, ["4bf92f3577b34da6a3ce929d0e0e4736"]);
    }
}
