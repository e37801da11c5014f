//! Recording the raw answers of a run, and replaying them offline.
//!
//! A recording is a directory:
//!
//! ```text
//! DIR/manifest.json
//! DIR/prometheus/00-requests.json      exact bytes of each /api/v1/query answer
//! DIR/prometheus/01-request_duration_bucket.json
//! ...
//! ```
//!
//! `manifest.json` is one JSON object:
//!
//! ```json
//! {
//!   "format": "meshgraph-recording",
//!   "format_version": 1,
//!   "meshgraph_version": "0.1.0",
//!   "prometheus": [
//!     { "family": "requests", "series_name": "istio_requests_total",
//!       "query": "sum by (reporter, ...) (rate(...[300s]))",
//!       "time": 1764036000.0, "window": "300s", "file": "prometheus/00-requests.json" }
//!   ]
//! }
//! ```
//!
//! - `family` is the query's file name without `.promql`; `query` is the exact
//!   text sent; `time` is the `time` parameter (unix seconds); `file` is
//!   relative to DIR.
//! - Other collectors add their own top-level keys (`traces`, `objects`, ...);
//!   readers ignore keys they do not know and keep them when rewriting.
//! - A recording never holds a credential, a request header or the server URL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use meshgraph_model::Metric;
use serde::{Deserialize, Serialize};

use crate::CollectError;
use crate::queries::family_name;

/// The manifest's file name inside a recording.
pub const MANIFEST: &str = "manifest.json";
/// The `format` value of a manifest.
pub const FORMAT: &str = "meshgraph-recording";
/// The manifest format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// `manifest.json` (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub meshgraph_version: String,
    #[serde(default)]
    pub prometheus: Vec<PrometheusEntry>,
    /// What the run asked for (`-n`, `--at`, `--window`), so a replay can
    /// default to it. Absent in recordings made before it was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RecordedScope>,
    /// Keys written by other collectors, kept as they are.
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

impl Manifest {
    /// The recorded scope; for recordings made before it was written, the time
    /// and window of the first query (namespaces unknown: `None`).
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

/// One recorded query answer.
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
}

impl PrometheusEntry {
    /// The family as a [`Metric`], when this version knows it.
    pub fn metric(&self) -> Option<Metric> {
        Metric::ALL
            .into_iter()
            .find(|m| family_name(*m) == self.family)
    }
}

impl Manifest {
    fn new() -> Self {
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            meshgraph_version: env!("CARGO_PKG_VERSION").into(),
            prometheus: Vec::new(),
            scope: None,
            other: BTreeMap::new(),
        }
    }

    /// Reads and checks `DIR/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, CollectError> {
        let path = dir.join(MANIFEST);
        let fail = |reason: String| CollectError::Replay {
            path: path.clone(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            fail(if e.kind() == std::io::ErrorKind::NotFound {
                "there is no manifest.json: is this a directory written by `meshgraph record`?"
                    .into()
            } else {
                e.to_string()
            })
        })?;
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
}

/// Writes the raw answers of a run into a directory (see the module doc). The
/// manifest is rewritten (to a temporary file, then renamed) after every
/// answer, so an interrupted run still leaves a readable recording.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    manifest: Mutex<Manifest>,
}

impl Recorder {
    /// Starts a recording in `dir`, creating it if needed. Refuses a directory
    /// that already holds a recording.
    pub fn create(dir: &Path) -> Result<Recorder, CollectError> {
        let fail = |reason: String| CollectError::Record {
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

    /// Stores one answer and its manifest entry.
    pub(crate) fn record_prometheus(
        &self,
        metric: Metric,
        query: &str,
        time: f64,
        window: &str,
        body: &[u8],
    ) -> Result<(), CollectError> {
        let mut manifest = self.lock();
        let file = format!(
            "prometheus/{:02}-{}.json",
            manifest.prometheus.len(),
            family_name(metric)
        );
        self.write_file(&file, body)?;
        manifest.prometheus.push(PrometheusEntry {
            family: family_name(metric).into(),
            series_name: metric.series_name().into(),
            query: query.into(),
            time,
            window: window.into(),
            file,
        });
        self.write_manifest(&manifest)
    }

    /// Stores the scope the run asked for (see [`Manifest::scope`]).
    pub fn set_scope(&self, scope: RecordedScope) -> Result<(), CollectError> {
        let mut manifest = self.lock();
        manifest.scope = Some(scope);
        self.write_manifest(&manifest)
    }

    /// For other collectors: stores `bytes` at `relative` (a path inside the
    /// recording, e.g. `traces/0.json`).
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<(), CollectError> {
        let path = self.dir.join(relative);
        let fail = |e: std::io::Error| CollectError::Record {
            path: path.clone(),
            reason: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, bytes).map_err(fail)
    }

    /// For other collectors: appends `entry` to the top-level array `key`
    /// (created if missing) and rewrites the manifest. `prometheus` is reserved.
    pub fn add_entry(&self, key: &str, entry: serde_json::Value) -> Result<(), CollectError> {
        let mut manifest = self.lock();
        if key == "prometheus" || matches!(key, "format" | "format_version" | "meshgraph_version") {
            return Err(CollectError::Record {
                path: self.dir.join(MANIFEST),
                reason: format!("the manifest key {key:?} is reserved"),
            });
        }
        let slot = manifest
            .other
            .entry(key.to_string())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        match slot {
            serde_json::Value::Array(list) => list.push(entry),
            other => *other = serde_json::Value::Array(vec![entry]),
        }
        self.write_manifest(&manifest)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Manifest> {
        self.manifest.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<(), CollectError> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join(".manifest.json.tmp");
        let fail = |e: std::io::Error| CollectError::Record {
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
    use std::time::Duration;

    use super::*;
    use crate::{QueryPlan, replay};

    fn plan() -> QueryPlan {
        QueryPlan::new(1_764_547_080.0, Duration::from_secs(300))
    }

    const EMPTY: &[u8] = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

    #[test]
    fn a_missing_or_garbled_manifest_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let e = replay(dir.path(), &plan()).unwrap_err().to_string();
        assert!(
            e.contains(&dir.path().join(MANIFEST).display().to_string()),
            "{e}"
        );
        assert!(e.contains("meshgraph record"), "{e}");
        std::fs::write(dir.path().join(MANIFEST), "{\"format\": ").unwrap();
        let e = replay(dir.path(), &plan()).unwrap_err().to_string();
        assert!(
            e.contains(&dir.path().join(MANIFEST).display().to_string())
                && e.contains("not a meshgraph"),
            "{e}"
        );
        std::fs::write(
            dir.path().join(MANIFEST),
            r#"{"format":"x","format_version":1,"meshgraph_version":"0"}"#,
        )
        .unwrap();
        assert!(
            replay(dir.path(), &plan())
                .unwrap_err()
                .to_string()
                .contains("expected \"meshgraph-recording\"")
        );
    }

    #[test]
    fn recordings_keep_other_keys_and_refuse_escaping_paths() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path()).unwrap();
        for metric in Metric::ALL {
            recorder
                .record_prometheus(metric, "q", 1.0, "300s", EMPTY)
                .unwrap();
        }
        recorder.write_file("traces/0.json", b"{}").unwrap();
        recorder
            .add_entry("traces", serde_json::json!({"file": "traces/0.json"}))
            .unwrap();
        assert!(
            recorder
                .add_entry("prometheus", serde_json::json!({}))
                .is_err()
        );
        let manifest = Manifest::read(dir.path()).unwrap();
        assert_eq!(manifest.prometheus.len(), 10);
        assert_eq!(
            manifest.prometheus[1].file,
            "prometheus/01-request_duration_bucket.json"
        );
        assert!(manifest.other.contains_key("traces"));

        let replayed = replay(dir.path(), &plan()).unwrap();
        assert_eq!(replayed.stats.queries, 10);
        assert!(
            replayed.warnings.iter().any(|w| w.contains("differ")),
            "{:?}",
            replayed.warnings
        );

        let mut bad = manifest.clone();
        bad.prometheus[0].file = "../../etc/passwd".into();
        std::fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&bad).unwrap()).unwrap();
        let e = replay(dir.path(), &plan()).unwrap_err().to_string();
        assert!(e.contains("outside the recording"), "{e}");

        let mut missing = manifest.clone();
        missing.prometheus[0].file = "prometheus/nope.json".into();
        missing.prometheus.truncate(5);
        std::fs::write(
            dir.path().join(MANIFEST),
            serde_json::to_vec(&missing).unwrap(),
        )
        .unwrap();
        let e = replay(dir.path(), &plan()).unwrap_err().to_string();
        assert!(e.contains("prometheus/nope.json"), "{e}");

        missing.prometheus.remove(0);
        std::fs::write(
            dir.path().join(MANIFEST),
            serde_json::to_vec(&missing).unwrap(),
        )
        .unwrap();
        let partial = replay(dir.path(), &plan()).unwrap();
        assert_eq!(partial.stats.queries, 4);
        assert_eq!(
            partial
                .warnings
                .iter()
                .filter(|w| w.contains("has no"))
                .count(),
            6
        );
    }
}
