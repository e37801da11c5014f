//! Which proxy reported each series, and which workloads are waypoints or gateways.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_model::{Emitter, Observation, Reporter, ServiceId, UNKNOWN};

use crate::cluster::Clusters;
use crate::endpoint::{EndpointRole, WorkloadRef};

/// Inputs to classification that do not come from the series themselves.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// Scrape label that marks ztunnel series (Istio's sample Prometheus keeps
    /// the pod label `app`, so ztunnel series carry `app="ztunnel"`).
    pub ztunnel_label: String,
    pub ztunnel_value: String,
    /// Waypoints known from configuration (Gateways of class `istio-waypoint`).
    pub waypoints: BTreeSet<WorkloadRef>,
    /// Gateways known from configuration.
    pub gateways: BTreeSet<WorkloadRef>,
    /// Infer waypoints from telemetry in addition to the configured ones.
    pub infer_waypoints: bool,
    /// Workload or app names whose calls are infrastructure (scrapers,
    /// collectors), hidden from the application graph unless asked for.
    pub infrastructure: Vec<String>,
    /// Hosts declared by ServiceEntries, drawn as their own node kind.
    pub service_entry_hosts: BTreeSet<String>,
    /// Scrape label naming the cluster of the emitting proxy (a federating
    /// Prometheus's `cluster`); `source_cluster` / `destination_cluster` win.
    pub cluster_label: String,
    /// East-west (network) gateways known from configuration, by namespace
    /// and name; more are recognised by name and by the `istio` pod label.
    pub network_gateways: BTreeSet<WorkloadRef>,
    /// The Kubernetes cluster domain (`cluster.local` unless set); `None`:
    /// taken from the service names in the data.
    pub cluster_domain: Option<String>,
}

/// Callers that are infrastructure, not application, by default.
pub const DEFAULT_INFRASTRUCTURE: &[&str] = &[
    "prometheus",
    "prometheus-server",
    "prometheus-k8s",
    "kube-prometheus-stack-prometheus",
    "otel-collector",
    "opentelemetry-collector",
    "jaeger-collector",
    "kiali",
    "grafana",
    "kube-probe",
];

impl Default for ClassifyOptions {
    fn default() -> Self {
        ClassifyOptions {
            ztunnel_label: "app".into(),
            ztunnel_value: "ztunnel".into(),
            waypoints: BTreeSet::new(),
            gateways: BTreeSet::new(),
            infer_waypoints: true,
            infrastructure: DEFAULT_INFRASTRUCTURE
                .iter()
                .map(|s| s.to_string())
                .collect(),
            service_entry_hosts: BTreeSet::new(),
            cluster_label: crate::cluster::DEFAULT_CLUSTER_LABEL.into(),
            network_gateways: BTreeSet::new(),
            cluster_domain: None,
        }
    }
}

/// How a workload came to be treated as a waypoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaypointEvidence {
    Configuration,
    /// Destination of source-reported series for another workload's service,
    /// source of destination-reported series, never destination-reported into.
    Telemetry,
}

/// What is known about a workload from the labels that name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorkloadInfo {
    pub app: String,
    pub version: String,
    pub principal: String,
}

/// The result of classification, parallel to the observations.
#[derive(Debug, Clone)]
pub struct Classification {
    pub emitters: Vec<Emitter>,
    pub waypoints: BTreeMap<WorkloadRef, WaypointEvidence>,
    pub gateways: BTreeSet<WorkloadRef>,
    pub workloads: BTreeMap<WorkloadRef, WorkloadInfo>,
    /// Workloads whose calls are infrastructure traffic.
    pub infrastructure: BTreeSet<WorkloadRef>,
    pub service_entry_hosts: BTreeSet<String>,
    /// The clusters the telemetry names (none in a single-cluster mesh).
    pub clusters: Clusters,
    /// East-west gateways: their series are hops of cross-network calls,
    /// never edges (multicluster.md).
    pub network_gateways: BTreeSet<WorkloadRef>,
    /// The cluster domain services are spelled with (configured, else the
    /// most common suffix of the `destination_service` FQDNs, else
    /// `cluster.local`).
    pub cluster_domain: String,
    /// The workloads at both ends of every series, numbered.
    pub series_workloads: SeriesWorkloads,
}

impl Classification {
    /// The FQDN Istio writes for a cluster service, whatever spelling the
    /// series used (`details:9080`, `details.bookinfo`).
    pub fn service_fqdn(&self, service: &meshgraph_model::ServiceRef) -> String {
        if service.is_fqdn() {
            return service.fqdn.clone();
        }
        match service.kube_identity() {
            Some((ns, name)) => format!("{name}.{ns}.svc.{}", self.cluster_domain),
            None => service.fqdn.clone(),
        }
    }

    pub fn role(&self, workload: &WorkloadRef) -> EndpointRole {
        if self.waypoints.contains_key(workload) {
            EndpointRole::Waypoint
        } else if self.gateways.contains(workload)
            || self.network_gateways.contains(workload)
            || looks_like_gateway(&workload.name)
        {
            EndpointRole::Gateway
        } else {
            EndpointRole::Workload
        }
    }
}

/// East-west gateways as Istio's samples name and label them
/// (`istio-eastwestgateway`, pod label `istio=eastwestgateway`).
pub fn looks_like_network_gateway(workload: &str) -> bool {
    workload.contains("eastwestgateway")
}

fn is_network_gateway_series(obs: &Observation) -> bool {
    looks_like_network_gateway(&obs.source.workload)
        || obs.extra.get("istio").map(String::as_str) == Some("eastwestgateway")
}

/// The cluster domain of the `destination_service` FQDNs: the most common
/// suffix after `.svc.` (the trust domain in principals is a separate
/// setting and is never read for this).
fn infer_cluster_domain(observations: &[Observation]) -> Option<String> {
    // Series share their services: count each FQDN, then read its domain once.
    let mut by_fqdn: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
    for obs in observations {
        *by_fqdn.entry(obs.service.fqdn.as_str()).or_default() += 1;
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (fqdn, n) in by_fqdn {
        if let Some((_, domain)) = fqdn.split_once(".svc.") {
            let domain = domain.trim_end_matches('.');
            if !domain.is_empty() {
                *counts.entry(domain).or_default() += n;
            }
        }
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == best)
        .map(|(d, _)| d.to_string())
}

/// Whether a series came from ztunnel: the configured scrape label, or the
/// region/zone labels only ztunnel writes (Istio 1.26+).
pub fn is_ztunnel(obs: &Observation, options: &ClassifyOptions) -> bool {
    obs.extra.get(&options.ztunnel_label) == Some(&options.ztunnel_value)
        || obs.source.region.is_some()
        || obs.source.zone.is_some()
        || obs.destination.region.is_some()
        || obs.destination.zone.is_some()
}

/// Gateway deployments as Istio names them: `istio-ingressgateway` and
/// `istio-egressgateway` (istioctl), `istio-ingress`/`istio-egress` (the Helm
/// gateway chart's default), and `<gateway>-istio` for Gateway API gateways.
pub fn looks_like_gateway(workload: &str) -> bool {
    workload.contains("ingressgateway")
        || workload.contains("egressgateway")
        || workload.starts_with("istio-ingress")
        || workload.starts_with("istio-egress")
        || (workload.contains("gateway") && workload.ends_with("-istio"))
}

fn app_of(peer: &meshgraph_model::Peer) -> String {
    [&peer.app, &peer.canonical_service, &peer.workload]
        .into_iter()
        .find(|v| !v.is_empty() && v.as_str() != UNKNOWN)
        .cloned()
        .unwrap_or_else(|| UNKNOWN.to_string())
}

fn version_of(peer: &meshgraph_model::Peer) -> String {
    [&peer.version, &peer.canonical_revision]
        .into_iter()
        .find(|v| !v.is_empty() && v.as_str() != UNKNOWN)
        .cloned()
        .unwrap_or_else(|| "latest".to_string())
}

/// Classifies every observation and finds the waypoints and gateways.
pub fn classify(observations: &[Observation], options: &ClassifyOptions) -> Classification {
    let clusters = Clusters::detect(observations, &options.cluster_label);
    // Hashed while every series is visited, sorted once at the end.
    let mut workloads: hashbrown::HashMap<WorkloadRef, WorkloadInfo> = hashbrown::HashMap::new();
    let mut gateways = BTreeSet::new();
    let mut network_gateways = BTreeSet::new();
    // Each series' two workloads, worked out once (they are asked for below
    // and by `infer_waypoints` again and again), each distinct workload
    // made once.
    let series_workloads = SeriesWorkloads::of(observations, &clusters);
    let ends: Vec<Ends<'_>> = series_workloads.ends();
    for (obs, (source, destination)) in observations.iter().zip(&ends) {
        for (w, peer) in [(source, &obs.source), (destination, &obs.destination)] {
            if let Some(w) = w {
                let info = workloads.entry_ref(*w).or_default();
                if info.app.is_empty() || info.app == UNKNOWN {
                    info.app = app_of(peer);
                    info.version = version_of(peer);
                }
                if (info.principal.is_empty() || info.principal == UNKNOWN)
                    && peer.principal != UNKNOWN
                {
                    info.principal = peer.principal.clone();
                }
            }
        }
        if obs.reporter == Reporter::Source
            && let Some(w) = source
        {
            if is_network_gateway_series(obs) {
                network_gateways.insert((*w).clone());
            } else if looks_like_gateway(&w.name) {
                gateways.insert((*w).clone());
            }
        }
        // An ambient client's ztunnel names the east-west gateway as its
        // destination when peer metadata did not cross networks.
        if let Some(w) = destination
            && looks_like_network_gateway(&w.name)
        {
            network_gateways.insert((*w).clone());
        }
    }
    let workloads: BTreeMap<WorkloadRef, WorkloadInfo> = workloads.into_iter().collect();
    // Configured workloads name no cluster: they stand for that workload in
    // every cluster.
    let configured = |set: &BTreeSet<WorkloadRef>| -> BTreeSet<WorkloadRef> {
        let wanted: BTreeSet<(&str, &str)> = set
            .iter()
            .map(|w| (w.namespace.as_str(), w.name.as_str()))
            .collect();
        let mut out: BTreeSet<WorkloadRef> = workloads
            .keys()
            .filter(|w| wanted.contains(&(w.namespace.as_str(), w.name.as_str())))
            .cloned()
            .collect();
        if !clusters.is_multi() {
            out.extend(set.iter().cloned());
        }
        out
    };
    gateways.extend(configured(&options.gateways));
    network_gateways.extend(configured(&options.network_gateways));
    for w in &network_gateways {
        gateways.remove(w);
    }

    let mut waypoints: BTreeMap<WorkloadRef, WaypointEvidence> = configured(&options.waypoints)
        .into_iter()
        .map(|w| (w, WaypointEvidence::Configuration))
        .collect();
    if options.infer_waypoints {
        for w in infer_waypoints(observations, &ends) {
            waypoints.entry(w).or_insert(WaypointEvidence::Telemetry);
        }
    }
    for w in waypoints.keys() {
        gateways.remove(w);
    }

    // Workloads captured by ztunnel on their node: they run no sidecar, so an
    // Envoy reporting `destination` for traffic into them is a waypoint of
    // Istio 1.21 or older, which reported as `destination` (telemetry-facts.md).
    let ambient_servers: hashbrown::HashSet<&WorkloadRef> = observations
        .iter()
        .zip(&ends)
        .filter(|(obs, _)| obs.reporter == Reporter::Destination && is_ztunnel(obs, options))
        .filter_map(|(_, (_, destination))| *destination)
        .collect();
    let emitters = observations
        .iter()
        .zip(&ends)
        .map(|(obs, (source, destination))| match obs.reporter {
            Reporter::Waypoint => Emitter::Waypoint,
            Reporter::Destination
                if !is_ztunnel(obs, options)
                    && destination.is_some_and(|d| ambient_servers.contains(d)) =>
            {
                Emitter::Waypoint
            }
            Reporter::Source if is_ztunnel(obs, options) => Emitter::ZtunnelSource,
            Reporter::Destination if is_ztunnel(obs, options) => Emitter::ZtunnelDestination,
            Reporter::Destination => Emitter::EnvoyDestination,
            Reporter::Source => match source {
                Some(w) if gateways.contains(*w) => Emitter::Gateway,
                _ => Emitter::EnvoySource,
            },
        })
        .collect();
    // The borrowed ends are done with: the numbered ones go with the result.
    drop((ambient_servers, ends));

    let is_infrastructure = |w: &WorkloadRef, info: &WorkloadInfo| {
        options
            .infrastructure
            .iter()
            .any(|name| *name == w.name || *name == info.app)
    };
    let infrastructure = workloads
        .iter()
        .filter(|(w, info)| is_infrastructure(w, info))
        .map(|(w, _)| w.clone())
        .collect();

    Classification {
        emitters,
        waypoints,
        gateways,
        workloads,
        infrastructure,
        service_entry_hosts: options.service_entry_hosts.clone(),
        clusters,
        network_gateways,
        cluster_domain: options
            .cluster_domain
            .clone()
            .or_else(|| infer_cluster_domain(observations))
            .unwrap_or_else(|| "cluster.local".to_string()),
        series_workloads,
    }
}

/// Waypoints from telemetry alone (telemetry-facts.md, "Recognising a
/// waypoint"): a workload that is the destination of source-reported series
/// for another workload's service, the source of destination-reported series,
/// and never the destination of a destination-reported series.
fn infer_waypoints(observations: &[Observation], ends: &[Ends<'_>]) -> BTreeSet<WorkloadRef> {
    // A service by number: series repeat a few spellings of few services,
    // so each spelling's identity is worked out once.
    type Service = u32;
    // Hashed and borrowed: every series is visited, and only yes/no answers
    // come out.
    use hashbrown::{HashMap, HashSet};
    let mut spellings: HashMap<&meshgraph_model::ServiceRef, Service> = HashMap::new();
    let mut identities: HashMap<ServiceId, Service> = HashMap::new();

    let mut called_for: HashMap<&WorkloadRef, HashSet<(Option<&WorkloadRef>, Service)>> =
        HashMap::new();
    let mut forwards: HashSet<&WorkloadRef> = HashSet::new();
    let mut served: HashSet<&WorkloadRef> = HashSet::new();
    let mut service_backends: HashMap<Service, HashSet<&WorkloadRef>> = HashMap::new();
    // (client, service) pairs some waypoint reported on.
    let mut waypoint_reported: HashSet<(Option<&WorkloadRef>, Service)> = HashSet::new();

    for (obs, (source, destination)) in observations.iter().zip(ends) {
        let service = match spellings.get(&obs.service) {
            Some(&id) => id,
            None => {
                let next = identities.len() as Service;
                let id = *identities.entry(obs.service.identity()).or_insert(next);
                spellings.insert(&obs.service, id);
                id
            }
        };
        let (source, destination) = (*source, *destination);
        match obs.reporter {
            Reporter::Source => {
                if let Some(d) = destination {
                    called_for.entry(d).or_default().insert((source, service));
                }
            }
            Reporter::Destination => {
                if let Some(s) = source {
                    forwards.insert(s);
                }
                if let Some(d) = destination {
                    served.insert(d);
                }
            }
            Reporter::Waypoint => {
                waypoint_reported.insert((source, service));
            }
        }
        if obs.reporter != Reporter::Source
            && let Some(d) = destination
        {
            service_backends.entry(service).or_default().insert(d);
        }
    }

    called_for
        .into_iter()
        .filter(|(w, calls)| {
            if served.contains(w) {
                return false;
            }
            // Addressed to another workload's service, and forwarding to it.
            let in_front_of_others = forwards.contains(w)
                && calls.iter().any(|(_, s)| {
                    service_backends
                        .get(s)
                        .is_some_and(|backends| backends.iter().any(|b| b != w))
                });
            // An egress waypoint: the same client's calls to the same service
            // were reported by a waypoint, which names the real destination.
            let reported_by_waypoint = calls.iter().any(|call| waypoint_reported.contains(call));
            in_front_of_others || reported_by_waypoint
        })
        .map(|(w, _)| w.clone())
        .collect()
}

/// A series' source and destination workloads, with their clusters.
type Ends<'t> = (Option<&'t WorkloadRef>, Option<&'t WorkloadRef>);

/// The distinct workloads of the series, each made once, and each series'
/// two ends (with their clusters, as [`Clusters::source`] and
/// [`Clusters::destination`] place them) as indices into them. A million
/// series name a few thousand workloads: copying their names twice per
/// series was a third of `classify`, and the checks ask again (issue 14).
#[derive(Debug, Clone, Default)]
pub struct SeriesWorkloads {
    workloads: Vec<WorkloadRef>,
    /// Each series' (source, destination) index into `workloads`.
    ends: Vec<(Option<u32>, Option<u32>)>,
}

impl SeriesWorkloads {
    /// How many distinct workloads the series name.
    pub fn len(&self) -> usize {
        self.workloads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty()
    }

    /// The workload numbered `id` (below [`SeriesWorkloads::len`]).
    pub fn get(&self, id: u32) -> &WorkloadRef {
        &self.workloads[id as usize]
    }

    /// The numbers of series `i`'s source and destination workloads (`None`:
    /// an unknown peer); the same number is the same workload.
    pub fn ends_of(&self, series: usize) -> (Option<u32>, Option<u32>) {
        self.ends.get(series).copied().unwrap_or((None, None))
    }

    /// Reads the workloads of every series.
    pub fn of(observations: &[Observation], clusters: &Clusters) -> Self {
        let hasher = hashbrown::DefaultHashBuilder::default();
        let hash = |cluster: &str, namespace: &str, name: &str| {
            use std::hash::BuildHasher;
            hasher.hash_one((cluster, namespace, name))
        };
        let mut index: hashbrown::HashTable<u32> = hashbrown::HashTable::new();
        let mut workloads: Vec<WorkloadRef> = Vec::new();
        let mut id_of = |peer: &meshgraph_model::Peer, cluster: String| -> Option<u32> {
            if peer.is_unknown() {
                return None;
            }
            let (namespace, name) = (peer.namespace.as_str(), peer.workload.as_str());
            let h = hash(&cluster, namespace, name);
            let same = |&i: &u32| {
                let w = &workloads[i as usize];
                w.name == name && w.namespace == namespace && w.cluster == cluster
            };
            if let Some(&i) = index.find(h, same) {
                return Some(i);
            }
            let i = u32::try_from(workloads.len()).expect("fewer than 2^32 workloads");
            workloads.push(WorkloadRef::new(namespace, name).in_cluster(cluster));
            let rehash = |&i: &u32| {
                let w = &workloads[i as usize];
                hash(&w.cluster, &w.namespace, &w.name)
            };
            index.insert_unique(h, i, rehash);
            Some(i)
        };
        let ends = observations
            .iter()
            .map(|obs| {
                (
                    id_of(&obs.source, clusters.of_source(obs)),
                    id_of(&obs.destination, clusters.of_destination(obs)),
                )
            })
            .collect();
        SeriesWorkloads { workloads, ends }
    }

    fn ends(&self) -> Vec<Ends<'_>> {
        let get = |i: Option<u32>| i.map(|i| &self.workloads[i as usize]);
        self.ends.iter().map(|&(s, d)| (get(s), get(d))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_gateway;

    #[test]
    fn gateway_names_from_each_installer() {
        for name in [
            "istio-ingressgateway",
            "istio-egressgateway",
            "istio-ingress",
            "istio-ingress-internal",
            "bookinfo-gateway-istio",
        ] {
            assert!(looks_like_gateway(name), "{name}");
        }
        for name in [
            "productpage-v1",
            "ingress-nginx-controller",
            "gateway-service",
            "waypoint",
        ] {
            assert!(!looks_like_gateway(name), "{name}");
        }
    }
}
