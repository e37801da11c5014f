//! Writing results: atomically to files, or to stdout with `-o -`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

/// Writes `contents` to `target`: `-` is stdout; a regular file is written to a
/// temporary file beside it and renamed, so a failed run never leaves a
/// half-written output or overwrites the last good one. A symlink is followed
/// (its target is replaced, the link stays); a device or FIFO (`/dev/null`, a
/// named pipe) is written directly, never replaced.
pub fn write_output(target: &str, contents: &[u8]) -> anyhow::Result<()> {
    if target == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(contents).context("writing to stdout")?;
        stdout.flush().context("writing to stdout")?;
        return Ok(());
    }
    let path = resolve(Path::new(target))?;
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Err(anyhow!("cannot write {target}: it is a directory")),
        Ok(meta) if !meta.is_file() => write_in_place(&path, target, contents),
        _ => write_atomically(&path, target, contents),
    }
}

/// Where a write to `path` lands: the final target of a symlink chain.
fn resolve(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)
                    .with_context(|| format!("cannot read the link {}", path.display()))?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(anyhow!(
        "cannot write {}: too many levels of symbolic links",
        path.display()
    ))
}

/// Devices and FIFOs: opened for writing as they are, never replaced.
fn write_in_place(path: &Path, target: &str, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| plain(e, target))?;
    file.write_all(contents)
        .and_then(|()| file.flush())
        .map_err(|e| plain(e, target))
}

fn write_atomically(path: &Path, target: &str, contents: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".meshgraph-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| plain(e, target))?;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| plain(e, target))?;
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
            .map_err(|e| plain(e, target))?;
    }
    file.persist(path).map_err(|e| plain(e.error, target))?;
    Ok(())
}

/// The error about `target` as the user named it: the OS reason once, never
/// the temporary file's name.
fn plain(error: std::io::Error, target: &str) -> anyhow::Error {
    // tempfile wraps the OS error in one that names the temporary path.
    let os_code = error.raw_os_error().or_else(|| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
        while let Some(e) = cause {
            if let Some(code) = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.raw_os_error())
            {
                return Some(code);
            }
            cause = e.source();
        }
        None
    });
    // Failing that (the wrapper keeps no cause), the OS error of its kind.
    let os_code = os_code.or(match error.kind() {
        std::io::ErrorKind::NotFound => Some(2),
        std::io::ErrorKind::PermissionDenied => Some(13),
        std::io::ErrorKind::AlreadyExists => Some(17),
        std::io::ErrorKind::NotADirectory => Some(20),
        std::io::ErrorKind::IsADirectory => Some(21),
        std::io::ErrorKind::StorageFull => Some(28),
        std::io::ErrorKind::ReadOnlyFilesystem => Some(30),
        _ => None,
    });
    let reason = match os_code {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => error.kind().to_string(),
    };
    anyhow!("cannot write {target}: {reason}")
}

/// A closed pipe (`meshgraph ... -o - | head`) is not an error.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_output(link.to_str().unwrap(), b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn devices_are_written_not_replaced_and_errors_name_the_target() {
        write_output("/dev/null", b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        if Path::new("/dev/full").exists() {
            let e = write_output("/dev/full", b"x").unwrap_err().to_string();
            assert_eq!(
                e,
                "cannot write /dev/full: No space left on device (os error 28)"
            );
            assert!(!std::fs::metadata("/dev/full").unwrap().is_file());
        }
        let e = write_output("/nonexistent-dir/x.json", b"x")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "cannot write /nonexistent-dir/x.json: No such file or directory (os error 2)"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = write_output(dir.path().to_str().unwrap(), b"x")
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("it is a directory"), "{e}");
    }
}
