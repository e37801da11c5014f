//! `meshgraph snapshot`.

use anyhow::{Context, anyhow};
use meshgraph_checks::{CheckOptions, CheckReport, Telemetry};
use meshgraph_core::{GraphOptions, MeshGraph, Reconciliation, build_graph};
use std::collections::{BTreeMap, BTreeSet};

use meshgraph_export::{
    DotOptions, Format, NamespaceMode, SnapshotMeta, to_cytoscape, to_dot, to_json, to_mermaid,
    to_svg,
};

use crate::cli::{GlobalArgs, GraphArgs, InputArgs, SnapshotArgs};
use crate::{Exit, input, output};

pub fn run(global: &GlobalArgs, args: &SnapshotArgs) -> anyhow::Result<Exit> {
    output::refuse_overwriting(&[&args.output], &output::input_paths(&args.input, global))?;
    let format = match &args.format {
        Some(format) => *format,
        None if args.output == "-" => Format::Json,
        None => Format::from_path(&args.output).ok_or_else(|| {
            anyhow!(
                "cannot tell the format of {:?} from its extension; use --format {}",
                args.output,
                Format::NAMES.join("|")
            )
        })?,
    };
    let built = build(global, &args.input, &args.graph, !args.no_findings)?;
    let (graph, meta, collected) = (&built.graph, &built.meta, &built.collected);
    let dot_options = picture_options(&built, &args.graph);
    let contents = match format {
        Format::Json => to_json(graph, meta)?,
        Format::Dot => to_dot(graph, &dot_options),
        Format::Cytoscape => to_cytoscape(graph, meta)?,
        Format::Mermaid => to_mermaid(graph),
        Format::Svg => {
            let (svg, renderer) = to_svg(graph, &dot_options)?;
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
    let exit = collected
        .empty_exit(args.input.allow_empty, global.quiet)
        .unwrap_or(Exit::Clean);
    // The output is written and the process is about to exit: freeing a
    // large snapshot piece by piece took a seventh of meshgraph's time on a
    // big mesh (issue 14), and the operating system reclaims it at once.
    std::mem::forget(contents);
    std::mem::forget(built);
    Ok(exit)
}

/// How the picture is titled and annotated: time and window, the empty note,
/// the legend, and each namespace's data-plane mode when the objects tell it.
pub fn picture_options(built: &Built, graph_args: &GraphArgs) -> DotOptions {
    DotOptions {
        legend: !graph_args.no_legend,
        namespace_modes: namespace_modes(&built.collected.config),
        ..DotOptions::titled(&built.meta)
    }
}

/// The data-plane mode of each Namespace object read: ambient (with a
/// waypoint when the namespace names one), sidecar, or out of the mesh.
fn namespace_modes(config: &meshgraph_config::MeshConfig) -> BTreeMap<String, NamespaceMode> {
    use meshgraph_config::{Enrollment, Kind};
    let with_waypoint: BTreeSet<String> = config
        .waypoint_uses()
        .into_iter()
        .filter(|u| u.kind == Kind::Namespace)
        .map(|u| u.name)
        .collect();
    config
        .of_kind(Kind::Namespace)
        .map(|ns| {
            let enrollment = Enrollment::of(ns);
            let name = ns.name().to_string();
            let mode = if enrollment.ambient && with_waypoint.contains(&name) {
                NamespaceMode::AmbientWaypoint
            } else if enrollment.ambient {
                NamespaceMode::Ambient
            } else if enrollment.injects() {
                NamespaceMode::Sidecar
            } else {
                NamespaceMode::OutOfMesh
            };
            (name, mode)
        })
        .collect()
}

/// A graph built from the input, with what produced it.
pub struct Built {
    pub collected: input::Collected,
    pub graph: MeshGraph,
    pub meta: SnapshotMeta,
    /// The checks' findings, when they ran.
    pub findings: Option<CheckReport>,
    /// The reconciliation the graph was built from (`report` embeds each
    /// edge's `explain` text).
    pub reconciliation: Reconciliation,
}

/// Collects, reconciles, builds the graph and (with `findings`) runs the
/// checks and puts their codes on the graph: what `snapshot` and `report` share.
pub fn build(
    global: &GlobalArgs,
    input: &InputArgs,
    graph_args: &GraphArgs,
    findings: bool,
) -> anyhow::Result<Built> {
    let collected = input::collect(input, &[], false)?;
    collected.report(global.quiet);
    let classify = collected.classify_options(&input.prometheus);
    let reconciliation = collected.reconcile(&classify);
    if global.verbose {
        for note in &reconciliation.notes {
            eprintln!(
                "meshgraph: note: {}",
                meshgraph_model::escape_controls(note)
            );
        }
    }
    let mut graph = build_graph(
        &reconciliation,
        &GraphOptions {
            graph_type: graph_args.graph_type.into(),
            show_waypoints: graph_args.show_waypoints,
            show_infra: graph_args.show_infra,
        },
    );
    if !graph_args.cluster_name.is_empty() {
        graph.retain_clusters(&graph_args.cluster_name);
    }
    let findings = findings.then(|| badge_findings(&collected, &reconciliation, &mut graph));
    let mut warnings = collected.warnings.clone();
    warnings.extend(reconciliation.notes.iter().cloned());
    let known = &reconciliation.classification.clusters.names;
    for name in graph_args
        .cluster_name
        .iter()
        .filter(|n| !known.contains(*n))
    {
        warnings.push(if known.is_empty() {
            format!("--cluster-name {name}: the telemetry names a single cluster, so nodes carry none and nothing matches")
        } else {
            format!(
                "--cluster-name {name}: no such cluster in the telemetry (clusters: {})",
                known.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        });
    }
    let meta = SnapshotMeta {
        at: collected.scope.at.as_second(),
        window_seconds: collected.scope.window.as_secs(),
        source: collected.source.clone(),
        warnings,
        empty: collected.metrics_empty,
    };
    Ok(Built {
        collected,
        graph,
        meta,
        findings,
        reconciliation,
    })
}

/// Runs the checks and shows each finding on the nodes and edges it concerns:
/// telemetry findings on their logical edges, the others on the workload
/// their resource names.
fn badge_findings(
    collected: &input::Collected,
    rec: &Reconciliation,
    graph: &mut MeshGraph,
) -> CheckReport {
    let telemetry = collected.has_telemetry.then_some(Telemetry {
        observations: &collected.observations,
        reconciliation: rec,
    });
    let report = meshgraph_checks::check(&collected.config, telemetry, &CheckOptions::default());
    meshgraph_checks::badge_graph(&report, &mut graph.badges(rec));
    report
}
