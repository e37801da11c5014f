//! `meshgraph diff`: what changed between two JSON snapshots.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::ExportError;

/// The fields of a snapshot edge the comparison reads.
#[derive(Debug, Clone, Deserialize)]
struct Edge {
    source: String,
    target: String,
    protocol: String,
    rps: Option<f64>,
    error_rps: Option<f64>,
    latency_p99_ms: Option<f64>,
    mtls: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct Snapshot {
    schema_version: u32,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

#[derive(Debug, Clone, Deserialize)]
struct Node {
    id: String,
}

/// Thresholds for "got worse".
#[derive(Debug, Clone, Copy)]
pub struct DiffOptions {
    /// Error share increase, in percentage points, that counts as worse.
    pub error_points: f64,
    /// p99 latency increase, as a fraction (0.5 = 50% slower), that counts as worse.
    pub latency_increase: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            error_points: 1.0,
            latency_increase: 0.5,
        }
    }
}

/// One edge that got worse, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Worse {
    pub source: String,
    pub target: String,
    pub reasons: Vec<String>,
}

/// The changes between two snapshots.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SnapshotDiff {
    pub nodes_appeared: Vec<String>,
    pub nodes_vanished: Vec<String>,
    pub edges_appeared: Vec<String>,
    pub edges_vanished: Vec<String>,
    pub edges_worse: Vec<Worse>,
}

impl SnapshotDiff {
    /// Whether anything vanished or got worse (what a nightly job fails on).
    pub fn has_regressions(&self) -> bool {
        !self.edges_vanished.is_empty()
            || !self.nodes_vanished.is_empty()
            || !self.edges_worse.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        !self.has_regressions() && self.nodes_appeared.is_empty() && self.edges_appeared.is_empty()
    }
}

fn parse(text: &str, origin: &str) -> Result<Snapshot, ExportError> {
    let snapshot: Snapshot = serde_json::from_str(text)
        .map_err(|e| ExportError::Input(format!("{origin}: not a meshgraph JSON snapshot: {e}")))?;
    if snapshot.schema_version != crate::JSON_SCHEMA_VERSION {
        return Err(ExportError::Input(format!(
            "{origin}: schema_version {} (this meshgraph reads {})",
            snapshot.schema_version,
            crate::JSON_SCHEMA_VERSION
        )));
    }
    Ok(snapshot)
}

fn share(e: &Edge) -> Option<f64> {
    let rps = e.rps?;
    (rps > 0.0).then(|| e.error_rps.unwrap_or(0.0) / rps)
}

fn worse_reasons(old: &Edge, new: &Edge, options: &DiffOptions) -> Vec<String> {
    let mut reasons = Vec::new();
    if let (Some(a), Some(b)) = (share(old), share(new))
        && (b - a) * 100.0 >= options.error_points
    {
        reasons.push(format!("errors {:.1}% -> {:.1}%", a * 100.0, b * 100.0));
    }
    if let (Some(a), Some(b)) = (old.latency_p99_ms, new.latency_p99_ms)
        && a > 0.0
        && (b - a) / a >= options.latency_increase
    {
        reasons.push(format!("p99 {a:.0} ms -> {b:.0} ms"));
    }
    if let (Some(a), Some(b)) = (old.mtls, new.mtls)
        && b < a
    {
        reasons.push(format!("mTLS {:.0}% -> {:.0}%", a * 100.0, b * 100.0));
    }
    if old.protocol != new.protocol {
        reasons.push(format!("protocol {} -> {}", old.protocol, new.protocol));
    }
    reasons
}

/// Compares two snapshots given as JSON text; `origins` name them in errors.
pub fn diff_snapshots(
    old: &str,
    new: &str,
    origins: (&str, &str),
    options: &DiffOptions,
) -> Result<SnapshotDiff, ExportError> {
    let (old, new) = (parse(old, origins.0)?, parse(new, origins.1)?);
    let key = |e: &Edge| format!("{} -> {}", e.source, e.target);
    let old_edges: BTreeMap<String, &Edge> = old.edges.iter().map(|e| (key(e), e)).collect();
    let new_edges: BTreeMap<String, &Edge> = new.edges.iter().map(|e| (key(e), e)).collect();
    let old_nodes: std::collections::BTreeSet<&str> =
        old.nodes.iter().map(|n| n.id.as_str()).collect();
    let new_nodes: std::collections::BTreeSet<&str> =
        new.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut out = SnapshotDiff {
        nodes_appeared: new_nodes
            .difference(&old_nodes)
            .map(|s| s.to_string())
            .collect(),
        nodes_vanished: old_nodes
            .difference(&new_nodes)
            .map(|s| s.to_string())
            .collect(),
        ..SnapshotDiff::default()
    };
    for (k, e) in &new_edges {
        match old_edges.get(k) {
            None => out.edges_appeared.push(k.clone()),
            Some(old) => {
                let reasons = worse_reasons(old, e, options);
                if !reasons.is_empty() {
                    out.edges_worse.push(Worse {
                        source: e.source.clone(),
                        target: e.target.clone(),
                        reasons,
                    });
                }
            }
        }
    }
    out.edges_vanished = old_edges
        .keys()
        .filter(|k| !new_edges.contains_key(*k))
        .cloned()
        .collect();
    Ok(out)
}

/// The changes as text, one line each.
pub fn diff_text(diff: &SnapshotDiff) -> String {
    let mut out = String::new();
    for n in &diff.nodes_vanished {
        let _ = writeln!(out, "- node {n}");
    }
    for n in &diff.nodes_appeared {
        let _ = writeln!(out, "+ node {n}");
    }
    for e in &diff.edges_vanished {
        let _ = writeln!(out, "- edge {e}");
    }
    for e in &diff.edges_appeared {
        let _ = writeln!(out, "+ edge {e}");
    }
    for w in &diff.edges_worse {
        let _ = writeln!(
            out,
            "! edge {} -> {}: {}",
            w.source,
            w.target,
            w.reasons.join(", ")
        );
    }
    if out.is_empty() {
        out.push_str("no changes\n");
    }
    out
}
