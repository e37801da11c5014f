//! The mesh configuration, read from manifests: Kubernetes and Istio objects
//! from files, directories, `kubectl get -A -o yaml` dumps and stdin.
//!
//! Objects are lightly typed: metadata is typed, `spec` and `status` stay JSON
//! with accessors for what the checks need, so an object of a newer API
//! version still reads. Reading never fails on bad content: a malformed
//! document or an unknown kind becomes a [`ConfigWarning`] with its location
//! and the rest is used. Only an unreadable path is a [`ConfigError`].
//!
//! The live-cluster reader is a separate concern and not here.

mod error;
pub mod hosts;
mod load;
mod mesh;
mod object;
mod stream;

pub use error::{ConfigError, ConfigWarning};
pub use load::{LoadOptions, MANIFEST_MAX_BYTES};
pub use mesh::{
    Enrollment, Membership, MeshConfig, MeshSettings, OutboundPolicy, SYSTEM_NAMESPACES, Waypoint,
    WaypointUse, yaml_value,
};
pub use object::{
    Condition, DEFAULT_NAMESPACE, Kind, Metadata, Object, OwnerRef, PodView, ServicePort, Source,
    items, scalar_text, selector_matches, string_list, string_map,
};
