//! `--format svg`: Kiali's picture with meshgraph's over it. Kiali's nodes and
//! arrows thin and grey; the arrows that are logical calls drawn over them in
//! blue; every extra arrow labelled with its reason code in red; calls Kiali
//! does not draw listed below. A small renderer of its own: Kiali's nodes are
//! not meshgraph's, so the DOT machinery of crates/export does not fit.
//!
//! Every Kiali edge is a `<g class="kiali-edge" id="kiali-edge-ID">` (its
//! `<title>` the Kiali id), every reason a `<text class="reason">`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::{KialiGraph, KialiMapping, KialiNode, ReasonCode};

const COLUMN: f64 = 260.0;
const ROW: f64 = 90.0;
const MARGIN: f64 = 40.0;

/// Text safe inside an XML element or a double-quoted attribute.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A reason code as the JSON writes it (`waypoint_leg`).
pub fn reason_name(code: ReasonCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{code:?}"))
}

fn node_label(node: &KialiNode) -> String {
    let name = [&node.workload, &node.app, &node.service]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| node.id.clone());
    let name = if !node.version.is_empty() && node.workload.is_empty() {
        format!("{name} {}", node.version)
    } else {
        name
    };
    if node.namespace.is_empty() {
        name
    } else {
        format!("{}/{name}", node.namespace)
    }
}

/// Columns by distance from the graph's sources (cycles cut after as many
/// rounds as there are nodes), rows in Kiali's order.
fn layout(graph: &KialiGraph) -> BTreeMap<&str, (f64, f64)> {
    let mut depth: BTreeMap<&str, usize> = graph.nodes.iter().map(|n| (n.id.as_str(), 0)).collect();
    for _ in 0..graph.nodes.len() {
        let mut changed = false;
        for e in &graph.edges {
            let (Some(&d), Some(&t)) = (depth.get(e.source.as_str()), depth.get(e.target.as_str()))
            else {
                continue;
            };
            if e.source != e.target && t < d + 1 && d + 1 < graph.nodes.len() {
                depth.insert(e.target.as_str(), d + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut at = BTreeMap::new();
    for n in &graph.nodes {
        let d = depth[n.id.as_str()];
        let row = rows.entry(d).or_insert(0);
        at.insert(
            n.id.as_str(),
            (
                MARGIN + d as f64 * COLUMN + 80.0,
                MARGIN + *row as f64 * ROW + 30.0,
            ),
        );
        *row += 1;
    }
    at
}

/// The overlay of `mapping` on `graph`, a standalone SVG document.
pub fn to_svg(graph: &KialiGraph, mapping: &KialiMapping) -> String {
    let at = layout(graph);
    let width = at.values().map(|p| p.0).fold(0.0, f64::max) + 200.0;
    let rows_height = at.values().map(|p| p.1).fold(0.0, f64::max) + ROW;
    let footer = 30.0 + 18.0 * (mapping.missing.len() as f64 + 2.0);
    let height = rows_height + footer;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    s.push_str(
        r##"<defs>
<marker id="grey" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9e9e9e"/></marker>
<marker id="call" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1565c0"/></marker>
</defs>
<rect width="100%" height="100%" fill="white"/>
"##,
    );
    let _ = writeln!(
        s,
        r#"<text class="summary" x="{MARGIN}" y="18">{}</text>"#,
        esc(&mapping.summary.text)
    );
    // Kiali's arrows, thin and grey, each labelled with its reason.
    let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for m in &mapping.edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (at.get(m.source.as_str()), at.get(m.target.as_str()))
        else {
            continue;
        };
        // Parallel arrows between the same nodes bend apart.
        let k = pairs
            .entry((m.source.as_str(), m.target.as_str()))
            .or_insert(0);
        let bend = 25.0 * *k as f64;
        *k += 1;
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0 - 20.0 - bend);
        let path = format!("M{x1:.1},{y1:.1} Q{mx:.1},{my:.1} {x2:.1},{y2:.1}");
        let code = reason_name(m.reason.code);
        let _ = writeln!(
            s,
            r#"<g class="kiali-edge" id="kiali-edge-{id}"><title>{id}</title>"#,
            id = esc(&m.kiali_id)
        );
        let _ = writeln!(
            s,
            r##"<path d="{path}" fill="none" stroke="#9e9e9e" stroke-width="1" marker-end="url(#grey)"/>"##
        );
        if m.reason.code == ReasonCode::LogicalCall {
            // meshgraph's logical call, over Kiali's arrow.
            let _ = writeln!(
                s,
                r##"<path class="call" d="{path}" fill="none" stroke="#1565c0" stroke-width="3" opacity="0.8" marker-end="url(#call)"><title>{}</title></path>"##,
                esc(&m.calls.join(", "))
            );
        } else {
            let _ = writeln!(
                s,
                r##"<text class="reason" x="{mx:.1}" y="{:.1}" text-anchor="middle" fill="#c62828"><title>{}</title>{}</text>"##,
                (y1 + y2) / 2.0 - 10.0 - bend / 2.0,
                esc(&m.reason.text),
                esc(&code)
            );
        }
        s.push_str("</g>\n");
    }
    for n in &graph.nodes {
        let (x, y) = at[n.id.as_str()];
        let _ = writeln!(
            s,
            r##"<g class="kiali-node" id="kiali-node-{id}"><title>{id}</title><rect x="{:.1}" y="{:.1}" width="160" height="26" rx="5" fill="#f5f5f5" stroke="#9e9e9e"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"##,
            x - 80.0,
            y - 13.0,
            y + 4.0,
            esc(&node_label(n)),
            id = esc(&n.id)
        );
    }
    let mut y = rows_height + 10.0;
    let _ = writeln!(
        s,
        r##"<text x="{MARGIN}" y="{y:.1}"><tspan fill="#1565c0">blue: logical calls</tspan>; grey: Kiali's arrows; <tspan fill="#c62828">red: why an arrow is extra</tspan></text>"##
    );
    for m in &mapping.missing {
        y += 18.0;
        let _ = writeln!(
            s,
            r##"<text class="missing" x="{MARGIN}" y="{y:.1}" fill="#6a1b9a">not drawn by Kiali: {} ({})</text>"##,
            esc(&m.call),
            esc(&m.text)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// `--format html`: one self-contained page (no script, no network): the
/// summary, the overlay picture scaled to the page, and the table of every
/// Kiali edge with its reason, as `--format text` prints it.
pub fn to_html(graph: &KialiGraph, mapping: &KialiMapping) -> String {
    let svg =
        to_svg(graph, mapping).replacen("<svg ", "<svg style=\"max-width:100%;height:auto\" ", 1);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>meshgraph: Kiali's arrows explained</title>\
<style>body{{font-family:sans-serif;margin:2em}}pre{{font-size:12px;overflow:auto}}</style>\
</head><body>\n<h1>Kiali's arrows explained</h1>\n<p id=\"summary\">{}</p>\n<div id=\"overlay\">{svg}</div>\n\
<h2>Every Kiali edge</h2>\n<pre id=\"table\">{}</pre>\n</body></html>\n",
        esc(&mapping.summary.text),
        esc(&crate::to_text(mapping))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        assert_eq!(esc("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos; ");
        assert_eq!(reason_name(ReasonCode::WaypointLeg), "waypoint_leg");
    }

    #[test]
    fn an_empty_graph_is_still_a_document() {
        let graph = KialiGraph::default();
        let mapping = KialiMapping {
            edges: Vec::new(),
            missing: Vec::new(),
            summary: crate::Summary {
                kiali_edges: 0,
                logical_calls: 0,
                calls_drawn: 0,
                calls_missing: 0,
                call_arrows: 0,
                extra_arrows: 0,
                extra_by_reason: BTreeMap::new(),
                rate_mismatches: 0,
                text: "<nothing> & more".into(),
            },
            warnings: Vec::new(),
        };
        let svg = to_svg(&graph, &mapping);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        let html = super::to_html(&graph, &mapping);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("<svg style=\"max-width:100%;height:auto\" "));
        assert!(!html.contains("<script"));
        assert!(svg.contains("&lt;nothing&gt; &amp; more"), "{svg}");
    }
}
