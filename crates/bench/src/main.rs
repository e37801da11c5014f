//! `meshgraph-bench`: how decode, reconcile, graph building and export scale
//! with the size of the mesh. Run it with
//!
//! ```text
//! cargo run --release -p meshgraph-bench [-- WORKLOADS[:NAMESPACES]...]
//! ```
//!
//! (default `100:10 1000:50 3000:150`). For each size it generates a mesh with
//! the scenario kit, renders each metric family's Prometheus answer as the
//! built-in query would return it, and measures:
//!
//! - decode: `meshgraph_prometheus::decode` (streaming) against a naive
//!   baseline (`serde_json::Value` tree, then walked), in MB/s, series/s and
//!   peak heap bytes; both must produce the same observations;
//! - `reconcile` and `build_graph`: time and peak heap per series, and how the
//!   per-series cost changes from the smallest mesh to the largest;
//! - `to_json` and `to_dot` on each graph.
//!
//! Times are the best of several runs for fast steps, one run for slow ones.
//! Peak heap is counted by a global allocator wrapper ([`alloc`]), above what
//! was live when the step started. The program prints tables and exits
//! non-zero only when something fails (an internal error), never on a
//! threshold. See docs/benchmarks.md.

mod alloc;
mod answer;
mod dump;
mod manifest;
mod mesh;
mod recording;
mod server;
mod traces;
mod work;

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use meshgraph_core::{ClassifyOptions, GraphOptions};
use meshgraph_model::{Metric, Observation};

use crate::alloc::{Counting, Span};
use crate::mesh::{MeshCounts, MeshSize};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const DEFAULT_SIZES: [&str; 3] = ["100:10", "1000:50", "3000:150"];

/// Fast steps are repeated until they have run this long in all, and the
/// best run is kept: other work on the machine only ever adds time.
const REPEAT_FOR: Duration = Duration::from_secs(1);
/// At most this many runs of one step.
const MAX_RUNS: usize = 20;

/// Time and memory of one step.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    time: Duration,
    /// Peak heap above the start, on the first run.
    peak: usize,
    /// Heap still held by the step's result.
    retained: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.time += other.time;
        self.peak = self.peak.max(other.peak);
        self.retained += other.retained;
    }
}

/// Runs `step` once with memory counted, then again until [`REPEAT_FOR`] has
/// passed (at most [`MAX_RUNS`] runs), keeping the first run's result and the
/// best time. A step slower than `REPEAT_FOR` runs once.
fn measure<T>(mut step: impl FnMut() -> Result<T>) -> Result<(T, Cost)> {
    let span = Span::start();
    let first = Instant::now();
    let value = step()?;
    let mut best = first.elapsed();
    let cost = Cost {
        time: best,
        peak: span.peak(),
        retained: span.retained(),
    };
    let mut runs = 1;
    while runs < MAX_RUNS && first.elapsed() < REPEAT_FOR {
        let started = Instant::now();
        black_box(step()?);
        best = best.min(started.elapsed());
        runs += 1;
    }
    Ok((value, Cost { time: best, ..cost }))
}

/// Everything measured on one mesh.
struct Row {
    size: MeshSize,
    counts: MeshCounts,
    generate: Duration,
    raw_series: usize,
    answer_series: usize,
    /// Series of the latency histogram family (`_bucket`, one per `le`).
    bucket_series: usize,
    /// Observations decoded: answer series, with each histogram's buckets
    /// folded into one.
    observations: usize,
    body_bytes: usize,
    streaming: Cost,
    naive: Cost,
    reconcile: Cost,
    graph: Cost,
    logical_edges: usize,
    /// Hash of the whole reconciliation, to check that an optimisation of
    /// the core left its output unchanged.
    fingerprint: u64,
    nodes: usize,
    edges: usize,
    to_json: Cost,
    json_bytes: usize,
    to_dot: Cost,
    dot_bytes: usize,
    /// Deterministic work per step (allocation calls, badge visits).
    work: work::MeshWork,
    /// End to end against a real Prometheus, unless `--no-server`.
    server: Option<server::ServerRun>,
}

fn run(size: MeshSize, with_server: bool) -> Result<Row> {
    let label = format!("{} workloads", size.workloads);
    eprintln!("meshgraph-bench: {label}: generating");
    let started = Instant::now();
    let (toml, counts) = mesh::scenario_toml(size);
    let scenario = meshgraph_scenario::Scenario::from_toml(&toml, "generated mesh")?;
    drop(toml);
    let raw = scenario.telemetry();
    let generate = started.elapsed();
    let raw_series = raw.len();

    eprintln!("meshgraph-bench: {label}: rendering {raw_series} series as query answers");
    let mut bodies: Vec<(Metric, Vec<u8>, usize)> = Vec::new();
    for metric in Metric::ALL {
        let (body, series) = answer::render(&raw, metric, scenario.at)?;
        bodies.push((metric, body, series));
    }
    drop(raw);
    let answer_series: usize = bodies.iter().map(|(_, _, n)| n).sum();
    let bucket_series: usize = bodies
        .iter()
        .filter(|(m, _, _)| *m == Metric::RequestDurationBucket)
        .map(|(_, _, n)| n)
        .sum();
    let body_bytes: usize = bodies.iter().map(|(_, b, _)| b.len()).sum();

    eprintln!("meshgraph-bench: {label}: decoding {body_bytes} bytes");
    let mut observations: Vec<Observation> = Vec::with_capacity(answer_series);
    let mut streaming = Cost::default();
    let mut naive = Cost::default();
    for (metric, body, series) in &bodies {
        let source = format!("generated {}", metric.series_name());
        let (decoded, cost) =
            measure(|| meshgraph_prometheus::decode(body, *metric, &source).map_err(Into::into))?;
        streaming.add(cost);
        if decoded.series != *series || !decoded.warnings.is_empty() {
            bail!(
                "{source}: decoded {} of {series} series, warnings {:?}",
                decoded.series,
                decoded.warnings
            );
        }
        let (baseline, cost) = measure(|| answer::naive_decode(body, *metric))
            .with_context(|| format!("naive decode of {source}"))?;
        naive.add(cost);
        if baseline != decoded.observations {
            bail!("{source}: the streaming and the naive decoder disagree");
        }
        drop(baseline);
        observations.extend(decoded.observations);
    }
    drop(bodies);

    eprintln!(
        "meshgraph-bench: {label}: reconciling {} observations ({answer_series} series, histograms folded)",
        observations.len()
    );
    let options = ClassifyOptions::default();
    let (rec, reconcile) = measure(|| Ok(meshgraph_core::reconcile(&observations, &options)))?;
    let (graph, graph_cost) =
        measure(|| Ok(meshgraph_core::build_graph(&rec, &GraphOptions::default())))?;
    if graph.graph.edge_count() == 0 {
        bail!("{label}: the graph has no edges");
    }
    let fingerprint = fingerprint(&rec)?;

    eprintln!("meshgraph-bench: {label}: exporting");
    let meta = answer::meta(&scenario);
    let (json, to_json) = measure(|| Ok(meshgraph_export::to_json(&graph, &meta)?))?;
    let (dot, to_dot) = measure(|| {
        Ok(meshgraph_export::to_dot(
            &graph,
            &meshgraph_export::DotOptions::default(),
        ))
    })?;

    let (logical_edges, nodes, edges) = (
        rec.edges.len(),
        graph.graph.node_count(),
        graph.graph.edge_count(),
    );
    let (json_bytes, dot_bytes) = (json.len(), dot.len());
    let observation_count = observations.len();
    drop((json, dot, graph, rec, observations));
    eprintln!("meshgraph-bench: {label}: counting each step's work");
    let work = work::measure(&scenario)?;
    let server = if with_server {
        eprintln!(
            "meshgraph-bench: {label}: loading a real Prometheus (promtool backfill) and querying it"
        );
        Some(server::run(&scenario)?)
    } else {
        None
    };

    Ok(Row {
        work,
        server,
        size,
        counts,
        generate,
        raw_series,
        answer_series,
        bucket_series,
        observations: observation_count,
        body_bytes,
        streaming,
        naive,
        reconcile,
        graph: graph_cost,
        logical_edges,
        fingerprint,
        nodes,
        edges,
        to_json,
        json_bytes,
        to_dot,
        dot_bytes,
    })
}

/// A hash of everything reconciliation decided (edges with their figures,
/// every series' disposition, the notes), taken over their `Debug` text, which
/// prints every field and every float exactly. Equal fingerprints for the same
/// mesh mean an identical result (the hash is stable for one build of Rust).
fn fingerprint(rec: &meshgraph_core::Reconciliation) -> Result<u64> {
    use std::hash::{DefaultHasher, Hasher};
    struct HashWriter(DefaultHasher);
    impl std::fmt::Write for HashWriter {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut writer = HashWriter(DefaultHasher::new());
    std::fmt::Write::write_fmt(
        &mut writer,
        format_args!("{:?}", (&rec.edges, &rec.dispositions, &rec.notes)),
    )?;
    Ok(writer.0.finish())
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn per_second(count: f64, d: Duration) -> f64 {
    count / d.as_secs_f64().max(1e-9)
}

/// Per-series cost of reconcile plus build_graph, in microseconds.
fn core_us_per_series(r: &Row) -> f64 {
    (r.reconcile.time + r.graph.time).as_secs_f64() * 1e6 / r.answer_series.max(1) as f64
}

/// Prints one table row: a right-aligned cell per column, each `width` wide.
fn row(width: usize, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| format!("{c:>width$}")).collect();
    println!("{}", line.join(" "));
}

fn cells(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn print(rows: &[Row]) {
    println!(
        "meshgraph-bench {} ({} build, {} CPUs); times: best of up to {MAX_RUNS} runs; memory: peak heap above the step's start",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "DEBUG: numbers are not meaningful"
        } else {
            "release"
        },
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );

    println!("\nmeshes (ns modes: sidecar/ambient/ambient+waypoint)");
    row(
        10,
        &cells(&[
            "workloads",
            "namespaces",
            "ns modes",
            "calls",
            "raw series",
            "series",
            "bucket %",
            "answers MB",
            "nodes",
            "edges",
            "generate s",
        ]),
    );
    for r in rows {
        row(
            10,
            &[
                r.size.workloads.to_string(),
                r.size.namespaces.to_string(),
                format!(
                    "{}/{}/{}",
                    r.counts.sidecar_namespaces,
                    r.counts.ambient_namespaces,
                    r.counts.waypoint_namespaces
                ),
                r.counts.calls.to_string(),
                r.raw_series.to_string(),
                r.answer_series.to_string(),
                format!(
                    "{:.0}",
                    100.0 * r.bucket_series as f64 / r.answer_series.max(1) as f64
                ),
                format!("{:.1}", mb(r.body_bytes)),
                r.nodes.to_string(),
                r.edges.to_string(),
                format!("{:.2}", r.generate.as_secs_f64()),
            ],
        );
    }
    println!(
        "  series: as the built-in queries return them (raw series summed by each query's labels); \
         bucket %: share of the latency histogram family"
    );

    println!(
        "\ndecode, all 10 family answers: streaming = meshgraph_prometheus::decode, naive = serde_json::Value tree + walk"
    );
    row(
        10,
        &cells(&[
            "workloads",
            "str ms",
            "str MB/s",
            "str kser/s",
            "str peakMB",
            "naive ms",
            "naive MB/s",
            "nv peakMB",
            "kept MB",
            "time s/n",
            "peak s/n",
        ]),
    );
    for r in rows {
        row(
            10,
            &[
                r.size.workloads.to_string(),
                format!("{:.0}", ms(r.streaming.time)),
                format!("{:.1}", per_second(mb(r.body_bytes), r.streaming.time)),
                format!(
                    "{:.0}",
                    per_second(r.answer_series as f64, r.streaming.time) / 1e3
                ),
                format!("{:.1}", mb(r.streaming.peak)),
                format!("{:.0}", ms(r.naive.time)),
                format!("{:.1}", per_second(mb(r.body_bytes), r.naive.time)),
                format!("{:.1}", mb(r.naive.peak)),
                format!("{:.1}", mb(r.streaming.retained)),
                format!(
                    "{:.2}",
                    r.streaming.time.as_secs_f64() / r.naive.time.as_secs_f64().max(1e-9)
                ),
                format!(
                    "{:.2}",
                    r.streaming.peak as f64 / r.naive.peak.max(1) as f64
                ),
            ],
        );
    }
    println!(
        "  peakMB: the largest family's peak, output included; kept MB: all observations decoded; s/n: streaming / naive"
    );

    println!("\nreconcile + build_graph (workload graph)");
    row(
        10,
        &cells(&[
            "workloads",
            "series",
            "obs",
            "log edges",
            "rec ms",
            "graph ms",
            "us/series",
            "rec peakMB",
            "gr peakMB",
            "     fingerprint",
        ]),
    );
    for r in rows {
        row(
            10,
            &[
                r.size.workloads.to_string(),
                r.answer_series.to_string(),
                r.observations.to_string(),
                r.logical_edges.to_string(),
                format!("{:.0}", ms(r.reconcile.time)),
                format!("{:.0}", ms(r.graph.time)),
                format!("{:.2}", core_us_per_series(r)),
                format!("{:.1}", mb(r.reconcile.peak)),
                format!("{:.1}", mb(r.graph.peak)),
                format!("{:016x}", r.fingerprint),
            ],
        );
    }
    if let (Some(small), Some(large)) = (
        rows.iter().min_by_key(|r| r.answer_series),
        rows.iter().max_by_key(|r| r.answer_series),
    ) && large.answer_series > small.answer_series
    {
        println!(
            "  us/series of reconcile + build_graph, largest / smallest mesh: {:.2} for {:.1}x the series (1.00 = linear)",
            core_us_per_series(large) / core_us_per_series(small),
            large.answer_series as f64 / small.answer_series as f64,
        );
    }

    println!("\nexport");
    row(
        10,
        &cells(&[
            "workloads",
            "edges",
            "to_json ms",
            "json MB",
            "to_dot ms",
            "dot MB",
        ]),
    );
    for r in rows {
        row(
            10,
            &[
                r.size.workloads.to_string(),
                r.edges.to_string(),
                format!("{:.1}", ms(r.to_json.time)),
                format!("{:.1}", mb(r.json_bytes)),
                format!("{:.1}", ms(r.to_dot.time)),
                format!("{:.1}", mb(r.dot_bytes)),
            ],
        );
    }
}

/// The numbers given on the command line, else `defaults`.
fn sizes_or(args: &[String], defaults: &[usize], what: &str) -> Result<Vec<usize>> {
    if args.is_empty() {
        return Ok(defaults.to_vec());
    }
    args.iter()
        .map(|a| a.parse().with_context(|| format!("{a:?} is not {what}")))
        .collect()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!(
            "usage: meshgraph-bench [--no-server] [WORKLOADS[:NAMESPACES]...]   (default: {})\n\
             --no-server: skip the end-to-end run against a real Prometheus (promtool backfill)\n\
             meshgraph-bench traces [MB]   (OTLP JSON vs protobuf decode; default: {} MB of JSON)\n\
             meshgraph-bench check [OBJECTS...]   (default: {})\n\
             meshgraph-bench manifest [MB...]   (peak heap reading a kubectl dump, YAML and JSON; default: {})\n\
             meshgraph-bench record WORKLOADS[:NAMESPACES] DIR   (the generated mesh's answers as a recording, to time `meshgraph snapshot --replay DIR`)\n\
             meshgraph-bench serve WORKLOADS[:NAMESPACES]   (a real Prometheus holding the generated mesh, for queries by hand, until stdin closes)",
            DEFAULT_SIZES.join(" "),
            traces::DEFAULT_MB,
            dump::DEFAULT_OBJECTS.map(|n| n.to_string()).join(" "),
            manifest::DEFAULT_MEGABYTES.map(|n| n.to_string()).join(" ")
        );
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("traces-file") {
        // The child side of `traces`: one file, in a process of its own.
        let path = args
            .get(1)
            .ok_or_else(|| anyhow::anyhow!("traces-file: no PATH"))?;
        return traces::decode_in_this_process(std::path::Path::new(path));
    }
    if args.first().map(String::as_str) == Some("traces") {
        let megabytes = match args.get(1) {
            Some(n) => n
                .parse()
                .map_err(|_| anyhow::anyhow!("traces: {n:?} is not a number of megabytes"))?,
            None => traces::DEFAULT_MB,
        };
        return traces::run(megabytes);
    }
    if args.first().is_some_and(|a| a == "manifest") {
        let sizes = sizes_or(&args[1..], &manifest::DEFAULT_MEGABYTES, "a size in MB")?;
        let dir = std::env::temp_dir().join(format!("meshgraph-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut rows = Vec::new();
        for mb in sizes {
            match manifest::run(&dir, mb) {
                Ok(more) => rows.extend(more),
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(e);
                }
            }
        }
        std::fs::remove_dir_all(&dir)?;
        manifest::print(&rows);
        return Ok(());
    }
    if args.first().is_some_and(|a| a == "record") {
        let (Some(size), Some(dir)) = (args.get(1), args.get(2)) else {
            bail!("usage: meshgraph-bench record WORKLOADS[:NAMESPACES] DIR");
        };
        let size = MeshSize::parse(size).map_err(|e| anyhow::anyhow!(e))?;
        let (series, bytes) = recording::write(size, std::path::Path::new(dir))?;
        println!(
            "{dir}: {series} answer series, {:.1} MB of answers; time it with: meshgraph snapshot --replay {dir} -o graph.json",
            mb(bytes)
        );
        return Ok(());
    }
    if args.first().is_some_and(|a| a == "serve") {
        let Some(size) = args.get(1) else {
            bail!("usage: meshgraph-bench serve WORKLOADS[:NAMESPACES]");
        };
        let size = MeshSize::parse(size).map_err(|e| anyhow::anyhow!(e))?;
        let (toml, _) = mesh::scenario_toml(size);
        let scenario = meshgraph_scenario::Scenario::from_toml(&toml, "generated mesh")?;
        let (server, raw_series, at) = server::backfill(&scenario)?;
        println!(
            "{} holds {raw_series} raw series; query it at time={at} (e.g. meshgraph snapshot --prometheus {} --at {at}); close stdin to stop it",
            server.url(),
            server.url()
        );
        // Until stdin closes; the server stops when it is dropped.
        std::io::copy(&mut std::io::stdin(), &mut std::io::sink())?;
        drop(server);
        return Ok(());
    }
    if args.first().is_some_and(|a| a == "check") {
        let sizes = sizes_or(&args[1..], &dump::DEFAULT_OBJECTS, "a number of objects")?;
        let rows = sizes
            .into_iter()
            .map(dump::run)
            .collect::<Result<Vec<_>>>()?;
        dump::print(&rows);
        return Ok(());
    }
    let with_server = !args.iter().any(|a| a == "--no-server");
    let names: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--no-server")
        .collect();
    let names = if names.is_empty() {
        DEFAULT_SIZES.to_vec()
    } else {
        names
    };
    let sizes = names
        .into_iter()
        .map(MeshSize::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let mut rows = Vec::new();
    for size in sizes {
        rows.push(run(size, with_server)?);
    }
    print(&rows);
    print_work(&rows);
    print_server(&rows);
    Ok(())
}

fn print_work(rows: &[Row]) {
    println!("\nwork per answer series (allocation calls; deterministic, not timed)");
    let mut header = vec!["workloads".to_string(), "series".to_string()];
    header.extend(work::STEPS.iter().map(|s| s.to_string()));
    header.push("findings".into());
    header.push("badge vis".into());
    row(11, &header);
    for r in rows {
        let mut cells = vec![r.size.workloads.to_string(), r.work.series.to_string()];
        cells.extend((0..work::STEPS.len()).map(|i| format!("{:.3}", r.work.per_series(i))));
        cells.push(r.work.findings.to_string());
        cells.push(r.work.badge_visits.to_string());
        row(11, &cells);
    }
    if let (Some(small), Some(large)) = (rows.first(), rows.last())
        && large.work.series > small.work.series
    {
        let worst = (0..work::STEPS.len())
            .map(|i| {
                (
                    large.work.per_series(i) / small.work.per_series(i).max(1e-12),
                    i,
                )
            })
            .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
        println!(
            "  largest growth of a step's work per series, last / first mesh: {:.2}x ({}) for {:.1}x the series",
            worst.0,
            work::STEPS[worst.1],
            large.work.series as f64 / small.work.series as f64
        );
    }
}

fn print_server(rows: &[Row]) {
    if rows.iter().all(|r| r.server.is_none()) {
        return;
    }
    println!(
        "\nend to end against a real Prometheus (promtool backfill, this machine), {} queries in flight per set",
        server::CONCURRENCY
    );
    row(
        10,
        &cells(&[
            "workloads",
            "raw series",
            "mg series",
            "mg edges",
            "mg prom s",
            "mg wall s",
            "mg own %",
            "mg prom cpu",
            "ki queries",
            "ki series",
            "ki rates s",
            "ki p95 s",
            "ki prom cpu",
            "wall/ki",
            "cpu/ki",
            "rules prom s",
            "rules wall s",
            "rules cpu",
            "r wall/ki",
        ]),
    );
    for r in rows {
        let Some(s) = &r.server else { continue };
        let kiali = (s.kiali_rates + s.kiali_p95).as_secs_f64();
        row(
            10,
            &[
                r.size.workloads.to_string(),
                s.raw_series.to_string(),
                s.mg_series.to_string(),
                s.graph_edges.to_string(),
                format!("{:.2}", s.mg_server.as_secs_f64()),
                format!("{:.2}", s.mg_wall.as_secs_f64()),
                format!(
                    "{:.0}",
                    100.0 * s.mg_wall.saturating_sub(s.mg_server).as_secs_f64()
                        / s.mg_wall.as_secs_f64().max(1e-9)
                ),
                format!("{:.2}", s.mg_cpu.as_secs_f64()),
                s.kiali_queries.to_string(),
                s.kiali_series.to_string(),
                format!("{:.2}", s.kiali_rates.as_secs_f64()),
                format!("{:.2}", s.kiali_p95.as_secs_f64()),
                format!("{:.2}", s.kiali_cpu.as_secs_f64()),
                format!("{:.2}", s.mg_wall.as_secs_f64() / kiali.max(1e-9)),
                format!(
                    "{:.2}",
                    s.mg_cpu.as_secs_f64() / s.kiali_cpu.as_secs_f64().max(1e-9)
                ),
                format!("{:.2}", s.rules_server.as_secs_f64()),
                format!("{:.2}", s.rules_wall.as_secs_f64()),
                format!("{:.2}", s.rules_cpu.as_secs_f64()),
                format!("{:.2}", s.rules_wall.as_secs_f64() / kiali.max(1e-9)),
            ],
        );
    }
    println!(
        "  mg: meshgraph's queries (ten families, the latency buckets in four parts), then reconcile, build_graph and to_json (wall); ki: the Kiali-style \
         per-namespace set (6 rate queries + 2 p95 histogram_quantile per namespace, see src/server.rs);\n  \
         prom s: time waiting on the server; prom cpu: Prometheus's own user+system CPU seconds (/proc); \
         wall/ki: meshgraph's wall / the Kiali set's time (rates + p95);\n  \
         rules: meshgraph again with the series of docs/recording-rules.yaml backfilled beside the raw ones (a probe query, \
         then one recorded-series query per family or part; the graph must equal the computed one)"
    );
    if let Some(rss) = server::peak_rss() {
        println!(
            "  peak RSS of this benchmark process (all sizes, all steps): {:.0} MB",
            mb(rss)
        );
    }
}
