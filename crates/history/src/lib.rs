//! meshgraph's run history: every run's nodes, edges and findings kept in a
//! partitioned Parquet dataset (written and read with polars), and the trends,
//! regressions and mesh posture computed over the last runs.
//!
//! polars lives only in this crate so the rest of the workspace builds fast.

pub mod record;
pub mod render;
pub mod rules;
pub mod store;
pub mod table;
pub mod trends;

pub use record::{EdgeRow, FindingRow, NodeRow, RunRecord};
pub use rules::{RegressionRules, RuleKind};
pub use store::{Appended, HistoryStore, Loaded, SCHEMA_VERSION, StoredRun};
pub use trends::{Regression, Trends, compute};

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("{file}: not a meshgraph graph snapshot: {reason}")]
    Snapshot { file: String, reason: String },
    #[error("computing the trends: {0}")]
    Compute(String),
}

/// Parses `90d`, `36h`, `2w`, `45m` or plain seconds.
pub fn parse_keep(text: &str) -> Option<i64> {
    let text = text.trim();
    let (num, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}
