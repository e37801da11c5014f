//! Writing results: atomically to files, or to stdout with `-o -`.
//!
//! Every file output goes through a temporary file beside its target
//! (`.meshgraph-PID-XXXXXX.tmp`) that is renamed over it, so a failed run never
//! leaves a half-written output. The temporary files of this process are
//! known (`PENDING`), so a SIGINT/SIGTERM removes them before exiting, and the
//! ones a killed run left behind are removed by the next write in that folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail};

/// Temporary files this process has created and not yet renamed.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub const TEMP_PREFIX: &str = ".meshgraph-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Removes this process's temporary files and exits as a shell does for a
/// signal (128 + its number): installed for SIGINT, SIGTERM and SIGHUP.
pub fn install_signal_cleanup() {
    // Failing to install (another handler already set) only loses the cleanup.
    let _ = ctrlc::set_handler(|| {
        remove_pending();
        eprintln!("meshgraph: interrupted; nothing was written");
        std::process::exit(130);
    });
}

fn remove_pending() {
    let pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    for path in pending.iter() {
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A temporary file or folder to remove if a signal ends the run.
pub fn track_pending(path: &Path) {
    PENDING
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(path.to_path_buf());
}

/// Writes `contents` to `target`: `-` is stdout; a regular file is written to a
/// temporary file beside it and renamed, so a failed run never leaves a
/// half-written output or overwrites the last good one. A symlink is followed
/// (its target is replaced, the link stays); a device or FIFO (`/dev/null`, a
/// named pipe) is written directly, never replaced.
pub fn write_output(target: &str, contents: &[u8]) -> anyhow::Result<()> {
    write_outputs(&[(target, contents)])
}

/// Writes several outputs of one run: every file is first written in full to
/// its temporary file, and only when all are written are they renamed into
/// place (then devices and stdout are written), so a failure leaves none of
/// them changed.
pub fn write_outputs(outputs: &[(&str, &[u8])]) -> anyhow::Result<()> {
    let mut staged = Vec::new();
    let mut direct = Vec::new();
    let mut prepare = || -> anyhow::Result<()> {
        for &(target, contents) in outputs {
            if target == "-" {
                direct.push((None, target, contents));
                continue;
            }
            let path = resolve(Path::new(target))?;
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => bail!("cannot write {target}: it is a directory"),
                Ok(meta) if !meta.is_file() => direct.push((Some(path), target, contents)),
                _ => staged.push(stage(&path, target, contents)?),
            }
        }
        Ok(())
    };
    if let Err(error) = prepare() {
        // The staged temporary files are removed as they are dropped.
        for (file, _, _) in &staged {
            forget_pending(file.path());
        }
        return Err(error);
    }
    for (file, path, target) in staged {
        let temp = file.path().to_path_buf();
        file.persist(&path).map_err(|e| plain(e.error, target))?;
        forget_pending(&temp);
    }
    for (path, target, contents) in direct {
        match path {
            None => write_stdout(contents)?,
            Some(path) => write_in_place(&path, target, contents)?,
        }
    }
    Ok(())
}

fn write_stdout(contents: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(contents)
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => {
                anyhow!("cannot write to stdout: the reader closed the pipe")
            }
            _ => anyhow::Error::new(e).context("writing to stdout"),
        })
}

/// Refuses to write an output over one of the run's inputs (`-f in.yaml -o
/// in.yaml`, `report --previous p.json -o p.json`), into a recording being
/// replayed, or twice in one run (`--json-out` = `-o`).
pub fn refuse_overwriting(outputs: &[&str], inputs: &[&Path]) -> anyhow::Result<()> {
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for &output in outputs.iter().filter(|o| **o != "-") {
        let Some(out) = identity(Path::new(output)) else {
            continue;
        };
        // Devices and FIFOs are written in place, never replaced: `-f
        // /dev/stdin -o /dev/stdout` is fine.
        if std::fs::metadata(&out).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        for input in inputs {
            let Some(inp) = identity(input) else { continue };
            if out == inp || (input.is_dir() && out.starts_with(&inp)) {
                bail!(
                    "refusing to write {output}: it is {} this run reads ({}); choose another output",
                    if out == inp {
                        "a file"
                    } else {
                        "inside a folder"
                    },
                    input.display()
                );
            }
        }
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == out) {
            bail!("{first} and {output} are the same file: give each output its own path");
        }
        seen.push((out, output));
    }
    Ok(())
}

/// The files and folders a mesh-reading run reads, for [`refuse_overwriting`].
pub fn input_paths<'a>(
    input: &'a crate::cli::InputArgs,
    global: &'a crate::cli::GlobalArgs,
) -> Vec<&'a Path> {
    let mut paths: Vec<&Path> = input.config.files.iter().map(PathBuf::as_path).collect();
    paths.extend(input.traces.traces_files.iter().map(PathBuf::as_path));
    paths.extend(input.scenario.as_deref());
    paths.extend(input.replay.as_deref());
    paths.extend(global.config.as_deref());
    paths
}

/// A path as the file system knows it: the final target of symlinks, with
/// the folder made absolute even when the file does not exist yet.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let resolved = resolve(path).ok()?;
    let name = resolved.file_name()?;
    let parent = match resolved.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
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

/// The output written in full to a temporary file beside `path`, not yet renamed.
fn stage<'a>(
    path: &Path,
    target: &'a str,
    contents: &[u8],
) -> anyhow::Result<(tempfile::NamedTempFile, PathBuf, &'a str)> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    remove_stale(dir);
    let mut file = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| plain(e, target))?;
    track_pending(file.path());
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
    Ok((file, path.to_path_buf(), target))
}

/// The temporary file or folder is in place (renamed) or gone.
pub fn forget_pending(temp: &Path) {
    PENDING
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|p| p != temp);
}

/// Removes the temporary files that runs killed without a chance to clean up
/// (SIGKILL, a power cut) left in `dir`: those whose process is gone.
pub fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = name
            .strip_prefix(TEMP_PREFIX)
            .filter(|rest| rest.ends_with(TEMP_SUFFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid, &entry.path()) {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

/// Whether the process that made a temporary file may still be writing it:
/// on Linux by its /proc entry; elsewhere, for a day after the file changed.
fn process_alive(pid: u32, file: &Path) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age.as_secs() < 86_400)
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

    #[test]
    fn several_outputs_are_all_written_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("report.html");
        std::fs::write(&good, "last night").unwrap();
        let bad = dir.path().join("no-such-folder/today.json");
        let e = write_outputs(&[
            (good.to_str().unwrap(), b"tonight"),
            (bad.to_str().unwrap(), b"{}"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("today.json"), "{e}");
        assert_eq!(std::fs::read_to_string(&good).unwrap(), "last night");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(TEMP_SUFFIX))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let pending = PENDING.lock().unwrap().clone();
        assert!(
            !pending.iter().any(|p| p.starts_with(dir.path())),
            "{pending:?}"
        );
    }

    #[test]
    fn outputs_never_replace_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.yaml");
        std::fs::write(&input, "kind: List").unwrap();
        let same = input.to_str().unwrap();
        let e = refuse_overwriting(&[same], &[input.as_path()]).unwrap_err();
        assert!(e.to_string().contains("it is a file this run reads"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.yaml");
            std::os::unix::fs::symlink("in.yaml", &link).unwrap();
            assert!(refuse_overwriting(&[link.to_str().unwrap()], &[input.as_path()]).is_err());
        }
        let inside = dir.path().join("bundle/graph.json");
        std::fs::create_dir(dir.path().join("bundle")).unwrap();
        assert!(
            refuse_overwriting(&[inside.to_str().unwrap()], &[&dir.path().join("bundle")]).is_err()
        );
        let out = dir.path().join("out.json");
        let twice =
            refuse_overwriting(&[out.to_str().unwrap(), out.to_str().unwrap()], &[]).unwrap_err();
        assert!(twice.to_string().contains("are the same file"), "{twice}");
        refuse_overwriting(
            &[out.to_str().unwrap(), "-", "/dev/null"],
            &[input.as_path()],
        )
        .unwrap();
    }

    #[test]
    fn temporary_files_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // No process has this id (above the kernel's pid_max).
        let stale = dir.path().join(".meshgraph-4194305-abc123.tmp");
        let foreign = dir.path().join(".meshgraph-notes.tmp");
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(&foreign, "keep").unwrap();
        write_output(dir.path().join("g.json").to_str().unwrap(), b"{}").unwrap();
        assert!(!stale.exists());
        assert!(foreign.exists());
    }
}
