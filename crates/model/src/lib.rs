//! The vocabulary of meshgraph: what one raw Istio series says, and the names
//! the rest of the workspace uses for proxies, protocols and graph nodes.
//!
//! This crate sits at the bottom of the workspace. It depends only on `serde`,
//! does no IO and holds no policy: how series are reconciled into edges lives in
//! `meshgraph-core`.

mod buckets;
mod exemplar;
mod extra;
mod labels;
mod observation;
mod printable;
mod severity;
mod spark;
mod status;
pub mod trace;

pub use buckets::{BucketFolder, fold_buckets, fold_buckets_into};
pub use exemplar::{Exemplar, ExemplarSeries, is_trace_id};
pub use extra::ExtraLabels;
pub use labels::{LabelError, format_le, label_names};
pub use observation::{
    Layer, Metric, Observation, Peer, Protocol, Reporter, ServiceId, ServiceRef, UNKNOWN,
};
pub use printable::{escape_controls, json_for_script};
pub use severity::Severity;
pub use spark::{SparkStyle, sparkline};
pub use status::{ConnectionSecurityPolicy, StatusClass};

/// Which proxy produced a series, derived from `reporter`, whether the series came
/// from ztunnel, and whether the source is a gateway (reconciliation.md,
/// "Vocabulary").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Emitter {
    /// Waypoint Envoy (`reporter="waypoint"`, or `destination` up to Istio 1.21).
    Waypoint,
    /// Sidecar Envoy on the server side (`reporter="destination"`).
    EnvoyDestination,
    /// Sidecar Envoy on the client side (`reporter="source"`).
    EnvoySource,
    /// Ingress or egress gateway Envoy (always `reporter="source"`).
    Gateway,
    /// ztunnel on the client node (`reporter="source"`).
    ZtunnelSource,
    /// ztunnel on the server node (`reporter="destination"`).
    ZtunnelDestination,
}

impl Emitter {
    pub const ALL: [Emitter; 6] = [
        Emitter::EnvoySource,
        Emitter::EnvoyDestination,
        Emitter::Gateway,
        Emitter::Waypoint,
        Emitter::ZtunnelSource,
        Emitter::ZtunnelDestination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Emitter::Waypoint => "waypoint",
            Emitter::EnvoyDestination => "envoy-destination",
            Emitter::EnvoySource => "envoy-source",
            Emitter::Gateway => "gateway",
            Emitter::ZtunnelSource => "ztunnel-source",
            Emitter::ZtunnelDestination => "ztunnel-destination",
        }
    }

    pub fn is_ztunnel(self) -> bool {
        matches!(self, Emitter::ZtunnelSource | Emitter::ZtunnelDestination)
    }

    /// Whether the emitter sits on the server side of the connection, so its
    /// `connection_security_policy` is evidence (telemetry-facts.md).
    pub fn sees_server_side_security(self) -> bool {
        matches!(
            self,
            Emitter::Waypoint | Emitter::EnvoyDestination | Emitter::ZtunnelDestination
        )
    }
}

impl std::fmt::Display for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level at which a graph is drawn (`--graph-type`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GraphType {
    #[default]
    Workload,
    App,
    VersionedApp,
    Service,
}

impl GraphType {
    pub fn as_str(self) -> &'static str {
        match self {
            GraphType::Workload => "workload",
            GraphType::App => "app",
            GraphType::VersionedApp => "versioned_app",
            GraphType::Service => "service",
        }
    }
}

/// What a graph node stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Workload,
    App,
    VersionedApp,
    Service,
    ServiceEntry,
    Gateway,
    Waypoint,
    /// A peer Istio could not identify (`source_workload="unknown"`).
    Unknown,
    /// A destination outside the mesh: PassthroughCluster, BlackHoleCluster, a host.
    External,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Workload => "workload",
            NodeKind::App => "app",
            NodeKind::VersionedApp => "versioned_app",
            NodeKind::Service => "service",
            NodeKind::ServiceEntry => "service_entry",
            NodeKind::Gateway => "gateway",
            NodeKind::Waypoint => "waypoint",
            NodeKind::Unknown => "unknown",
            NodeKind::External => "external",
        }
    }
}
