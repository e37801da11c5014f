//! Replaying the trace answers of a recording.
//!
//! The recording (directory, `manifest.json`, the [`Recorder`] every source
//! writes into) is `meshgraph-source`'s (see [`meshgraph_source::record`]);
//! [`collect`](crate::collect) writes each answer into the manifest's
//! `traces` section, one [`TraceEntry`] per answer:
//!
//! - `api` is `jaeger-v3`, `jaeger-v1`, `tempo-search` or `tempo-trace`;
//!   `path` is relative to the backend's base URL and `query` is the query
//!   string as sent (never the server URL, a credential or a header);
//!   `status` is 200 or 404 (Jaeger v3's "no traces"); `file` holds the
//!   exact bytes received.

use std::path::Path;
use std::time::Instant;

use meshgraph_source::record::{entry_path, read_entry};
use meshgraph_source::{Manifest, Outcome};

pub use meshgraph_source::{Recorder, TraceEntry};

use crate::{Decoded, TracesCollected, TracesError, decode, from_decoded, summarized};

/// Decodes the trace answers of a recording again, without network. A
/// recording without trace answers gives no calls and a warning.
pub fn replay(dir: &Path) -> Result<TracesCollected, TracesError> {
    let started = Instant::now();
    let manifest = Manifest::read(dir)?;
    let Some(entries) = manifest.traces else {
        let mut none = Outcome::default();
        none.warnings.push(format!(
            "the recording {} holds no trace answers; no calls from traces",
            dir.display()
        ));
        return Ok(none);
    };
    let mut answers: Vec<Decoded> = Vec::new();
    let mut read = 0;
    for entry in &entries {
        let file = entry_path(dir, &entry.file, "an entry")?;
        read += 1;
        // 404s are Jaeger's "no traces"; search answers only led to the traces.
        if entry.status != 200 || entry.api == "tempo-search" {
            continue;
        }
        let body = read_entry(dir, &entry.file, "an entry")?;
        answers.push(decode(&body, &file.display().to_string())?);
    }
    let mut collected = from_decoded(answers);
    if let Some(first) = entries.first() {
        collected.stats.api = Some(api_family(&first.api).into());
    }
    collected.stats.requests = read;
    collected.stats.wall_time = started.elapsed();
    Ok(summarized(collected))
}

fn api_family(api: &str) -> &str {
    if api.starts_with("tempo") {
        "tempo"
    } else {
        api
    }
}
