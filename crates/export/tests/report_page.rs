//! The report page's interactive parts: element ids in the DOT (opt-in),
//! and the data the page's script reads (`#mg-data`): one record per drawn
//! edge and node, with the edge's `explain` text, safe inside a script
//! element whatever the label values hold.

use meshgraph_core::{
    ClassifyOptions, GraphOptions, MeshGraph, Reconciliation, build_graph, explain, reconcile,
};
use meshgraph_export::{
    DotOptions, ReportInput, SnapshotMeta, explain_text, to_dot, to_report_html,
};
use meshgraph_model::Observation;
use serde_json::Value;

fn demo(name: &str) -> (Reconciliation, Vec<Observation>, MeshGraph) {
    let scenario = meshgraph_scenario::builtin(name).unwrap().unwrap();
    let observations = scenario.telemetry();
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let graph = build_graph(&rec, &GraphOptions::default());
    (rec, observations, graph)
}

fn page(
    graph: &MeshGraph,
    explain: Option<(&Reconciliation, &[Observation])>,
    drawn: Option<&MeshGraph>,
) -> String {
    to_report_html(&ReportInput {
        graph,
        meta: &SnapshotMeta::default(),
        svg: "<svg width=\"10pt\" height=\"10pt\"></svg>",
        findings: &[],
        diff: None,
        worst: 5,
        legend: false,
        drawn,
        explain,
    })
}

/// The text of the `#mg-data` element, parsed.
fn page_data(html: &str) -> Value {
    let start = "<script type=\"application/json\" id=\"mg-data\">";
    let at = html.find(start).expect("#mg-data") + start.len();
    let end = at + html[at..].find("</script>").unwrap();
    serde_json::from_str(&html[at..end]).expect("#mg-data is JSON")
}

#[test]
fn element_ids_are_opt_in_and_follow_the_graphs_order() {
    let (_, _, graph) = demo("bookinfo-waypoint");
    let plain = to_dot(&graph, &DotOptions::default());
    assert!(
        !plain.contains("mg-e") && !plain.contains("mg-n"),
        "{plain}"
    );
    let with = to_dot(
        &graph,
        &DotOptions {
            element_ids: true,
            ..DotOptions::default()
        },
    );
    for (i, (from, to, _)) in graph.edges().enumerate() {
        let head = format!("\"{}\" -> \"{}\"", from.id, to.id);
        let line = with
            .lines()
            .find(|l| l.trim_start().starts_with(&head))
            .unwrap_or_else(|| panic!("{head}"));
        assert!(line.contains(&format!("id=\"mg-e{i}\"")), "{line}");
    }
    for (i, node) in graph.nodes().enumerate() {
        let head = format!("\"{}\"[", node.id);
        let line = with
            .lines()
            .find(|l| l.trim_start().starts_with(&head))
            .unwrap_or_else(|| panic!("{head} in {with}"));
        assert!(line.contains(&format!("id=\"mg-n{i}\"")), "{line}");
    }
    assert_eq!(with.matches("id=\"mg-e").count(), graph.edges().count());
}

#[test]
fn the_page_data_holds_every_drawn_edge_with_its_figures_and_explanation() {
    let (rec, observations, graph) = demo("bookinfo-waypoint");
    let html = page(&graph, Some((&rec, &observations)), Some(&graph));
    let data = page_data(&html);
    let edges = data["edges"].as_array().unwrap();
    assert_eq!(edges.len(), graph.edges().count());
    assert_eq!(
        data["nodes"].as_array().unwrap().len(),
        graph.nodes().count()
    );
    assert_eq!(data["multi_cluster"], Value::Bool(false));
    for (i, ((from, to, edge), page)) in graph.edges().zip(edges).enumerate() {
        assert_eq!(page["el"], format!("mg-e{i}"));
        assert_eq!(page["from"], from.id.as_str());
        assert_eq!(page["to"], to.id.as_str());
        assert_eq!(page["protocol"], edge.protocol.as_str());
        assert_eq!(page["rps"].as_f64(), edge.l7.as_ref().map(|l| l.rps));
        let node = |id: &Value| {
            data["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["id"] == *id)
                .unwrap()
                .clone()
        };
        assert_eq!(
            node(&page["from"])["namespace"].as_str(),
            from.namespace.as_deref()
        );
        assert_eq!(node(&page["to"])["cluster"].as_str(), to.cluster.as_deref());
        assert_eq!(
            page["via_waypoint"].as_array().map(Vec::len).unwrap_or(0),
            edge.via_waypoint.len()
        );
        // The explanation is `meshgraph explain`'s for the edge's pair.
        if let [only] = edge.logical_edges[..] {
            let logical = &rec.edges[only];
            let expected = explain_text(
                &rec,
                &observations,
                &explain(&rec, &observations, &logical.source, &logical.destination),
            );
            assert_eq!(page["explain"].as_str(), Some(expected.as_str()));
        }
    }
    assert!(
        edges
            .iter()
            .any(|e| !e["via_waypoint"].as_array().is_none_or(Vec::is_empty)),
        "the waypoint demo has edges via its waypoint"
    );
    // Without the reconciliation there is no explanation; without a drawn
    // graph, no data and no filters.
    let without = page_data(&page(&graph, None, Some(&graph)));
    assert!(without["edges"][0].get("explain").is_none());
    let static_page = page(&graph, None, None);
    assert!(!static_page.contains("id=\"mg-data\"") && !static_page.contains("id=\"edge-panel\""));
}

#[test]
fn label_values_cannot_leave_the_data_element() {
    let (_, _, mut graph) = demo("bookinfo-sidecar");
    let hostile = "x</script><!--<script>alert(1)</script>&amp;\u{2028}";
    let first = graph.graph.node_indices().next().unwrap();
    graph.graph[first].id = hostile.to_string();
    graph.graph[first].namespace = Some(hostile.to_string());
    let html = page(&graph, None, Some(&graph));
    let start = html.find("id=\"mg-data\">").unwrap();
    let end = start + html[start..].find("</script>").unwrap();
    let element = &html[start + "id=\"mg-data\">".len()..end];
    for raw in ["<", ">", "&", "\u{2028}"] {
        assert!(!element.contains(raw), "{raw:?} raw in {element}");
    }
    let data = page_data(&html);
    assert_eq!(data["nodes"][0]["id"], hostile, "read back unchanged");
    assert!(
        data["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == hostile || e["to"] == hostile)
    );
    assert_eq!(
        html.matches("<script").count(),
        2,
        "data and our script only"
    );
}

/// A generated mesh of 20 namespaces of 25 workloads, each calling four
/// services (one in three in another namespace): 2,000 edges.
fn mesh_of_2000_edges() -> String {
    let mut toml = String::from("name = \"big\"\n");
    for n in 0..20 {
        let mode = if n % 2 == 0 { "sidecar" } else { "ambient" };
        toml.push_str(&format!(
            "\n[[namespaces]]\nname = \"ns-{n}\"\nmode = \"{mode}\"\n"
        ));
    }
    for n in 0..20 {
        for w in 0..25 {
            toml.push_str(&format!(
                "\n[[workloads]]\nnamespace = \"ns-{n}\"\nname = \"svc-{w}-v1\"\napp = \"svc-{w}\"\nservice = \"svc-{w}\"\n"
            ));
        }
    }
    for n in 0..20 {
        for w in 0..25 {
            for k in 1..=4 {
                let to_ns = if k == 4 { (n + 7) % 20 } else { n };
                let to = (w + k * 3) % 25;
                let error_ratio = if (n + w + k) % 50 == 0 { 0.2 } else { 0.0 };
                toml.push_str(&format!(
                    "\n[[calls]]\nfrom = \"ns-{n}/svc-{w}-v1\"\nto = \"ns-{to_ns}/svc-{to}\"\nrps = {}.0\nerror_ratio = {error_ratio}\n",
                    1 + (n * 25 + w + k) % 40
                ));
            }
        }
    }
    toml
}

/// Everything the page adds beyond the SVG itself (the data with every
/// edge's `explain` text, the tables, the script) stays within 1.5 MB for
/// 2,000 edges (about 0.9 MB when written), so the page stays under 5 MB:
/// the SVG Graphviz draws for them is about 2.8 MB once inlined, and the
/// history section's tables and series about 1 MB (docs/history.md).
#[test]
fn a_page_of_2000_edges_stays_small() {
    let scenario = meshgraph_scenario::Scenario::from_toml(&mesh_of_2000_edges(), "big").unwrap();
    let observations = scenario.telemetry();
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let graph = build_graph(&rec, &GraphOptions::default());
    assert_eq!(graph.edges().count(), 2_000);
    let html = to_report_html(&ReportInput {
        graph: &graph,
        meta: &SnapshotMeta::default(),
        svg: "<svg width=\"10pt\" height=\"10pt\"></svg>",
        findings: &[],
        diff: None,
        worst: 20,
        legend: true,
        drawn: Some(&graph),
        explain: Some((&rec, &observations)),
    });
    let data = page_data(&html);
    let explained = data["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["explain"].as_str().is_some_and(|t| t.contains("edge: ")))
        .count();
    assert_eq!(explained, 2_000, "every edge has its explanation");
    eprintln!(
        "the page without its SVG: {} bytes for 2,000 edges",
        html.len()
    );
    assert!(html.len() < 1_500_000, "{} bytes", html.len());
}
