//! Renderers for a [`meshgraph_core::MeshGraph`]: JSON (versioned schema), DOT
//! and SVG. Exporters only render: every number they print was decided by the
//! core. Every label value is untrusted and escaped for its format.

mod cytoscape;
mod diff;
mod dot;
mod explain;
mod json;
mod mermaid;
mod range;
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
pub use range::{RangeEdgeSeries, RangeView, peak, range_section};
pub use report::{ReportFinding, ReportInput, to_report_html, worst_edges};
pub use svg::{
    DOT_TIMEOUT, SVG_MAX_EDGES, SVG_MAX_NODES, SvgLayout, SvgRenderer, builtin_svg, find_graphviz,
    to_svg,
};
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
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Dot,
        Format::Svg,
        Format::Cytoscape,
        Format::Mermaid,
    ];

    /// The names `--format` accepts, one per format in [`Format::ALL`] order.
    pub const NAMES: [&'static str; 5] = {
        let mut names = [""; 5];
        let mut i = 0;
        while i < names.len() {
            names[i] = Format::ALL[i].name();
            i += 1;
        }
        names
    };

    /// The name `--format` takes (lower case, like a clap `ValueEnum`).
    pub const fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Dot => "dot",
            Format::Svg => "svg",
            Format::Cytoscape => "cytoscape",
            Format::Mermaid => "mermaid",
        }
    }

    /// Reads a format name or a file extension (`gv`, `cy.json`, `mmd`), in any case.
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

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A text that names no output format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}; use one of {names}", names = Format::NAMES.join(", "))]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Format, UnknownFormat> {
        Format::parse(name).ok_or_else(|| UnknownFormat(name.to_string()))
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn every_name_parses_to_its_format() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.name());
        }
        assert_eq!(
            Format::NAMES,
            ["json", "dot", "svg", "cytoscape", "mermaid"]
        );
        assert!("png".parse::<Format>().is_err());
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
