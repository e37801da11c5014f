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
    // Compound parents: a namespace (`namespace:NS`), and in a multi-cluster
    // mesh a cluster (`cluster:C`) around its namespaces (`namespace:C/NS`).
    let parent_of = |cluster: Option<&str>, ns: &str| match cluster {
        Some(c) => format!("namespace:{c}/{ns}"),
        None => format!("namespace:{ns}"),
    };
    let clusters: std::collections::BTreeSet<&str> =
        graph.nodes().filter_map(|n| n.cluster.as_deref()).collect();
    for c in clusters {
        nodes.push(json!({"data": {"id": format!("cluster:{c}"), "label": c, "kind": "cluster"}}));
    }
    let namespaces: std::collections::BTreeSet<(Option<&str>, &str)> = graph
        .nodes()
        .filter_map(|n| n.namespace.as_deref().map(|ns| (n.cluster.as_deref(), ns)))
        .collect();
    for (cluster, ns) in namespaces {
        let mut data = json!({"id": parent_of(cluster, ns), "label": ns, "kind": "namespace"});
        if let Some(c) = cluster {
            data["parent"] = Value::String(format!("cluster:{c}"));
        }
        nodes.push(json!({ "data": data }));
    }
    for (node, json_node) in graph.nodes().zip(&doc.nodes) {
        let mut data = serde_json::to_value(json_node)?;
        data["label"] = Value::String(style::node_label_lines(node).join("\n"));
        if let Some(ns) = &node.namespace {
            data["parent"] = Value::String(parent_of(node.cluster.as_deref(), ns));
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
