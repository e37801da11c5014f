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
mod mesh;
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
}

fn run(size: MeshSize) -> Result<Row> {
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
        "meshgraph-bench: {label}: reconciling {} series",
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
    let meta = meshgraph_export::SnapshotMeta {
        at: scenario.at,
        window_seconds: scenario.window_seconds,
        source: format!("bench:{}", scenario.name),
        warnings: Vec::new(),
        empty: false,
    };
    let (json, to_json) = measure(|| Ok(meshgraph_export::to_json(&graph, &meta)?))?;
    let (dot, to_dot) = measure(|| {
        Ok(meshgraph_export::to_dot(
            &graph,
            &meshgraph_export::DotOptions::default(),
        ))
    })?;

    Ok(Row {
        size,
        counts,
        generate,
        raw_series,
        answer_series,
        bucket_series,
        body_bytes,
        streaming,
        naive,
        reconcile,
        graph: graph_cost,
        logical_edges: rec.edges.len(),
        fingerprint,
        nodes: graph.graph.node_count(),
        edges: graph.graph.edge_count(),
        to_json,
        json_bytes: json.len(),
        to_dot,
        dot_bytes: dot.len(),
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

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!(
            "usage: meshgraph-bench [WORKLOADS[:NAMESPACES]...]   (default: {})",
            DEFAULT_SIZES.join(" ")
        );
        return Ok(());
    }
    let names: Vec<&str> = if args.is_empty() {
        DEFAULT_SIZES.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let sizes = names
        .into_iter()
        .map(MeshSize::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let mut rows = Vec::new();
    for size in sizes {
        rows.push(run(size)?);
    }
    print(&rows);
    Ok(())
}
