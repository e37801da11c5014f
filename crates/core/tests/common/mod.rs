//! Shared checks: a scenario's reconciled graph must equal its logical calls.

use std::collections::BTreeMap;

use meshgraph_core::{ClassifyOptions, Endpoint, Reconciliation, reconcile};
use meshgraph_scenario::{Scenario, logical_calls};

pub type Pair = (String, String);

/// (protocol, rate, error rate, via) per pair; the rate is requests per second
/// for L7 edges and connections per second for TCP edges.
pub type Summary = BTreeMap<Pair, (String, f64, f64, Option<String>)>;

pub fn endpoint_key(e: &Endpoint) -> String {
    e.to_string()
}

pub fn expected(scenario: &Scenario) -> Summary {
    // Calls that meet on one pair (two unidentified callers, say) form one
    // edge: L7 beats TCP, gRPC beats HTTP, TCP connections become transport.
    #[derive(Default)]
    struct Acc {
        l7_rps: f64,
        connections: f64,
        errors: f64,
        grpc: bool,
        l7: bool,
        via: Option<String>,
    }
    let mut acc: BTreeMap<Pair, Acc> = BTreeMap::new();
    for call in logical_calls(scenario) {
        let a = acc
            .entry((call.source.to_string(), call.destination.to_string()))
            .or_default();
        if let Some((ns, w)) = call.via_waypoint {
            a.via = Some(format!("{ns}/{w}"));
        }
        // A crossing of networks is part of the "via" the graph must show.
        if call.via_network_gateway {
            a.via = Some(format!(
                "{}+network-gateway",
                a.via.take().unwrap_or_default()
            ));
        }
        match call.observed_protocol {
            "tcp" => a.connections += call.connections_per_second,
            protocol => {
                a.l7 = true;
                a.grpc |= protocol == "grpc";
                a.l7_rps += call.rps;
                a.errors += call.error_rps;
            }
        }
    }
    acc.into_iter()
        .map(|(pair, a)| {
            let value = match (a.l7, a.grpc) {
                (true, true) => ("grpc".to_string(), a.l7_rps, a.errors, a.via),
                (true, false) => ("http".to_string(), a.l7_rps, a.errors, a.via),
                (false, _) => ("tcp".to_string(), a.connections, 0.0, a.via),
            };
            (pair, value)
        })
        .collect()
}

pub fn summarise(rec: &Reconciliation) -> Summary {
    rec.edges
        .iter()
        .map(|edge| {
            let rate = edge.l7.as_ref().map_or_else(
                || edge.l4.as_ref().map_or(0.0, |l4| l4.connections_opened),
                |l7| l7.rps,
            );
            let errors = edge.l7.as_ref().map_or(0.0, |l7| l7.error_rps);
            let mut via = (!edge.via_waypoint.is_empty()).then(|| {
                edge.via_waypoint
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            });
            if !edge.via_network_gateway.is_empty() {
                via = Some(format!(
                    "{}+network-gateway",
                    via.take().unwrap_or_default()
                ));
            }
            (
                (endpoint_key(&edge.source), endpoint_key(&edge.destination)),
                (edge.protocol.as_str().to_string(), rate, errors, via),
            )
        })
        .collect()
}

/// Reconciles the scenario's telemetry and compares with its logical calls.
pub fn check(scenario: &Scenario, options: &ClassifyOptions) -> Result<Reconciliation, String> {
    let observations = scenario.telemetry();
    let rec = reconcile(&observations, options);
    let (want, got) = (expected(scenario), summarise(&rec));
    if want.keys().collect::<Vec<_>>() != got.keys().collect::<Vec<_>>() {
        return Err(format!(
            "edge sets differ\n  want {:?}\n  got  {:?}\n  notes {:?}",
            want.keys(),
            got.keys(),
            rec.notes
        ));
    }
    for (pair, (protocol, rate, errors, via)) in &want {
        let (gp, grate, gerr, gvia) = &got[pair];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        if gp != protocol || gvia != via || !close(*grate, *rate) || !close(*gerr, *errors) {
            return Err(format!(
                "{pair:?}: want ({protocol}, {rate}, {errors}, {via:?}) got ({gp}, {grate}, {gerr}, {gvia:?})"
            ));
        }
    }
    Ok(rec)
}
