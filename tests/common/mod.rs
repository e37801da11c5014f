//! Helpers shared by the end-to-end tests.

#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `meshgraph` binary in `dir`.
pub fn meshgraph(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshgraph"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run meshgraph")
}
