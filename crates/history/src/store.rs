//! The history folder: one directory per run, partitioned by day,
//!
//! ```text
//! DIR/runs/date=2026-11-25/run-20261125T020000Z-<hash>/{run,nodes,edges,findings}.parquet
//! DIR/tmp/...   (runs being written; never read)
//! ```
//!
//! A run is written into `DIR/tmp/` and then renamed into place in one
//! `rename(2)` of its directory, so a reader sees a run whole or not at all
//! and a run killed mid-append leaves only a temporary directory behind.
//! There is no shared index: concurrent appends write different directories.
//! Every file carries a `schema_version` column; files from a newer schema,
//! unreadable or foreign files are skipped with a warning naming them and
//! never modified.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use crate::HistoryError;
use crate::record::{EdgeRow, FindingRow, NodeRow, RunRecord, format_date};
use crate::table::{EdgeTable, EdgeTableBuilder};

/// The schema this build writes. Version 1 had no `cluster` columns and no
/// trace figures; they read as null.
pub const SCHEMA_VERSION: i32 = 2;

/// The edge columns the trends read.
pub const TREND_EDGE_COLUMNS: [&str; 16] = [
    "run_at",
    "source",
    "target",
    "cluster",
    "source_namespace",
    "target_namespace",
    "protocol",
    "rps",
    "error_rps",
    "latency_p50_ms",
    "latency_p99_ms",
    "mtls",
    "bytes_to_server_per_second",
    "via_waypoint",
    "rates_from",
    "infrastructure",
];

/// The tables of one run.
pub const TABLES: [&str; 4] = ["run", "nodes", "edges", "findings"];

/// A run directory found in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub at: i64,
    pub id: String,
    pub dir: PathBuf,
}

/// What a read of the history found besides the data.
#[derive(Debug, Default, Clone)]
pub struct ReadWarnings(pub Vec<String>);

/// The history folder.
#[derive(Debug, Clone)]
pub struct HistoryStore {
    root: PathBuf,
}

/// The tables of the runs read, as polars frames.
#[derive(Debug)]
pub struct Loaded {
    pub runs: Vec<StoredRun>,
    pub run: DataFrame,
    pub nodes: DataFrame,
    /// Empty when read by [`HistoryStore::load_for_trends`]: the edges are
    /// then in `trend_edges`.
    pub edges: DataFrame,
    /// The trend columns of the edges, compact (only from
    /// [`HistoryStore::load_for_trends`]).
    pub trend_edges: Option<EdgeTable>,
    pub findings: DataFrame,
    pub warnings: Vec<String>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    Added(StoredRun),
    /// The same run (same time and content) was already in the history.
    AlreadyThere(StoredRun),
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path, e: impl std::fmt::Display) -> HistoryError {
    HistoryError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn pl_err(path: &Path, e: PolarsError) -> HistoryError {
    HistoryError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// FNV-1a over the run's content, so re-ingesting a snapshot is a no-op.
fn content_hash(record: &RunRecord) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    };
    feed(&record.source);
    feed(&record.graph_type);
    for e in &record.edges {
        feed(&format!("{e:?}"));
    }
    for n in &record.nodes {
        feed(&format!("{n:?}"));
    }
    for f in &record.findings {
        feed(&format!("{f:?}"));
    }
    h
}

fn compact_time(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| at.to_string())
}

fn parse_compact_time(text: &str) -> Option<i64> {
    let t = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", text).ok()?;
    t.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

fn str_col(name: &str, values: Vec<Option<String>>) -> Column {
    Column::new(name.into(), values)
}

fn f64_col(name: &str, values: Vec<Option<f64>>) -> Column {
    Column::new(name.into(), values)
}

fn frame(height: usize, at: i64, mut columns: Vec<Column>) -> PolarsResult<DataFrame> {
    columns.insert(0, Column::new("run_at".into(), vec![at; height]));
    columns.insert(
        0,
        Column::new("schema_version".into(), vec![SCHEMA_VERSION; height]),
    );
    DataFrame::new(height, columns)
}

fn node_frame(at: i64, nodes: &[NodeRow]) -> PolarsResult<DataFrame> {
    let s = |f: fn(&NodeRow) -> Option<String>| nodes.iter().map(f).collect::<Vec<_>>();
    frame(
        nodes.len(),
        at,
        vec![
            str_col("id", s(|n| Some(n.id.clone()))),
            str_col("kind", s(|n| Some(n.kind.clone()))),
            str_col("namespace", s(|n| n.namespace.clone())),
            str_col("name", s(|n| Some(n.name.clone()))),
            str_col("app", s(|n| n.app.clone())),
            str_col("version", s(|n| n.version.clone())),
            str_col("cluster", s(|n| n.cluster.clone())),
        ],
    )
}

fn edge_frame(at: i64, edges: &[EdgeRow]) -> PolarsResult<DataFrame> {
    let s = |f: fn(&EdgeRow) -> Option<String>| edges.iter().map(f).collect::<Vec<_>>();
    let n = |f: fn(&EdgeRow) -> Option<f64>| edges.iter().map(f).collect::<Vec<_>>();
    let i = |f: fn(&EdgeRow) -> Option<i64>| edges.iter().map(f).collect::<Vec<_>>();
    frame(
        edges.len(),
        at,
        vec![
            str_col("source", s(|e| Some(e.source.clone()))),
            str_col("target", s(|e| Some(e.target.clone()))),
            str_col("source_namespace", s(|e| e.source_namespace.clone())),
            str_col("target_namespace", s(|e| e.target_namespace.clone())),
            str_col("cluster", s(|e| e.cluster.clone())),
            str_col("protocol", s(|e| Some(e.protocol.clone()))),
            f64_col("rps", n(|e| e.rps)),
            f64_col("error_rps", n(|e| e.error_rps)),
            str_col("responses", s(|e| Some(e.responses.clone()))),
            f64_col("latency_p50_ms", n(|e| e.latency_p50_ms)),
            f64_col("latency_p95_ms", n(|e| e.latency_p95_ms)),
            f64_col("latency_p99_ms", n(|e| e.latency_p99_ms)),
            f64_col(
                "request_bytes_per_second",
                n(|e| e.request_bytes_per_second),
            ),
            f64_col(
                "response_bytes_per_second",
                n(|e| e.response_bytes_per_second),
            ),
            f64_col(
                "bytes_to_server_per_second",
                n(|e| e.bytes_to_server_per_second),
            ),
            f64_col(
                "bytes_to_client_per_second",
                n(|e| e.bytes_to_client_per_second),
            ),
            f64_col(
                "tcp_connections_opened_per_second",
                n(|e| e.tcp_connections_opened_per_second),
            ),
            f64_col(
                "tcp_connections_closed_per_second",
                n(|e| e.tcp_connections_closed_per_second),
            ),
            f64_col("mtls", n(|e| e.mtls)),
            str_col("via_waypoint", s(|e| e.via_waypoint.clone())),
            str_col("rates_from", s(|e| e.rates_from.clone())),
            Column::new(
                "infrastructure".into(),
                edges.iter().map(|e| e.infrastructure).collect::<Vec<_>>(),
            ),
            str_col("seen_in", s(|e| e.seen_in.clone())),
            Column::new("trace_spans".into(), i(|e| e.trace_spans)),
            Column::new("trace_errors".into(), i(|e| e.trace_errors)),
            f64_col("trace_latency_p50_ms", n(|e| e.trace_latency_p50_ms)),
            f64_col("trace_latency_p99_ms", n(|e| e.trace_latency_p99_ms)),
        ],
    )
}

fn finding_frame(at: i64, findings: &[FindingRow]) -> PolarsResult<DataFrame> {
    let s = |f: fn(&FindingRow) -> Option<String>| findings.iter().map(f).collect::<Vec<_>>();
    frame(
        findings.len(),
        at,
        vec![
            str_col("code", s(|f| Some(f.code.clone()))),
            str_col("severity", s(|f| f.severity.clone())),
            str_col("resource", s(|f| Some(f.resource.clone()))),
            str_col("message", s(|f| f.message.clone())),
        ],
    )
}

fn run_frame(record: &RunRecord, id: &str) -> PolarsResult<DataFrame> {
    frame(
        1,
        record.at,
        vec![
            str_col("run_id", vec![Some(id.to_string())]),
            str_col("source", vec![Some(record.source.clone())]),
            str_col("graph_type", vec![Some(record.graph_type.clone())]),
            Column::new("window_seconds".into(), vec![record.window_seconds]),
            Column::new("empty".into(), vec![record.empty]),
        ],
    )
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), HistoryError> {
    let mut file = std::fs::File::create(path).map_err(|e| io_err(path, e))?;
    ParquetWriter::new(&mut file)
        .finish(df)
        .map_err(|e| pl_err(path, e))?;
    file.sync_all().map_err(|e| io_err(path, e))
}

impl HistoryStore {
    pub fn new(root: impl Into<PathBuf>) -> HistoryStore {
        HistoryStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Appends one run. The run becomes visible at once and whole.
    pub fn append(&self, record: &RunRecord) -> Result<Appended, HistoryError> {
        self.append_with(record, |_| Ok(()))
    }

    /// [`append`](Self::append), calling `before_commit` with the temporary
    /// directory once every file is written and before the rename (tests use
    /// it to die mid-append).
    pub fn append_with(
        &self,
        record: &RunRecord,
        before_commit: impl FnOnce(&Path) -> Result<(), HistoryError>,
    ) -> Result<Appended, HistoryError> {
        let id = format!(
            "run-{}-{:016x}",
            compact_time(record.at),
            content_hash(record)
        );
        let partition = self
            .runs_dir()
            .join(format!("date={}", format_date(record.at)));
        let final_dir = partition.join(&id);
        let stored = StoredRun {
            at: record.at,
            id: id.clone(),
            dir: final_dir.clone(),
        };
        if final_dir.is_dir() {
            return Ok(Appended::AlreadyThere(stored));
        }
        let tmp = self.tmp_dir().join(format!(
            "{id}.{}.{}.{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
        let result = (|| {
            let at = record.at;
            let frames = [
                ("run", run_frame(record, &id)),
                ("nodes", node_frame(at, &record.nodes)),
                ("edges", edge_frame(at, &record.edges)),
                ("findings", finding_frame(at, &record.findings)),
            ];
            for (name, df) in frames {
                let path = tmp.join(format!("{name}.parquet"));
                let mut df = df.map_err(|e| pl_err(&path, e))?;
                write_parquet(&path, &mut df)?;
            }
            before_commit(&tmp)?;
            std::fs::create_dir_all(&partition).map_err(|e| io_err(&partition, e))?;
            match std::fs::rename(&tmp, &final_dir) {
                Ok(()) => Ok(Appended::Added(stored.clone())),
                // Another process appended the same run first.
                Err(_) if final_dir.is_dir() => Ok(Appended::AlreadyThere(stored.clone())),
                Err(e) => Err(io_err(&final_dir, e)),
            }
        })();
        if !matches!(result, Ok(Appended::Added(_))) {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        result
    }

    /// Every committed run, oldest first, with warnings for what is not a
    /// run (foreign files and folders are left alone).
    pub fn list(&self) -> Result<(Vec<StoredRun>, Vec<String>), HistoryError> {
        let mut runs = Vec::new();
        let mut warnings = Vec::new();
        let dir = self.runs_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((runs, warnings)),
            Err(e) => return Err(io_err(&dir, e)),
        };
        for part in entries.flatten() {
            let path = part.path();
            let name = part.file_name().to_string_lossy().to_string();
            if !name.starts_with("date=") || !path.is_dir() {
                warnings.push(format!(
                    "{}: not a history partition, ignored",
                    path.display()
                ));
                continue;
            }
            let Ok(inner) = std::fs::read_dir(&path) else {
                warnings.push(format!("{}: unreadable, ignored", path.display()));
                continue;
            };
            for run in inner.flatten() {
                let rpath = run.path();
                let rname = run.file_name().to_string_lossy().to_string();
                let at = rname
                    .strip_prefix("run-")
                    .and_then(|r| r.split('-').next())
                    .and_then(parse_compact_time);
                match at {
                    Some(at) if rpath.is_dir() => runs.push(StoredRun {
                        at,
                        id: rname,
                        dir: rpath,
                    }),
                    _ => warnings.push(format!("{}: not a history run, ignored", rpath.display())),
                }
            }
        }
        runs.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok((runs, warnings))
    }

    /// Reads the last `last` runs (all with `None`) at or before `until`.
    /// Unreadable files, files of a newer schema and incomplete runs are
    /// skipped with a warning naming them.
    pub fn load(&self, last: Option<usize>, until: Option<i64>) -> Result<Loaded, HistoryError> {
        self.load_projected(last, until, false)
    }

    /// [`load`](Self::load) reading only what the trends use: the edge
    /// columns of [`TREND_EDGE_COLUMNS`], one run file at a time into the
    /// compact [`EdgeTable`] of `trend_edges` (`edges` stays empty), and no
    /// nodes.
    pub fn load_for_trends(
        &self,
        last: Option<usize>,
        until: Option<i64>,
    ) -> Result<Loaded, HistoryError> {
        self.load_projected(last, until, true)
    }

    fn load_projected(
        &self,
        last: Option<usize>,
        until: Option<i64>,
        for_trends: bool,
    ) -> Result<Loaded, HistoryError> {
        let (mut runs, mut warnings) = self.list()?;
        if let Some(until) = until {
            runs.retain(|r| r.at <= until);
        }
        // Validate newest first until enough good runs are found.
        let mut good = Vec::new();
        for run in runs.iter().rev() {
            if last.is_some_and(|n| good.len() >= n) {
                break;
            }
            match check_run(run) {
                Ok(()) => good.push(run.clone()),
                Err(w) => warnings.push(w),
            }
        }
        good.reverse();
        let since = good.first().map(|r| r.at).unwrap_or(i64::MAX);
        let until = good.last().map(|r| r.at).unwrap_or(i64::MIN);
        if !for_trends {
            let mut frames = Vec::new();
            for table in TABLES {
                frames.push(scan_table(&good, table, since, until, &mut warnings)?);
            }
            let findings = frames.pop().unwrap_or_default();
            let edges = frames.pop().unwrap_or_default();
            let nodes = frames.pop().unwrap_or_default();
            let run = frames.pop().unwrap_or_default();
            return Ok(Loaded {
                runs: good,
                run,
                nodes,
                edges,
                trend_edges: None,
                findings,
                warnings,
            });
        }
        // The edges into a compact table while another thread scans the run
        // and findings tables; warnings and errors come in table order.
        let (run, edges, findings) = std::thread::scope(|scope| {
            let scans = scope.spawn(|| {
                let mut run_warnings = Vec::new();
                let run = scan_table(&good, "run", since, until, &mut run_warnings);
                let mut findings_warnings = Vec::new();
                let findings = scan_table(&good, "findings", since, until, &mut findings_warnings);
                ((run, run_warnings), (findings, findings_warnings))
            });
            let mut edge_warnings = Vec::new();
            let edges = read_trend_edges(&good, &mut edge_warnings);
            let (run, findings) = scans
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (run, (edges, edge_warnings), findings)
        });
        let run = with_warnings(run, &mut warnings)?;
        let trend_edges = Some(with_warnings(edges, &mut warnings)?);
        let findings = with_warnings(findings, &mut warnings)?;
        Ok(Loaded {
            runs: good,
            run,
            nodes: DataFrame::empty(),
            edges: DataFrame::empty(),
            trend_edges,
            findings,
            warnings,
        })
    }

    /// Removes the runs older than `keep_seconds` before `now`, and temporary
    /// directories left by appends that died more than an hour ago. Returns
    /// the runs removed.
    pub fn prune(&self, now: i64, keep_seconds: i64) -> Result<Vec<StoredRun>, HistoryError> {
        let (runs, _) = self.list()?;
        let cutoff = now - keep_seconds;
        let mut removed = Vec::new();
        for run in runs.into_iter().filter(|r| r.at < cutoff) {
            // Out of the dataset first (one rename), then deleted.
            let doomed = self.tmp_dir().join(format!(
                "prune-{}.{}.{}",
                run.id,
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(self.tmp_dir()).map_err(|e| io_err(&self.tmp_dir(), e))?;
            std::fs::rename(&run.dir, &doomed).map_err(|e| io_err(&run.dir, e))?;
            std::fs::remove_dir_all(&doomed).map_err(|e| io_err(&doomed, e))?;
            if let Some(parent) = run.dir.parent() {
                // Only succeeds when the partition is now empty.
                let _ = std::fs::remove_dir(parent);
            }
            removed.push(run);
        }
        if let Ok(entries) = std::fs::read_dir(self.tmp_dir()) {
            for e in entries.flatten() {
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 3600);
                if old {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(removed)
    }
}

/// A table read with its warnings: the value, the warnings added to the
/// others.
fn with_warnings<T>(
    (read, new): (Result<T, HistoryError>, Vec<String>),
    warnings: &mut Vec<String>,
) -> Result<T, HistoryError> {
    let value = read?;
    warnings.extend(new);
    Ok(value)
}

/// Scans read exactly the files given: the `date=` folders are ours, not
/// Hive partitions (the date is in `run_at`).
fn scan_args() -> ScanArgsParquet {
    ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        ..ScanArgsParquet::default()
    }
}

fn run_file(run: &StoredRun, table: &str) -> PathBuf {
    run.dir.join(format!("{table}.parquet"))
}

/// Reads every table's footer and schema version: a run is used whole or not
/// at all.
fn check_run(run: &StoredRun) -> Result<(), String> {
    for table in TABLES {
        let path = run_file(run, table);
        let file = std::fs::File::open(&path)
            .map_err(|e| format!("{}: {e}; run skipped", path.display()))?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema().map_err(|e| {
            format!(
                "{}: not a readable Parquet file ({e}); run skipped",
                path.display()
            )
        })?;
        if !schema.contains("schema_version") || !schema.contains("run_at") {
            return Err(format!(
                "{}: not a meshgraph history file (no schema_version); run skipped",
                path.display()
            ));
        }
        // One column read eagerly: far cheaper than a lazy scan per file.
        let df = reader
            .with_columns(Some(vec!["schema_version".to_string()]))
            .finish()
            .map_err(|e| format!("{}: unreadable ({e}); run skipped", path.display()))?;
        let version = df
            .column("schema_version")
            .ok()
            .and_then(|c| c.i32().ok().and_then(|c| c.max()));
        if let Some(v) = version
            && v > SCHEMA_VERSION
        {
            return Err(format!(
                "{}: written by a newer meshgraph (history schema {v}, this one reads up to {SCHEMA_VERSION}); run skipped",
                path.display()
            ));
        }
    }
    Ok(())
}

fn open(path: &Path) -> PolarsResult<ParquetReader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    Ok(ParquetReader::new(file))
}

/// The schema of a Parquet file, from its footer.
fn file_schema(reader: &mut ParquetReader<std::fs::File>) -> PolarsResult<Schema> {
    Ok(Schema::from_arrow_schema(reader.schema()?.as_ref()))
}

/// The columns of [`TREND_EDGE_COLUMNS`] that `schema` has, read from one
/// edges file. A column whose type differs from `schema`'s makes the file
/// unreadable, as in a scan of several files.
fn read_edge_file(path: &Path, schema: &Schema) -> PolarsResult<DataFrame> {
    let mut reader = open(path)?;
    let own = file_schema(&mut reader)?;
    let mut columns = Vec::new();
    for name in TREND_EDGE_COLUMNS {
        match (schema.get(name), own.get(name)) {
            (Some(want), Some(has)) if want != has => polars_bail!(
                SchemaMismatch: "column {name} is {has}, the newest run's is {want}"
            ),
            (Some(_), Some(_)) => columns.push(name.to_string()),
            _ => {}
        }
    }
    reader
        .with_columns(Some(columns))
        .read_parallel(ParallelStrategy::None)
        .finish()
}

/// The trend columns of the runs' edges as an [`EdgeTable`], read one file
/// at a time so that only one run's strings are in memory at once. As in
/// [`scan_table`]: the newest file's schema says which columns exist (a file
/// lacking one reads it as null), and a file that cannot be read is named in
/// a warning and its edges skipped.
fn read_trend_edges(
    runs: &[StoredRun],
    warnings: &mut Vec<String>,
) -> Result<EdgeTable, HistoryError> {
    let mut run_at: Vec<i64> = runs.iter().map(|r| r.at).collect();
    run_at.dedup();
    let mut builder = EdgeTableBuilder::new(run_at);
    let Some(newest) = runs.last() else {
        return Ok(builder.finish());
    };
    let root = runs.first().map(|r| r.dir.clone()).unwrap_or_default();
    let schema = open(&run_file(newest, "edges"))
        .and_then(|mut reader| file_schema(&mut reader))
        .map_err(|e| pl_err(&root, e))?;
    let mut first_error = None;
    let mut read_any = false;
    // One thread reads and decodes the files, this one interns their rows.
    std::thread::scope(|scope| -> Result<(), HistoryError> {
        let (send, receive) = std::sync::mpsc::sync_channel(8);
        let schema = &schema;
        scope.spawn(move || {
            for run in runs {
                let path = run_file(run, "edges");
                let read = read_edge_file(&path, schema);
                if send.send((path, read)).is_err() {
                    break;
                }
            }
        });
        for (path, read) in receive {
            match read {
                Ok(df) => {
                    builder.push_frame(&df)?;
                    read_any = true;
                }
                Err(e) => {
                    warnings.push(format!("{}: unreadable ({e}); skipped", path.display()));
                    first_error.get_or_insert(e);
                }
            }
        }
        Ok(())
    })?;
    match first_error {
        Some(e) if !read_any => Err(pl_err(&root, e)),
        _ => Ok(builder.finish()),
    }
}

/// One table of the given runs as one frame: a lazy scan of the runs' files
/// with the time range pushed down to the reader. Columns a file from an
/// older schema lacks read as null.
fn scan_table(
    runs: &[StoredRun],
    table: &str,
    since: i64,
    until: i64,
    warnings: &mut Vec<String>,
) -> Result<DataFrame, HistoryError> {
    let mut paths = Vec::new();
    for run in runs {
        let path = run_file(run, table);
        match PlRefPath::try_from_path(&path) {
            Ok(p) => paths.push(p),
            Err(e) => warnings.push(format!("{}: {e}; skipped", path.display())),
        }
    }
    if paths.is_empty() {
        return Ok(DataFrame::empty());
    }
    let args = ScanArgsParquet {
        allow_missing_columns: true,
        ..scan_args()
    };
    let root = runs.first().map(|r| r.dir.clone()).unwrap_or_default();
    // Files of older schemas may lack columns: take the newest file's schema
    // as the reference (the files are validated; the newest has every column).
    let mut args = args;
    if let Some(newest) = paths.last().cloned() {
        let schema = LazyFrame::scan_parquet(newest, scan_args())
            .and_then(|mut lf| lf.collect_schema())
            .map_err(|e| pl_err(&root, e))?;
        args.schema = Some(schema);
    }
    let scan = |paths: Vec<PlRefPath>| -> PolarsResult<DataFrame> {
        LazyFrame::scan_parquet_files(paths.into_iter().collect(), args.clone())?
            .filter(
                col("run_at")
                    .gt_eq(lit(since))
                    .and(col("run_at").lt_eq(lit(until))),
            )
            .collect()
    };
    match scan(paths.clone()) {
        Ok(df) => Ok(df),
        // A file whose footer reads but whose pages do not: find it, name
        // it, and use the others.
        Err(first) => {
            let mut good: Option<DataFrame> = None;
            for (path, run) in paths.into_iter().zip(runs) {
                match scan(vec![path]) {
                    Ok(df) => match good.as_mut() {
                        None => good = Some(df),
                        Some(acc) => {
                            if let Err(e) = acc.vstack_mut(&df) {
                                warnings.push(format!(
                                    "{}: {e}; skipped",
                                    run_file(run, table).display()
                                ));
                            }
                        }
                    },
                    Err(e) => warnings.push(format!(
                        "{}: unreadable ({e}); skipped",
                        run_file(run, table).display()
                    )),
                }
            }
            good.ok_or_else(|| pl_err(&root, first))
        }
    }
}
