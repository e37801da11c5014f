//! Outputs never lost or half-written: a run interrupted by a signal leaves no
//! temporary file and no recording; outputs never replace the run's inputs;
//! a recording that failed leaves nothing behind.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{MESHGRAPH, fixture, meshgraph};
use meshgraph_standin::{Reply, StandIn};

const EMPTY_VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A record stopped by SIGTERM while Prometheus is slow to answer: the
/// staging folder is removed and no recording appears.
#[cfg(unix)]
#[test]
fn a_signal_mid_record_leaves_nothing() {
    let slow = StandIn::route(|_, _| Reply::ok(EMPTY_VECTOR).delayed(Duration::from_secs(30)));
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(MESHGRAPH)
        .args(["record", "bundle", "--prometheus", &slow.url()])
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first query reached the server: the recording has begun.
    for _ in 0..200 {
        if !slow.requests().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!slow.requests().is_empty(), "record never queried");
    assert!(
        names(dir.path())
            .iter()
            .any(|n| n.starts_with(".meshgraph-")),
        "a staging folder exists while recording: {:?}",
        names(dir.path())
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        names(dir.path()).is_empty(),
        "left behind: {:?}",
        names(dir.path())
    );
}

#[test]
fn a_failed_record_leaves_nothing_and_a_full_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let broken = StandIn::route(|_, _| Reply::status(500, "boom"));
    let out = meshgraph(
        &[
            "record",
            "bundle",
            "--prometheus",
            &broken.url(),
            "--query-timeout",
            "2s",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));

    std::fs::create_dir(dir.path().join("full")).unwrap();
    std::fs::write(dir.path().join("full/notes.txt"), "mine").unwrap();
    let bookinfo = fixture("istio-bookinfo/bookinfo.yaml")
        .display()
        .to_string();
    let out = meshgraph(&["record", "full", "-f", &bookinfo], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(names(&dir.path().join("full")), ["notes.txt"]);

    // An empty folder is fine, and the recording replays.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = meshgraph(&["record", "empty", "-f", &bookinfo], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("empty/manifest.json").is_file());
    let out = meshgraph(&["check", "--replay", "empty"], dir.path());
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outputs_never_replace_the_runs_inputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("istio-bookinfo/bookinfo.yaml"),
        dir.path().join("in.yaml"),
    )
    .unwrap();
    let before = std::fs::read(dir.path().join("in.yaml")).unwrap();
    for args in [
        &["check", "-f", "in.yaml", "-o", "in.yaml"][..],
        &["check", "in.yaml", "-o", "./in.yaml"],
        &["snapshot", "--demo", "-f", "in.yaml", "-o", "in.yaml"],
    ] {
        let out = meshgraph(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("it is a file this run reads"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(std::fs::read(dir.path().join("in.yaml")).unwrap(), before);

    let out = meshgraph(&["snapshot", "--demo", "-o", "p.json"], dir.path());
    assert!(out.status.success());
    let previous = std::fs::read(dir.path().join("p.json")).unwrap();
    for args in [
        &["report", "--demo", "--previous", "p.json", "-o", "p.json"][..],
        &["report", "--demo", "-o", "r.html", "--json-out", "r.html"],
        &["diff", "p.json", "p.json", "-o", "p.json"],
    ] {
        let out = meshgraph(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(std::fs::read(dir.path().join("p.json")).unwrap(), previous);
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn a_report_whose_json_cannot_be_written_writes_no_html_either() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "report",
            "--demo",
            "-o",
            "r.html",
            "--json-out",
            "no-such-folder/r.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-folder/r.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}
