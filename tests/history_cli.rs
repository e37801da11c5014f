//! `meshgraph report --history` and `meshgraph history` end to end: fourteen
//! nightly runs of a scenario with a regression injected on night 10, the
//! Markdown read by a real CommonMark parser, the JSON checked against its
//! schema, the page loaded in headless Chromium, concurrent and killed appends.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{MESHGRAPH, headless_chromium, meshgraph};

const DAY: i64 = 86_400;
/// Night 1: 2026-11-01T02:00:00Z.
const NIGHT1: i64 = 1_793_498_400;

fn night_at(n: i64) -> i64 {
    NIGHT1 + (n - 1) * DAY
}

/// The shop mesh of docs/scenarios.md at night `n`; from night 10 on, 30 %
/// of cart -> checkout calls fail (2 % before).
fn scenario(dir: &Path, n: i64) -> PathBuf {
    let error_ratio = if n >= 10 { 0.3 } else { 0.02 };
    // A little nightly wobble in traffic, as real nights have.
    let rps = 20.0 + (n % 3) as f64;
    let text = format!(
        r#"name = "shop"
istio_version = "1.24.1"
at = {at}

[[namespaces]]
name = "shop"
mode = "ambient"
use_waypoint = "waypoint"

[[namespaces]]
name = "web"
mode = "sidecar"

[[waypoints]]
namespace = "shop"
name = "waypoint"

[[workloads]]
namespace = "web"
name = "frontend"
app = "frontend"

[[workloads]]
namespace = "shop"
name = "cart-v1"
app = "cart"
service = "cart"

[[workloads]]
namespace = "shop"
name = "checkout-v1"
app = "checkout"
service = "checkout"

[[workloads]]
namespace = "shop"
name = "db"
app = "db"
service = "db"
use_waypoint = "none"

[[calls]]
from = "web/frontend"
to = "shop/cart"
rps = {rps}

[[calls]]
from = "shop/cart-v1"
to = "shop/checkout"
protocol = "grpc"
rps = 5.0
error_ratio = {error_ratio}

[[calls]]
from = "shop/checkout-v1"
to = "shop/db"
protocol = "tcp"
rps = 2.0
"#,
        at = night_at(n)
    );
    let path = dir.join(format!("night-{n:02}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

const EDGE: &str = "workload:shop/cart-v1 -> workload:shop/checkout-v1";

fn date_of(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string()
}

/// The Markdown parsed by pulldown-cmark: the plain text of each table row
/// and of the whole document.
fn markdown_rows(text: &str) -> (Vec<String>, String) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut rows = Vec::new();
    let mut row: Option<String> = None;
    let mut all = String::new();
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableRow) => row = Some(String::new()),
            Event::End(TagEnd::TableRow) => rows.extend(row.take()),
            Event::End(TagEnd::TableCell) => {
                if let Some(r) = row.as_mut() {
                    r.push_str(" | ");
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(r) = row.as_mut() {
                    r.push_str(&t);
                }
                all.push_str(&t);
                all.push(' ');
            }
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML in the Markdown: {h}"),
            _ => {}
        }
    }
    (rows, all)
}

fn report_night(dir: &Path, history: &Path, n: i64) -> std::process::Output {
    let sc = scenario(dir, n);
    meshgraph(
        &[
            "report",
            "--scenario",
            sc.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "-o",
            &format!("report-{n:02}.html"),
            "--markdown",
            &format!("report-{n:02}.md"),
            "--history-json",
            &format!("report-{n:02}.json"),
            "--fail-on",
            "regression",
        ],
        dir,
    )
}

#[test]
fn fourteen_nights_with_a_regression_on_night_10() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let history = dir.join("history");
    for n in 1..=14 {
        let out = report_night(dir, &history, n);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Night 10 alone is one bad run: the rule needs two in a row.
        let expected = if n >= 11 { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "night {n}: {stderr}");
        assert!(!stderr.contains("warning: history"), "night {n}: {stderr}");
    }
    let began = date_of(night_at(10));

    // Markdown, through a CommonMark parser: the edge and night 10's date.
    let md = std::fs::read_to_string(dir.join("report-14.md")).unwrap();
    let (rows, text) = markdown_rows(&md);
    let row = rows
        .iter()
        .find(|r| r.contains(EDGE))
        .unwrap_or_else(|| panic!("no table row names {EDGE}:\n{md}"));
    assert!(row.contains(&began), "{row}");
    assert!(row.contains("error_rate_increase"), "{row}");
    assert!(text.contains("report-14.html"), "{text}");
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("error_rate_increase"))
            .count(),
        1,
        "{rows:?}"
    );
    // The healthy night 9 said so.
    let (rows9, text9) = markdown_rows(&std::fs::read_to_string(dir.join("report-09.md")).unwrap());
    assert!(rows9.is_empty(), "{rows9:?}");
    assert!(text9.contains("None."), "{text9}");

    // JSON, against its schema.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report-14.json")).unwrap())
            .unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema/history-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(json["regressed"], true);
    assert_eq!(json["runs"].as_array().unwrap().len(), 14);
    let regressions = json["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 1, "{regressions:?}");
    assert_eq!(regressions[0]["subject"], EDGE);
    assert_eq!(regressions[0]["began"], format!("{began}T02:00:00Z"));
    assert_eq!(regressions[0]["runs"], 5);
    // Posture of shop (ambient, a waypoint for checkout): cart-v1 is called
    // by a sidecar (bypassing the waypoint, ztunnel at the server), checkout-v1
    // through the waypoint, db by ztunnel only; all under mTLS.
    let shop = json["posture"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["namespace"] == "shop")
        .unwrap();
    assert_eq!(shop["mode"], "mixed");
    assert_eq!(
        shop["workloads_by_mode"],
        serde_json::json!({"ambient": 2, "ambient+waypoint": 1})
    );
    assert_eq!(shop["without_proxy"].as_array().unwrap().last().unwrap(), 0);
    assert_eq!(shop["mtls_share"].as_array().unwrap().last().unwrap(), 1.0);

    // The page in Chromium: the regressions table comes first, before the
    // graph, with the edge and its sparkline.
    let page = headless_chromium(&dir.join("report-14.html"), &["--dump-dom"]);
    let regressions_at = page.find("id=\"regressions\"").expect("regressions table");
    let graph_at = page.find("<h2>Graph</h2>").expect("graph");
    assert!(regressions_at < graph_at);
    let table =
        &page[regressions_at..page[regressions_at..].find("</table>").unwrap() + regressions_at];
    assert!(
        table.contains("workload:shop/cart-v1 -&gt; workload:shop/checkout-v1"),
        "{table}"
    );
    assert!(table.contains(&began), "{table}");
    assert!(table.contains("class=\"spark errors\""), "{table}");
    assert!(table.contains("<path d=\"M"), "{table}");
    assert!(page.contains("id=\"history-namespaces\""));
    // The edge table lists the regressed edge first.
    let edges_at = page.find("id=\"history-edges\"").unwrap();
    let first_row = &page[edges_at..][page[edges_at..].find("<tr data-row").unwrap()..];
    assert!(
        first_row.starts_with("<tr data-row=\"\" class=\"regressed\">"),
        "{}",
        &first_row[..200]
    );

    // The same history rebuilt from archived snapshots gives the same answer.
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    for n in 1..=14 {
        let sc = scenario(dir, n);
        let out = meshgraph(
            &[
                "snapshot",
                "--scenario",
                sc.to_str().unwrap(),
                "--format",
                "json",
                "-o",
                archive.join(format!("night-{n:02}.json")).to_str().unwrap(),
            ],
            dir,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rebuilt = dir.join("rebuilt");
    let out = meshgraph(
        &[
            "history",
            "ingest",
            rebuilt.to_str().unwrap(),
            archive.to_str().unwrap(),
        ],
        dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = meshgraph(
        &[
            "history",
            "show",
            rebuilt.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &shown["regressions"].as_array().unwrap()[0];
    assert_eq!(r["subject"], EDGE);
    assert_eq!(r["began"], format!("{began}T02:00:00Z"));
    // Ingesting the archive again adds nothing.
    let out = meshgraph(
        &[
            "history",
            "ingest",
            rebuilt.to_str().unwrap(),
            archive.to_str().unwrap(),
        ],
        dir,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in"));
    let out = meshgraph(
        &[
            "history",
            "show",
            rebuilt.to_str().unwrap(),
            "--runs",
            "30",
            "--format",
            "json",
        ],
        dir,
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["runs"].as_array().unwrap().len(), 14);
}

fn runs_shown(history: &Path, dir: &Path) -> (usize, String) {
    let out = meshgraph(
        &[
            "history",
            "show",
            history.to_str().unwrap(),
            "--runs",
            "100",
            "--format",
            "json",
        ],
        dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_ne!(out.status.code(), Some(2), "{stderr}");
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (shown["runs"].as_array().unwrap().len(), stderr)
}

#[test]
fn appends_killed_midway_or_running_together_leave_a_usable_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let history = dir.join("history");
    let hist = history.to_str().unwrap();
    for n in 1..=3 {
        let sc = scenario(dir, n);
        let out = meshgraph(
            &[
                "history",
                "append",
                hist,
                "--scenario",
                sc.to_str().unwrap(),
            ],
            dir,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Kill appends of nights 4.. at growing delays: each run is then either
    // whole in the history or absent, never half there.
    let mut expected_max = 3;
    for (k, delay_ms) in [0u64, 5, 20, 50, 100, 200, 400].into_iter().enumerate() {
        let n = 4 + k as i64;
        let sc = scenario(dir, n);
        let mut child = Command::new(MESHGRAPH)
            .args([
                "history",
                "append",
                hist,
                "--scenario",
                sc.to_str().unwrap(),
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        expected_max += 1;
        let (runs, stderr) = runs_shown(&history, dir);
        assert!(
            (3..=expected_max).contains(&runs),
            "{runs} runs after kill {k}"
        );
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    // A leftover of a dead append in tmp/ (a copy of a whole run plus a
    // truncated file) is never read.
    let some_run = std::fs::read_dir(history.join("runs"))
        .unwrap()
        .flatten()
        .flat_map(|p| std::fs::read_dir(p.path()).unwrap().flatten())
        .next()
        .unwrap()
        .path();
    let leftover = history.join("tmp/run-20261201T020000Z-dead.1.1.1");
    std::fs::create_dir_all(&leftover).unwrap();
    for t in ["run", "nodes", "edges", "findings"] {
        let bytes = std::fs::read(some_run.join(format!("{t}.parquet"))).unwrap();
        std::fs::write(
            leftover.join(format!("{t}.parquet")),
            &bytes[..bytes.len() / 2],
        )
        .unwrap();
    }
    let (before, _) = runs_shown(&history, dir);

    // Four processes appending at once (different nights, and one night twice).
    let children: Vec<_> = [20, 21, 22, 22]
        .into_iter()
        .map(|n| {
            let sc = scenario(dir, n);
            Command::new(MESHGRAPH)
                .args([
                    "history",
                    "append",
                    hist,
                    "--scenario",
                    sc.to_str().unwrap(),
                ])
                .current_dir(dir)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (after, stderr) = runs_shown(&history, dir);
    assert_eq!(after, before + 3, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    // Prune by age keeps the newest.
    let out = meshgraph(
        &[
            "history",
            "prune",
            hist,
            "--keep",
            "5d",
            "--now",
            "2026-11-23T02:00:00Z",
        ],
        dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (pruned, _) = runs_shown(&history, dir);
    assert_eq!(pruned, 3, "nights 20..22 are within 5 days of 2026-11-23");
    let out = meshgraph(&["history", "prune", hist, "--keep", "soon"], dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep"));
}

#[test]
fn regression_rules_come_from_meshgraph_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let history = dir.join("history");
    // Switch the error-rate rule off: the injected regression no longer fails.
    std::fs::write(
        dir.join("meshgraph.toml"),
        "[regressions]\nruns = 7\ndisable = [\"error_rate_increase\"]\n",
    )
    .unwrap();
    for n in 6..=13 {
        let out = report_night(dir, &history, n);
        assert_eq!(
            out.status.code(),
            Some(0),
            "night {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report-13.json")).unwrap())
            .unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 7);
    assert_eq!(json["regressed"], false);
    // A bad table is an error naming the file.
    std::fs::write(dir.join("meshgraph.toml"), "[regressions]\nrunz = 7\n").unwrap();
    let out = report_night(dir, &history, 14);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("meshgraph.toml"));
}
