//! The nightly health report: one self-contained HTML page with the graph, the
//! worst edges, the findings and what changed since the last report.

use std::fmt::Write;

use meshgraph_core::{Explainer, MeshGraph, Reconciliation};
use meshgraph_model::{Observation, Severity};
use serde::Serialize;

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
    /// The graph `svg` was drawn from, with `DotOptions::element_ids`: `graph`
    /// itself, or its namespace-folded form when the SVG was folded. Its
    /// nodes and edges are embedded as data (`#mg-data`) for the page's
    /// filters and edge panel; `None` leaves the page static.
    pub drawn: Option<&'a MeshGraph>,
    /// The reconciliation behind `graph` and its observations: each drawn
    /// edge carries its `meshgraph explain` text in the page's data.
    pub explain: Option<(&'a Reconciliation, &'a [Observation])>,
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
    let rest = without_comments(rest);
    if rest.len() > COMPACT_OVER {
        out.push_str(&compact_svg(&rest));
    } else {
        out.push_str(&rest);
    }
    out
}

/// Above this many bytes the inlined drawing is compacted ([`compact_svg`]).
const COMPACT_OVER: usize = 1_000_000;

/// A large drawing made smaller without a visible change: Graphviz's tooltip
/// anchors go (each node and edge keeps its `<title>`, which browsers show as
/// its tooltip), its font family and the edge labels' size move to the page's
/// style sheet, and coordinates are rounded to whole points (a drawing this
/// large is thousands of points wide, so that is under a pixel even zoomed).
fn compact_svg(svg: &str) -> String {
    let mut text = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<g id=\"a_") {
        let Some(tag) = rest[start..].find("><a ") else {
            break;
        };
        let Some(close) = rest[start + tag + 4..].find('>') else {
            break;
        };
        text.push_str(&rest[..start]);
        rest = &rest[start + tag + 4 + close + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    text.push_str(rest);
    let text = text
        .replace("</a>\n</g>\n", "")
        .replace(" font-family=\"Helvetica,sans-Serif\"", "")
        .replace(" font-size=\"9.00\"", "");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    loop {
        let next = [" d=\"", " points=\"", " x=\"", " y=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|at| (at, a.len())))
            .min();
        let Some((at, len)) = next else {
            break;
        };
        let value_start = at + len;
        let Some(value_len) = rest[value_start..].find('"') else {
            break;
        };
        out.push_str(&rest[..value_start]);
        out.push_str(&whole_numbers(&rest[value_start..value_start + value_len]));
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

/// Every decimal number in `text` rounded to a whole one.
fn whole_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if number.is_empty() {
            return;
        }
        match number.parse::<f64>() {
            Ok(v) => {
                let rounded = v.round();
                out.push_str(&format!("{}", if rounded == 0.0 { 0.0 } else { rounded }));
            }
            Err(_) => out.push_str(number),
        }
        number.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' || (c == '-' && number.is_empty()) {
            number.push(c);
        } else {
            flush(&mut number, &mut out);
            out.push(c);
        }
    }
    flush(&mut number, &mut out);
    out
}

/// The SVG without its XML comments (Graphviz writes one per node and edge,
/// repeating the `<title>`): a tenth less page for a large graph.
fn without_comments(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => {
                rest = &rest[start + end + 3..];
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
            None => {
                rest = "";
            }
        }
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
/// double click to reset. The pointer is captured only once it moved a few
/// pixels, so a click still reaches the edge or node under it. Self-contained, no network. It only edits the
/// `viewBox`, so the page works (unzoomed) without scripts.
const PAN_ZOOM: &str = r#"(function(){var s=document.getElementById('graph-svg');if(!s||!s.viewBox||!s.viewBox.baseVal)return;
var b=s.viewBox.baseVal,o={x:b.x,y:b.y,w:b.width,h:b.height},v={x:b.x,y:b.y,w:b.width,h:b.height};
function set(){s.setAttribute('viewBox',v.x+' '+v.y+' '+v.w+' '+v.h);}
function zoom(f,cx,cy){var nw=Math.min(o.w*4,Math.max(o.w/20,v.w*f)),k=nw/v.w;v.x=cx-(cx-v.x)*k;v.y=cy-(cy-v.y)*k;v.w=nw;v.h=v.h*k;set();}
function pt(e){var r=s.getBoundingClientRect(),sc=Math.max(v.w/r.width,v.h/r.height);return{x:v.x+(e.clientX-r.left)*sc,y:v.y+(e.clientY-r.top)*sc,sc:sc};}
s.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e);zoom(e.deltaY>0?1.15:1/1.15,p.x,p.y);},{passive:false});
var d=null;s.addEventListener('pointerdown',function(e){if(e.button!==0)return;d={x:e.clientX,y:e.clientY,vx:v.x,vy:v.y,sc:pt(e).sc,id:e.pointerId,on:false};});
s.addEventListener('pointermove',function(e){if(!d)return;var dx=e.clientX-d.x,dy=e.clientY-d.y;if(!d.on){if(Math.abs(dx)+Math.abs(dy)<=4)return;d.on=true;s.setPointerCapture(d.id);s.style.cursor='grabbing';}v.x=d.vx-dx*d.sc;v.y=d.vy-dy*d.sc;set();});
function up(){d=null;s.style.cursor='';}s.addEventListener('pointerup',up);s.addEventListener('pointercancel',up);
function reset(){v={x:o.x,y:o.y,w:o.w,h:o.h};set();}
s.addEventListener('dblclick',reset);
var c=function(){return{x:v.x+v.w/2,y:v.y+v.h/2};};
var zi=document.getElementById('zoom-in'),zo=document.getElementById('zoom-out'),zr=document.getElementById('zoom-reset');
if(zi)zi.onclick=function(){var p=c();zoom(1/1.25,p.x,p.y);};if(zo)zo.onclick=function(){var p=c();zoom(1.25,p.x,p.y);};if(zr)zr.onclick=reset;})();"#;

/// A drawn node as the page's script sees it.
#[derive(Serialize)]
struct PageNode<'a> {
    /// The element id of its `<g>` in the SVG.
    el: String,
    id: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a str>,
}

#[derive(Serialize)]
struct PageFinding<'a> {
    code: &'a str,
    severity: &'static str,
}

/// A drawn edge as the page's script sees it: its figures, findings and
/// explanation (its ends' namespaces and clusters are on their nodes).
#[derive(Serialize)]
struct PageEdge<'a> {
    el: String,
    from: &'a str,
    to: &'a str,
    protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mtls_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes_to_server_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes_to_client_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    via_waypoint: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    via_network_gateway: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<PageFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<String>,
}

#[derive(Serialize)]
struct PageData<'a> {
    multi_cluster: bool,
    nodes: Vec<PageNode<'a>>,
    edges: Vec<PageEdge<'a>>,
}

/// How many (source, destination) pairs of a drawn edge's logical edges are
/// explained on the page; the rest are named for `meshgraph explain`.
const EXPLAINED_PAIRS: usize = 4;

/// About how many bytes of `explain` text the page embeds in all, shared by
/// the drawn edges (each gets between [`EXPLAIN_MIN`] and [`EXPLAIN_MAX`]): a
/// page of 2,000 edges stays a few megabytes. A cut text says how many lines
/// are left out; the panel names the command that prints all of it.
const EXPLAIN_BUDGET: usize = 700_000;
const EXPLAIN_MIN: usize = 300;
const EXPLAIN_MAX: usize = 8_000;

/// The bytes of `explain` text each of `edges` drawn edges may embed.
fn explain_cap(edges: usize) -> usize {
    (EXPLAIN_BUDGET / edges.max(1)).clamp(EXPLAIN_MIN, EXPLAIN_MAX)
}

/// `text` cut to whole lines within `cap` bytes, saying what was left out.
fn cut_explanation(text: String, cap: usize) -> String {
    if text.len() <= cap {
        return text;
    }
    let total = text.lines().count();
    let mut out = String::new();
    let mut kept = 0;
    for line in text.lines() {
        if out.len() + line.len() + 1 > cap {
            break;
        }
        out.push_str(line);
        out.push('\n');
        kept += 1;
    }
    // The panel names the command that prints all of it.
    let _ = writeln!(out, "\u{2026} {} more lines", total - kept);
    out
}

/// The `meshgraph explain` text of each pair of logical edges the drawn edge sums.
fn explain_edge(
    rec: &Reconciliation,
    observations: &[Observation],
    explainer: &Explainer<'_>,
    edge: &meshgraph_core::graph::GraphEdge,
    cap: usize,
) -> Option<String> {
    let mut pairs = Vec::new();
    for &i in &edge.logical_edges {
        let Some(logical) = rec.edges.get(i) else {
            continue;
        };
        let pair = (&logical.source, &logical.destination);
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    if pairs.is_empty() {
        return None;
    }
    let mut text = String::new();
    let per_pair = cap / pairs.len().min(EXPLAINED_PAIRS);
    for (source, destination) in pairs.iter().take(EXPLAINED_PAIRS) {
        if !text.is_empty() {
            text.push('\n');
        }
        let explanation = explainer.explain(source, destination);
        text.push_str(&cut_explanation(
            crate::explain_text(rec, observations, &explanation),
            per_pair,
        ));
    }
    if pairs.len() > EXPLAINED_PAIRS {
        let rest: Vec<String> = pairs[EXPLAINED_PAIRS..]
            .iter()
            .map(|(s, d)| format!("{} {}", s.name(), d.name()))
            .collect();
        let _ = write!(
            text,
            "\n{} more pairs; run meshgraph explain on: {}\n",
            rest.len(),
            meshgraph_model::escape_controls(&rest.join(", "))
        );
    }
    Some(text)
}

/// A node's namespace; for a node of a graph folded to namespaces
/// (`namespace:NAME`, `namespace:CLUSTER/NAME`), the namespace it stands for.
fn namespace_of(node: &meshgraph_core::Node) -> Option<&str> {
    if let Some(namespace) = node.namespace.as_deref() {
        return Some(namespace);
    }
    let folded = node.id.strip_prefix("namespace:")?;
    match node.cluster.as_deref() {
        Some(cluster) => folded
            .strip_prefix(cluster)
            .and_then(|rest| rest.strip_prefix('/')),
        None => Some(folded),
    }
}

/// The drawn graph as the page's data.
fn page_data<'a>(
    drawn: &'a MeshGraph,
    explain: Option<(&Reconciliation, &[Observation])>,
) -> PageData<'a> {
    let explainer = explain.map(|(rec, observations)| Explainer::new(rec, observations));
    let cap = explain_cap(drawn.graph.edge_count());
    let nodes = drawn
        .nodes()
        .enumerate()
        .map(|(i, n)| PageNode {
            el: crate::dot::node_element_id(i),
            id: &n.id,
            kind: n.kind.as_str(),
            namespace: namespace_of(n),
            cluster: n.cluster.as_deref(),
        })
        .collect();
    let edges = drawn
        .edges()
        .enumerate()
        .map(|(i, (from, to, e))| {
            let l7 = e.l7.as_ref();
            let quantile = |q| l7.and_then(|l| l.latency.quantile(q));
            PageEdge {
                el: crate::dot::edge_element_id(i),
                from: &from.id,
                to: &to.id,
                protocol: e.protocol.as_str(),
                rps: l7.map(|l| l.rps),
                error_share: style::error_share(e),
                p50_ms: quantile(0.5),
                p99_ms: quantile(0.99),
                mtls_share: e.security.share(),
                bytes_to_server_per_second: e.l4.as_ref().map(|l| l.bytes_to_server),
                bytes_to_client_per_second: e.l4.as_ref().map(|l| l.bytes_to_client),
                via_waypoint: e.via_waypoint.iter().map(String::as_str).collect(),
                via_network_gateway: e.via_network_gateway.iter().map(String::as_str).collect(),
                findings: e
                    .badges
                    .iter()
                    .map(|b| PageFinding {
                        code: &b.code,
                        severity: b.severity.as_str(),
                    })
                    .collect(),
                explain: match (explain, &explainer) {
                    (Some((rec, observations)), Some(explainer)) => {
                        explain_edge(rec, observations, explainer, e, cap)
                    }
                    _ => None,
                },
            }
        })
        .collect();
    PageData {
        multi_cluster: drawn.nodes().any(|n| n.cluster.is_some()),
        nodes,
        edges,
    }
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&`
/// (only ever inside strings) as `\u` escapes, so no `</script>` or `<!--`
/// in a label value can end the element or change how it is parsed.
pub(crate) fn json_in_html(value: &impl Serialize) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    meshgraph_model::json_for_script(&text)
}

/// The graph's filters, the edge panel and the sortable tables: plain
/// script, no network. Reads `#mg-data`, and `#mg-history` (the history
/// section's series) when present. Untrusted text only goes to `textContent`.
const INTERACTION: &str = include_str!("report.js");

const STYLE: &str = "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#212121}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bdbdbd;padding:4px 8px;text-align:left}\
th{background:#f5f5f5}.error{color:#c62828}.warning{color:#ef6c00}.info{color:#1565c0}\
.graph{overflow:hidden;border:1px solid #e0e0e0;padding:1em;max-width:100%;box-sizing:border-box}\
.graph svg{display:block;max-width:100%;height:auto;margin:0 auto;touch-action:none;cursor:grab}\
.zoom{margin:.3em 0}.zoom button{font-size:1em;min-width:2em}\
.legend{font-size:.85em;margin:.5em 0}.legend ul{list-style:none;padding:0;margin:.3em 0;columns:2}\
.legend li{margin:2px 0}.legend .line{display:inline-block;width:28px;vertical-align:middle;margin-right:2px}\
.empty{border:2px solid #ef6c00;background:#fff3e0;color:#e65100;padding:.6em 1em;font-weight:bold}.num{text-align:right}\
.filters{margin:.3em 0;display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center}.filters select{max-width:22em}\
#graph-svg text:not([font-family]){font-family:Helvetica,sans-serif}#graph-svg text:not([font-size]){font-size:9px}#graph-svg g.mg-dim{opacity:.1}#graph-svg .mg-hit{stroke:transparent;stroke-width:14px;fill:none;pointer-events:stroke}\
#graph-svg g.edge,#graph-svg g.node{cursor:pointer}#graph-svg g.mg-selected path{stroke-width:3px}#graph-svg g.mg-selected text{font-weight:bold}\
#edge-panel{border:1px solid #90caf9;background:#f5faff;padding:.5em 1em;margin:.5em 0}\
#edge-panel pre{max-height:24em;overflow:auto;background:#fff;border:1px solid #e0e0e0;padding:.5em;white-space:pre-wrap}\
#edge-panel .spark{color:#1565c0;vertical-align:middle}#edge-panel td{vertical-align:middle}\
table.sortable th[data-sort]{cursor:pointer}table.sortable th[data-sort]:after{content:' \\2195';color:#9e9e9e}tr[data-edge]{cursor:pointer}";

/// A figure as a sort key for the tables (`-1` when there is none).
fn sort_value(value: Option<f64>) -> f64 {
    value.filter(|v| v.is_finite()).unwrap_or(-1.0)
}

/// Severities sort errors first when a table is sorted by them.
fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Error => 3,
        Severity::Warning => 2,
        Severity::Info => 1,
    }
}

/// An edge of a graph with its two ends.
pub type EdgeRef<'a> = (
    &'a meshgraph_core::graph::Node,
    &'a meshgraph_core::graph::Node,
    &'a meshgraph_core::graph::GraphEdge,
);

/// The graph's edges worst first, as the "Worst edges" table lists them:
/// by error share, then by p99 latency (a stable sort: ties keep the
/// graph's order). `report --range` draws the first of them over the range.
pub fn worst_edges(graph: &MeshGraph) -> Vec<EdgeRef<'_>> {
    rank_worst(graph.edges().collect())
}

fn rank_worst(mut ranked: Vec<EdgeRef<'_>>) -> Vec<EdgeRef<'_>> {
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
    ranked
}

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
    out.push_str("<h2>Graph</h2>\n<div class=\"zoom\"><button type=\"button\" id=\"zoom-in\" title=\"zoom in\">+</button> <button type=\"button\" id=\"zoom-out\" title=\"zoom out\">&minus;</button> <button type=\"button\" id=\"zoom-reset\" title=\"fit\">fit</button> <small>wheel to zoom, drag to pan, double click to fit</small></div>\n");
    if input.drawn.is_some() {
        // Shown by the script once it has read the data.
        out.push_str("<div id=\"graph-filters\" class=\"filters\" hidden><label>namespace <select id=\"filter-namespace\"><option value=\"\">all</option></select></label> \
<label id=\"filter-cluster-label\">cluster <select id=\"filter-cluster\"><option value=\"\">all</option></select></label> \
<label>protocol <select id=\"filter-protocol\"><option value=\"\">all</option></select></label> \
<label><input type=\"checkbox\" id=\"filter-findings\"> findings only</label> \
<button type=\"button\" id=\"filter-clear\">clear</button> <small id=\"filter-count\"></small> <small>click an edge for its figures, a node for its edges</small></div>\n");
    }
    out.push_str("<div class=\"graph\">");
    out.push_str(&inline_svg(input.svg));
    out.push_str("</div>\n");
    if input.drawn.is_some() {
        out.push_str("<div id=\"edge-panel\" hidden></div>\n");
    }
    if input.legend {
        out.push_str(&legend_html(input.graph));
    }

    out.push_str("<h2>Worst edges</h2>\n<table id=\"worst-edges\" class=\"sortable\"><tr><th data-sort=\"text\">from</th><th data-sort=\"text\">to</th><th data-sort=\"text\">protocol</th><th data-sort=\"num\" class=\"num\">req/s</th><th data-sort=\"num\" class=\"num\">errors</th><th data-sort=\"num\" class=\"num\">p99 ms</th><th data-sort=\"num\">mTLS</th><th data-sort=\"text\">findings</th></tr>\n");
    let ranked = rank_worst(edges.clone());
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
            "<tr data-row><td>{}</td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{rps}</td><td class=\"num\" data-v=\"{}\">{share}</td><td class=\"num\" data-v=\"{}\">{p99}</td><td data-v=\"{}\">{mtls}</td><td>{}</td></tr>",
            html_escape(&from.id),
            html_escape(&to.id),
            e.protocol.as_str(),
            sort_value(e.l7.as_ref().map(|l| l.rps)),
            sort_value(style::error_share(e)),
            sort_value(e.l7.as_ref().and_then(|l| l.latency.quantile(0.99))),
            sort_value(e.security.share()),
            html_escape(&codes.join(" "))
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Findings</h2>\n<table id=\"findings\" class=\"sortable\"><tr><th data-sort=\"num\">severity</th><th data-sort=\"text\">code</th><th data-sort=\"text\">resource</th><th data-sort=\"text\">message</th></tr>\n");
    for f in input.findings {
        let _ = writeln!(
            out,
            "<tr data-row class=\"{}\"><td data-v=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.severity.as_str(),
            severity_rank(f.severity),
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
    if let Some(drawn) = input.drawn {
        let _ = writeln!(
            out,
            "<script type=\"application/json\" id=\"mg-data\">{}</script>",
            json_in_html(&page_data(drawn, input.explain))
        );
    }
    let _ = writeln!(out, "<script>{PAN_ZOOM}\n{INTERACTION}</script>");
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_explanation_is_cut_at_a_line_and_says_how_to_see_it_all() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let cut = cut_explanation(text.clone(), 100);
        assert!(cut.starts_with("line 0\nline 1\n"), "{cut}");
        let last = cut.lines().last().unwrap();
        assert!(cut.len() < 100 + last.len() + 1, "{cut}");
        let kept = cut.lines().count() - 1;
        assert_eq!(last, format!("\u{2026} {} more lines", 100 - kept));
        assert_eq!(cut_explanation(text.clone(), 10_000), text);
        assert_eq!(explain_cap(1), EXPLAIN_MAX);
        assert_eq!(explain_cap(2_000), 350);
        assert_eq!(explain_cap(100_000), EXPLAIN_MIN);
    }

    #[test]
    fn a_folded_node_stands_for_its_namespace() {
        let scenario = meshgraph_scenario::builtin("multicluster")
            .unwrap()
            .unwrap();
        let rec = meshgraph_core::reconcile(
            &scenario.telemetry(),
            &meshgraph_core::ClassifyOptions::default(),
        );
        let graph = meshgraph_core::build_graph(&rec, &meshgraph_core::GraphOptions::default());
        let folded = graph.collapsed_to_namespaces();
        let mut seen = 0;
        for node in folded.nodes() {
            if node.id.starts_with("namespace:") {
                let namespace = namespace_of(node).unwrap();
                assert!(node.name.starts_with(&format!("{namespace} (")), "{node:?}");
                assert!(node.cluster.is_some(), "multi-cluster: {node:?}");
                seen += 1;
            }
        }
        assert!(seen > 1);
        for node in graph.nodes() {
            assert_eq!(namespace_of(node), node.namespace.as_deref());
        }
    }

    #[test]
    fn comments_are_left_out_of_the_inlined_svg() {
        let svg = "<?xml version=\"1.0\"?>\n<!-- Generated by graphviz -->\n<svg width=\"10pt\" height=\"10pt\">\n<!-- a&#45;&gt;b -->\n<g id=\"mg-e0\" class=\"edge\"><title>a&#45;&gt;b</title></g>\n<!-- cut";
        let inlined = inline_svg(svg);
        assert!(inlined.starts_with("<svg "), "{inlined}");
        assert!(
            inlined.ends_with(">\n<g id=\"mg-e0\" class=\"edge\"><title>a&#45;&gt;b</title></g>\n"),
            "{inlined}"
        );
        assert!(!inlined.contains("<!--"));
    }

    #[test]
    fn a_large_drawing_is_compacted_and_a_small_one_kept() {
        let edge = "<g id=\"mg-e0\" class=\"edge\">\n<title>a&#45;&gt;b</title>\n<g id=\"a_mg-e0\"><a xlink:title=\"a &#45;&gt; b\">\n<path fill=\"none\" stroke=\"#2e7d32\" d=\"M85.32,-3196.08C109.57,-3204 -0.4,-3215.5\"/>\n<polygon points=\"169.15,-3227.16 179.74,-3226.94\"/>\n</a>\n</g>\n<text text-anchor=\"middle\" x=\"130.5\" y=\"-3241.8\" font-family=\"Helvetica,sans-Serif\" font-size=\"9.00\">http 2.0 rps</text>\n</g>\n";
        assert_eq!(
            compact_svg(edge),
            "<g id=\"mg-e0\" class=\"edge\">\n<title>a&#45;&gt;b</title>\n<path fill=\"none\" stroke=\"#2e7d32\" d=\"M85,-3196C110,-3204 0,-3216\"/>\n<polygon points=\"169,-3227 180,-3227\"/>\n<text text-anchor=\"middle\" x=\"131\" y=\"-3242\">http 2.0 rps</text>\n</g>\n"
        );
        let small = format!("<svg width=\"10pt\" height=\"10pt\">{edge}</svg>");
        assert!(inline_svg(&small).contains("a_mg-e0"), "kept as drawn");
        let large = format!(
            "<svg width=\"10pt\" height=\"10pt\">{}</svg>",
            edge.repeat(COMPACT_OVER / edge.len() + 1)
        );
        let inlined = inline_svg(&large);
        assert!(!inlined.contains("a_mg-e0") && inlined.contains("d=\"M85,-3196C110"));
        assert!(inlined.len() < large.len() * 3 / 4);
    }

    #[test]
    fn json_for_a_script_element_has_no_markup_characters() {
        let text = json_in_html(&"</script><!-- & \u{2028}");
        assert_eq!(text, "\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\"");
        let back: String = serde_json::from_str(&text).unwrap();
        assert_eq!(back, "</script><!-- & \u{2028}");
    }
}
