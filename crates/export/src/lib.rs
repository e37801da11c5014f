//! Renderers for a [`meshgraph_core::MeshGraph`]: JSON (versioned schema), DOT
//! and SVG. Exporters only render: every number they print was decided by the
//! core. Every label value is untrusted and escaped for its format.

mod cytoscape;
mod diff;
mod dot;
mod explain;
mod json;
mod mermaid;
mod report;
mod style;
mod svg;
mod time;

pub use cytoscape::to_cytoscape;
pub use diff::{DiffOptions, SnapshotDiff, Worse, diff_snapshots, diff_text};
pub use dot::{DotOptions, NamespaceMode, to_dot};
pub use explain::{explain_json, explain_text};
pub use json::{JSON_SCHEMA_VERSION, JsonDocument, JsonEdge, JsonNode, SnapshotMeta, to_json};
pub use mermaid::to_mermaid;
pub use report::{ReportFinding, ReportInput, to_report_html};
pub use svg::{SvgRenderer, builtin_svg, find_graphviz, to_svg};
pub use time::{format_rfc3339, format_timestamp};

/// Output formats of `meshgraph snapshot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Dot,
    Svg,
    /// Cytoscape.js elements (`.cy.json`), as Kiali's graph API returns them.
    Cytoscape,
    /// Mermaid flowchart (`.mmd`).
    Mermaid,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["json", "dot", "svg", "cytoscape", "mermaid"];

    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "dot" | "gv" => Some(Format::Dot),
            "svg" => Some(Format::Svg),
            "cytoscape" | "cy.json" => Some(Format::Cytoscape),
            "mermaid" | "mmd" => Some(Format::Mermaid),
            _ => None,
        }
    }

    /// The format a file name asks for, by its extension (`.cy.json` before `.json`).
    pub fn from_path(path: &str) -> Option<Format> {
        if path.to_ascii_lowercase().ends_with(".cy.json") {
            return Some(Format::Cytoscape);
        }
        let ext = path.rsplit_once('.')?.1;
        Format::parse(ext)
    }
}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Graphviz `dot` ran and failed.
    #[error("graphviz dot failed: {0}")]
    Graphviz(String),
    /// The pure-Rust layout could not lay the graph out.
    #[error("the built-in SVG layout failed: {0}")]
    Layout(String),
    /// An input file (a snapshot to compare) is not what it should be.
    #[error("{0}")]
    Input(String),
    /// JSON serialisation failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}
