//! The pure heart of meshgraph: raw Istio series in, one logical edge per call out.
//!
//! Architecture invariant: this crate performs no IO and cannot fail on
//! well-typed input. Everything it decides is written down per series
//! ([`Disposition`]) so that `meshgraph explain` can show it.
//!
//! The rules implemented here are `docs/reconciliation.md`; the facts they
//! rest on are `docs/telemetry-facts.md`. Pipeline:
//!
//! 1. [`classify`]: each series gets an [`meshgraph_model::Emitter`]; the set of
//!    waypoints and gateways is taken from configuration or inferred.
//! 2. [`reconcile`]: hop series become `via_waypoint` evidence, one emitter per
//!    layer gives the rates of each (source, destination) pair, layers merge.
//! 3. [`exemplars`] and [`traces`] (optional): trace ids and sampled spans
//!    are placed on the logical edges.
//! 4. [`graph`]: logical workload edges are aggregated to the requested graph
//!    type and placed in a petgraph graph with stable ordering.

pub mod classify;
pub mod cluster;
pub mod endpoint;
pub mod exemplars;
pub mod explain;
pub mod figures;
pub mod graph;
pub mod reconcile;
pub mod traces;

pub use classify::{Classification, ClassifyOptions, SeriesWorkloads, classify};
pub use cluster::{ClusterEvidence, Clusters, DEFAULT_CLUSTER_LABEL};
pub use endpoint::{Endpoint, EndpointRole, WorkloadRef};
pub use exemplars::{ExemplarFigures, ExemplarPlacement, MAX_EXEMPLARS_PER_EDGE, attach_exemplars};
pub use explain::{ExplainedSeries, Explainer, Explanation, explain, parse_endpoint};
pub use figures::{Histogram, L4Figures, L7Figures, Security};
pub use graph::{Badge, Badges, GraphOptions, MeshGraph, Node, NodeId, build_graph};
pub use reconcile::{Disposition, LogicalEdge, Reconciliation, reconcile};
pub use traces::{SeenIn, TraceFigures, merge_traces};
