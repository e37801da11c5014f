//! Hand-written truth for how the ends of a series are named and placed:
//! workload names as `explain` reads them, destinations of Envoy's special
//! clusters, and which clusters a mesh has (issue 19: mutants no test noticed).

use std::collections::BTreeMap;

use meshgraph_core::{ClusterEvidence, Clusters, Endpoint, WorkloadRef};
use meshgraph_model::{Metric, Observation};

fn obs(pairs: &[(&str, &str)]) -> Observation {
    let mut labels: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.entry("reporter".into()).or_insert("source".into());
    Observation::from_labels(Metric::Requests, labels, 1.0).unwrap()
}

#[test]
fn workload_names_need_every_part() {
    assert_eq!(
        WorkloadRef::parse("shop/web-v1"),
        Some(WorkloadRef::new("shop", "web-v1"))
    );
    assert_eq!(
        WorkloadRef::parse("east/shop/web-v1"),
        Some(WorkloadRef::new("shop", "web-v1").in_cluster("east"))
    );
    for bad in [
        "",
        "web-v1",
        "/web-v1",
        "shop/",
        "/shop/web",
        "east//web",
        "east/shop/",
        "a/b/c/d",
    ] {
        assert_eq!(WorkloadRef::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn passthrough_destinations_are_named_by_their_host_header_when_there_is_one() {
    let passthrough = |fqdn: &str| {
        Endpoint::destination_of(&obs(&[
            ("destination_service", fqdn),
            ("destination_service_name", "PassthroughCluster"),
        ]))
    };
    let external = |host: &str| Endpoint::External { host: host.into() };
    assert_eq!(passthrough("api.example.com"), external("api.example.com"));
    // No usable Host header: the cluster's own name.
    assert_eq!(passthrough("unknown"), external("PassthroughCluster"));
    assert_eq!(
        passthrough("reviews.shop.svc.cluster.local"),
        external("PassthroughCluster"),
        "a cluster-local name is not a Host header to an outside host"
    );
    let no_fqdn =
        Endpoint::destination_of(&obs(&[("destination_service_name", "PassthroughCluster")]));
    assert_eq!(no_fqdn, external("PassthroughCluster"));
}

#[test]
fn clusters_come_from_the_cluster_labels_first() {
    let two = [
        obs(&[("source_cluster", "east"), ("destination_cluster", "east")]),
        obs(&[("source_cluster", "east"), ("destination_cluster", "west")]),
    ];
    let clusters = Clusters::detect(&two, "cluster");
    assert_eq!(clusters.evidence, ClusterEvidence::Labels);
    assert!(clusters.is_multi());
    assert_eq!(
        clusters
            .names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["east", "west"]
    );

    // One name everywhere (Istio's default `Kubernetes`): a single cluster.
    let one = [obs(&[
        ("source_cluster", "Kubernetes"),
        ("destination_cluster", "Kubernetes"),
    ])];
    let clusters = Clusters::detect(&one, "cluster");
    assert_eq!(clusters.evidence, ClusterEvidence::Single);
    assert!(!clusters.is_multi());
    assert!(clusters.names.is_empty());
}

#[test]
fn a_federation_label_of_the_users_choosing_separates_clusters() {
    let scraped = [
        obs(&[
            ("source_workload", "a"),
            ("source_workload_namespace", "n"),
            ("k8s_cluster", "east"),
        ]),
        obs(&[
            ("source_workload", "b"),
            ("source_workload_namespace", "n"),
            ("k8s_cluster", "west"),
        ]),
    ];
    let clusters = Clusters::detect(&scraped, "k8s_cluster");
    assert_eq!(clusters.evidence, ClusterEvidence::ScrapeLabel);
    assert_eq!(clusters.scrape_label, "k8s_cluster");
    assert!(clusters.is_multi());
    // The default label is not there: nothing to separate.
    let by_default = Clusters::detect(&scraped, "cluster");
    assert_eq!(by_default.evidence, ClusterEvidence::Single);
    assert_eq!(by_default.scrape_label, "cluster");
}

#[test]
fn keeping_one_cluster_keeps_the_calls_that_touch_it() {
    use meshgraph_core::{ClassifyOptions, GraphOptions, build_graph, reconcile};
    // east/shop/web-v1 calls east/shop/api-v1 and west/shop/api-v1; west's
    // api-v1 calls west/shop/db-v1. Server-side series, as Istio writes them.
    let call = |src_cluster: &str, src: &str, dst_cluster: &str, dst: &str| {
        obs(&[
            ("reporter", "destination"),
            ("source_cluster", src_cluster),
            ("source_workload", src),
            ("source_workload_namespace", "shop"),
            ("destination_cluster", dst_cluster),
            ("destination_workload", dst),
            ("destination_workload_namespace", "shop"),
            ("destination_service", "api.shop.svc.cluster.local"),
            ("request_protocol", "http"),
            ("response_code", "200"),
        ])
    };
    let series = [
        call("east", "web-v1", "east", "api-v1"),
        call("east", "web-v1", "west", "api-v1"),
        call("west", "api-v1", "west", "db-v1"),
    ];
    let rec = reconcile(&series, &ClassifyOptions::default());
    let mut graph = build_graph(&rec, &GraphOptions::default());
    let pairs = |graph: &meshgraph_core::MeshGraph| -> Vec<(String, String)> {
        graph
            .edges()
            .map(|(a, b, _)| (a.id.clone(), b.id.clone()))
            .collect()
    };
    assert_eq!(pairs(&graph).len(), 3);
    graph.retain_clusters(&["west".to_string()]);
    assert_eq!(
        pairs(&graph),
        [
            (
                "workload:east/shop/web-v1".to_string(),
                "workload:west/shop/api-v1".to_string()
            ),
            (
                "workload:west/shop/api-v1".to_string(),
                "workload:west/shop/db-v1".to_string()
            ),
        ],
        "a call into west from east stays; east's own call goes"
    );
    let ids: Vec<&str> = graph.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "workload:east/shop/web-v1",
            "workload:west/shop/api-v1",
            "workload:west/shop/db-v1"
        ]
    );
}

#[test]
fn a_picture_edge_is_infrastructure_only_when_every_call_in_it_is() {
    use meshgraph_core::{ClassifyOptions, GraphOptions, build_graph, reconcile};
    // monitoring/prometheus (infrastructure by name) and monitoring/reporter
    // (an ordinary workload) both call shop/api-v1; prometheus alone calls
    // data/db-v1.
    let call = |src: &str, dst_ns: &str, dst: &str| {
        obs(&[
            ("reporter", "destination"),
            ("source_workload", src),
            ("source_workload_namespace", "monitoring"),
            ("destination_workload", dst),
            ("destination_workload_namespace", dst_ns),
            ("request_protocol", "http"),
            ("response_code", "200"),
        ])
    };
    let series = [
        call("prometheus", "shop", "api-v1"),
        call("reporter", "shop", "api-v1"),
        call("prometheus", "data", "db-v1"),
    ];
    let rec = reconcile(&series, &ClassifyOptions::default());
    let options = GraphOptions {
        show_infra: true,
        ..GraphOptions::default()
    };
    let folded = build_graph(&rec, &options).collapsed_to_namespaces();
    let infra: Vec<(&str, bool)> = folded
        .edges()
        .map(|(_, b, e)| (b.id.as_str(), e.infrastructure))
        .collect();
    assert_eq!(infra, [("namespace:data", true), ("namespace:shop", false)]);
}

#[test]
fn a_picture_edge_failed_across_networks_when_any_call_in_it_did() {
    use meshgraph_core::{ClassifyOptions, GraphOptions, build_graph, reconcile};
    // east/shop/web-v1 -> service api in west, reported by the client only
    // (no workload answered): failed across networks. The same caller's call
    // to west/shop/api-v2, reported by the server, did not fail.
    let failed = obs(&[
        ("reporter", "source"),
        ("source_cluster", "east"),
        ("source_workload", "web-v1"),
        ("source_workload_namespace", "shop"),
        ("destination_cluster", "west"),
        ("destination_service", "api.shop.svc.cluster.local"),
        ("destination_service_name", "api"),
        ("destination_service_namespace", "shop"),
        ("request_protocol", "http"),
        ("response_code", "503"),
        ("response_flags", "UF"),
    ]);
    let answered = obs(&[
        ("reporter", "destination"),
        ("source_cluster", "east"),
        ("source_workload", "web-v1"),
        ("source_workload_namespace", "shop"),
        ("destination_cluster", "west"),
        ("destination_workload", "api-v2"),
        ("destination_workload_namespace", "shop"),
        ("destination_service", "api.shop.svc.cluster.local"),
        ("request_protocol", "http"),
        ("response_code", "200"),
    ]);
    let rec = reconcile(&[failed, answered], &ClassifyOptions::default());
    let graph = build_graph(&rec, &GraphOptions::default());
    let drawn: Vec<(&str, bool)> = graph
        .edges()
        .map(|(_, b, e)| (b.id.as_str(), e.failed_across_networks))
        .collect();
    assert_eq!(
        drawn,
        [
            ("service:west/shop/api", true),
            ("workload:west/shop/api-v2", false)
        ]
    );
    let folded = graph.collapsed_to_namespaces();
    let merged: Vec<(&str, bool)> = folded
        .edges()
        .map(|(_, b, e)| (b.id.as_str(), e.failed_across_networks))
        .collect();
    assert_eq!(merged, [("namespace:west/shop", true)]);
}
