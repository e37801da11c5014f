//! Trends and regressions over the runs of a window, computed from the
//! frames the store loads.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use serde::Serialize;

use crate::HistoryError;
use crate::record::{edge_resource, format_time};
use crate::rules::{RegressionRules, RuleKind};
use crate::store::Loaded;

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

fn floats(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, HistoryError> {
    match df.column(name) {
        Ok(c) => Ok(c
            .cast(&DataType::Float64)
            .map_err(pl)?
            .f64()
            .map_err(pl)?
            .iter()
            .collect()),
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

/// The data-plane mode of a server workload from how one inbound call was
/// reported: through a waypoint; a server-side Envoy (sidecar); ztunnel at
/// the destination, or server-side mTLS evidence without a server-side Envoy
/// (ambient: a sidecar server would have reported the rates itself); else
/// only the caller saw the call (out of mesh).
fn server_mode(via_waypoint: bool, rates_from: &str, server_evidence: bool) -> &'static str {
    let has = |e: &str| rates_from.split(',').any(|x| x == e);
    if via_waypoint || has("waypoint") {
        "ambient+waypoint"
    } else if has("envoy-destination") {
        "sidecar"
    } else if has("ztunnel-destination") || server_evidence {
        "ambient"
    } else {
        "out of mesh"
    }
}

/// Evaluates one rule over an edge's series: `broke(value, baseline)`.
/// Returns (first run of the streak, streak length, last value, baseline).
fn streak(
    values: &[Option<f64>],
    judged: &[bool],
    rules: &RegressionRules,
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

struct EdgeRows<'a> {
    at: Vec<i64>,
    source: Vec<Option<&'a str>>,
    target: Vec<Option<&'a str>>,
    cluster: Vec<Option<&'a str>>,
    source_ns: Vec<Option<&'a str>>,
    target_ns: Vec<Option<&'a str>>,
    protocol: Vec<Option<&'a str>>,
    rps: Vec<Option<f64>>,
    error_rps: Vec<Option<f64>>,
    p50: Vec<Option<f64>>,
    p99: Vec<Option<f64>>,
    mtls: Vec<Option<f64>>,
    bytes: Vec<Option<f64>>,
    via_waypoint: Vec<Option<&'a str>>,
    rates_from: Vec<Option<&'a str>>,
    infrastructure: Vec<bool>,
}

fn edge_rows(df: &DataFrame) -> Result<EdgeRows<'_>, HistoryError> {
    if df.height() == 0 || df.column("run_at").is_err() {
        return Ok(EdgeRows {
            at: vec![],
            source: vec![],
            target: vec![],
            cluster: vec![],
            source_ns: vec![],
            target_ns: vec![],
            protocol: vec![],
            rps: vec![],
            error_rps: vec![],
            p50: vec![],
            p99: vec![],
            mtls: vec![],
            bytes: vec![],
            via_waypoint: vec![],
            rates_from: vec![],
            infrastructure: vec![],
        });
    }
    let infrastructure = match df.column("infrastructure") {
        Ok(c) => c
            .bool()
            .map_err(pl)?
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect(),
        Err(_) => vec![false; df.height()],
    };
    Ok(EdgeRows {
        at: ints(df, "run_at")?,
        source: strs(df, "source")?,
        target: strs(df, "target")?,
        cluster: strs(df, "cluster")?,
        source_ns: strs(df, "source_namespace")?,
        target_ns: strs(df, "target_namespace")?,
        protocol: strs(df, "protocol")?,
        rps: floats(df, "rps")?,
        error_rps: floats(df, "error_rps")?,
        p50: floats(df, "latency_p50_ms")?,
        p99: floats(df, "latency_p99_ms")?,
        mtls: floats(df, "mtls")?,
        bytes: floats(df, "bytes_to_server_per_second")?,
        via_waypoint: strs(df, "via_waypoint")?,
        rates_from: strs(df, "rates_from")?,
        infrastructure,
    })
}

/// Per-run totals of a group column, computed by polars.
fn group_totals(
    edges: &DataFrame,
    key: &str,
    run_index: &BTreeMap<i64, usize>,
) -> Result<Vec<GroupTrend>, HistoryError> {
    if edges.height() == 0 || edges.column(key).is_err() {
        return Ok(Vec::new());
    }
    let n = run_index.len();
    let totals = edges
        .clone()
        .lazy()
        .filter(col(key).is_not_null())
        .group_by([col(key), col("run_at")])
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
        .sort([key, "run_at"], SortMultipleOptions::default())
        .collect()
        .map_err(pl)?;
    let names = strs(&totals, key)?;
    let at = ints(&totals, "run_at")?;
    let rps = floats(&totals, "rps")?;
    let err = floats(&totals, "error_rps")?;
    let mtls_rps = floats(&totals, "mtls_rps")?;
    let judged = floats(&totals, "judged_rps")?;
    let count = ints(&totals, "edges")?;
    let mut out: BTreeMap<String, GroupTrend> = BTreeMap::new();
    for i in 0..totals.height() {
        let Some(name) = names[i].map(str::to_string) else {
            continue;
        };
        let Some(&r) = run_index.get(&at[i]) else {
            continue;
        };
        let g = out.entry(name.clone()).or_insert_with(|| GroupTrend {
            name,
            rps: vec![None; n],
            error_rate: vec![None; n],
            mtls_share: vec![None; n],
            edges: vec![0; n],
        });
        g.rps[r] = rps[i];
        g.error_rate[r] = match (err[i], rps[i]) {
            (Some(e), Some(q)) if q > 0.0 => Some(e / q),
            _ => None,
        };
        g.mtls_share[r] = match (mtls_rps[i], judged[i]) {
            (Some(m), Some(j)) if j > 0.0 => Some(m / j),
            _ => None,
        };
        g.edges[r] = u32::try_from(count[i]).unwrap_or(u32::MAX);
    }
    Ok(out.into_values().collect())
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
    let edges_df = if loaded.edges.height() > 0 {
        loaded
            .edges
            .clone()
            .lazy()
            .sort(
                ["source", "target", "run_at"],
                SortMultipleOptions::default(),
            )
            .collect()
            .map_err(pl)?
    } else {
        loaded.edges.clone()
    };
    let rows = edge_rows(&edges_df)?;

    // Per-edge series: the rows are sorted by edge, then time.
    let mut edges: Vec<EdgeTrend> = Vec::new();
    let mut protocols: Vec<Vec<Option<&str>>> = Vec::new();
    let mut posture_rows: Vec<(usize, usize)> = Vec::new();
    let mut last_key: Option<(&str, &str)> = None;
    for i in 0..rows.at.len() {
        let (Some(s), Some(t)) = (rows.source[i], rows.target[i]) else {
            continue;
        };
        let Some(&r) = run_index.get(&rows.at[i]) else {
            continue;
        };
        posture_rows.push((i, r));
        if last_key != Some((s, t)) {
            last_key = Some((s, t));
            edges.push(EdgeTrend {
                source: s.to_string(),
                target: t.to_string(),
                cluster: None,
                source_namespace: None,
                target_namespace: None,
                protocol: None,
                rps: vec![None; n],
                error_rate: vec![None; n],
                latency_p50_ms: vec![None; n],
                latency_p99_ms: vec![None; n],
                mtls: vec![None; n],
                first_seen: format_time(rows.at[i]),
            });
            protocols.push(vec![None; n]);
        }
        let (Some(e), Some(p)) = (edges.last_mut(), protocols.last_mut()) else {
            continue;
        };
        let owned = |v: Option<&str>| v.map(str::to_string);
        // Allocate only when a value changes.
        if rows.cluster[i].is_some() && e.cluster.as_deref() != rows.cluster[i] {
            e.cluster = owned(rows.cluster[i]);
        }
        if rows.source_ns[i].is_some() && e.source_namespace.as_deref() != rows.source_ns[i] {
            e.source_namespace = owned(rows.source_ns[i]);
        }
        if rows.target_ns[i].is_some() && e.target_namespace.as_deref() != rows.target_ns[i] {
            e.target_namespace = owned(rows.target_ns[i]);
        }
        if e.protocol.as_deref() != rows.protocol[i] {
            e.protocol = owned(rows.protocol[i]);
        }
        e.rps[r] = rows.rps[i];
        e.error_rate[r] = ratio(rows.error_rps[i], rows.rps[i]);
        e.latency_p50_ms[r] = rows.p50[i];
        e.latency_p99_ms[r] = rows.p99[i];
        e.mtls[r] = rows.mtls[i];
        p[r] = rows.protocol[i];
    }

    // Regressions per edge.
    let mut regressions = Vec::new();
    let began_at = |i: usize| runs.get(i).map(|r| (r.at.clone(), r.at_seconds));
    for e in &edges {
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
            let hit = streak(&e.error_rate, &busy, rules, |v, b| v - b >= th);
            fire(RuleKind::ErrorRateIncrease, hit, &|v, b| {
                format!("error rate {} (baseline {})", pct(v), pct(b))
            });
        }
        if let Some(th) = rules
            .p99_increase_pct
            .filter(|_| rules.enabled(RuleKind::P99Increase))
        {
            let min_ms = rules.p99_min_increase_ms;
            let hit = streak(&e.latency_p99_ms, &busy, rules, |v, b| {
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
            let hit = streak(&e.rps, &present, rules, |v, b| {
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

    // Changes between the two newest runs.
    let (mut appeared, mut vanished, mut protocol_changed) = (Vec::new(), Vec::new(), Vec::new());
    if n >= 2 {
        for (e, p) in edges.iter().zip(&protocols) {
            let change = |from: &Option<&str>, to: &Option<&str>| EdgeChange {
                source: e.source.clone(),
                target: e.target.clone(),
                from: from.map(str::to_string),
                to: to.map(str::to_string),
            };
            match (&p[n - 2], &p[n - 1]) {
                (None, Some(_)) => appeared.push(change(&p[n - 2], &p[n - 1])),
                (Some(_), None) => vanished.push(change(&p[n - 2], &p[n - 1])),
                (Some(a), Some(b)) if a != b => protocol_changed.push(change(&p[n - 2], &p[n - 1])),
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

    // Posture per namespace (server side), non-infrastructure traffic.
    let mut posture: HashMap<&str, Posture> = HashMap::new();
    let mut modes: HashMap<(&str, usize), HashMap<&str, &'static str>> = HashMap::new();
    let mut mtls_num: HashMap<(&str, usize), (f64, f64)> = HashMap::new();
    for &(i, r) in &posture_rows {
        if rows.infrastructure[i] {
            continue;
        }
        let Some(ns) = rows.target_ns[i] else {
            continue;
        };
        let target = rows.target[i].unwrap_or_default();
        let mode = server_mode(
            rows.via_waypoint[i].is_some(),
            rows.rates_from[i].unwrap_or(""),
            rows.mtls[i].is_some(),
        );
        let slot = modes.entry((ns, r)).or_default();
        // A workload seen through any proxy counts as that mode.
        let current = slot.entry(target).or_insert(mode);
        if *current == "out of mesh" {
            *current = mode;
        }
        let p = posture.entry(ns).or_insert_with(|| Posture {
            namespace: ns.to_string(),
            mode: String::new(),
            workloads_by_mode: BTreeMap::new(),
            mtls_share: vec![None; n],
            without_proxy: vec![0; n],
            unknown_caller_rps: vec![None; n],
        });
        if rows.source[i] == Some("unknown") {
            let u = p.unknown_caller_rps[r].get_or_insert(0.0);
            *u += rows.rps[i].unwrap_or(0.0);
        }
        if let (Some(m), Some(w)) = (rows.mtls[i], rows.rps[i].or(rows.bytes[i])) {
            let acc = mtls_num.entry((ns, r)).or_default();
            acc.0 += m * w;
            acc.1 += w;
        }
    }
    for ((ns, r), (num, den)) in mtls_num {
        if let Some(p) = posture.get_mut(ns)
            && den > 0.0
        {
            p.mtls_share[r] = Some(num / den);
        }
    }
    for ((ns, r), workloads) in &modes {
        let Some(p) = posture.get_mut(ns) else {
            continue;
        };
        p.without_proxy[*r] = workloads.values().filter(|m| **m == "out of mesh").count() as u32;
        if *r + 1 == n {
            for m in workloads.values() {
                *p.workloads_by_mode.entry((*m).to_string()).or_default() += 1;
            }
        }
    }
    for p in posture.values_mut() {
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

    let namespaces = group_totals(&edges_df, "target_namespace", &run_index)?;
    let clusters = group_totals(&edges_df, "cluster", &run_index)?;
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
        posture: {
            let mut p: Vec<Posture> = posture.into_values().collect();
            p.sort_by(|a, b| a.namespace.cmp(&b.namespace));
            p
        },
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
