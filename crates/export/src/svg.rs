//! SVG: Graphviz `dot` when it is installed, else a pure-Rust layout (layout-rs).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use meshgraph_core::MeshGraph;

use crate::dot::{DotOptions, to_dot};
use crate::{ExportError, style};

/// Which layout engine drew the SVG; the CLI tells the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvgRenderer {
    /// Graphviz `dot` at this path.
    Graphviz(PathBuf),
    /// The built-in pure-Rust layout, used when Graphviz is not installed.
    Builtin,
}

impl std::fmt::Display for SvgRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SvgRenderer::Graphviz(path) => write!(f, "Graphviz ({})", path.display()),
            SvgRenderer::Builtin => {
                f.write_str("the built-in layout (install Graphviz for a better one)")
            }
        }
    }
}

/// Finds Graphviz `dot`: `MESHGRAPH_DOT` if set (empty disables Graphviz),
/// else the first `dot` on `PATH`.
pub fn find_graphviz() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("MESHGRAPH_DOT") {
        return (!explicit.is_empty()).then(|| PathBuf::from(explicit));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("dot"))
        .find(|p| p.is_file())
}

/// Renders the graph as SVG and says which engine did it.
pub fn to_svg(
    graph: &MeshGraph,
    options: &DotOptions,
) -> Result<(String, SvgRenderer), ExportError> {
    match find_graphviz() {
        Some(dot) => {
            let svg = run_graphviz(&dot, &to_dot(graph, options))?;
            Ok((svg, SvgRenderer::Graphviz(dot)))
        }
        None => Ok((builtin_layout(graph)?, SvgRenderer::Builtin)),
    }
}

fn run_graphviz(dot: &PathBuf, source: &str) -> Result<String, ExportError> {
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ExportError::Graphviz(format!("cannot run {}: {e}", dot.display())))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| ExportError::Graphviz("no stdin".into()))?;
    let input = source.to_string();
    // Write from another thread so a large graph cannot deadlock on full pipes.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| ExportError::Graphviz(format!("{}: {e}", dot.display())))?;
    let _ = writer.join();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ExportError::Graphviz(format!(
            "{} exited with {}: {}",
            dot.display(),
            output.status,
            stderr.trim()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| ExportError::Graphviz("output is not UTF-8".into()))
}

fn color(hex: &str) -> Color {
    let rgb = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    Color::new(rgb << 8 | 0xff)
}

/// Lays the graph out with layout-rs. It has no clusters, so the namespace
/// is part of each node's label.
fn builtin_layout(graph: &MeshGraph) -> Result<String, ExportError> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let mut handles = Vec::with_capacity(graph.graph.node_count());
        for node in graph.nodes() {
            let mut text = style::node_label_lines(node).join(" ");
            if let Some(ns) = &node.namespace {
                text = format!("{text} ({ns})");
            }
            let look = StyleAttr::new(
                color("#424242"),
                1,
                Some(color(style::node_fill(node.kind))),
                4,
                13,
            );
            let size = Point::new(text.chars().count() as f64 * 8.0 + 20.0, 40.0);
            handles.push(vg.add_node(Element::create(
                ShapeKind::new_box(&text),
                look,
                Orientation::LeftToRight,
                size,
            )));
        }
        for edge in graph.graph.edge_indices() {
            let Some((a, b)) = graph.graph.edge_endpoints(edge) else {
                continue;
            };
            let weight = &graph.graph[edge];
            let line = if weight.protocol == meshgraph_model::Protocol::Tcp {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            };
            let look = StyleAttr::new(color(style::edge_color(weight)), 2, None, 0, 11);
            let text = style::edge_label_lines(weight).join(", ");
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                line,
                &text,
                &look,
                &None,
                &None,
            );
            vg.add_edge(arrow, handles[a.index()], handles[b.index()]);
        }
        let mut writer = SVGWriter::new();
        vg.do_it(false, false, false, &mut writer);
        writer.finalize()
    }));
    result.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "layout panicked".into());
        ExportError::Layout(message)
    })
}

/// SVG from the built-in layout, whether or not Graphviz is installed.
pub fn builtin_svg(graph: &MeshGraph) -> Result<String, ExportError> {
    builtin_layout(graph)
}
