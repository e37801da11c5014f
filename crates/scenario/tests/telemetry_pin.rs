//! Pins the series the kit writes: for every scenario the repository holds
//! (the built-in ones, the reconciliation cases of crates/core and the
//! fixtures of tests/), the number of series and a stable hash of their exact
//! rendering (every label, the value's exact digits), sorted and in the
//! order written. A change to the
//! kit that changes one label or one digit shows here, by scenario.

use std::path::Path;

use meshgraph_scenario::{Scenario, builtin, builtin_names};

/// FNV-1a, 64 bits: stable across platforms and Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `N series, hash H, order O`: H over the sorted `{:?}` renderings of the
/// telemetry, O over them in the order the kit writes them.
fn fingerprint(scenario: &Scenario) -> String {
    let mut lines: Vec<String> = scenario
        .telemetry()
        .iter()
        .map(|o| format!("{o:?}"))
        .collect();
    let order = fnv1a(lines.join("\n").as_bytes());
    lines.sort();
    let sorted = fnv1a(lines.join("\n").as_bytes());
    format!(
        "{} series, hash {sorted:016x}, order {order:016x}",
        lines.len()
    )
}

fn toml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_kit_writes_the_same_series_for_every_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut report = String::new();
    for name in builtin_names() {
        let scenario = builtin(name).unwrap().unwrap();
        report.push_str(&format!("builtin {name}: {}\n", fingerprint(&scenario)));
    }
    let dirs = ["crates/core/tests/cases", "tests/fixtures/scenarios"];
    for dir in dirs {
        let files = toml_files(&root.join(dir));
        assert!(!files.is_empty(), "no scenarios in {dir}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let label = format!("{dir}/{}", file.file_name().unwrap().to_string_lossy());
            let scenario = Scenario::from_toml(&text, &label).unwrap();
            report.push_str(&format!("{label}: {}\n", fingerprint(&scenario)));
        }
    }
    insta::assert_snapshot!(report);
}
