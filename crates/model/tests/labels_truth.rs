//! Hand-written truth for the label vocabulary: which Istio label lands in
//! which field, what each small predicate answers. Every expected value here
//! is written out by hand from telemetry-facts.md, not computed by the code
//! under test (issue 19: these were the mutants no test noticed).

use std::collections::BTreeMap;

use meshgraph_model::{
    LabelError, Layer, Metric, Observation, Peer, Protocol, Reporter, ServiceId, ServiceRef,
    label_names,
};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One value per Istio label, each different, so a label read into the wrong
/// field (or into `extra`) shows.
fn every_istio_label() -> BTreeMap<String, String> {
    labels(&[
        ("__name__", "istio_request_duration_milliseconds_bucket"),
        ("reporter", "destination"),
        ("source_workload", "productpage-v1"),
        ("source_workload_namespace", "front"),
        ("source_principal", "spiffe://cluster.local/ns/front/sa/pp"),
        ("source_app", "productpage"),
        ("source_version", "v1"),
        ("source_canonical_service", "productpage-cs"),
        ("source_canonical_revision", "v1-rev"),
        ("source_cluster", "east"),
        ("source_region", "eu-1"),
        ("source_zone", "eu-1a"),
        ("destination_workload", "reviews-v2"),
        ("destination_workload_namespace", "back"),
        (
            "destination_principal",
            "spiffe://cluster.local/ns/back/sa/rv",
        ),
        ("destination_app", "reviews"),
        ("destination_version", "v2"),
        ("destination_service", "reviews.back.svc.cluster.local"),
        ("destination_service_name", "reviews-svc"),
        ("destination_service_namespace", "back-svc"),
        ("destination_canonical_service", "reviews-cs"),
        ("destination_canonical_revision", "v2-rev"),
        ("destination_cluster", "west"),
        ("destination_region", "us-2"),
        ("destination_zone", "us-2b"),
        ("request_protocol", "grpc"),
        ("response_code", "503"),
        ("grpc_response_status", "14"),
        ("response_flags", "UF,URX"),
        ("connection_security_policy", "mutual_tls"),
        ("le", "250"),
        ("pod", "reviews-v2-7f9c"),
    ])
}

#[test]
fn every_istio_label_lands_in_its_own_field() {
    let obs =
        Observation::from_labels(Metric::RequestDurationBucket, every_istio_label(), 2.5).unwrap();
    assert_eq!(obs.reporter, Reporter::Destination);
    assert_eq!(obs.le, Some(250.0));
    assert_eq!(obs.value, 2.5);
    let want_source = Peer {
        workload: "productpage-v1".into(),
        namespace: "front".into(),
        app: "productpage".into(),
        version: "v1".into(),
        principal: "spiffe://cluster.local/ns/front/sa/pp".into(),
        canonical_service: "productpage-cs".into(),
        canonical_revision: "v1-rev".into(),
        cluster: "east".into(),
        region: Some("eu-1".into()),
        zone: Some("eu-1a".into()),
    };
    assert_eq!(obs.source, want_source);
    let want_destination = Peer {
        workload: "reviews-v2".into(),
        namespace: "back".into(),
        app: "reviews".into(),
        version: "v2".into(),
        principal: "spiffe://cluster.local/ns/back/sa/rv".into(),
        canonical_service: "reviews-cs".into(),
        canonical_revision: "v2-rev".into(),
        cluster: "west".into(),
        region: Some("us-2".into()),
        zone: Some("us-2b".into()),
    };
    assert_eq!(obs.destination, want_destination);
    assert_eq!(
        obs.service,
        ServiceRef {
            fqdn: "reviews.back.svc.cluster.local".into(),
            name: "reviews-svc".into(),
            namespace: "back-svc".into(),
        }
    );
    assert_eq!(obs.request_protocol, "grpc");
    assert_eq!(obs.response_code.as_deref(), Some("503"));
    assert_eq!(obs.grpc_response_status.as_deref(), Some("14"));
    assert_eq!(obs.response_flags, "UF,URX");
    assert_eq!(obs.connection_security_policy, "mutual_tls");
    // `__name__` is dropped; only the scrape label is extra.
    assert_eq!(obs.extra, labels(&[("pod", "reviews-v2-7f9c")]).into());
}

#[test]
fn missing_labels_read_as_istio_writes_them() {
    let obs = Observation::from_labels(
        Metric::Requests,
        labels(&[("reporter", "source"), ("le", "5")]),
        1.0,
    )
    .unwrap();
    assert_eq!(obs.reporter, Reporter::Source);
    // `le` only means a bucket bound on the bucket family; elsewhere it is extra.
    assert_eq!(obs.le, None);
    assert_eq!(obs.extra, labels(&[("le", "5")]).into());
    for peer in [&obs.source, &obs.destination] {
        assert_eq!(peer.workload, "unknown");
        assert_eq!(peer.canonical_revision, "unknown");
        assert_eq!((peer.region.as_deref(), peer.zone.as_deref()), (None, None));
    }
    assert_eq!(obs.service.fqdn, "unknown");
    assert_eq!(obs.request_protocol, "unknown");
    assert_eq!(obs.response_code, None);
    assert_eq!(obs.grpc_response_status, None);
    assert_eq!(obs.response_flags, "-", "Envoy writes `-` for no flags");
    assert_eq!(obs.connection_security_policy, "unknown");
}

#[test]
fn bucket_bounds_read_every_spelling_of_infinity() {
    for text in ["+Inf", "Inf", "inf"] {
        let obs = Observation::from_labels(
            Metric::RequestDurationBucket,
            labels(&[("reporter", "waypoint"), ("le", text)]),
            1.0,
        )
        .unwrap();
        assert_eq!(obs.le, Some(f64::INFINITY), "{text}");
    }
    let bad = Observation::from_labels(
        Metric::RequestDurationBucket,
        labels(&[("reporter", "waypoint")]),
        1.0,
    );
    assert_eq!(bad, Err(LabelError::Bucket(None)));
}

#[test]
fn reporters_are_the_three_istio_writes() {
    assert_eq!(Reporter::parse("source"), Some(Reporter::Source));
    assert_eq!(Reporter::parse("destination"), Some(Reporter::Destination));
    assert_eq!(Reporter::parse("waypoint"), Some(Reporter::Waypoint));
    assert_eq!(Reporter::parse("ztunnel"), None);
    let err = Observation::from_labels(Metric::Requests, labels(&[("reporter", "proxy")]), 1.0);
    assert_eq!(err, Err(LabelError::Reporter(Some("proxy".into()))));
}

#[test]
fn label_errors_say_what_is_wrong() {
    assert_eq!(
        LabelError::Reporter(None).to_string(),
        "series has no reporter label"
    );
    assert_eq!(
        LabelError::Reporter(Some("proxy".into())).to_string(),
        "unknown reporter \"proxy\""
    );
    assert_eq!(
        LabelError::Bucket(None).to_string(),
        "histogram bucket has no le label"
    );
    assert_eq!(
        LabelError::Bucket(Some("x".into())).to_string(),
        "histogram bucket has a bad le \"x\""
    );
}

#[test]
fn labels_come_back_in_istios_order_then_the_extra_ones() {
    let obs =
        Observation::from_labels(Metric::RequestDurationBucket, every_istio_label(), 1.0).unwrap();
    let names: Vec<String> = obs.labels().into_iter().map(|(k, _)| k).collect();
    let mut want: Vec<String> = label_names().iter().map(|s| s.to_string()).collect();
    want.push("pod".into());
    assert_eq!(names, want);
    assert_eq!(label_names().len(), 30);
    assert_eq!(label_names()[0], "reporter");
    assert_eq!(label_names()[29], "le");
}

#[test]
fn protocols_read_and_print_as_envoy_writes_them() {
    assert_eq!(Protocol::from_request_protocol("grpc"), Protocol::Grpc);
    assert_eq!(Protocol::from_request_protocol("GRPC"), Protocol::Grpc);
    assert_eq!(Protocol::from_request_protocol("tcp"), Protocol::Tcp);
    assert_eq!(Protocol::from_request_protocol("http"), Protocol::Http);
    assert_eq!(Protocol::from_request_protocol("HTTP/2"), Protocol::Http);
    assert_eq!(
        [Protocol::Http, Protocol::Grpc, Protocol::Tcp].map(Protocol::as_str),
        ["http", "grpc", "tcp"]
    );
}

#[test]
fn metric_families_know_their_names_layers_and_response_labels() {
    let names = [
        "istio_requests_total",
        "istio_request_duration_milliseconds_bucket",
        "istio_request_bytes_sum",
        "istio_response_bytes_sum",
        "istio_request_messages_total",
        "istio_response_messages_total",
        "istio_tcp_sent_bytes_total",
        "istio_tcp_received_bytes_total",
        "istio_tcp_connections_opened_total",
        "istio_tcp_connections_closed_total",
    ];
    let l4 = [
        false, false, false, false, false, false, true, true, true, true,
    ];
    let response_labels = [
        true, true, true, true, false, false, false, false, false, false,
    ];
    for (i, metric) in Metric::ALL.into_iter().enumerate() {
        assert_eq!(metric.series_name(), names[i]);
        assert_eq!(Metric::from_series_name(names[i]), Some(metric));
        let want_layer = if l4[i] { Layer::L4 } else { Layer::L7 };
        assert_eq!(metric.layer(), want_layer, "{metric:?}");
        assert_eq!(
            metric.has_response_labels(),
            response_labels[i],
            "{metric:?}"
        );
    }
    assert_eq!(Metric::from_series_name("istio_requests"), None);
}

#[test]
fn unknown_peers_and_services() {
    let mut peer = Peer::unknown();
    assert!(peer.is_unknown());
    peer.workload = String::new();
    assert!(peer.is_unknown(), "an empty workload is unknown too");
    peer.workload = "reviews-v1".into();
    assert!(!peer.is_unknown());

    let svc = |fqdn: &str, name: &str| ServiceRef {
        fqdn: fqdn.into(),
        name: name.into(),
        namespace: "unknown".into(),
    };
    assert!(svc("unknown", "unknown").is_unknown());
    assert!(svc("", "").is_unknown());
    assert!(svc("unknown", "").is_unknown());
    assert!(svc("", "unknown").is_unknown());
    assert!(!svc("reviews.b.svc.cluster.local", "unknown").is_unknown());
    assert!(!svc("unknown", "reviews").is_unknown());
    assert!(!svc("", "reviews").is_unknown());
}

fn service(fqdn: &str, name: &str, namespace: &str) -> ServiceRef {
    ServiceRef {
        fqdn: fqdn.into(),
        name: name.into(),
        namespace: namespace.into(),
    }
}

#[test]
fn kube_identity_reads_fqdns_and_only_short_forms_the_labels_agree_with() {
    // FQDN forms, trailing dot allowed; the labels do not matter.
    assert_eq!(
        service("reviews.b.svc.cluster.local.", "", "").kube_identity(),
        Some(("b", "reviews"))
    );
    // Empty name or namespace parts are not a service.
    assert_eq!(
        service(".b.svc.cluster.local", "", "").kube_identity(),
        None
    );
    assert_eq!(
        service("reviews..svc.cluster.local", "", "").kube_identity(),
        None
    );
    // Short forms need both labels known.
    assert_eq!(
        service("reviews:9080", "reviews", "b").kube_identity(),
        Some(("b", "reviews"))
    );
    assert_eq!(
        service("reviews:9080", "reviews", "unknown").kube_identity(),
        None
    );
    assert_eq!(
        service("reviews:9080", "unknown", "b").kube_identity(),
        None
    );
    assert_eq!(service("reviews:9080", "reviews", "").kube_identity(), None);
    assert_eq!(service("reviews:9080", "", "b").kube_identity(), None);
    // A port must be digits, and present after the colon.
    assert_eq!(
        service("reviews:http", "reviews", "b").kube_identity(),
        None
    );
    assert_eq!(service("reviews:", "reviews", "b").kube_identity(), None);
    // name.namespace must agree on both parts.
    assert_eq!(
        service("reviews.b", "reviews", "b").kube_identity(),
        Some(("b", "reviews"))
    );
    assert_eq!(service("reviews.c", "reviews", "b").kube_identity(), None);
    assert_eq!(service("ratings.b", "reviews", "b").kube_identity(), None);
    assert_eq!(service("reviews.b.x", "reviews", "b").kube_identity(), None);
    // Envoy's special clusters are never a service.
    assert_eq!(
        service("PassthroughCluster", "PassthroughCluster", "b").kube_identity(),
        None
    );
}

#[test]
fn names_and_namespaces_fall_back_in_order() {
    // Not a cluster service: the name label, then the host.
    let se = service("httpbin.org", "httpbin-entry", "front");
    assert_eq!(se.effective_name(), "httpbin-entry");
    assert_eq!(se.effective_namespace(), "front");
    let bare = service("httpbin.org", "", "");
    assert_eq!(bare.effective_name(), "httpbin.org");
    // A cluster service: from the FQDN, whatever the labels say.
    let quirk = service("reviews.b.svc.cluster.local", "reviews", "waypoint-ns");
    assert_eq!(quirk.effective_namespace(), "b");
    assert_eq!(quirk.effective_name(), "reviews");
}

#[test]
fn fqdns_and_identities() {
    assert!(service("reviews.b.svc.cluster.local", "", "").is_fqdn());
    assert!(!service("reviews:9080", "reviews", "b").is_fqdn());
    assert_eq!(
        ServiceRef::identity_of_fqdn("reviews.b.svc.corp.example"),
        ServiceId::new("b", "reviews")
    );
    assert_eq!(
        ServiceRef::identity_of_fqdn("api.example.com"),
        ServiceId::new("", "api.example.com")
    );
    // Unknown services keep their (unknown) labels rather than becoming a host.
    assert_eq!(
        service("unknown", "unknown", "b").identity(),
        ServiceId::new("b", "unknown")
    );
    assert_eq!(
        service("", "reviews", "b").identity(),
        ServiceId::new("b", "reviews")
    );
}

#[test]
fn envoys_special_clusters_are_recognised_by_name_or_host() {
    assert!(service("x", "PassthroughCluster", "").is_special_cluster());
    assert!(service("x", "BlackHoleCluster", "").is_special_cluster());
    assert!(service("x", "InboundPassthroughClusterIpv4", "").is_special_cluster());
    assert!(service("BlackHoleCluster", "", "").is_special_cluster());
    assert!(!service("PassthroughCluster", "reviews", "").is_special_cluster());
    assert!(!service("x", "reviews", "").is_special_cluster());
}

#[test]
fn service_ids_print_and_tell_cluster_from_outside() {
    let inside = ServiceId::new("b", "reviews");
    let outside = ServiceId::new("", "api.example.com");
    assert!(inside.in_cluster());
    assert!(!outside.in_cluster());
    assert_eq!(inside.to_string(), "b/reviews");
    assert_eq!(outside.to_string(), "/api.example.com");
}

fn request(protocol: &str, code: Option<&str>, grpc: Option<&str>) -> Observation {
    let mut pairs = vec![("reporter", "source"), ("request_protocol", protocol)];
    if let Some(code) = code {
        pairs.push(("response_code", code));
    }
    if let Some(grpc) = grpc {
        pairs.push(("grpc_response_status", grpc));
    }
    Observation::from_labels(Metric::Requests, labels(&pairs), 1.0).unwrap()
}

#[test]
fn response_classes_and_errors() {
    let class = |code| request("http", code, None).response_class();
    assert_eq!(class(Some("0")), Some(0));
    assert_eq!(class(Some("200")), Some(2));
    assert_eq!(class(Some("404")), Some(4));
    assert_eq!(class(Some("503")), Some(5));
    assert_eq!(class(Some("abc")), None);
    assert_eq!(class(None), None);

    let error = |protocol, code, grpc| request(protocol, code, grpc).is_error();
    assert!(error("http", Some("0"), None), "no response");
    assert!(error("http", Some("503"), None));
    assert!(!error("http", Some("200"), None));
    assert!(
        !error("http", Some("404"), None),
        "4xx is the caller's fault"
    );
    assert!(!error("http", None, None));
    // gRPC: a non-OK status on HTTP 200 is an error; OK or no status is not.
    assert!(error("grpc", Some("200"), Some("14")));
    assert!(!error("grpc", Some("200"), Some("0")));
    assert!(!error("grpc", Some("200"), Some("")));
    assert!(!error("grpc", Some("200"), None));
    // The gRPC status only counts on gRPC calls.
    assert!(!error("http", Some("200"), Some("14")));
}
