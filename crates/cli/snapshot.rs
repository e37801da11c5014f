//! `meshgraph snapshot`.

use anyhow::{Context, anyhow};
use meshgraph_core::{GraphOptions, build_graph};
use meshgraph_export::{DotOptions, Format, SnapshotMeta, to_dot, to_json, to_svg};

use crate::cli::{GlobalArgs, SnapshotArgs};
use crate::{Exit, input, output};

pub fn run(global: &GlobalArgs, args: &SnapshotArgs) -> anyhow::Result<Exit> {
    let format = match &args.format {
        Some(name) => Format::parse(name).ok_or_else(|| anyhow!("unknown format {name:?}"))?,
        None if args.output == "-" => Format::Json,
        None => Format::from_path(&args.output).ok_or_else(|| {
            anyhow!(
                "cannot tell the format of {:?} from its extension; use --format {}",
                args.output,
                Format::NAMES.join("|")
            )
        })?,
    };
    let collected = input::collect(&args.input, &[], false)?;
    collected.report(global.quiet);
    let classify = collected.classify_options(&args.input.prometheus.ztunnel_label);
    let reconciliation = collected.reconcile(&classify);
    if global.verbose {
        for note in &reconciliation.notes {
            eprintln!("meshgraph: note: {note}");
        }
    }
    let graph = build_graph(
        &reconciliation,
        &GraphOptions {
            graph_type: args.graph.graph_type.into(),
            show_waypoints: args.graph.show_waypoints,
            show_infra: args.graph.show_infra,
        },
    );
    let mut warnings = collected.warnings.clone();
    warnings.extend(reconciliation.notes.iter().cloned());
    let meta = SnapshotMeta {
        at: collected.at,
        window_seconds: collected.window_seconds,
        source: collected.source.clone(),
        warnings,
    };
    let dot_options = DotOptions {
        title: Some(format!("meshgraph: {}", collected.source)),
        ..DotOptions::default()
    };
    let contents = match format {
        Format::Json => to_json(&graph, &meta)?,
        Format::Dot => to_dot(&graph, &dot_options),
        Format::Svg => {
            let (svg, renderer) = to_svg(&graph, &dot_options)?;
            if !global.quiet {
                eprintln!("meshgraph: SVG laid out by {renderer}");
            }
            svg
        }
    };
    output::write_output(&args.output, contents.as_bytes()).context("writing the graph")?;
    if !global.quiet && args.output != "-" {
        eprintln!(
            "meshgraph: wrote {} ({} nodes, {} edges)",
            args.output,
            graph.graph.node_count(),
            graph.graph.edge_count()
        );
    }
    Ok(Exit::Clean)
}
