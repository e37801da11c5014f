//! SVG: Graphviz `dot` when it is installed, else a pure-Rust layout (layout-rs).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
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

/// The most nodes an SVG is laid out for (either engine): above it Graphviz
/// can run for minutes.
pub const SVG_MAX_NODES: usize = 1500;
/// The most edges an SVG is laid out for.
pub const SVG_MAX_EDGES: usize = 4000;
/// How long Graphviz `dot` may run before it is stopped, unless
/// `MESHGRAPH_DOT_TIMEOUT` (seconds) says otherwise.
pub const DOT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// Above this many edges `dot` runs with [`DOT_FAST_SETTINGS`]. Its default
/// ranking and crossing minimisation grow much faster than the graph:
/// measured on generated meshes of four calls per workload (Graphviz 2.43,
/// docs/history.md), 1,000 edges took 4.2 s with the defaults and 3.0 s
/// with the faster settings, 1,500 edges 12.1 s and 4.7 s, 2,000 edges more
/// than 60 s and 8.3 s.
pub const DOT_FAST_ABOVE_EDGES: usize = 1000;
/// Fewer network-simplex iterations and crossing-minimisation passes.
pub const DOT_FAST_SETTINGS: [&str; 2] = ["-Gnslimit=2", "-Gmclimit=0.1"];

const NARROW: &str = "narrow the graph with --graph-type app or -n NAMESPACE, \
     or write --format dot or json and lay it out yourself";

/// Which engine laid an SVG out, and whether the graph was folded to
/// namespaces first because it was over the budget; its `Display` is the
/// line a user reads ("SVG laid out by ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgLayout {
    pub renderer: SvgRenderer,
    /// The nodes and edges of the graph before it was folded to namespaces.
    pub collapsed_from: Option<(usize, usize)>,
    /// Whether Graphviz ran with [`DOT_FAST_SETTINGS`] (over
    /// [`DOT_FAST_ABOVE_EDGES`] edges).
    pub fast_settings: bool,
    /// With those settings Graphviz 2.43 can stop complaining ("trouble in
    /// init_rank", a ranking bug as old as dot) and exit with an error after
    /// writing the whole drawing: the drawing is then used, and this is the
    /// first line of the complaint.
    pub graphviz_complaint: Option<String>,
}

impl std::fmt::Display for SvgLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.renderer)?;
        if self.fast_settings {
            write!(
                f,
                " with faster settings for over {DOT_FAST_ABOVE_EDGES} edges ({})",
                DOT_FAST_SETTINGS.join(" ")
            )?;
        }
        if let Some(complaint) = &self.graphviz_complaint {
            write!(
                f,
                "; Graphviz said \"{complaint}\" and exited with an error, but wrote the whole drawing, which is used"
            )?;
        }
        if let Some((nodes, edges)) = self.collapsed_from {
            write!(
                f,
                ", one node per namespace: the graph's {nodes} nodes and {edges} edges are more \
                 than an SVG is laid out for ({SVG_MAX_NODES} nodes, {SVG_MAX_EDGES} edges); {NARROW}"
            )?;
        }
        Ok(())
    }
}

fn over_budget(graph: &MeshGraph) -> bool {
    graph.graph.node_count() > SVG_MAX_NODES || graph.graph.edge_count() > SVG_MAX_EDGES
}

/// Renders the graph as SVG and says how. A graph over [`SVG_MAX_NODES`] or
/// [`SVG_MAX_EDGES`] is drawn with one node per namespace (and says so, in
/// the picture and in the returned [`SvgLayout`]); one still over the budget
/// after that, or one `dot` cannot lay out within [`DOT_TIMEOUT`], is an
/// error that says how to narrow it.
pub fn to_svg(graph: &MeshGraph, options: &DotOptions) -> Result<(String, SvgLayout), ExportError> {
    let (nodes, edges) = (graph.graph.node_count(), graph.graph.edge_count());
    if over_budget(graph) {
        let collapsed = graph.collapsed_to_namespaces();
        if over_budget(&collapsed) {
            return Err(ExportError::Layout(format!(
                "the graph has {nodes} nodes and {edges} edges, more than an SVG is laid out for \
                 ({SVG_MAX_NODES} nodes, {SVG_MAX_EDGES} edges), even with one node per namespace \
                 ({} nodes, {} edges); {NARROW}",
                collapsed.graph.node_count(),
                collapsed.graph.edge_count()
            )));
        }
        let note = format!(
            "one node per namespace: {nodes} nodes and {edges} edges are over the SVG budget"
        );
        let options = DotOptions {
            empty_note: Some(match &options.empty_note {
                Some(existing) => format!("{existing}; {note}"),
                None => note,
            }),
            ..options.clone()
        };
        let (svg, renderer, run) = render(&collapsed, &options)?;
        let layout = SvgLayout {
            renderer,
            collapsed_from: Some((nodes, edges)),
            fast_settings: run.fast_settings,
            graphviz_complaint: run.complaint,
        };
        return Ok((svg, layout));
    }
    let (svg, renderer, run) = render(graph, options)?;
    let layout = SvgLayout {
        renderer,
        collapsed_from: None,
        fast_settings: run.fast_settings,
        graphviz_complaint: run.complaint,
    };
    Ok((svg, layout))
}

/// How Graphviz ran: with its faster settings or not, and what it
/// complained about when it wrote a drawing and exited with an error anyway.
#[derive(Debug, Default)]
struct DotRun {
    fast_settings: bool,
    complaint: Option<String>,
}

/// The SVG, its engine, and how Graphviz ran.
fn render(
    graph: &MeshGraph,
    options: &DotOptions,
) -> Result<(String, SvgRenderer, DotRun), ExportError> {
    match find_graphviz() {
        Some(dot) => {
            let fast = graph.graph.edge_count() > DOT_FAST_ABOVE_EDGES;
            let settings: &[&str] = if fast { &DOT_FAST_SETTINGS } else { &[] };
            let (svg, complaint) = run_graphviz(&dot, &to_dot(graph, options), settings)?;
            let run = DotRun {
                fast_settings: fast,
                complaint,
            };
            Ok((svg, SvgRenderer::Graphviz(dot), run))
        }
        None => Ok((
            builtin_layout(graph, options)?,
            SvgRenderer::Builtin,
            DotRun::default(),
        )),
    }
}

/// Graphviz's SVG and, when it ran with `settings` (the faster ones),
/// exited with an error and still wrote a whole SVG document, the first line
/// of its complaint.
fn run_graphviz(
    dot: &PathBuf,
    source: &str,
    settings: &[&str],
) -> Result<(String, Option<String>), ExportError> {
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .args(settings)
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
    let timeout = dot_timeout();
    let output = wait_within(child, timeout)
        .map_err(|e| ExportError::Graphviz(format!("{}: {e}", dot.display())))?;
    let _ = writer.join();
    let Some(output) = output else {
        return Err(ExportError::Graphviz(format!(
            "{} did not finish within {} s and was stopped (MESHGRAPH_DOT_TIMEOUT sets the limit); {NARROW}",
            dot.display(),
            timeout.as_secs()
        )));
    };
    let svg = String::from_utf8(output.stdout);
    if output.status.success() {
        let svg = svg.map_err(|_| ExportError::Graphviz("output is not UTF-8".into()))?;
        return Ok((svg, None));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    match svg {
        Ok(svg) if !settings.is_empty() && is_whole_svg(&svg) => {
            let first = stderr.lines().next().unwrap_or("").trim();
            Ok((svg, Some(meshgraph_model::escape_controls(first))))
        }
        _ => Err(ExportError::Graphviz(format!(
            "{} exited with {}: {}",
            dot.display(),
            output.status,
            stderr.trim()
        ))),
    }
}

/// Whether `text` is one whole SVG document, as Graphviz ends it.
fn is_whole_svg(text: &str) -> bool {
    text.contains("<svg") && text.trim_end().ends_with("</svg>")
}

/// `MESHGRAPH_DOT_TIMEOUT` (whole seconds, at least 1) or [`DOT_TIMEOUT`].
fn dot_timeout() -> std::time::Duration {
    std::env::var("MESHGRAPH_DOT_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(DOT_TIMEOUT, std::time::Duration::from_secs)
}

/// The child's output, or `None` when it ran longer than `timeout` (it is
/// then killed and reaped). Stdout and stderr are drained by threads so a
/// full pipe cannot stall it.
fn wait_within(
    mut child: std::process::Child,
    timeout: std::time::Duration,
) -> std::io::Result<Option<std::process::Output>> {
    use std::io::Read;
    fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Ok(Some(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

fn color(hex: &str) -> Color {
    let rgb = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    Color::new(rgb << 8 | 0xff)
}

/// `#rrggbb` of a layout-rs colour (which carries alpha as a fourth byte).
fn web(color: Color) -> String {
    color.to_web_color().chars().take(7).collect()
}

/// Escapes text for SVG element content and attributes.
fn xml(text: &str) -> String {
    crate::report::html_escape(text)
}

/// A number for SVG: two decimals at most, no trailing zeros, no `-0`.
fn num(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded}")
}

const FONT: &str = "Helvetica,Arial,sans-serif";
const NODE_FONT: usize = 12;
const EDGE_FONT: usize = 10;
/// Rough advance of a character, as a share of the font size.
const CHAR_WIDTH: f64 = 0.6;

fn text_size(lines: &[String], font: usize) -> (f64, f64) {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (
        longest as f64 * font as f64 * CHAR_WIDTH,
        lines.len() as f64 * font as f64 * 1.25,
    )
}

/// What the built-in layout's elements are; passed through layout-rs as the
/// elements' `properties`, which only our [`Canvas`] reads (never untrusted text).
fn node_tag(kind: meshgraph_model::NodeKind) -> String {
    format!("mg-node {}", style::node_shape(kind))
}
const LABEL_TAG: &str = "mg-label";
const EDGE_TAG: &str = "mg-edge";
const EDGE_VIA_TAG: &str = "mg-edge-via";

/// An element's tag, and its element id after a `|` when
/// [`DotOptions::element_ids`] asks for ids (`mg-edge|mg-e3`).
fn tagged(tag: &str, element_id: Option<&str>) -> String {
    match element_id {
        Some(id) => format!("{tag}|{id}"),
        None => tag.to_string(),
    }
}

fn split_tag(properties: Option<&str>) -> (&str, Option<&str>) {
    match properties {
        Some(p) => match p.split_once('|') {
            Some((tag, id)) => (tag, Some(id)),
            None => (p, None),
        },
        None => ("", None),
    }
}

/// A layout-rs render backend that writes our own SVG: node shapes by kind,
/// edge labels beside (never under) their lines, coloured arrowheads, a real
/// bounding box. The result is placed under the title and legend.
#[derive(Default)]
struct Canvas {
    body: String,
    min: (f64, f64),
    max: (f64, f64),
    touched: bool,
    /// Arrowhead markers needed: (colour, via waypoint).
    markers: std::collections::BTreeSet<(String, bool)>,
    /// With element ids: what belongs to each drawn node and edge (its
    /// shape or lines, and its text), kept apart to be written as one
    /// `<g id=... class="node|edge">` each, as Graphviz groups them, so
    /// that the report page can find, dim and click them.
    groups: Vec<(String, &'static str, String)>,
    /// Where each element id's group is in `groups`.
    group_of: std::collections::HashMap<String, usize>,
    /// The group a text drawn next belongs to (layout-rs draws a box's text
    /// right after the box).
    text_of: Option<String>,
}

impl Canvas {
    /// Where an element's SVG goes: its group's body, or the canvas body.
    fn target(&mut self, element_id: Option<&str>, class: &'static str) -> &mut String {
        let Some(id) = element_id else {
            return &mut self.body;
        };
        let at = match self.group_of.get(id) {
            Some(&at) => at,
            None => {
                self.group_of.insert(id.to_string(), self.groups.len());
                self.groups.push((id.to_string(), class, String::new()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[at].2
    }

    /// The body with the groups after it: edges, then nodes on top of them.
    fn finish(&mut self) {
        for class in ["edge", "node"] {
            for (id, _, body) in self.groups.iter().filter(|(_, c, _)| *c == class) {
                self.body
                    .push_str(&format!("<g id=\"{id}\" class=\"{class}\">\n{body}</g>\n"));
            }
        }
        self.groups.clear();
        self.group_of.clear();
    }

    fn grow(&mut self, x: f64, y: f64) {
        if !self.touched {
            self.min = (x, y);
            self.max = (x, y);
            self.touched = true;
        }
        self.min = (self.min.0.min(x), self.min.1.min(y));
        self.max = (self.max.0.max(x), self.max.1.max(y));
    }

    fn polygon(
        &mut self,
        element_id: Option<&str>,
        points: &[(f64, f64)],
        (fill, stroke, width): (&str, &str, usize),
    ) {
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        self.target(element_id, "node").push_str(&format!(
            "<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>\n",
            pts.join(" ")
        ));
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        let (x, y, w, h) = (xy.x, xy.y, size.x, size.y);
        self.grow(x, y);
        self.grow(x + w, y + h);
        let fill = look.fill_color.map_or("none".to_string(), web);
        let stroke = web(look.line_color);
        let width = look.line_width;
        let (tag, element_id) = split_tag(properties.as_deref());
        self.text_of = element_id.map(str::to_string);
        if tag == LABEL_TAG {
            return; // an edge label: text only
        }
        let shape = tag.strip_prefix("mg-node ").unwrap_or("");
        let paint = (fill.as_str(), stroke.as_str(), width);
        let (r, b, cx, cy) = (x + w, y + h, x + w / 2.0, y + h / 2.0);
        match shape {
            "hexagon" => {
                let d = (h / 2.0).min(w / 4.0);
                self.polygon(
                    element_id,
                    &[
                        (x, cy),
                        (x + d, y),
                        (r - d, y),
                        (r, cy),
                        (r - d, b),
                        (x + d, b),
                    ],
                    paint,
                );
            }
            "house" => {
                let roof = h * 0.3;
                self.polygon(
                    element_id,
                    &[(x, y + roof), (cx, y), (r, y + roof), (r, b), (x, b)],
                    paint,
                );
            }
            "octagon" => {
                let d = (h / 3.0).min(w / 4.0);
                self.polygon(
                    element_id,
                    &[
                        (x + d, y),
                        (r - d, y),
                        (r, y + d),
                        (r, b - d),
                        (r - d, b),
                        (x + d, b),
                        (x, b - d),
                        (x, y + d),
                    ],
                    paint,
                );
            }
            "diamond" => {
                self.polygon(element_id, &[(cx, y), (r, cy), (cx, b), (x, cy)], paint);
            }
            "cds" => {
                let d = h / 3.0;
                self.polygon(
                    element_id,
                    &[(x, y), (r - d, y), (r, cy), (r - d, b), (x, b)],
                    paint,
                );
            }
            _ => {
                self.target(element_id, "node").push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>\n",
                    num(x),
                    num(y),
                    num(w),
                    num(h)
                ));
            }
        }
    }

    fn draw_line(&mut self, start: Point, stop: Point, look: &StyleAttr, _p: Option<String>) {
        self.grow(start.x, start.y);
        self.grow(stop.x, stop.y);
        self.body.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n",
            num(start.x),
            num(start.y),
            num(stop.x),
            num(stop.y),
            web(look.line_color)
        ));
    }

    fn draw_circle(&mut self, xy: Point, size: Point, look: &StyleAttr, _p: Option<String>) {
        self.grow(xy.x - size.x / 2.0, xy.y - size.y / 2.0);
        self.grow(xy.x + size.x / 2.0, xy.y + size.y / 2.0);
        self.body.push_str(&format!(
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"{}\" stroke=\"{}\"/>\n",
            num(xy.x),
            num(xy.y),
            num(size.x / 2.0),
            num(size.y / 2.0),
            look.fill_color.map_or("none".to_string(), web),
            web(look.line_color)
        ));
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let font = look.font_size;
        let (w, h) = text_size(&lines, font);
        self.grow(xy.x - w / 2.0, xy.y - h / 2.0);
        self.grow(xy.x + w / 2.0, xy.y + h / 2.0);
        // Node text is dark; edge labels take the edge's colour.
        let fill = if font == EDGE_FONT {
            web(look.line_color)
        } else {
            "#212121".to_string()
        };
        let line_height = font as f64 * 1.25;
        let top = xy.y - h / 2.0 + line_height / 2.0;
        // Text of a node or an edge label goes with its shape or lines; a
        // click on it lands on what is under it.
        let owner = self.text_of.take();
        let class = if font == EDGE_FONT { "edge" } else { "node" };
        let through = if owner.is_some() {
            " pointer-events=\"none\""
        } else {
            ""
        };
        let out = self.target(owner.as_deref(), class);
        out.push_str(&format!(
            "<text text-anchor=\"middle\" dominant-baseline=\"central\" font-family=\"{FONT}\" font-size=\"{font}\" fill=\"{fill}\"{through}>"
        ));
        for (i, line) in lines.iter().enumerate() {
            out.push_str(&format!(
                "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                num(xy.x),
                num(top + i as f64 * line_height),
                xml(line)
            ));
        }
        out.push_str("</text>\n");
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(a.x, a.y);
            self.grow(b.x, b.y);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for (a, b) in path.iter().skip(2) {
            d.push_str(&format!(
                " S {} {}, {} {}",
                num(a.x),
                num(a.y),
                num(b.x),
                num(b.y)
            ));
        }
        let stroke = web(look.line_color);
        let (tag, element_id) = split_tag(properties.as_deref());
        let mut extra = String::new();
        if dashed {
            extra.push_str(" stroke-dasharray=\"6,4\"");
        }
        if head.1 {
            let via = tag == EDGE_VIA_TAG;
            let id = format!("{}{}", if via { "mg-via-" } else { "mg-ah-" }, &stroke[1..]);
            extra.push_str(&format!(" marker-end=\"url(#{id})\""));
            self.markers.insert((stroke.clone(), via));
        }
        self.target(element_id, "edge").push_str(&format!(
            "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\"{extra}/>\n",
            look.line_width
        ));
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}

fn marker_defs(markers: &std::collections::BTreeSet<(String, bool)>) -> String {
    let mut defs = String::new();
    for (stroke, via) in markers {
        let hex = &stroke[1..];
        if *via {
            defs.push_str(&format!(
                "<marker id=\"mg-via-{hex}\" markerWidth=\"18\" markerHeight=\"8\" refX=\"17\" refY=\"4\" orient=\"auto\" markerUnits=\"userSpaceOnUse\"><circle cx=\"4\" cy=\"4\" r=\"3\" fill=\"#ffffff\" stroke=\"{stroke}\"/><polygon points=\"8,0 18,4 8,8\" fill=\"{stroke}\"/></marker>\n"
            ));
        } else {
            defs.push_str(&format!(
                "<marker id=\"mg-ah-{hex}\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\" markerUnits=\"userSpaceOnUse\"><polygon points=\"0,0 10,4 0,8\" fill=\"{stroke}\"/></marker>\n"
            ));
        }
    }
    defs
}

/// The legend and notes the built-in layout draws above the graph, as SVG
/// at (x, y); returns the SVG and its size.
fn builtin_header(
    graph: &MeshGraph,
    options: &DotOptions,
    uniform: &std::collections::BTreeMap<String, String>,
) -> (String, f64, f64) {
    let mut out = String::new();
    let mut y = 0.0;
    let mut width: f64 = 0.0;
    let mut text = |out: &mut String,
                    y: &mut f64,
                    x: f64,
                    size: usize,
                    fill: &str,
                    weight: &str,
                    s: &str| {
        *y += size as f64 * 1.35;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"{FONT}\" font-size=\"{size}\" fill=\"{fill}\"{weight}>{}</text>\n",
            num(x),
            num(*y - size as f64 * 0.3),
            xml(s)
        ));
        width = width.max(x + s.chars().count() as f64 * size as f64 * CHAR_WIDTH);
    };
    if let Some(heading) = options.heading() {
        text(&mut out, &mut y, 0.0, 16, "#212121", "", &heading);
        y += 4.0;
    }
    if let Some(note) = &options.empty_note {
        let start = y;
        text(
            &mut out,
            &mut y,
            8.0,
            15,
            style::COLOR_DEGRADED,
            " font-weight=\"bold\"",
            note,
        );
        out.push_str(&format!(
            "<rect id=\"empty-note\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" rx=\"4\"/>\n",
            num(start),
            num(note.chars().count() as f64 * 15.0 * CHAR_WIDTH + 16.0),
            num(y - start + 6.0),
            style::COLOR_DEGRADED
        ));
        y += 10.0;
    }
    // Namespace notes: the mode, and the waypoint all their calls went through.
    let mut namespaces: Vec<&str> = graph
        .nodes()
        .filter_map(|n| n.namespace.as_deref())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for ns in namespaces {
        let mut line = format!("namespace {}", options.namespace_title(ns));
        if let Some(waypoint) = uniform.get(ns) {
            line.push_str(&format!(": every call inside via waypoint {waypoint}"));
        }
        if options.namespace_modes.contains_key(ns) || uniform.contains_key(ns) {
            text(&mut out, &mut y, 0.0, 11, "#616161", "", &line);
        }
    }
    if options.legend {
        let top = y;
        out.push_str("<g id=\"legend\">\n");
        y += 4.0;
        text(
            &mut out,
            &mut y,
            6.0,
            11,
            "#212121",
            " font-weight=\"bold\"",
            "Legend",
        );
        for row in style::legend_edges() {
            let line_y = y + 11.0 * 1.35 / 2.0;
            let dash = match row.line {
                "dashed" => " stroke-dasharray=\"6,4\"",
                _ => "",
            };
            let stroke_width = if row.line == "bold" { 4 } else { 2 };
            let marker = if row.via_waypoint {
                "mg-via-"
            } else {
                "mg-ah-"
            };
            out.push_str(&format!(
                "<path d=\"M 6 {yy} L 44 {yy}\" stroke=\"{c}\" stroke-width=\"{stroke_width}\"{dash} marker-end=\"url(#{marker}{hex})\"/>\n",
                yy = num(line_y),
                c = row.color,
                hex = &row.color[1..]
            ));
            text(&mut out, &mut y, 54.0, 11, row.color, "", row.text);
        }
        let kinds = style::legend_kinds(graph.nodes().map(|n| n.kind));
        if !kinds.is_empty() {
            let names: Vec<&str> = kinds.iter().map(|(_, t)| t.as_str()).collect();
            text(
                &mut out,
                &mut y,
                6.0,
                11,
                "#212121",
                "",
                &format!("shapes: {}", names.join(", ")),
            );
        }
        text(
            &mut out,
            &mut y,
            6.0,
            11,
            "#212121",
            "",
            style::LEGEND_BADGES,
        );
        y += 6.0;
        out.push_str(&format!(
            "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#bdbdbd\"/>\n</g>\n",
            num(top),
            num(width + 8.0),
            num(y - top)
        ));
        y += 10.0;
    }
    (out, width + 8.0, y)
}

/// Lays the graph out with layout-rs and draws it with [`Canvas`]. layout-rs
/// has no clusters, so the namespace is a line of each node's label; edge
/// labels are laid out as nodes of their own, so lines end at them instead
/// of crossing them.
fn builtin_layout(graph: &MeshGraph, options: &DotOptions) -> Result<String, ExportError> {
    let uniform = crate::dot::uniform_waypoints(graph);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut canvas = Canvas::default();
        if graph.graph.node_count() == 0 {
            return canvas;
        }
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let mut handles = Vec::with_capacity(graph.graph.node_count());
        let ids = options.element_ids;
        for (index, node) in graph.nodes().enumerate() {
            let mut lines = style::node_label_lines(node);
            match (&node.cluster, &node.namespace) {
                (Some(c), Some(ns)) => lines.push(format!("({c}/{ns})")),
                (None, Some(ns)) => lines.push(format!("({ns})")),
                _ => {}
            }
            let (line_color, line_width) = match style::badge_color(&node.badges) {
                Some(c) => (c, 2),
                None if node.kind == meshgraph_model::NodeKind::Waypoint => (style::COLOR_TCP, 1),
                None => ("#424242", 1),
            };
            let look = StyleAttr::new(
                color(line_color),
                line_width,
                Some(color(style::node_fill(node.kind))),
                6,
                NODE_FONT,
            );
            let (w, h) = text_size(&lines, NODE_FONT);
            let pad = match style::node_shape(node.kind) {
                "box" => 24.0,
                _ => 48.0,
            };
            let size = Point::new(w + pad, h + 16.0);
            let mut element = Element::create(
                ShapeKind::new_box(&lines.join("\n")),
                look,
                Orientation::LeftToRight,
                size,
            );
            let element_id = ids.then(|| crate::dot::node_element_id(index));
            element.properties = Some(tagged(&node_tag(node.kind), element_id.as_deref()));
            handles.push(vg.add_node(element));
        }
        // In the order of `MeshGraph::edges`, whose position is the element id.
        for (index, edge) in graph.graph.edge_indices().enumerate() {
            let Some((a, b)) = graph.graph.edge_endpoints(edge) else {
                continue;
            };
            let element_id = ids.then(|| crate::dot::edge_element_id(index));
            let element_id = element_id.as_deref();
            let weight = &graph.graph[edge];
            let omit = crate::dot::waypoint_said_elsewhere(
                &uniform,
                &graph.graph[a],
                &graph.graph[b],
                weight,
            );
            let line = if weight.protocol == meshgraph_model::Protocol::Tcp {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            };
            let width = if weight.protocol == meshgraph_model::Protocol::Grpc {
                3
            } else {
                2
            };
            let look = StyleAttr::new(color(style::edge_color(weight)), width, None, 0, EDGE_FONT);
            let lines = style::edge_label_lines_with(weight, omit);
            let (w, h) = text_size(&lines, EDGE_FONT);
            let mut label = Element::create(
                ShapeKind::new_box(&lines.join("\n")),
                look.clone(),
                Orientation::LeftToRight,
                Point::new(w + 10.0, h + 6.0),
            );
            label.properties = Some(tagged(LABEL_TAG, element_id));
            let label = vg.add_node(label);
            let mut first = Arrow::new(
                LineEndKind::None,
                LineEndKind::None,
                line,
                "",
                &look,
                &None,
                &None,
            );
            first.properties = Some(tagged(EDGE_TAG, element_id));
            let mut second = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                line,
                "",
                &look,
                &None,
                &None,
            );
            let tag = if weight.via_waypoint.is_empty() {
                EDGE_TAG
            } else {
                EDGE_VIA_TAG
            };
            second.properties = Some(tagged(tag, element_id));
            vg.add_edge(first, handles[a.index()], label);
            vg.add_edge(second, label, handles[b.index()]);
        }
        vg.do_it(false, false, false, &mut canvas);
        canvas.finish();
        canvas
    }));
    let canvas = result.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "layout panicked".into());
        ExportError::Layout(message)
    })?;
    let (header, header_width, header_height) = builtin_header(graph, options, &uniform);
    let margin = 12.0;
    let (graph_width, graph_height) = if canvas.touched {
        (canvas.max.0 - canvas.min.0, canvas.max.1 - canvas.min.1)
    } else {
        (0.0, 0.0)
    };
    let width = (graph_width.max(header_width) + 2.0 * margin).ceil();
    let height = (graph_height + header_height + 2.0 * margin).ceil();
    let mut markers = canvas.markers.clone();
    if options.legend {
        for row in style::legend_edges() {
            markers.insert((row.color.to_string(), row.via_waypoint));
        }
    }
    let mut svg = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n<defs>\n{}</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
        marker_defs(&markers),
        w = num(width),
        h = num(height)
    ));
    svg.push_str(&format!(
        "<g transform=\"translate({} {})\">\n{header}</g>\n",
        num(margin),
        num(margin)
    ));
    if canvas.touched {
        svg.push_str(&format!(
            "<g id=\"graph\" transform=\"translate({} {})\">\n{}</g>\n",
            num(margin - canvas.min.0),
            num(margin + header_height - canvas.min.1),
            canvas.body
        ));
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// SVG from the built-in layout, whether or not Graphviz is installed.
pub fn builtin_svg(graph: &MeshGraph, options: &DotOptions) -> Result<String, ExportError> {
    builtin_layout(graph, options)
}
