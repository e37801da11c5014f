//! Every built-in scenario reconciles to exactly its logical calls.

use std::collections::BTreeMap;

use meshgraph_core::{ClassifyOptions, Endpoint, reconcile};
use meshgraph_scenario::{builtin, builtin_names, logical_calls};

type Key = (String, String);

fn endpoint_key(e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(w) => w.to_string(),
        other => other.to_string(),
    }
}

/// (source, destination) -> (protocol, rps, error_rps, via)
fn expected(name: &str) -> BTreeMap<Key, (String, f64, f64, Option<String>)> {
    let scenario = builtin(name).unwrap().unwrap();
    let mut out: BTreeMap<Key, (String, f64, f64, Option<String>)> = BTreeMap::new();
    for call in logical_calls(&scenario) {
        let source = call
            .source
            .map_or("unknown".to_string(), |(ns, w)| format!("{ns}/{w}"));
        let destination = format!("{}/{}", call.destination.0, call.destination.1);
        let via = call.via_waypoint.map(|(ns, w)| format!("{ns}/{w}"));
        let entry = out.entry((source, destination)).or_insert((
            call.observed_protocol.to_string(),
            0.0,
            0.0,
            via,
        ));
        entry.1 += if call.observed_protocol == "tcp" {
            call.connections_per_second
        } else {
            call.rps
        };
        entry.2 += call.error_rps;
    }
    out
}

#[test]
fn every_builtin_scenario_reconciles_to_its_logical_calls() {
    for name in builtin_names() {
        let scenario = builtin(name).unwrap().unwrap();
        let observations = scenario.telemetry();
        let rec = reconcile(&observations, &ClassifyOptions::default());
        let expected = expected(name);
        let mut got = BTreeMap::new();
        for edge in &rec.edges {
            let rps = edge.l7.as_ref().map_or_else(
                || edge.l4.as_ref().map_or(0.0, |l4| l4.connections_opened),
                |l7| l7.rps,
            );
            let errors = edge.l7.as_ref().map_or(0.0, |l7| l7.error_rps);
            let via = edge.via_waypoint.iter().next().map(|w| w.to_string());
            got.insert(
                (endpoint_key(&edge.source), endpoint_key(&edge.destination)),
                (edge.protocol.as_str().to_string(), rps, errors, via),
            );
        }
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{name}: edge set differs; notes: {:?}",
            rec.notes
        );
        for (key, (protocol, rps, errors, via)) in &expected {
            let (gp, grps, gerr, gvia) = &got[key];
            assert_eq!(gp, protocol, "{name} {key:?} protocol");
            assert_eq!(gvia, via, "{name} {key:?} via_waypoint");
            assert!(
                (grps - rps).abs() < 1e-9,
                "{name} {key:?}: rps {grps} != {rps}"
            );
            assert!(
                (gerr - errors).abs() < 1e-9,
                "{name} {key:?}: errors {gerr} != {errors}"
            );
        }
    }
}
