//! Deterministic work per step: allocation calls (counted per thread by
//! [`crate::alloc`]) and the nodes and edges badging touches, per answer
//! series. Unlike time, the same mesh always gives the same counts, so a test
//! can hold the per-series cost of every step flat as the mesh grows.

use anyhow::{Result, bail};
use meshgraph_checks::{CheckOptions, Telemetry};
use meshgraph_config::MeshConfig;
use meshgraph_core::{ClassifyOptions, GraphOptions};
use meshgraph_model::{Metric, Observation};
use meshgraph_scenario::Scenario;

use crate::alloc;
use crate::answer;

/// The steps of a snapshot, in order.
pub const STEPS: [&str; 7] = [
    "decode",
    "reconcile",
    "build_graph",
    "checks",
    "badges",
    "to_json",
    "to_dot",
];

/// The work one mesh took.
#[derive(Debug, Clone)]
pub struct MeshWork {
    /// Series in the ten answers.
    pub series: usize,
    pub findings: usize,
    /// Allocation calls of each step of [`STEPS`].
    pub allocations: [u64; STEPS.len()],
    /// Nodes and edges badging touched (one per badge placed).
    pub badge_visits: usize,
}

impl MeshWork {
    /// Allocation calls per answer series of step `i`.
    pub fn per_series(&self, i: usize) -> f64 {
        self.allocations[i] as f64 / self.series.max(1) as f64
    }
}

/// Runs a whole snapshot of the scenario once (answers rendered as the
/// built-in queries return them, decoded, reconciled, drawn, checked, badged,
/// exported), counting each step's work.
pub fn measure(scenario: &Scenario) -> Result<MeshWork> {
    let raw = scenario.telemetry();
    let mut bodies = Vec::new();
    for metric in Metric::ALL {
        bodies.push((metric, answer::render(&raw, metric, scenario.at)?.0));
    }
    drop(raw);
    let (config, _) = MeshConfig::from_values(scenario.objects());
    let mut allocations = [0u64; STEPS.len()];
    let mut step = 0;
    let mut mark = alloc::calls();
    let mut done = |allocations: &mut [u64; STEPS.len()]| {
        let now = alloc::calls();
        allocations[step] = now - mark;
        step += 1;
        mark = alloc::calls();
    };

    let mut observations: Vec<Observation> = Vec::new();
    let mut series = 0;
    for (metric, body) in &bodies {
        let decoded = meshgraph_prometheus::decode(body, *metric, "generated answer")?;
        series += decoded.series;
        observations.extend(decoded.observations);
    }
    done(&mut allocations);
    drop(bodies);

    let rec = meshgraph_core::reconcile(&observations, &ClassifyOptions::default());
    done(&mut allocations);
    let mut graph = meshgraph_core::build_graph(&rec, &GraphOptions::default());
    done(&mut allocations);
    if graph.graph.edge_count() == 0 {
        bail!("{}: the graph has no edges", scenario.name);
    }
    let report = meshgraph_checks::check(
        &config,
        Some(Telemetry {
            observations: &observations,
            reconciliation: &rec,
        }),
        &CheckOptions::default(),
    );
    done(&mut allocations);
    let mut badges = graph.badges(&rec);
    meshgraph_checks::badge_graph(&report, &mut badges);
    let badge_visits = badges.visited();
    done(&mut allocations);
    let meta = crate::answer::meta(scenario);
    let json = meshgraph_export::to_json(&graph, &meta)?;
    done(&mut allocations);
    let dot = meshgraph_export::to_dot(&graph, &meshgraph_export::DotOptions::default());
    done(&mut allocations);
    std::hint::black_box((json, dot));
    Ok(MeshWork {
        series,
        findings: report.findings.len(),
        allocations,
        badge_visits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{MeshSize, scenario_toml};

    fn work(workloads: usize, namespaces: usize) -> MeshWork {
        let (toml, _) = scenario_toml(MeshSize {
            workloads,
            namespaces,
        });
        let scenario = Scenario::from_toml(&toml, "generated mesh").expect("generated scenario");
        measure(&scenario).expect("snapshot of the generated mesh")
    }

    /// Linear everywhere (issue 14): over 25 times the workloads and
    /// namespaces, no step's work per answer series grows more than 1.3
    /// times. Work is counted (allocation calls, badge visits), never timed.
    #[test]
    fn every_step_costs_the_same_per_series_on_a_25_times_larger_mesh() {
        let small = work(30, 3);
        let large = work(750, 75);
        let growth = large.series as f64 / small.series as f64;
        eprintln!("small: {small:?}\nlarge: {large:?}");
        assert!(
            growth > 20.0,
            "the large mesh has {growth:.1}x the series of the small one, expected about 25x"
        );
        for (i, step) in STEPS.iter().enumerate() {
            assert!(
                small.allocations[i] > 0,
                "{step}: no allocation counted on the small mesh; the counter is not working"
            );
            let ratio = large.per_series(i) / small.per_series(i);
            assert!(
                ratio <= 1.3,
                "{step}: {:.2} allocation calls per series on the large mesh, {:.2} on the small one ({ratio:.2}x for {growth:.1}x the series)",
                large.per_series(i),
                small.per_series(i)
            );
        }
        assert!(
            small.findings > 0 && large.findings > small.findings,
            "findings: {} then {}; the generated mesh should have some to badge",
            small.findings,
            large.findings
        );
        let visits = |w: &MeshWork| w.badge_visits as f64 / w.series as f64;
        assert!(
            visits(&large) <= 1.3 * visits(&small).max(1.0 / small.series as f64),
            "badging touched {} edges for {} series, then {} for {}",
            small.badge_visits,
            small.series,
            large.badge_visits,
            large.series
        );
    }
}
