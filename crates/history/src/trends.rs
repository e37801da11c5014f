//! Trends and regressions over the runs of a window, computed from the
//! frames the store loads.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use serde::Serialize;

use crate::HistoryError;
use crate::record::{edge_resource, format_time};
use crate::rules::{RegressionRules, RuleKind};
use crate::store::Loaded;
use crate::table::{
    BYTES_TO_SERVER, CLUSTER, ERROR_RPS, EdgeTable, MTLS, NONE, P50, P99, PROTOCOL, RATES_FROM,
    RPS, SOURCE_NAMESPACE, TARGET_NAMESPACE,
};

/// One run of the window.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunInfo {
    pub at: String,
    #[serde(skip)]
    pub at_seconds: i64,
}

/// An edge over the window: one value per run (null where the edge was
/// absent or the figure unknown).
#[derive(Debug, Clone, Serialize)]
pub struct EdgeTrend {
    pub source: String,
    pub target: String,
    pub cluster: Option<String>,
    pub source_namespace: Option<String>,
    pub target_namespace: Option<String>,
    pub protocol: Option<String>,
    pub rps: Vec<Option<f64>>,
    pub error_rate: Vec<Option<f64>>,
    /// Per-run quantiles of each run's own histogram, never averaged.
    pub latency_p50_ms: Vec<Option<f64>>,
    pub latency_p99_ms: Vec<Option<f64>>,
    pub mtls: Vec<Option<f64>>,
    pub first_seen: String,
}

/// Totals of a group (namespace or cluster) per run.
#[derive(Debug, Clone, Serialize)]
pub struct GroupTrend {
    pub name: String,
    pub rps: Vec<Option<f64>>,
    pub error_rate: Vec<Option<f64>>,
    pub mtls_share: Vec<Option<f64>>,
    pub edges: Vec<u32>,
}

/// A fired regression rule.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Regression {
    pub rule: RuleKind,
    /// `SOURCE -> TARGET` for edge rules, the finding's resource otherwise.
    pub subject: String,
    /// The finding code, for `new_error_finding`.
    pub code: Option<String>,
    /// The run where the current streak began.
    pub began: String,
    #[serde(skip)]
    pub began_seconds: i64,
    /// How many runs in a row, the newest included.
    pub runs: usize,
    pub value: Option<f64>,
    pub baseline: Option<f64>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EdgeChange {
    pub source: String,
    pub target: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingState {
    pub code: String,
    pub resource: String,
    pub severity: Option<String>,
    pub message: Option<String>,
    /// When the current open streak began (for open findings), or when it
    /// was last seen (for resolved ones).
    pub since: String,
    pub age_days: f64,
}

/// Adoption and security posture of a namespace (as the server side).
#[derive(Debug, Clone, Serialize)]
pub struct Posture {
    pub namespace: String,
    /// sidecar, ambient, ambient+waypoint, out of mesh, or mixed.
    pub mode: String,
    /// Workloads receiving traffic, per data-plane mode, in the newest run.
    pub workloads_by_mode: BTreeMap<String, u32>,
    /// Share of traffic under mTLS per run.
    pub mtls_share: Vec<Option<f64>>,
    /// Workloads without a server-side proxy per run.
    pub without_proxy: Vec<u32>,
    /// Requests per second from unknown callers per run.
    pub unknown_caller_rps: Vec<Option<f64>>,
}

/// Everything the report says about the history.
#[derive(Debug, Clone, Serialize)]
pub struct Trends {
    pub runs: Vec<RunInfo>,
    pub regressions: Vec<Regression>,
    pub edges: Vec<EdgeTrend>,
    pub namespaces: Vec<GroupTrend>,
    pub clusters: Vec<GroupTrend>,
    pub appeared: Vec<EdgeChange>,
    pub vanished: Vec<EdgeChange>,
    pub protocol_changed: Vec<EdgeChange>,
    pub findings_opened: Vec<FindingState>,
    pub findings_open: Vec<FindingState>,
    pub findings_resolved: Vec<FindingState>,
    pub posture: Vec<Posture>,
    pub warnings: Vec<String>,
}

fn pl(e: PolarsError) -> HistoryError {
    HistoryError::Compute(e.to_string())
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<Vec<Option<&'a str>>, HistoryError> {
    match df.column(name) {
        Ok(c) => Ok(c.str().map_err(pl)?.iter().collect()),
        Err(_) => Ok(vec![None; df.height()]),
    }
}

fn ints(df: &DataFrame, name: &str) -> Result<Vec<i64>, HistoryError> {
    Ok(df
        .column(name)
        .map_err(pl)?
        .cast(&DataType::Int64)
        .map_err(pl)?
        .i64()
        .map_err(pl)?
        .iter()
        .map(|v| v.unwrap_or_default())
        .collect())
}

/// An f64 ordered by `total_cmp`, for the heaps of [`RunningMedian`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The median of a growing set in O(log n) per value: the lower half in a
/// max-heap, the upper half in a min-heap.
#[derive(Debug, Default)]
struct RunningMedian {
    low: std::collections::BinaryHeap<Ordered>,
    high: std::collections::BinaryHeap<std::cmp::Reverse<Ordered>>,
}

impl RunningMedian {
    fn len(&self) -> usize {
        self.low.len() + self.high.len()
    }

    fn push(&mut self, v: f64) {
        match self.low.peek() {
            Some(top) if v > top.0 => self.high.push(std::cmp::Reverse(Ordered(v))),
            _ => self.low.push(Ordered(v)),
        }
        if self.low.len() > self.high.len() + 1 {
            if let Some(x) = self.low.pop() {
                self.high.push(std::cmp::Reverse(x));
            }
        } else if self.high.len() > self.low.len()
            && let Some(std::cmp::Reverse(x)) = self.high.pop()
        {
            self.low.push(x);
        }
    }

    fn median(&self) -> Option<f64> {
        let low = self.low.peek()?.0;
        Some(if self.low.len() > self.high.len() {
            low
        } else {
            (low + self.high.peek()?.0.0) / 2.0
        })
    }
}

/// The data-plane mode of a server workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    OutOfMesh,
    Ambient,
    Sidecar,
    AmbientWaypoint,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::OutOfMesh => "out of mesh",
            Mode::Ambient => "ambient",
            Mode::Sidecar => "sidecar",
            Mode::AmbientWaypoint => "ambient+waypoint",
        }
    }
}

/// The data-plane mode of a server workload from how one inbound call was
/// reported: through a waypoint; a server-side Envoy (sidecar); ztunnel at
/// the destination, or server-side mTLS evidence without a server-side Envoy
/// (ambient: a sidecar server would have reported the rates itself); else
/// only the caller saw the call (out of mesh).
fn server_mode(via_waypoint: bool, rates_from: &str, server_evidence: bool) -> Mode {
    let has = |e: &str| rates_from.split(',').any(|x| x == e);
    if via_waypoint || has("waypoint") {
        Mode::AmbientWaypoint
    } else if has("envoy-destination") {
        Mode::Sidecar
    } else if has("ztunnel-destination") || server_evidence {
        Mode::Ambient
    } else {
        Mode::OutOfMesh
    }
}

/// How a rule's `broke(value, baseline)` moves with the baseline, when it
/// is monotone in it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Monotone {
    /// A higher baseline never makes a value break (a rise rule).
    Falling,
    /// A lower baseline never makes a value break (a drop rule).
    Rising,
}

/// Whether each of the newest `need` runs could break against the most
/// favourable baseline its earlier values allow, a cheap test that spares
/// most edges the running medians of [`streak`]. A baseline is the median of
/// some of the earlier judged values, so it lies between the least and the
/// greatest of them; `broke` being monotone in the baseline, a run that does
/// not break against that bound breaks against no baseline. When an earlier
/// value is not finite or so large that the mean of two could overflow, the
/// bound does not hold and the answer is yes (the full evaluation decides).
fn may_break(
    values: &[Option<f64>],
    judged: &[bool],
    need: usize,
    monotone: Monotone,
    broke: &impl Fn(f64, f64) -> bool,
) -> bool {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    let first_tested = values.len().saturating_sub(need);
    for (i, value) in values.iter().enumerate() {
        if i >= first_tested {
            // streak() checked these runs have values.
            let Some(v) = *value else { return false };
            // No earlier value: no baseline, the run cannot break.
            if low > high {
                return false;
            }
            let bound = match monotone {
                Monotone::Falling => low,
                Monotone::Rising => high,
            };
            if !broke(v, bound) {
                return false;
            }
        }
        if let Some(x) = *value
            && judged[i]
        {
            if !x.is_finite() || x.abs() > 1e300 {
                return true;
            }
            low = low.min(x);
            high = high.max(x);
        }
    }
    true
}

/// Evaluates one rule over an edge's series: `broke(value, baseline)`.
/// `monotone`, when given, says how `broke` moves with the baseline (see
/// [`may_break`]). Returns (first run of the streak, streak length, last
/// value, baseline).
fn streak(
    values: &[Option<f64>],
    judged: &[bool],
    rules: &RegressionRules,
    monotone: Option<Monotone>,
    broke: impl Fn(f64, f64) -> bool,
) -> Option<(usize, usize, f64, f64)> {
    // The rule can only fire when the newest runs were all judged.
    let need = rules.consecutive.max(1);
    if values.len() < need
        || values[values.len() - need..].iter().any(Option::is_none)
        || judged[judged.len() - need..].iter().any(|j| !j)
    {
        return None;
    }
    if let Some(monotone) = monotone
        && !may_break(values, judged, need, monotone, &broke)
    {
        return None;
    }
    let mut clean = RunningMedian::default();
    let mut flags = vec![false; values.len()];
    let mut baselines = vec![None; values.len()];
    for (i, v) in values.iter().enumerate() {
        let Some(v) = *v else { continue };
        if !judged[i] {
            continue;
        }
        let base = if clean.len() >= rules.min_baseline_runs {
            clean.median()
        } else {
            None
        };
        baselines[i] = base;
        match base {
            Some(b) if broke(v, b) => flags[i] = true,
            _ => clean.push(v),
        }
    }
    let last = values.len().checked_sub(1)?;
    let mut start = values.len();
    while start > 0 && flags[start - 1] {
        start -= 1;
    }
    let len = values.len() - start;
    if len == 0 || len < rules.consecutive.max(1) {
        return None;
    }
    Some((start, len, values[last]?, baselines[start]?))
}

/// A sum as polars' group-by computes `col(x).sum()`, kept so that the
/// totals do not change with the move off polars: Kahan summation of the
/// non-null values in row order, 0 when there are none, and a group of one
/// row gives that row's value (or 0 when null).
#[derive(Debug, Default, Clone, Copy)]
struct GroupSum {
    rows: u32,
    first: f64,
    sum: f64,
    compensation: f64,
}

impl GroupSum {
    fn add(&mut self, value: Option<f64>) {
        self.rows += 1;
        let Some(x) = value else {
            return;
        };
        if self.rows == 1 {
            self.first = x;
        }
        let y = x - self.compensation;
        let sum = self.sum + y;
        let compensation = (sum - self.sum) - y;
        self.sum = sum;
        // An infinite sum must not turn the compensation into NaN.
        if compensation.is_finite() {
            self.compensation = compensation;
        }
    }

    fn value(&self) -> f64 {
        if self.rows == 1 { self.first } else { self.sum }
    }
}

/// The totals of one group in one run.
#[derive(Debug, Default, Clone, Copy)]
struct GroupRun {
    rps: GroupSum,
    error_rps: GroupSum,
    mtls_rps: GroupSum,
    /// rps of the rows whose mTLS share is known.
    judged_rps: GroupSum,
    /// Rows with a source.
    edges: u32,
}

/// Per-run totals of the rows grouped by one string attribute (rows where it
/// is null are left out), added in the trends' row order.
#[derive(Debug)]
struct GroupTotals {
    /// Group slot per name id, [`NONE`] when not a group.
    slot_of: Vec<u32>,
    /// Name id per slot.
    names: Vec<u32>,
    /// `runs` entries per slot.
    totals: Vec<GroupRun>,
    runs: usize,
}

impl GroupTotals {
    fn new(names: usize, runs: usize) -> GroupTotals {
        GroupTotals {
            slot_of: vec![NONE; names],
            names: Vec::new(),
            totals: Vec::new(),
            runs,
        }
    }

    fn add(&mut self, key: u32, run: usize, has_source: bool, figures: [Option<f64>; 3]) {
        let Some(slot) = self.slot_of.get_mut(key as usize) else {
            return;
        };
        if *slot == NONE {
            *slot = self.names.len() as u32;
            self.names.push(key);
            self.totals
                .resize(self.totals.len() + self.runs, GroupRun::default());
        }
        let [rps, error_rps, mtls] = figures;
        let g = &mut self.totals[*slot as usize * self.runs + run];
        g.rps.add(rps);
        g.error_rps.add(error_rps);
        g.mtls_rps.add(rps.zip(mtls).map(|(r, m)| r * m));
        if mtls.is_some() {
            g.judged_rps.add(rps);
        }
        g.edges += u32::from(has_source);
    }

    fn finish(self, table: &EdgeTable) -> Vec<GroupTrend> {
        let n = self.runs;
        let mut out: Vec<GroupTrend> = self
            .names
            .iter()
            .enumerate()
            .map(|(slot, name)| {
                let mut g = GroupTrend {
                    name: table.name(*name).unwrap_or_default().to_string(),
                    rps: vec![None; n],
                    error_rate: vec![None; n],
                    mtls_share: vec![None; n],
                    edges: vec![0; n],
                };
                for (r, t) in self.totals[slot * n..(slot + 1) * n].iter().enumerate() {
                    if t.rps.rows == 0 {
                        continue;
                    }
                    let (rps, err) = (t.rps.value(), t.error_rps.value());
                    let (mtls_rps, judged) = (t.mtls_rps.value(), t.judged_rps.value());
                    g.rps[r] = Some(rps);
                    g.error_rate[r] = (rps > 0.0).then(|| err / rps);
                    g.mtls_share[r] = (judged > 0.0).then(|| mtls_rps / judged);
                    g.edges[r] = t.edges;
                }
                g
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// The posture per namespace, built from the rows of non-infrastructure
/// traffic in the trends' row order.
#[derive(Debug)]
struct PostureBuild {
    runs: usize,
    /// Slot per namespace name id, [`NONE`] when none yet.
    slot_of: Vec<u32>,
    postures: Vec<Posture>,
    /// (mTLS share × weight, weight) per slot and run.
    mtls: Vec<(f64, f64)>,
    /// Workload slot per (namespace slot, target name id).
    workloads: HashMap<(u32, u32), u32>,
    /// Namespace slot per workload slot.
    workload_namespace: Vec<u32>,
    /// Mode per workload slot and run (`None` when it received nothing).
    modes: Vec<Option<Mode>>,
    /// The mode of a call per `rates_from` name id (the last entry for
    /// null), without and with server-side mTLS evidence.
    mode_of: Vec<Option<[Mode; 2]>>,
    /// Per edge id: the namespace slot and workload slot of its last row.
    edge_workload: Vec<(u32, u32)>,
}

/// One row as the posture reads it.
struct PostureRow {
    run: usize,
    edge: u32,
    namespace: u32,
    target: u32,
    unknown_source: bool,
    via_waypoint: bool,
    rates_from: u32,
    rps: Option<f64>,
    mtls: Option<f64>,
    bytes: Option<f64>,
}

impl PostureBuild {
    fn new(table: &EdgeTable, runs: usize) -> PostureBuild {
        PostureBuild {
            runs,
            slot_of: vec![NONE; table.names()],
            postures: Vec::new(),
            mtls: Vec::new(),
            workloads: HashMap::new(),
            workload_namespace: Vec::new(),
            modes: Vec::new(),
            mode_of: vec![None; table.names() + 1],
            edge_workload: vec![(NONE, NONE); table.edges()],
        }
    }

    fn add(&mut self, table: &EdgeTable, row: PostureRow) {
        let n = self.runs;
        let r = row.run;
        let ns = match self.slot_of[row.namespace as usize] {
            NONE => {
                let slot = self.postures.len() as u32;
                self.slot_of[row.namespace as usize] = slot;
                self.postures.push(Posture {
                    namespace: table.name(row.namespace).unwrap_or_default().to_string(),
                    mode: String::new(),
                    workloads_by_mode: BTreeMap::new(),
                    mtls_share: vec![None; n],
                    without_proxy: vec![0; n],
                    unknown_caller_rps: vec![None; n],
                });
                self.mtls.resize(self.mtls.len() + n, (0.0, 0.0));
                slot
            }
            slot => slot,
        };
        let cached = &mut self.edge_workload[row.edge as usize];
        let workload = if cached.0 == ns {
            cached.1
        } else {
            let next = self.workload_namespace.len() as u32;
            let slot = *self.workloads.entry((ns, row.target)).or_insert(next);
            if slot == next {
                self.workload_namespace.push(ns);
                self.modes.resize(self.modes.len() + n, None);
            }
            *cached = (ns, slot);
            slot
        };
        let mode = if row.via_waypoint {
            Mode::AmbientWaypoint
        } else {
            let key = (row.rates_from as usize).min(self.mode_of.len() - 1);
            let modes = *self.mode_of[key].get_or_insert_with(|| {
                let rates_from = table.name(row.rates_from).unwrap_or("");
                [false, true].map(|evidence| server_mode(false, rates_from, evidence))
            });
            modes[usize::from(row.mtls.is_some())]
        };
        // A workload seen through any proxy counts as that mode.
        let current = &mut self.modes[workload as usize * n + r];
        if matches!(current, None | Some(Mode::OutOfMesh)) {
            *current = Some(mode);
        }
        let p = &mut self.postures[ns as usize];
        if row.unknown_source {
            *p.unknown_caller_rps[r].get_or_insert(0.0) += row.rps.unwrap_or(0.0);
        }
        if let (Some(m), Some(w)) = (row.mtls, row.rps.or(row.bytes)) {
            let acc = &mut self.mtls[ns as usize * n + r];
            acc.0 += m * w;
            acc.1 += w;
        }
    }

    fn finish(mut self) -> Vec<Posture> {
        let n = self.runs;
        for (slot, p) in self.postures.iter_mut().enumerate() {
            for (r, (num, den)) in self.mtls[slot * n..(slot + 1) * n].iter().enumerate() {
                if *den > 0.0 {
                    p.mtls_share[r] = Some(num / den);
                }
            }
        }
        for (w, ns) in self.workload_namespace.iter().enumerate() {
            let p = &mut self.postures[*ns as usize];
            for (r, mode) in self.modes[w * n..(w + 1) * n].iter().enumerate() {
                let Some(mode) = mode else {
                    continue;
                };
                if *mode == Mode::OutOfMesh {
                    p.without_proxy[r] += 1;
                }
                if r + 1 == n {
                    *p.workloads_by_mode
                        .entry(mode.as_str().to_string())
                        .or_default() += 1;
                }
            }
        }
        for p in &mut self.postures {
            p.mode = match p.workloads_by_mode.len() {
                0 => "absent".to_string(),
                1 => p
                    .workloads_by_mode
                    .keys()
                    .next()
                    .cloned()
                    .unwrap_or_default(),
                _ => "mixed".to_string(),
            };
        }
        self.postures.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        self.postures
    }
}

/// What the trends keep of an edge besides its series: the attribute ids of
/// its newest rows, and its protocol in the two newest runs.
#[derive(Debug, Clone, Copy)]
struct EdgeState {
    /// The run of its first row ([`NONE`] before it is met).
    first_run: u32,
    unknown_source: bool,
    cluster: u32,
    source_namespace: u32,
    target_namespace: u32,
    protocol: u32,
    recent_protocols: [u32; 2],
}

/// The edge rules fired by these edges, in their order.
fn edge_regressions(
    edges: &[EdgeTrend],
    runs: &[RunInfo],
    rules: &RegressionRules,
) -> Vec<Regression> {
    let n = runs.len();
    let mut regressions = Vec::new();
    let began_at = |i: usize| runs.get(i).map(|r| (r.at.clone(), r.at_seconds));
    for e in edges {
        let subject = edge_resource(&e.source, &e.target);
        let busy: Vec<bool> = e
            .rps
            .iter()
            .map(|v| v.is_some_and(|r| r >= rules.min_rps))
            .collect();
        let mut fire = |rule: RuleKind,
                        hit: Option<(usize, usize, f64, f64)>,
                        text: &dyn Fn(f64, f64) -> String| {
            if let Some((start, len, value, base)) = hit
                && let Some((began, began_seconds)) = began_at(start)
            {
                regressions.push(Regression {
                    rule,
                    subject: subject.clone(),
                    code: None,
                    began,
                    began_seconds,
                    runs: len,
                    value: Some(value),
                    baseline: Some(base),
                    summary: text(value, base),
                });
            }
        };
        if let Some(th) = rules
            .error_rate_increase
            .filter(|_| rules.enabled(RuleKind::ErrorRateIncrease))
        {
            let hit = streak(
                &e.error_rate,
                &busy,
                rules,
                Some(Monotone::Falling),
                |v, b| v - b >= th,
            );
            fire(RuleKind::ErrorRateIncrease, hit, &|v, b| {
                format!("error rate {} (baseline {})", pct(v), pct(b))
            });
        }
        if let Some(th) = rules
            .p99_increase_pct
            .filter(|_| rules.enabled(RuleKind::P99Increase))
        {
            let min_ms = rules.p99_min_increase_ms;
            let factor = 1.0 + th / 100.0;
            // Both conditions weaken as the baseline rises (for a finite,
            // non-negative factor).
            let monotone = (factor.is_finite() && factor >= 0.0).then_some(Monotone::Falling);
            let hit = streak(&e.latency_p99_ms, &busy, rules, monotone, |v, b| {
                v >= b * (1.0 + th / 100.0) && v - b >= min_ms
            });
            fire(RuleKind::P99Increase, hit, &|v, b| {
                format!("p99 {v:.0} ms (baseline {b:.0} ms)")
            });
        }
        if let Some(th) = rules
            .rps_drop_pct
            .filter(|_| rules.enabled(RuleKind::RpsDrop))
        {
            let present: Vec<bool> = e.rps.iter().map(Option::is_some).collect();
            let min = rules.min_rps;
            let factor = 1.0 - th / 100.0;
            // Both conditions weaken as the baseline falls (for a finite,
            // non-negative factor).
            let monotone = (factor.is_finite() && factor >= 0.0).then_some(Monotone::Rising);
            let hit = streak(&e.rps, &present, rules, monotone, |v, b| {
                b >= min && v <= b * (1.0 - th / 100.0)
            });
            fire(RuleKind::RpsDrop, hit, &|v, b| {
                format!("{v:.2} rps (baseline {b:.2} rps)")
            });
        }
        if rules.enabled(RuleKind::NewPlaintextEdge) && n > 0 {
            let low = rules.plaintext_below;
            let plain: Vec<bool> = e.mtls.iter().map(|m| m.is_some_and(|m| m < low)).collect();
            let mut start = n;
            while start > 0 && plain[start - 1] {
                start -= 1;
            }
            // Plaintext now, and not plaintext from the first run on.
            if start < n && start > 0 && !plain[..start].iter().all(|p| *p) {
                fire(
                    RuleKind::NewPlaintextEdge,
                    Some((start, n - start, e.mtls[n - 1].unwrap_or(0.0), low)),
                    &|v, _| format!("mTLS share {} (plaintext)", pct(v)),
                );
            }
        }
    }
    regressions
}

/// Edges whose series [`fill_series`] fills together.
const SERIES_TILE: usize = 64;

/// Fills the series of `edges` (the edges from index `offset` on) from
/// `row_of` (per run, then edge: the row of the edge in the run, or
/// [`NONE`]). A tile of edges at a time, so that the memory touched by each
/// step stays small even though `row_of` is run-major and the series
/// edge-major.
fn fill_series(edges: &mut [EdgeTrend], offset: usize, row_of: &[u32], table: &EdgeTable) {
    let n = table.run_at().len();
    let width = row_of.len() / n.max(1);
    for (t, tile) in edges.chunks_mut(SERIES_TILE).enumerate() {
        let first = offset + t * SERIES_TILE;
        for e in tile.iter_mut() {
            e.rps = Vec::with_capacity(n);
            e.error_rate = Vec::with_capacity(n);
            e.latency_p50_ms = Vec::with_capacity(n);
            e.latency_p99_ms = Vec::with_capacity(n);
            e.mtls = Vec::with_capacity(n);
        }
        // One value per run and edge, pushed in run order.
        for rows in row_of.chunks_exact(width.max(1)) {
            for (e, row) in tile.iter_mut().zip(&rows[first..]) {
                let figure = |which| match *row {
                    NONE => None,
                    row => table.figure(which, row as usize),
                };
                let rps = figure(RPS);
                e.rps.push(rps);
                e.error_rate.push(ratio(figure(ERROR_RPS), rps));
                e.latency_p50_ms.push(figure(P50));
                e.latency_p99_ms.push(figure(P99));
                e.mtls.push(figure(MTLS));
            }
        }
    }
}

fn ratio(num: Option<f64>, den: Option<f64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d),
        (None, Some(d)) if d > 0.0 => Some(0.0),
        _ => None,
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Computes the trends of the loaded runs with the given rules.
pub fn compute(loaded: &Loaded, rules: &RegressionRules) -> Result<Trends, HistoryError> {
    let runs: Vec<RunInfo> = loaded
        .runs
        .iter()
        .map(|r| RunInfo {
            at: format_time(r.at),
            at_seconds: r.at,
        })
        .collect();
    // Two runs at the same second are one point of the series.
    let mut run_index: BTreeMap<i64, usize> = BTreeMap::new();
    for r in &loaded.runs {
        let next = run_index.len();
        run_index.entry(r.at).or_insert(next);
    }
    let runs: Vec<RunInfo> = {
        let mut seen = BTreeSet::new();
        runs.into_iter()
            .filter(|r| seen.insert(r.at_seconds))
            .collect()
    };
    let n = runs.len();
    let from_frame;
    let table = match &loaded.trend_edges {
        Some(t) => t,
        None => {
            let run_at = runs.iter().map(|r| r.at_seconds).collect();
            from_frame = EdgeTable::from_frame(&loaded.edges, run_at)?;
            &from_frame
        }
    };
    if table.run_at().len() != n {
        return Err(HistoryError::Compute(
            "the edge table and the runs do not match".into(),
        ));
    }

    // The edges in name order, each with its series.
    let mut edges: Vec<EdgeTrend> = Vec::new();
    let mut states: Vec<EdgeState> = Vec::new();
    // Per edge: its index in `edges` (NONE when its source or target is
    // null).
    let mut index = vec![NONE; table.edges()];
    for edge in 0..table.edges() as u32 {
        let (s, t) = table.key(edge);
        let (Some(source), Some(target)) = (table.name(s), table.name(t)) else {
            continue;
        };
        index[edge as usize] = edges.len() as u32;
        edges.push(EdgeTrend {
            source: source.to_string(),
            target: target.to_string(),
            cluster: None,
            source_namespace: None,
            target_namespace: None,
            protocol: None,
            // Filled by fill_series.
            rps: Vec::new(),
            error_rate: Vec::new(),
            latency_p50_ms: Vec::new(),
            latency_p99_ms: Vec::new(),
            mtls: Vec::new(),
            first_seen: String::new(),
        });
        states.push(EdgeState {
            first_run: NONE,
            unknown_source: source == "unknown",
            cluster: NONE,
            source_namespace: NONE,
            target_namespace: NONE,
            protocol: NONE,
            recent_protocols: [NONE; 2],
        });
    }

    // One pass over the rows, by run, then edge: each edge sees its rows
    // oldest first, and the group and posture totals add a run's rows in
    // edge order, as over the frame sorted by source, target and run_at.
    let mut namespace_totals = GroupTotals::new(table.names(), n);
    let mut cluster_totals = GroupTotals::new(table.names(), n);
    let mut posture = PostureBuild::new(table, n);

    // Per run and edge (run-major: the pass writes it in order), the row
    // the edge's series take their values from.
    let mut row_of = vec![NONE; n * edges.len()];
    for row in 0..table.len() {
        let r = table.run(row);
        let edge = table.edge(row);
        let (s, t) = table.key(edge);
        let rps = table.figure(RPS, row);
        let error_rps = table.figure(ERROR_RPS, row);
        let mtls = table.figure(MTLS, row);
        let target_ns = table.attribute(TARGET_NAMESPACE, row);
        let figures = [rps, error_rps, mtls];
        namespace_totals.add(target_ns, r, s != NONE, figures);
        cluster_totals.add(table.attribute(CLUSTER, row), r, s != NONE, figures);
        let i = index[edge as usize];
        let Some(state) = states.get_mut(i as usize) else {
            continue;
        };
        if state.first_run == NONE {
            state.first_run = r as u32;
        }
        // The newest known value of each attribute; the newest protocol.
        for (which, newest) in [
            (CLUSTER, &mut state.cluster),
            (SOURCE_NAMESPACE, &mut state.source_namespace),
            (TARGET_NAMESPACE, &mut state.target_namespace),
        ] {
            let id = table.attribute(which, row);
            if id != NONE {
                *newest = id;
            }
        }
        state.protocol = table.attribute(PROTOCOL, row);
        if r + 2 >= n {
            state.recent_protocols[r + 2 - n] = state.protocol;
        }
        // The newest row of the edge in the run (a run lists an edge
        // once, or it is the later of two at the same second).
        row_of[r * edges.len() + i as usize] = row as u32;
        // Posture: the server side of non-infrastructure traffic.
        if !table.infrastructure(row) && target_ns != NONE {
            posture.add(
                table,
                PostureRow {
                    run: r,
                    edge,
                    namespace: target_ns,
                    target: t,
                    unknown_source: state.unknown_source,
                    via_waypoint: table.via_waypoint(row),
                    rates_from: table.attribute(RATES_FROM, row),
                    rps,
                    mtls,
                    bytes: table.figure(BYTES_TO_SERVER, row),
                },
            );
        }
    }
    // Half of the edges (at a tile boundary) on another thread.
    let half = (edges.len() / 2)
        .next_multiple_of(SERIES_TILE)
        .min(edges.len());
    let (first, second) = edges.split_at_mut(half);
    std::thread::scope(|scope| {
        scope.spawn(|| fill_series(second, half, &row_of, table));
        fill_series(first, 0, &row_of, table);
    });
    let owned = |id: u32| table.name(id).map(str::to_string);
    for (e, state) in edges.iter_mut().zip(&states) {
        e.first_seen = runs
            .get(state.first_run as usize)
            .map(|r| format_time(r.at_seconds))
            .unwrap_or_default();
        e.cluster = owned(state.cluster);
        e.source_namespace = owned(state.source_namespace);
        e.target_namespace = owned(state.target_namespace);
        e.protocol = owned(state.protocol);
    }

    // Regressions per edge, half of the edges on another thread.
    let (first, second) = edges.split_at(edges.len() / 2);
    let mut regressions = std::thread::scope(|scope| {
        let later = scope.spawn(|| edge_regressions(second, &runs, rules));
        let mut found = edge_regressions(first, &runs, rules);
        found.extend(
            later
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        found
    });

    // Changes between the two newest runs.
    let (mut appeared, mut vanished, mut protocol_changed) = (Vec::new(), Vec::new(), Vec::new());
    if n >= 2 {
        for (e, state) in edges.iter().zip(&states) {
            let [before, now] = state.recent_protocols.map(|p| table.name(p));
            let change = || EdgeChange {
                source: e.source.clone(),
                target: e.target.clone(),
                from: before.map(str::to_string),
                to: now.map(str::to_string),
            };
            match (before, now) {
                (None, Some(_)) => appeared.push(change()),
                (Some(_), None) => vanished.push(change()),
                (Some(a), Some(b)) if a != b => protocol_changed.push(change()),
                _ => {}
            }
        }
    }

    // Findings.
    let f = &loaded.findings;
    // Per (code, resource): present in each run, severity, message.
    type Presence = (Vec<bool>, Option<String>, Option<String>);
    let mut presence: BTreeMap<(String, String), Presence> = BTreeMap::new();
    if f.height() > 0 && f.column("code").is_ok() {
        let at = ints(f, "run_at")?;
        let code = strs(f, "code")?;
        let resource = strs(f, "resource")?;
        let severity = strs(f, "severity")?;
        let message = strs(f, "message")?;
        for i in 0..f.height() {
            let (Some(c), Some(res), Some(&r)) = (&code[i], &resource[i], run_index.get(&at[i]))
            else {
                continue;
            };
            let entry = presence
                .entry((c.to_string(), res.to_string()))
                .or_insert_with(|| (vec![false; n], None, None));
            entry.0[r] = true;
            if let Some(sev) = severity[i] {
                entry.1 = Some(sev.to_string());
            }
            if let Some(m) = message[i] {
                entry.2 = Some(m.to_string());
            }
        }
    }
    let (mut opened, mut open, mut resolved) = (Vec::new(), Vec::new(), Vec::new());
    let newest = runs.last().map(|r| r.at_seconds).unwrap_or_default();
    for ((code, resource), (present, severity, message)) in &presence {
        let state = |i: usize| FindingState {
            code: code.clone(),
            resource: resource.clone(),
            severity: severity.clone(),
            message: message.clone(),
            since: runs[i].at.clone(),
            age_days: (newest - runs[i].at_seconds) as f64 / 86_400.0,
        };
        if n == 0 {
            continue;
        }
        if present[n - 1] {
            let mut start = n - 1;
            while start > 0 && present[start - 1] {
                start -= 1;
            }
            if n >= 2 && !present[n - 2] {
                opened.push(state(start));
            } else {
                open.push(state(start));
            }
            let is_error = severity.as_deref() == Some("error");
            if rules.enabled(RuleKind::NewErrorFinding) && is_error && start > 0 {
                regressions.push(Regression {
                    rule: RuleKind::NewErrorFinding,
                    subject: resource.clone(),
                    code: Some(code.clone()),
                    began: runs[start].at.clone(),
                    began_seconds: runs[start].at_seconds,
                    runs: n - start,
                    value: None,
                    baseline: None,
                    summary: format!(
                        "{code}: {}",
                        message
                            .clone()
                            .unwrap_or_else(|| "new error finding".into())
                    ),
                });
            }
        } else if n >= 2 && present[n - 2] {
            resolved.push(state(n - 2));
        }
    }
    regressions.sort_by(|a, b| {
        a.began_seconds
            .cmp(&b.began_seconds)
            .then(a.rule.cmp(&b.rule))
            .then(a.subject.cmp(&b.subject))
    });

    let namespaces = namespace_totals.finish(table);
    let clusters = cluster_totals.finish(table);
    Ok(Trends {
        runs,
        regressions,
        edges,
        namespaces,
        clusters,
        appeared,
        vanished,
        protocol_changed,
        findings_opened: opened,
        findings_open: open,
        findings_resolved: resolved,
        posture: posture.finish(),
        warnings: loaded.warnings.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_median(values: &[f64]) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        }
    }

    /// A small generator, so the tests need no dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The namespace totals as the trends computed them before the edge
    /// table: polars' group-by over the frame sorted by source, target and
    /// run_at.
    fn polars_totals(edges: &DataFrame, runs: &[i64]) -> Vec<GroupTrend> {
        let n = runs.len();
        // Sorted first, as its own query: a sort inside the group-by's
        // query would be optimised away.
        let sorted = edges
            .clone()
            .lazy()
            .sort(
                ["source", "target", "run_at"],
                SortMultipleOptions::default(),
            )
            .collect()
            .unwrap();
        let totals = sorted
            .lazy()
            .filter(col("target_namespace").is_not_null())
            .group_by([col("target_namespace"), col("run_at")])
            .agg([
                col("rps").sum().alias("rps"),
                col("error_rps").sum().alias("error_rps"),
                (col("rps") * col("mtls")).sum().alias("mtls_rps"),
                col("rps")
                    .filter(col("mtls").is_not_null())
                    .sum()
                    .alias("judged_rps"),
                col("source").count().alias("edges"),
            ])
            .sort(
                ["target_namespace", "run_at"],
                SortMultipleOptions::default(),
            )
            .collect()
            .unwrap();
        let f = |name: &str| -> Vec<f64> {
            let c = totals.column(name).unwrap().f64().unwrap();
            c.iter().map(Option::unwrap).collect()
        };
        let (rps, err, mtls, judged) = (f("rps"), f("error_rps"), f("mtls_rps"), f("judged_rps"));
        let names = strs(&totals, "target_namespace").unwrap();
        let at = ints(&totals, "run_at").unwrap();
        let count = ints(&totals, "edges").unwrap();
        let mut out: Vec<GroupTrend> = Vec::new();
        for i in 0..totals.height() {
            let name = names[i].unwrap().to_string();
            if out.last().is_none_or(|g| g.name != name) {
                out.push(GroupTrend {
                    name,
                    rps: vec![None; n],
                    error_rate: vec![None; n],
                    mtls_share: vec![None; n],
                    edges: vec![0; n],
                });
            }
            let g = out.last_mut().unwrap();
            let r = runs.iter().position(|a| *a == at[i]).unwrap();
            g.rps[r] = Some(rps[i]);
            g.error_rate[r] = (rps[i] > 0.0).then(|| err[i] / rps[i]);
            g.mtls_share[r] = (judged[i] > 0.0).then(|| mtls[i] / judged[i]);
            g.edges[r] = count[i] as u32;
        }
        out
    }

    #[test]
    fn group_totals_equal_polars_group_by_sums_to_the_bit() {
        let mut rng = Lcg(11);
        let runs: Vec<i64> = (0..5).map(|i| 1_000_000 + i * 86_400).collect();
        let (mut source, mut target, mut ns, mut at) = (vec![], vec![], vec![], vec![]);
        let (mut rps, mut err, mut mtls) = (vec![], vec![], vec![]);
        // Values of very different sizes, nulls, -0.0 and groups of one row:
        // the cases where the order and method of summing show.
        let value = |rng: &mut Lcg| match rng.below(12) {
            0 => None,
            1 => Some(-0.0),
            2 => Some(1e12 + rng.below(1000) as f64),
            3 => Some(rng.below(1000) as f64 * 1e-9),
            _ => Some(rng.below(100_000) as f64 / 7.0),
        };
        for e in 0..600u64 {
            for run in &runs {
                if rng.below(5) == 0 {
                    continue;
                }
                // A null source only on edges whose target is theirs alone,
                // so that no two rows share a sort key.
                let lone = e % 50 == 0;
                source.push((!lone).then(|| format!("s{}", e / 30)));
                target.push(if lone {
                    format!("lone{e}")
                } else {
                    format!("t{}", e % 30)
                });
                ns.push(match rng.below(9) {
                    0 => None,
                    // A group of one row in most runs.
                    1 if e == 7 => Some("single".to_string()),
                    k => Some(format!("ns{k}")),
                });
                at.push(*run);
                rps.push(value(&mut rng));
                err.push(value(&mut rng));
                mtls.push(match rng.below(4) {
                    0 => None,
                    1 => Some(0.5),
                    _ => Some(1.0),
                });
            }
        }
        let height = at.len();
        let edges = DataFrame::new(
            height,
            vec![
                Column::new("run_at".into(), at),
                Column::new("source".into(), source),
                Column::new("target".into(), target),
                Column::new("target_namespace".into(), ns),
                Column::new("rps".into(), rps),
                Column::new("error_rps".into(), err),
                Column::new("mtls".into(), mtls),
            ],
        )
        .unwrap();
        let expected = polars_totals(&edges, &runs);
        let loaded = Loaded {
            runs: runs
                .iter()
                .map(|at| crate::store::StoredRun {
                    at: *at,
                    id: at.to_string(),
                    dir: std::path::PathBuf::new(),
                })
                .collect(),
            run: DataFrame::empty(),
            nodes: DataFrame::empty(),
            edges,
            trend_edges: None,
            findings: DataFrame::empty(),
            warnings: vec![],
        };
        let got = compute(&loaded, &RegressionRules::default()).unwrap();
        let bits = |v: &[Option<f64>]| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
        assert_eq!(got.namespaces.len(), expected.len());
        for (g, e) in got.namespaces.iter().zip(&expected) {
            assert_eq!(g.name, e.name);
            assert_eq!(bits(&g.rps), bits(&e.rps), "{}", g.name);
            assert_eq!(bits(&g.error_rate), bits(&e.error_rate), "{}", g.name);
            assert_eq!(bits(&g.mtls_share), bits(&e.mtls_share), "{}", g.name);
            assert_eq!(g.edges, e.edges, "{}", g.name);
        }
    }

    #[test]
    fn the_bound_on_the_baseline_never_changes_a_streak() {
        let mut rng = Lcg(5);
        let value = |rng: &mut Lcg| match rng.below(40) {
            0 => None,
            1 => Some(f64::NAN),
            2 => Some(f64::INFINITY),
            3 => Some(-1e305),
            4 => Some(-0.0),
            5..=15 => Some(100.0 + rng.below(1000) as f64),
            _ => Some(rng.below(100) as f64 / 10.0),
        };
        let mut fired = 0;
        for case in 0..4000 {
            let len = 1 + rng.below(30) as usize;
            let values: Vec<Option<f64>> = (0..len).map(|_| value(&mut rng)).collect();
            let judged: Vec<bool> = (0..len).map(|_| rng.below(8) != 0).collect();
            let rules = RegressionRules {
                consecutive: rng.below(4) as usize,
                min_baseline_runs: rng.below(4) as usize,
                ..RegressionRules::default()
            };
            let th = [0.0, 0.05, 5.0, 50.0, 150.0, -20.0, -150.0][case % 7];
            let min = [0.0, 0.5, 10.0][case % 3];
            let rise = |v: f64, b: f64| v - b >= th;
            let p99 = |v: f64, b: f64| v >= b * (1.0 + th / 100.0) && v - b >= min;
            let drop = |v: f64, b: f64| b >= min && v <= b * (1.0 - th / 100.0);
            let grow = 1.0 + th / 100.0;
            let shrink = 1.0 - th / 100.0;
            type Rule<'a> = &'a dyn Fn(f64, f64) -> bool;
            let cases: [(Rule, Option<Monotone>); 3] = [
                (&rise, Some(Monotone::Falling)),
                (&p99, (grow >= 0.0).then_some(Monotone::Falling)),
                (&drop, (shrink >= 0.0).then_some(Monotone::Rising)),
            ];
            for (broke, monotone) in cases {
                let full = streak(&values, &judged, &rules, None, broke);
                let bounded = streak(&values, &judged, &rules, monotone, broke);
                let key = |s: Option<(usize, usize, f64, f64)>| {
                    s.map(|(a, b, c, d)| (a, b, c.to_bits(), d.to_bits()))
                };
                assert_eq!(key(full), key(bounded), "{values:?} {judged:?} {th}");
                fired += usize::from(full.is_some());
            }
        }
        // The cases are not all trivial.
        assert!(fired > 100, "{fired}");
    }

    #[test]
    fn the_running_median_equals_the_sorted_median_after_every_value() {
        let mut seed: u64 = 7;
        for len in [1usize, 2, 3, 10, 101] {
            let mut m = RunningMedian::default();
            let mut seen = Vec::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                // Many ties: values in 0..20.
                let v = (seed >> 33) as f64 % 20.0;
                m.push(v);
                seen.push(v);
                assert_eq!(m.len(), seen.len());
                assert_eq!(m.median(), Some(sorted_median(&seen)), "{seen:?}");
            }
        }
        assert_eq!(RunningMedian::default().median(), None);
    }
}
