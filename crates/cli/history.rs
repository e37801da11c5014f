//! `meshgraph history` and the `--history` part of `meshgraph report`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use meshgraph_history::{
    Appended, FindingRow, HistoryStore, RegressionRules, RuleKind, RunRecord, Trends, compute,
    render,
};

use crate::cli::{GlobalArgs, GraphArgs, InputArgs};
use crate::{Exit, output, snapshot};

/// The history flags of `meshgraph report`.
#[derive(Debug, Args)]
#[command(next_help_heading = "History")]
pub struct ReportHistoryArgs {
    /// Append this run to the history folder DIR and report trends and
    /// regressions over its last runs (Parquet, see docs/history.md)
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
    /// With --history: also write a short Markdown summary (chat, ticket)
    #[arg(long, value_name = "FILE", requires = "history")]
    pub markdown: Option<String>,
    /// With --history: also write the trends and regressions as JSON
    /// (docs/schema/history-report.schema.json)
    #[arg(long, value_name = "FILE", requires = "history")]
    pub history_json: Option<String>,
    /// How many runs the trends cover (default: `[regressions] runs`, 14)
    #[arg(long, value_name = "N", requires = "history")]
    pub runs: Option<usize>,
    /// Only these rules make the exit code 1 (default: all): error_rate_increase,
    /// p99_increase, rps_drop, new_plaintext_edge, new_error_finding
    #[arg(long, value_name = "RULE", value_delimiter = ',', requires = "history")]
    pub fail_rules: Vec<String>,
    /// The `[regressions]` table of meshgraph.toml.
    #[arg(skip)]
    pub rules: Option<RegressionRules>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: HistoryAction,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Collect a run (like `snapshot`) and append it to the history
    Append(Box<HistoryAppendArgs>),
    /// Append archived JSON snapshots (`snapshot --format json`, `report
    /// --json-out`) to the history; a snapshot already there is skipped
    Ingest {
        /// The history folder
        dir: PathBuf,
        /// JSON snapshot files, or folders of them
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        global: GlobalArgs,
    },
    /// Trends and regressions over the last runs
    Show {
        /// The history folder
        dir: PathBuf,
        /// How many runs (default: `[regressions] runs`, 14)
        #[arg(long, value_name = "N")]
        runs: Option<usize>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ShowFormat,
        /// The `[regressions]` table of meshgraph.toml.
        #[arg(skip)]
        rules: Option<RegressionRules>,
        #[command(flatten)]
        global: GlobalArgs,
    },
    /// Remove runs older than --keep
    Prune {
        /// The history folder
        dir: PathBuf,
        /// How long runs are kept: 90d, 12w, 36h
        #[arg(long, value_name = "AGE")]
        keep: String,
        /// The time the age is counted from (default: now), RFC 3339
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        #[command(flatten)]
        global: GlobalArgs,
    },
}

#[derive(Debug, Args)]
pub struct HistoryAppendArgs {
    /// The history folder
    pub dir: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Markdown,
    Json,
}

/// The run as the history keeps it, from the snapshot's JSON and the checks'
/// findings.
pub fn record_of(json: &str, built: &snapshot::Built) -> anyhow::Result<RunRecord> {
    let findings = built.findings.as_ref().map(|report| {
        report
            .findings
            .iter()
            .map(|f| FindingRow {
                code: f.code.to_string(),
                severity: Some(f.severity.as_str().to_string()),
                resource: f.resource.to_string(),
                message: Some(f.message.clone()),
            })
            .collect()
    });
    Ok(RunRecord::from_snapshot_json(json, "this run", findings)?)
}

fn appended_note(global: &GlobalArgs, dir: &Path, appended: &Appended) {
    if global.quiet {
        return;
    }
    match appended {
        Appended::Added(run) => eprintln!("meshgraph: history: added {}", run.id),
        Appended::AlreadyThere(run) => eprintln!(
            "meshgraph: history: {} is already in {}",
            run.id,
            dir.display()
        ),
    }
}

fn warn_all(global: &GlobalArgs, warnings: &[String]) {
    if !global.quiet {
        for w in warnings {
            eprintln!("meshgraph: warning: history: {w}");
        }
    }
}

/// Loads the last runs up to `until` and computes the trends.
pub fn trends(
    dir: &Path,
    rules: &RegressionRules,
    until: Option<i64>,
    global: &GlobalArgs,
) -> anyhow::Result<Trends> {
    let store = HistoryStore::new(dir);
    let loaded = store
        .load_for_trends(Some(rules.runs.max(1)), until)
        .with_context(|| format!("reading the history {}", dir.display()))?;
    warn_all(global, &loaded.warnings);
    Ok(compute(&loaded, rules)?)
}

/// The history part of a report.
pub struct ReportHistory {
    pub trends: Trends,
    pub regressed: bool,
}

fn rules_for(configured: &Option<RegressionRules>, runs: Option<usize>) -> RegressionRules {
    let mut rules = configured.clone().unwrap_or_default();
    if let Some(n) = runs {
        rules.runs = n;
    }
    rules
}

fn fail_rules(names: &[String]) -> anyhow::Result<Vec<RuleKind>> {
    if names.is_empty() {
        return Ok(RuleKind::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            RuleKind::parse(n.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "--fail-rules: unknown rule {n:?} (one of {})",
                    RuleKind::ALL.map(RuleKind::as_str).join(", ")
                )
            })
        })
        .collect()
}

/// Appends the report's run to `--history` and computes the trends up to it.
pub fn for_report(
    args: &ReportHistoryArgs,
    json: &str,
    built: &snapshot::Built,
    global: &GlobalArgs,
) -> anyhow::Result<Option<ReportHistory>> {
    let Some(dir) = &args.history else {
        return Ok(None);
    };
    let failing = fail_rules(&args.fail_rules)?;
    let rules = rules_for(&args.rules, args.runs);
    let record = record_of(json, built)?;
    let store = HistoryStore::new(dir);
    let appended = store
        .append(&record)
        .with_context(|| format!("appending to the history {}", dir.display()))?;
    appended_note(global, dir, &appended);
    let trends = trends(dir, &rules, Some(record.at), global)?;
    let regressed = trends.regressions.iter().any(|r| failing.contains(&r.rule));
    Ok(Some(ReportHistory { trends, regressed }))
}

/// Inserts the history section into the report page, before the graph
/// (regressions first).
pub fn insert_section(html: &str, section: &str) -> String {
    let at = html
        .find("<h2>Graph</h2>")
        .or_else(|| html.rfind("</body>"))
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + section.len());
    out.push_str(&html[..at]);
    out.push_str(section);
    out.push_str(&html[at..]);
    out
}

/// The files the history adds to a report.
pub fn report_files(
    args: &ReportHistoryArgs,
    history: &ReportHistory,
    html_path: &str,
) -> Vec<(String, String)> {
    let html_ref = (html_path != "-").then_some(html_path);
    let mut files = Vec::new();
    if let Some(path) = &args.markdown {
        files.push((
            path.clone(),
            render::to_markdown(&history.trends, html_ref, 10),
        ));
    }
    if let Some(path) = &args.history_json {
        files.push((
            path.clone(),
            render::to_json(&history.trends, GENERATOR, html_ref),
        ));
    }
    files
}

const GENERATOR: &str = concat!("meshgraph ", env!("CARGO_PKG_VERSION"));

fn snapshot_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            inner.sort();
            out.extend(inner);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// The largest snapshot ingested: 512 MiB, as `diff` reads.
const SNAPSHOT_MAX_BYTES: u64 = 512 * 1024 * 1024;

impl HistoryArgs {
    /// The general flags given after the action.
    pub fn global(&self) -> &GlobalArgs {
        match &self.action {
            HistoryAction::Append(a) => &a.global,
            HistoryAction::Ingest { global, .. }
            | HistoryAction::Show { global, .. }
            | HistoryAction::Prune { global, .. } => global,
        }
    }
}

pub fn run(global: &GlobalArgs, args: &HistoryArgs) -> anyhow::Result<Exit> {
    match &args.action {
        HistoryAction::Append(a) => {
            let built = snapshot::build(global, &a.input, &a.graph, true)?;
            let json = meshgraph_export::to_json(&built.graph, &built.meta)?;
            let record = record_of(&json, &built)?;
            let appended = HistoryStore::new(&a.dir)
                .append(&record)
                .with_context(|| format!("appending to the history {}", a.dir.display()))?;
            appended_note(global, &a.dir, &appended);
            Ok(Exit::Clean)
        }
        HistoryAction::Ingest { dir, files, .. } => {
            let store = HistoryStore::new(dir);
            let mut failed = 0;
            for file in snapshot_files(files)? {
                let origin = file.display().to_string();
                let result = (|| -> anyhow::Result<Appended> {
                    let size = std::fs::metadata(&file)?.len();
                    if size > SNAPSHOT_MAX_BYTES {
                        anyhow::bail!("larger than the 512 MiB a snapshot may hold");
                    }
                    let text = std::fs::read_to_string(&file)?;
                    let record = RunRecord::from_snapshot_json(&text, &origin, None)?;
                    Ok(store.append(&record)?)
                })();
                match result {
                    Ok(appended) => appended_note(global, dir, &appended),
                    Err(e) => {
                        failed += 1;
                        eprintln!("meshgraph: warning: {origin}: {e:#}; skipped");
                    }
                }
            }
            Ok(if failed > 0 {
                Exit::Failure
            } else {
                Exit::Clean
            })
        }
        HistoryAction::Show {
            dir,
            runs,
            format,
            rules,
            ..
        } => {
            let rules = rules_for(rules, *runs);
            let trends = trends(dir, &rules, None, global)?;
            let text = match format {
                ShowFormat::Markdown => render::to_markdown(&trends, None, 20),
                ShowFormat::Json => render::to_json(&trends, GENERATOR, None),
            };
            output::write_outputs(&[("-", text.as_bytes())])?;
            Ok(if trends.regressions.is_empty() {
                Exit::Clean
            } else {
                Exit::Findings
            })
        }
        HistoryAction::Prune { dir, keep, now, .. } => {
            let keep_seconds = meshgraph_history::parse_keep(keep).ok_or_else(|| {
                anyhow::anyhow!("--keep {keep:?}: expected an age such as 90d, 12w or 36h")
            })?;
            let now = match now {
                Some(t) => meshgraph_history::record::parse_time(t)
                    .ok_or_else(|| anyhow::anyhow!("--now {t:?}: not an RFC 3339 time"))?,
                None => jiff::Timestamp::now().as_second(),
            };
            let removed = HistoryStore::new(dir)
                .prune(now, keep_seconds)
                .with_context(|| format!("pruning {}", dir.display()))?;
            if !global.quiet {
                eprintln!("meshgraph: history: removed {} runs", removed.len());
            }
            Ok(Exit::Clean)
        }
    }
}
