//! A clone of the repository is all the tests and docs need: no file may point
//! at the reference folder that sits beside the project on developer machines
//! and in CI (a user's clone has no such sibling, so a test reading from it
//! passes in CI and fails everywhere else). Test inputs belong in
//! tests/fixtures/ (see its README.md); design notes in docs/.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder beside the project, spelled in pieces so that this file does
/// not itself contain the paths it forbids.
const SIBLING: &str = "shared";

/// What a file must not contain: paths into the folder beside the project.
fn forbidden() -> [String; 3] {
    [
        format!("../{SIBLING}"),
        format!("{SIBLING}/fixtures"),
        format!("{SIBLING}/design"),
    ]
}

fn in_scope(path: &str) -> bool {
    ["tests/", "crates/", "scripts/", "docs/", ".ci/"]
        .iter()
        .any(|dir| path.starts_with(dir))
        || path == "README.md"
        || path == "Cargo.toml"
}

/// The repository's files (tracked, plus new ones git does not ignore) as
/// paths relative to `root`, or `None` when git cannot list them.
fn git_files(root: &Path) -> Option<Vec<String>> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(
        text.split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// Every file under `root` except `target/` and `.git`, for a copy without git.
fn walk(root: &Path) -> Vec<String> {
    fn visit(root: &Path, dir: &Path, files: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                if name == ".git" || (dir == root && name == "target") {
                    continue;
                }
                visit(root, &path, files);
            } else if kind.is_file() {
                let relative = path.strip_prefix(root).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    visit(root, root, &mut files);
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_file_reads_or_cites_the_folder_beside_the_project() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = match git_files(&root) {
        Some(files) => files,
        None => {
            println!("git cannot list the files here; walking the tree instead");
            walk(&root)
        }
    };
    let forbidden = forbidden();
    let mut checked = 0;
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| in_scope(f)) {
        // A tracked file deleted in the working tree is not there to read.
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue;
        };
        checked += 1;
        let found: Vec<&str> = forbidden
            .iter()
            .map(String::as_str)
            .filter(|s| contains(&bytes, s))
            .collect();
        if !found.is_empty() {
            offenders.push(format!("{file}: {}", found.join(", ")));
        }
    }
    assert!(checked > 0, "no file checked under {}", root.display());
    assert!(
        offenders.is_empty(),
        "these files point outside the repository (copy test inputs into \
         tests/fixtures/ with their licence and a SOURCE.md, and cite docs/ \
         instead of design notes beside the project):\n  {}",
        offenders.join("\n  ")
    );
}
