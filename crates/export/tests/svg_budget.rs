//! A graph too large to lay out in reasonable time is refused with a message
//! that says how to narrow it (issue 13).

use meshgraph_core::{ClassifyOptions, GraphOptions, build_graph, reconcile};
use meshgraph_export::{DotOptions, SVG_MAX_EDGES, SVG_MAX_NODES, to_dot, to_svg};

#[test]
fn a_graph_over_the_cap_is_refused_and_says_how_to_narrow_it() {
    let scenario = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap();
    let base = scenario.telemetry();
    let mut observations = Vec::new();
    for copy in 0..400 {
        for obs in &base {
            let mut obs = obs.clone();
            for peer in [&mut obs.source, &mut obs.destination] {
                if !peer.workload.is_empty() && peer.workload != "unknown" {
                    peer.workload = format!("{}-{copy}", peer.workload);
                }
            }
            observations.push(obs);
        }
    }
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let graph = build_graph(&rec, &GraphOptions::default());
    let (nodes, edges) = (graph.graph.node_count(), graph.graph.edge_count());
    assert!(
        nodes > SVG_MAX_NODES || edges > SVG_MAX_EDGES,
        "{nodes} nodes, {edges} edges"
    );
    let message = to_svg(&graph, &DotOptions::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains(&format!("{nodes} nodes")), "{message}");
    assert!(message.contains("--graph-type app"), "{message}");
    assert!(message.contains("-n NAMESPACE"), "{message}");
    // The text formats still work for it.
    assert!(!to_dot(&graph, &DotOptions::default()).is_empty());
}
