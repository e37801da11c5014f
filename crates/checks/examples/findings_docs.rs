//! Writes `docs/findings/` from the registry and each check's documentation
//! (`render_docs`), removing pages no check generates any more:
//!
//! ```sh
//! cargo run -p meshgraph-checks --example findings_docs
//! ```
//!
//! `tests/docs.rs` fails while the committed pages differ from what this
//! writes; it never writes them itself.

use std::path::Path;

use meshgraph_checks::docs::render_docs;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/findings");
    let pages = render_docs();
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !pages.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(entry.path())?;
            println!("removed docs/findings/{name}");
        }
    }
    for (name, contents) in &pages {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            std::fs::write(&path, contents)?;
            println!("wrote docs/findings/{name}");
        }
    }
    Ok(())
}
