//! Recording trace answers into a meshgraph recording, and replaying them.
//!
//! A recording is the directory `meshgraph record DIR` writes; its
//! `manifest.json` is owned by `meshgraph-prometheus`' `Recorder`, which
//! keeps keys written by other collectors. This crate adds its answers under
//! the top-level `"traces"` key:
//!
//! ```json
//! {
//!   "format": "meshgraph-recording",
//!   "format_version": 1,
//!   "meshgraph_version": "0.1.0",
//!   "prometheus": [ ... ],
//!   "traces": [
//!     { "api": "jaeger-v3", "path": "/api/v3/traces",
//!       "query": [["query.service_name", "productpage.bookinfo"], ["query.start_time_min", "..."]],
//!       "status": 200, "file": "traces/000-jaeger-v3.json" }
//!   ]
//! }
//! ```
//!
//! - `api` is `jaeger-v3`, `jaeger-v1`, `tempo-search` or `tempo-trace`;
//!   `path` is relative to the backend's base URL and `query` is the query
//!   string as sent (never the server URL, a credential or a header);
//!   `status` is 200 or 404 (Jaeger v3's "no traces"); `file` is relative to
//!   the recording directory and holds the exact bytes received.
//! - Writing goes through [`RecordSink`], which the binary implements for
//!   the Prometheus `Recorder` (whose `write_file` and `add_entry` have the
//!   same shape): this crate may not depend on another collector.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::{Decoded, TracesCollected, TracesError, decode, from_decoded};

/// The manifest key under which trace answers are listed.
pub const KEY: &str = "traces";
/// The manifest's file name inside a recording.
pub const MANIFEST: &str = "manifest.json";
/// The `format` value of a manifest.
pub const FORMAT: &str = "meshgraph-recording";
/// The newest manifest format this version reads.
pub const FORMAT_VERSION: u32 = 1;

/// Where a run's answers are written: the recording of the whole run.
pub trait RecordSink: Send + Sync {
    /// Stores `bytes` at `relative` (a path inside the recording, such as
    /// `traces/000-jaeger-v3.json`).
    fn write_file(
        &self,
        relative: &str,
        bytes: &[u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

    /// Appends `entry` to the manifest's top-level array `key`.
    fn add_entry(
        &self,
        key: &str,
        entry: serde_json::Value,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// One recorded answer (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub api: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub status: u16,
    pub file: String,
}

/// Writes one answer and its entry; `index` numbers the files of a run.
pub(crate) fn record(
    sink: &dyn RecordSink,
    index: usize,
    api: &str,
    path: &str,
    query: &[(&str, String)],
    status: u16,
    body: &[u8],
) -> Result<(), TracesError> {
    let file = format!("traces/{index:03}-{api}.json");
    sink.write_file(&file, body)
        .map_err(|e| TracesError::Record(e.to_string()))?;
    let entry = TraceEntry {
        api: api.into(),
        path: path.into(),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        status,
        file,
    };
    sink.add_entry(
        KEY,
        serde_json::to_value(entry).expect("an entry serialises"),
    )
    .map_err(|e| TracesError::Record(e.to_string()))
}

#[derive(Deserialize)]
struct Manifest {
    format: String,
    format_version: u32,
    #[serde(default)]
    meshgraph_version: String,
    #[serde(default)]
    traces: Option<Vec<TraceEntry>>,
}

/// Decodes the trace answers of a recording again, without network. A
/// recording without trace answers gives no calls and a warning.
pub fn replay(dir: &Path) -> Result<TracesCollected, TracesError> {
    let started = Instant::now();
    let path = dir.join(MANIFEST);
    let fail = |reason: String| TracesError::Replay {
        path: path.clone(),
        reason,
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        fail(if e.kind() == std::io::ErrorKind::NotFound {
            "there is no manifest.json: is this a directory written by `meshgraph record`?".into()
        } else {
            e.to_string()
        })
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| fail(format!("not a meshgraph recording manifest: {e}")))?;
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
    let Some(entries) = manifest.traces else {
        return Ok(TracesCollected {
            warnings: vec![format!(
                "the recording {} holds no trace answers; no calls from traces",
                dir.display()
            )],
            ..Default::default()
        });
    };
    let mut answers: Vec<Decoded> = Vec::new();
    let mut read = 0;
    for entry in &entries {
        let file = safe_join(dir, &entry.file).ok_or_else(|| {
            fail(format!(
                "an entry names the file {:?}, outside the recording",
                entry.file
            ))
        })?;
        read += 1;
        // 404s are Jaeger's "no traces"; search answers only led to the traces.
        if entry.status != 200 || entry.api == "tempo-search" {
            continue;
        }
        let body = std::fs::read(&file).map_err(|e| TracesError::Replay {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        answers.push(decode(&body, &file.display().to_string())?);
    }
    let mut collected = from_decoded(answers);
    if let Some(first) = entries.first() {
        collected.stats.api = Some(api_family(&first.api).into());
    }
    collected.stats.requests = read;
    collected.stats.wall_time = started.elapsed();
    Ok(collected)
}

fn api_family(api: &str) -> &str {
    if api.starts_with("tempo") {
        "tempo"
    } else {
        api
    }
}

/// `dir/relative`, refusing absolute paths and `..`.
fn safe_join(dir: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    rel.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| dir.join(rel))
}
