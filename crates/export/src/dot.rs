//! DOT through graphviz-rust's AST and printer: namespaces as clusters,
//! protocol as line style, error rate as colour, mTLS and waypoints in labels.

use std::collections::BTreeMap;

use graphviz_rust::dot_structures::{
    Attribute, Edge, EdgeTy, Graph, GraphAttributes, Id, Node, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};
use meshgraph_core::MeshGraph;

use crate::style;

/// Options for [`to_dot`].
#[derive(Debug, Clone)]
pub struct DotOptions {
    /// `LR` (default) or `TB`.
    pub rank_direction: &'static str,
    pub title: Option<String>,
}

impl Default for DotOptions {
    fn default() -> Self {
        DotOptions {
            rank_direction: "LR",
            title: None,
        }
    }
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

fn attr(name: &str, value: Id) -> Attribute {
    Attribute(Id::Plain(name.to_string()), value)
}

/// The graph as DOT text, byte-identical for the same graph.
pub fn to_dot(graph: &MeshGraph, options: &DotOptions) -> String {
    let mut stmts = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            attr("rankdir", quoted(options.rank_direction)),
            attr("fontname", quoted("Helvetica")),
            attr("label", quoted(options.title.as_deref().unwrap_or(""))),
            attr("labelloc", quoted("t")),
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

    let mut by_namespace: BTreeMap<Option<&str>, Vec<Stmt>> = BTreeMap::new();
    for node in graph.nodes() {
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
        by_namespace
            .entry(node.namespace.as_deref())
            .or_default()
            .push(Stmt::Node(Node {
                id: NodeId(quoted(&node.id), None),
                attributes,
            }));
    }
    for (namespace, nodes) in by_namespace {
        match namespace {
            Some(ns) => {
                let mut cluster = vec![
                    Stmt::Attribute(attr("label", quoted(ns))),
                    Stmt::Attribute(attr("style", quoted("rounded,dashed"))),
                    Stmt::Attribute(attr("color", quoted("#9e9e9e"))),
                ];
                cluster.extend(nodes);
                stmts.push(Stmt::Subgraph(Subgraph {
                    id: quoted(&format!("cluster_ns_{ns}")),
                    stmts: cluster,
                }));
            }
            None => stmts.extend(nodes),
        }
    }
    for (from, to, edge) in graph.edges() {
        let color = style::edge_color(edge);
        let mut attributes = vec![
            attr("label", label(&style::edge_label_lines(edge))),
            attr("color", quoted(color)),
            attr("fontcolor", quoted(color)),
            attr("style", quoted(style::edge_line_style(edge.protocol))),
            attr("tooltip", quoted(&format!("{} -> {}", from.id, to.id))),
        ];
        if !edge.via_waypoint.is_empty() {
            attributes.push(attr("arrowhead", quoted("normalodot")));
        }
        stmts.push(Stmt::Edge(Edge {
            ty: EdgeTy::Pair(
                Vertex::N(NodeId(quoted(&from.id), None)),
                Vertex::N(NodeId(quoted(&to.id), None)),
            ),
            attributes,
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
