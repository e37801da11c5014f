//! Recording the raw answers of a run, and reading them back offline.
//!
//! A recording is a directory:
//!
//! ```text
//! DIR/manifest.json
//! DIR/prometheus/00-requests.json      exact bytes of each /api/v1/query answer
//! DIR/traces/000-jaeger-v3.json        exact bytes of each trace answer
//! DIR/objects/objects.json             the Kubernetes and Istio objects read
//! ```
//!
//! `manifest.json` is one JSON object with one typed section per source:
//!
//! ```json
//! {
//!   "format": "meshgraph-recording",
//!   "format_version": 2,
//!   "meshgraph_version": "0.1.0",
//!   "prometheus": [
//!     { "family": "requests", "series_name": "istio_requests_total",
//!       "query": "sum by (reporter, ...) (rate(...[300s]))",
//!       "time": 1764036000.0, "window": "300s", "file": "prometheus/00-requests.json" }
//!   ],
//!   "scope": { "namespaces": ["bookinfo"], "at": 1764036000.0, "window_seconds": 300.0 },
//!   "objects": [ { "file": "objects/objects.json", "objects": 42 } ],
//!   "traces": [
//!     { "api": "jaeger-v3", "path": "/api/v3/traces",
//!       "query": [["query.service_name", "productpage.bookinfo"]],
//!       "status": 200, "file": "traces/000-jaeger-v3.json" }
//!   ]
//! }
//! ```
//!
//! - `prometheus`: `family` is the query's file name without `.promql`;
//!   `query` is the exact text sent; `time` is the `time` parameter (unix
//!   seconds). Always written, possibly empty. A family asked for in parts
//!   (the latency buckets, by `le`) has one entry per part, each with a
//!   `part` (the matcher selecting it); its answer is all of them together.
//!   Format version 2 added `part`; version 1 recordings read as before.
//! - `scope`: what the run asked for (`-n`, `--at`, `--window`), so a replay
//!   can default to it. Absent in recordings made before it was written.
//! - `traces`: `api` is `jaeger-v3`, `jaeger-v1`, `tempo-search` or
//!   `tempo-trace`; `path` is relative to the backend's base URL and `query`
//!   is the query string as sent; `status` is 200 or 404 (Jaeger v3's "no
//!   traces"). Absent when no trace was recorded.
//! - `objects`: the objects as meshgraph read them (from `-f` and
//!   `--cluster`). Absent when none were read.
//! - Every `file` is relative to DIR. Keys this version does not know are
//!   kept as they are. A recording never holds a credential, a request
//!   header or a server URL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The manifest's file name inside a recording.
pub const MANIFEST: &str = "manifest.json";
/// The `format` value of a manifest.
pub const FORMAT: &str = "meshgraph-recording";
/// The manifest format this version writes and reads (and every one
/// before it). 2: a family's answer may be recorded in parts
/// ([`PrometheusEntry::part`]), which a reader of version 1 would take for
/// repeated answers.
pub const FORMAT_VERSION: u32 = 2;

/// Why a recording cannot be written or read. Messages name the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordingError {
    /// Writing a recording failed.
    #[error("cannot write the recording in {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    /// Reading a recording failed.
    #[error("cannot replay the recording {path}: {reason}")]
    Read { path: PathBuf, reason: String },
}

/// `manifest.json` (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub meshgraph_version: String,
    #[serde(default)]
    pub prometheus: Vec<PrometheusEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RecordedScope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<ObjectsEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traces: Option<Vec<TraceEntry>>,
    /// Keys this version does not know, kept as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The scope a recording was made with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedScope {
    /// The selected namespaces; empty means every namespace.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Evaluation time, unix seconds.
    pub at: f64,
    /// Rate window, seconds.
    pub window_seconds: f64,
}

/// One recorded Prometheus answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrometheusEntry {
    /// `requests`, `request_duration_bucket`, ... (the query file's stem).
    pub family: String,
    /// The sample name, for people reading the manifest.
    pub series_name: String,
    /// The query text exactly as sent.
    pub query: String,
    /// The `time` parameter, unix seconds.
    pub time: f64,
    /// The rate window as sent (`300s`).
    pub window: String,
    /// The answer's file, relative to the recording directory.
    pub file: String,
    /// For an answer to one part of a family asked for in parts, the
    /// matcher selecting the part (`le=~"..."`); the family's answer is
    /// then every entry of the family with a part. Absent for a whole
    /// family (and in every recording of format version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

/// One recorded trace answer. (Fields in the order earlier versions wrote
/// them.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub api: String,
    pub file: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub status: u16,
}

/// One recorded file of objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectsEntry {
    pub file: String,
    /// How many objects the file holds.
    #[serde(default)]
    pub objects: usize,
}

impl Manifest {
    fn new() -> Self {
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            meshgraph_version: env!("CARGO_PKG_VERSION").into(),
            prometheus: Vec::new(),
            scope: None,
            objects: None,
            traces: None,
            other: BTreeMap::new(),
        }
    }

    /// Reads and checks `DIR/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, RecordingError> {
        let path = dir.join(MANIFEST);
        let fail = |reason: String| RecordingError::Read {
            path: path.clone(),
            reason,
        };
        if !path.exists() {
            return Err(fail(
                "there is no manifest.json: is this a directory written by `meshgraph record`?"
                    .into(),
            ));
        }
        let bytes = read_inside(dir, &path, MANIFEST, "the recording", ENTRY_MAX_BYTES)?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            fail(format!(
                "manifest.json is not a meshgraph recording manifest: {e}"
            ))
        })?;
        if manifest.format != FORMAT {
            return Err(fail(format!(
                "format is {:?}, expected {FORMAT:?}",
                manifest.format
            )));
        }
        if manifest.format_version > FORMAT_VERSION {
            return Err(fail(format!(
                "format_version {} was written by a newer meshgraph ({}); this one reads up to {FORMAT_VERSION}",
                manifest.format_version, manifest.meshgraph_version
            )));
        }
        Ok(manifest)
    }

    /// The recorded scope; for recordings made before it was written, the time
    /// and window of the first query (namespaces unknown: `false`).
    pub fn recorded_scope(&self) -> Option<(RecordedScope, bool)> {
        if let Some(scope) = &self.scope {
            return Some((scope.clone(), true));
        }
        let first = self.prometheus.first()?;
        let window_seconds = first.window.trim_end_matches('s').parse().ok()?;
        Some((
            RecordedScope {
                namespaces: Vec::new(),
                at: first.time,
                window_seconds,
            },
            false,
        ))
    }
}

/// `dir/relative` for a `file` named in a manifest, refusing absolute paths
/// and `..`; the error names the manifest and `what` the entry is.
pub fn entry_path(dir: &Path, relative: &str, what: &str) -> Result<PathBuf, RecordingError> {
    let rel = Path::new(relative);
    if rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return Ok(dir.join(rel));
    }
    Err(RecordingError::Read {
        path: dir.join(MANIFEST),
        reason: format!("{what} names the file {relative:?}, outside the recording"),
    })
}

/// The largest file a recording may hold (an entry or `manifest.json`): the
/// same as the default cap on a query answer, 512 MiB.
pub const ENTRY_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a file named by a manifest entry (see [`entry_path`]). The file must
/// be a regular file inside the recording once symlinks are resolved (a
/// symlink leading out of it is refused, and its target is never read), not a
/// FIFO or device (never opened, so a replay cannot hang), and at most
/// [`ENTRY_MAX_BYTES`] long.
pub fn read_entry(dir: &Path, relative: &str, what: &str) -> Result<Vec<u8>, RecordingError> {
    let path = entry_path(dir, relative, what)?;
    read_inside(dir, &path, relative, what, ENTRY_MAX_BYTES)
}

/// Reads `path`, a file of the recording `dir` named `relative`, under `cap`
/// bytes; see [`read_entry`].
fn read_inside(
    dir: &Path,
    path: &Path,
    relative: &str,
    what: &str,
    cap: u64,
) -> Result<Vec<u8>, RecordingError> {
    use std::io::Read;
    let fail = |reason: String| RecordingError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let io = |e: std::io::Error| fail(e.to_string());
    let root = dir.canonicalize().map_err(|e| RecordingError::Read {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let real = path.canonicalize().map_err(io)?;
    if !real.starts_with(&root) {
        return Err(fail(format!(
            "{what} names the file {relative:?}, a symlink leading outside the recording; \
             a replay reads only files inside it"
        )));
    }
    let kind = |meta: &std::fs::Metadata| -> Result<(), RecordingError> {
        if meta.is_file() {
            Ok(())
        } else {
            Err(fail(format!(
                "{what} names {relative:?}, which is not a regular file (a directory, FIFO, \
                 socket or device); a replay reads only regular files"
            )))
        }
    };
    let size = |len: u64| -> Result<(), RecordingError> {
        if len > cap {
            Err(fail(format!(
                "{what} names {relative:?}, larger than the {} MiB a recorded file may hold",
                cap / (1024 * 1024)
            )))
        } else {
            Ok(())
        }
    };
    let meta = std::fs::metadata(&real).map_err(io)?;
    kind(&meta)?;
    size(meta.len())?;
    // The file may have been replaced between the checks and the open: a
    // non-blocking open cannot hang on a FIFO put in its place, and the
    // opened file's own type is checked again.
    let file = open_nonblocking(&real).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    kind(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    size(bytes.len() as u64)?;
    Ok(bytes)
}

/// Opens a file for reading without waiting for a writer when it is a FIFO
/// (reads of a regular file are unaffected by `O_NONBLOCK`).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Writes the raw answers of a run into a directory (see the module doc);
/// every source writes into the same one. The manifest is rewritten (to a
/// temporary file, then renamed) after every answer, so an interrupted run
/// still leaves a readable recording.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    manifest: Mutex<Manifest>,
}

impl Recorder {
    /// Starts a recording in `dir`, creating it if needed. Refuses a directory
    /// that already holds a recording.
    pub fn create(dir: &Path) -> Result<Recorder, RecordingError> {
        let fail = |reason: String| RecordingError::Write {
            path: dir.to_path_buf(),
            reason,
        };
        if dir.join(MANIFEST).exists() {
            return Err(fail(
                "it already holds a recording; choose a new directory".into(),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let recorder = Recorder {
            dir: dir.to_path_buf(),
            manifest: Mutex::new(Manifest::new()),
        };
        recorder.write_manifest(&recorder.lock())?;
        Ok(recorder)
    }

    /// The recording directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A copy of the manifest as written so far.
    pub fn manifest(&self) -> Manifest {
        self.lock().clone()
    }

    /// Stores the scope the run asked for (see [`Manifest::scope`]).
    pub fn set_scope(&self, scope: RecordedScope) -> Result<(), RecordingError> {
        let mut manifest = self.lock();
        manifest.scope = Some(scope);
        self.write_manifest(&manifest)
    }

    /// Stores one Prometheus answer as `prometheus/NN-<family>.json`; `entry`'s
    /// `file` is set here.
    pub fn record_prometheus(
        &self,
        mut entry: PrometheusEntry,
        body: &[u8],
    ) -> Result<(), RecordingError> {
        let mut manifest = self.lock();
        entry.file = format!(
            "prometheus/{:02}-{}.json",
            manifest.prometheus.len(),
            entry.family
        );
        self.write_file(&entry.file, body)?;
        manifest.prometheus.push(entry);
        self.write_manifest(&manifest)
    }

    /// Stores one trace answer as `traces/NNN-<api>.json`; `entry`'s `file`
    /// is set here.
    pub fn record_trace(&self, mut entry: TraceEntry, body: &[u8]) -> Result<(), RecordingError> {
        let mut manifest = self.lock();
        let traces = manifest.traces.get_or_insert_with(Vec::new);
        entry.file = format!("traces/{:03}-{}.json", traces.len(), entry.api);
        self.write_file(&entry.file, body)?;
        traces.push(entry);
        self.write_manifest(&manifest)
    }

    /// Stores the objects read (JSON values) as `objects/objects.json`.
    pub fn record_objects(&self, objects: &[serde_json::Value]) -> Result<(), RecordingError> {
        let mut manifest = self.lock();
        let file = "objects/objects.json".to_string();
        let bytes = serde_json::to_vec_pretty(objects).expect("JSON values serialise");
        self.write_file(&file, &bytes)?;
        manifest
            .objects
            .get_or_insert_with(Vec::new)
            .push(ObjectsEntry {
                file,
                objects: objects.len(),
            });
        self.write_manifest(&manifest)
    }

    fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<(), RecordingError> {
        let path = self.dir.join(relative);
        let fail = |e: std::io::Error| RecordingError::Write {
            path: path.clone(),
            reason: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, bytes).map_err(fail)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Manifest> {
        self.manifest.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<(), RecordingError> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join(".manifest.json.tmp");
        let fail = |e: std::io::Error| RecordingError::Write {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut text = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
        text.push(b'\n');
        std::fs::write(&tmp, text).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO put where a recorded file was opens without waiting for a
    /// writer and shows as not regular: no writer ever comes, so a blocking
    /// open would never return (a regression hangs this test).
    #[cfg(unix)]
    #[test]
    fn opening_a_swapped_in_fifo_does_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answer.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let file = open_nonblocking(&path).unwrap();
        assert!(!file.metadata().unwrap().is_file());
    }

    #[test]
    fn manifests_written_before_the_typed_sections_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let old = r#"{
  "format": "meshgraph-recording",
  "format_version": 1,
  "meshgraph_version": "0.1.0",
  "prometheus": [],
  "scope": {"namespaces": [], "at": 1764036000.0, "window_seconds": 300.0},
  "objects": [{"file": "objects/objects.json", "objects": 2}],
  "traces": [{"api": "jaeger-v3", "path": "/api/v3/traces", "query": [["a", "b"]], "status": 200, "file": "traces/000-jaeger-v3.json"}],
  "future": {"x": 1}
}"#;
        std::fs::write(dir.path().join(MANIFEST), old).unwrap();
        let manifest = Manifest::read(dir.path()).unwrap();
        assert_eq!(manifest.objects.as_ref().unwrap()[0].objects, 2);
        assert_eq!(manifest.traces.as_ref().unwrap()[0].query[0].1, "b");
        assert!(manifest.other.contains_key("future"));
        let again: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&manifest).unwrap()).unwrap();
        let old: serde_json::Value = serde_json::from_str(old).unwrap();
        assert_eq!(again, old, "read and written again, nothing changes");
    }

    #[test]
    fn every_source_writes_into_one_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path()).unwrap();
        assert!(Recorder::create(dir.path()).is_err());
        let entry = PrometheusEntry {
            family: "requests".into(),
            series_name: "istio_requests_total".into(),
            query: "q".into(),
            time: 1.0,
            window: "300s".into(),
            file: String::new(),
            part: None,
        };
        recorder.record_prometheus(entry, b"{}").unwrap();
        let trace = TraceEntry {
            api: "jaeger-v3".into(),
            path: "/api/v3/traces".into(),
            query: Vec::new(),
            status: 200,
            file: String::new(),
        };
        recorder.record_trace(trace.clone(), b"{}").unwrap();
        recorder.record_trace(trace, b"{}").unwrap();
        recorder
            .record_objects(&[serde_json::json!({"kind": "Namespace"})])
            .unwrap();
        let manifest = Manifest::read(dir.path()).unwrap();
        assert_eq!(manifest, recorder.manifest());
        assert_eq!(manifest.prometheus[0].file, "prometheus/00-requests.json");
        assert_eq!(
            manifest.traces.unwrap()[1].file,
            "traces/001-jaeger-v3.json"
        );
        assert_eq!(manifest.objects.unwrap()[0].objects, 1);
        assert!(read_entry(dir.path(), "traces/000-jaeger-v3.json", "x").is_ok());
        let e = read_entry(dir.path(), "../x", "an entry").unwrap_err();
        assert!(e.to_string().contains("outside the recording"), "{e}");
    }
}
