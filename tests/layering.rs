//! The workspace's layering, checked: a crate may depend (for its build, not
//! its tests) only on workspace crates in lower layers.

use std::collections::BTreeMap;

use cargo_metadata::{DependencyKind, MetadataCommand};

/// Layer of each workspace crate; lower layers know nothing of higher ones.
/// Read from the table in docs/ARCHITECTURE.md ("## Layering"), so the
/// document and the rule cannot drift apart: rows `| N | \`crate\`, ... |`.
fn layers() -> BTreeMap<String, u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(path).expect("docs/ARCHITECTURE.md");
    let section = doc
        .split("## Layering")
        .nth(1)
        .expect("docs/ARCHITECTURE.md has a Layering section");
    let mut layers = BTreeMap::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(layer) = cells.get(1).and_then(|c| c.parse::<u8>().ok()) else {
            continue;
        };
        let crates = cells.get(2).copied().unwrap_or_default();
        for (i, name) in crates.split('`').enumerate() {
            if i % 2 == 1 && name.starts_with("meshgraph") {
                layers.insert(name.to_string(), layer);
            }
        }
    }
    assert!(
        layers.len() >= 10,
        "the Layering table of docs/ARCHITECTURE.md lists only {layers:?}"
    );
    layers
}

#[test]
fn every_crate_in_the_layering_table_exists() {
    let metadata = MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let names: Vec<String> = metadata
        .workspace_packages()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    for listed in layers().keys() {
        assert!(
            names.contains(listed),
            "docs/ARCHITECTURE.md's Layering table names {listed}, which is not a workspace crate"
        );
    }
}

#[test]
fn no_crate_depends_on_a_crate_above_it() {
    let metadata = MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let layers = layers();
    let mut checked = 0;
    for package in metadata.workspace_packages() {
        let own = *layers.get(package.name.as_str()).unwrap_or_else(|| {
            panic!(
                "{} has no layer: add it to the Layering table of docs/ARCHITECTURE.md",
                package.name
            )
        });
        for dep in &package.dependencies {
            if dep.kind == DependencyKind::Development {
                continue;
            }
            if let Some(&theirs) = layers.get(dep.name.as_str()) {
                assert!(
                    theirs < own,
                    "{} (layer {own}) depends on {} (layer {theirs}): dependencies must point down",
                    package.name,
                    dep.name
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5,
        "expected the workspace crates to depend on each other, checked {checked}"
    );
}

#[test]
fn the_core_has_no_io_dependencies() {
    let metadata = MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let core = metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == "meshgraph-core")
        .expect("meshgraph-core in the workspace");
    for dep in core
        .dependencies
        .iter()
        .filter(|d| d.kind == DependencyKind::Normal)
    {
        assert!(
            !["tokio", "reqwest", "kube", "hyper", "std-fs"].contains(&dep.name.as_str()),
            "meshgraph-core must not do IO, yet depends on {}",
            dep.name
        );
    }
}

#[test]
fn the_standin_servers_are_for_tests_only() {
    let metadata = MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let packages = metadata.workspace_packages();
    let standin = packages
        .iter()
        .find(|p| p.name.as_str() == "meshgraph-standin")
        .expect("meshgraph-standin in the workspace");
    assert_eq!(
        standin.publish.as_deref(),
        Some(&[][..]),
        "meshgraph-standin must say publish = false"
    );
    let mut users = 0;
    for package in &packages {
        for dep in package
            .dependencies
            .iter()
            .filter(|d| d.name == "meshgraph-standin")
        {
            assert_eq!(
                dep.kind,
                DependencyKind::Development,
                "{} depends on meshgraph-standin outside its tests",
                package.name
            );
            users += 1;
        }
    }
    assert!(
        users >= 4,
        "the stand-in servers serve the tests of several crates"
    );
}
