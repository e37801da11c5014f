//! `meshgraph report`: the nightly health page.

use anyhow::Context;
use meshgraph_checks::Severity;
use meshgraph_export::{
    DiffOptions, DotOptions, ReportFinding, ReportInput, diff_snapshots, range_section, to_json,
    to_report_html, to_svg,
};

use meshgraph_history::render;

use crate::cli::{GlobalArgs, ReportArgs, ReportFailOn};
use crate::{Exit, history, output, snapshot};

/// How many edges the history section's table lists (regressed first, then
/// by traffic): its sparklines are a kilobyte an edge.
const HISTORY_TABLE_EDGES: usize = 100;

pub fn run(global: &GlobalArgs, args: &ReportArgs) -> anyhow::Result<Exit> {
    let mut inputs = output::input_paths(&args.input, global);
    inputs.extend(args.previous.as_deref());
    let mut outputs = vec![args.output.as_str()];
    outputs.extend(args.json_out.as_deref());
    outputs.extend(args.history.markdown.as_deref());
    outputs.extend(args.history.history_json.as_deref());
    output::refuse_overwriting(&outputs, &inputs)?;
    let range = crate::range::parse(args)?;
    let built = snapshot::build(global, &args.input, &args.graph, true)?;
    let json = to_json(&built.graph, &built.meta)?;
    let diff = match &args.previous {
        Some(path) => {
            let old = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let origin = path.display().to_string();
            Some(diff_snapshots(
                &old,
                &json,
                (&origin, "this run"),
                &DiffOptions::default(),
            )?)
        }
        None => None,
    };
    // The page draws the legend as HTML beside the graph, so it stays
    // readable when the graph is zoomed; its script finds the drawn nodes
    // and edges by their element ids.
    let dot_options = DotOptions {
        legend: false,
        element_ids: true,
        ..snapshot::picture_options(&built, &args.graph)
    };
    let (svg, layout) = to_svg(&built.graph, &dot_options)?;
    if !global.quiet {
        eprintln!("meshgraph: SVG laid out by {layout}");
    }
    // The page's data describes the graph as drawn: folded to namespaces
    // when it was too large to lay out node by node.
    let folded = layout
        .collapsed_from
        .is_some()
        .then(|| built.graph.collapsed_to_namespaces());
    let history = history::for_report(&args.history, &json, &built, global)?;
    let range_view = match range {
        Some(range) => {
            let regressed: Vec<String> = history
                .as_ref()
                .map(|h| {
                    h.trends
                        .regressions
                        .iter()
                        .map(|r| r.subject.clone())
                        .collect()
                })
                .unwrap_or_default();
            Some(crate::range::collect(
                args,
                &built,
                &regressed,
                range,
                global.quiet,
            )?)
        }
        None => None,
    };
    let report = built.findings.unwrap_or_default();
    let findings: Vec<ReportFinding> = report
        .findings
        .iter()
        .map(|f| ReportFinding {
            severity: f.severity,
            code: f.code.to_string(),
            resource: f.resource.to_string(),
            message: f.message.clone(),
        })
        .collect();
    let mut html = to_report_html(&ReportInput {
        graph: &built.graph,
        meta: &built.meta,
        svg: &svg,
        findings: &findings,
        diff: diff.as_ref(),
        worst: args.worst,
        legend: !args.graph.no_legend,
        drawn: Some(folded.as_ref().unwrap_or(&built.graph)),
        explain: Some((&built.reconciliation, &built.collected.observations)),
    });
    if let Some(view) = &range_view {
        html = history::insert_section(&html, &range_section(view));
    }
    let history_files = match &history {
        Some(h) => {
            // The edge table lists the regressed and busiest edges; every
            // edge's series is in the page for its panel (and in the JSON).
            html = history::insert_section(
                &html,
                &render::to_html_section(&h.trends, HISTORY_TABLE_EDGES),
            );
            history::report_files(&args.history, h, &args.output)
        }
        None => Vec::new(),
    };
    // The page and its JSON snapshot are written together or not at all.
    let mut files: Vec<(&str, &[u8])> = vec![(args.output.as_str(), html.as_bytes())];
    if let Some(path) = &args.json_out {
        files.push((path.as_str(), json.as_bytes()));
    }
    for (path, text) in &history_files {
        files.push((path.as_str(), text.as_bytes()));
    }
    output::write_outputs(&files).context("writing the report")?;
    let threshold = match args.fail_on {
        ReportFailOn::Error => Some(Severity::Error),
        ReportFailOn::Warning => Some(Severity::Warning),
        ReportFailOn::Info => Some(Severity::Info),
        ReportFailOn::Never | ReportFailOn::Regression => None,
    };
    let findings_fail = threshold.is_some_and(|t| report.worst().is_some_and(|w| w >= t));
    let regressed = diff.as_ref().is_some_and(|d| d.has_regressions())
        || history.as_ref().is_some_and(|h| h.regressed);
    if !global.quiet {
        eprintln!(
            "meshgraph: wrote {} ({} findings{})",
            args.output,
            report.findings.len(),
            if regressed {
                ", regressions since the previous snapshot"
            } else {
                ""
            }
        );
    }
    if let Some(empty) = built
        .collected
        .empty_exit(args.input.allow_empty, global.quiet)
    {
        return Ok(empty);
    }
    Ok(if findings_fail || regressed {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
