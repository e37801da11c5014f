//! Independent truth for joining trace calls with the metric edges
//! (`meshgraph_core::traces`): every expected figure is written out by hand.

use meshgraph_core::{
    ClassifyOptions, Reconciliation, SeenIn, TraceFigures, merge_traces, reconcile,
};
use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};
use meshgraph_model::{Metric, Observation, Protocol};

/// One server-reported `istio_requests_total` series (HTTP 200) at `rate` per
/// second from `source` to `destination` (`namespace/workload`), addressed to
/// the service `name.namespace`.
fn requests(source: &str, destination: &str, service: &str, rate: f64) -> Observation {
    let (sns, sname) = source.split_once('/').unwrap();
    let (dns, dname) = destination.split_once('/').unwrap();
    let (svc_name, svc_ns) = service.split_once('.').unwrap();
    let labels = [
        ("reporter", "destination"),
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
        ("request_protocol", "http"),
        ("response_code", "200"),
        ("response_flags", "-"),
        ("connection_security_policy", "mutual_tls"),
    ];
    let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Observation::from_labels(Metric::Requests, labels.collect(), rate).unwrap()
}

fn workload(peer: &str) -> TracePeer {
    let (ns, name) = peer.split_once('/').unwrap();
    TracePeer::workload(ns, name)
}

/// A call seen in traces, with `spans` sampled spans and one trace id.
fn call(
    source: TracePeer,
    destination: TracePeer,
    evidence: TraceEvidence,
    spans: u64,
) -> TraceCall {
    TraceCall {
        source,
        destination,
        evidence,
        spans,
        errors: 0,
        durations_ms: vec![],
        trace_ids: vec![format!("trace{spans}")],
    }
}

/// The edges after merging: "source -> destination", where they were seen,
/// and their sampled spans (0 without traces).
fn merged(
    observations: &[Observation],
    calls: &[TraceCall],
) -> (Reconciliation, Vec<(String, SeenIn, u64)>) {
    let mut rec = reconcile(observations, &ClassifyOptions::default());
    merge_traces(&mut rec, calls);
    let edges = rec
        .edges
        .iter()
        .map(|e| {
            (
                format!("{} -> {}", e.source, e.destination),
                e.seen_in
                    .expect("every edge is marked once traces were merged"),
                e.traces.as_ref().map_or(0, |t| t.spans),
            )
        })
        .collect();
    (rec, edges)
}

fn row(edge: &str, seen_in: SeenIn, spans: u64) -> (String, SeenIn, u64) {
    (edge.to_string(), seen_in, spans)
}

fn ids(items: &[&str]) -> std::collections::BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------
// TraceFigures and SeenIn

// JSON and text exports print where an edge was seen by these names.
#[test]
fn seen_in_names_are_the_exported_words() {
    assert_eq!(SeenIn::Metrics.as_str(), "metrics");
    assert_eq!(SeenIn::Traces.as_str(), "traces");
    assert_eq!(SeenIn::Both.as_str(), "both");
}

// Adding figures sums spans and errors, appends durations and keeps at most
// five trace ids (TraceCall::MAX_TRACE_IDS), taking the other's in order.
#[test]
fn adding_trace_figures_sums_counts_and_keeps_five_trace_ids() {
    let mut figures = TraceFigures {
        spans: 3,
        errors: 1,
        durations_ms: vec![4.0, 9.0],
        trace_ids: ids(&["a1", "b2"]),
    };
    figures.add(&TraceFigures {
        spans: 4,
        errors: 2,
        durations_ms: vec![6.0],
        trace_ids: ids(&["c3", "d4", "e5", "f6"]),
    });
    let expected = TraceFigures {
        spans: 7,  // 3 + 4
        errors: 3, // 1 + 2
        durations_ms: vec![4.0, 9.0, 6.0],
        // a1, b2, then c3, d4, e5 until five are kept; f6 is dropped.
        trace_ids: ids(&["a1", "b2", "c3", "d4", "e5"]),
    };
    assert_eq!(figures, expected);
}

// Latency percentiles of sampled spans are nearest-rank: the value at rank
// ceil(q * n) (at least 1) of the sorted durations; no samples, no figure.
#[test]
fn trace_quantiles_take_the_nearest_rank_of_sorted_durations() {
    let figures = TraceFigures {
        durations_ms: vec![40.0, 10.0, 30.0, 20.0],
        ..TraceFigures::default()
    };
    // Sorted: 10, 20, 30, 40 (n = 4).
    assert_eq!(figures.quantile_ms(0.0), Some(10.0)); // rank 0 -> 1
    assert_eq!(figures.quantile_ms(0.25), Some(10.0)); // rank 1
    assert_eq!(figures.quantile_ms(0.5), Some(20.0)); // rank 2
    assert_eq!(figures.quantile_ms(0.6), Some(30.0)); // rank ceil(2.4) = 3
    assert_eq!(figures.quantile_ms(0.99), Some(40.0)); // rank ceil(3.96) = 4
    assert_eq!(TraceFigures::default().quantile_ms(0.5), None);
}

// ---------------------------------------------------------------------------
// merge_traces

// A traced call between two workloads confirms the metric edge with the same
// ends (seen in both) and carries the call's figures; an edge no call
// describes stays seen in metrics only, even if it is busier.
#[test]
fn a_traced_call_confirms_its_own_metric_edge_and_carries_its_figures() {
    let observations = [
        requests("shop/web", "shop/cart", "cart.shop", 2.0),
        requests("shop/web", "shop/pay", "pay.shop", 5.0),
    ];
    let traced = TraceCall {
        errors: 1,
        durations_ms: vec![12.0, 8.0],
        ..call(
            workload("shop/web"),
            workload("shop/cart"),
            TraceEvidence::ClientServerPair,
            4,
        )
    };
    let (rec, edges) = merged(&observations, &[traced]);
    assert_eq!(
        edges,
        [
            row("shop/web -> shop/cart", SeenIn::Both, 4),
            row("shop/web -> shop/pay", SeenIn::Metrics, 0),
        ]
    );
    let expected = TraceFigures {
        spans: 4,
        errors: 1,
        durations_ms: vec![12.0, 8.0],
        trace_ids: ids(&["trace4"]),
    };
    assert_eq!(rec.edges[0].traces, Some(expected));
    assert_eq!(rec.edges[1].traces, None);
}

// A call to a service (a client span naming only the upstream cluster) goes
// to the busiest edge from the caller to a workload serving that service, in
// that namespace: not another service of the namespace, not the same service
// name in another namespace, however busy.
#[test]
fn a_call_to_a_service_goes_to_the_busiest_workload_serving_it() {
    let observations = [
        requests("shop/web", "shop/reviews-v1", "reviews.shop", 1.0),
        requests("shop/web", "shop/reviews-v2", "reviews.shop", 2.0),
        requests("shop/web", "shop/ratings-v1", "ratings.shop", 5.0),
        requests("shop/web", "staging/reviews-v1", "reviews.staging", 7.0),
    ];
    let to_service = call(
        workload("shop/web"),
        TracePeer::service("shop", "reviews"),
        TraceEvidence::ClientOnly {
            attribute: "upstream_cluster".into(),
        },
        6,
    );
    let (_, edges) = merged(&observations, &[to_service]);
    assert_eq!(
        edges,
        [
            row("shop/web -> shop/ratings-v1", SeenIn::Metrics, 0),
            row("shop/web -> shop/reviews-v1", SeenIn::Metrics, 0),
            row("shop/web -> shop/reviews-v2", SeenIn::Both, 6),
            row("shop/web -> staging/reviews-v1", SeenIn::Metrics, 0),
        ]
    );
}

// Server spans with no client parent (an untraced caller) are placed after the
// calls whose caller is known, on the busiest edge into the server that no
// other call confirmed: here web's own span confirms web -> cart (busier), so
// the server-only spans go to batch -> cart, whatever the order of the input.
#[test]
fn server_only_spans_go_to_the_busiest_edge_into_the_server_nothing_confirmed() {
    let observations = [
        requests("shop/web", "shop/cart", "cart.shop", 5.0),
        requests("shop/batch", "shop/cart", "cart.shop", 1.0),
    ];
    let calls = [
        call(
            TracePeer::Unknown,
            workload("shop/cart"),
            TraceEvidence::ServerOnly,
            2,
        ),
        call(
            workload("shop/web"),
            workload("shop/cart"),
            TraceEvidence::ClientServerPair,
            3,
        ),
    ];
    let (_, edges) = merged(&observations, &calls);
    assert_eq!(
        edges,
        [
            row("shop/batch -> shop/cart", SeenIn::Both, 2),
            row("shop/web -> shop/cart", SeenIn::Both, 3),
        ]
    );
}

// A call with a known caller that no metric edge describes becomes an edge
// of its own, seen in traces only, with protocol http and no rates; it does
// not borrow another caller's edge into the same server.
#[test]
fn a_call_no_metric_edge_describes_becomes_a_traces_only_http_edge() {
    let observations = [requests("shop/web", "shop/cart", "cart.shop", 5.0)];
    let calls = [
        call(
            workload("shop/cron"),
            workload("shop/cart"),
            TraceEvidence::ClientServerPair,
            1,
        ),
        call(
            workload("shop/web"),
            TracePeer::virtual_node("postgres"),
            TraceEvidence::ClientOnly {
                attribute: "db.system".into(),
            },
            2,
        ),
    ];
    let (rec, edges) = merged(&observations, &calls);
    // Ordered by source, then destination (workloads before external hosts).
    assert_eq!(
        edges,
        [
            row("shop/cron -> shop/cart", SeenIn::Traces, 1),
            row("shop/web -> shop/cart", SeenIn::Metrics, 0),
            row("shop/web -> external postgres", SeenIn::Traces, 2),
        ]
    );
    for i in [0, 2] {
        assert_eq!(rec.edges[i].protocol, Protocol::Http);
        assert!(rec.edges[i].l7.is_none() && rec.edges[i].l4.is_none());
    }
}

// Edges merged into one drawn edge (here, the namespace picture) were seen in
// both when any of them was, and in metrics only when all of them were.
#[test]
fn merged_edges_are_seen_in_both_when_any_part_was_traced() {
    use meshgraph_core::{GraphOptions, build_graph};
    let observations = [
        requests("shop/web", "back/api-v1", "api.back", 2.0),
        requests("shop/web", "back/api-v2", "api.back", 1.0),
        requests("shop/web", "data/db-v1", "db.data", 1.0),
        requests("shop/web", "data/db-v2", "db.data", 1.0),
    ];
    // Only web -> api-v2 (the second edge into `back`) is traced.
    let traced = call(
        workload("shop/web"),
        workload("back/api-v2"),
        TraceEvidence::ClientServerPair,
        2,
    );
    let (rec, _) = merged(&observations, &[traced]);
    let folded = build_graph(&rec, &GraphOptions::default()).collapsed_to_namespaces();
    let seen: Vec<(&str, Option<SeenIn>)> = folded
        .edges()
        .map(|(_, b, e)| (b.id.as_str(), e.seen_in))
        .collect();
    assert_eq!(
        seen,
        [
            ("namespace:back", Some(SeenIn::Both)),
            ("namespace:data", Some(SeenIn::Metrics)),
        ]
    );
}
