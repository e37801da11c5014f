//! The history benchmark: append a 10,000-edge run, and compute every trend
//! over 365 stored runs (3.65 M edge rows).
//!
//! `cargo run --release -p meshgraph-history --example bench [-- EDGES RUNS]`
//!
//! Prints wall-clock times and the process's peak resident memory (VmHWM);
//! fails only on an internal error, never on a threshold.

use std::time::Instant;

use meshgraph_history::{
    EdgeRow, FindingRow, HistoryStore, NodeRow, RegressionRules, RunRecord, compute,
};

const DAY: i64 = 86_400;
const START: i64 = 1_763_949_600; // 2025-11-24T02:00:00Z

fn record(at: i64, night: usize, edges: usize) -> RunRecord {
    let namespaces = 50;
    let id = |i: usize| format!("workload:ns-{}/w-{i}", i % namespaces);
    let mut rows = Vec::with_capacity(edges);
    for k in 0..edges {
        let (s, t) = (k, (k * 7 + 1) % (edges / 2 + 1));
        let base = 1.0 + (k % 100) as f64;
        // One edge in a hundred regresses in the last week.
        let bad = k % 100 == 0 && night >= 358;
        let wobble = 1.0 + ((night * 31 + k) % 7) as f64 / 100.0;
        rows.push(EdgeRow {
            source: id(s),
            target: id(t),
            source_namespace: Some(format!("ns-{}", s % namespaces)),
            target_namespace: Some(format!("ns-{}", t % namespaces)),
            cluster: Some(format!("c{}", k % 3)),
            protocol: "http".into(),
            rps: Some(base * wobble),
            error_rps: Some(base * if bad { 0.2 } else { 0.001 }),
            responses: "{}".into(),
            latency_p50_ms: Some(5.0),
            latency_p95_ms: Some(20.0),
            latency_p99_ms: Some(if bad { 400.0 } else { 40.0 * wobble }),
            mtls: Some(1.0),
            rates_from: Some("envoy-destination".into()),
            ..EdgeRow::default()
        });
    }
    let nodes = (0..edges)
        .map(|i| NodeRow {
            id: id(i),
            kind: "workload".into(),
            namespace: Some(format!("ns-{}", i % namespaces)),
            name: format!("w-{i}"),
            app: None,
            version: None,
            cluster: None,
        })
        .collect();
    let findings = (0..edges / 100)
        .map(|i| FindingRow {
            code: "MG902".into(),
            severity: Some("warning".into()),
            resource: id(i * 100),
            message: Some("errors".into()),
        })
        .collect();
    RunRecord {
        at,
        source: "bench".into(),
        graph_type: "workload".into(),
        window_seconds: 300,
        empty: false,
        nodes,
        edges: rows,
        findings,
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let edges = args.first().copied().unwrap_or(10_000);
    let runs = args.get(1).copied().unwrap_or(365);
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = HistoryStore::new(dir.path());
    let fill = Instant::now();
    for night in 0..runs - 1 {
        store
            .append(&record(START + night as i64 * DAY, night, edges))
            .expect("append");
    }
    println!(
        "filled {} runs of {edges} edges in {:.1} s",
        runs - 1,
        fill.elapsed().as_secs_f64()
    );
    let last = record(START + (runs as i64 - 1) * DAY, runs - 1, edges);
    let t = Instant::now();
    store.append(&last).expect("append");
    let append_s = t.elapsed().as_secs_f64();
    let rules = RegressionRules {
        runs,
        ..RegressionRules::default()
    };
    let t = Instant::now();
    let loaded = store.load_for_trends(Some(runs), None).expect("load");
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let trends = compute(&loaded, &rules).expect("compute");
    let compute_s = t.elapsed().as_secs_f64();
    let size: u64 = walk(dir.path());
    println!("| measure | value |\n|---|---|");
    println!("| append one {edges}-edge run | {:.3} s |", append_s);
    println!(
        "| load {runs} runs ({} edge rows) | {:.3} s |",
        loaded.trend_edges.as_ref().map_or(0, |t| t.len()),
        load_s
    );
    println!("| compute all trends | {:.3} s |", compute_s);
    println!("| load + compute | {:.3} s |", load_s + compute_s);
    println!(
        "| peak resident memory (whole process) | {:.0} MiB |",
        peak_rss_mib()
    );
    println!("| history on disk | {:.0} MiB |", size as f64 / 1048576.0);
    println!(
        "| regressions found | {} |\n| edges trended | {} |",
        trends.regressions.len(),
        trends.edges.len()
    );
}

fn walk(p: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(p) {
        for e in entries.flatten() {
            let path = e.path();
            total += if path.is_dir() {
                walk(&path)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}
