//! Independent truth for every reconciliation rule and fallback
//! (docs/reconciliation.md, docs/testing.md).
//!
//! The series are hand-written files in `tests/fixtures/truth/*.rates` (the
//! workspace root; format in its README.md), read here by a parser of our own:
//! nothing comes from the scenario kit, so the kit cannot agree with itself.
//! Every expected figure is written out by hand below, with the arithmetic in
//! a comment, and every field a graph edge carries is compared (relative
//! tolerance 1e-9). The graph must have exactly the expected edges.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_core::{
    Badge, ClassifyOptions, Disposition, Endpoint, GraphOptions, MeshGraph, Reconciliation,
    WorkloadRef, build_graph, reconcile,
};
use meshgraph_model::{GraphType, Metric, Observation, Severity};

// ---------------------------------------------------------------------------
// Reading the fixtures (no code shared with crates/scenario or the collector)

fn fixture(name: &str) -> Vec<Observation> {
    let path = format!(
        "{}/../../tests/fixtures/truth/{name}.rates",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (name, rest) = line.split_once('{').expect("name{labels} rate");
            let (body, rate) = rest.rsplit_once("} ").expect("labels} rate");
            let mut labels = BTreeMap::new();
            // The fixtures never put `",` inside a value.
            for pair in body.split("\",") {
                let (k, v) = pair.split_once("=\"").expect("k=\"v\"");
                labels.insert(k.to_string(), v.trim_end_matches('"').to_string());
            }
            let metric = Metric::from_series_name(name).expect("an Istio metric");
            Observation::from_labels(metric, labels, rate.trim().parse().expect("a rate"))
                .expect("a valid series")
        })
        .collect()
}

fn run(name: &str, options: &ClassifyOptions) -> (Reconciliation, MeshGraph) {
    let observations = fixture(name);
    let rec = reconcile(&observations, options);
    let graph = build_graph(&rec, &GraphOptions::default());
    (rec, graph)
}

// ---------------------------------------------------------------------------
// The expected edge, every field

#[derive(Debug, Clone)]
struct Expect {
    source: &'static str,
    target: &'static str,
    protocol: &'static str,
    /// rps, error_rps and requests by class; `None` for an edge without L7.
    rps: Option<f64>,
    error_rps: f64,
    responses: &'static [(&'static str, f64)],
    /// p50, p95, p99 in ms; `None` without a histogram.
    latency: Option<[f64; 3]>,
    request_bytes: Option<f64>,
    response_bytes: Option<f64>,
    /// gRPC request and response messages per second; `None` without them.
    grpc_messages: Option<[f64; 2]>,
    /// bytes to server, bytes to client, connections opened, closed; `None` without L4.
    l4: Option<[f64; 4]>,
    mtls: Option<f64>,
    /// The mTLS evidence behind the share, (mutual_tls, observed) per second,
    /// where it shows that one emitter and one family were counted (rule 6).
    mtls_weights: Option<[f64; 2]>,
    rates_from: &'static [&'static str],
    via: &'static [&'static str],
    services: &'static [&'static str],
    source_principals: &'static [&'static str],
    destination_principals: &'static [&'static str],
}

const NONE: Expect = Expect {
    source: "",
    target: "",
    protocol: "http",
    rps: None,
    error_rps: 0.0,
    responses: &[],
    latency: None,
    request_bytes: None,
    response_bytes: None,
    grpc_messages: None,
    l4: None,
    mtls: None,
    mtls_weights: None,
    rates_from: &[],
    via: &[],
    services: &[],
    source_principals: &[],
    destination_principals: &[],
};

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs() + 1e-12
}

fn check_num(what: &str, actual: Option<f64>, expected: Option<f64>) -> Option<String> {
    match (actual, expected) {
        (Some(a), Some(e)) if close(a, e) => None,
        (None, None) => None,
        _ => Some(format!("{what}: got {actual:?}, expected {expected:?}")),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Compares the graph with the expected edges: the same (source, target)
/// pairs, and every field of each.
fn assert_graph(graph: &MeshGraph, expected: &[Expect]) {
    let got: BTreeSet<(String, String)> = graph
        .edges()
        .map(|(a, b, _)| (a.id.clone(), b.id.clone()))
        .collect();
    let want: BTreeSet<(String, String)> = expected
        .iter()
        .map(|e| (e.source.to_string(), e.target.to_string()))
        .collect();
    assert_eq!(got, want, "the graph's edges");
    let mut problems = Vec::new();
    for x in expected {
        let (_, _, e) = graph
            .edges()
            .find(|(a, b, _)| a.id == x.source && b.id == x.target)
            .unwrap();
        let mut p = Vec::new();
        if e.protocol.as_str() != x.protocol {
            p.push(format!(
                "protocol {} vs {}",
                e.protocol.as_str(),
                x.protocol
            ));
        }
        let l7 = e.l7.as_ref();
        p.extend(check_num("rps", l7.map(|l| l.rps), x.rps));
        if let Some(l7) = l7 {
            p.extend(check_num(
                "error_rps",
                Some(l7.error_rps),
                Some(x.error_rps),
            ));
            // Classes compared by their written names ("2xx", "0"), as the JSON has them.
            let classes: BTreeSet<String> = l7.by_class.keys().map(|c| c.to_string()).collect();
            let want: BTreeSet<String> = x.responses.iter().map(|(c, _)| c.to_string()).collect();
            if classes != want {
                p.push(format!("response classes {:?} vs {want:?}", l7.by_class));
            }
            for (class, rate) in x.responses {
                p.extend(check_num(
                    &format!("responses[{class}]"),
                    l7.by_class
                        .iter()
                        .find(|(c, _)| c.to_string() == *class)
                        .map(|(_, rate)| *rate),
                    Some(*rate),
                ));
            }
            for (i, q) in [0.5, 0.95, 0.99].into_iter().enumerate() {
                p.extend(check_num(
                    &format!("latency q{q}"),
                    l7.latency.quantile(q),
                    x.latency.map(|l| l[i]),
                ));
            }
            p.extend(check_num(
                "request bytes",
                l7.request_bytes_per_second,
                x.request_bytes,
            ));
            p.extend(check_num(
                "response bytes",
                l7.response_bytes_per_second,
                x.response_bytes,
            ));
            p.extend(check_num(
                "grpc request messages",
                l7.grpc_request_messages_per_second,
                x.grpc_messages.map(|m| m[0]),
            ));
            p.extend(check_num(
                "grpc response messages",
                l7.grpc_response_messages_per_second,
                x.grpc_messages.map(|m| m[1]),
            ));
        }
        let l4 = e.l4.as_ref();
        for (i, name) in [
            "bytes to server",
            "bytes to client",
            "connections opened",
            "connections closed",
        ]
        .into_iter()
        .enumerate()
        {
            let actual = l4.map(|l| {
                [
                    l.bytes_to_server,
                    l.bytes_to_client,
                    l.connections_opened,
                    l.connections_closed,
                ][i]
            });
            p.extend(check_num(name, actual, x.l4.map(|l| l[i])));
        }
        p.extend(check_num("mtls share", e.security.share(), x.mtls));
        if let Some([mutual, observed]) = x.mtls_weights {
            p.extend(check_num(
                "mtls weight",
                Some(e.security.mutual_tls),
                Some(mutual),
            ));
            p.extend(check_num(
                "observed weight",
                Some(e.security.observed),
                Some(observed),
            ));
        }
        let rates_from: BTreeSet<String> = e
            .rates_from
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        for (what, actual, want) in [
            ("rates_from", &rates_from, set(x.rates_from)),
            ("via_waypoint", &e.via_waypoint, set(x.via)),
            ("services", &e.services, set(x.services)),
            (
                "source principals",
                &e.source_principals,
                set(x.source_principals),
            ),
            (
                "destination principals",
                &e.destination_principals,
                set(x.destination_principals),
            ),
        ] {
            if *actual != want {
                p.push(format!("{what}: got {actual:?}, expected {want:?}"));
            }
        }
        if !p.is_empty() {
            problems.push(format!(
                "{} -> {}:\n  {}",
                x.source,
                x.target,
                p.join("\n  ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn dispositions_of(rec: &Reconciliation, observations: &[Observation]) -> Vec<(String, String)> {
    rec.dispositions
        .iter()
        .zip(observations)
        .map(|(d, o)| {
            let kind = match d {
                Disposition::Rates { .. } => "rates",
                Disposition::FailedBeforeServer { .. } => "failed_before_server",
                Disposition::Transport { .. } => "transport",
                Disposition::WaypointHop { .. } => "waypoint_hop",
                Disposition::Duplicate { .. } => "duplicate",
                Disposition::NetworkGatewayHop { .. } => "network_gateway_hop",
            };
            (
                format!(
                    "{} {} {} {}",
                    o.metric.series_name(),
                    o.reporter.as_str(),
                    o.response_code.as_deref().unwrap_or("-"),
                    o.response_flags
                ),
                kind.to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Rule 3: failed before the server, and one L7 reporter

const SHOP_WEB: &str = "spiffe://cluster.local/ns/shop/sa/web";
const SHOP_CART: &str = "spiffe://cluster.local/ns/shop/sa/cart";

/// shop/web -> shop/cart between two sidecars: the server's figures, plus the
/// client-side requests that never reached a server (response_code 0 or the
/// flags UF, UH, UO, NR, alone or in a list), and nothing else of the client's.
#[test]
fn failed_before_the_server_is_added_to_the_server_side_counts_and_nothing_else() {
    let (rec, graph) = run("failed-before-server", &ClassifyOptions::default());
    assert_graph(
        &graph,
        &[Expect {
            source: "workload:shop/web",
            target: "workload:shop/cart",
            protocol: "http",
            // server: 5.0 (200, mTLS) + 1.0 (200, plaintext) + 0.4 (503) = 6.4
            // never reached cart: UF 0.2 + "URX,UF" 0.2 + DC/code 0 0.4 + NR 0.2
            //   + UH 0.2 + UO 0.4 = 1.6            (URX alone, UT: duplicates)
            // 6.4 + 1.6 = 8.0
            rps: Some(8.0),
            // 5xx: 0.4 + 0.2 + 0.2 + 0.2 + 0.4 = 1.4; no response ("0"): 0.4
            // errors = 1.4 + 0.4 = 1.8 (the 404 of NR is not an error)
            error_rps: 1.8,
            responses: &[("2xx", 6.0), ("5xx", 1.4), ("0", 0.4), ("4xx", 0.2)],
            // server buckets, 200 + 503: le 5: 1.0, 10: 3.0, 25: 5.0, 50: 5.8+0.2=6.0,
            // 100: 6.0+0.4=6.4, +Inf: 6.4 (the client's UF buckets are not added)
            // p50: rank 3.2 in (10, 25]: 10 + 15*(3.2-3.0)/(5.0-3.0) = 11.5
            // p95: rank 6.08 in (50, 100]: 50 + 50*(6.08-6.0)/(6.4-6.0) = 60
            // p99: rank 6.336: 50 + 50*(0.336/0.4) = 92
            latency: Some([11.5, 60.0, 92.0]),
            // server: 3000 + 40 (the client's 3100 and UF 20 are not added)
            request_bytes: Some(3040.0),
            response_bytes: Some(12080.0), // 12000 + 80
            l4: None,
            // requests seen by cart's sidecar: mTLS 5.0 + 0.4, plaintext 1.0
            // 5.4 / 6.4 = 0.84375
            mtls: Some(0.84375),
            rates_from: &["envoy-destination"],
            services: &["cart.shop.svc.cluster.local"],
            source_principals: &[SHOP_WEB],
            destination_principals: &[SHOP_CART],
            ..NONE
        }],
    );
    let observations = fixture("failed-before-server");
    let d = dispositions_of(&rec, &observations);
    let failed: Vec<&str> = d
        .iter()
        .filter(|(_, k)| k == "failed_before_server")
        .map(|(s, _)| s.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "istio_requests_total source 503 UF",
            "istio_requests_total source 503 URX,UF",
            "istio_requests_total source 0 DC",
            "istio_requests_total source 404 NR",
            "istio_requests_total source 503 UH",
            "istio_requests_total source 503 UO",
        ]
    );
    assert_eq!(
        d.iter().filter(|(_, k)| k == "duplicate").count(),
        2 + 2 + 2 + 2, // 200/503 "-", URX, UT, UF buckets, client bytes
    );
}

/// gRPC between two sidecars: protocol grpc, errors from the gRPC status
/// (HTTP 200 throughout), stream messages from the server side only.
#[test]
fn grpc_errors_and_stream_messages_come_from_the_server_side() {
    let (_, graph) = run("grpc-streams", &ClassifyOptions::default());
    assert_graph(
        &graph,
        &[
            Expect {
                source: "workload:chat/chat-web",
                target: "workload:chat/stream-v1",
                protocol: "grpc",
                rps: Some(2.6), // 2.0 + 0.4 + 0.2 (server side)
                // non-OK gRPC status: 14 (0.4) + 5 (0.2) = 0.6
                error_rps: 0.6,
                responses: &[("2xx", 2.6)],
                // the server's 30 and 90, not the client's 31 and 92 or their sums
                grpc_messages: Some([30.0, 90.0]),
                mtls: Some(1.0),
                rates_from: &["envoy-destination"],
                services: &["stream.chat.svc.cluster.local"],
                source_principals: &["spiffe://cluster.local/ns/chat/sa/chat-web"],
                destination_principals: &["spiffe://cluster.local/ns/chat/sa/stream"],
                ..NONE
            },
            Expect {
                source: "workload:chat/chat-web",
                target: "workload:chat/presence-v1",
                protocol: "grpc", // from the requests series alone
                rps: Some(1.2),
                responses: &[("2xx", 1.2)],
                mtls: Some(1.0),
                rates_from: &["envoy-destination"],
                services: &["presence.chat.svc.cluster.local"],
                source_principals: &["spiffe://cluster.local/ns/chat/sa/chat-web"],
                destination_principals: &["spiffe://cluster.local/ns/chat/sa/presence"],
                ..NONE
            },
        ],
    );
}

// ---------------------------------------------------------------------------
// Rules 1, 2, 4, 6 through a waypoint: weighted split, silent waypoint,
// server-hop fallback, mTLS from a ztunnel-source hop

const TELLER: &str = "spiffe://cluster.local/ns/bank/sa/teller";
const LEDGER: &str = "spiffe://cluster.local/ns/bank/sa/ledger";
const STATEMENT: &str = "spiffe://cluster.local/ns/bank/sa/statement";

#[test]
fn one_ztunnel_hop_is_split_across_backends_by_request_rate() {
    let (_, graph) = run("ambient-waypoint", &ClassifyOptions::default());
    let expected = [
        Expect {
            source: "workload:bank/teller",
            target: "workload:bank/ledger-v1",
            rps: Some(3.0),
            responses: &[("2xx", 3.0)],
            // le 10: 1.5, 25: 2.7, 50: 3.0, +Inf: 3.0
            // p50: rank 1.5 in (0, 10]: 0 + 10*1.5/1.5 = 10
            // p95: rank 2.85 in (25, 50]: 25 + 25*(2.85-2.7)/(3.0-2.7) = 37.5
            // p99: rank 2.97: 25 + 25*(0.27/0.3) = 47.5
            latency: Some([10.0, 37.5, 47.5]),
            // teller's ztunnel -> waypoint (900, 3000, 0.6, 0.4) for ledger-v1
            // (3.0 rps) and ledger-v2 (1.0 rps): weight 3/4
            // 900*0.75 = 675, 3000*0.75 = 2250, 0.6*0.75 = 0.45, 0.4*0.75 = 0.3
            // (the waypoint -> ledger-v1 leg's 500/1000/0.2/0.2 is not used)
            l4: Some([675.0, 2250.0, 0.45, 0.3]),
            mtls: Some(1.0), // the waypoint saw mutual_tls on all requests
            rates_from: &["waypoint"],
            via: &["bank/waypoint"],
            services: &["ledger.bank.svc.cluster.local"],
            source_principals: &[TELLER],
            destination_principals: &[LEDGER],
            ..NONE
        },
        Expect {
            source: "workload:bank/teller",
            target: "workload:bank/ledger-v2",
            rps: Some(1.0), // 0.8 + 0.2
            error_rps: 0.2,
            responses: &[("2xx", 0.8), ("5xx", 0.2)],
            // 200 + 503 buckets: le 10: 0.4, 25: 0.8, 50: 0.8+0.2=1.0, +Inf: 1.0
            // p50: rank 0.5 in (10, 25]: 10 + 15*(0.5-0.4)/(0.8-0.4) = 13.75
            // p95: rank 0.95 in (25, 50]: 25 + 25*(0.95-0.8)/0.2 = 43.75
            // p99: rank 0.99: 25 + 25*(0.19/0.2) = 48.75
            latency: Some([13.75, 43.75, 48.75]),
            // weight 1/4: 900/4 = 225, 3000/4 = 750, 0.6/4 = 0.15, 0.4/4 = 0.1
            l4: Some([225.0, 750.0, 0.15, 0.1]),
            mtls: Some(1.0),
            rates_from: &["waypoint"],
            via: &["bank/waypoint"],
            services: &["ledger.bank.svc.cluster.local"],
            source_principals: &[TELLER],
            destination_principals: &[LEDGER],
            ..NONE
        },
        Expect {
            source: "workload:bank/auditor",
            target: "workload:bank/wallet-v1",
            rps: Some(0.4),
            responses: &[("2xx", 0.4)],
            // auditor's leg to wallet, whole (one edge)
            l4: Some([80.0, 400.0, 0.2, 0.2]),
            mtls: Some(1.0),
            rates_from: &["waypoint"],
            via: &["bank/waypoint"],
            services: &["wallet.bank.svc.cluster.local"],
            source_principals: &["spiffe://cluster.local/ns/bank/sa/auditor"],
            destination_principals: &["spiffe://cluster.local/ns/bank/sa/wallet"],
            ..NONE
        },
        // The waypoint reported nothing for auditor's calls to vault: the
        // client -> waypoint leg becomes a transport-only edge to the service.
        Expect {
            source: "workload:bank/auditor",
            target: "service:bank/vault",
            protocol: "tcp",
            l4: Some([100.0, 300.0, 0.2, 0.2]),
            // no edge evidence of its own: the hop's ztunnel-source series say
            // mutual_tls (HBONE) on 0.2 opened connections -> 0.2/0.2
            mtls: Some(1.0),
            rates_from: &["ztunnel-source"],
            via: &["bank/waypoint"],
            services: &["vault.bank.svc.cluster.local"],
            ..NONE
        },
        // Server-hop fallback: no client-side leg, so the waypoint ->
        // statement-v1 leg attaches to the edge into statement-v1 whose rates
        // came from the waypoint.
        Expect {
            source: "unknown",
            target: "workload:bank/statement-v1",
            rps: Some(0.6),
            responses: &[("2xx", 0.6)],
            // the leg's figures, weight 1 (one edge)
            l4: Some([240.0, 960.0, 0.2, 0.2]),
            // the waypoint saw plaintext ("none") on all 0.6 rps: 0/0.6 = 0;
            // the leg's mutual_tls is not used, the edge has evidence
            mtls: Some(0.0),
            rates_from: &["waypoint"],
            via: &["bank/waypoint"],
            services: &["statement.bank.svc.cluster.local"],
            destination_principals: &[STATEMENT],
            ..NONE
        },
    ];
    assert_graph(&graph, &expected);
}

/// No requests in the window on either edge the leg carried: equal split.
#[test]
fn a_leg_over_idle_edges_is_split_equally() {
    let (_, graph) = run("idle-waypoint-split", &ClassifyOptions::default());
    let archive = |target: &'static str| Expect {
        source: "workload:ops/sched",
        target,
        rps: Some(0.0),
        responses: &[("2xx", 0.0)],
        // sched's leg 600/200/0.2/0 halved: two edges, no request rate to weigh by
        l4: Some([300.0, 100.0, 0.1, 0.0]),
        // no evidence on the edge (0 requests): the leg's mutual_tls, 0.2 of 0.2
        // opened connections (not split)
        mtls: Some(1.0),
        mtls_weights: Some([0.2, 0.2]),
        rates_from: &["waypoint"],
        via: &["ops/waypoint"],
        services: &["archive.ops.svc.cluster.local"],
        source_principals: &["spiffe://cluster.local/ns/ops/sa/sched"],
        destination_principals: &["spiffe://cluster.local/ns/ops/sa/archive"],
        ..NONE
    };
    assert_graph(
        &graph,
        &[
            archive("workload:ops/archive-v1"),
            archive("workload:ops/archive-v2"),
        ],
    );
}

#[test]
fn a_silent_waypoint_and_an_unexplained_leg_are_noted() {
    let (rec, _) = run("ambient-waypoint", &ClassifyOptions::default());
    assert_eq!(
        rec.notes,
        [
            "bank/auditor reached service bank/vault through waypoint bank/waypoint, which reported no series for it",
            "waypoint bank/waypoint forwarded traffic to bank/vault-v1 that no other series explains",
        ]
    );
    // The transport-only edge was appended last; the edges are back in their
    // stable order (source, then destination: workloads before unknown) and
    // every disposition points at the right one.
    let order: Vec<String> = rec
        .edges
        .iter()
        .map(|e| format!("{} -> {}", e.source, e.destination))
        .collect();
    assert_eq!(
        order,
        [
            "bank/auditor -> bank/wallet-v1",
            "bank/auditor -> service bank/vault",
            "bank/teller -> bank/ledger-v1",
            "bank/teller -> bank/ledger-v2",
            "unknown -> bank/statement-v1",
        ]
    );
    let observations = fixture("ambient-waypoint");
    for (i, (d, o)) in rec.dispositions.iter().zip(&observations).enumerate() {
        let edges = match d {
            Disposition::Rates { edge, .. }
            | Disposition::FailedBeforeServer { edge }
            | Disposition::Transport { edge, .. }
            | Disposition::Duplicate { edge, .. } => vec![*edge],
            Disposition::WaypointHop { edges, .. }
            | Disposition::NetworkGatewayHop { edges, .. } => edges.clone(),
        };
        for e in edges {
            let edge = &rec.edges[e];
            assert!(edge.series.contains(&i), "series {i} on edge {e}");
            if !matches!(d, Disposition::WaypointHop { .. }) {
                assert_eq!(edge.source, meshgraph_core::Endpoint::source_of(o));
                assert_eq!(
                    edge.destination,
                    meshgraph_core::Endpoint::destination_of(o)
                );
            }
        }
    }
    assert_eq!(
        rec.classification.waypoints.keys().collect::<Vec<_>>(),
        [&WorkloadRef::new("bank", "waypoint")]
    );
}

// ---------------------------------------------------------------------------
// Rules 4 and 6 without a waypoint: ztunnel known by its region/zone labels,
// mTLS from HBONE, unknown caller (case 11), passthrough (case 10)

#[test]
fn ztunnel_is_recognised_by_region_and_zone_without_the_app_label() {
    let (rec, graph) = run("ztunnel-zones", &ClassifyOptions::default());
    const READER: &str = "spiffe://cluster.local/ns/lab/sa/reader";
    const STORE: &str = "spiffe://cluster.local/ns/lab/sa/store";
    const CACHE: &str = "spiffe://cluster.local/ns/lab/sa/cache";
    assert_graph(
        &graph,
        &[
            Expect {
                source: "workload:lab/reader-v1",
                target: "workload:lab/store-v1",
                protocol: "tcp",
                // the client-side ztunnel's figures (rule 4), not the server
                // side's 820/4100/0.4/0.4 and not their sum
                l4: Some([800.0, 4000.0, 0.4, 0.2]),
                // best security rank: ztunnel-destination, opened connections
                // (no requests family): 0.4 mutual_tls / 0.4 = 1
                mtls: Some(1.0),
                // ztunnel-destination's 0.4 only, not ztunnel-source's 0.4 as well
                mtls_weights: Some([0.4, 0.4]),
                rates_from: &["ztunnel-source"],
                services: &["store.lab.svc.cluster.local"],
                source_principals: &[READER],
                destination_principals: &[STORE],
                ..NONE
            },
            Expect {
                source: "workload:lab/reader-v1",
                target: "workload:lab/legacy-v1",
                protocol: "tcp",
                // the sidecar's figures (envoy-destination ranks above ztunnel-source)
                l4: Some([52.0, 510.0, 0.2, 0.2]),
                mtls: Some(1.0),
                // the sidecar's 0.2 opened connections only
                mtls_weights: Some([0.2, 0.2]),
                rates_from: &["envoy-destination"],
                services: &["legacy.lab.svc.cluster.local"],
                source_principals: &[READER],
                destination_principals: &["spiffe://cluster.local/ns/lab/sa/legacy"],
                ..NONE
            },
            Expect {
                source: "workload:lab/reader-v1",
                target: "workload:lab/portal-v1",
                // requests from portal's sidecar, transport from reader's ztunnel
                rps: Some(4.0),
                responses: &[("2xx", 4.0)],
                l4: Some([2000.0, 16000.0, 0.4, 0.4]),
                mtls: Some(1.0),
                // the requests family: the sidecar's 4.0 requests
                mtls_weights: Some([4.0, 4.0]),
                rates_from: &["envoy-destination"],
                services: &["portal.lab.svc.cluster.local"],
                source_principals: &[READER],
                destination_principals: &["spiffe://cluster.local/ns/lab/sa/portal"],
                ..NONE
            },
            Expect {
                source: "workload:lab/reader-v1",
                target: "workload:lab/cache-v1",
                protocol: "tcp",
                l4: Some([60.0, 600.0, 0.2, 0.2]),
                // only ztunnel-source, whose mutual_tls (HBONE) is evidence: 0.2/0.2
                mtls: Some(1.0),
                rates_from: &["ztunnel-source"],
                services: &["cache.lab.svc.cluster.local"],
                source_principals: &[READER],
                destination_principals: &[CACHE],
                ..NONE
            },
            Expect {
                source: "unknown",
                target: "workload:lab/store-v1",
                protocol: "tcp",
                l4: Some([40.0, 400.0, 0.2, 0.2]),
                // ztunnel's "unknown" is no evidence (case 11)
                mtls: None,
                rates_from: &["ztunnel-destination"],
                services: &["store.lab.svc.cluster.local"],
                destination_principals: &[STORE],
                ..NONE
            },
            Expect {
                source: "workload:lab/reader-v1",
                target: "unknown",
                protocol: "tcp",
                l4: Some([300.0, 9000.0, 0.2, 0.2]),
                mtls: None,
                rates_from: &["ztunnel-source"],
                source_principals: &[READER],
                ..NONE
            },
        ],
    );
    // What was done with each series, in file order.
    let observations = fixture("ztunnel-zones");
    let kinds: Vec<String> = dispositions_of(&rec, &observations)
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    let mut expected = Vec::new();
    let mut push = |n: usize, kind: &str| expected.extend((0..n).map(|_| kind.to_string()));
    push(4, "rates"); // reader -> store, ztunnel-source
    push(4, "duplicate"); // reader -> store, ztunnel-destination
    push(4, "rates"); // reader -> cache
    push(4, "rates"); // unknown -> store
    push(4, "rates"); // reader -> unknown
    push(4, "duplicate"); // reader -> legacy, ztunnel-source
    push(4, "rates"); // reader -> legacy, the sidecar
    push(4, "transport"); // reader -> portal, ztunnel-source under the sidecar's L7
    push(1, "rates"); // reader -> portal, the sidecar's requests
    assert_eq!(kinds, expected);
    // Every series is ztunnel's but legacy's and portal's sidecar's.
    use meshgraph_model::Emitter::{EnvoyDestination, ZtunnelDestination, ZtunnelSource};
    let expected: Vec<_> = [
        (4, ZtunnelSource),
        (4, ZtunnelDestination),
        (4, ZtunnelSource),
        (4, ZtunnelDestination),
        (4, ZtunnelSource),
        (4, ZtunnelSource),
        (4, EnvoyDestination),
        (4, ZtunnelSource),
        (1, EnvoyDestination),
    ]
    .into_iter()
    .flat_map(|(n, e)| std::iter::repeat_n(e, n))
    .collect();
    assert_eq!(rec.classification.emitters, expected);
}

// ---------------------------------------------------------------------------
// Version quirks

#[test]
fn istio_1_21_waypoint_reporting_as_destination_is_the_waypoint() {
    let (rec, graph) = run("istio-1.21-waypoint", &ClassifyOptions::default());
    assert_graph(
        &graph,
        &[Expect {
            source: "workload:legacy/front-v1",
            target: "workload:legacy/api-v1",
            rps: Some(2.0), // 1.6 + 0.4
            error_rps: 0.4,
            responses: &[("2xx", 1.6), ("5xx", 0.4)],
            request_bytes: Some(440.0), // 400 + 40
            // front-v1's ztunnel -> waypoint leg, one edge: weight 1
            l4: Some([300.0, 1200.0, 0.2, 0.2]),
            mtls: Some(1.0), // 2.0 of 2.0 requests mutual_tls, seen by the waypoint
            rates_from: &["waypoint"],
            via: &["legacy/waypoint"],
            services: &["api.legacy.svc.cluster.local"],
            source_principals: &["spiffe://cluster.local/ns/legacy/sa/front"],
            destination_principals: &["spiffe://cluster.local/ns/legacy/sa/api"],
            ..NONE
        }],
    );
    assert!(rec.notes.is_empty(), "{:?}", rec.notes);
}

const CHECKOUT: &str = "spiffe://cluster.local/ns/orders/sa/checkout";
const BILLING: &str = "spiffe://cluster.local/ns/orders/sa/billing";

/// Istio 1.22-1.24.2 write the waypoint's namespace (`edge`) into
/// `destination_service_namespace` on waypoint series; the service is in
/// `orders`. The two differ, so reading the label instead of the FQDN fails.
#[test]
fn istio_1_23_waypoint_namespace_quirk_takes_the_namespace_from_the_fqdn() {
    let (rec, graph) = run("istio-1.23-waypoint-namespace", &ClassifyOptions::default());
    assert_graph(
        &graph,
        &[
            Expect {
                source: "workload:orders/checkout",
                target: "workload:orders/billing-v1",
                rps: Some(1.8),
                responses: &[("2xx", 1.8)],
                // checkout's leg (500, 2500, 0.4, 0.4) carried 1.8 + 0.2 = 2.0 rps:
                // weight 1.8/2.0 = 0.9 -> 450, 2250, 0.36, 0.36
                l4: Some([450.0, 2250.0, 0.36, 0.36]),
                mtls: Some(1.0),
                rates_from: &["waypoint"],
                via: &["edge/waypoint"],
                services: &["billing.orders.svc.cluster.local"],
                source_principals: &[CHECKOUT],
                destination_principals: &[BILLING],
                ..NONE
            },
            Expect {
                source: "workload:orders/checkout",
                // orders, from the FQDN, not the label's "edge"
                target: "service:orders/billing",
                rps: Some(0.2),
                error_rps: 0.2,
                responses: &[("5xx", 0.2)],
                // weight 0.2/2.0 = 0.1 -> 50, 250, 0.04, 0.04
                l4: Some([50.0, 250.0, 0.04, 0.04]),
                mtls: Some(1.0),
                rates_from: &["waypoint"],
                via: &["edge/waypoint"],
                services: &["billing.orders.svc.cluster.local"],
                source_principals: &[CHECKOUT],
                ..NONE
            },
        ],
    );
    assert!(rec.notes.is_empty(), "{:?}", rec.notes);
}

// ---------------------------------------------------------------------------
// Unknown callers and destinations outside the mesh (cases 10, 13, 14)

#[test]
fn unknown_callers_external_hosts_and_service_entries() {
    let options = ClassifyOptions {
        service_entry_hosts: ["payments.example.com".to_string()].into(),
        ..ClassifyOptions::default()
    };
    let (rec, graph) = run("outside-the-mesh", &options);
    // Prometheus' scrapes are a logical edge, flagged infrastructure and left
    // out of the graph (below), drawn only with show_infra.
    let infra: Vec<String> = rec
        .edges
        .iter()
        .filter(|e| e.infrastructure)
        .map(|e| format!("{} -> {}", e.source, e.destination))
        .collect();
    assert_eq!(infra, ["monitoring/monitoring-prometheus -> shop/cart"]);
    let with_infra = build_graph(
        &rec,
        &GraphOptions {
            show_infra: true,
            ..GraphOptions::default()
        },
    );
    assert_eq!(with_infra.edges().count(), graph.edges().count() + 1);
    assert_graph(
        &graph,
        &[
            Expect {
                source: "unknown",
                target: "workload:shop/cart",
                rps: Some(0.6),
                responses: &[("2xx", 0.6)],
                mtls: Some(0.0), // 0 of 0.6 plaintext requests
                rates_from: &["envoy-destination"],
                services: &["cart.shop.svc.cluster.local"],
                destination_principals: &[SHOP_CART],
                ..NONE
            },
            Expect {
                source: "workload:shop/web",
                target: "external:archive.ubuntu.com",
                // the client's series are the only, hence chosen, reporter:
                // 0.4 + 0.2 (UF counted once, as rates, not added twice)
                rps: Some(0.6),
                error_rps: 0.2,
                responses: &[("2xx", 0.4), ("5xx", 0.2)],
                mtls: None, // the client sidecar's "unknown" is no evidence
                rates_from: &["envoy-source"],
                services: &["archive.ubuntu.com"],
                source_principals: &[SHOP_WEB],
                ..NONE
            },
            Expect {
                source: "workload:shop/web",
                target: "service_entry:payments.example.com",
                rps: Some(1.0),
                responses: &[("2xx", 1.0)],
                rates_from: &["envoy-source"],
                services: &["payments.example.com"],
                source_principals: &[SHOP_WEB],
                ..NONE
            },
            Expect {
                source: "workload:shop/web",
                target: "external:BlackHoleCluster",
                protocol: "tcp",
                // connections only: no byte series, so 0 B/s
                l4: Some([0.0, 0.0, 0.2, 0.2]),
                rates_from: &["envoy-source"],
                services: &["BlackHoleCluster"],
                source_principals: &[SHOP_WEB],
                ..NONE
            },
        ],
    );
}

// ---------------------------------------------------------------------------
// Node names: app and version from the labels, gateway roles

#[test]
fn nodes_take_app_version_and_kind_from_the_labels() {
    let options = ClassifyOptions {
        gateways: [WorkloadRef::new("store", "front-proxy")].into(),
        ..ClassifyOptions::default()
    };
    let rec = reconcile(&fixture("node-names"), &options);
    let graph = build_graph(
        &rec,
        &GraphOptions {
            graph_type: meshgraph_model::GraphType::VersionedApp,
            ..GraphOptions::default()
        },
    );
    let nodes: Vec<(String, &str, Option<String>, Option<String>)> = graph
        .nodes()
        .map(|n| {
            (
                n.id.clone(),
                n.kind.as_str(),
                n.app.clone(),
                n.version.clone(),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        nodes,
        [
            // gateways are drawn per app, without a version
            (
                "versioned_app:istio-system/corp-egressgateway".to_string(),
                "gateway",
                s("corp-egressgateway"),
                None
            ),
            (
                "versioned_app:istio-system/istio-ingress".to_string(),
                "gateway",
                s("istio-ingress"),
                None
            ),
            // app "unknown" skipped for the canonical service; revision v2
            (
                "versioned_app:store/catalog/v2".to_string(),
                "versioned_app",
                s("catalog"),
                s("v2")
            ),
            (
                "versioned_app:store/front-proxy".to_string(),
                "gateway",
                s("front-proxy"),
                None
            ),
            (
                "versioned_app:store/frontend/v1".to_string(),
                "versioned_app",
                s("frontend"),
                s("v1")
            ),
            // nothing but the name: app = workload name, version latest
            (
                "versioned_app:store/legacy-db/latest".to_string(),
                "versioned_app",
                s("legacy-db"),
                s("latest")
            ),
        ]
    );
    // The ingress gateway's own series is the gateway's (it reports as source
    // and is named like one); everything else is a sidecar's.
    use meshgraph_model::Emitter::*;
    assert_eq!(
        rec.classification.emitters,
        [
            Gateway,
            EnvoyDestination,
            EnvoySource,
            EnvoySource,
            EnvoySource
        ]
    );
    // A principal is recorded only when one is known; the first one seen stays.
    let principals: Vec<(String, &str)> = rec
        .classification
        .workloads
        .iter()
        .map(|(w, info)| (w.to_string(), info.principal.as_str()))
        .collect();
    assert_eq!(
        principals,
        [
            ("istio-system/corp-egressgateway".to_string(), ""),
            ("istio-system/istio-ingress".to_string(), ""),
            (
                "store/catalog-v2".to_string(),
                "spiffe://cluster.local/ns/store/sa/catalog"
            ),
            ("store/front-proxy".to_string(), ""),
            // sa/frontend, seen first (catalog's series), not sa/frontend-old
            (
                "store/frontend-v1".to_string(),
                "spiffe://cluster.local/ns/store/sa/frontend"
            ),
            ("store/legacy-db".to_string(), ""),
        ]
    );
}

// ---------------------------------------------------------------------------
// Aggregated graph types: workload edges summed into one drawn edge

fn graph_of(name: &str, graph_type: GraphType) -> (Reconciliation, MeshGraph) {
    let rec = reconcile(&fixture(name), &ClassifyOptions::default());
    let options = GraphOptions {
        graph_type,
        ..GraphOptions::default()
    };
    let graph = build_graph(&rec, &options);
    (rec, graph)
}

/// web → api in the app graph: api-v1 (4.0 rps, mTLS) and api-v2 (2.5 rps,
/// plaintext) summed; the same figures on web → service api in the service graph.
fn web_to_api(source: &'static str, target: &'static str) -> Expect {
    Expect {
        source,
        target,
        protocol: "http",
        rps: Some(6.5), // 3.0 + 1.0 (v1) + 1.0 + 1.0 + 0.5 (v2)
        error_rps: 1.5, // 503 (1.0) + 500 (0.5); the 404 is the caller's
        responses: &[("2xx", 4.0), ("4xx", 1.0), ("5xx", 1.5)],
        // summed buckets: le 10: 2.0 + 0.5 = 2.5, le 100: 3.5 + 1.5 = 5.0,
        // +Inf: 4.0 + 2.5 = 6.5. p50: rank 3.25 in (10, 100]:
        // 10 + 90 * (3.25 - 2.5) / (5.0 - 2.5) = 37; p95 and p99 (ranks
        // 6.175, 6.435) fall in +Inf: the highest finite bound, 100.
        latency: Some([37.0, 100.0, 100.0]),
        request_bytes: Some(400.0),   // 300 + 100
        response_bytes: Some(1000.0), // 800 + 200
        mtls: Some(4.0 / 6.5),
        mtls_weights: Some([4.0, 6.5]), // mTLS on v1's 4.0 of 6.5 observed
        rates_from: &["envoy-destination"],
        services: &["api.shop.svc.cluster.local"],
        source_principals: &[SHOP_WEB],
        destination_principals: &[
            "spiffe://cluster.local/ns/shop/sa/api",
            "spiffe://cluster.local/ns/shop/sa/api-v2",
        ],
        ..NONE
    }
}

#[test]
fn the_app_graph_sums_every_figure_of_the_workload_edges_it_draws_as_one() {
    let (_, graph) = graph_of("aggregated-graphs", GraphType::App);
    assert_graph(
        &graph,
        &[
            web_to_api("app:shop/web", "app:shop/api"),
            Expect {
                source: "app:shop/web",
                target: "app:shop/accounts",
                protocol: "grpc", // gRPC and gRPC stay gRPC
                rps: Some(2.5),   // 2.0 + 0.5
                responses: &[("2xx", 2.5)],
                mtls: Some(1.0),
                mtls_weights: Some([2.5, 2.5]),
                rates_from: &["envoy-destination"],
                services: &["accounts.shop.svc.cluster.local"],
                source_principals: &[SHOP_WEB],
                destination_principals: &["spiffe://cluster.local/ns/shop/sa/accounts"],
                ..NONE
            },
            Expect {
                source: "app:shop/web",
                target: "app:shop/cache",
                // cache-v1 (TCP) first, then cache-v2's requests: the L7
                // figures and protocol come from the one edge that has them
                protocol: "http",
                rps: Some(1.5),
                responses: &[("2xx", 1.5)],
                // cache-v1 + cache-v3: 1000 + 500 to the server, 3000 + 700
                // back, 2.0 + 1.0 opened, 1.5 + 1.0 closed
                l4: Some([1500.0, 3700.0, 3.0, 2.5]),
                mtls: Some(1.0),
                rates_from: &["envoy-destination"],
                services: &["cache.shop.svc.cluster.local"],
                source_principals: &[SHOP_WEB],
                destination_principals: &["spiffe://cluster.local/ns/shop/sa/cache"],
                ..NONE
            },
        ],
    );
    // App nodes are named by the app label, not by a workload.
    let ids: BTreeSet<&str> = graph.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "app:shop/accounts",
            "app:shop/api",
            "app:shop/cache",
            "app:shop/web"
        ])
    );
}

#[test]
fn the_service_graph_puts_the_service_between_caller_and_backends() {
    let (_, graph) = graph_of("aggregated-graphs", GraphType::Service);
    let pairs: BTreeSet<(&str, &str)> = graph
        .edges()
        .map(|(a, b, _)| (a.id.as_str(), b.id.as_str()))
        .collect();
    let want: BTreeSet<(&str, &str)> = [
        ("workload:shop/web-v1", "service:shop/api"),
        ("service:shop/api", "workload:shop/api-v1"),
        ("service:shop/api", "workload:shop/api-v2"),
        ("workload:shop/web-v1", "service:shop/accounts"),
        ("service:shop/accounts", "workload:shop/accounts-v1"),
        ("service:shop/accounts", "workload:shop/accounts-v2"),
        ("workload:shop/web-v1", "service:shop/cache"),
        ("service:shop/cache", "workload:shop/cache-v1"),
        ("service:shop/cache", "workload:shop/cache-v2"),
        ("service:shop/cache", "workload:shop/cache-v3"),
    ]
    .into_iter()
    .collect();
    assert_eq!(pairs, want);
    let one = |source: &str, target: &str| {
        let (_, _, edge) = graph
            .edges()
            .find(|(a, b, _)| a.id == source && b.id == target)
            .unwrap();
        edge.clone()
    };
    // The caller's edge into the service carries both calls, summed.
    let into_api = one("workload:shop/web-v1", "service:shop/api");
    let l7 = into_api.l7.as_ref().unwrap();
    assert_eq!((l7.rps, l7.error_rps), (6.5, 1.5));
    assert_eq!(into_api.logical_edges.len(), 2);
    // Each backend's edge carries its own call only.
    let to_v2 = one("service:shop/api", "workload:shop/api-v2");
    assert_eq!(to_v2.l7.as_ref().unwrap().rps, 2.5);
    assert_eq!(to_v2.security.share(), Some(0.0), "plaintext");
    // A single-cluster mesh: service nodes carry no cluster.
    assert_eq!(graph.node("service:shop/api").unwrap().cluster, None);
}

#[test]
fn a_namespace_picture_sums_all_its_edges_and_keeps_their_findings() {
    let (rec, mut graph) = graph_of("aggregated-graphs", GraphType::Workload);
    let edge_badge = Badge {
        code: "MG902".into(),
        severity: Severity::Warning,
    };
    let node_badge = Badge {
        code: "MG101".into(),
        severity: Severity::Error,
    };
    {
        let api_v2 = Endpoint::Workload(WorkloadRef::new("shop", "api-v2"));
        let web = Endpoint::Workload(WorkloadRef::new("shop", "web-v1"));
        let mut badges = graph.badges(&rec);
        badges.logical_edge(&web, &api_v2, &edge_badge);
        badges.endpoint(&api_v2, &node_badge);
        badges.endpoint(&web, &node_badge);
    }
    let folded = graph.collapsed_to_namespaces();
    let nodes: Vec<(&str, &str, &[Badge])> = folded
        .nodes()
        .map(|n| (n.id.as_str(), n.name.as_str(), n.badges.as_slice()))
        .collect();
    // Eight workloads in one namespace; the node finding shown once.
    assert_eq!(
        nodes,
        [(
            "namespace:shop",
            "shop (8 nodes)",
            std::slice::from_ref(&node_badge)
        )]
    );
    let edges: Vec<_> = folded.edges().collect();
    assert_eq!(edges.len(), 1, "one namespace-to-itself edge");
    let (_, _, edge) = edges[0];
    // accounts (gRPC) first, then api and cache (HTTP): mixed is HTTP.
    assert_eq!(edge.protocol.as_str(), "http");
    let l7 = edge.l7.as_ref().unwrap();
    assert!(close(l7.rps, 10.5), "6.5 + 2.5 + 1.5: {}", l7.rps);
    assert!(close(l7.error_rps, 1.5));
    let l4 = edge.l4.as_ref().unwrap();
    assert_eq!(l4.bytes_to_server, 1500.0);
    assert_eq!(edge.badges, [edge_badge]);
    assert_eq!(edge.logical_edges.len(), 7);
}
