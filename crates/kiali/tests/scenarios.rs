//! Every built-in scenario round-trips: the graph Kiali would draw for it (the
//! scenario kit's `kiali_graph`) in, its logical calls and a reason for every
//! extra arrow out; so do seeded random meshes (the generator of
//! crates/core/tests/random_mesh).

#[path = "../../core/tests/random_mesh/mod.rs"]
mod random_mesh;

use std::collections::BTreeSet;

use meshgraph_core::{ClassifyOptions, reconcile};
use meshgraph_kiali::{KialiMapping, ReasonCode, map_graph, parse_graph};
use meshgraph_scenario::{
    KialiGraphType, KialiOptions, Scenario, builtin, builtin_names, logical_calls,
};

fn variants() -> Vec<KialiOptions> {
    let mut out = Vec::new();
    for graph_type in KialiGraphType::ALL {
        for inject_service_nodes in [false, true] {
            out.push(KialiOptions {
                graph_type,
                inject_service_nodes,
            });
        }
    }
    out
}

fn round_trip(
    scenario: &Scenario,
    options: &KialiOptions,
) -> (KialiMapping, BTreeSet<(String, String)>) {
    let json = serde_json::to_vec(&scenario.kiali_graph(options)).unwrap();
    let graph = parse_graph(&json, "kit").unwrap();
    let observations = scenario.telemetry();
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let mapping = map_graph(&graph, &rec, &observations);
    let calls = rec
        .edges
        .iter()
        .filter(|e| !e.infrastructure)
        .map(|e| (e.source.to_string(), e.destination.to_string()))
        .collect();
    (mapping, calls)
}

fn check(name: &str, scenario: &Scenario, options: &KialiOptions) -> KialiMapping {
    let (mapping, calls) = round_trip(scenario, options);
    let want: BTreeSet<(String, String)> = logical_calls(scenario)
        .into_iter()
        .map(|c| (c.source.to_string(), c.destination.to_string()))
        .collect();
    let label = format!("{name} {options:?}");
    assert_eq!(calls, want, "{label}: logical calls");
    let s = &mapping.summary;
    for edge in &mapping.edges {
        assert!(!edge.reason.text.is_empty(), "{label}: {edge:?}");
        assert_ne!(edge.reason.code, ReasonCode::KialiOnly, "{label}: {edge:?}");
        assert!(
            !edge.calls.is_empty(),
            "{label}: an arrow with no call: {edge:?}"
        );
    }
    assert!(mapping.missing.is_empty(), "{label}: {:?}", mapping.missing);
    assert_eq!(s.kiali_edges, mapping.edges.len(), "{label}");
    assert_eq!(
        s.kiali_edges,
        s.call_arrows + s.extra_arrows,
        "{label}: {}",
        s.text
    );
    assert_eq!(
        s.extra_arrows,
        s.extra_by_reason.values().sum::<usize>(),
        "{label}"
    );
    assert_eq!(s.logical_calls, want.len(), "{label}");
    assert_eq!(s.logical_calls, s.calls_drawn + s.calls_missing, "{label}");
    mapping
}

#[test]
fn every_builtin_scenario_round_trips_through_kiali() {
    for name in builtin_names() {
        let scenario = builtin(name).unwrap().unwrap();
        for options in variants() {
            check(name, &scenario, &options);
        }
    }
}

#[test]
fn random_meshes_round_trip_through_kiali() {
    // MESHGRAPH_RANDOM_RUNS as in crates/core's property test.
    let runs = std::env::var("MESHGRAPH_RANDOM_RUNS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(100)
        .max(50);
    for seed in 1..=runs {
        let text = random_mesh::random_scenario(seed);
        let scenario = Scenario::from_toml(&text, &format!("seed {seed}"))
            .unwrap_or_else(|e| panic!("the generator made an invalid scenario: {e}\n{text}"));
        for options in variants() {
            let outcome = std::panic::catch_unwind(|| {
                check(&format!("seed {seed}"), &scenario, &options);
            });
            if outcome.is_err() {
                panic!("seed {seed} {options:?} failed (message above); the mesh:\n{text}");
            }
        }
    }
}

#[test]
fn bookinfo_waypoint_is_seven_calls_and_every_extra_arrow_has_a_reason() {
    let scenario = builtin("bookinfo-waypoint").unwrap().unwrap();
    let mapping = check("bookinfo-waypoint", &scenario, &KialiOptions::default());
    let s = &mapping.summary;
    assert_eq!(s.logical_calls, 7, "{}", s.text);
    assert_eq!(s.calls_drawn, 7, "{}", s.text);
    assert!(
        s.extra_by_reason.contains_key(&ReasonCode::WaypointLeg),
        "{}",
        s.text
    );
    // Versioned app graph with service nodes, as the workshop's picture.
    let options = KialiOptions {
        graph_type: KialiGraphType::VersionedApp,
        inject_service_nodes: true,
    };
    let mapping = check("bookinfo-waypoint", &scenario, &options);
    assert_eq!(mapping.summary.logical_calls, 7);
    assert!(
        mapping
            .summary
            .extra_by_reason
            .contains_key(&ReasonCode::ServiceNode),
        "{}",
        mapping.summary.text
    );
}

#[test]
fn sidecar_rates_summed_over_reporters_are_called_double_counted() {
    let scenario = builtin("bookinfo-sidecar").unwrap().unwrap();
    let (mapping, _) = round_trip(&scenario, &KialiOptions::default());
    let call = mapping
        .edges
        .iter()
        .find(|e| e.reason.code == ReasonCode::LogicalCall && e.protocol == "http")
        .unwrap();
    let note = call.rate_note.as_deref().expect("a rate note");
    assert!(
        note.contains("envoy-source") && note.contains("envoy-destination"),
        "{note}"
    );
}
