//! docs/ARCHITECTURE.md stays true to the code: every Rust type, trait or
//! item it names in backticks exists in the workspace. (The crate layers it
//! lists are checked by tests/layering.rs, which reads its table.)

use std::collections::BTreeSet;
use std::path::Path;

/// Names from outside the workspace that the document may mention.
const EXTERNAL: &[&str] = &[
    "DiGraph",
    "FromStr",
    "GlobalAlloc",
    "Result",
    "Vec",
    "Option",
    "String",
    "BTreeMap",
    "BTreeSet",
    "Timestamp",
    // http_body_util's size-capping body, named in the kube section.
    "Limited",
    // arcstr's thin shared string, the traces crate's `Text`.
    "ArcStr",
];

fn rust_sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// CamelCase words inside backticks: `Outcome<T>`, `Format::NAMES`, `ServerConfig`.
fn named_types(doc: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, span) in doc.split('`').enumerate() {
        if i % 2 == 0 || span.contains('\n') {
            continue;
        }
        // File names (`Cargo.toml`) and header names (`Retry-After`) are not types.
        let tokens = span
            .split(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
            .filter(|t| !t.contains('-') && !t.contains('.'));
        for word in tokens {
            let mut chars = word.chars();
            let starts_upper = chars.next().is_some_and(|c| c.is_ascii_uppercase());
            let has_lower = word.chars().any(|c| c.is_ascii_lowercase());
            // Types are CamelCase; CONSTANTS and words like `X-Scope-OrgID`
            // (split on '-') are not what this test is about.
            if starts_upper && has_lower && !word.contains('_') && word.len() > 2 {
                names.insert(word.to_string());
            }
        }
    }
    names
}

fn defined(name: &str, sources: &str) -> bool {
    let definitions = [
        "struct",
        "enum",
        "trait",
        "type",
        "fn",
        "const",
        "mod",
        "macro_rules!",
    ];
    sources.lines().any(|line| {
        let line = line.trim_start();
        let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
        let line = line.strip_prefix("pub ").unwrap_or(line);
        definitions.iter().any(|d| {
            line.strip_prefix(d)
                .and_then(|rest| rest.trim_start().strip_prefix(name))
                .is_some_and(|rest| {
                    !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
        }) || (line.starts_with(name)
            // An enum variant: `Name,`, `Name(..)`, `Name { .. }` or `Name = 3,`.
            && line[name.len()..]
                .trim_start()
                .starts_with([',', '(', '{', '=']))
    })
}

#[test]
fn every_type_the_architecture_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc =
        std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("docs/ARCHITECTURE.md");
    let mut sources = String::new();
    rust_sources(&root.join("crates"), &mut sources);
    rust_sources(&root.join("tests"), &mut sources);
    let names = named_types(&doc);
    assert!(names.len() > 50, "found only {} names", names.len());
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !EXTERNAL.contains(&n.as_str()) && !defined(n, &sources))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md names types that do not exist: {missing:?}"
    );
}

#[test]
fn the_check_finds_a_removed_type() {
    let sources = "pub struct Kept {\n}\nenum E {\n    Variant(u8),\n}\n";
    assert!(defined("Kept", sources));
    assert!(defined("Variant", sources));
    assert!(!defined("NamespacedName", sources));
    assert!(!defined("Kep", sources));
    assert_eq!(
        named_types("`Outcome<T>` and `Format::NAMES`, `X-Scope-OrgID`, `Cargo.toml`")
            .into_iter()
            .collect::<Vec<_>>(),
        ["Format", "Outcome"]
    );
}
