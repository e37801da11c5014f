//! Regression rules as data: the `[regressions]` table of `meshgraph.toml`.

use serde::{Deserialize, Serialize};

/// Thresholds of the regression rules. Every rule is evaluated per edge over
/// the runs of the window, against a **baseline**: the median of the edge's
/// earlier values in the window that did not themselves break the rule
/// (at least `min_baseline_runs` of them). A rule fires only when it broke in
/// each of the last `consecutive` runs, so one noisy night does not alert,
/// and edges below `min_rps` never count (low-traffic edges swing wildly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegressionRules {
    /// How many runs the trends cover (the newest ones).
    pub runs: usize,
    /// Edges whose rps (baseline for `rps_drop_pct`) is below this are not judged.
    pub min_rps: f64,
    /// A rule fires when it broke in at least this many runs in a row, the newest included.
    pub consecutive: usize,
    /// Earlier values needed before an edge is judged at all.
    pub min_baseline_runs: usize,
    /// Error rate (errors / requests) rose by at least this much, absolute (0.05 = 5 points).
    pub error_rate_increase: Option<f64>,
    /// p99 latency rose by at least this many percent...
    pub p99_increase_pct: Option<f64>,
    /// ...and by at least this many milliseconds.
    pub p99_min_increase_ms: f64,
    /// Request rate fell by at least this many percent.
    pub rps_drop_pct: Option<f64>,
    /// An edge whose mTLS share is below `plaintext_below` in the newest run
    /// and was not (or did not exist) in the runs before its streak.
    pub new_plaintext_edge: bool,
    pub plaintext_below: f64,
    /// A finding of severity error opened inside the window and still open.
    pub new_error_finding: bool,
    /// Rules switched off, by name (`disable = ["rps_drop"]`).
    pub disable: Vec<RuleKind>,
}

impl Default for RegressionRules {
    fn default() -> Self {
        RegressionRules {
            runs: 14,
            min_rps: 0.5,
            consecutive: 2,
            min_baseline_runs: 3,
            error_rate_increase: Some(0.05),
            p99_increase_pct: Some(50.0),
            p99_min_increase_ms: 10.0,
            rps_drop_pct: Some(80.0),
            new_plaintext_edge: true,
            plaintext_below: 0.5,
            new_error_finding: true,
            disable: Vec::new(),
        }
    }
}

impl RegressionRules {
    /// Whether a rule is switched on.
    pub fn enabled(&self, rule: RuleKind) -> bool {
        !self.disable.contains(&rule)
            && match rule {
                RuleKind::ErrorRateIncrease => self.error_rate_increase.is_some(),
                RuleKind::P99Increase => self.p99_increase_pct.is_some(),
                RuleKind::RpsDrop => self.rps_drop_pct.is_some(),
                RuleKind::NewPlaintextEdge => self.new_plaintext_edge,
                RuleKind::NewErrorFinding => self.new_error_finding,
            }
    }
}

/// The rules that can fire, as `--fail-rules` and the outputs name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    ErrorRateIncrease,
    P99Increase,
    RpsDrop,
    NewPlaintextEdge,
    NewErrorFinding,
}

impl RuleKind {
    pub const ALL: [RuleKind; 5] = [
        RuleKind::ErrorRateIncrease,
        RuleKind::P99Increase,
        RuleKind::RpsDrop,
        RuleKind::NewPlaintextEdge,
        RuleKind::NewErrorFinding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::ErrorRateIncrease => "error_rate_increase",
            RuleKind::P99Increase => "p99_increase",
            RuleKind::RpsDrop => "rps_drop",
            RuleKind::NewPlaintextEdge => "new_plaintext_edge",
            RuleKind::NewErrorFinding => "new_error_finding",
        }
    }

    pub fn parse(text: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}
