//! Mermaid flowchart (`.mmd`), for Markdown pages that render Mermaid.

use std::collections::BTreeMap;
use std::fmt::Write;

use meshgraph_core::MeshGraph;
use meshgraph_model::Protocol;

use crate::style;

/// Escapes text for a double-quoted Mermaid label with entity codes, so that
/// quotes, brackets, pipes and markup in label values stay text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// The graph as a Mermaid flowchart: namespaces as subgraphs, TCP dashed,
/// gRPC thick, edge colours by error rate as in the SVG.
pub fn to_mermaid(graph: &MeshGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids: BTreeMap<&str, String> = graph
        .nodes()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    // (cluster, namespace): the cluster is set only in a multi-cluster mesh.
    let mut by_namespace: BTreeMap<(Option<&str>, Option<&str>), Vec<String>> = BTreeMap::new();
    for node in graph.nodes() {
        by_namespace
            .entry((node.cluster.as_deref(), node.namespace.as_deref()))
            .or_default()
            .push(format!(
                "{}[\"{}\"]",
                ids[node.id.as_str()],
                label(&style::node_label_lines(node))
            ));
    }
    let mut open_cluster: Option<&str> = None;
    let mut clusters = 0;
    for (index, ((in_cluster, namespace), nodes)) in by_namespace.into_iter().enumerate() {
        if in_cluster != open_cluster {
            if open_cluster.is_some() {
                out.push_str("  end\n");
            }
            if let Some(c) = in_cluster {
                let _ = writeln!(out, "  subgraph k{clusters}[\"cluster {}\"]", escape(c));
                clusters += 1;
            }
            open_cluster = in_cluster;
        }
        let pad = if in_cluster.is_some() { "  " } else { "" };
        match namespace {
            Some(ns) => {
                let _ = writeln!(out, "{pad}  subgraph ns{index}[\"{}\"]", escape(ns));
                for node in nodes {
                    let _ = writeln!(out, "{pad}    {node}");
                }
                let _ = writeln!(out, "{pad}  end");
            }
            None => {
                for node in nodes {
                    let _ = writeln!(out, "{pad}  {node}");
                }
            }
        }
    }
    if open_cluster.is_some() {
        out.push_str("  end\n");
    }
    let mut styles = String::new();
    for (index, (from, to, edge)) in graph.edges().enumerate() {
        let arrow = match edge.protocol {
            Protocol::Tcp => "-.->",
            Protocol::Grpc => "==>",
            Protocol::Http => "-->",
        };
        let text = label(&style::edge_label_lines(edge));
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{text}\"| {}",
            ids[from.id.as_str()],
            ids[to.id.as_str()]
        );
        let _ = writeln!(
            styles,
            "  linkStyle {index} stroke:{}",
            style::edge_color(edge)
        );
    }
    out.push_str(&styles);
    out
}
