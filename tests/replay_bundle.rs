//! `--replay DIR` through the binary: an entry that is a symlink leading out
//! of the bundle, or a FIFO, is an error naming the entry (issue 13).
#![cfg(unix)]

mod common;

use meshgraph_standin::Fifo;
use std::path::Path;

const SECRET: &str = "TOP-SECRET-CONTENT-OUTSIDE";

fn manifest(dir: &Path, section: &str) {
    let text = format!(
        r#"{{"format": "meshgraph-recording", "format_version": 1,
            "meshgraph_version": "0.1.0", "prometheus": [],
            "scope": {{"namespaces": [], "at": 1764036000.0, "window_seconds": 300.0}},
            {section}}}"#
    );
    std::fs::write(dir.join("manifest.json"), text).unwrap();
}

fn replay(dir: &Path) -> (i32, String) {
    let out = common::meshgraph(
        &[
            "snapshot", "--replay", "bundle", "--format", "json", "-o", "-",
        ],
        dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stdout.contains(SECRET), "{stdout}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn symlinks_leading_out_of_a_bundle_are_refused() {
    for (section, entry) in [
        (
            r#""objects": [{"file": "objects/objects.json", "objects": 1}]"#,
            "objects/objects.json",
        ),
        (
            r#""traces": [{"api": "jaeger-v3", "file": "traces/000.json", "path": "/api/v3/traces",
                "query": [], "status": 200}]"#,
            "traces/000.json",
        ),
    ] {
        let work = tempfile::tempdir().unwrap();
        let secret = work.path().join("secret.json");
        std::fs::write(&secret, format!("[\"{SECRET}\"]")).unwrap();
        let bundle = work.path().join("bundle");
        let parent = bundle.join(Path::new(entry).parent().unwrap());
        std::fs::create_dir_all(&parent).unwrap();
        manifest(&bundle, section);
        std::os::unix::fs::symlink(&secret, bundle.join(entry)).unwrap();
        let (code, stderr) = replay(work.path());
        assert_ne!(code, 0, "{stderr}");
        assert!(stderr.contains(entry), "{stderr}");
        assert!(stderr.contains("outside the recording"), "{stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
    }
}

#[test]
fn a_fifo_in_a_bundle_is_an_error_not_a_hang() {
    let work = tempfile::tempdir().unwrap();
    let bundle = work.path().join("bundle");
    std::fs::create_dir_all(bundle.join("objects")).unwrap();
    manifest(
        &bundle,
        r#""objects": [{"file": "objects/objects.json", "objects": 1}]"#,
    );
    let _pipe = Fifo::create(&bundle.join("objects/objects.json"));
    let (code, stderr) = replay(work.path());
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("objects/objects.json"), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}
