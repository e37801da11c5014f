//! Writing results: atomically to files, or to stdout with `-o -`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `contents` to `target`: `-` is stdout; a file is written to a
/// temporary file beside it and renamed, so a failed run never leaves a
/// half-written output or overwrites the last good one.
pub fn write_output(target: &str, contents: &[u8]) -> anyhow::Result<()> {
    if target == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(contents).context("writing to stdout")?;
        stdout.flush().context("writing to stdout")?;
        return Ok(());
    }
    let path = Path::new(target);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {target}"))?;
    // A temporary file is private (0600); give the output the usual mode, or
    // keep the mode of the file it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the permissions of {target}"))?;
    }
    file.persist(path)
        .with_context(|| format!("cannot write {target}"))?;
    Ok(())
}

/// A closed pipe (`meshgraph ... -o - | head`) is not an error.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
