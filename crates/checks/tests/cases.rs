//! Data-driven tests: each `cases/*.yaml` is a small mesh whose leading
//! `# expect:` lines are the findings `meshgraph check` must print, in its text
//! format (path after ` @ `). Regenerate the expectations after reviewing a
//! change with `MESHGRAPH_BLESS=1 cargo test -p meshgraph-checks --test cases`.

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
    let bless = std::env::var("MESHGRAPH_BLESS").as_deref() == Ok("1");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let body: String = text
            .lines()
            .skip_while(|l| l.starts_with("# expect:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let expected: Vec<String> = text
            .lines()
            .take_while(|l| l.starts_with("# expect:"))
            .map(|l| l.trim_start_matches("# expect:").trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let got = render(&body, &name);
        if bless {
            let mut header: String = got.iter().map(|l| format!("# expect: {l}\n")).collect();
            if got.is_empty() {
                header.push_str("# expect:\n");
            }
            std::fs::write(path, header + &body).unwrap();
        } else if got != expected {
            failures.push(format!(
                "{name}:\n  got:\n    {}\n  expected:\n    {}",
                got.join("\n    "),
                expected.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(after review: MESHGRAPH_BLESS=1 cargo test -p meshgraph-checks --test cases)",
        failures.join("\n")
    );
}
