//! Scenarios embedded in the binary for `--demo`.

use crate::spec::{Scenario, ScenarioError};

/// Name and TOML text of each built-in scenario.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "bookinfo-sidecar",
        include_str!("../scenarios/bookinfo-sidecar.toml"),
    ),
    (
        "bookinfo-ambient",
        include_str!("../scenarios/bookinfo-ambient.toml"),
    ),
    (
        "bookinfo-waypoint",
        include_str!("../scenarios/bookinfo-waypoint.toml"),
    ),
    (
        "bookinfo-mixed",
        include_str!("../scenarios/bookinfo-mixed.toml"),
    ),
    (
        "multicluster",
        include_str!("../scenarios/multicluster.toml"),
    ),
];

pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

/// A built-in scenario by name; `None` when there is no such scenario.
pub fn builtin(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| Scenario::from_toml(text, &format!("built-in scenario {n}")))
}
