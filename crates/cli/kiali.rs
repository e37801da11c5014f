//! `meshgraph kiali --kiali-graph FILE`: every arrow Kiali draws, mapped to the
//! logical calls and series behind it.

use anyhow::{Context, anyhow, bail};
use meshgraph_core::{GraphOptions, build_graph};
use meshgraph_export::{JsonDocument, JsonEdge, SnapshotMeta};
use meshgraph_kiali::{
    EdgeMapping, GraphQuery, KialiGraph, MissingCall, Summary, fetch_graph, map_graph, parse_graph,
};
use meshgraph_source::Scope;

use crate::cli::{GlobalArgs, KialiArgs, KialiFormat};
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

/// Istio's Kiali addon, reached through the API server (`--kiali auto`).
const KIALI_ADDON: &str = "k8s://istio-system/kiali:20001/kiali";

/// The graph from `--kiali URL`, asked with the telemetry's scope; the
/// graph URL (without credentials) names it.
fn fetch_live(
    args: &KialiArgs,
    url: &str,
    scope: &Scope,
    quiet: bool,
) -> anyhow::Result<(KialiGraph, String)> {
    if scope.namespaces.is_empty() {
        bail!(
            "--kiali needs the namespaces to graph: give -n NAMESPACE (repeatable), as Kiali's graph API does"
        );
    }
    let flags = input::ServerFlags {
        what: "Kiali",
        url,
        token_file: args.kiali_token_file.as_deref(),
        token_env: "MESHGRAPH_KIALI_TOKEN",
        user: None,
        password_env: "MESHGRAPH_KIALI_PASSWORD",
        headers: &[],
        header_flag: "--kiali-header",
        ca_file: None,
        timeout: &args.input.prometheus.query_timeout,
        max_response_bytes: meshgraph_source::DEFAULT_MAX_RESPONSE_BYTES,
    };
    // Through the API server: an explicit k8s:// URL, or `auto` for the addon.
    let url = if url == "auto" { KIALI_ADDON } else { url };
    let flags = input::ServerFlags { url, ..flags };
    let (config, _ca_file) = match meshgraph_kube::ServiceRef::parse_k8s_url(url) {
        Some(service) => {
            let service = service.map_err(|e| anyhow::anyhow!("--kiali: {e}"))?;
            let input::ReachedServer {
                config,
                reached,
                ca_file: ca,
                ..
            } = input::through_service_proxy(&flags, &service, &args.input.config)?;
            if let Some(line) = reached.filter(|_| !quiet) {
                eprintln!("meshgraph: kiali: {line}");
            }
            (config, ca)
        }
        None => (input::server_config(&flags)?, None),
    };
    let query = GraphQuery {
        namespaces: scope.namespaces.clone(),
        graph_type: args.kiali_graph_type.clone(),
        duration_secs: scope.window.as_secs(),
        query_time: scope.at.as_second(),
        inject_service_nodes: true,
    };
    let origin = meshgraph_source::redact_url_str(url);
    let graph = input::runtime()?.block_on(fetch_graph(&config, &query))?;
    Ok((
        graph,
        format!("{}/api/namespaces/graph", origin.trim_end_matches('/')),
    ))
}

pub fn run(global: &GlobalArgs, args: &KialiArgs) -> anyhow::Result<Exit> {
    let mut inputs = output::input_paths(&args.input, global);
    if let Some(file) = &args.kiali_graph {
        inputs.push(std::path::Path::new(file));
    }
    output::refuse_overwriting(&[&args.output], &inputs)?;
    let file_graph = match &args.kiali_graph {
        Some(file) => Some(read_graph(file)?),
        None => None,
    };
    let collected = input::collect(&args.input, &[], false)?;
    collected.report(global.quiet);
    let (graph, origin) = match (file_graph, &args.kiali) {
        (Some(graph), _) => (graph, args.kiali_graph.clone().unwrap_or_default()),
        (None, Some(url)) => fetch_live(args, url, &collected.scope, global.quiet)?,
        (None, None) => bail!("give --kiali-graph FILE or --kiali URL"),
    };
    let classify = collected.classify_options(&args.input.prometheus);
    let rec = collected.reconcile(&classify);
    let mut mapping = map_graph(&graph, &rec, &collected.observations);
    let (at, window) = (
        collected.scope.at.as_second(),
        collected.scope.window.as_secs(),
    );
    mapping.warnings.extend(window_warnings(&graph, at, window));
    if !global.quiet {
        for w in &mapping.warnings {
            eprintln!(
                "meshgraph: warning: {}",
                meshgraph_model::escape_controls(w)
            );
        }
    }
    let text = match args.format {
        KialiFormat::Text => meshgraph_kiali::to_text(&mapping),
        KialiFormat::Svg => meshgraph_kiali::to_svg(&graph, &mapping),
        KialiFormat::Html => meshgraph_kiali::to_html(&graph, &mapping),
        KialiFormat::Json => {
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
                    file: &origin,
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
