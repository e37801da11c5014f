//! Data-driven tests: each `cases/NAME.yaml` is a small mesh, and
//! `cases/NAME.snap` (an insta snapshot) the findings `meshgraph check` must
//! print for it, in its text format (path after ` @ `), after the loader's
//! warnings. After a change: `cargo insta test -p meshgraph-checks --test
//! cases --review`; with `CI=true` a missing or changed snapshot fails.

use std::path::Path;

use meshgraph_checks::{CheckOptions, check};
use meshgraph_config::{LoadOptions, MeshConfig};

fn render(text: &str, file: &str) -> Vec<String> {
    let (config, warnings) = MeshConfig::from_text(text, file, &LoadOptions::default());
    let mut lines: Vec<String> = warnings
        .iter()
        .map(|w| format!("config warning: {w}"))
        .collect();
    let report = check(&config, None, &CheckOptions::default());
    lines.extend(report.findings.iter().map(|f| match &f.path {
        Some(path) => format!("{} @ {path}", f.line()),
        None => f.line(),
    }));
    lines
}

#[test]
fn cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    let mut rendered = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !text.lines().any(|l| l.starts_with("# expect:")),
            "{name}: the expected findings live in {}.snap (an insta snapshot), \
             not in `# expect:` lines",
            path.file_stem().unwrap().to_string_lossy()
        );
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        rendered.push((stem, render(&text, &name).join("\n")));
    }
    // The snapshots sit beside their cases: tests/cases/NAME.snap.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("cases");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (stem, findings) in &rendered {
            insta::assert_snapshot!(stem.as_str(), findings);
        }
    });
}
