//! The generated series follow telemetry-facts.md, checked label by label.

use meshgraph_model::{Layer, Metric, Observation, Reporter};
use meshgraph_scenario::Scenario;

fn scenario(
    version: &str,
    client_ns_mode: &str,
    server_ns_mode: &str,
    waypoint: bool,
    protocol: &str,
) -> Scenario {
    let use_waypoint = if waypoint {
        "use_waypoint = \"waypoint\""
    } else {
        ""
    };
    let text = format!(
        r#"
name = "facts"
istio_version = "{version}"

[[namespaces]]
name = "client"
mode = "{client_ns_mode}"

[[namespaces]]
name = "server"
mode = "{server_ns_mode}"
{use_waypoint}

[[namespaces]]
name = "istio-system"
mode = "none"

[[waypoints]]
namespace = "server"
name = "waypoint"

[[gateways]]
namespace = "istio-system"
name = "gw"

[[workloads]]
namespace = "client"
name = "caller-v1"
app = "caller"
service_account = "caller"

[[workloads]]
namespace = "server"
name = "api-v1"
app = "api"
service = "api"
service_account = "api"

[[calls]]
from = "client/caller-v1"
to = "server/api"
protocol = "{protocol}"
rps = 10.0
request_bytes = 100.0
response_bytes = 1000.0
"#
    );
    Scenario::from_toml(&text, "facts").unwrap()
}

fn families(obs: &[Observation]) -> Vec<(Reporter, String, String, Layer, bool)> {
    let mut out: Vec<_> = obs
        .iter()
        .map(|o| {
            let ztunnel = o.extra.get("app").map(String::as_str) == Some("ztunnel");
            (
                o.reporter,
                o.source.workload.clone(),
                o.destination.workload.clone(),
                o.metric.layer(),
                ztunnel,
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn one_http_call_through_a_waypoint_yields_exactly_three_families() {
    let obs = scenario("1.28.0", "ambient", "ambient", true, "http").telemetry();
    // Same client namespace enrolment is irrelevant: the server namespace holds the waypoint.
    let found = families(&obs);
    assert_eq!(
        found,
        vec![
            (
                Reporter::Source,
                "caller-v1".into(),
                "waypoint".into(),
                Layer::L4,
                true
            ),
            (
                Reporter::Destination,
                "waypoint".into(),
                "api-v1".into(),
                Layer::L4,
                true
            ),
            (
                Reporter::Waypoint,
                "caller-v1".into(),
                "api-v1".into(),
                Layer::L7,
                false
            ),
        ]
    );
    for o in &obs {
        if o.extra.get("app").map(String::as_str) == Some("ztunnel") {
            assert_eq!(o.request_protocol, "tcp", "ztunnel always says tcp");
            assert!(o.response_code.is_none());
            assert_eq!(
                o.service.fqdn, "api.server.svc.cluster.local",
                "the hop names the real service"
            );
            assert!(
                o.source.region.is_some(),
                "ztunnel 1.26+ writes region labels"
            );
        } else {
            assert_eq!(o.request_protocol, "http");
            assert_eq!(o.connection_security_policy, "mutual_tls");
        }
    }
}

#[test]
fn waypoint_tcp_service_reports_l4_as_waypoint() {
    let obs = scenario("1.28.0", "ambient", "ambient", true, "tcp").telemetry();
    assert!(
        obs.iter()
            .filter(|o| o.reporter == Reporter::Waypoint)
            .all(|o| o.metric.layer() == Layer::L4)
    );
    assert!(obs.iter().any(|o| o.reporter == Reporter::Waypoint));
}

#[test]
fn sidecar_pair_is_reported_twice_and_only_the_server_knows_security() {
    let obs = scenario("1.28.0", "sidecar", "sidecar", false, "http").telemetry();
    let requests: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.metric == Metric::Requests)
        .collect();
    assert_eq!(requests.len(), 2);
    let total: f64 = requests.iter().map(|o| o.value).sum();
    assert!(
        (total - 20.0).abs() < 1e-9,
        "adding the reporters doubles the rate"
    );
    for o in requests {
        match o.reporter {
            Reporter::Source => assert_eq!(o.connection_security_policy, "unknown"),
            Reporter::Destination => assert_eq!(o.connection_security_policy, "mutual_tls"),
            Reporter::Waypoint => panic!("no waypoint in sidecar mode"),
        }
        assert_eq!(
            o.source.principal,
            "spiffe://cluster.local/ns/client/sa/caller"
        );
        assert_eq!(
            o.destination.principal,
            "spiffe://cluster.local/ns/server/sa/api"
        );
    }
}

#[test]
fn ambient_without_waypoint_is_two_ztunnel_tcp_reports_and_nothing_l7() {
    let obs = scenario("1.25.0", "ambient", "ambient", false, "http").telemetry();
    assert!(
        obs.iter()
            .all(|o| o.metric.layer() == Layer::L4 && o.request_protocol == "tcp")
    );
    let reporters: std::collections::BTreeSet<Reporter> = obs.iter().map(|o| o.reporter).collect();
    assert_eq!(reporters.len(), 2);
    assert!(
        obs.iter().all(|o| o.source.region.is_none()),
        "no region labels before 1.26"
    );
}

#[test]
fn tcp_bytes_follow_istios_direction_convention() {
    let obs = scenario("1.28.0", "sidecar", "sidecar", false, "tcp").telemetry();
    for o in &obs {
        match o.metric {
            // client-to-server bytes are `received`, whoever reports them.
            Metric::TcpReceivedBytes => {
                assert!((o.value - 1000.0).abs() < 1e-9, "10 conn/s x 100 B")
            }
            Metric::TcpSentBytes => assert!((o.value - 10000.0).abs() < 1e-9, "10 conn/s x 1000 B"),
            Metric::TcpConnectionsOpened => assert!((o.value - 10.0).abs() < 1e-9),
            _ => {}
        }
    }
    assert!(
        obs.iter().any(|o| o.reporter == Reporter::Source)
            && obs.iter().any(|o| o.reporter == Reporter::Destination)
    );
}

#[test]
fn unmeshed_client_is_unknown_and_plaintext_at_a_sidecar_server() {
    let obs = scenario("1.28.0", "none", "sidecar", false, "http").telemetry();
    assert!(!obs.is_empty());
    for o in &obs {
        assert_eq!(o.reporter, Reporter::Destination);
        assert_eq!(o.source.workload, "unknown");
        assert_eq!(o.source.canonical_revision, "latest");
        assert_eq!(o.connection_security_policy, "none");
    }
}

#[test]
fn duration_buckets_are_cumulative_and_end_at_the_request_rate() {
    let obs = scenario("1.28.0", "sidecar", "sidecar", false, "http").telemetry();
    let mut buckets: Vec<(f64, f64)> = obs
        .iter()
        .filter(|o| {
            o.metric == Metric::RequestDurationBucket && o.reporter == Reporter::Destination
        })
        .map(|o| (o.le.unwrap(), o.value))
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(buckets.len(), 20, "19 default bounds and +Inf");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1));
    assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, 10.0));
}

#[test]
fn old_waypoints_report_as_destination_and_1_23_uses_the_waypoint_namespace() {
    let old = scenario("1.21.0", "ambient", "ambient", true, "http").telemetry();
    assert!(old.iter().all(|o| o.reporter != Reporter::Waypoint));
    assert!(
        old.iter()
            .any(|o| o.reporter == Reporter::Destination && o.metric == Metric::Requests)
    );
    let quirky = scenario("1.23.0", "ambient", "ambient", true, "http").telemetry();
    let waypoint_series = quirky
        .iter()
        .find(|o| o.reporter == Reporter::Waypoint)
        .unwrap();
    assert_eq!(
        waypoint_series.service.namespace, "server",
        "waypoint's own namespace (same here)"
    );
}

#[test]
fn gateway_reports_only_as_source() {
    let mut s = scenario("1.28.0", "sidecar", "sidecar", false, "http");
    s.calls[0].from = "istio-system/istio-ingressgateway".into();
    let obs = s.telemetry();
    let gateway: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.source.workload == "istio-ingressgateway")
        .collect();
    assert!(gateway.iter().any(|o| o.reporter == Reporter::Source));
    assert!(
        obs.iter().all(|o| !(o.reporter == Reporter::Destination
            && o.destination.workload == "istio-ingressgateway")),
        "nobody reports traffic into a gateway here"
    );
}

#[test]
fn objects_carry_enrolment_labels_and_the_waypoint_gateway() {
    let s = scenario("1.28.0", "sidecar", "ambient", true, "http");
    let objects = s.objects();
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
            .clone()
    };
    assert_eq!(
        find("Namespace", "client")["metadata"]["labels"]["istio-injection"],
        "enabled"
    );
    assert_eq!(
        find("Namespace", "server")["metadata"]["labels"]["istio.io/dataplane-mode"],
        "ambient"
    );
    assert_eq!(
        find("Namespace", "server")["metadata"]["labels"]["istio.io/use-waypoint"],
        "waypoint"
    );
    assert_eq!(
        find("Gateway", "waypoint")["spec"]["gatewayClassName"],
        "istio-waypoint"
    );
    assert_eq!(find("Service", "api")["spec"]["selector"]["app"], "api");
    let yaml = s.objects_yaml();
    assert!(yaml.contains("istio-waypoint") && yaml.contains("---"));
}

#[test]
fn invalid_scenarios_are_rejected_with_their_origin() {
    let err = Scenario::from_toml("name = \"x\"\nnamespaces = []\nworkloads = []\n[[calls]]\nfrom = \"a/b\"\nto = \"c/d\"\nrps = 1.0\n", "my.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("my.toml: "), "{err}");
    assert!(
        Scenario::from_toml("not toml [", "x.toml")
            .unwrap_err()
            .to_string()
            .starts_with("x.toml")
    );
}

#[test]
fn no_two_series_share_a_label_set() {
    for name in meshgraph_scenario::builtin_names() {
        let obs = meshgraph_scenario::builtin(name)
            .unwrap()
            .unwrap()
            .telemetry();
        let mut seen = std::collections::HashSet::new();
        for o in &obs {
            assert!(
                seen.insert((o.metric, o.labels())),
                "{name}: duplicate series {:?}",
                o.labels()
            );
        }
    }
}
