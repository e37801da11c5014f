//! The raw series Istio's proxies report for a scenario's traffic.
//!
//! Every rule here is a fact from `docs/telemetry-facts.md`; the
//! section names are cited where a rule depends on one.

use std::collections::BTreeMap;

use meshgraph_model::{Metric, Observation, Peer, Reporter, ServiceRef};

use crate::spec::{
    Client, DataPlaneMode, GatewayFlavor, GatewaySpec, Protocol, Scenario, WaypointSpec,
    WorkloadSpec,
};

/// Istio's default duration buckets in milliseconds ("Labels").
pub const DEFAULT_BUCKETS_MS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0,
    60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0,
];

/// HTTP requests per ztunnel connection, for the L4 figures of HTTP calls.
const REQUESTS_PER_CONNECTION: f64 = 10.0;
/// Spread of the log-normal latency distribution.
const LATENCY_SIGMA: f64 = 0.6;

/// One end of a logical call, named as meshgraph's core names endpoints.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallEnd {
    Workload {
        /// Empty unless the scenario declares several clusters.
        cluster: String,
        namespace: String,
        name: String,
    },
    /// A host outside the cluster.
    External(String),
    /// A peer nobody on the path can identify.
    Unknown,
}

impl std::fmt::Display for CallEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallEnd::Workload {
                cluster,
                namespace,
                name,
            } => {
                if !cluster.is_empty() {
                    write!(f, "{cluster}/")?;
                }
                write!(f, "{namespace}/{name}")
            }
            CallEnd::External(host) => write!(f, "external {host}"),
            CallEnd::Unknown => f.write_str("unknown"),
        }
    }
}

/// The truth a scenario's telemetry encodes: one application-level call from a
/// client workload to a backend workload (or an external host).
#[derive(Debug, Clone, PartialEq)]
pub struct LogicalCall {
    /// `Unknown` when the server cannot identify the caller.
    pub source: CallEnd,
    pub destination: CallEnd,
    /// `http`, `grpc` or `tcp` as an observer of this path can tell.
    pub observed_protocol: &'static str,
    pub rps: f64,
    pub error_rps: f64,
    /// Connections per second as ztunnel or a TCP proxy counts them.
    pub connections_per_second: f64,
    pub via_waypoint: Option<(String, String)>,
    /// The call crossed networks through the callee network's east-west gateway.
    pub via_network_gateway: bool,
}

/// One hop of a call, resolved: who calls whom, through what.
pub(crate) struct Path<'a> {
    pub(crate) client: Option<ClientProxy<'a>>,
    pub(crate) backend: &'a WorkloadSpec,
    backend_mode: DataPlaneMode,
    waypoint: Option<&'a WaypointSpec>,
    pub(crate) share: f64,
}

#[derive(Clone, Copy)]
pub(crate) enum ClientProxy<'a> {
    Sidecar(&'a WorkloadSpec),
    Ambient(&'a WorkloadSpec),
    /// A workload with no proxy and no ambient redirection.
    Unmeshed(&'a WorkloadSpec),
    Gateway(&'a GatewaySpec),
}

pub(crate) fn paths<'a>(scenario: &'a Scenario, call: &'a crate::spec::CallSpec) -> Vec<Path<'a>> {
    let Some((ns, svc)) = call
        .to
        .split_once('/')
        .filter(|_| call.external_host().is_none())
    else {
        return Vec::new();
    };
    let backends = scenario.backends(ns, svc);
    let weight = |w: &WorkloadSpec| {
        if call.weights.is_empty() {
            1.0
        } else {
            call.weights.get(&w.version).copied().unwrap_or(0.0)
        }
    };
    let total: f64 = backends.iter().map(|w| weight(w)).sum();
    let client = match scenario.client(&call.from) {
        None => None,
        Some(Client::Gateway(g)) => Some(ClientProxy::Gateway(g)),
        Some(Client::Workload(w)) => Some(match scenario.mode_of(w) {
            DataPlaneMode::Sidecar => ClientProxy::Sidecar(w),
            DataPlaneMode::Ambient => ClientProxy::Ambient(w),
            DataPlaneMode::None => ClientProxy::Unmeshed(w),
        }),
    };
    backends
        .into_iter()
        .filter(|w| total > 0.0 && weight(w) > 0.0)
        .map(|backend| {
            let backend_mode = scenario.mode_of(backend);
            // Sidecars call ambient services directly; gateways only use a
            // waypoint when the service opts in ("Paths that skip the waypoint").
            let waypoint = scenario.waypoint_for(backend).filter(|_| match client {
                Some(ClientProxy::Ambient(_)) => true,
                Some(ClientProxy::Gateway(_)) => backend.ingress_use_waypoint,
                _ => false,
            });
            Path {
                client,
                backend,
                backend_mode,
                waypoint,
                share: weight(backend) / total,
            }
        })
        .collect()
}

/// The logical calls of a scenario, at workload level.
pub fn logical_calls(scenario: &Scenario) -> Vec<LogicalCall> {
    let mut out = Vec::new();
    for call in &scenario.calls {
        for path in paths(scenario, call) {
            let source = match path.client {
                Some(ClientProxy::Sidecar(w)) | Some(ClientProxy::Ambient(w)) => {
                    CallEnd::Workload {
                        cluster: scenario.call_end_cluster(w.cluster.as_deref()),
                        namespace: w.namespace.clone(),
                        name: w.name.clone(),
                    }
                }
                Some(ClientProxy::Gateway(g)) => CallEnd::Workload {
                    cluster: scenario.call_end_cluster(g.cluster.as_deref()),
                    namespace: g.namespace.clone(),
                    name: g.workload_name(),
                },
                // The server cannot identify a caller without identity.
                Some(ClientProxy::Unmeshed(_)) | None => CallEnd::Unknown,
            };
            let client_sees_l7 = matches!(
                path.client,
                Some(ClientProxy::Sidecar(_)) | Some(ClientProxy::Gateway(_))
            );
            let l7_observed = client_sees_l7
                || path.backend_mode == DataPlaneMode::Sidecar
                || path.waypoint.is_some();
            if source == CallEnd::Unknown && path.backend_mode == DataPlaneMode::None {
                continue; // nobody reports it
            }
            let observed_protocol = match (call.protocol, l7_observed) {
                (Protocol::Tcp, _) | (_, false) => "tcp",
                (Protocol::Grpc, true) => "grpc",
                (Protocol::Http, true) => "http",
            };
            let rps = call.rps * path.share;
            out.push(LogicalCall {
                source,
                destination: CallEnd::Workload {
                    cluster: scenario.call_end_cluster(path.backend.cluster.as_deref()),
                    namespace: path.backend.namespace.clone(),
                    name: path.backend.name.clone(),
                },
                observed_protocol,
                rps,
                error_rps: if observed_protocol == "tcp" {
                    0.0
                } else {
                    rps * call.error_ratio
                },
                connections_per_second: if call.protocol == Protocol::Tcp {
                    rps
                } else {
                    rps / REQUESTS_PER_CONNECTION
                },
                via_waypoint: path.waypoint.map(|w| (w.namespace.clone(), w.name.clone())),
                via_network_gateway: crosses_networks(scenario, &path),
            });
        }
        if let Some(external) = external_call(scenario, call) {
            out.push(external.logical);
        }
    }
    // Node ids carry a cluster only when the telemetry names several: a
    // scenario whose calls all stay in one of its clusters is single-cluster.
    let named: std::collections::BTreeSet<String> = out
        .iter()
        .flat_map(|c| [&c.source, &c.destination])
        .filter_map(|end| match end {
            CallEnd::Workload { cluster, .. } if !cluster.is_empty() => Some(cluster.clone()),
            _ => None,
        })
        .collect();
    if named.len() <= 1 {
        for call in &mut out {
            for end in [&mut call.source, &mut call.destination] {
                if let CallEnd::Workload { cluster, .. } = end {
                    cluster.clear();
                }
            }
        }
    }
    out
}

impl Scenario {
    /// The cluster a call end names: empty in a single-cluster scenario.
    fn call_end_cluster(&self, placed: Option<&str>) -> String {
        if self.is_multi_cluster() {
            self.cluster_of(placed).to_string()
        } else {
            String::new()
        }
    }
}

/// The cluster of a path's client proxy, if it has one.
fn client_cluster<'a>(scenario: &'a Scenario, path: &Path<'a>) -> Option<&'a str> {
    match path.client? {
        ClientProxy::Sidecar(w) | ClientProxy::Ambient(w) | ClientProxy::Unmeshed(w) => {
            Some(scenario.cluster_of(w.cluster.as_deref()))
        }
        ClientProxy::Gateway(g) => Some(scenario.cluster_of(g.cluster.as_deref())),
    }
}

/// Whether a path from an Envoy client goes through the east-west gateway
/// of the backend's network (multi-network meshes, multicluster facts §2a).
fn crosses_networks(scenario: &Scenario, path: &Path<'_>) -> bool {
    let envoy_client = matches!(
        path.client,
        Some(ClientProxy::Sidecar(_)) | Some(ClientProxy::Gateway(_))
    );
    let backend = scenario.cluster_of(path.backend.cluster.as_deref());
    envoy_client
        && path.backend_mode == DataPlaneMode::Sidecar
        && client_cluster(scenario, path)
            .is_some_and(|c| scenario.network_of(c) != scenario.network_of(backend))
}

/// A call to a host outside the cluster, resolved.
struct ExternalCall<'a> {
    client: ClientProxy<'a>,
    waypoint: Option<&'a WaypointSpec>,
    service: ServiceRef,
    logical: LogicalCall,
}

/// How a call to `external:HOST` travels and what it looks like as a logical
/// call: sidecars and gateways see it as L7 (PassthroughCluster or the
/// ServiceEntry host), ambient clients through an egress waypoint as L7 via
/// the waypoint, ambient clients without one only as TCP to an unknown peer
/// (ztunnel does not know the host: case 10).
fn external_call<'a>(
    scenario: &'a Scenario,
    call: &'a crate::spec::CallSpec,
) -> Option<ExternalCall<'a>> {
    let host = call.external_host()?;
    let client = match scenario.client(&call.from)? {
        Client::Gateway(g) => ClientProxy::Gateway(g),
        Client::Workload(w) => match scenario.mode_of(w) {
            DataPlaneMode::Sidecar => ClientProxy::Sidecar(w),
            DataPlaneMode::Ambient => ClientProxy::Ambient(w),
            DataPlaneMode::None => return None, // nobody reports it
        },
    };
    let waypoint = call.egress_waypoint.as_deref().and_then(|r| {
        let (ns, name) = r.split_once('/')?;
        scenario
            .waypoints
            .iter()
            .find(|w| w.namespace == ns && w.name == name)
    });
    let waypoint = waypoint.filter(|_| matches!(client, ClientProxy::Ambient(_)));
    // Istio names a ServiceEntry host in the destination_service labels;
    // anything else is PassthroughCluster with the Host header.
    let service = match scenario.service_entry_for(host) {
        Some(se) => ServiceRef {
            fqdn: host.into(),
            name: host.into(),
            namespace: se.namespace.clone(),
        },
        None => ServiceRef {
            fqdn: host.into(),
            name: "PassthroughCluster".into(),
            namespace: "unknown".into(),
        },
    };
    let source = match client {
        ClientProxy::Sidecar(w) | ClientProxy::Ambient(w) | ClientProxy::Unmeshed(w) => {
            CallEnd::Workload {
                cluster: scenario.call_end_cluster(w.cluster.as_deref()),
                namespace: w.namespace.clone(),
                name: w.name.clone(),
            }
        }
        ClientProxy::Gateway(g) => CallEnd::Workload {
            cluster: scenario.call_end_cluster(g.cluster.as_deref()),
            namespace: g.namespace.clone(),
            name: g.workload_name(),
        },
    };
    let l7_observed = !matches!(client, ClientProxy::Ambient(_)) || waypoint.is_some();
    let observed_protocol = match (call.protocol, l7_observed) {
        (Protocol::Tcp, _) | (_, false) => "tcp",
        (Protocol::Grpc, true) => "grpc",
        (Protocol::Http, true) => "http",
    };
    let destination = if l7_observed || waypoint.is_some() {
        CallEnd::External(host.into())
    } else {
        CallEnd::Unknown
    };
    let logical = LogicalCall {
        source,
        destination,
        observed_protocol,
        rps: call.rps,
        error_rps: if observed_protocol == "tcp" {
            0.0
        } else {
            call.rps * call.error_ratio
        },
        connections_per_second: if call.protocol == Protocol::Tcp {
            call.rps
        } else {
            call.rps / REQUESTS_PER_CONNECTION
        },
        via_waypoint: waypoint.map(|w| (w.namespace.clone(), w.name.clone())),
        via_network_gateway: false,
    };
    Some(ExternalCall {
        client,
        waypoint,
        service,
        logical,
    })
}

/// Standard normal CDF through erf (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    0.5 * (1.0 + if z >= 0.0 { erf } else { -erf })
}

/// Share of requests at or below `bound_ms` for a log-normal latency with the given median.
fn latency_cdf(bound_ms: f64, median_ms: f64) -> f64 {
    if bound_ms <= 0.0 || median_ms <= 0.0 {
        return if bound_ms >= median_ms { 1.0 } else { 0.0 };
    }
    normal_cdf((bound_ms.ln() - median_ms.ln()) / LATENCY_SIGMA)
}

#[derive(Clone)]
struct Shape {
    rps: f64,
    error_ratio: f64,
    error_code: u16,
    latency_ms: f64,
    request_bytes: f64,
    response_bytes: f64,
    protocol: Protocol,
}

impl Shape {
    /// The traffic of `share` of a call.
    fn of(call: &crate::spec::CallSpec, share: f64) -> Shape {
        Shape {
            rps: call.rps * share,
            error_ratio: call.error_ratio,
            error_code: call.error_code,
            latency_ms: call.latency_ms,
            request_bytes: call.request_bytes,
            response_bytes: call.response_bytes,
            protocol: call.protocol,
        }
    }
}

/// Collects the series of a scenario as its proxies would write them.
struct SeriesWriter<'a> {
    scenario: &'a Scenario,
    out: Vec<Observation>,
}

/// The labels of one series apart from metric and value.
struct Series<'p> {
    reporter: Reporter,
    source: &'p Peer,
    destination: &'p Peer,
    service: &'p ServiceRef,
    policy: &'static str,
    scrape: &'p BTreeMap<String, String>,
}

impl SeriesWriter<'_> {
    fn push(
        &mut self,
        s: &Series<'_>,
        metric: Metric,
        protocol: &str,
        code: Option<String>,
        le: Option<f64>,
        value: f64,
    ) {
        let grpc_status = (protocol == "grpc" && metric.has_response_labels()).then(|| {
            if code.as_deref() == Some("200") {
                "0".to_string()
            } else {
                "14".to_string()
            }
        });
        self.out.push(Observation {
            metric,
            le,
            buckets: Vec::new(),
            reporter: s.reporter,
            source: s.source.clone(),
            destination: s.destination.clone(),
            service: s.service.clone(),
            request_protocol: protocol.to_string(),
            response_code: if metric.has_response_labels() {
                code
            } else {
                None
            },
            grpc_response_status: grpc_status,
            response_flags: "-".into(),
            connection_security_policy: s.policy.to_string(),
            extra: self.scrape_with_federation(s).into(),
            value,
        });
    }

    /// The scrape labels, plus the federation's cluster label: the cluster
    /// of the proxy that emitted the series (multicluster facts §4).
    fn scrape_with_federation(&self, s: &Series<'_>) -> BTreeMap<String, String> {
        let mut scrape = s.scrape.clone();
        if let Some(label) = &self.scenario.federation_label {
            let emitter = match s.reporter {
                Reporter::Source => s.source,
                _ => s.destination,
            };
            if emitter.cluster != meshgraph_model::UNKNOWN {
                scrape.insert(label.clone(), emitter.cluster.clone());
            }
        }
        scrape
    }

    /// Request-level series of an Envoy proxy (sidecar, gateway or waypoint).
    fn l7(&mut self, s: &Series<'_>, shape: &Shape) {
        let protocol = if shape.protocol == Protocol::Grpc {
            "grpc"
        } else {
            "http"
        };
        let mut by_code = vec![("200".to_string(), shape.rps * (1.0 - shape.error_ratio))];
        if shape.error_ratio > 0.0 {
            by_code.push((shape.error_code.to_string(), shape.rps * shape.error_ratio));
        }
        for (code, rate) in by_code {
            self.push(
                s,
                Metric::Requests,
                protocol,
                Some(code.clone()),
                None,
                rate,
            );
            for bound in DEFAULT_BUCKETS_MS {
                let cumulative = rate * latency_cdf(bound, shape.latency_ms);
                self.push(
                    s,
                    Metric::RequestDurationBucket,
                    protocol,
                    Some(code.clone()),
                    Some(bound),
                    cumulative,
                );
            }
            self.push(
                s,
                Metric::RequestDurationBucket,
                protocol,
                Some(code.clone()),
                Some(f64::INFINITY),
                rate,
            );
            self.push(
                s,
                Metric::RequestBytesSum,
                protocol,
                Some(code.clone()),
                None,
                rate * shape.request_bytes,
            );
            self.push(
                s,
                Metric::ResponseBytesSum,
                protocol,
                Some(code),
                None,
                rate * shape.response_bytes,
            );
        }
        if shape.protocol == Protocol::Grpc {
            self.push(s, Metric::RequestMessages, protocol, None, None, shape.rps);
            self.push(s, Metric::ResponseMessages, protocol, None, None, shape.rps);
        }
    }

    /// Connection-level series; client-to-server bytes are `received`
    /// whoever reports them ("TCP byte direction").
    fn l4(&mut self, s: &Series<'_>, shape: &Shape) {
        let connections = if shape.protocol == Protocol::Tcp {
            shape.rps
        } else {
            shape.rps / REQUESTS_PER_CONNECTION
        };
        self.push(
            s,
            Metric::TcpConnectionsOpened,
            "tcp",
            None,
            None,
            connections,
        );
        self.push(
            s,
            Metric::TcpConnectionsClosed,
            "tcp",
            None,
            None,
            connections,
        );
        self.push(
            s,
            Metric::TcpReceivedBytes,
            "tcp",
            None,
            None,
            shape.rps * shape.request_bytes,
        );
        self.push(
            s,
            Metric::TcpSentBytes,
            "tcp",
            None,
            None,
            shape.rps * shape.response_bytes,
        );
    }

    /// An Envoy's series: L7 for HTTP and gRPC services, L4 for TCP ones.
    fn envoy(&mut self, s: &Series<'_>, shape: &Shape) {
        if shape.protocol == Protocol::Tcp {
            self.l4(s, shape)
        } else {
            self.l7(s, shape)
        }
    }

    fn principal(&self, namespace: &str, service_account: &str) -> String {
        format!(
            "spiffe://{}/ns/{namespace}/sa/{service_account}",
            self.scenario.trust_domain
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn peer(
        &self,
        cluster: &str,
        namespace: &str,
        workload: &str,
        app: &str,
        version: &str,
        service_account: &str,
    ) -> Peer {
        Peer {
            workload: workload.into(),
            namespace: namespace.into(),
            app: app.into(),
            version: version.into(),
            principal: self.principal(namespace, service_account),
            canonical_service: app.into(),
            canonical_revision: version.into(),
            cluster: cluster.to_string(),
            region: None,
            zone: None,
        }
    }

    fn workload_peer(&self, w: &WorkloadSpec) -> Peer {
        let sa = w
            .service_account
            .clone()
            .unwrap_or_else(|| "default".into());
        let cluster = self.scenario.cluster_of(w.cluster.as_deref());
        self.peer(cluster, &w.namespace, &w.name, &w.app, &w.version, &sa)
    }

    fn gateway_peer(&self, g: &GatewaySpec) -> Peer {
        let name = g.workload_name();
        let sa = match g.flavor {
            GatewayFlavor::Istio => "istio-ingressgateway-service-account".to_string(),
            GatewayFlavor::GatewayApi => name.clone(),
        };
        let cluster = self.scenario.cluster_of(g.cluster.as_deref());
        self.peer(cluster, &g.namespace, &name, &name, "latest", &sa)
    }

    fn waypoint_peer(&self, wp: &WaypointSpec) -> Peer {
        let cluster = &self.scenario.cluster;
        self.peer(
            cluster,
            &wp.namespace,
            &wp.name,
            &wp.name,
            "latest",
            &wp.name,
        )
    }

    /// A ztunnel's connection-level series, with ztunnel's view of both peers.
    #[allow(clippy::too_many_arguments)]
    fn ztunnel(
        &mut self,
        reporter: Reporter,
        source: &Peer,
        destination: &Peer,
        service: &ServiceRef,
        policy: &'static str,
        scrape: &BTreeMap<String, String>,
        shape: &Shape,
    ) {
        let (src, dst) = (self.ztunnel_view(source), self.ztunnel_view(destination));
        self.l4(
            &series(reporter, &src, &dst, service, policy, scrape),
            shape,
        );
    }

    /// ztunnel fills region and zone from Istio 1.26 ("Labels").
    fn ztunnel_view(&self, peer: &Peer) -> Peer {
        let mut p = peer.clone();
        if self.scenario.istio_minor_patch().0 >= 26 && !p.is_unknown() {
            p.region = Some("region-1".into());
            p.zone = Some("zone-a".into());
        }
        p
    }
}

pub(crate) fn pod_name(workload: &str) -> String {
    // A stable pod-template hash (10 characters) and pod suffix (5), in the
    // alphabet Kubernetes uses for generated names (no vowels, no 0, 1, 3).
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hash = workload
        .bytes()
        .fold(5381u64, |h, b| h.wrapping_mul(33) ^ u64::from(b));
    let mut take = |n: usize| -> String {
        (0..n)
            .map(|_| {
                let c = ALPHABET[(hash % ALPHABET.len() as u64) as usize] as char;
                hash = (hash / ALPHABET.len() as u64) ^ hash.rotate_left(29);
                c
            })
            .collect()
    };
    let (template, suffix) = (take(10), take(5));
    format!("{workload}-{template}-{suffix}")
}

fn node_of(workload: &str) -> u32 {
    workload.bytes().map(u32::from).sum::<u32>() % 2
}

/// Scrape labels Istio's sample Prometheus adds to an Envoy pod's series.
fn envoy_scrape(
    namespace: &str,
    workload: &str,
    app: Option<&str>,
    version: Option<&str>,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("namespace".to_string(), namespace.to_string()),
        ("pod".to_string(), pod_name(workload)),
        ("job".to_string(), "kubernetes-pods".to_string()),
    ]);
    if let Some(app) = app {
        labels.insert("app".into(), app.into());
    }
    if let Some(version) = version {
        labels.insert("version".into(), version.into());
    }
    labels
}

/// Scrape labels of the ztunnel pod on the node where `workload` runs.
fn ztunnel_scrape(workload: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app".to_string(), "ztunnel".to_string()),
        ("namespace".to_string(), "istio-system".to_string()),
        (
            "pod".to_string(),
            format!("ztunnel-node{}", node_of(workload)),
        ),
        ("job".to_string(), "kubernetes-pods".to_string()),
    ])
}

impl Scenario {
    /// Every raw series the scenario's proxies report, as per-second rates.
    pub fn telemetry(&self) -> Vec<Observation> {
        let mut writer = SeriesWriter {
            scenario: self,
            out: Vec::new(),
        };
        for call in &self.calls {
            for path in paths(self, call) {
                emit_path(&mut writer, &path, &Shape::of(call, path.share));
            }
            if let Some(external) = external_call(self, call) {
                emit_external(&mut writer, &external, &Shape::of(call, 1.0));
            }
        }
        merge_identical_series(writer.out)
    }
}

/// A proxy keeps one counter per label set: series that several paths share
/// (the client→waypoint hop of calls to different backends of one service)
/// are one series carrying the sum, as Prometheus would store them.
fn merge_identical_series(observations: Vec<Observation>) -> Vec<Observation> {
    let mut index: std::collections::HashMap<(Metric, Vec<(String, String)>), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Observation> = Vec::with_capacity(observations.len());
    for obs in observations {
        match index.entry((obs.metric, obs.labels())) {
            std::collections::hash_map::Entry::Occupied(slot) => {
                out[*slot.get()].value += obs.value
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(out.len());
                out.push(obs);
            }
        }
    }
    out
}

fn series<'p>(
    reporter: Reporter,
    source: &'p Peer,
    destination: &'p Peer,
    service: &'p ServiceRef,
    policy: &'static str,
    scrape: &'p BTreeMap<String, String>,
) -> Series<'p> {
    Series {
        reporter,
        source,
        destination,
        service,
        policy,
        scrape,
    }
}

fn emit_external(writer: &mut SeriesWriter<'_>, call: &ExternalCall<'_>, shape: &Shape) {
    let unknown = Peer::unknown();
    match call.client {
        ClientProxy::Sidecar(_) | ClientProxy::Gateway(_) => {
            let (client, scrape) = match call.client {
                ClientProxy::Gateway(g) => (
                    writer.gateway_peer(g),
                    envoy_scrape(&g.namespace, &g.workload_name(), None, None),
                ),
                ClientProxy::Sidecar(w) | ClientProxy::Ambient(w) | ClientProxy::Unmeshed(w) => (
                    writer.workload_peer(w),
                    envoy_scrape(&w.namespace, &w.name, Some(&w.app), Some(&w.version)),
                ),
            };
            writer.envoy(
                &series(
                    Reporter::Source,
                    &client,
                    &unknown,
                    &call.service,
                    "unknown",
                    &scrape,
                ),
                shape,
            );
        }
        ClientProxy::Ambient(w) => {
            let client = writer.workload_peer(w);
            let ztunnel = ztunnel_scrape(&w.name);
            match call.waypoint {
                // Case 12: client -> egress waypoint (hop), waypoint -> host (the call).
                Some(wp) => {
                    let waypoint = writer.waypoint_peer(wp);
                    writer.ztunnel(
                        Reporter::Source,
                        &client,
                        &waypoint,
                        &call.service,
                        "mutual_tls",
                        &ztunnel,
                        shape,
                    );
                    writer.envoy(
                        &series(
                            Reporter::Waypoint,
                            &client,
                            &unknown,
                            &call.service,
                            "mutual_tls",
                            &waypoint_scrape(wp),
                        ),
                        shape,
                    );
                }
                // Case 10: ztunnel passes the connection through and knows
                // neither the host nor the peer; `unknown` security.
                None => {
                    let none = ServiceRef {
                        fqdn: "unknown".into(),
                        name: "unknown".into(),
                        namespace: "unknown".into(),
                    };
                    writer.ztunnel(
                        Reporter::Source,
                        &client,
                        &unknown,
                        &none,
                        "unknown",
                        &ztunnel,
                        shape,
                    );
                }
            }
        }
        ClientProxy::Unmeshed(_) => {}
    }
}

/// Who is on either end of one path, and the scrape labels of each proxy
/// that may report it.
struct PathEnds {
    /// The caller as its own proxy names it (`unknown` without one).
    client: Peer,
    /// The caller's Envoy (sidecar or gateway) scrape labels.
    client_scrape: BTreeMap<String, String>,
    /// The caller's node ztunnel scrape labels (ambient callers).
    client_ztunnel: BTreeMap<String, String>,
    server: Peer,
    /// The backend's Kubernetes service.
    service: ServiceRef,
    /// The backend's sidecar scrape labels.
    server_scrape: BTreeMap<String, String>,
    /// The backend's node ztunnel scrape labels.
    server_ztunnel: BTreeMap<String, String>,
}

impl PathEnds {
    fn of(writer: &SeriesWriter<'_>, path: &Path<'_>) -> PathEnds {
        let backend = path.backend;
        let service_name = backend
            .service
            .clone()
            .unwrap_or_else(|| backend.app.clone());
        let service = ServiceRef {
            fqdn: format!("{service_name}.{}.svc.cluster.local", backend.namespace),
            name: service_name,
            namespace: backend.namespace.clone(),
        };
        let (client, client_scrape, client_ztunnel) = match path.client {
            Some(ClientProxy::Sidecar(w))
            | Some(ClientProxy::Ambient(w))
            | Some(ClientProxy::Unmeshed(w)) => (
                writer.workload_peer(w),
                envoy_scrape(&w.namespace, &w.name, Some(&w.app), Some(&w.version)),
                ztunnel_scrape(&w.name),
            ),
            Some(ClientProxy::Gateway(g)) => {
                (writer.gateway_peer(g), gateway_scrape(g), BTreeMap::new())
            }
            None => (Peer::unknown(), BTreeMap::new(), BTreeMap::new()),
        };
        PathEnds {
            client,
            client_scrape,
            client_ztunnel,
            server: writer.workload_peer(backend),
            service,
            server_scrape: envoy_scrape(
                &backend.namespace,
                &backend.name,
                Some(&backend.app),
                Some(&backend.version),
            ),
            server_ztunnel: ztunnel_scrape(&backend.name),
        }
    }
}

/// Scrape labels of an ingress gateway's Envoy, by flavour.
fn gateway_scrape(g: &GatewaySpec) -> BTreeMap<String, String> {
    let mut scrape = envoy_scrape(&g.namespace, &g.workload_name(), None, None);
    match g.flavor {
        GatewayFlavor::Istio => {
            scrape.insert("app".into(), "istio-ingressgateway".into());
            scrape.insert("istio".into(), "ingressgateway".into());
        }
        GatewayFlavor::GatewayApi => {
            scrape.insert(
                "gateway_networking_k8s_io_gateway_name".into(),
                g.name.clone(),
            );
        }
    }
    scrape
}

/// Scrape labels of a waypoint's Envoy (a Gateway API gateway).
fn waypoint_scrape(wp: &WaypointSpec) -> BTreeMap<String, String> {
    let mut scrape = envoy_scrape(&wp.namespace, &wp.name, None, None);
    scrape.insert(
        "gateway_networking_k8s_io_gateway_name".into(),
        wp.name.clone(),
    );
    scrape
}

/// The series of one path of a call inside the mesh, by who can report it.
fn emit_path(writer: &mut SeriesWriter<'_>, path: &Path<'_>, shape: &Shape) {
    let ends = PathEnds::of(writer, path);
    if crosses_networks(writer.scenario, path) {
        emit_network_gateway(writer, &ends, path, shape);
    }
    match (path.client, path.waypoint) {
        (Some(client @ (ClientProxy::Ambient(_) | ClientProxy::Gateway(_))), Some(wp)) => {
            emit_through_waypoint(writer, &ends, client, wp, shape)
        }
        (Some(ClientProxy::Sidecar(_)) | Some(ClientProxy::Gateway(_)), _) => {
            emit_from_envoy_client(writer, &ends, path.backend_mode, shape)
        }
        (Some(ClientProxy::Ambient(_)), _) => {
            emit_from_ambient_client(writer, &ends, path.backend_mode, shape)
        }
        (Some(ClientProxy::Unmeshed(_)) | None, _) => {
            emit_from_unidentified_client(writer, &ends, path.backend_mode, shape)
        }
    }
}

/// The east-west gateway of the backend's network forwarding the mTLS
/// connection: TCP series only, reported as a client (`reporter="source"`)
/// with no principal on either side, the backend known only from its
/// endpoint metadata (app and version `unknown`), security `unknown`
/// (multicluster facts §2a, third column; §3).
fn emit_network_gateway(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    path: &Path<'_>,
    shape: &Shape,
) {
    let scenario = writer.scenario;
    let cluster = scenario.cluster_of(path.backend.cluster.as_deref());
    let gateway = Peer {
        principal: meshgraph_model::UNKNOWN.into(),
        version: meshgraph_model::UNKNOWN.into(),
        ..writer.peer(
            cluster,
            "istio-system",
            "istio-eastwestgateway",
            "istio-eastwestgateway",
            "latest",
            "istio-eastwestgateway-service-account",
        )
    };
    let backend = Peer {
        app: meshgraph_model::UNKNOWN.into(),
        version: meshgraph_model::UNKNOWN.into(),
        principal: meshgraph_model::UNKNOWN.into(),
        ..ends.server.clone()
    };
    let mut scrape = envoy_scrape("istio-system", "istio-eastwestgateway", None, None);
    scrape.insert("app".into(), "istio-eastwestgateway".into());
    scrape.insert("istio".into(), "eastwestgateway".into());
    scrape.insert(
        "topology_istio_io_network".into(),
        scenario.network_of(cluster).to_string(),
    );
    // The passthrough carries the TLS records: a little more than the payload.
    let tls = Shape {
        request_bytes: shape.request_bytes * 1.05,
        response_bytes: shape.response_bytes * 1.05,
        ..shape.clone()
    };
    let s = series(
        Reporter::Source,
        &gateway,
        &backend,
        &ends.service,
        "unknown",
        &scrape,
    );
    writer.l4(&s, &tls);
}

/// Ambient or gateway client through a waypoint: three series families
/// ("One call through a waypoint produces three series families").
fn emit_through_waypoint(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    client: ClientProxy<'_>,
    wp: &WaypointSpec,
    shape: &Shape,
) {
    let waypoint = writer.waypoint_peer(wp);
    // Family 1: the client's proxy, naming the waypoint as destination.
    match client {
        ClientProxy::Gateway(_) => writer.envoy(
            &series(
                Reporter::Source,
                &ends.client,
                &waypoint,
                &ends.service,
                "unknown",
                &ends.client_scrape,
            ),
            shape,
        ),
        _ => writer.ztunnel(
            Reporter::Source,
            &ends.client,
            &waypoint,
            &ends.service,
            "mutual_tls",
            &ends.client_ztunnel,
            shape,
        ),
    }
    // Family 2: the waypoint.
    let (reporter, wp_service) = waypoint_report(writer.scenario, &ends.service, wp);
    writer.envoy(
        &series(
            reporter,
            &ends.client,
            &ends.server,
            &wp_service,
            "mutual_tls",
            &waypoint_scrape(wp),
        ),
        shape,
    );
    // Family 3: server-node ztunnel, source = the waypoint.
    writer.ztunnel(
        Reporter::Destination,
        &waypoint,
        &ends.server,
        &ends.service,
        "mutual_tls",
        &ends.server_ztunnel,
        shape,
    );
}

/// How the scenario's Istio version has a waypoint report: Istio <= 1.21 as
/// `destination`; 1.22 to 1.24.2 wrote the waypoint's namespace into
/// destination_service_namespace ("Version notes").
fn waypoint_report(
    scenario: &Scenario,
    service: &ServiceRef,
    wp: &WaypointSpec,
) -> (Reporter, ServiceRef) {
    let (minor, patch) = scenario.istio_minor_patch();
    let reporter = if minor <= 21 {
        Reporter::Destination
    } else {
        Reporter::Waypoint
    };
    let mut wp_service = service.clone();
    if (22..=23).contains(&minor) || (minor == 24 && patch <= 2) {
        wp_service.namespace = wp.namespace.clone();
    }
    (reporter, wp_service)
}

/// A sidecar or gateway client, no waypoint: the client's Envoy, then the
/// server side.
fn emit_from_envoy_client(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    backend_mode: DataPlaneMode,
    shape: &Shape,
) {
    // Client-side Envoy never knows the security policy ("connection_security_policy").
    writer.envoy(
        &series(
            Reporter::Source,
            &ends.client,
            &ends.server,
            &ends.service,
            "unknown",
            &ends.client_scrape,
        ),
        shape,
    );
    emit_server_side(
        writer,
        ends,
        &ends.client,
        backend_mode,
        "mutual_tls",
        "mutual_tls",
        shape,
    );
}

/// An ambient client, no waypoint: its node's ztunnel, then the server side.
fn emit_from_ambient_client(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    backend_mode: DataPlaneMode,
    shape: &Shape,
) {
    // ztunnel writes `unknown` for plain passthrough, never `none`.
    let policy = if backend_mode == DataPlaneMode::None {
        "unknown"
    } else {
        "mutual_tls"
    };
    writer.ztunnel(
        Reporter::Source,
        &ends.client,
        &ends.server,
        &ends.service,
        policy,
        &ends.client_ztunnel,
        shape,
    );
    emit_server_side(
        writer,
        ends,
        &ends.client,
        backend_mode,
        "mutual_tls",
        "mutual_tls",
        shape,
    );
}

/// No proxy on the client: only the server side reports, without a source
/// identity and in plaintext ("Sidecar mode", case 11 and 14).
fn emit_from_unidentified_client(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    backend_mode: DataPlaneMode,
    shape: &Shape,
) {
    emit_server_side(
        writer,
        ends,
        &Peer::unknown(),
        backend_mode,
        "none",
        "unknown",
        shape,
    );
}

/// The server's own report of a call from `source`: its sidecar's
/// (`sidecar_policy`) or its node ztunnel's (`ztunnel_policy`); a backend
/// without a proxy reports nothing.
fn emit_server_side(
    writer: &mut SeriesWriter<'_>,
    ends: &PathEnds,
    source: &Peer,
    backend_mode: DataPlaneMode,
    sidecar_policy: &'static str,
    ztunnel_policy: &'static str,
    shape: &Shape,
) {
    match backend_mode {
        DataPlaneMode::Sidecar => writer.envoy(
            &series(
                Reporter::Destination,
                source,
                &ends.server,
                &ends.service,
                sidecar_policy,
                &ends.server_scrape,
            ),
            shape,
        ),
        DataPlaneMode::Ambient => writer.ztunnel(
            Reporter::Destination,
            source,
            &ends.server,
            &ends.service,
            ztunnel_policy,
            &ends.server_ztunnel,
            shape,
        ),
        DataPlaneMode::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((normal_cdf(-1.96) - 0.024_997_9).abs() < 1e-6);
    }

    #[test]
    fn latency_median_falls_where_asked() {
        assert!((latency_cdf(20.0, 20.0) - 0.5).abs() < 1e-7);
        assert!(latency_cdf(100.0, 20.0) > 0.99);
    }
}
