//! Findings: what is wrong with a mesh, from its configuration and its traffic.
//!
//! Each check lives in its own file under `rules/`, which declares its
//! [`Rule`] (code, name, severity, istioctl code, inputs, documentation) once;
//! [`registry::RULES`] and the [`Code`] enum are derived from the list of rule
//! modules (codes are never reused).
//! Configuration checks (MG1xx–MG5xx) read a [`MeshConfig`]; telemetry checks
//! (MG9xx) read the core's [`meshgraph_core::Reconciliation`] too. A check
//! whose inputs are missing is skipped with a note, never silently.
//!
//! This crate does no IO: renderers return strings.

mod context;
pub mod docs;
mod finding;
pub mod format;
pub mod registry;
mod rules;

use std::collections::BTreeSet;

pub use context::{Context, IGNORE_ANNOTATION, MtlsMode, Telemetry};
pub use finding::{Finding, ResourceKind, ResourceRef, Severity};
use meshgraph_config::MeshConfig;
pub use registry::{Code, Inputs, RESERVED, Rule, RuleDoc, Status, UnknownCode, rule};

/// Which checks run.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Codes not to run or report (`--ignore`).
    pub ignore: BTreeSet<Code>,
    /// When set, only these codes run.
    pub only: Option<BTreeSet<Code>>,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Sorted by code, then resource, then path.
    pub findings: Vec<Finding>,
    /// Checks skipped for missing inputs, findings silenced by annotations.
    pub notes: Vec<String>,
    /// Codes of the checks that ran.
    pub checked: Vec<Code>,
}

impl CheckReport {
    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Runs every selected check.
pub fn check(
    config: &MeshConfig,
    telemetry: Option<Telemetry<'_>>,
    options: &CheckOptions,
) -> CheckReport {
    let cx = Context::new(config, telemetry);
    let mut findings = context::Findings::default();
    let mut notes = Vec::new();
    let mut skipped_for_telemetry = Vec::new();
    let mut checked = Vec::new();
    for rule in registry::RULES {
        if rule.status == Status::Removed
            || options.ignore.contains(&rule.code)
            || options
                .only
                .as_ref()
                .is_some_and(|only| !only.contains(&rule.code))
        {
            continue;
        }
        if rule.inputs == Inputs::Telemetry && cx.telemetry.is_none() {
            skipped_for_telemetry.push(rule.code.as_str());
            continue;
        }
        (rule.check)(&cx, &mut findings);
        checked.push(rule.code);
    }
    if !skipped_for_telemetry.is_empty() {
        notes.push(format!(
            "skipped {} (they need telemetry; none was given)",
            skipped_for_telemetry.join(", ")
        ));
    }
    if config.is_empty() {
        notes
            .push("no configuration objects were given: MG1xx-MG5xx found nothing to check".into());
    } else if !cx.has_workloads() {
        notes.push(
            "no Pods or workloads in the input: selector checks (MG203, MG303, MG403) report every selector"
                .into(),
        );
    }
    if findings.silenced > 0 {
        notes.push(format!(
            "{} finding(s) silenced by {IGNORE_ANNOTATION} annotations",
            findings.silenced
        ));
    }
    let mut list = findings.list;
    list.retain(|f| !options.ignore.contains(&f.code));
    list.sort_by(|a, b| {
        (&a.code, &a.resource, &a.path, &a.message).cmp(&(
            &b.code,
            &b.resource,
            &b.path,
            &b.message,
        ))
    });
    CheckReport {
        findings: list,
        notes,
        checked,
    }
}

/// Shows each finding on the graph: telemetry findings on the drawn edges of
/// their logical edges, the others on the workload their resource names. One
/// lookup per finding through the graph's [`meshgraph_core::Badges`] index.
pub fn badge_graph(report: &CheckReport, badges: &mut meshgraph_core::Badges<'_>) {
    use meshgraph_core::{Badge, Endpoint, WorkloadRef};
    let names = &badges.reconciliation().classification.clusters.names;
    let clusters: Vec<Option<String>> = if names.is_empty() {
        vec![None]
    } else {
        names.iter().cloned().map(Some).collect()
    };
    for finding in &report.findings {
        let badge = Badge {
            code: finding.code.to_string(),
            severity: finding.severity,
        };
        for (source, destination) in &finding.edges {
            badges.logical_edge(source, destination, &badge);
        }
        if finding.edges.is_empty()
            && finding.resource.kind.is_workload()
            && let Some(namespace) = &finding.resource.namespace
        {
            // A finding names a Kubernetes object, which has no cluster: in a
            // multi-cluster mesh it is shown on that workload in every cluster.
            let workload = WorkloadRef::new(namespace, &finding.resource.name);
            for cluster in &clusters {
                let placed = match cluster {
                    Some(c) => workload.clone().in_cluster(c.clone()),
                    None => workload.clone(),
                };
                badges.endpoint(&Endpoint::Workload(placed), &badge);
            }
        }
    }
}
