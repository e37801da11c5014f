//! `meshgraph kiali --kiali-graph FILE`: every arrow Kiali draws, mapped to the
//! logical calls and series behind it.

use anyhow::{Context, anyhow};
use meshgraph_core::{GraphOptions, build_graph};
use meshgraph_export::{JsonDocument, JsonEdge, SnapshotMeta};
use meshgraph_kiali::{EdgeMapping, KialiGraph, MissingCall, Summary, map_graph, parse_graph};

use crate::cli::{GlobalArgs, KialiArgs, TextOrJson};
use crate::{Exit, input, output};

/// Version of the JSON `meshgraph kiali` writes (docs/schema/kiali.schema.json).
pub const KIALI_SCHEMA_VERSION: u32 = 1;

#[derive(serde::Serialize)]
struct KialiDocument<'a> {
    schema_version: u32,
    kiali: KialiSource<'a>,
    /// The logical calls, as in the snapshot JSON's edges (workload graph,
    /// infrastructure included and marked).
    calls: Vec<JsonEdge>,
    edges: &'a [EdgeMapping],
    missing: &'a [MissingCall],
    summary: &'a Summary,
    warnings: &'a [String],
}

#[derive(serde::Serialize)]
struct KialiSource<'a> {
    file: &'a str,
    graph_type: Option<&'a str>,
    timestamp: Option<i64>,
    duration: Option<i64>,
    nodes: usize,
}

fn read_graph(path: &str) -> anyhow::Result<KialiGraph> {
    let bytes = if path == "-" {
        crate::input::read_capped(std::io::stdin().lock(), crate::input::MIB_512)
            .context("reading the Kiali graph from stdin")?
    } else {
        std::fs::File::open(path)
            .map_err(anyhow::Error::from)
            .and_then(|f| crate::input::read_capped(f, crate::input::MIB_512))
            .with_context(|| format!("reading the Kiali graph {path}"))?
    };
    Ok(parse_graph(&bytes, path)?)
}

fn stamp(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map_or_else(|_| secs.to_string(), meshgraph_export::format_timestamp)
}

/// Lines about a Kiali graph whose window is not the telemetry's.
fn window_warnings(graph: &KialiGraph, at: i64, window: u64) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ts) = graph.timestamp
        && (ts - at).abs() > 60
    {
        out.push(format!(
            "Kiali's graph is of {} but the telemetry of {}: rates and idle arrows may not match (use --at {ts})",
            stamp(ts),
            stamp(at)
        ));
    }
    if let Some(d) = graph.duration
        && d > 0
        && d as u64 != window
    {
        out.push(format!(
            "Kiali's graph covers {d}s but the telemetry's window is {window}s (use --window {d}s)"
        ));
    }
    out
}

pub fn run(global: &GlobalArgs, args: &KialiArgs) -> anyhow::Result<Exit> {
    let mut inputs = output::input_paths(&args.input, global);
    inputs.push(std::path::Path::new(&args.kiali_graph));
    output::refuse_overwriting(&[&args.output], &inputs)?;
    let graph = read_graph(&args.kiali_graph)?;
    let collected = input::collect(&args.input, &[], false)?;
    collected.report(global.quiet);
    let classify = collected.classify_options(&args.input.prometheus.ztunnel_label);
    let rec = collected.reconcile(&classify);
    let mut mapping = map_graph(&graph, &rec, &collected.observations);
    let (at, window) = (
        collected.scope.at.as_second(),
        collected.scope.window.as_secs(),
    );
    mapping.warnings.extend(window_warnings(&graph, at, window));
    if !global.quiet {
        for w in &mapping.warnings {
            eprintln!("meshgraph: warning: {w}");
        }
    }
    let text = match args.format {
        TextOrJson::Text => meshgraph_kiali::to_text(&mapping),
        TextOrJson::Json => {
            let logical = build_graph(
                &rec,
                &GraphOptions {
                    show_infra: true,
                    ..GraphOptions::default()
                },
            );
            let meta = SnapshotMeta {
                at,
                window_seconds: window,
                source: collected.source.clone(),
                warnings: Vec::new(),
                empty: collected.metrics_empty,
            };
            let doc = KialiDocument {
                schema_version: KIALI_SCHEMA_VERSION,
                kiali: KialiSource {
                    file: &args.kiali_graph,
                    graph_type: graph.graph_type.as_deref(),
                    timestamp: graph.timestamp,
                    duration: graph.duration,
                    nodes: graph.nodes.len(),
                },
                calls: JsonDocument::from_graph(&logical, &meta).edges,
                edges: &mapping.edges,
                missing: &mapping.missing,
                summary: &mapping.summary,
                warnings: &mapping.warnings,
            };
            let mut s =
                serde_json::to_string_pretty(&doc).map_err(|e| anyhow!("writing JSON: {e}"))?;
            s.push('\n');
            s
        }
    };
    output::write_output(&args.output, text.as_bytes()).context("writing the Kiali mapping")?;
    if !global.quiet && args.output != "-" {
        eprintln!("meshgraph: wrote {}: {}", args.output, mapping.summary.text);
    }
    Ok(collected
        .empty_exit(args.input.allow_empty, global.quiet)
        .unwrap_or(Exit::Clean))
}
