//! `MeshGraph::badges` and `MeshGraph::node` (issue 14: one lookup per
//! finding instead of a scan of every edge): the index badges exactly the
//! drawn edges a scan would, and node lookup finds every node.

use meshgraph_core::{
    Badge, ClassifyOptions, Endpoint, GraphOptions, WorkloadRef, build_graph, reconcile,
};
use meshgraph_model::{GraphType, Severity};

#[test]
fn a_logical_edge_badges_every_drawn_edge_that_carries_it_and_no_other() {
    let scenario = meshgraph_scenario::builtin("bookinfo-waypoint")
        .unwrap()
        .unwrap();
    let observations = scenario.telemetry();
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let badge = Badge {
        code: "MG999".into(),
        severity: Severity::Warning,
    };
    let mut checked = 0;
    for graph_type in [GraphType::Workload, GraphType::App, GraphType::Service] {
        for show_waypoints in [false, true] {
            let options = GraphOptions {
                graph_type,
                show_waypoints,
                show_infra: true,
            };
            for (index, logical) in rec.edges.iter().enumerate() {
                let mut graph = build_graph(&rec, &options);
                // What a scan finds: drawn edges whose logical edges include
                // one with the same ends.
                let same_ends: Vec<usize> = rec
                    .edges
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.source == logical.source && e.destination == logical.destination
                    })
                    .map(|(i, _)| i)
                    .collect();
                assert!(same_ends.contains(&index));
                let expected: Vec<bool> = graph
                    .graph
                    .edge_weights()
                    .map(|e| e.logical_edges.iter().any(|i| same_ends.contains(i)))
                    .collect();
                let mut badges = graph.badges(&rec);
                badges.logical_edge(&logical.source, &logical.destination, &badge);
                badges.logical_edge(&logical.source, &logical.destination, &badge);
                let visited = badges.visited();
                let badged: Vec<bool> = graph
                    .graph
                    .edge_weights()
                    .map(|e| e.badges.contains(&badge))
                    .collect();
                assert_eq!(
                    badged, expected,
                    "{graph_type:?} {show_waypoints}: edge {index}"
                );
                assert_eq!(visited, 2 * expected.iter().filter(|b| **b).count());
                for edge in graph.graph.edge_weights() {
                    assert!(edge.badges.iter().filter(|b| **b == badge).count() <= 1);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "only {checked} edges checked");
}

#[test]
fn node_lookup_finds_every_node_and_badges_an_endpoint_once() {
    let scenario = meshgraph_scenario::builtin("bookinfo-waypoint")
        .unwrap()
        .unwrap();
    let rec = reconcile(&scenario.telemetry(), &ClassifyOptions::default());
    let mut graph = build_graph(&rec, &GraphOptions::default());
    let ids: Vec<String> = graph.nodes().map(|n| n.id.clone()).collect();
    assert!(ids.len() > 3);
    for id in &ids {
        assert_eq!(graph.node(id).map(|n| &n.id), Some(id));
        assert!(graph.node(&format!("{id}x")).is_none());
    }
    let collapsed = graph.collapsed_to_namespaces();
    for node in collapsed.nodes() {
        assert_eq!(collapsed.node(&node.id), Some(node));
    }
    let Some(Endpoint::Workload(workload)) = rec
        .edges
        .iter()
        .map(|e| &e.destination)
        .find(|d| matches!(d, Endpoint::Workload(w) if w.name.starts_with("reviews")))
    else {
        panic!("bookinfo-waypoint has a reviews workload");
    };
    let workload: WorkloadRef = workload.clone();
    let badge = Badge {
        code: "MG998".into(),
        severity: Severity::Info,
    };
    let mut badges = graph.badges(&rec);
    badges.endpoint(&Endpoint::Workload(workload.clone()), &badge);
    badges.endpoint(&Endpoint::Workload(workload.clone()), &badge);
    assert_eq!(badges.visited(), 2);
    let id = format!("workload:{workload}");
    assert_eq!(graph.node(&id).unwrap().badges, vec![badge.clone()]);
    assert_eq!(
        graph.nodes().filter(|n| n.badges.contains(&badge)).count(),
        1
    );
}
