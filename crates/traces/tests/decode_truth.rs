//! The decoder against expectations written by hand from small answers in the
//! shapes real backends write (issue 19): each test pins one rule that
//! cargo-mutants showed no other test checked.

use meshgraph_traces::{Decoded, Format, SpanKind, TracesError, decode, decode_protobuf};

const TRACE: &str = "5b8efff798038103d269b633813fc60c";

fn span_ids_and_kinds(d: &Decoded) -> Vec<(&str, SpanKind)> {
    d.spans
        .iter()
        .map(|s| (s.span_id.as_str(), s.kind))
        .collect()
}

#[test]
fn after_ten_warnings_the_rest_are_counted_in_one_line() {
    // Twelve v1 spans without a spanID: ten are listed, the other two counted.
    let spans: Vec<String> = (1..=12)
        .map(|i| format!(r#"{{"traceID":"{TRACE}","operationName":"op{i}","processID":"p1"}}"#))
        .collect();
    let answer = format!(
        r#"{{"data":[{{"traceID":"{TRACE}","spans":[{}],"processes":{{"p1":{{"serviceName":"reviews.bookinfo","tags":[]}}}}}}],"total":0,"limit":0,"offset":0,"errors":null}}"#,
        spans.join(",")
    );
    let d = decode(answer.as_bytes(), "jaeger").unwrap();
    assert!(d.spans.is_empty());
    assert_eq!(d.warnings.len(), 11, "{:#?}", d.warnings);
    assert_eq!(
        d.warnings[0],
        "jaeger: data[0].spans[0] was skipped: it has no span id"
    );
    assert_eq!(
        d.warnings[9],
        "jaeger: data[0].spans[9] was skipped: it has no span id"
    );
    assert_eq!(d.warnings[10], "jaeger: 2 more unreadable parts not listed");
}

#[test]
fn binary_that_is_neither_json_nor_protobuf_reports_the_protobuf_error() {
    // Binary input is tried as protobuf first and that error is the one
    // reported, whether or not the bytes hold whitespace or start like JSON.
    let expected = "neither JSON nor OTLP protobuf (one TracesData or a length-prefixed stream of them): unreadable at byte 0";
    // A gzip header (a .json.gz saved as is): no whitespace byte at all.
    let gzip = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
    // A length-delimited stream cut short: the first message announces 50
    // bytes ('2') but 10 follow, among them a trace id that is not UTF-8.
    let cut = [
        b'2', 0x0a, 0x30, 0x0a, 0x10, 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03,
    ];
    for bytes in [&gzip[..], &cut[..]] {
        let e = decode(bytes, "traces.bin").unwrap_err().to_string();
        assert!(e.contains("traces.bin") && e.contains(expected), "{e}");
    }
}

#[test]
fn json_text_is_read_as_json_even_when_its_bytes_are_also_protobuf() {
    // Read as protobuf these bytes are one TracesData: '\n' is field 1 with
    // '{' = 123 bytes, a ResourceSpans holding only an unknown field 4 ('"',
    // 'd' = 100 bytes), a fixed32 field 1 ('\r') and ten varint fields 4
    // (two spaces each): no span, nothing wrong.
    let answer = concat!(
        "\n",
        r#"{"data":[{"spans":[{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"eee19b7ec3c1b174"}]}]}"#,
        "      \r                    "
    );
    assert_eq!(answer.len(), 125);
    let as_protobuf = decode_protobuf(answer.as_bytes(), "f").unwrap();
    assert!(as_protobuf.spans.is_empty() && as_protobuf.warnings.is_empty());

    let d = decode(answer.as_bytes(), "f").unwrap();
    assert_eq!(d.format, Format::JaegerV1);
    assert_eq!(d.spans.len(), 1);
    assert_eq!(d.spans[0].span_id, "eee19b7ec3c1b174");
}

#[test]
fn a_value_that_is_no_object_is_named_with_the_byte_it_follows() {
    // Only objects are answers; the error says what the value is and where
    // the reading stood (the end of the previous object, or the start).
    for (text, expected) in [
        (
            " 42",
            "at byte 0: a traces answer is a JSON object (Jaeger, Tempo or OTLP), not a number",
        ),
        (
            "null",
            "at byte 0: a traces answer is a JSON object (Jaeger, Tempo or OTLP), not null",
        ),
        (
            "{\"data\":[]}\ntrue",
            "at byte 11: a traces answer is a JSON object (Jaeger, Tempo or OTLP), not a boolean",
        ),
        (
            "{\"data\":[]}\n\"done\"",
            "at byte 11: a traces answer is a JSON object (Jaeger, Tempo or OTLP), not a string",
        ),
    ] {
        let e = decode(text.as_bytes(), "t.json").unwrap_err().to_string();
        assert!(e.contains(expected), "{text:?}: {e}");
    }
}

#[test]
fn an_unreadable_line_is_skipped_and_reading_resumes_at_the_next_line() {
    // Line 1 is 20 bytes; line 2 (bytes 21 to 80) was cut by a crash.
    let file = concat!(
        r#"{"resourceSpans":[]}"#,
        "\n",
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e"#,
        "\n",
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","kind":2}]}]}]}"#,
        "\n"
    );
    let d = decode(file.as_bytes(), "export.jsonl").unwrap();
    assert_eq!(d.format, Format::Otlp);
    assert_eq!(
        span_ids_and_kinds(&d),
        [("eee19b7ec3c1b174", SpanKind::Server)]
    );
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(
        d.warnings[0]
            .starts_with("export.jsonl: the line at byte 21 is unreadable and was skipped ("),
        "{:?}",
        d.warnings
    );
}

#[test]
fn a_line_after_a_skipped_one_that_is_no_object_fails_at_its_first_byte() {
    // Line 2 (bytes 21 to 80) is cut; line 3, at byte 81, is an array.
    let file = concat!(
        r#"{"resourceSpans":[]}"#,
        "\n",
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e"#,
        "\n",
        "[]\n"
    );
    let e = decode(file.as_bytes(), "export.jsonl")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("export.jsonl cannot be read at byte 81: a traces answer is a JSON object (Jaeger, Tempo or OTLP), not an array"),
        "{e}"
    );
}

#[test]
fn a_jaeger_v1_error_list_is_the_servers_message() {
    // Jaeger's query service answers a bad request with `errors[].msg`.
    let answer = r#"{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"trace ID is required"},{"code":400,"msg":"end time must be after start time"}]}"#;
    let e = decode(answer.as_bytes(), "http://jaeger:16686/api/traces").unwrap_err();
    match e {
        TracesError::Server { message, .. } => assert_eq!(
            message,
            "trace ID is required; end time must be after start time"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn jaeger_v1_errors_next_to_data_are_a_warning_unless_empty() {
    let with = |errors: &str| {
        format!(
            r#"{{"data":[{{"traceID":"{TRACE}","spans":[{{"traceID":"{TRACE}","spanID":"eee19b7ec3c1b174","operationName":"GET /reviews/0","processID":"p1"}}],"processes":{{"p1":{{"serviceName":"reviews.bookinfo"}}}}}}],"total":0,"limit":0,"offset":0,"errors":{errors}}}"#
        )
    };
    let partial = with(r#"[{"code":500,"msg":"storage: query timed out"}]"#);
    let d = decode(partial.as_bytes(), "jaeger").unwrap();
    assert_eq!(d.spans.len(), 1);
    assert_eq!(
        d.warnings,
        ["jaeger: the server reported errors: storage: query timed out"]
    );
    for none in ["null", "[]"] {
        let d = decode(with(none).as_bytes(), "jaeger").unwrap();
        assert_eq!(d.spans.len(), 1, "{none}");
        assert!(d.warnings.is_empty(), "{none}: {:?}", d.warnings);
    }
}

#[test]
fn only_an_error_status_fails_a_span() {
    // OTLP status code 2 (ERROR) fails a span, 1 (OK) does not; Jaeger v1
    // carries the status as the `otel.status_code` tag, ERROR or OK.
    let v3 = format!(
        r#"{{"result":{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"ratings.bookinfo"}}}}]}},"scopeSpans":[{{"spans":[
            {{"traceId":"{TRACE}","spanId":"0000000000000001","kind":2,"status":{{"code":2}}}},
            {{"traceId":"{TRACE}","spanId":"0000000000000002","kind":2,"status":{{"code":1}}}},
            {{"traceId":"{TRACE}","spanId":"0000000000000003","kind":2,"status":{{"code":"STATUS_CODE_OK"}}}},
            {{"traceId":"{TRACE}","spanId":"0000000000000004","kind":2,"status":{{}}}}
        ]}}]}}]}}}}"#
    );
    let d = decode(v3.as_bytes(), "v3").unwrap();
    let failed: Vec<bool> = d.spans.iter().map(|s| s.status_error).collect();
    assert_eq!(failed, [true, false, false, false]);

    let v1 = format!(
        r#"{{"data":[{{"traceID":"{TRACE}","spans":[
            {{"traceID":"{TRACE}","spanID":"0000000000000005","processID":"p1","tags":[{{"key":"otel.status_code","type":"string","value":"ERROR"}}]}},
            {{"traceID":"{TRACE}","spanID":"0000000000000006","processID":"p1","tags":[{{"key":"otel.status_code","type":"string","value":"OK"}}]}}
        ],"processes":{{"p1":{{"serviceName":"ratings.bookinfo"}}}}}}]}}"#
    );
    let d = decode(v1.as_bytes(), "v1").unwrap();
    let failed: Vec<bool> = d.spans.iter().map(|s| s.status_error).collect();
    assert_eq!(failed, [true, false]);
}

#[test]
fn span_kinds_by_otlp_number_and_by_enum_name() {
    // Jaeger v3 writes the kind as OTLP's number, Tempo as the enum name.
    let span = |id: &str, kind: &str| {
        format!(r#"{{"traceId":"{TRACE}","spanId":"{id}","name":"op","kind":{kind}}}"#)
    };
    let v3 = format!(
        r#"{{"result":{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{},{},{},{}]}}]}}]}}}}"#,
        span("0000000000000001", "1"),
        span("0000000000000004", "4"),
        span("0000000000000005", "5"),
        span("0000000000000009", "0"),
    );
    let d = decode(v3.as_bytes(), "v3").unwrap();
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(
        span_ids_and_kinds(&d),
        [
            ("0000000000000001", SpanKind::Internal),
            ("0000000000000004", SpanKind::Producer),
            ("0000000000000005", SpanKind::Consumer),
            ("0000000000000009", SpanKind::Unspecified),
        ]
    );

    let tempo = format!(
        r#"{{"batches":[{{"scopeSpans":[{{"spans":[{},{},{},{}]}}]}}]}}"#,
        span("0000000000000010", r#""SPAN_KIND_UNSPECIFIED""#),
        span("0000000000000011", r#""SPAN_KIND_INTERNAL""#),
        span("0000000000000014", r#""SPAN_KIND_PRODUCER""#),
        span("0000000000000015", r#""SPAN_KIND_CONSUMER""#),
    );
    let d = decode(tempo.as_bytes(), "tempo").unwrap();
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(
        span_ids_and_kinds(&d),
        [
            ("0000000000000010", SpanKind::Unspecified),
            ("0000000000000011", SpanKind::Internal),
            ("0000000000000014", SpanKind::Producer),
            ("0000000000000015", SpanKind::Consumer),
        ]
    );
}

#[test]
fn an_id_of_more_than_16_bytes_is_refused() {
    // The 32 hex digits of a trace id base64-encoded as text (32 bytes), a
    // known exporter bug: no trace id is that long.
    let answer = r#"{"batches":[{"scopeSpans":[{"spans":[{"traceId":"NWI4ZWZmZjc5ODAzODEwM2QyNjliNjMzODEzZmM2MGM=","spanId":"7u4bfsPBsXQ=","kind":"SPAN_KIND_SERVER"}]}]}]}"#;
    let d = decode(answer.as_bytes(), "tempo").unwrap();
    assert!(d.spans.is_empty());
    assert_eq!(
        d.warnings,
        [
            r#"tempo: batches[0].scopeSpans[0].spans[0] was skipped: its trace id "NWI4ZWZmZjc5ODAzODEwM2QyNjliNjMzODEzZmM2MGM=" is neither hex nor base64"#
        ]
    );
}

#[test]
fn fractional_microseconds_are_truncated_and_negative_times_dropped() {
    // Jaeger v1 times are microseconds; a fraction is cut, a negative time
    // is no time.
    let answer = format!(
        r#"{{"data":[{{"traceID":"{TRACE}","spans":[
            {{"traceID":"{TRACE}","spanID":"0000000000000001","startTime":1701779876570888,"duration":1234.5}},
            {{"traceID":"{TRACE}","spanID":"0000000000000002","startTime":-1,"duration":"-7"}}
        ]}}]}}"#
    );
    let d = decode(answer.as_bytes(), "v1").unwrap();
    let times: Vec<(Option<u64>, Option<u64>)> = d
        .spans
        .iter()
        .map(|s| (s.start_unix_nanos, s.duration_nanos))
        .collect();
    assert_eq!(
        times,
        [
            (Some(1_701_779_876_570_888_000), Some(1_234_000)),
            (None, None)
        ]
    );
}
