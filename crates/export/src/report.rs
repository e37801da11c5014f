//! The nightly health report: one self-contained HTML page with the graph, the
//! worst edges, the findings and what changed since the last report.

use std::fmt::Write;

use meshgraph_core::MeshGraph;

use crate::diff::SnapshotDiff;
use crate::json::SnapshotMeta;
use crate::style;
use crate::time::format_rfc3339;

/// A finding as the report shows it (the CLI converts from the checks).
#[derive(Debug, Clone)]
pub struct ReportFinding {
    pub severity: String,
    pub code: String,
    pub resource: String,
    pub message: String,
}

/// What the report is made of.
#[derive(Debug)]
pub struct ReportInput<'a> {
    pub graph: &'a MeshGraph,
    pub meta: &'a SnapshotMeta,
    /// The graph drawn as SVG (inlined into the page).
    pub svg: &'a str,
    pub findings: &'a [ReportFinding],
    /// Changes since the previous report's snapshot, when one was given.
    pub diff: Option<&'a SnapshotDiff>,
    /// How many edges the "worst edges" table lists.
    pub worst: usize,
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Strips the XML prolog and doctype so the SVG can sit inside HTML.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or("", |i| &svg[i..])
}

const STYLE: &str = "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#212121}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bdbdbd;padding:4px 8px;text-align:left}\
th{background:#f5f5f5}.error{color:#c62828}.warning{color:#ef6c00}.info{color:#1565c0}\
.graph{overflow:auto;border:1px solid #e0e0e0;padding:1em}.num{text-align:right}";

/// The report as HTML.
pub fn to_report_html(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    let title = format!("meshgraph report: {}", input.meta.source);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        html_escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", html_escape(&title));
    let edges: Vec<_> = input.graph.edges().collect();
    let total_rps: f64 = edges
        .iter()
        .filter_map(|(_, _, e)| e.l7.as_ref().map(|l| l.rps))
        .sum();
    let error_rps: f64 = edges
        .iter()
        .filter_map(|(_, _, e)| e.l7.as_ref().map(|l| l.error_rps))
        .sum();
    let count = |s: &str| input.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "<p id=\"summary\">At {} over {} s: <b>{}</b> nodes, <b>{}</b> edges, {total_rps:.2} req/s of which {error_rps:.2} failed; \
findings: <span class=\"error\">{} errors</span>, <span class=\"warning\">{} warnings</span>, <span class=\"info\">{} info</span>.</p>",
        format_rfc3339(input.meta.at),
        input.meta.window_seconds,
        input.graph.graph.node_count(),
        edges.len(),
        count("error"),
        count("warning"),
        count("info"),
    );

    out.push_str("<h2>Graph</h2>\n<div class=\"graph\">");
    out.push_str(inline_svg(input.svg));
    out.push_str("</div>\n");

    out.push_str("<h2>Worst edges</h2>\n<table id=\"worst-edges\"><tr><th>from</th><th>to</th><th>protocol</th><th class=\"num\">req/s</th><th class=\"num\">errors</th><th class=\"num\">p99 ms</th><th>mTLS</th><th>findings</th></tr>\n");
    let mut ranked = edges.clone();
    let key = |e: &meshgraph_core::graph::GraphEdge| {
        (
            style::error_share(e).unwrap_or(0.0),
            e.l7.as_ref()
                .and_then(|l| l.latency.quantile(0.99))
                .unwrap_or(0.0),
        )
    };
    ranked.sort_by(|a, b| {
        key(b.2)
            .partial_cmp(&key(a.2))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (from, to, e) in ranked.iter().take(input.worst) {
        let share = style::error_share(e).map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0));
        let rps =
            e.l7.as_ref()
                .map_or("-".to_string(), |l| format!("{:.2}", l.rps));
        let p99 =
            e.l7.as_ref()
                .and_then(|l| l.latency.quantile(0.99))
                .map_or("-".to_string(), |p| format!("{p:.0}"));
        let mtls = e
            .security
            .share()
            .map_or("-".to_string(), |s| format!("{:.0}%", s * 100.0));
        let codes: Vec<&str> = e.badges.iter().map(|b| b.code.as_str()).collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{rps}</td><td class=\"num\">{share}</td><td class=\"num\">{p99}</td><td>{mtls}</td><td>{}</td></tr>",
            html_escape(&from.id),
            html_escape(&to.id),
            e.protocol.as_str(),
            html_escape(&codes.join(" "))
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Findings</h2>\n<table id=\"findings\"><tr><th>severity</th><th>code</th><th>resource</th><th>message</th></tr>\n");
    for f in input.findings {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&f.severity),
            html_escape(&f.severity),
            html_escape(&f.code),
            html_escape(&f.resource),
            html_escape(&f.message)
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Since the last report</h2>\n");
    match input.diff {
        None => out.push_str("<p id=\"changes\">No previous snapshot was given (<code>--previous FILE</code>).</p>\n"),
        Some(d) if d.is_empty() => out.push_str("<p id=\"changes\">No changes.</p>\n"),
        Some(d) => {
            out.push_str("<ul id=\"changes\">\n");
            let mut item = |class: &str, text: String| {
                let _ = writeln!(out, "<li class=\"{class}\">{}</li>", html_escape(&text));
            };
            for e in &d.edges_vanished {
                item("error", format!("edge vanished: {e}"));
            }
            for w in &d.edges_worse {
                item("error", format!("edge got worse: {} -> {}: {}", w.source, w.target, w.reasons.join(", ")));
            }
            for n in &d.nodes_vanished {
                item("warning", format!("node vanished: {n}"));
            }
            for e in &d.edges_appeared {
                item("info", format!("edge appeared: {e}"));
            }
            for n in &d.nodes_appeared {
                item("info", format!("node appeared: {n}"));
            }
            out.push_str("</ul>\n");
        }
    }
    for warning in &input.meta.warnings {
        let _ = writeln!(
            out,
            "<p class=\"warning\">warning: {}</p>",
            html_escape(warning)
        );
    }
    out.push_str("</body></html>\n");
    out
}
