//! Property test: for random meshes (data-plane mode per namespace, waypoints
//! on or off, gateways with or without waypoint opt-in, random calls and Istio
//! versions; every fourth mesh spread over several clusters and networks) the
//! workload graph equals the scenario's logical calls: no double
//! edge, no missing edge, rates equal. Seeded, so a failure names its seed.

mod common;
mod random_mesh;

use meshgraph_core::ClassifyOptions;
use meshgraph_scenario::Scenario;

#[test]
fn random_meshes_reconcile_to_their_logical_calls() {
    // MESHGRAPH_RANDOM_RUNS asks for more (or fewer) meshes than the default,
    // never so few that the test stops testing.
    const MIN_RUNS: u64 = 100;
    let runs = match std::env::var("MESHGRAPH_RANDOM_RUNS") {
        Err(_) => 400,
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= MIN_RUNS => n,
            _ => panic!("MESHGRAPH_RANDOM_RUNS={v:?}: give a number of runs, at least {MIN_RUNS}"),
        },
    };
    let mut failures = Vec::new();
    for seed in 1..=runs {
        // Every fourth mesh spans several clusters.
        let text = if seed % 4 == 0 {
            random_mesh::random_multicluster_scenario(seed)
        } else {
            random_mesh::random_scenario(seed)
        };
        let scenario = match Scenario::from_toml(&text, &format!("seed {seed}")) {
            Ok(s) => s,
            Err(e) => panic!("generator produced an invalid scenario: {e}\n{text}"),
        };
        if let Err(message) = common::check(&scenario, &ClassifyOptions::default()) {
            failures.push(format!("seed {seed}: {message}\n{text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} random meshes failed; first:\n{}",
        failures.len(),
        failures[0]
    );
}
