//! The nightly health report: one self-contained HTML page with the graph, the
//! worst edges, the findings and what changed since the last report.

use std::fmt::Write;

use meshgraph_core::MeshGraph;
use meshgraph_model::Severity;

use crate::diff::SnapshotDiff;
use crate::json::SnapshotMeta;
use crate::style;
use crate::time::format_rfc3339;

/// A finding as the report shows it (the CLI converts from the checks).
#[derive(Debug, Clone)]
pub struct ReportFinding {
    pub severity: Severity,
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
    /// Show the legend (as HTML beside the graph, so it stays readable when
    /// the graph is zoomed; render `svg` with `DotOptions::legend = false`).
    pub legend: bool,
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

/// Strips the XML prolog and doctype so the SVG can sit inside HTML, and
/// makes it scale to the page: the fixed `width`/`height` of the root element
/// are replaced by `width="100%"` (the `viewBox` keeps the proportions; one is
/// added from the old size when missing).
fn inline_svg(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return String::new();
    };
    let svg = &svg[start..];
    let Some(end) = svg.find('>') else {
        return String::new();
    };
    let (tag, rest) = svg.split_at(end);
    let width = svg_attr(tag, "width");
    let height = svg_attr(tag, "height");
    let mut out = String::from("<svg");
    let mut has_viewbox = false;
    for (name, value) in svg_attrs(&tag[4..]) {
        match name {
            "width" | "height" | "style" => {}
            _ => {
                has_viewbox |= name == "viewBox";
                out.push_str(&format!(" {name}=\"{value}\""));
            }
        }
    }
    if !has_viewbox {
        if let (Some(w), Some(h)) = (width.and_then(svg_length), height.and_then(svg_length)) {
            out.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
        }
    }
    out.push_str(" id=\"graph-svg\" width=\"100%\" preserveAspectRatio=\"xMidYMin meet\"");
    if let Some(w) = width.and_then(svg_length) {
        // Never drawn larger than it was laid out.
        out.push_str(&format!(" style=\"max-width:{w}px;height:auto\""));
    }
    out.push_str(rest);
    out
}

/// The attributes of an SVG start tag (without `<svg`), in order. The tag
/// comes from Graphviz or our own writer, whose values never hold quotes.
fn svg_attrs(tag: &str) -> Vec<(&str, &str)> {
    let mut attrs = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(close) = after[1..].find(quote) else {
            break;
        };
        attrs.push((name, &after[1..1 + close]));
        rest = &after[close + 2..];
    }
    attrs
}

fn svg_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    svg_attrs(tag.get(4..)?)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// `1234pt` or `1234` as CSS pixels (1pt = 4/3 px).
fn svg_length(value: &str) -> Option<f64> {
    let (number, scale) = match value.strip_suffix("pt") {
        Some(n) => (n, 4.0 / 3.0),
        None => (value.strip_suffix("px").unwrap_or(value), 1.0),
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .map(|n| (n * scale).round())
}

/// The legend as HTML, from the same definitions as the drawing's.
fn legend_html(graph: &MeshGraph) -> String {
    let mut out = String::from("<div id=\"legend\" class=\"legend\"><b>Legend</b><ul>");
    for row in style::legend_edges() {
        let border = match row.line {
            "dashed" => "2px dashed",
            "bold" => "4px solid",
            _ => "2px solid",
        };
        let marker = if row.via_waypoint {
            "&#9675;&#9656;"
        } else {
            "&#9656;"
        };
        let _ = write!(
            out,
            "<li><span class=\"line\" style=\"border-top:{border} {c}\"></span><span style=\"color:{c}\">{marker}</span> {}</li>",
            html_escape(row.text),
            c = row.color
        );
    }
    for (_, text) in style::legend_kinds(graph.nodes().map(|n| n.kind)) {
        let _ = write!(out, "<li>{}</li>", html_escape(&text));
    }
    let _ = write!(out, "<li>{}</li>", html_escape(style::LEGEND_BADGES));
    out.push_str("</ul></div>\n");
    out
}

/// Pan and zoom for the inline SVG: wheel to zoom, drag to pan, buttons,
/// double click to reset. Self-contained, no network. It only edits the
/// `viewBox`, so the page works (unzoomed) without scripts.
const PAN_ZOOM: &str = r#"(function(){var s=document.getElementById('graph-svg');if(!s||!s.viewBox||!s.viewBox.baseVal)return;
var b=s.viewBox.baseVal,o={x:b.x,y:b.y,w:b.width,h:b.height},v={x:b.x,y:b.y,w:b.width,h:b.height};
function set(){s.setAttribute('viewBox',v.x+' '+v.y+' '+v.w+' '+v.h);}
function zoom(f,cx,cy){var nw=Math.min(o.w*4,Math.max(o.w/20,v.w*f)),k=nw/v.w;v.x=cx-(cx-v.x)*k;v.y=cy-(cy-v.y)*k;v.w=nw;v.h=v.h*k;set();}
function pt(e){var r=s.getBoundingClientRect(),sc=Math.max(v.w/r.width,v.h/r.height);return{x:v.x+(e.clientX-r.left)*sc,y:v.y+(e.clientY-r.top)*sc,sc:sc};}
s.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e);zoom(e.deltaY>0?1.15:1/1.15,p.x,p.y);},{passive:false});
var d=null;s.addEventListener('pointerdown',function(e){d={x:e.clientX,y:e.clientY,vx:v.x,vy:v.y,sc:pt(e).sc};s.setPointerCapture(e.pointerId);s.style.cursor='grabbing';});
s.addEventListener('pointermove',function(e){if(!d)return;v.x=d.vx-(e.clientX-d.x)*d.sc;v.y=d.vy-(e.clientY-d.y)*d.sc;set();});
s.addEventListener('pointerup',function(){d=null;s.style.cursor='';});
function reset(){v={x:o.x,y:o.y,w:o.w,h:o.h};set();}
s.addEventListener('dblclick',reset);
var c=function(){return{x:v.x+v.w/2,y:v.y+v.h/2};};
var zi=document.getElementById('zoom-in'),zo=document.getElementById('zoom-out'),zr=document.getElementById('zoom-reset');
if(zi)zi.onclick=function(){var p=c();zoom(1/1.25,p.x,p.y);};if(zo)zo.onclick=function(){var p=c();zoom(1.25,p.x,p.y);};if(zr)zr.onclick=reset;})();"#;

const STYLE: &str = "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#212121}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bdbdbd;padding:4px 8px;text-align:left}\
th{background:#f5f5f5}.error{color:#c62828}.warning{color:#ef6c00}.info{color:#1565c0}\
.graph{overflow:hidden;border:1px solid #e0e0e0;padding:1em;max-width:100%;box-sizing:border-box}\
.graph svg{display:block;max-width:100%;height:auto;margin:0 auto;touch-action:none;cursor:grab}\
.zoom{margin:.3em 0}.zoom button{font-size:1em;min-width:2em}\
.legend{font-size:.85em;margin:.5em 0}.legend ul{list-style:none;padding:0;margin:.3em 0;columns:2}\
.legend li{margin:2px 0}.legend .line{display:inline-block;width:28px;vertical-align:middle;margin-right:2px}\
.empty{border:2px solid #ef6c00;background:#fff3e0;color:#e65100;padding:.6em 1em;font-weight:bold}.num{text-align:right}";

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
    let count = |s: Severity| input.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "<p id=\"summary\">At {} over {} s: <b>{}</b> nodes, <b>{}</b> edges, {total_rps:.2} req/s of which {error_rps:.2} failed; \
findings: <span class=\"error\">{} errors</span>, <span class=\"warning\">{} warnings</span>, <span class=\"info\">{} info</span>.</p>",
        format_rfc3339(input.meta.at),
        input.meta.window_seconds,
        input.graph.graph.node_count(),
        edges.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );

    if input.meta.empty {
        out.push_str("<p id=\"empty\" class=\"empty\">No traffic in window: the metrics input returned no Istio series, so an empty graph here means no data, not a healthy mesh.</p>\n");
    }
    out.push_str("<h2>Graph</h2>\n<div class=\"zoom\"><button type=\"button\" id=\"zoom-in\" title=\"zoom in\">+</button> <button type=\"button\" id=\"zoom-out\" title=\"zoom out\">&minus;</button> <button type=\"button\" id=\"zoom-reset\" title=\"fit\">fit</button> <small>wheel to zoom, drag to pan, double click to fit</small></div>\n<div class=\"graph\">");
    out.push_str(&inline_svg(input.svg));
    out.push_str("</div>\n");
    if input.legend {
        out.push_str(&legend_html(input.graph));
    }

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
            f.severity.as_str(),
            f.severity.as_str(),
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
    let _ = writeln!(out, "<script>{PAN_ZOOM}</script>");
    out.push_str("</body></html>\n");
    out
}
