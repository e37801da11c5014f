//! A graph too large to lay out node by node is drawn with one node per
//! namespace and says so; one too large even then is refused with a message
//! that says how to narrow it (issue 13).

use meshgraph_core::{ClassifyOptions, GraphOptions, MeshGraph, build_graph, reconcile};
use meshgraph_export::{DotOptions, SVG_MAX_EDGES, SVG_MAX_NODES, to_dot, to_svg};

/// Bookinfo's sidecar graph `copies` times over, each copy's workloads
/// renamed, and with `own_namespaces` each copy in namespaces of its own.
fn copies_of_bookinfo(copies: usize, own_namespaces: bool) -> MeshGraph {
    let scenario = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap();
    let base = scenario.telemetry();
    let mut observations = Vec::new();
    for copy in 0..copies {
        for obs in &base {
            let mut obs = obs.clone();
            for peer in [&mut obs.source, &mut obs.destination] {
                if !peer.workload.is_empty() && peer.workload != "unknown" {
                    peer.workload = format!("{}-{copy}", peer.workload);
                    if own_namespaces {
                        peer.namespace = format!("{}-{copy}", peer.namespace);
                    }
                }
            }
            observations.push(obs);
        }
    }
    let rec = reconcile(&observations, &ClassifyOptions::default());
    build_graph(&rec, &GraphOptions::default())
}

/// Whether the SVG shows `text` (Graphviz writes `-` as `&#45;`).
fn shows(svg: &str, text: &str) -> bool {
    svg.contains(text) || svg.contains(&text.replace('-', "&#45;"))
}

fn total_rps(graph: &MeshGraph) -> f64 {
    graph
        .edges()
        .filter_map(|(_, _, e)| e.l7.as_ref().map(|l7| l7.rps))
        .sum()
}

#[test]
fn a_graph_over_the_cap_is_drawn_one_node_per_namespace_and_says_so() {
    let graph = copies_of_bookinfo(400, false);
    let (nodes, edges) = (graph.graph.node_count(), graph.graph.edge_count());
    assert!(
        nodes > SVG_MAX_NODES || edges > SVG_MAX_EDGES,
        "{nodes} nodes, {edges} edges"
    );
    let namespaces: std::collections::BTreeSet<_> =
        graph.nodes().filter_map(|n| n.namespace.clone()).collect();
    let collapsed = graph.collapsed_to_namespaces();
    let folded: Vec<_> = collapsed
        .nodes()
        .filter(|n| n.id.starts_with("namespace:"))
        .collect();
    assert_eq!(folded.len(), namespaces.len());
    // Every request is still there, summed.
    let (before, after) = (total_rps(&graph), total_rps(&collapsed));
    assert!(
        (before - after).abs() < 1e-6 * before,
        "{before} vs {after}"
    );

    let (svg, layout) = to_svg(&graph, &DotOptions::default()).unwrap();
    assert_eq!(layout.collapsed_from, Some((nodes, edges)));
    let said = layout.to_string();
    assert!(said.contains("one node per namespace"), "{said}");
    assert!(said.contains(&format!("{nodes} nodes")), "{said}");
    assert!(shows(&svg, "one node per namespace"), "the picture says so");
    for namespace in &namespaces {
        assert!(shows(&svg, namespace), "{namespace} drawn");
    }
    // The text formats still give every node.
    assert!(to_dot(&graph, &DotOptions::default()).contains("productpage-v1-399"));
}

#[test]
fn a_graph_over_the_cap_even_by_namespace_is_refused_and_says_how_to_narrow_it() {
    let graph = copies_of_bookinfo(800, true);
    let (nodes, edges) = (graph.graph.node_count(), graph.graph.edge_count());
    let message = to_svg(&graph, &DotOptions::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains(&format!("{nodes} nodes")), "{message}");
    assert!(message.contains(&format!("{edges} edges")), "{message}");
    assert!(
        message.contains("even with one node per namespace"),
        "{message}"
    );
    assert!(message.contains("--graph-type app"), "{message}");
    assert!(message.contains("-n NAMESPACE"), "{message}");
}

#[test]
fn a_graph_within_the_cap_is_drawn_node_by_node() {
    let graph = copies_of_bookinfo(1, false);
    let (svg, layout) = to_svg(&graph, &DotOptions::default()).unwrap();
    assert_eq!(layout.collapsed_from, None);
    assert!(!shows(&svg, "one node per namespace"));
    assert!(shows(&svg, "productpage-v1-0"));
}
