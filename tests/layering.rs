//! The workspace's layering, checked: a crate may depend (for its build, not
//! its tests) only on workspace crates in lower layers.

use std::collections::BTreeMap;

use cargo_metadata::{DependencyKind, MetadataCommand};

/// Layer of each workspace crate; lower layers know nothing of higher ones.
fn layers() -> BTreeMap<&'static str, u8> {
    BTreeMap::from([
        ("meshgraph-model", 0),
        ("meshgraph-source", 0),
        // Test-only stand-in HTTP servers (a dev-dependency, never shipped).
        ("meshgraph-standin", 0),
        // Collectors and the pure core depend only on the vocabulary.
        ("meshgraph-core", 1),
        ("meshgraph-prometheus", 1),
        ("meshgraph-traces", 1),
        ("meshgraph-config", 1),
        ("meshgraph-kube", 1),
        ("meshgraph-scenario", 1),
        // Checks read the core's graph and the configuration.
        ("meshgraph-checks", 2),
        ("meshgraph-export", 3),
        ("meshgraph", 4),
        // The benchmark binary measures every layer.
        ("meshgraph-bench", 4),
    ])
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
            panic!("{} has no layer: add it to tests/layering.rs", package.name)
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
