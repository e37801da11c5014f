//! The first hour with meshgraph, through the binary: flags that do what the
//! README says, replays that are quiet when nothing is wrong, empty input that
//! is not "all good", scenarios exported to a real Prometheus, and the README's
//! nightly script run as written.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fixture, meshgraph};
use meshgraph_prometheus::testing::PrometheusServer;
use serde_json::Value;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn edge_pairs(doc: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = doc["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn a_bare_demo_never_swallows_the_next_word() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "explain",
            "--demo",
            "bookinfo/productpage-v1",
            "bookinfo/reviews-v2",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("bookinfo/productpage-v1 -> bookinfo/reviews-v2"),
        "{}",
        stdout(&out)
    );

    // `check --demo DIR`: the default demo, and the manifests of DIR (a
    // VirtualService routing to a subset no DestinationRule defines: MG202).
    std::fs::create_dir(dir.path().join("manifests")).unwrap();
    std::fs::write(
        dir.path().join("manifests/vs.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: details-canary\n  namespace: bookinfo\nspec:\n  hosts: [details]\n  http:\n  - route:\n    - destination:\n        host: details\n        subset: canary\n",
    )
    .unwrap();
    let codes = |args: &[&str]| -> Vec<String> {
        let out = meshgraph(args, dir.path());
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
        json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    let with_dir = codes(&["check", "--demo", "manifests/", "--format", "json"]);
    let without = codes(&["check", "--demo", "--format", "json"]);
    assert!(with_dir.contains(&"MG202".to_string()), "{with_dir:?}");
    assert!(!without.contains(&"MG202".to_string()), "{without:?}");

    // A scenario name is still taken as the demo's value.
    let named = meshgraph(&["snapshot", "--demo", "bookinfo-sidecar"], dir.path());
    assert!(named.status.success(), "{}", stderr(&named));
    assert_eq!(json(&named)["source"], "demo:bookinfo-sidecar");
    let equals = meshgraph(&["snapshot", "--demo=bookinfo-sidecar"], dir.path());
    assert_eq!(named.stdout, equals.stdout);

    // On snapshot the word can only be a name: a typo says so.
    let typo = meshgraph(&["snapshot", "--demo", "bookinfo-sidecarr"], dir.path());
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).starts_with("meshgraph: error: --demo bookinfo-sidecarr: no such built-in scenario; choose one of bookinfo-sidecar"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn namespaces_apply_to_demos_and_time_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let whole = json(&meshgraph(
        &["snapshot", "--demo", "bookinfo-mixed"],
        dir.path(),
    ));
    let out = meshgraph(
        &["snapshot", "--demo", "bookinfo-mixed", "-n", "data"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data = json(&out);
    let pairs = edge_pairs(&data);
    assert!(!pairs.is_empty());
    assert!(pairs.len() < edge_pairs(&whole).len());
    for (source, target) in &pairs {
        assert!(
            source.contains(":data/") || target.contains(":data/"),
            "{source} -> {target} is outside -n data"
        );
    }

    for flag in [["--at", "2026-11-25T02:00:00Z"], ["--window", "1h"]] {
        let out = meshgraph(&["snapshot", "--demo", flag[0], flag[1]], dir.path());
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        assert!(
            stderr(&out).contains(&format!("{} does not apply to --demo", flag[0])),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn empty_input_is_marked_and_has_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "snapshot",
            "--demo",
            "-n",
            "no-such-namespace",
            "-o",
            "g.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no Istio series"), "{}", stderr(&out));
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("g.json")).unwrap()).unwrap();
    assert_eq!(doc["empty"], true);
    assert!(doc["edges"].as_array().unwrap().is_empty());

    let full = json(&meshgraph(&["snapshot", "--demo"], dir.path()));
    assert_eq!(full["empty"], false);

    let allowed = meshgraph(
        &[
            "snapshot",
            "--demo",
            "-n",
            "nope",
            "--allow-empty",
            "-o",
            "g.svg",
        ],
        dir.path(),
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    assert!(svg.contains("no traffic in window"), "{svg}");

    // check: "no findings" is not a healthy mesh when the telemetry was empty.
    let check = meshgraph(&["check", "--demo", "-n", "nope"], dir.path());
    assert_eq!(check.status.code(), Some(3), "{}", stderr(&check));
}

#[test]
fn messages_start_the_same_way_and_help_is_grouped() {
    let dir = tempfile::tempdir().unwrap();
    let record = meshgraph(&["record", "bundle", "--demo"], dir.path());
    assert_eq!(record.status.code(), Some(2));
    let text = stderr(&record);
    assert!(text.starts_with("meshgraph: error: record saves"), "{text}");
    assert!(
        !text.contains("similar argument"),
        "no unrelated suggestion: {text}"
    );
    assert!(!dir.path().join("bundle").exists());

    let usage = meshgraph(&["snapshot", "--no-such-flag"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        stderr(&usage).starts_with("meshgraph: error: unexpected argument"),
        "{}",
        stderr(&usage)
    );

    let analyzer = meshgraph(&["check", "--demo", "--istio-analyzer", "foo"], dir.path());
    assert_eq!(analyzer.status.code(), Some(2));
    assert!(
        stderr(&analyzer).contains("virtualservice.DestinationRuleAnalyzer"),
        "lists the valid names: {}",
        stderr(&analyzer)
    );

    let short = meshgraph(
        &["explain", "--demo", "productpage-v1", "reviews-v2"],
        dir.path(),
    );
    assert_eq!(short.status.code(), Some(2));
    assert!(
        stderr(&short).contains("did you mean bookinfo/productpage-v1, bookinfo/reviews-v2"),
        "{}",
        stderr(&short)
    );

    let missing = meshgraph(&["check", "no-such-dir/"], dir.path());
    let line = stderr(&missing);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(line.matches("os error 2").count(), 1, "said once: {line}");

    let help = stdout(&meshgraph(&["snapshot", "--help"], dir.path()));
    for heading in [
        "Input:",
        "Scope (every source):",
        "Metrics (Prometheus):",
        "Traces (Jaeger, Tempo):",
        "Configuration (Kubernetes and Istio objects):",
        "Output:",
    ] {
        assert!(help.contains(heading), "{heading} in {help}");
    }
    let diff_help = stdout(&meshgraph(&["diff", "--help"], dir.path()));
    assert!(!diff_help.contains("--config"), "{diff_help}");
    assert!(diff_help.contains("--format"), "{diff_help}");
    let record_help = stdout(&meshgraph(&["record", "--help"], dir.path()));
    assert!(
        record_help.contains("Namespace whose traffic is recorded"),
        "{record_help}"
    );
}

/// The README's path from a scenario to a real Prometheus: `scenario export`,
/// promtool, Prometheus, then a snapshot at the printed time gives the demo's
/// graph.
#[test]
fn an_exported_scenario_graphs_the_same_from_a_real_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "scenario",
            "export",
            "bookinfo-waypoint",
            "--openmetrics",
            "bookinfo.om",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let note = stderr(&out);
    let at = note
        .split("--at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the --at to use is printed: {note}"))
        .to_string();
    let openmetrics = std::fs::read_to_string(dir.path().join("bookinfo.om")).unwrap();
    let prometheus = PrometheusServer::start(&openmetrics);
    let live = meshgraph(
        &[
            "snapshot",
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "--window",
            "5m",
            "-f",
            &fixture("istio-bookinfo/bookinfo.yaml")
                .display()
                .to_string(),
        ],
        dir.path(),
    );
    assert!(live.status.success(), "{}", stderr(&live));
    let demo = json(&meshgraph(
        &["snapshot", "--demo", "bookinfo-waypoint"],
        dir.path(),
    ));
    let live = json(&live);
    assert_eq!(edge_pairs(&live), edge_pairs(&demo));
    for (a, b) in live["edges"]
        .as_array()
        .unwrap()
        .iter()
        .zip(demo["edges"].as_array().unwrap())
    {
        let (x, y) = (a["rps"].as_f64().unwrap(), b["rps"].as_f64().unwrap());
        assert!((x - y).abs() <= 1e-6 * y.max(1.0), "{a} vs {b}");
        assert_eq!(a["via_waypoint"], b["via_waypoint"]);
    }
}

/// A recording replays with its own scope and says nothing; an override it
/// cannot honour is a warning; `--replay` with `--prometheus` is an error.
#[test]
fn replays_are_quiet_unless_an_override_cannot_be_honoured() {
    let dir = tempfile::tempdir().unwrap();
    meshgraph(
        &[
            "scenario",
            "export",
            "bookinfo-mixed",
            "--openmetrics",
            "mixed.om",
        ],
        dir.path(),
    );
    let openmetrics = std::fs::read_to_string(dir.path().join("mixed.om")).unwrap();
    let prometheus = PrometheusServer::start(&openmetrics);
    let at = meshgraph_scenario::builtin("bookinfo-mixed")
        .unwrap()
        .unwrap()
        .at
        .to_string();
    let record = meshgraph(
        &[
            "record",
            "bundle",
            "--prometheus",
            &prometheus.url(),
            "--at",
            &at,
            "--window",
            "5m",
            "-n",
            "back",
            "-n",
            "data",
        ],
        dir.path(),
    );
    assert!(record.status.success(), "{}", stderr(&record));
    drop(prometheus);

    let replay = meshgraph(
        &["snapshot", "--replay", "bundle", "-o", "r.json"],
        dir.path(),
    );
    assert!(replay.status.success(), "{}", stderr(&replay));
    assert!(!stderr(&replay).contains("warning"), "{}", stderr(&replay));
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(doc["window_seconds"], 300, "the recorded window");
    assert_eq!(
        doc["at"],
        meshgraph_export::format_rfc3339(at.parse().unwrap()),
        "the recorded time"
    );

    // Narrower than the recording: filtered, no warning.
    let narrow = meshgraph(
        &["snapshot", "--replay", "bundle", "-n", "data"],
        dir.path(),
    );
    assert!(narrow.status.success(), "{}", stderr(&narrow));
    assert!(!stderr(&narrow).contains("warning"), "{}", stderr(&narrow));
    assert!(edge_pairs(&json(&narrow)).len() < edge_pairs(&doc).len());

    // Wider, or another window: the answers cannot follow, and it is said.
    let wide = meshgraph(
        &[
            "snapshot", "--replay", "bundle", "-n", "front", "--window", "1h",
        ],
        dir.path(),
    );
    let text = stderr(&wide);
    assert!(
        text.contains("holds only namespace(s) back, data"),
        "{text}"
    );
    assert!(text.contains("--window 1h cannot change them"), "{text}");

    // The same server in the environment is ignored; on the command line it is an error.
    let refusing = meshgraph_standin::Refusing::new();
    let env = common::run()
        .args(["snapshot", "--replay", "bundle"])
        .env("MESHGRAPH_PROMETHEUS_URL", refusing.url())
        .dir(dir.path())
        .output();
    assert!(env.status.success(), "{}", stderr(&env));
    let both = meshgraph(
        &[
            "snapshot",
            "--replay",
            "bundle",
            "--prometheus",
            &refusing.url(),
        ],
        dir.path(),
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both)
            .contains("--replay and --prometheus cannot be used together: both are metrics inputs"),
        "{}",
        stderr(&both)
    );
}

/// The README's nightly script, as written: only the server URL and token are
/// pointed at a real Prometheus on loopback, and `kubectl` is a stand-in that
/// prints the bookinfo manifests. It must run clean, with no warning.
#[test]
fn the_readme_nightly_script_runs_without_a_warning() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("## A nightly job")
        .nth(1)
        .expect("the README has a nightly job section");
    let script = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the nightly job is a sh block");
    assert!(script.contains("https://prometheus.example:9090"));

    let dir = tempfile::tempdir().unwrap();
    meshgraph(
        &[
            "scenario",
            "export",
            "bookinfo-waypoint",
            "--openmetrics",
            "now.om",
            "--end",
            "now",
            "--duration",
            "2h",
            "--step",
            "60s",
        ],
        dir.path(),
    );
    let prometheus =
        PrometheusServer::start(&std::fs::read_to_string(dir.path().join("now.om")).unwrap());
    let token = dir.path().join("token");
    std::fs::write(&token, "a-token\n").unwrap();
    let script = script
        .replace("https://prometheus.example:9090", &prometheus.url())
        .replace(
            "/var/run/secrets/prometheus/token",
            &token.display().to_string(),
        );
    std::fs::write(dir.path().join("nightly.sh"), &script).unwrap();

    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let kubectl = bin.join("kubectl");
    std::fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\ncat '{}'\n",
            fixture("istio-bookinfo/bookinfo.yaml").display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let meshgraph_dir = Path::new(common::MESHGRAPH).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        meshgraph_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("sh")
        .arg("nightly.sh")
        .env("PATH", path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = stderr(&run);
    assert!(
        run.status.code().is_some_and(|c| c <= 1),
        "exit {:?}: {text}",
        run.status.code()
    );
    assert!(!text.contains("warning"), "{text}");
    let day = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("mesh-") && n.ends_with(".json"))
        .expect("the script wrote mesh-DAY.json");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(&day)).unwrap()).unwrap();
    assert_eq!(doc["empty"], false);
    assert_eq!(doc["edges"].as_array().unwrap().len(), 7, "{doc}");
}
