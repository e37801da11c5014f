//! The history store on real Parquet files: append, concurrent append, a
//! crash mid-append, schema upgrade, bad files, prune, ingest of a snapshot.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use meshgraph_history::store::TABLES;
use meshgraph_history::{Appended, HistoryStore, RunRecord, SCHEMA_VERSION};
use polars::prelude::*;

fn run_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for part in std::fs::read_dir(root.join("runs")).unwrap().flatten() {
        if part.path().is_dir() {
            for run in std::fs::read_dir(part.path()).unwrap().flatten() {
                out.push(run.path());
            }
        }
    }
    out.sort();
    out
}

fn f64_at(df: &DataFrame, name: &str, i: usize) -> Option<f64> {
    df.column(name).unwrap().f64().unwrap().get(i)
}

fn str_at(df: &DataFrame, name: &str, i: usize) -> Option<String> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .get(i)
        .map(str::to_string)
}

#[test]
fn a_run_appended_reads_back_with_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    let mut e = edge(
        "workload:shop/cart-v1",
        "workload:shop/checkout-v1",
        5.0,
        0.1,
        42.0,
    );
    e.via_waypoint = Some("shop/waypoint".into());
    e.rates_from = Some("waypoint".into());
    e.cluster = Some("east".into());
    e.protocol = "grpc".into();
    e.mtls = Some(0.75);
    e.trace_spans = Some(12);
    let record = run(
        night(3),
        vec![e],
        vec![finding("MG101", "error", "shop/cart")],
    );
    let appended = store.append(&record).unwrap();
    let Appended::Added(stored) = appended else {
        panic!("not added: {appended:?}")
    };
    assert!(
        stored
            .dir
            .starts_with(dir.path().join("runs/date=2026-11-04")),
        "{}",
        stored.dir.display()
    );
    for table in TABLES {
        assert!(stored.dir.join(format!("{table}.parquet")).is_file());
    }
    let loaded = store.load(None, None).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.runs.len(), 1);
    let edges = &loaded.edges;
    assert_eq!(edges.height(), 1);
    assert_eq!(f64_at(edges, "rps", 0), Some(5.0));
    assert_eq!(f64_at(edges, "error_rps", 0), Some(0.1));
    assert_eq!(f64_at(edges, "latency_p99_ms", 0), Some(42.0));
    assert_eq!(f64_at(edges, "mtls", 0), Some(0.75));
    assert_eq!(
        str_at(edges, "via_waypoint", 0).as_deref(),
        Some("shop/waypoint")
    );
    assert_eq!(str_at(edges, "rates_from", 0).as_deref(), Some("waypoint"));
    assert_eq!(str_at(edges, "cluster", 0).as_deref(), Some("east"));
    assert_eq!(str_at(edges, "protocol", 0).as_deref(), Some("grpc"));
    assert_eq!(
        str_at(edges, "target_namespace", 0).as_deref(),
        Some("shop")
    );
    assert_eq!(
        edges.column("trace_spans").unwrap().i64().unwrap().get(0),
        Some(12)
    );
    assert_eq!(loaded.nodes.height(), 2);
    assert_eq!(
        str_at(&loaded.findings, "code", 0).as_deref(),
        Some("MG101")
    );
    assert_eq!(
        str_at(&loaded.findings, "severity", 0).as_deref(),
        Some("error")
    );
    // The same run again is recognised, not doubled.
    assert!(matches!(
        store.append(&record).unwrap(),
        Appended::AlreadyThere(_)
    ));
    assert_eq!(run_dirs(dir.path()).len(), 1);
}

#[test]
fn load_takes_the_newest_runs_up_to_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    for i in 0..6 {
        let r = run(
            night(i),
            vec![edge(
                "workload:a/x",
                "workload:b/y",
                i as f64 + 1.0,
                0.0,
                10.0,
            )],
            vec![],
        );
        store.append(&r).unwrap();
    }
    let loaded = store.load(Some(3), Some(night(4))).unwrap();
    let ats: Vec<i64> = loaded.runs.iter().map(|r| r.at).collect();
    assert_eq!(ats, vec![night(2), night(3), night(4)]);
    let mut rps: Vec<f64> = loaded
        .edges
        .column("rps")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    rps.sort_by(f64::total_cmp);
    assert_eq!(rps, vec![3.0, 4.0, 5.0]);
}

#[test]
fn concurrent_appends_from_threads_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let root = root.clone();
            std::thread::spawn(move || {
                let store = HistoryStore::new(&root);
                for k in 0..3 {
                    // Several threads append runs of the same night.
                    let r = run(
                        night(k) + t,
                        vec![edge(
                            "workload:a/x",
                            "workload:b/y",
                            (t * 10 + k) as f64,
                            0.0,
                            5.0,
                        )],
                        vec![],
                    );
                    assert!(matches!(store.append(&r).unwrap(), Appended::Added(_)));
                }
                // And one identical run that every thread appends.
                let same = run(
                    night(9),
                    vec![edge("workload:a/x", "workload:b/y", 1.0, 0.0, 5.0)],
                    vec![],
                );
                store.append(&same).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = HistoryStore::new(&root);
    let loaded = store.load(None, None).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.runs.len(), 8 * 3 + 1);
    assert_eq!(loaded.edges.height(), 8 * 3 + 1);
    // Nothing left in tmp/.
    let left: Vec<_> = std::fs::read_dir(root.join("tmp"))
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_run_that_died_mid_append_is_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    store
        .append(&run(
            night(0),
            vec![edge("workload:a/x", "workload:b/y", 1.0, 0.0, 5.0)],
            vec![],
        ))
        .unwrap();
    // Dies after writing every file, before the rename.
    let dying = run(
        night(1),
        vec![edge("workload:a/x", "workload:b/y", 2.0, 0.0, 5.0)],
        vec![],
    );
    let died = std::panic::catch_unwind(|| {
        let _ = store.append_with(&dying, |tmp| {
            // Also leave a half-written file behind, as a kill mid-write would.
            let edges = std::fs::read(tmp.join("edges.parquet")).unwrap();
            std::fs::write(tmp.join("edges.parquet"), &edges[..edges.len() / 2]).unwrap();
            panic!("killed")
        });
    });
    assert!(died.is_err());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("tmp"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "the dead append's directory stays in tmp/"
    );
    let loaded = store.load(None, None).unwrap();
    assert_eq!(loaded.runs.len(), 1);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.edges.height(), 1);
    // The same run appended again afterwards lands.
    assert!(matches!(store.append(&dying).unwrap(), Appended::Added(_)));
    assert_eq!(store.load(None, None).unwrap().runs.len(), 2);
}

/// A run written by hand as history schema 1 did: no cluster, no traces.
fn write_v1_run(root: &Path, at: i64, rps: f64) -> PathBuf {
    let date = jiff::Timestamp::from_second(at)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    let stamp = jiff::Timestamp::from_second(at)
        .unwrap()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let dir = root.join(format!("runs/date={date}/run-{stamp}-00000000000000v1"));
    std::fs::create_dir_all(&dir).unwrap();
    let base = |n: usize| {
        vec![
            Column::new("schema_version".into(), vec![1i32; n]),
            Column::new("run_at".into(), vec![at; n]),
        ]
    };
    let mut tables: Vec<(&str, DataFrame)> = Vec::new();
    let mut cols = base(1);
    cols.push(Column::new("run_id".into(), vec!["old"]));
    cols.push(Column::new("source".into(), vec!["archive"]));
    tables.push(("run", DataFrame::new(1, cols).unwrap()));
    let mut cols = base(2);
    cols.push(Column::new(
        "id".into(),
        vec!["workload:a/x", "workload:b/y"],
    ));
    cols.push(Column::new("namespace".into(), vec!["a", "b"]));
    tables.push(("nodes", DataFrame::new(2, cols).unwrap()));
    let mut cols = base(1);
    cols.push(Column::new("source".into(), vec!["workload:a/x"]));
    cols.push(Column::new("target".into(), vec!["workload:b/y"]));
    cols.push(Column::new("target_namespace".into(), vec!["b"]));
    cols.push(Column::new("protocol".into(), vec!["http"]));
    cols.push(Column::new("rps".into(), vec![rps]));
    cols.push(Column::new("error_rps".into(), vec![0.0]));
    tables.push(("edges", DataFrame::new(1, cols).unwrap()));
    let mut cols = base(0);
    cols.push(Column::new("code".into(), Vec::<String>::new()));
    cols.push(Column::new("resource".into(), Vec::<String>::new()));
    tables.push(("findings", DataFrame::new(0, cols).unwrap()));
    for (name, mut df) in tables {
        let mut f = std::fs::File::create(dir.join(format!("{name}.parquet"))).unwrap();
        ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    }
    dir
}

#[test]
fn runs_of_an_older_schema_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    write_v1_run(dir.path(), night(0), 7.0);
    let store = HistoryStore::new(dir.path());
    let mut e = edge("workload:a/x", "workload:b/y", 8.0, 0.0, 5.0);
    e.cluster = Some("east".into());
    store.append(&run(night(1), vec![e], vec![])).unwrap();
    let loaded = store.load(None, None).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.runs.len(), 2);
    let df = loaded
        .edges
        .sort(["run_at"], SortMultipleOptions::default())
        .unwrap();
    assert_eq!(f64_at(&df, "rps", 0), Some(7.0));
    assert_eq!(f64_at(&df, "rps", 1), Some(8.0));
    // Columns the old schema lacks read as null.
    assert_eq!(str_at(&df, "cluster", 0), None);
    assert_eq!(f64_at(&df, "latency_p99_ms", 0), None);
    assert_eq!(str_at(&df, "cluster", 1).as_deref(), Some("east"));
    let versions: Vec<Option<i32>> = df
        .column("schema_version")
        .unwrap()
        .i32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(versions, vec![Some(1), Some(SCHEMA_VERSION)]);
}

fn bytes_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn newer_corrupt_truncated_and_foreign_files_are_skipped_with_a_warning_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    let mut stored = Vec::new();
    for i in 0..5 {
        let r = run(
            night(i),
            vec![edge("workload:a/x", "workload:b/y", i as f64, 0.0, 5.0)],
            vec![],
        );
        let Appended::Added(s) = store.append(&r).unwrap() else {
            panic!()
        };
        stored.push(s);
    }
    // Run 1: truncated edges file.
    let truncated = stored[1].dir.join("edges.parquet");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 20]).unwrap();
    // Run 2: garbage in place of the nodes file.
    let corrupt = stored[2].dir.join("nodes.parquet");
    std::fs::write(&corrupt, b"PAR1 this is not parquet PAR1").unwrap();
    // Run 3: a newer schema.
    let newer = stored[3].dir.join("findings.parquet");
    let mut df = DataFrame::new(
        1,
        vec![
            Column::new("schema_version".into(), vec![SCHEMA_VERSION + 5]),
            Column::new("run_at".into(), vec![night(3)]),
            Column::new("code".into(), vec!["MG999"]),
        ],
    )
    .unwrap();
    let mut f = std::fs::File::create(&newer).unwrap();
    ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    // Foreign files: a stray file in runs/ and in a partition, a Parquet file
    // of another tool.
    std::fs::write(dir.path().join("runs/README.txt"), "notes").unwrap();
    std::fs::write(stored[0].dir.parent().unwrap().join("stray.csv"), "a,b").unwrap();
    let foreign_dir = dir
        .path()
        .join("runs/date=2026-11-02/run-20261102T030000Z-foreign");
    std::fs::create_dir_all(&foreign_dir).unwrap();
    for t in TABLES {
        let mut df = DataFrame::new(1, vec![Column::new("x".into(), vec![1i64])]).unwrap();
        let mut f = std::fs::File::create(foreign_dir.join(format!("{t}.parquet"))).unwrap();
        ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    }
    let before = bytes_of(dir.path());

    let loaded = store.load(None, None).unwrap();
    let ats: Vec<i64> = loaded.runs.iter().map(|r| r.at).collect();
    assert_eq!(ats, vec![night(0), night(4)]);
    assert_eq!(loaded.edges.height(), 2);
    let all = loaded.warnings.join("\n");
    for named in [&truncated, &corrupt, &newer] {
        assert!(
            all.contains(&named.display().to_string()),
            "{} not named in:\n{all}",
            named.display()
        );
    }
    assert!(all.contains("newer meshgraph"), "{all}");
    assert!(all.contains("README.txt"), "{all}");
    assert!(all.contains("stray.csv"), "{all}");
    assert!(all.contains("foreign"), "{all}");
    // Nothing was rewritten or removed.
    assert_eq!(bytes_of(dir.path()), before);
}

#[test]
fn prune_keeps_the_last_90_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    for i in 0..100 {
        let r = run(
            night(i),
            vec![edge("workload:a/x", "workload:b/y", 1.0, 0.0, 5.0)],
            vec![],
        );
        store.append(&r).unwrap();
    }
    let keep = meshgraph_history::parse_keep("90d").unwrap();
    let removed = store.prune(night(99), keep).unwrap();
    assert_eq!(removed.len(), 9, "nights 0..=8 are older than 90 days");
    let loaded = store.load(None, None).unwrap();
    assert_eq!(loaded.runs.len(), 91);
    assert_eq!(loaded.runs[0].at, night(9));
    // Emptied partitions are gone too.
    assert!(!dir.path().join("runs/date=2026-11-01").exists());
    assert!(dir.path().join("runs/date=2026-11-10").exists());
}

#[test]
fn a_graph_snapshot_is_ingested_with_its_finding_codes() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bookinfo-waypoint.json"),
    )
    .unwrap();
    let record = RunRecord::from_snapshot_json(&text, "bookinfo-waypoint.json", None).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edges = doc["edges"].as_array().unwrap();
    assert_eq!(record.edges.len(), edges.len());
    assert_eq!(record.nodes.len(), doc["nodes"].as_array().unwrap().len());
    let dir = tempfile::tempdir().unwrap();
    let store = HistoryStore::new(dir.path());
    store.append(&record).unwrap();
    let loaded = store.load(None, None).unwrap();
    assert_eq!(loaded.edges.height(), edges.len());
    let total: f64 = edges.iter().filter_map(|e| e["rps"].as_f64()).sum();
    let stored: f64 = loaded
        .edges
        .column("rps")
        .unwrap()
        .f64()
        .unwrap()
        .sum()
        .unwrap();
    assert!((total - stored).abs() < 1e-9, "{total} vs {stored}");
    let via: Vec<String> = edges
        .iter()
        .filter_map(|e| e["via_waypoint"].as_str().map(str::to_string))
        .collect();
    assert!(!via.is_empty(), "the fixture has waypoint edges");
    let stored_via = loaded
        .edges
        .column("via_waypoint")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .count();
    assert_eq!(stored_via, via.len());
    let codes: usize = edges
        .iter()
        .map(|e| e["findings"].as_array().unwrap().len())
        .chain(
            doc["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["findings"].as_array().unwrap().len()),
        )
        .sum();
    assert_eq!(loaded.findings.height(), codes);
    // Not a snapshot: a clear error naming the file.
    let err = RunRecord::from_snapshot_json("{\"nodes\":[]}", "notes.json", None).unwrap_err();
    assert!(err.to_string().contains("notes.json"), "{err}");
}
