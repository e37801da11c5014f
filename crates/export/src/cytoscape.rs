//! Cytoscape.js elements JSON (`.cy.json`), the shape Kiali's graph API
//! returns (`elements.nodes[].data`, `elements.edges[].data`), with namespaces
//! as compound parent nodes.

use serde_json::{Value, json};

use meshgraph_core::MeshGraph;

use crate::json::{JsonDocument, SnapshotMeta};
use crate::{ExportError, style};

/// The graph as Cytoscape elements; edge data carries the same fields as the
/// JSON snapshot's edges.
pub fn to_cytoscape(graph: &MeshGraph, meta: &SnapshotMeta) -> Result<String, ExportError> {
    let doc = JsonDocument::from_graph(graph, meta);
    let mut nodes: Vec<Value> = Vec::new();
    let namespaces: std::collections::BTreeSet<&str> = graph
        .nodes()
        .filter_map(|n| n.namespace.as_deref())
        .collect();
    for ns in namespaces {
        nodes.push(
            json!({"data": {"id": format!("namespace:{ns}"), "label": ns, "kind": "namespace"}}),
        );
    }
    for (node, json_node) in graph.nodes().zip(&doc.nodes) {
        let mut data = serde_json::to_value(json_node)?;
        data["label"] = Value::String(style::node_label_lines(node).join("\n"));
        if let Some(ns) = &node.namespace {
            data["parent"] = Value::String(format!("namespace:{ns}"));
        }
        nodes.push(json!({ "data": data }));
    }
    let mut edges: Vec<Value> = Vec::new();
    for ((_, _, edge), json_edge) in graph.edges().zip(&doc.edges) {
        let mut data = serde_json::to_value(json_edge)?;
        data["id"] = Value::String(format!("{} -> {}", json_edge.source, json_edge.target));
        data["label"] = Value::String(style::edge_label_lines(edge).join("\n"));
        edges.push(json!({ "data": data }));
    }
    let out = json!({
        "schema_version": doc.schema_version,
        "generator": doc.generator,
        "graph_type": doc.graph_type,
        "at": doc.at,
        "window_seconds": doc.window_seconds,
        "elements": {"nodes": nodes, "edges": edges},
    });
    let mut text = serde_json::to_string_pretty(&out)?;
    text.push('\n');
    Ok(text)
}
