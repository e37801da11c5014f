//! `meshgraph-bench traces [MB]`: decoding the same generated spans from OTLP
//! JSON (the lenient decoder, `meshgraph_traces::decode`) and from OTLP
//! protobuf (`meshgraph_traces::decode_protobuf`), in MB/s, spans/s and peak
//! heap. Both must give the same spans.
//!
//! The spans look like Istio's: one resource per proxy, a CLIENT and a SERVER
//! span per hop, Envoy's tags as strings (`node_id`, `upstream_cluster`,
//! `http.url`, `guid:x-request-id`, ...), ids as hex in JSON and bytes in
//! protobuf. The JSON is written as the OpenTelemetry Collector's file
//! exporter writes it (one `TracesData` per line).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use meshgraph_traces::{Resource, SearchHit, Span, SpanKind, Text, normalize_span_id};

use crate::{Cost, cells, mb, measure, ms, per_second, row};

/// Megabytes of OTLP JSON measured when none are given.
pub const DEFAULT_MB: usize = 50;

/// Proxies (resources) the spans are spread over.
const PROXIES: usize = 200;

fn resources() -> Vec<Arc<Resource>> {
    (0..PROXIES)
        .map(|p| {
            let ns = format!("ns-{}", p % 20);
            let app = format!("app-{p}");
            Arc::new(Resource {
                service_name: Some(format!("{app}.{ns}").into()),
                attributes: vec![
                    ("service.name".into(), format!("{app}.{ns}").into()),
                    ("k8s.namespace.name".into(), ns.into()),
                    ("telemetry.sdk.name".into(), "envoy".into()),
                ],
            })
        })
        .collect()
}

/// About `target_json_bytes` of spans (pairs of client and server spans).
fn generate(target_json_bytes: usize) -> Vec<Span> {
    let resources = resources();
    // One pair is about 2.4 KB of OTLP JSON.
    let pairs = target_json_bytes / 2400 + 1;
    let mut spans = Vec::with_capacity(pairs * 2);
    let mut x: u64 = 0x5eed;
    let mut next = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x
    };
    for i in 0..pairs {
        let hex = |text: String| normalize_span_id(&text).expect("16 or 32 hex digits");
        let trace_id = hex(format!("{:016x}{:016x}", next(), next()));
        let (client_id, server_id) = (
            hex(format!("{:016x}", next())),
            hex(format!("{:016x}", next())),
        );
        let caller = &resources[i % PROXIES];
        let callee_index = (i * 7 + 3) % PROXIES;
        let callee = &resources[callee_index];
        let ns = format!("ns-{}", callee_index % 20);
        let start = 1_765_000_000_000_000_000 + i as u64 * 1_000_000;
        let request_id = format!("{:016x}-{:08x}", next(), i);
        // A proxy's node id and address are its pod's: one per proxy.
        let ip = |proxy: usize| format!("10.0.{}.{}", proxy / 250, proxy % 250);
        let tags = |node: &str, pod: String, own: usize, peer: usize| {
            let list: Vec<(String, String)> = vec![
                (
                    "node_id".to_string(),
                    format!("{node}~{}~{pod}.{ns}~{ns}.svc.cluster.local", ip(own)),
                ),
                (
                    "upstream_cluster".into(),
                    format!("outbound|9080||app-{callee_index}.{ns}.svc.cluster.local"),
                ),
                (
                    "http.url".into(),
                    format!("http://app-{callee_index}.{ns}:9080/api/v1/items/{i}"),
                ),
                ("http.method".into(), "GET".into()),
                (
                    "http.status_code".into(),
                    if i % 50 == 0 { "503" } else { "200" }.into(),
                ),
                ("response_flags".into(), "-".into()),
                ("component".into(), "proxy".into()),
                ("guid:x-request-id".into(), request_id.clone()),
                (
                    "istio.canonical_service".into(),
                    format!("app-{callee_index}"),
                ),
                ("istio.mesh_id".into(), "cluster.local".into()),
                ("peer.address".into(), format!("{}:9080", ip(peer))),
                ("request_size".into(), "0".into()),
                ("response_size".into(), (1000 + i % 5000).to_string()),
                ("user_agent".into(), "Go-http-client/1.1".into()),
            ];
            list.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect()
        };
        spans.push(Span {
            trace_id,
            span_id: client_id,
            parent_span_id: None,
            name: format!("app-{callee_index}.{ns}.svc.cluster.local:9080/*").into(),
            kind: SpanKind::Client,
            start_unix_nanos: Some(start),
            duration_nanos: Some(2_500_000),
            status_error: i % 50 == 0,
            attributes: tags(
                "sidecar",
                format!("app-{}-6b746f74dc-9stp6", i % PROXIES),
                i % PROXIES,
                callee_index,
            ),
            resource: caller.clone(),
        });
        spans.push(Span {
            trace_id,
            span_id: server_id,
            parent_span_id: Some(client_id),
            name: format!("app-{callee_index}.{ns}.svc.cluster.local:9080/*").into(),
            kind: SpanKind::Server,
            start_unix_nanos: Some(start + 100_000),
            duration_nanos: Some(2_000_000),
            status_error: i % 50 == 0,
            attributes: tags(
                "sidecar",
                format!("app-{callee_index}-5b7c754ccb-55jwk"),
                callee_index,
                i % PROXIES,
            ),
            resource: callee.clone(),
        });
    }
    spans
}

fn json_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::to_string(text).expect("strings serialise"));
}

fn json_attributes(out: &mut String, list: &[(Text, Text)]) {
    out.push('[');
    for (i, (k, v)) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"key\":");
        json_string(out, k);
        out.push_str(",\"value\":{\"stringValue\":");
        json_string(out, v);
        out.push_str("}}");
    }
    out.push(']');
}

/// OTLP JSON lines: one `TracesData` per chunk of 1000 spans, the spans of
/// each resource grouped as the exporter groups them.
fn otlp_json_lines(spans: &[Span]) -> String {
    let mut out = String::new();
    for chunk in spans.chunks(1000) {
        let mut groups: Vec<(&Arc<Resource>, Vec<&Span>)> = Vec::new();
        for s in chunk {
            match groups.iter_mut().find(|(r, _)| Arc::ptr_eq(r, &s.resource)) {
                Some((_, list)) => list.push(s),
                None => groups.push((&s.resource, vec![s])),
            }
        }
        out.push_str("{\"resourceSpans\":[");
        for (g, (resource, list)) in groups.iter().enumerate() {
            if g > 0 {
                out.push(',');
            }
            out.push_str("{\"resource\":{\"attributes\":");
            json_attributes(&mut out, &resource.attributes);
            out.push_str("},\"scopeSpans\":[{\"scope\":{\"name\":\"envoy\"},\"spans\":[");
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let start = s.start_unix_nanos.unwrap_or(0);
                let end = start + s.duration_nanos.unwrap_or(0);
                let _ = write!(
                    out,
                    "{{\"traceId\":\"{}\",\"spanId\":\"{}\",\"parentSpanId\":\"{}\",\"name\":",
                    s.trace_id,
                    s.span_id,
                    s.parent_span_id.as_deref().unwrap_or("")
                );
                json_string(&mut out, &s.name);
                let kind = if s.kind == SpanKind::Server { 2 } else { 3 };
                let _ = write!(
                    out,
                    ",\"kind\":{kind},\"startTimeUnixNano\":\"{start}\",\"endTimeUnixNano\":\"{end}\",\"attributes\":"
                );
                json_attributes(&mut out, &s.attributes);
                out.push_str(if s.status_error {
                    ",\"status\":{\"code\":2}}"
                } else {
                    ",\"status\":{}}"
                });
            }
            out.push_str("]}]}");
        }
        out.push_str("]}\n");
    }
    out
}

/// OTLP protobuf as the Collector's file exporter writes it with `format:
/// proto`: one `TracesData` per chunk of 1000 spans, each preceded by its
/// length in 4 bytes, big-endian.
fn otlp_protobuf(spans: &[Span]) -> Result<Vec<u8>> {
    use prost::Message;
    let mut out = Vec::new();
    for chunk in spans.chunks(1000) {
        let message = meshgraph_traces::traces_data(chunk).encode_to_vec();
        out.extend_from_slice(&u32::try_from(message.len())?.to_be_bytes());
        out.extend_from_slice(&message);
    }
    Ok(out)
}

/// One way of decoding both formats: its JSON and protobuf costs.
struct Pair {
    how: &'static str,
    json: Cost,
    pb: Cost,
}

struct Measured {
    json_bytes: usize,
    pb_bytes: usize,
    spans: usize,
    pairs: [Pair; 2],
    fresh: Fresh,
    search: SearchMeasured,
}

/// Each file decoded by a process of its own, as `meshgraph --traces-file`
/// decodes it: no other decoder's memory freed or held before it, the
/// kernel's first touch of every page included. Best time of
/// [`FRESH_RUNS`] each (alternating), and the process's peak resident
/// memory (`VmHWM`: the input it read, the spans, the allocator's own).
struct Fresh {
    json: ChildRun,
    pb: ChildRun,
}

#[derive(Clone, Copy)]
struct ChildRun {
    time: Duration,
    peak_rss: u64,
}

const FRESH_RUNS: usize = 3;

/// The largest file `decode_file` reads here (the 1 GB run's JSON is 1.07 GB).
const FILE_CAP: u64 = 1 << 31;

/// The child's side (`meshgraph-bench traces-file PATH`): decodes the file
/// and prints `<nanoseconds> <spans> <VmHWM kB>` on one line.
pub fn decode_in_this_process(path: &std::path::Path) -> Result<()> {
    let started = std::time::Instant::now();
    let decoded = meshgraph_traces::decode_file(path, FILE_CAP)?;
    let time = started.elapsed();
    let status = std::fs::read_to_string("/proc/self/status")?;
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{} {} {hwm_kb}", time.as_nanos(), decoded.spans.len());
    Ok(())
}

/// Runs [`decode_in_this_process`] in a child and reads its line.
fn child_decode(path: &std::path::Path, spans: usize) -> Result<ChildRun> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .arg("traces-file")
        .arg(path)
        .output()?;
    let line = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<u64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [nanos, n, hwm_kb] if out.status.success() && n as usize == spans => Ok(ChildRun {
            time: Duration::from_nanos(nanos),
            peak_rss: hwm_kb * 1024,
        }),
        _ => bail!(
            "decoding {} in a child process failed ({}): {line}{}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn fresh_processes(
    json_path: &std::path::Path,
    pb_path: &std::path::Path,
    spans: usize,
) -> Result<Fresh> {
    let best = |a: Option<ChildRun>, b: ChildRun| match a {
        Some(a) if a.time <= b.time => a,
        _ => b,
    };
    let (mut json, mut pb) = (None, None);
    for _ in 0..FRESH_RUNS {
        json = Some(best(json, child_decode(json_path, spans)?));
        pb = Some(best(pb, child_decode(pb_path, spans)?));
    }
    Ok(Fresh {
        json: json.expect("FRESH_RUNS > 0"),
        pb: pb.expect("FRESH_RUNS > 0"),
    })
}

/// Both files decoded with `meshgraph_traces::decode_file`, as
/// `--traces-file` reads them: the JSON whole, the protobuf a message at a
/// time. The files are removed afterwards.
fn from_files(spans: &[Span], json: &str, pb: &[u8]) -> Result<(Pair, Fresh)> {
    let dir = std::env::temp_dir();
    let stem = format!("meshgraph-bench-traces-{}", std::process::id());
    let json_path = dir.join(format!("{stem}.jsonl"));
    let pb_path = dir.join(format!("{stem}.binpb"));
    std::fs::write(&json_path, json)?;
    std::fs::write(&pb_path, pb)?;
    let cap = FILE_CAP;
    let result = (|| {
        // Untimed first reads, as in memory.
        drop(meshgraph_traces::decode_file(&json_path, cap)?);
        drop(meshgraph_traces::decode_file(&pb_path, cap)?);
        let json = checked(spans, "the JSON file", || {
            Ok(meshgraph_traces::decode_file(&json_path, cap)?.spans)
        })?;
        let pb = checked(spans, "the protobuf file", || {
            Ok(meshgraph_traces::decode_file(&pb_path, cap)?.spans)
        })?;
        eprintln!("meshgraph-bench: traces: decoding each file in a process of its own");
        let fresh = fresh_processes(&json_path, &pb_path, spans.len())?;
        Ok((
            Pair {
                how: "from a file (decode_file; the bytes read count)",
                json,
                pb,
            },
            fresh,
        ))
    })();
    let _ = std::fs::remove_file(&json_path);
    let _ = std::fs::remove_file(&pb_path);
    result
}

/// Measures `decode`, checks that it gives the generated `spans`, and drops
/// them before returning: each decoder is timed with the same memory alive
/// (the input and the generated spans), not with another decoder's spans
/// still held. At 1 GB, a decode timed while 450 MB of earlier spans were
/// alive took half as long again: it had to touch fresh pages instead of
/// reusing freed ones.
fn checked(spans: &[Span], what: &str, decode: impl FnMut() -> Result<Vec<Span>>) -> Result<Cost> {
    let (decoded, cost) = measure(decode)?;
    if !same_spans(&decoded, spans) {
        bail!(
            "{what} gave other spans than the generated ones ({} decoded, {} generated)",
            decoded.len(),
            spans.len()
        );
    }
    Ok(cost)
}

/// The same spans, in any order (a decoder gives them grouped by resource,
/// the generator by call).
fn same_spans(a: &[Span], b: &[Span]) -> bool {
    fn sorted(list: &[Span]) -> Vec<&Span> {
        let mut refs: Vec<&Span> = list.iter().collect();
        refs.sort_by(|x, y| {
            (&x.trace_id, &x.span_id, x.kind).cmp(&(&y.trace_id, &y.span_id, y.kind))
        });
        refs
    }
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// Spans in the Tempo search answer measured ([`search_answer`]).
const SEARCH_SPANS: usize = 100_000;

/// A Tempo search answer of [`SEARCH_SPANS`] matched spans (five per trace,
/// Envoy-like tags), as hits.
fn search_hits(spans: &[Span]) -> Vec<SearchHit> {
    spans
        .chunks(5)
        .take(SEARCH_SPANS / 5)
        .map(|chunk| SearchHit {
            trace_id: chunk[0].trace_id.to_string(),
            root_service_name: chunk[0].service_name().map(str::to_string),
            root_trace_name: Some(chunk[0].name.to_string()),
            start_unix_nanos: chunk[0].start_unix_nanos,
            duration_ms: Some(3),
            spans: chunk.to_vec(),
        })
        .collect()
}

/// The same hits as Tempo's JSON search answer (`/api/search`).
fn tempo_search_json(hits: &[SearchHit]) -> String {
    let mut out = String::from("{\"traces\":[");
    for (i, h) in hits.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"traceID\":\"{}\",\"rootServiceName\":", h.trace_id);
        json_string(&mut out, h.root_service_name.as_deref().unwrap_or(""));
        out.push_str(",\"rootTraceName\":");
        json_string(&mut out, h.root_trace_name.as_deref().unwrap_or(""));
        let _ = write!(
            out,
            ",\"startTimeUnixNano\":\"{}\",\"durationMs\":{},\"spanSets\":[{{\"spans\":[",
            h.start_unix_nanos.unwrap_or(0),
            h.duration_ms.unwrap_or(0)
        );
        for (j, s) in h.spans.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"spanID\":\"{}\",\"name\":", s.span_id);
            json_string(&mut out, &s.name);
            let _ = write!(
                out,
                ",\"startTimeUnixNano\":\"{}\",\"durationNanos\":\"{}\",\"attributes\":",
                s.start_unix_nanos.unwrap_or(0),
                s.duration_nanos.unwrap_or(0)
            );
            json_attributes(&mut out, &s.attributes);
            out.push('}');
        }
        let _ = write!(out, "],\"matched\":{}}}]}}", h.spans.len());
    }
    out.push_str("]}");
    out
}

/// A 100,000-span Tempo search answer, JSON and protobuf, decoded in memory:
/// its peak heap above the spans it keeps shows whether the answer is held
/// twice (a copy would add about the input's size).
fn search_answer() -> Result<SearchMeasured> {
    let spans = generate(SEARCH_SPANS / 2 * 2400);
    let hits = search_hits(&spans);
    let matched: usize = hits.iter().map(|h| h.spans.len()).sum();
    let json = tempo_search_json(&hits);
    let pb = meshgraph_traces::encode_tempo_search(&hits);
    let count =
        |d: &meshgraph_traces::Decoded| d.search.iter().map(|h| h.spans.len()).sum::<usize>();
    let (decoded, json_cost) = measure(|| {
        Ok(meshgraph_traces::decode(
            json.as_bytes(),
            "bench-search.json",
        )?)
    })?;
    let json_spans = count(&decoded);
    drop(decoded);
    let (decoded, pb_cost) = measure(|| {
        Ok(meshgraph_traces::decode_tempo_search_protobuf(
            &pb,
            "bench-search.binpb",
        )?)
    })?;
    let pb_spans = count(&decoded);
    drop(decoded);
    if json_spans != matched || pb_spans != matched {
        bail!(
            "the search answer gave {json_spans} (JSON) and {pb_spans} (protobuf) spans, not {matched}"
        );
    }
    Ok(SearchMeasured {
        spans: matched,
        json_bytes: json.len(),
        pb_bytes: pb.len(),
        json: json_cost,
        pb: pb_cost,
    })
}

struct SearchMeasured {
    spans: usize,
    json_bytes: usize,
    pb_bytes: usize,
    json: Cost,
    pb: Cost,
}

/// Runs the measurement on about `megabytes` of OTLP JSON and prints it.
pub fn run(megabytes: usize) -> Result<()> {
    eprintln!("meshgraph-bench: traces: generating about {megabytes} MB of OTLP JSON");
    let spans = generate(megabytes * 1_000_000);
    let json = otlp_json_lines(&spans);
    let pb = otlp_protobuf(&spans)?;
    eprintln!(
        "meshgraph-bench: traces: {} spans, {:.1} MB JSON, {:.1} MB protobuf; decoding",
        spans.len(),
        mb(json.len()),
        mb(pb.len())
    );
    // One untimed decode of each first: a large input decodes once only
    // (a step over 1 s runs once), and the first decode after generating
    // the input would pay for the kernel's first touch of fresh pages
    // (measured at 1 GB: 4.0 s against 2.5 s for the same decode later).
    drop(meshgraph_traces::decode(json.as_bytes(), "bench.jsonl")?);
    drop(meshgraph_traces::decode_protobuf(&pb, "bench.binpb")?);
    let json_cost = checked(&spans, "the JSON decoder", || {
        Ok(meshgraph_traces::decode(json.as_bytes(), "bench.jsonl")?.spans)
    })?;
    let pb_cost = checked(&spans, "the protobuf decoder", || {
        Ok(meshgraph_traces::decode_protobuf(&pb, "bench.binpb")?.spans)
    })?;
    eprintln!("meshgraph-bench: traces: decoding the same from files");
    let (files, fresh) = from_files(&spans, &json, &pb)?;
    eprintln!("meshgraph-bench: traces: a {SEARCH_SPANS}-span Tempo search answer");
    let search = search_answer()?;
    print(&Measured {
        json_bytes: json.len(),
        pb_bytes: pb.len(),
        spans: spans.len(),
        pairs: [
            Pair {
                how: "in memory (decode, decode_protobuf; the input does not count)",
                json: json_cost,
                pb: pb_cost,
            },
            files,
        ],
        fresh,
        search,
    });
    Ok(())
}

/// A decode's first cells: format, input MB, ms, MB/s, kspans/s.
fn speed_cells(name: &str, bytes: usize, time: Duration, spans: usize) -> Vec<String> {
    vec![
        name.to_string(),
        format!("{:.1}", mb(bytes)),
        format!("{:.0}", ms(time)),
        format!("{:.1}", per_second(mb(bytes), time)),
        format!("{:.0}", per_second(spans as f64, time) / 1e3),
    ]
}

fn print(m: &Measured) {
    println!(
        "meshgraph-bench traces ({} build); times: best of up to {} runs; memory: peak heap above the step's start",
        if cfg!(debug_assertions) {
            "DEBUG: numbers are not meaningful"
        } else {
            "release"
        },
        crate::MAX_RUNS
    );
    println!(
        "\ntraces decode: {} spans; JSON = OTLP JSON lines (lenient decoder), protobuf = OTLP with 4-byte lengths (the Collector's file exporter)",
        m.spans
    );
    for pair in &m.pairs {
        println!("{}", pair.how);
        row(
            11,
            &cells(&[
                "format", "input MB", "ms", "MB/s", "kspans/s", "peak MB", "kept MB", "work MB",
            ]),
        );
        for (name, bytes, cost) in [
            ("json", m.json_bytes, pair.json),
            ("protobuf", m.pb_bytes, pair.pb),
        ] {
            let mut cells = speed_cells(name, bytes, cost.time, m.spans);
            cells.extend([
                format!("{:.1}", mb(cost.peak)),
                format!("{:.1}", mb(cost.retained)),
                format!("{:.1}", mb(cost.peak.saturating_sub(cost.retained))),
            ]);
            row(11, &cells);
        }
        let time = |c: Cost| c.time.max(Duration::from_nanos(1)).as_secs_f64();
        println!(
            "  protobuf vs JSON: {:.2}x the speed in spans/s, {:.2}x the peak heap",
            time(pair.json) / time(pair.pb),
            pair.pb.peak as f64 / pair.json.peak.max(1) as f64
        );
    }
    println!(
        "  peak MB: the heap at its highest during the decode, the decoded spans included; kept MB: the spans; work MB: peak - kept"
    );
    println!(
        "each file in a process of its own (as `meshgraph --traces-file` reads it; best of {FRESH_RUNS}, alternating)"
    );
    row(
        11,
        &cells(&[
            "format",
            "input MB",
            "ms",
            "MB/s",
            "kspans/s",
            "peak RSS MB",
        ]),
    );
    for (name, bytes, run) in [
        ("json", m.json_bytes, m.fresh.json),
        ("protobuf", m.pb_bytes, m.fresh.pb),
    ] {
        let mut cells = speed_cells(name, bytes, run.time, m.spans);
        cells.push(format!("{:.1}", run.peak_rss as f64 / 1e6));
        row(11, &cells);
    }
    println!(
        "  protobuf vs JSON: {:.2}x the speed in spans/s, {:.2}x the peak resident memory",
        m.fresh.json.time.as_secs_f64()
            / m.fresh.pb.time.max(Duration::from_nanos(1)).as_secs_f64(),
        m.fresh.pb.peak_rss as f64 / m.fresh.json.peak_rss.max(1) as f64
    );
    let q = &m.search;
    println!(
        "a Tempo search answer of {} matched spans, in memory (decode, decode_tempo_search_protobuf)",
        q.spans
    );
    row(
        11,
        &cells(&[
            "format",
            "input MB",
            "ms",
            "peak MB",
            "kept MB",
            "work MB",
            "work/input",
        ]),
    );
    for (name, bytes, cost) in [
        ("json", q.json_bytes, q.json),
        ("protobuf", q.pb_bytes, q.pb),
    ] {
        let work = cost.peak.saturating_sub(cost.retained);
        row(
            11,
            &[
                name.to_string(),
                format!("{:.1}", mb(bytes)),
                format!("{:.0}", ms(cost.time)),
                format!("{:.1}", mb(cost.peak)),
                format!("{:.1}", mb(cost.retained)),
                format!("{:.1}", mb(work)),
                format!("{:.2}", work as f64 / bytes.max(1) as f64),
            ],
        );
    }
    println!(
        "  work/input: the decode's own memory beyond the hits it returns, per byte of answer (a copy of the answer would be 1.00 or more)"
    );
}
