//! Reading a recording never leaves it, never opens a FIFO or device, and
//! refuses a file over the size cap (issue 13).
#![cfg(unix)]

use std::path::Path;

use meshgraph_source::record::{ENTRY_MAX_BYTES, Manifest, read_entry};
use meshgraph_standin::Fifo;

const SECRET: &str = "TOP-SECRET-CONTENT-OUTSIDE";

fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    std::fs::write(dir.path().join("traces/ok.json"), b"{}").unwrap();
    dir
}

fn message(dir: &Path, entry: &str) -> String {
    read_entry(dir, entry, "an entry").unwrap_err().to_string()
}

#[test]
fn a_regular_entry_reads() {
    let dir = bundle();
    assert_eq!(
        read_entry(dir.path(), "traces/ok.json", "an entry").unwrap(),
        b"{}"
    );
}

#[test]
fn a_symlink_leading_outside_is_refused_without_its_content() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, SECRET).unwrap();
    let dir = bundle();
    std::os::unix::fs::symlink(&secret, dir.path().join("traces/evil.json")).unwrap();
    let msg = message(dir.path(), "traces/evil.json");
    assert!(msg.contains("traces/evil.json"), "{msg}");
    assert!(msg.contains("outside the recording"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}

#[test]
fn a_symlinked_folder_leading_outside_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("a.json"), SECRET).unwrap();
    let dir = bundle();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    let msg = message(dir.path(), "linked/a.json");
    assert!(msg.contains("outside the recording"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}

#[test]
fn a_symlink_inside_the_recording_reads() {
    let dir = bundle();
    std::os::unix::fs::symlink("ok.json", dir.path().join("traces/alias.json")).unwrap();
    assert_eq!(
        read_entry(dir.path(), "traces/alias.json", "an entry").unwrap(),
        b"{}"
    );
}

#[test]
fn a_fifo_is_refused_without_hanging() {
    let dir = bundle();
    let fifo = dir.path().join("traces/fifo.json");
    let _pipe = Fifo::create(&fifo);
    let msg = message(dir.path(), "traces/fifo.json");
    assert!(msg.contains("not a regular file"), "{msg}");
    assert!(msg.contains("traces/fifo.json"), "{msg}");
}

#[test]
fn a_device_is_refused() {
    let dir = bundle();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("traces/zero.json")).unwrap();
    // Outside the recording, whatever it is.
    assert!(message(dir.path(), "traces/zero.json").contains("outside the recording"));
}

#[test]
fn a_directory_is_refused() {
    let dir = bundle();
    let msg = message(dir.path(), "traces");
    assert!(msg.contains("not a regular file"), "{msg}");
}

#[test]
fn a_file_over_the_cap_is_refused() {
    let dir = bundle();
    let big = std::fs::File::create(dir.path().join("traces/big.json")).unwrap();
    // Sparse: nothing is written.
    big.set_len(ENTRY_MAX_BYTES + 1).unwrap();
    let msg = message(dir.path(), "traces/big.json");
    assert!(msg.contains("traces/big.json"), "{msg}");
    assert!(msg.contains("512 MiB"), "{msg}");
}

#[test]
fn a_manifest_that_is_a_fifo_or_symlink_out_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = Fifo::create(&dir.path().join("manifest.json"));
    let msg = Manifest::read(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("not a regular file"), "{msg}");
    drop(pipe);

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("m.json"), SECRET).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("m.json"),
        dir.path().join("manifest.json"),
    )
    .unwrap();
    let msg = Manifest::read(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("outside the recording"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}
