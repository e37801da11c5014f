//! Helpers shared by the end-to-end tests.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `meshgraph` binary in `dir`.
pub fn meshgraph(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshgraph"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run meshgraph")
}

/// The repository's test inputs; each folder's origin is in its README.md or
/// SOURCE.md (see tests/fixtures/README.md).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The path of `path` under tests/fixtures. Panics, naming the file, when it
/// is not there: tests read only files the repository holds.
pub fn fixture(path: &str) -> PathBuf {
    let full = Path::new(FIXTURES).join(path);
    assert!(
        full.exists(),
        "test fixture {} is missing: every file a test reads belongs in the \
         repository under tests/fixtures/ (see tests/fixtures/README.md)",
        full.display()
    );
    full
}

/// The text of the fixture `path` (see [`fixture`]).
pub fn read_fixture(path: &str) -> String {
    let full = fixture(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The bytes of the fixture `path` (see [`fixture`]).
pub fn read_fixture_bytes(path: &str) -> Vec<u8> {
    let full = fixture(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}
