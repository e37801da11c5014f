//! Replaying the Prometheus answers of a recording offline.
//!
//! The recording itself (directory, `manifest.json`, the [`Recorder`] every
//! source writes into) is `meshgraph-source`'s (see
//! [`meshgraph_source::record`]); this collector writes its answers into the
//! manifest's `prometheus` section, one [`PrometheusEntry`] per query:
//! `family` is the query's file name without `.promql`, `query` the exact
//! text sent, `time` the `time` parameter (unix seconds). The exemplar answer,
//! when the server gave one, is one more entry with the family
//! [`EXEMPLARS_FAMILY`] (`time` is the end of its range, `window` its
//! length); recordings without it replay without exemplars, quietly.

use std::path::Path;
use std::time::Instant;

use meshgraph_model::Metric;
use meshgraph_source::record::read_entry;
use meshgraph_source::{Manifest, PrometheusEntry};

use crate::exemplars::{EXEMPLARS_FAMILY, decode_exemplars};
use crate::queries::family_name;
use crate::{CollectError, Collected, Decoded, FamilyDecoder, QueryPlan, add, add_exemplars};

pub use meshgraph_source::record::{FORMAT, FORMAT_VERSION, MANIFEST};
pub use meshgraph_source::{RecordedScope, Recorder};

/// The family of a recorded answer as a [`Metric`], when this version knows it.
pub fn entry_metric(entry: &PrometheusEntry) -> Option<Metric> {
    Metric::ALL
        .into_iter()
        .find(|m| family_name(*m) == entry.family)
}

/// Decodes a recording made by [`Recorder`] with the same decoder, without
/// network. The plan is used to warn when the recorded queries differ from the
/// ones it would send (another `-n`, `--window` or `--queries-dir`); the
/// recorded answers are used as they are. The recorded evaluation time is in
/// [`Manifest::read`]`(dir)?.prometheus[_].time`.
pub fn replay(dir: &Path, plan: &QueryPlan) -> Result<Collected, CollectError> {
    // A family read from its recorded series was asked for as such.
    let mut expected: Vec<(Metric, Vec<String>)> = Vec::new();
    for query in plan.render()? {
        let recorded = plan.recorded_query(&query);
        let texts = std::iter::once(query.query).chain(recorded);
        match expected.last_mut() {
            Some((metric, known)) if *metric == query.metric => known.extend(texts),
            _ => expected.push((query.metric, texts.collect())),
        }
    }
    replay_answers(dir, &expected)
}

/// Reads a recording's answers as they were recorded, without comparing
/// them with the queries a run would send now (see [`replay`]).
pub fn replay_recorded(dir: &Path) -> Result<Collected, CollectError> {
    let expected: Vec<(Metric, Vec<String>)> =
        Metric::ALL.into_iter().map(|m| (m, Vec::new())).collect();
    replay_answers(dir, &expected)
}

/// Replays one answer per family (one entry, or the entries of its parts);
/// where query texts are given, a recorded query that is none of them is
/// reported in a warning.
fn replay_answers(
    dir: &Path,
    expected: &[(Metric, Vec<String>)],
) -> Result<Collected, CollectError> {
    let started = Instant::now();
    let manifest = Manifest::read(dir)?;
    let mut collected = Collected::default();
    let mut differs = Vec::new();
    // The answers to read, in the families' order.
    let mut answers: Vec<(Metric, Vec<&PrometheusEntry>)> = Vec::new();
    for (metric, queries) in expected {
        let family = family_name(*metric);
        let entries = family_entries(&manifest, *metric);
        if entries.is_empty() {
            collected.warnings.push(format!(
                "the recording {} has no {family} answer; those series are missing",
                dir.display()
            ));
            continue;
        }
        let recorded_name = crate::queries::recorded_name(*metric);
        if entries.iter().any(|e| e.query.contains(&recorded_name)) {
            collected.stats.recorded += 1;
        }
        if !queries.is_empty() && entries.iter().any(|e| !queries.contains(&e.query)) {
            differs.push(family);
        }
        collected.stats.queries += entries.len();
        answers.push((*metric, entries));
    }
    for decoded in read_and_decode(dir, &answers)? {
        add(&mut collected, decoded);
    }
    if let Some(entry) = manifest
        .prometheus
        .iter()
        .rev()
        .find(|e| e.family == EXEMPLARS_FAMILY)
    {
        let body = read_entry(dir, &entry.file, "the exemplar entry")?;
        let path = dir.join(&entry.file);
        add_exemplars(
            &mut collected,
            decode_exemplars(&body, &path.display().to_string()),
        );
    }
    for entry in &manifest.prometheus {
        if entry_metric(entry).is_none() && entry.family != EXEMPLARS_FAMILY {
            collected.warnings.push(format!(
                "the recording {} has an answer for the unknown family {:?} (from meshgraph {}); ignored",
                dir.display(),
                entry.family,
                manifest.meshgraph_version
            ));
        }
    }
    if !differs.is_empty() {
        collected.warnings.push(format!(
            "the recorded queries for {} differ from the ones this run would send (other -n, --window or --queries-dir?); the recorded answers are used as they are",
            differs.join(", ")
        ));
    }
    collected.stats.wall_time = started.elapsed();
    collected.summary = Some(collected.stats.summary_line());
    Ok(collected)
}

/// A family's recorded answer: the last entry of the family, or, when that
/// one is a part, the last entry of each of the family's parts, in the
/// order they were recorded.
fn family_entries(manifest: &Manifest, metric: Metric) -> Vec<&PrometheusEntry> {
    let of_family = || {
        manifest
            .prometheus
            .iter()
            .filter(move |e| entry_metric(e) == Some(metric))
    };
    let Some(last) = of_family().next_back() else {
        return Vec::new();
    };
    if last.part.is_none() {
        return vec![last];
    }
    let mut parts: Vec<&PrometheusEntry> = Vec::new();
    for entry in of_family().filter(|e| e.part.is_some()) {
        match parts.iter_mut().find(|kept| kept.part == entry.part) {
            Some(kept) => *kept = entry,
            None => parts.push(entry),
        }
    }
    parts
}

/// Reads and decodes the recorded answers of each family (one, or its
/// parts one after the other into one [`FamilyDecoder`]) on up to
/// [`REPLAY_THREADS`] threads, the largest family first, and returns the
/// families in the order given. One family is often most of the bytes (the
/// latency buckets, 60 % of a large mesh's), so the others are read and
/// decoded beside it instead of after it; each thread holds one answer's
/// bytes at a time.
fn read_and_decode(
    dir: &Path,
    answers: &[(Metric, Vec<&PrometheusEntry>)],
) -> Result<Vec<Decoded>, CollectError> {
    let size = |entries: &[&PrometheusEntry]| -> u64 {
        entries
            .iter()
            .map(|e| std::fs::metadata(dir.join(&e.file)).map_or(0, |m| m.len()))
            .sum()
    };
    let mut order: Vec<usize> = (0..answers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&answers[i].1)));
    let next = std::sync::Mutex::new(order.into_iter());
    let slots: Vec<std::sync::Mutex<Option<Result<Decoded, CollectError>>>> = answers
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let one = |i: usize| -> Result<Decoded, CollectError> {
        let (metric, entries) = &answers[i];
        let what = format!("the entry for {}", family_name(*metric));
        let mut family = FamilyDecoder::new(*metric);
        for entry in entries {
            let body = read_entry(dir, &entry.file, &what)?;
            family.add(&body, &dir.join(&entry.file).display().to_string())?;
        }
        Ok(family.finish())
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, REPLAY_THREADS);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let Some(i) = next.lock().expect("not poisoned").next() else {
                        break;
                    };
                    // Every answer is read even after a failure, so the one
                    // reported is the first in order, as one by one.
                    *slots[i].lock().expect("not poisoned") = Some(one(i));
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner().expect("not poisoned").unwrap_or_else(|| {
                Err(CollectError::Config(
                    "a recorded answer was not read (a replay thread stopped)".into(),
                ))
            })
        })
        .collect()
}

/// At most this many threads read and decode a recording's answers: two
/// keep the largest answer's bytes beside the others' series within the
/// memory a million-series replay is allowed (docs/benchmarks.md).
const REPLAY_THREADS: usize = 2;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use meshgraph_model::Observation;

    use super::*;

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

    /// Records every family's answer, `body(metric)`, with the query `q`.
    fn record_all(recorder: &Recorder, body: impl Fn(Metric) -> Vec<u8>) {
        for metric in Metric::ALL {
            let entry = PrometheusEntry {
                family: family_name(metric).into(),
                series_name: metric.series_name().into(),
                query: "q".into(),
                time: 1.0,
                window: "300s".into(),
                file: String::new(),
                part: None,
            };
            recorder.record_prometheus(entry, &body(metric)).unwrap();
        }
    }

    /// One requests series for the workload `name`.
    fn answer(name: &str) -> Vec<u8> {
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"reporter":"destination","destination_workload":"{name}"}},"value":[1,"1"]}}]}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn answers_read_ahead_come_back_in_order_and_the_first_failure_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path()).unwrap();
        record_all(&recorder, |metric| match metric {
            Metric::RequestDurationBucket => EMPTY.to_vec(),
            m => answer(family_name(m)),
        });
        let replayed = replay_recorded(dir.path()).unwrap();
        let order: Vec<&str> = replayed
            .observations
            .iter()
            .map(|o| o.destination.workload.as_str())
            .collect();
        let expected: Vec<&str> = Metric::ALL
            .into_iter()
            .filter(|m| *m != Metric::RequestDurationBucket)
            .map(family_name)
            .collect();
        assert_eq!(order, expected);
        assert_eq!(replayed.stats.queries, 10);

        // The third answer garbled and the fifth gone: the third is named.
        let manifest = Manifest::read(dir.path()).unwrap();
        let (third, fifth) = (&manifest.prometheus[2].file, &manifest.prometheus[4].file);
        std::fs::write(dir.path().join(third), b"{\"status\":\"succ").unwrap();
        std::fs::remove_file(dir.path().join(fifth)).unwrap();
        let e = replay_recorded(dir.path()).unwrap_err().to_string();
        assert!(e.contains(third.as_str()), "{e}");
        // Only the fifth gone: it is named.
        std::fs::write(dir.path().join(third), answer("back")).unwrap();
        let e = replay_recorded(dir.path()).unwrap_err().to_string();
        assert!(e.contains(fifth.as_str()), "{e}");
    }

    /// One latency series of the histogram of `workload` for each bound.
    fn buckets(workload: &str, bounds: &[(&str, f64)]) -> Vec<u8> {
        let series: Vec<String> = bounds
            .iter()
            .map(|(le, rate)| {
                format!(
                    r#"{{"metric":{{"reporter":"destination","destination_workload":"{workload}","le":"{le}"}},"value":[1,"{rate}"]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            series.join(",")
        )
        .into_bytes()
    }

    fn record_part(recorder: &Recorder, part: &str, body: &[u8]) {
        let metric = Metric::RequestDurationBucket;
        let entry = PrometheusEntry {
            family: family_name(metric).into(),
            series_name: metric.series_name().into(),
            query: format!("q{{{part}}}"),
            time: 1.0,
            window: "300s".into(),
            file: String::new(),
            part: Some(part.into()),
        };
        recorder.record_prometheus(entry, body).unwrap();
    }

    /// A family recorded in parts replays as one answer, its histograms
    /// folded across the parts; a part recorded again counts once (its
    /// last answer), and a whole answer recorded before the parts is not
    /// read.
    #[test]
    fn a_family_recorded_in_parts_replays_as_one_answer() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path()).unwrap();
        record_all(&recorder, |metric| match metric {
            Metric::RequestDurationBucket => buckets("stale", &[("+Inf", 9.0)]),
            m => answer(family_name(m)),
        });
        record_part(&recorder, "le=~\"10\"", &buckets("a", &[("10", 0.5)]));
        record_part(
            &recorder,
            "le!~\"10\"",
            &buckets("a", &[("100", 1.5), ("+Inf", 2.0)]),
        );
        record_part(&recorder, "le=~\"10\"", &buckets("a", &[("10", 1.0)]));
        let replayed = replay_recorded(dir.path()).unwrap();
        assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
        let histograms: Vec<&Observation> = replayed
            .observations
            .iter()
            .filter(|o| o.metric == Metric::RequestDurationBucket)
            .collect();
        assert_eq!(histograms.len(), 1, "{histograms:?}");
        assert_eq!(histograms[0].destination.workload, "a");
        assert_eq!(
            histograms[0].buckets,
            vec![(10.0, 1.0), (100.0, 1.5), (f64::INFINITY, 2.0)]
        );
        assert_eq!(histograms[0].value, 2.0);
        // Nine whole families and the two parts read.
        assert_eq!(replayed.stats.queries, 11);
        assert_eq!(replayed.stats.series, 9 + 1 + 2);
        // The families stay in order, the histogram second.
        assert_eq!(
            replayed.observations[1].metric,
            Metric::RequestDurationBucket
        );
    }

    #[test]
    fn recordings_keep_other_keys_and_refuse_escaping_paths() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::create(dir.path()).unwrap();
        record_all(&recorder, |_| EMPTY.to_vec());
        let trace = meshgraph_source::TraceEntry {
            api: "jaeger-v3".into(),
            file: String::new(),
            path: "/api/v3/traces".into(),
            query: Vec::new(),
            status: 200,
        };
        recorder.record_trace(trace, b"{}").unwrap();
        let manifest = Manifest::read(dir.path()).unwrap();
        assert_eq!(manifest.prometheus.len(), 10);
        assert_eq!(
            manifest.prometheus[1].file,
            "prometheus/01-request_duration_bucket.json"
        );
        assert!(manifest.traces.is_some());

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
