//! The scenario kit: a declarative description of a mesh (TOML) and the raw
//! series its proxies would report, following `docs/telemetry-facts.md` to
//! the label. Also the Kubernetes and Istio objects of the scenario.
//!
//! Tests use it to produce data whose truth is known; the binary embeds the
//! built-in scenarios for `--demo`.

mod builtin;
mod kiali;
mod objects;
mod spec;
mod telemetry;
mod traces;

pub use builtin::{BUILTIN, builtin, builtin_names};
pub use kiali::{KialiGraphType, KialiOptions, kiali_graph_of};
pub use spec::{
    CallSpec, DataPlaneMode, GatewayFlavor, GatewaySpec, NamespaceSpec, Scenario, ScenarioError,
    ServiceEntrySpec, WaypointSpec, WorkloadSpec,
};
pub use telemetry::{CallEnd, DEFAULT_BUCKETS_MS, LogicalCall, logical_calls};
