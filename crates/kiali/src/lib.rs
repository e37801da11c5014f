//! Kiali's picture, explained arrow by arrow.
//!
//! [`parse_graph`] reads a Kiali graph API answer (Cytoscape `elements` with
//! `data`) leniently; [`map_graph`] maps every Kiali edge to the logical calls
//! of a [`meshgraph_core::Reconciliation`] of the same window's telemetry, says
//! which proxies' series it was drawn from, and why it is an extra arrow
//! ([`ReasonCode`]). Mapping is pure and cannot fail; [`fetch_graph`] reads
//! the graph from a live Kiali.

mod graph;
mod live;
mod mapping;
mod svg;
mod text;

pub use graph::{KialiEdge, KialiError, KialiGraph, KialiNode, KialiNodeType, parse_graph};
pub use live::{APPENDERS, GraphQuery, KIALI, LiveError, fetch_graph};
pub use mapping::{
    EdgeMapping, KialiMapping, MissingCall, Reason, ReasonCode, Summary, call_id, map_graph,
};
pub use svg::{reason_name, to_html, to_svg};
pub use text::to_text;
