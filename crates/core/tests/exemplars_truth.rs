//! Independent truth for placing exemplars on logical edges
//! (`meshgraph_core::exemplars`): every expected figure is written out by hand.

use std::collections::BTreeMap;

use meshgraph_core::{
    ClassifyOptions, ExemplarFigures, ExemplarPlacement, Reconciliation, WorkloadRef,
    attach_exemplars, reconcile,
};
use meshgraph_model::{Exemplar, ExemplarSeries, Metric, Observation};

/// One series of `metric` at `rate` per second, reported by `reporter`, from
/// `source` to `destination` (`namespace/workload`) for the service
/// `name.namespace` over `protocol` (HTTP 200 for `http`).
fn series(
    metric: Metric,
    reporter: &str,
    (source, destination): (&str, &str),
    service: &str,
    protocol: &str,
    rate: f64,
) -> Observation {
    let (sns, sname) = source.split_once('/').unwrap();
    let (dns, dname) = destination.split_once('/').unwrap();
    let (svc_name, svc_ns) = service.split_once('.').unwrap();
    let mut labels: BTreeMap<String, String> = [
        ("reporter", reporter),
        ("source_workload", sname),
        ("source_workload_namespace", sns),
        ("destination_workload", dname),
        ("destination_workload_namespace", dns),
        (
            "destination_service",
            &format!("{service}.svc.cluster.local"),
        ),
        ("destination_service_name", svc_name),
        ("destination_service_namespace", svc_ns),
        ("request_protocol", protocol),
        ("response_flags", "-"),
        ("connection_security_policy", "mutual_tls"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if protocol == "http" {
        labels.insert("response_code".into(), "200".into());
    }
    Observation::from_labels(metric, labels, rate).unwrap()
}

fn http(reporter: &str, pair: (&str, &str), service: &str, rate: f64) -> Observation {
    series(Metric::Requests, reporter, pair, service, "http", rate)
}

/// The raw latency-bucket series of `obs` (with the pod, instance and `le`
/// the query aggregates away) carrying one exemplar per trace id.
fn exemplars_on(obs: &Observation, trace_ids: &[&str]) -> ExemplarSeries {
    let mut labels: BTreeMap<String, String> = obs.labels().into_iter().collect();
    labels.insert("pod".into(), "pod-7d4b9c-x2x8q".into());
    labels.insert("instance".into(), "10.0.0.7:15020".into());
    labels.insert("le".into(), "25".into());
    ExemplarSeries {
        series: Observation::from_labels(Metric::RequestDurationBucket, labels, 0.0).unwrap(),
        exemplars: trace_ids
            .iter()
            .map(|id| exemplar(id, 1_700_000_000.0))
            .collect(),
    }
}

fn exemplar(trace_id: &str, timestamp: f64) -> Exemplar {
    Exemplar {
        trace_id: trace_id.into(),
        value: Some(12.0),
        timestamp,
    }
}

/// "source -> destination: trace ids" of every edge that got exemplars.
fn placed_ids(rec: &Reconciliation) -> Vec<String> {
    rec.edges
        .iter()
        .filter_map(|e| {
            let figures = e.exemplars.as_ref()?;
            let ids: Vec<&str> = figures.trace_ids().collect();
            Some(format!(
                "{} -> {}: {}",
                e.source,
                e.destination,
                ids.join(",")
            ))
        })
        .collect()
}

fn placement(placed: usize, unplaced: usize) -> ExemplarPlacement {
    ExemplarPlacement { placed, unplaced }
}

// Merging the exemplars of two edges (a coarser graph type) adds their counts
// and keeps the distinct trace ids, the most recent first.
#[test]
fn adding_exemplar_figures_sums_counts_and_keeps_distinct_recent_ids() {
    let mut figures = ExemplarFigures {
        count: 2,
        recent: vec![exemplar("aa", 10.0), exemplar("bb", 5.0)],
    };
    figures.add(&ExemplarFigures {
        count: 3,
        recent: vec![exemplar("cc", 7.0), exemplar("aa", 10.0)],
    });
    assert_eq!(figures.count, 5); // 2 + 3
    // aa (10), cc (7), bb (5); the second aa is not kept twice.
    assert_eq!(figures.trace_ids().collect::<Vec<_>>(), ["aa", "cc", "bb"]);
}

// A client -> waypoint hop series is evidence of the call it carried: when it
// carried exactly one edge, its exemplars go to that edge; a hop shared by
// two edges places none (they are counted as unplaced).
#[test]
fn a_hop_places_its_exemplars_only_when_it_carried_one_edge() {
    let options = ClassifyOptions {
        waypoints: [WorkloadRef::new("bank", "waypoint")].into(),
        ..ClassifyOptions::default()
    };
    // teller's sidecar -> waypoint for the ledger service, served by ledger-v1 only.
    let hop = http(
        "source",
        ("bank/teller", "bank/waypoint"),
        "ledger.bank",
        3.0,
    );
    let mut observations = vec![
        http(
            "waypoint",
            ("bank/teller", "bank/ledger-v1"),
            "ledger.bank",
            3.0,
        ),
        hop.clone(),
    ];
    let mut rec = reconcile(&observations, &options);
    let done = attach_exemplars(
        &mut rec,
        &observations,
        &[exemplars_on(&hop, &["t1"])],
        &options,
    );
    assert_eq!(done, placement(1, 0));
    assert_eq!(placed_ids(&rec), ["bank/teller -> bank/ledger-v1: t1"]);

    // The same hop when ledger-v2 also serves the service: two edges, no place.
    observations.push(http(
        "waypoint",
        ("bank/teller", "bank/ledger-v2"),
        "ledger.bank",
        1.0,
    ));
    let mut rec = reconcile(&observations, &options);
    let done = attach_exemplars(
        &mut rec,
        &observations,
        &[exemplars_on(&hop, &["t1"])],
        &options,
    );
    assert_eq!(done, placement(0, 1));
    assert!(placed_ids(&rec).is_empty());
}

// Exemplars are matched with latency-bucket or request series only: an
// exemplar whose labels match nothing but a TCP series is not placed.
#[test]
fn exemplars_match_only_latency_or_request_series() {
    let web_cart = http("destination", ("shop/web", "shop/cart"), "cart.shop", 2.0);
    let web_db = series(
        Metric::TcpConnectionsOpened,
        "destination",
        ("shop/web", "shop/db"),
        "db.shop",
        "tcp",
        0.5,
    );
    let observations = [web_cart.clone(), web_db.clone()];
    let options = ClassifyOptions::default();
    let mut rec = reconcile(&observations, &options);
    let exemplars = [
        exemplars_on(&web_cart, &["c1", "c2"]),
        exemplars_on(&web_db, &["d1"]),
    ];
    let done = attach_exemplars(&mut rec, &observations, &exemplars, &options);
    assert_eq!(done, placement(2, 1));
    assert_eq!(placed_ids(&rec), ["shop/web -> shop/cart: c1,c2"]);
}

// The edges belong to the caller, who may have dropped some before placing
// exemplars: a series whose edge is gone places nothing (and never panics).
#[test]
fn an_exemplar_whose_edge_is_gone_is_unplaced() {
    let web_cart = http("destination", ("shop/web", "shop/cart"), "cart.shop", 2.0);
    let observations = [web_cart.clone()];
    let options = ClassifyOptions::default();
    let mut rec = reconcile(&observations, &options);
    rec.edges.clear();
    let done = attach_exemplars(
        &mut rec,
        &observations,
        &[exemplars_on(&web_cart, &["c1"])],
        &options,
    );
    assert_eq!(done, placement(0, 1));
}
