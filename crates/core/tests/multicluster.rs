//! Multi-cluster reconciliation on hand-written series (docs/multicluster.md):
//! ambient across networks before and after peer metadata crossed them, and
//! services spelled with another cluster domain and trust domain.

use std::collections::BTreeMap;

use meshgraph_core::{ClassifyOptions, Disposition, Endpoint, WorkloadRef, reconcile};
use meshgraph_model::{Emitter, Metric, Observation};

const PRODUCTPAGE: &str = "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage";

fn series(metric: Metric, labels: &[(&str, &str)], value: f64) -> Observation {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Observation::from_labels(metric, labels, value).unwrap()
}

/// The client ztunnel in east: its destination is `dst` in `dst_cluster`.
fn client_ztunnel(dst: (&str, &str), dst_cluster: &str, value: f64) -> Observation {
    series(
        Metric::TcpConnectionsOpened,
        &[
            ("reporter", "source"),
            ("app", "ztunnel"),
            ("cluster", "east"),
            ("source_workload", "productpage-v1"),
            ("source_workload_namespace", "bookinfo"),
            ("source_principal", PRODUCTPAGE),
            ("source_cluster", "east"),
            ("destination_workload", dst.1),
            ("destination_workload_namespace", dst.0),
            ("destination_cluster", dst_cluster),
            ("destination_service", "reviews.bookinfo.svc.cluster.local"),
            ("destination_service_name", "reviews"),
            ("destination_service_namespace", "bookinfo"),
            ("request_protocol", "tcp"),
            ("connection_security_policy", "mutual_tls"),
        ],
        value,
    )
}

/// The server ztunnel in west, which could not look the caller up.
fn server_ztunnel(server: &str, value: f64) -> Observation {
    series(
        Metric::TcpConnectionsOpened,
        &[
            ("reporter", "destination"),
            ("app", "ztunnel"),
            ("cluster", "west"),
            ("source_workload", "unknown"),
            ("source_workload_namespace", "unknown"),
            ("source_principal", PRODUCTPAGE),
            ("source_cluster", "unknown"),
            ("destination_workload", server),
            ("destination_workload_namespace", "bookinfo"),
            ("destination_cluster", "west"),
            ("destination_service", "reviews.bookinfo.svc.cluster.local"),
            ("destination_service_name", "reviews"),
            ("destination_service_namespace", "bookinfo"),
            ("request_protocol", "tcp"),
            ("connection_security_policy", "mutual_tls"),
        ],
        value,
    )
}

fn workload(cluster: &str, name: &str) -> Endpoint {
    Endpoint::Workload(WorkloadRef::new("bookinfo", name).in_cluster(cluster))
}

/// A local call in each cluster, so that the telemetry names both.
fn local_calls() -> Vec<Observation> {
    ["east", "west"]
        .into_iter()
        .map(|c| {
            series(
                Metric::Requests,
                &[
                    ("reporter", "destination"),
                    ("source_workload", "reviews-v3"),
                    ("source_workload_namespace", "bookinfo"),
                    ("source_cluster", c),
                    ("destination_workload", "ratings-v1"),
                    ("destination_workload_namespace", "bookinfo"),
                    ("destination_cluster", c),
                    ("destination_service", "ratings.bookinfo.svc.cluster.local"),
                    ("request_protocol", "http"),
                    ("response_code", "200"),
                    ("connection_security_policy", "mutual_tls"),
                ],
                1.0,
            )
        })
        .collect()
}

#[test]
fn ambient_before_baggage_joins_the_two_halves_by_principal() {
    let mut observations = local_calls();
    observations.push(client_ztunnel(
        ("istio-system", "istio-eastwestgateway"),
        "west",
        0.5,
    ));
    observations.push(server_ztunnel("reviews-v3", 0.5));
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let edges: Vec<_> = rec
        .edges
        .iter()
        .filter(|e| e.source == workload("east", "productpage-v1") || e.source == Endpoint::Unknown)
        .collect();
    assert_eq!(edges.len(), 1, "{:#?}", rec.edges);
    let e = edges[0];
    assert_eq!(e.destination, workload("west", "reviews-v3"));
    assert!(e.peer_hidden_by_network_gateway);
    assert_eq!(
        e.via_network_gateway
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>(),
        ["west/istio-system/istio-eastwestgateway"]
    );
    assert_eq!(e.rates_from(), Some(Emitter::ZtunnelSource));
    assert_eq!(
        e.l4.as_ref().unwrap().connections_opened,
        0.5,
        "never added"
    );
    assert_eq!(e.security.share(), Some(1.0));
    // The server half is a duplicate of the client's report, on this edge.
    let index = rec.edges.iter().position(|x| std::ptr::eq(x, e)).unwrap();
    assert_eq!(
        rec.dispositions[3],
        Disposition::Duplicate {
            edge: index,
            of: Emitter::ZtunnelSource
        }
    );
    assert!(
        !rec.edges
            .iter()
            .any(|e| e.destination.name().contains("eastwestgateway")
                || e.source.name().contains("eastwestgateway")),
        "no edge to or from the gateway"
    );
}

#[test]
fn ambient_before_baggage_with_two_candidate_servers_stays_at_the_service() {
    let mut observations = local_calls();
    observations.push(client_ztunnel(
        ("istio-system", "istio-eastwestgateway"),
        "west",
        1.0,
    ));
    observations.push(server_ztunnel("reviews-v2", 0.5));
    observations.push(server_ztunnel("reviews-v3", 0.5));
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let client: Vec<_> = rec
        .edges
        .iter()
        .filter(|e| e.source == workload("east", "productpage-v1"))
        .collect();
    assert_eq!(client.len(), 1, "{:#?}", rec.edges);
    assert_eq!(
        client[0].destination.name(),
        "service:west/bookinfo/reviews"
    );
    assert!(client[0].peer_hidden_by_network_gateway);
    // What cannot be known stays visible: the server halves, unknown caller.
    assert_eq!(
        rec.edges
            .iter()
            .filter(|e| e.source == Endpoint::Unknown)
            .count(),
        2
    );
}

#[test]
fn ambient_with_baggage_names_the_remote_workload_directly() {
    let mut observations = local_calls();
    observations.push(client_ztunnel(("bookinfo", "reviews-v3"), "west", 0.5));
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let e = rec
        .edges
        .iter()
        .find(|e| e.source == workload("east", "productpage-v1"))
        .unwrap();
    assert_eq!(e.destination, workload("west", "reviews-v3"));
    assert!(!e.peer_hidden_by_network_gateway);
    assert!(e.via_network_gateway.is_empty());
}

#[test]
fn another_cluster_domain_and_trust_domain_join_across_spellings() {
    // Cluster domain corp.local, trust domain example.org; the client's
    // sidecar and the server's spell the service differently.
    let base = |reporter: &str, service: &str| {
        series(
            Metric::Requests,
            &[
                ("reporter", reporter),
                ("source_workload", "productpage-v1"),
                ("source_workload_namespace", "bookinfo"),
                (
                    "source_principal",
                    "spiffe://example.org/ns/bookinfo/sa/productpage",
                ),
                ("destination_workload", "details-v1"),
                ("destination_workload_namespace", "bookinfo"),
                ("destination_service", service),
                ("destination_service_name", "details"),
                ("destination_service_namespace", "bookinfo"),
                ("request_protocol", "http"),
                ("response_code", "200"),
                (
                    "connection_security_policy",
                    if reporter == "destination" {
                        "mutual_tls"
                    } else {
                        "unknown"
                    },
                ),
            ],
            2.0,
        )
    };
    let observations = vec![
        base("source", "details:9080"),
        base("destination", "details.bookinfo.svc.corp.local"),
    ];
    let rec = reconcile(&observations, &ClassifyOptions::default());
    assert_eq!(rec.classification.cluster_domain, "corp.local");
    assert_eq!(rec.edges.len(), 1, "{:#?}", rec.edges);
    let e = &rec.edges[0];
    assert_eq!(
        e.services.iter().cloned().collect::<Vec<_>>(),
        ["details.bookinfo.svc.corp.local"],
        "one spelling, under the data's cluster domain (not the trust domain)"
    );
    assert_eq!(e.l7.as_ref().unwrap().rps, 2.0, "not doubled");
    // A configured domain wins over the data's.
    let options = ClassifyOptions {
        cluster_domain: Some("cluster.local".into()),
        ..ClassifyOptions::default()
    };
    let rec = reconcile(&observations[..1], &options);
    assert_eq!(
        rec.edges[0].services.iter().cloned().collect::<Vec<_>>(),
        ["details.bookinfo.svc.cluster.local"]
    );
}

#[test]
fn a_picture_edge_had_its_peer_hidden_when_any_call_in_it_had() {
    use meshgraph_core::{GraphOptions, build_graph};
    // productpage-v1 (east) -> reviews-v3 (west) in ambient before peer
    // metadata crossed networks: its peer was hidden by the gateway. The same
    // caller's sidecar-reported call to details-v1 in west was not.
    let mut observations = local_calls();
    observations.push(client_ztunnel(
        ("istio-system", "istio-eastwestgateway"),
        "west",
        0.5,
    ));
    observations.push(server_ztunnel("reviews-v3", 0.5));
    observations.push(series(
        Metric::Requests,
        &[
            ("reporter", "destination"),
            ("source_workload", "productpage-v1"),
            ("source_workload_namespace", "bookinfo"),
            ("source_cluster", "east"),
            ("destination_workload", "details-v1"),
            ("destination_workload_namespace", "bookinfo"),
            ("destination_cluster", "west"),
            ("destination_service", "details.bookinfo.svc.cluster.local"),
            ("request_protocol", "http"),
            ("response_code", "200"),
            ("connection_security_policy", "mutual_tls"),
        ],
        2.0,
    ));
    let rec = reconcile(&observations, &ClassifyOptions::default());
    let graph = build_graph(&rec, &GraphOptions::default());
    let hidden = |g: &meshgraph_core::MeshGraph| -> Vec<(String, String, bool)> {
        g.edges()
            .filter(|(a, b, _)| a.cluster != b.cluster)
            .map(|(a, b, e)| (a.id.clone(), b.id.clone(), e.peer_hidden_by_network_gateway))
            .collect()
    };
    assert_eq!(
        hidden(&graph),
        [
            (
                "workload:east/bookinfo/productpage-v1".to_string(),
                "workload:west/bookinfo/details-v1".to_string(),
                false
            ),
            (
                "workload:east/bookinfo/productpage-v1".to_string(),
                "workload:west/bookinfo/reviews-v3".to_string(),
                true
            ),
        ]
    );
    assert_eq!(
        hidden(&graph.collapsed_to_namespaces()),
        [(
            "namespace:east/bookinfo".to_string(),
            "namespace:west/bookinfo".to_string(),
            true
        )]
    );
}
