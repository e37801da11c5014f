//! Label values come from the mesh and are untrusted: every renderer escapes them.

use meshgraph_core::{ClassifyOptions, GraphOptions, MeshGraph, build_graph, reconcile};
use meshgraph_export::{DotOptions, SnapshotMeta, to_dot, to_json};

const HOSTILE: &str = "evil\"]; x -> y [label=\"pwn\\N</text><script>alert(1)</script>&amp;";

fn hostile_graph() -> MeshGraph {
    let scenario = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap();
    let mut observations = scenario.telemetry();
    for obs in &mut observations {
        for peer in [&mut obs.source, &mut obs.destination] {
            if peer.workload == "productpage-v1" {
                peer.workload = HOSTILE.to_string();
                peer.app = HOSTILE.to_string();
            }
        }
    }
    let rec = reconcile(&observations, &ClassifyOptions::default());
    build_graph(&rec, &GraphOptions::default())
}

#[test]
fn dot_keeps_hostile_names_inside_their_strings() {
    let graph = hostile_graph();
    let dot = to_dot(&graph, &DotOptions::default());
    let parsed = graphviz_rust::parse(&dot).expect("DOT still parses");
    let printed = format!("{parsed:?}");
    assert!(
        !printed.contains("Plain(\"x\")"),
        "the injected edge must not become a statement"
    );
    // Same number of edge statements as graph edges: nothing was injected.
    assert_eq!(dot.matches(" -> \"").count(), graph.graph.edge_count());
    assert!(dot.contains("evil\\\"]; x"), "quotes escaped");
    assert!(
        dot.contains("pwn\\\\N"),
        "backslashes doubled so \\N is no Graphviz escape"
    );
}

#[test]
fn svg_from_both_layouts_is_well_formed_and_has_no_script_element() {
    let graph = hostile_graph();
    // Graphviz is a real dependency of this test: missing, it fails.
    assert!(
        meshgraph_export::find_graphviz().is_some(),
        "Graphviz `dot` is needed (not on PATH, or MESHGRAPH_DOT is empty); \
         install it with: apt-get install -y --no-install-recommends graphviz"
    );
    let (graphviz_svg, renderer) =
        meshgraph_export::to_svg(&graph, &DotOptions::default()).unwrap();
    assert!(
        matches!(
            renderer.renderer,
            meshgraph_export::SvgRenderer::Graphviz(_)
        ),
        "{renderer:?}"
    );
    let outputs = vec![
        meshgraph_export::builtin_svg(&graph, &DotOptions::default()).expect("built-in layout"),
        graphviz_svg,
    ];
    for svg in outputs {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&svg, options).expect("well-formed SVG");
        assert!(
            doc.descendants().all(|n| !n.has_tag_name("script")),
            "no script element"
        );
        let text: String = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(
            text.contains("<script>"),
            "the hostile name is shown as text"
        );
    }
}

#[test]
fn json_round_trips_hostile_names_exactly() {
    let graph = hostile_graph();
    let json = to_json(&graph, &SnapshotMeta::default()).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["name"] == HOSTILE)
    );
}

#[test]
fn mermaid_keeps_hostile_names_inside_their_labels() {
    let graph = hostile_graph();
    let text = meshgraph_export::to_mermaid(&graph);
    assert!(!text.contains("<script>"), "markup is escaped");
    assert!(text.contains("#lt;script#gt;"));
    for line in text.lines() {
        // Every label is one double-quoted string: quotes stay balanced, and
        // a label cannot close its brackets or pipes early.
        assert_eq!(
            line.matches('"').count() % 2,
            0,
            "unbalanced quotes in {line}"
        );
    }
    let edges = text
        .lines()
        .filter(|l| l.contains("-->") || l.contains("-.->") || l.contains("==>"))
        .count();
    assert_eq!(edges, graph.graph.edge_count(), "nothing injected");
}

#[test]
fn cytoscape_elements_carry_hostile_names_as_data() {
    let graph = hostile_graph();
    let text = meshgraph_export::to_cytoscape(&graph, &SnapshotMeta::default()).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let nodes = doc["elements"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(|n| n["data"]["name"] == HOSTILE));
    let edges = doc["elements"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), graph.graph.edge_count());
    for edge in edges {
        let ids: Vec<&str> = nodes
            .iter()
            .map(|n| n["data"]["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&edge["data"]["source"].as_str().unwrap()));
        assert!(ids.contains(&edge["data"]["target"].as_str().unwrap()));
    }
}
