//! DOT through graphviz-rust's AST and printer: namespaces as clusters,
//! protocol as line style, error rate as colour, mTLS and waypoints in labels.

use std::collections::BTreeMap;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};
use meshgraph_core::MeshGraph;

use crate::json::SnapshotMeta;
use crate::report::html_escape;
use crate::style;
use crate::time::format_rfc3339;

/// The data-plane mode of a namespace, shown on its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespaceMode {
    /// Sidecar injection (`istio-injection=enabled` or a revision label).
    Sidecar,
    /// Ambient (`istio.io/dataplane-mode=ambient`), no waypoint.
    Ambient,
    /// Ambient with a waypoint for the namespace.
    AmbientWaypoint,
    /// Neither sidecars nor ambient.
    OutOfMesh,
}

impl NamespaceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NamespaceMode::Sidecar => "sidecar",
            NamespaceMode::Ambient => "ambient",
            NamespaceMode::AmbientWaypoint => "ambient+waypoint",
            NamespaceMode::OutOfMesh => "out of mesh",
        }
    }
}

impl std::fmt::Display for NamespaceMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The note drawn on an empty snapshot.
pub const EMPTY_NOTE: &str = "no traffic in window: the metrics input returned no Istio series";

/// Options for [`to_dot`] and [`crate::to_svg`].
#[derive(Debug, Clone)]
pub struct DotOptions {
    /// `LR` (default) or `TB`.
    pub rank_direction: &'static str,
    /// The first part of the title, e.g. `meshgraph: demo:bookinfo-waypoint`.
    pub title: Option<String>,
    /// Evaluation time, unix seconds; added to the title in RFC 3339 (UTC).
    pub at: Option<i64>,
    /// The query window; added to the title (`10m window`).
    pub window_seconds: Option<u64>,
    /// Draw the legend (edge colours and line styles, node shapes, badges).
    pub legend: bool,
    /// Data-plane mode per namespace, shown on the namespace boxes.
    pub namespace_modes: BTreeMap<String, NamespaceMode>,
    /// A note drawn prominently, e.g. [`EMPTY_NOTE`] when the input was empty.
    pub empty_note: Option<String>,
    /// Give each node and edge an `id` (`mg-n3`, `mg-e12`: its position in
    /// [`MeshGraph::nodes`] / [`MeshGraph::edges`], never a label value),
    /// which Graphviz copies to the SVG's `<g>`: the report page finds the
    /// drawn edges by it. Off by default, so other pictures stay as they were.
    pub element_ids: bool,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions {
            rank_direction: "LR",
            title: None,
            at: None,
            window_seconds: None,
            legend: true,
            namespace_modes: BTreeMap::new(),
            empty_note: None,
            element_ids: false,
        }
    }
}

impl DotOptions {
    /// Options whose title says what the snapshot is: `meshgraph: SOURCE`, the
    /// evaluation time and the window, and the empty note when `meta.empty`.
    pub fn titled(meta: &SnapshotMeta) -> DotOptions {
        DotOptions {
            title: Some(format!("meshgraph: {}", meta.source)),
            at: Some(meta.at),
            window_seconds: Some(meta.window_seconds),
            empty_note: meta.empty.then(|| EMPTY_NOTE.to_string()),
            ..DotOptions::default()
        }
    }

    /// The whole title line: `meshgraph: demo:x — 2026-11-25T02:00:00Z, 10m window`.
    pub fn heading(&self) -> Option<String> {
        let mut when = Vec::new();
        if let Some(at) = self.at {
            when.push(format_rfc3339(at));
        }
        if let Some(window) = self.window_seconds {
            when.push(format!("{} window", style::human_window(window)));
        }
        match (&self.title, when.is_empty()) {
            (None, true) => None,
            (None, false) => Some(when.join(", ")),
            (Some(title), true) => Some(title.clone()),
            (Some(title), false) => Some(format!("{title} \u{2014} {}", when.join(", "))),
        }
    }

    /// The text on a namespace's box: `bookinfo (ambient+waypoint)`.
    pub(crate) fn namespace_title(&self, namespace: &str) -> String {
        match self.namespace_modes.get(namespace) {
            Some(mode) => format!("{namespace} ({mode})"),
            None => namespace.to_string(),
        }
    }
}

/// Namespaces whose inside edges (both ends in the namespace) all went
/// through one and the same waypoint, with that waypoint: the drawing says
/// "via waypoint" once for them instead of on every edge.
pub(crate) fn uniform_waypoints(graph: &MeshGraph) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        let (Some(a), Some(b)) = (from.namespace.as_deref(), to.namespace.as_deref()) else {
            continue;
        };
        if a != b {
            continue;
        }
        let only = match (edge.via_waypoint.len(), edge.via_waypoint.first()) {
            (1, Some(w)) => Some(w.as_str()),
            _ => None,
        };
        seen.entry(a)
            .and_modify(|w| {
                if *w != only {
                    *w = None;
                }
            })
            .or_insert(only);
    }
    seen.into_iter()
        .filter_map(|(ns, w)| w.map(|w| (ns.to_string(), w.to_string())))
        .collect()
}

/// Whether the drawing leaves "via waypoint" off this edge's label.
pub(crate) fn waypoint_said_elsewhere(
    uniform: &BTreeMap<String, String>,
    from: &meshgraph_core::Node,
    to: &meshgraph_core::Node,
    edge: &meshgraph_core::graph::GraphEdge,
) -> bool {
    match (from.namespace.as_deref(), to.namespace.as_deref()) {
        (Some(a), Some(b)) if a == b => uniform
            .get(a)
            .is_some_and(|w| edge.via_waypoint.len() == 1 && edge.via_waypoint.contains(w)),
        _ => false,
    }
}

/// The element id of the `index`th node of [`MeshGraph::nodes`].
pub(crate) fn node_element_id(index: usize) -> String {
    format!("mg-n{index}")
}

/// The element id of the `index`th edge of [`MeshGraph::edges`].
pub(crate) fn edge_element_id(index: usize) -> String {
    format!("mg-e{index}")
}

/// Escapes a value for a double-quoted DOT string. Backslashes are doubled so
/// that label values cannot smuggle Graphviz escapes (`\N`, `\G`, `\l`).
pub(crate) fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn quoted(text: &str) -> Id {
    Id::Escaped(format!("\"{}\"", dot_escape(text)))
}

/// Several lines in one label, each escaped, joined by Graphviz's centred newline.
fn label(lines: &[String]) -> Id {
    let body: Vec<String> = lines.iter().map(|l| dot_escape(l)).collect();
    Id::Escaped(format!("\"{}\"", body.join("\\n")))
}

/// Several lines, each left-justified (Graphviz `\\l`).
fn left_label(lines: &[String]) -> Id {
    let body: String = lines
        .iter()
        .map(|l| format!("{}\\l", dot_escape(l)))
        .collect();
    Id::Escaped(format!("\"{body}\""))
}

fn attr(name: &str, value: Id) -> Attribute {
    Attribute(Id::Plain(name.to_string()), value)
}

/// A sample line for the legend: coloured table cells (dashed: alternating
/// cells), so it needs no font glyphs.
fn legend_line(row: &style::LegendEdge) -> String {
    let (segments, gap) = match row.line {
        "dashed" => (4, 3),
        _ => (1, 0),
    };
    let height = if row.line == "bold" { 4 } else { 2 };
    let width = if segments == 1 { 26 } else { 5 };
    let mut sample = String::from(
        "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\"><TR>",
    );
    for i in 0..segments {
        if i > 0 {
            sample.push_str(&format!(
                "<TD FIXEDSIZE=\"TRUE\" WIDTH=\"{gap}\" HEIGHT=\"{height}\"></TD>"
            ));
        }
        sample.push_str(&format!(
            "<TD FIXEDSIZE=\"TRUE\" BGCOLOR=\"{}\" WIDTH=\"{width}\" HEIGHT=\"{height}\"></TD>",
            row.color
        ));
    }
    let head = if row.via_waypoint { "o&gt;" } else { "&gt;" };
    sample.push_str(&format!(
        "<TD><FONT COLOR=\"{}\">{head}</FONT></TD></TR></TABLE>",
        row.color
    ));
    sample
}

/// The graph's label as a Graphviz HTML-like label: the title, and under it
/// the legend (edge colours and lines, node shapes present, badges).
fn heading_with_legend(heading: Option<&str>, graph: &MeshGraph) -> String {
    let mut cells = String::new();
    let rows = style::legend_edges();
    let half = rows.len().div_ceil(2);
    for i in 0..half {
        cells.push_str("<TR>");
        for row in [rows.get(i), rows.get(i + half)].into_iter().flatten() {
            cells.push_str(&format!(
                "<TD>{}</TD><TD ALIGN=\"LEFT\"><FONT COLOR=\"{}\">{}</FONT></TD>",
                legend_line(row),
                row.color,
                html_escape(row.text)
            ));
        }
        cells.push_str("</TR>");
    }
    let kinds: Vec<String> = style::legend_kinds(graph.nodes().map(|n| n.kind))
        .iter()
        .map(|(_, t)| html_escape(t))
        .collect();
    let mut notes = Vec::new();
    if !kinds.is_empty() {
        notes.push(format!("shapes: {}", kinds.join(", ")));
    }
    notes.push(html_escape(style::LEGEND_BADGES));
    cells.push_str(&format!(
        "<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\" BALIGN=\"LEFT\">{}</TD></TR>",
        notes.join("<BR/>")
    ));
    let title = heading.map_or(String::new(), |h| {
        format!(
            "<TR><TD><FONT POINT-SIZE=\"16\">{}</FONT></TD></TR>",
            html_escape(h)
        )
    });
    format!(
        "<<TABLE BORDER=\"0\" CELLSPACING=\"4\">{title}<TR><TD>\
<TABLE ID=\"legend\" BORDER=\"1\" COLOR=\"#bdbdbd\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">\
<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>Legend</B></FONT></TD></TR>{cells}</TABLE></TD></TR></TABLE>>"
    )
}

/// The graph as DOT text, byte-identical for the same graph.
pub fn to_dot(graph: &MeshGraph, options: &DotOptions) -> String {
    let heading = options.heading();
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            attr("rankdir", quoted(options.rank_direction)),
            attr("fontname", quoted("Helvetica")),
            attr(
                "label",
                if options.legend {
                    Id::Html(heading_with_legend(heading.as_deref(), graph))
                } else {
                    quoted(heading.as_deref().unwrap_or(""))
                },
            ),
            attr("labelloc", quoted("t")),
            attr("fontsize", quoted(if options.legend { "8" } else { "16" })),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("style", quoted("rounded,filled")),
            attr("fontname", quoted("Helvetica")),
            attr("fontsize", quoted("11")),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", quoted("Helvetica")),
            attr("fontsize", quoted("9")),
        ])),
    ];

    let uniform = uniform_waypoints(graph);
    // (cluster, namespace): the cluster is set only in a multi-cluster mesh,
    // so a single-cluster graph keeps exactly its namespace boxes.
    let mut by_namespace: BTreeMap<(Option<&str>, Option<&str>), Vec<Stmt>> = BTreeMap::new();
    for (index, node) in graph.nodes().enumerate() {
        let mut attributes = vec![
            attr("label", label(&style::node_label_lines(node))),
            attr("shape", quoted(style::node_shape(node.kind))),
            attr("fillcolor", quoted(style::node_fill(node.kind))),
            attr(
                "tooltip",
                quoted(&format!("{} {}", node.kind.as_str(), node.id)),
            ),
        ];
        if let Some(color) = style::badge_color(&node.badges) {
            attributes.push(attr("color", quoted(color)));
            attributes.push(attr("penwidth", quoted("2")));
        } else if node.kind == meshgraph_model::NodeKind::Waypoint {
            attributes.push(attr("color", quoted(style::COLOR_TCP)));
        }
        if options.element_ids {
            attributes.push(attr("id", quoted(&node_element_id(index))));
        }
        by_namespace
            .entry((node.cluster.as_deref(), node.namespace.as_deref()))
            .or_default()
            .push(Stmt::Node(Node {
                id: NodeId(quoted(&node.id), None),
                attributes,
            }));
    }
    let mut by_cluster: BTreeMap<&str, Vec<Stmt>> = BTreeMap::new();
    for ((in_cluster, namespace), nodes) in by_namespace {
        let boxed = match namespace {
            Some(ns) => {
                let mut title = vec![options.namespace_title(ns)];
                if let Some(waypoint) = uniform.get(ns) {
                    title.push(format!("via waypoint {waypoint}"));
                }
                let mut cluster = vec![
                    Stmt::Attribute(attr("label", left_label(&title))),
                    Stmt::Attribute(attr("labelloc", quoted("t"))),
                    Stmt::Attribute(attr("labeljust", quoted("l"))),
                    Stmt::Attribute(attr("margin", quoted("14"))),
                    Stmt::Attribute(attr("style", quoted("rounded,dashed"))),
                    Stmt::Attribute(attr("color", quoted("#9e9e9e"))),
                    Stmt::Attribute(attr("fontcolor", quoted("#616161"))),
                    Stmt::Attribute(attr("fontsize", quoted("12"))),
                ];
                cluster.extend(nodes);
                let id = match in_cluster {
                    Some(c) => format!("cluster_ns_{c}/{ns}"),
                    None => format!("cluster_ns_{ns}"),
                };
                vec![Stmt::Subgraph(Subgraph {
                    id: quoted(&id),
                    stmts: cluster,
                })]
            }
            None => nodes,
        };
        match in_cluster {
            Some(c) => by_cluster.entry(c).or_default().extend(boxed),
            None => stmts.extend(boxed),
        }
    }
    // A box per Kubernetes cluster around its namespace boxes.
    for (name, inside) in by_cluster {
        let mut cluster = vec![
            Stmt::Attribute(attr("label", left_label(&[format!("cluster {name}")]))),
            Stmt::Attribute(attr("labelloc", quoted("t"))),
            Stmt::Attribute(attr("labeljust", quoted("l"))),
            Stmt::Attribute(attr("margin", quoted("18"))),
            Stmt::Attribute(attr("style", quoted("rounded"))),
            Stmt::Attribute(attr("color", quoted("#5c6bc0"))),
            Stmt::Attribute(attr("fontcolor", quoted("#3949ab"))),
            Stmt::Attribute(attr("fontsize", quoted("13"))),
        ];
        cluster.extend(inside);
        stmts.push(Stmt::Subgraph(Subgraph {
            id: quoted(&format!("cluster_k8s_{name}")),
            stmts: cluster,
        }));
    }
    for (index, (from, to, edge)) in graph.edges().enumerate() {
        let color = style::edge_color(edge);
        let omit = waypoint_said_elsewhere(&uniform, from, to, edge);
        let mut attributes = vec![
            attr("label", label(&style::edge_label_lines_with(edge, omit))),
            attr("color", quoted(color)),
            attr("fontcolor", quoted(color)),
            attr("style", quoted(style::edge_line_style(edge.protocol))),
            attr("tooltip", quoted(&format!("{} -> {}", from.id, to.id))),
        ];
        if !edge.via_waypoint.is_empty() {
            attributes.push(attr("arrowhead", quoted("normalodot")));
        }
        if options.element_ids {
            attributes.push(attr("id", quoted(&edge_element_id(index))));
        }
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(
                Vertex::N(NodeId(quoted(&from.id), None)),
                Vertex::N(NodeId(quoted(&to.id), None)),
            ),
            attributes,
        }));
    }
    // Ids starting with `_` cannot clash with node ids (`unknown`,
    // `external:...`, `workload:...`).
    if let Some(note) = &options.empty_note {
        stmts.push(Stmt::Node(Node {
            id: NodeId(quoted("_empty_note"), None),
            attributes: vec![
                attr("label", quoted(note)),
                attr("shape", quoted("note")),
                attr("style", quoted("filled")),
                attr("fillcolor", quoted("#fff3e0")),
                attr("color", quoted(style::COLOR_DEGRADED)),
                attr("fontcolor", quoted(style::COLOR_DEGRADED)),
                attr("fontsize", quoted("16")),
            ],
        }));
    }
    let dot = Graph::DiGraph {
        id: quoted("meshgraph"),
        strict: false,
        stmts,
    };
    let mut text = dot.print(&mut PrinterContext::default());
    text.push('\n');
    text
}
