//! Independent truth for `meshgraph explain SRC DST`
//! (`meshgraph_core::explain`): the expected series are written out by hand.

use meshgraph_core::{ClassifyOptions, Disposition, Endpoint, WorkloadRef, explain, reconcile};
use meshgraph_model::{Emitter, Metric, Observation};

/// One `istio_requests_total` series (HTTP 200) at `rate` per second reported
/// by `reporter`, from `source` to `destination` (workloads of `shop`),
/// addressed to the destination's service.
fn requests(reporter: &str, source: &str, destination: &str, rate: f64) -> Observation {
    let labels = [
        ("reporter", reporter),
        ("source_workload", source),
        ("source_workload_namespace", "shop"),
        ("destination_workload", destination),
        ("destination_workload_namespace", "shop"),
        (
            "destination_service",
            &format!("{destination}.shop.svc.cluster.local"),
        ),
        ("destination_service_name", destination),
        ("destination_service_namespace", "shop"),
        ("request_protocol", "http"),
        ("response_code", "200"),
        ("response_flags", "-"),
        ("connection_security_policy", "mutual_tls"),
    ];
    let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Observation::from_labels(Metric::Requests, labels.collect(), rate).unwrap()
}

fn shop(name: &str) -> Endpoint {
    Endpoint::Workload(WorkloadRef::new("shop", name))
}

// An explanation holds the logical edges of exactly the asked pair (not
// those sharing only its source or only its destination) and their series,
// grouped by emitter in Emitter::ALL order (client sidecar before server
// sidecar), then by observation order, each with what reconciliation did.
#[test]
fn explain_lists_only_the_pairs_series_grouped_by_emitter() {
    let observations = [
        requests("destination", "web", "cart", 4.0), // 0
        requests("source", "web", "cart", 4.0),      // 1
        requests("destination", "web", "pay", 1.0),  // 2
        requests("destination", "api", "cart", 2.0), // 3
    ];
    let rec = reconcile(&observations, &ClassifyOptions::default());
    // Edges by source, then destination: api -> cart, web -> cart, web -> pay.
    let ex = explain(&rec, &observations, &shop("web"), &shop("cart"));
    assert_eq!(ex.edges, [1]);
    let series: Vec<(usize, Emitter, Disposition)> = ex
        .series
        .into_iter()
        .map(|s| (s.observation, s.emitter, s.disposition))
        .collect();
    assert_eq!(
        series,
        [
            (
                1,
                Emitter::EnvoySource,
                Disposition::Duplicate {
                    edge: 1,
                    of: Emitter::EnvoyDestination
                }
            ),
            (
                0,
                Emitter::EnvoyDestination,
                Disposition::Rates {
                    edge: 1,
                    emitter: Emitter::EnvoyDestination
                }
            ),
        ]
    );
    assert_eq!((ex.source, ex.destination), (shop("web"), shop("cart")));
}
