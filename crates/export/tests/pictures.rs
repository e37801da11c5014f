//! Pictures that explain themselves: legend, title, findings in edge colours,
//! the waypoint said once, namespace modes, the empty note.

use std::collections::BTreeMap;

use meshgraph_core::{Badge, ClassifyOptions, GraphOptions, MeshGraph, build_graph, reconcile};
use meshgraph_export::{
    DotOptions, NamespaceMode, ReportInput, SnapshotMeta, builtin_svg, to_dot, to_json,
    to_report_html,
};
use meshgraph_model::Severity;

fn demo(name: &str) -> MeshGraph {
    let scenario = meshgraph_scenario::builtin(name).unwrap().unwrap();
    let rec = reconcile(&scenario.telemetry(), &ClassifyOptions::default());
    build_graph(&rec, &GraphOptions::default())
}

/// The DOT statement of the edge between two node ids.
fn edge_line<'a>(dot: &'a str, from: &str, to: &str) -> &'a str {
    let head = format!("\"{from}\" -> \"{to}\"");
    dot.lines()
        .find(|l| l.trim_start().starts_with(&head))
        .unwrap_or_else(|| panic!("no edge {head} in\n{dot}"))
}

fn well_formed(svg: &str) {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(svg, options).expect("well-formed SVG");
}

#[test]
fn the_legend_is_drawn_unless_switched_off() {
    let graph = demo("bookinfo-mixed");
    let with = to_dot(&graph, &DotOptions::default());
    assert!(with.contains("<B>Legend</B>"), "{with}");
    assert!(with.contains("errors 10% or more"));
    assert!(with.contains("TCP only"));
    assert!(with.contains("through a waypoint"));
    assert!(
        with.contains("diamond: unknown caller"),
        "shapes of the kinds present"
    );
    graphviz_rust::parse(&with).expect("DOT with the legend parses");
    let without = to_dot(
        &graph,
        &DotOptions {
            legend: false,
            ..DotOptions::default()
        },
    );
    assert!(!without.contains("Legend"));

    let svg = builtin_svg(&graph, &DotOptions::default()).unwrap();
    well_formed(&svg);
    assert!(svg.contains("<g id=\"legend\">"));
    let svg = builtin_svg(
        &graph,
        &DotOptions {
            legend: false,
            ..DotOptions::default()
        },
    )
    .unwrap();
    assert!(!svg.contains("id=\"legend\""));
}

#[test]
fn an_edge_with_an_error_finding_is_never_green() {
    let mut graph = demo("bookinfo-sidecar");
    let (from, to, index) = {
        let index = graph
            .graph
            .edge_indices()
            .find(|e| {
                let w = &graph.graph[*e];
                w.l7.as_ref().is_some_and(|l| l.error_rps == 0.0)
            })
            .expect("a healthy edge");
        let (a, b) = graph.graph.edge_endpoints(index).unwrap();
        (graph.graph[a].id.clone(), graph.graph[b].id.clone(), index)
    };
    let options = DotOptions::default();
    assert!(edge_line(&to_dot(&graph, &options), &from, &to).contains("color=\"#2e7d32\""));

    graph.graph[index].badges.push(Badge {
        code: "MG904".into(),
        severity: Severity::Warning,
    });
    let line = to_dot(&graph, &options);
    let line = edge_line(&line, &from, &to);
    assert!(
        line.contains("color=\"#ef6c00\""),
        "warning: orange: {line}"
    );

    graph.graph[index].badges.push(Badge {
        code: "MG903".into(),
        severity: Severity::Error,
    });
    let dot = to_dot(&graph, &options);
    let line = edge_line(&dot, &from, &to);
    assert!(line.contains("color=\"#c62828\""), "error: red: {line}");
    assert!(!line.contains("#2e7d32"));
    let svg = builtin_svg(&graph, &options).unwrap();
    assert!(svg.contains("[MG904 MG903]"));
}

#[test]
fn the_title_says_when_and_over_which_window() {
    let graph = demo("bookinfo-waypoint");
    let meta = SnapshotMeta {
        at: 1_795_572_000,
        window_seconds: 600,
        source: "demo:bookinfo-waypoint".into(),
        ..SnapshotMeta::default()
    };
    let options = DotOptions::titled(&meta);
    let title = "meshgraph: demo:bookinfo-waypoint \u{2014} 2026-11-25T02:00:00Z, 10m window";
    assert_eq!(options.heading().as_deref(), Some(title));
    assert!(to_dot(&graph, &options).contains(title));
    let plain = to_dot(
        &graph,
        &DotOptions {
            legend: false,
            ..options.clone()
        },
    );
    assert!(plain.contains(&format!("label=\"{title}\"")));
    assert!(builtin_svg(&graph, &options).unwrap().contains(title));
    assert_eq!(DotOptions::default().heading(), None);
    let hour = DotOptions {
        window_seconds: Some(5400),
        ..DotOptions::default()
    };
    assert_eq!(hour.heading().as_deref(), Some("1h30m window"));
}

#[test]
fn via_waypoint_is_said_once_when_a_namespace_uses_one_waypoint() {
    let mut graph = demo("bookinfo-waypoint");
    let dot = to_dot(&graph, &DotOptions::default());
    assert!(
        dot.contains("label=\"bookinfo\\lvia waypoint bookinfo/waypoint\\l\""),
        "{dot}"
    );
    let edge_labels: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(edge_labels.len(), graph.graph.edge_count());
    assert!(edge_labels.iter().all(|l| !l.contains("via waypoint")));
    assert!(
        edge_labels.iter().any(|l| l.contains("normalodot")),
        "the arrowhead still marks it"
    );
    let svg = builtin_svg(&graph, &DotOptions::default()).unwrap();
    assert_eq!(
        svg.matches("via waypoint bookinfo/waypoint").count(),
        1,
        "once, above the graph"
    );

    // One inside call not through the waypoint: every edge says it again.
    let index = graph
        .graph
        .edge_indices()
        .find(|e| !graph.graph[*e].via_waypoint.is_empty())
        .unwrap();
    graph.graph[index].via_waypoint.clear();
    let dot = to_dot(&graph, &DotOptions::default());
    assert!(dot.contains("label=\"bookinfo\\l\""), "{dot}");
    let with_waypoint = graph
        .edges()
        .filter(|(_, _, e)| !e.via_waypoint.is_empty())
        .count();
    assert_eq!(
        dot.matches("via waypoint bookinfo/waypoint").count(),
        with_waypoint
    );
}

#[test]
fn namespace_boxes_show_the_data_plane_mode() {
    let graph = demo("bookinfo-mixed");
    let options = DotOptions {
        namespace_modes: BTreeMap::from([
            ("front".to_string(), NamespaceMode::Sidecar),
            ("back".to_string(), NamespaceMode::AmbientWaypoint),
            ("data".to_string(), NamespaceMode::OutOfMesh),
        ]),
        ..DotOptions::default()
    };
    let dot = to_dot(&graph, &options);
    assert!(dot.contains("label=\"front (sidecar)\\l\""), "{dot}");
    assert!(dot.contains("label=\"back (ambient+waypoint)\\l\""));
    assert!(dot.contains("label=\"data (out of mesh)\\l\""));
    assert_eq!(NamespaceMode::Ambient.to_string(), "ambient");
    let svg = builtin_svg(&graph, &options).unwrap();
    assert!(svg.contains("namespace back (ambient+waypoint)"));
}

#[test]
fn an_empty_input_says_so_in_every_output() {
    let graph = build_graph(
        &reconcile(&[], &ClassifyOptions::default()),
        &GraphOptions::default(),
    );
    let meta = SnapshotMeta {
        empty: true,
        ..SnapshotMeta::default()
    };
    let options = DotOptions::titled(&meta);
    let dot = to_dot(&graph, &options);
    assert!(dot.contains("no traffic in window"), "{dot}");
    graphviz_rust::parse(&dot).expect("parses");
    let svg = builtin_svg(&graph, &options).unwrap();
    well_formed(&svg);
    assert!(svg.contains("no traffic in window"));
    assert!(
        !to_dot(&graph, &DotOptions::default()).contains("no traffic"),
        "only when asked"
    );

    let doc: serde_json::Value = serde_json::from_str(&to_json(&graph, &meta).unwrap()).unwrap();
    assert_eq!(doc["empty"], serde_json::json!(true));
    let doc: serde_json::Value =
        serde_json::from_str(&to_json(&graph, &SnapshotMeta::default()).unwrap()).unwrap();
    assert_eq!(doc["empty"], serde_json::json!(false), "always present");

    let html = report(&graph, &meta, &svg, true);
    assert!(html.contains("id=\"empty\""));
    assert!(html.contains("No traffic in window"));
    assert!(!report(&graph, &SnapshotMeta::default(), &svg, true).contains("id=\"empty\""));
}

fn report(graph: &MeshGraph, meta: &SnapshotMeta, svg: &str, legend: bool) -> String {
    to_report_html(&ReportInput {
        graph,
        meta,
        svg,
        findings: &[],
        diff: None,
        worst: 5,
        legend,
        drawn: None,
        explain: None,
    })
}

#[test]
fn the_report_scales_the_graph_and_has_a_legend() {
    let graph = demo("bookinfo-mixed");
    let meta = SnapshotMeta::default();
    let svg = builtin_svg(
        &graph,
        &DotOptions {
            legend: false,
            ..DotOptions::default()
        },
    )
    .unwrap();
    let html = report(&graph, &meta, &svg, true);
    let start = html.find("<svg").unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    assert!(tag.contains("width=\"100%\""), "{tag}");
    assert!(tag.contains("viewBox=\""), "{tag}");
    assert!(!tag.contains("height=\""), "{tag}");
    assert!(html.contains("id=\"legend\""));
    assert!(html.contains("id=\"zoom-in\""));
    assert_eq!(html.matches("<script>").count(), 1, "our pan/zoom only");
    assert!(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!report(&graph, &meta, &svg, false).contains("id=\"legend\""));
}

#[test]
fn pictures_are_byte_identical_for_the_same_input() {
    let graph = demo("bookinfo-mixed");
    let options = DotOptions::titled(&SnapshotMeta {
        at: 1,
        window_seconds: 300,
        source: "x".into(),
        ..SnapshotMeta::default()
    });
    assert_eq!(to_dot(&graph, &options), to_dot(&graph, &options));
    assert_eq!(
        builtin_svg(&graph, &options).unwrap(),
        builtin_svg(&demo("bookinfo-mixed"), &options).unwrap()
    );
}

/// With element ids the built-in layout groups each node and each edge as
/// Graphviz does (`<g id="mg-n3" class="node">`, `<g id="mg-e5"
/// class="edge">`), so the report page can click and dim them without
/// Graphviz: an edge's group holds both of its lines (to and from its label)
/// and its label; a node's its shape and text. Without ids nothing changes.
#[test]
fn the_built_in_layout_groups_nodes_and_edges_under_their_element_ids() {
    let graph = demo("bookinfo-waypoint");
    let plain = builtin_svg(&graph, &DotOptions::default()).unwrap();
    assert!(!plain.contains("class=\"edge\"") && !plain.contains("class=\"node\""));
    let options = DotOptions {
        element_ids: true,
        ..DotOptions::default()
    };
    let svg = builtin_svg(&graph, &options).unwrap();
    well_formed(&svg);
    let doc = roxmltree::Document::parse_with_options(
        &svg,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let groups = |class: &str| -> Vec<roxmltree::Node<'_, '_>> {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
            .collect()
    };
    let (edges, nodes) = (groups("edge"), groups("node"));
    let ids = |list: &[roxmltree::Node<'_, '_>]| -> Vec<String> {
        list.iter()
            .map(|g| g.attribute("id").unwrap().to_string())
            .collect()
    };
    let expected_edges: Vec<String> = (0..graph.edges().count())
        .map(|i| format!("mg-e{i}"))
        .collect();
    let expected_nodes: Vec<String> = (0..graph.nodes().count())
        .map(|i| format!("mg-n{i}"))
        .collect();
    assert_eq!(ids(&edges), expected_edges);
    assert_eq!(ids(&nodes), expected_nodes);
    for (g, (from, to, edge)) in edges.iter().zip(graph.edges()) {
        let paths = g.children().filter(|c| c.has_tag_name("path")).count();
        assert_eq!(paths, 2, "{} -> {}: both lines", from.id, to.id);
        let text: String = g
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        let rps = edge.l7.as_ref().map(|l7| format!("{:.1}", l7.rps));
        if let Some(rps) = rps {
            assert!(text.contains(&rps), "{} -> {}: {text}", from.id, to.id);
        }
        assert!(
            g.descendants()
                .filter(|n| n.has_tag_name("text"))
                .all(|t| t.attribute("pointer-events") == Some("none"))
        );
    }
    for (g, node) in nodes.iter().zip(graph.nodes()) {
        let text: String = g
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        // Its name, the last part of its id (`workload:bookinfo/reviews-v1`).
        let name = node.id.rsplit(['/', ':']).next().unwrap();
        assert!(text.contains(name), "{}: {text}", node.id);
    }
}
