//! Reconciliation: raw series in, one logical edge per (source, destination) pair out.
//!
//! Rule numbers refer to `docs/reconciliation.md` (anchors `#rule-1` … `#rule-8`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use meshgraph_model::{
    ConnectionSecurityPolicy, Emitter, Layer, Metric, Observation, Protocol, ServiceId, ServiceRef,
    UNKNOWN,
};

use crate::classify::{Classification, ClassifyOptions, classify};
use crate::endpoint::{Endpoint, WorkloadRef};
use crate::figures::{L4Figures, L7Figures, Security, add_present};

/// One call from one node to another as the application sees it, at workload level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogicalEdge {
    pub source: Endpoint,
    pub destination: Endpoint,
    /// The L7 protocol when any L7 evidence exists, else `tcp` (rule 5).
    pub protocol: Protocol,
    /// `destination_service` FQDNs the calls were addressed to.
    pub services: BTreeSet<String>,
    pub l7: Option<L7Figures>,
    /// The single emitter the L7 rates came from (rule 7).
    pub l7_from: Option<Emitter>,
    pub l4: Option<L4Figures>,
    /// The emitter the L4 figures came from; for calls through a waypoint this
    /// is the ztunnel hop that carried them.
    pub l4_from: Option<Emitter>,
    pub security: Security,
    pub via_waypoint: BTreeSet<WorkloadRef>,
    /// East-west gateways that carried the call across networks
    /// (multicluster.md): hops, never edges.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub via_network_gateway: BTreeSet<WorkloadRef>,
    /// The gateways' own L4 figures (TLS bytes of the passthrough), kept apart:
    /// never added to the edge's rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_transport: Option<L4Figures>,
    /// Only the client reported, it never reached a workload, and it picked an
    /// endpoint in another cluster: the call failed across networks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failed_across_networks: bool,
    /// An ambient client's ztunnel saw only the east-west gateway of the
    /// destination's network: the serving workload cannot be known.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peer_hidden_by_network_gateway: bool,
    pub source_principals: BTreeSet<String>,
    pub destination_principals: BTreeSet<String>,
    /// Traffic from infrastructure (scrapers, collectors), not the application.
    pub infrastructure: bool,
    /// Sampled spans, when traces were collected and saw this edge.
    pub traces: Option<crate::traces::TraceFigures>,
    /// Where the edge was seen, once traces were collected (`None` without traces).
    pub seen_in: Option<crate::traces::SeenIn>,
    /// Trace ids from the latency buckets' exemplars, when Prometheus kept
    /// any for this edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemplars: Option<crate::exemplars::ExemplarFigures>,
    /// Indices of every observation that touched this edge, for `explain`.
    pub series: Vec<usize>,
}

impl LogicalEdge {
    pub(crate) fn new(source: Endpoint, destination: Endpoint) -> Self {
        LogicalEdge {
            source,
            destination,
            protocol: Protocol::Tcp,
            services: BTreeSet::new(),
            l7: None,
            l7_from: None,
            l4: None,
            l4_from: None,
            security: Security::default(),
            via_waypoint: BTreeSet::new(),
            via_network_gateway: BTreeSet::new(),
            network_transport: None,
            failed_across_networks: false,
            peer_hidden_by_network_gateway: false,
            source_principals: BTreeSet::new(),
            destination_principals: BTreeSet::new(),
            infrastructure: false,
            traces: None,
            seen_in: None,
            exemplars: None,
            series: Vec::new(),
        }
    }

    /// The emitter the edge's headline rates came from.
    pub fn rates_from(&self) -> Option<Emitter> {
        if self.l7.is_some() {
            self.l7_from
        } else {
            self.l4_from
        }
    }

    fn l7_rps(&self) -> f64 {
        self.l7.as_ref().map_or(0.0, |l7| l7.rps)
    }
}

/// What reconciliation did with one observation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Disposition {
    /// Gave the edge its rates (rule 3, 4, 7).
    Rates { edge: usize, emitter: Emitter },
    /// A source-reported failure no server saw (response code 0, UH, UF, UO,
    /// NR, NC), added to the destination-reported rates (rule 3).
    FailedBeforeServer { edge: usize },
    /// L4 figures kept as the transport of an L7 edge (rule 5).
    Transport { edge: usize, emitter: Emitter },
    /// A client→waypoint or waypoint→server hop: not an edge (rule 1).
    WaypointHop {
        waypoint: WorkloadRef,
        edges: Vec<usize>,
    },
    /// Describes the same traffic as the emitter that gave the rates (rule 7).
    Duplicate { edge: usize, of: Emitter },
    /// An east-west gateway's passthrough series: the transport of calls
    /// that crossed networks, not an edge (multicluster.md).
    NetworkGatewayHop {
        gateway: WorkloadRef,
        edges: Vec<usize>,
    },
}

/// The outcome of [`reconcile`].
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Edges in a stable order (by source, then destination).
    pub edges: Vec<LogicalEdge>,
    /// One entry per input observation.
    pub dispositions: Vec<Disposition>,
    pub classification: Classification,
    pub notes: Vec<String>,
}

impl Reconciliation {
    /// Puts the edges in their stable order (by source, then destination) and
    /// renumbers every reference to them.
    pub(crate) fn sort_edges(&mut self) {
        let mut order: Vec<usize> = (0..self.edges.len()).collect();
        order.sort_by(|&a, &b| {
            let (ea, eb) = (&self.edges[a], &self.edges[b]);
            (&ea.source, &ea.destination).cmp(&(&eb.source, &eb.destination))
        });
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut slots: Vec<Option<LogicalEdge>> = std::mem::take(&mut self.edges)
            .into_iter()
            .map(Some)
            .collect();
        self.edges = order.iter().filter_map(|&old| slots[old].take()).collect();
        for d in &mut self.dispositions {
            renumber(d, &new_index);
        }
    }
}

/// Precedence of emitters for the rates of one layer: lower is better.
/// L7: waypoint > envoy-destination > envoy-source/gateway (rule 2, 3).
/// L4: the same, then ztunnel-source > ztunnel-destination (rule 4).
fn precedence(emitter: Emitter) -> u8 {
    match emitter {
        Emitter::Waypoint => 0,
        Emitter::EnvoyDestination => 1,
        Emitter::EnvoySource | Emitter::Gateway => 2,
        Emitter::ZtunnelSource => 3,
        Emitter::ZtunnelDestination => 4,
    }
}

/// Response flags of requests that never reached a server.
fn never_reached_server(obs: &Observation) -> bool {
    obs.response_code.as_deref() == Some("0")
        || obs
            .response_flags
            .split(',')
            .any(|f| matches!(f, "UH" | "UF" | "UO" | "NR" | "NC"))
}

fn add_l7(figures: &mut L7Figures, obs: &Observation) {
    match obs.metric {
        Metric::Requests => {
            figures.rps += obs.value;
            *figures.by_class.entry(obs.status_class()).or_default() += obs.value;
            if obs.is_error() {
                figures.error_rps += obs.value;
            }
        }
        Metric::RequestDurationBucket => {
            for (le, rate) in obs.bucket_rates() {
                figures.latency.add_bucket(le, rate);
            }
        }
        Metric::RequestBytesSum => {
            figures.request_bytes_per_second =
                add_present(figures.request_bytes_per_second, Some(obs.value))
        }
        Metric::ResponseBytesSum => {
            figures.response_bytes_per_second =
                add_present(figures.response_bytes_per_second, Some(obs.value))
        }
        Metric::RequestMessages => {
            figures.grpc_request_messages_per_second =
                add_present(figures.grpc_request_messages_per_second, Some(obs.value))
        }
        Metric::ResponseMessages => {
            figures.grpc_response_messages_per_second =
                add_present(figures.grpc_response_messages_per_second, Some(obs.value))
        }
        _ => {}
    }
}

fn add_l4(figures: &mut L4Figures, obs: &Observation) {
    match obs.metric {
        Metric::TcpReceivedBytes => figures.bytes_to_server += obs.value,
        Metric::TcpSentBytes => figures.bytes_to_client += obs.value,
        Metric::TcpConnectionsOpened => figures.connections_opened += obs.value,
        Metric::TcpConnectionsClosed => figures.connections_closed += obs.value,
        _ => {}
    }
}

/// mTLS evidence from the series of one edge (rule 6): server-side emitters
/// are authoritative, ztunnel-source counts only when it saw HBONE, client-side
/// Envoy's `unknown` is no evidence. One emitter and one metric family give
/// the weights, so nothing is counted twice.
fn security_of(observations: &[Observation], emitters: &[Emitter], series: &[usize]) -> Security {
    let evidence = |i: usize| {
        let e = emitters[i];
        e.sees_server_side_security()
            || (e == Emitter::ZtunnelSource
                && observations[i].security_policy() == ConnectionSecurityPolicy::MutualTls)
    };
    for family in [
        Metric::Requests,
        Metric::TcpConnectionsOpened,
        Metric::TcpReceivedBytes,
    ] {
        let candidates: Vec<usize> = series
            .iter()
            .copied()
            .filter(|&i| observations[i].metric == family && evidence(i))
            .collect();
        let Some(best) = candidates.iter().map(|&i| security_rank(emitters[i])).min() else {
            continue;
        };
        let mut security = Security::default();
        for &i in candidates
            .iter()
            .filter(|&&i| security_rank(emitters[i]) == best)
        {
            let obs = &observations[i];
            match obs.security_policy() {
                ConnectionSecurityPolicy::MutualTls => {
                    security.mutual_tls += obs.value;
                    security.observed += obs.value;
                }
                ConnectionSecurityPolicy::None => security.observed += obs.value,
                // Client-side Envoy's `unknown` says nothing, and ztunnel's
                // `unknown` (plain passthrough) is reported as unknown too
                // (reconciliation.md, case 11).
                ConnectionSecurityPolicy::Unknown => {}
            }
        }
        if security.observed > 0.0 {
            return security;
        }
    }
    Security::default()
}

fn security_rank(emitter: Emitter) -> u8 {
    match emitter {
        Emitter::Waypoint => 0,
        Emitter::EnvoyDestination => 1,
        Emitter::ZtunnelDestination => 2,
        _ => 3,
    }
}

/// Reconciles raw series into logical edges. Never fails: series it cannot
/// place are reported in [`Reconciliation::notes`].
pub fn reconcile(observations: &[Observation], options: &ClassifyOptions) -> Reconciliation {
    let mut reconciler = Reconciler::new(observations, classify(observations, options));
    let groups = reconciler.group_series();
    for ((source, destination), series) in groups.pairs {
        reconciler.add_edge(source, destination, series);
    }
    reconciler.attach_client_hops(groups.client_hops);
    reconciler.attach_server_hops(groups.server_hops);
    reconciler.attach_network_hops(groups.network_hops);
    reconciler.mark_across_networks(&groups.hidden_peers);
    reconciler.join_hidden_peers();
    reconciler.mark_infrastructure();
    reconciler.finish()
}

/// A hash map for grouping many series (foldhash, seeded per process).
type FastMap<K, V> = hashbrown::HashMap<K, V>;

/// Client→waypoint hop series, by (client, waypoint, service addressed).
type ClientHops = BTreeMap<(Endpoint, WorkloadRef, ServiceId), Vec<usize>>;
/// Waypoint→server hop series, by (waypoint, server).
type ServerHops = BTreeMap<(WorkloadRef, Endpoint), Vec<usize>>;
/// East-west gateway→server series, by (gateway, server, service addressed).
type NetworkHops = BTreeMap<(WorkloadRef, Endpoint, ServiceId), Vec<usize>>;

/// The input series sorted into the pairs that become edges and the hops
/// that are evidence about them (reconciliation.md#rule-1).
struct SeriesGroups {
    /// Series of each (source, destination) pair, in a stable order.
    pairs: BTreeMap<(Endpoint, Endpoint), Vec<usize>>,
    client_hops: ClientHops,
    server_hops: ServerHops,
    network_hops: NetworkHops,
    /// Pairs whose destination was an east-west gateway (ambient client
    /// ztunnel before peer metadata crossed networks), by gateway.
    hidden_peers: BTreeMap<(Endpoint, Endpoint), WorkloadRef>,
}

/// What the steps of [`reconcile`] share: the input, what the classifier made
/// of it, and the edges, dispositions and notes being written.
struct Reconciler<'a> {
    observations: &'a [Observation],
    /// The emitter of every series, the waypoints and the infrastructure.
    classification: Classification,
    edges: Vec<LogicalEdge>,
    /// One slot per observation; every slot is filled by [`Reconciler::finish`].
    dispositions: Vec<Option<Disposition>>,
    notes: Vec<String>,
    /// The classification's waypoints, hashed: asked about both ends of
    /// every series.
    waypoints: hashbrown::HashSet<WorkloadRef>,
}

impl<'a> Reconciler<'a> {
    fn new(observations: &'a [Observation], classification: Classification) -> Self {
        Reconciler {
            observations,
            waypoints: classification.waypoints.keys().cloned().collect(),
            classification,
            edges: Vec::new(),
            dispositions: vec![None; observations.len()],
            notes: Vec::new(),
        }
    }

    /// Whether an edge's calls were addressed to the service (any spelling).
    fn addressed_to(&self, edge: usize, service: &ServiceId) -> bool {
        self.edges[edge]
            .services
            .iter()
            .any(|fqdn| ServiceRef::identity_of_fqdn(fqdn) == *service)
    }

    /// The edges into each destination, by index.
    fn edges_by_destination(&self) -> HashMap<Endpoint, Vec<usize>> {
        let mut by_destination: HashMap<Endpoint, Vec<usize>> = HashMap::new();
        for (i, edge) in self.edges.iter().enumerate() {
            by_destination
                .entry(edge.destination.clone())
                .or_default()
                .push(i);
        }
        by_destination
    }

    /// The waypoint an endpoint is, if it is one of W.
    fn waypoint_of(&self, endpoint: &Endpoint) -> Option<WorkloadRef> {
        endpoint
            .workload()
            .filter(|w| self.waypoints.contains(*w))
            .cloned()
    }

    /// Sorts every series into its (source, destination) pair, except hop
    /// series: a non-waypoint series into or out of a waypoint is evidence
    /// about the call, not an edge (reconciliation.md#rule-1).
    fn group_series(&self) -> SeriesGroups {
        // Grouped in hash maps (one hash per series instead of a dozen string
        // comparisons), then sorted once: the groups come out in the order
        // BTreeMaps give, each with its series in input order.
        // Keyed as SeriesGroups' fields are.
        let mut pairs: FastMap<_, Vec<usize>> = FastMap::new();
        let mut client_hops: FastMap<_, Vec<usize>> = FastMap::new();
        let mut server_hops: FastMap<_, Vec<usize>> = FastMap::new();
        let mut network_hops: FastMap<_, Vec<usize>> = FastMap::new();
        let mut hidden_peers = FastMap::new();
        let clusters = &self.classification.clusters;
        let network_gateway = |e: &Endpoint| {
            e.workload()
                .filter(|w| self.classification.network_gateways.contains(*w))
                .cloned()
        };
        // Workload ends come numbered from the classification (made once per
        // workload, not per series).
        let numbered = &self.classification.series_workloads;
        let workload = |w: u32| Endpoint::Workload(numbered.get(w).clone());
        for (i, obs) in self.observations.iter().enumerate() {
            let (source, destination) = numbered.ends_of(i);
            let source = source.map_or(Endpoint::Unknown, workload);
            let mut destination = match destination {
                Some(w) => workload(w),
                None => clusters.destination_endpoint(obs),
            };
            // East-west gateway series are hops of cross-network calls.
            if let Some(gateway) = network_gateway(&source) {
                network_hops
                    .entry((gateway, destination, obs.service.identity()))
                    .or_default()
                    .push(i);
                continue;
            }
            // A client that saw only the gateway of the remote network: the
            // call goes to the service in the gateway's cluster.
            if let Some(gateway) = network_gateway(&destination) {
                let service = obs.service.identity();
                destination = if service.in_cluster() {
                    Endpoint::Service {
                        cluster: gateway.cluster.clone(),
                        namespace: service.namespace,
                        name: service.name,
                    }
                } else {
                    Endpoint::External { host: service.name }
                };
                hidden_peers.insert((source.clone(), destination.clone()), gateway);
            }
            if self.classification.emitters[i] != Emitter::Waypoint {
                // Rule 1: hop series are evidence, not edges.
                if let Some(waypoint) = self.waypoint_of(&destination) {
                    client_hops
                        .entry((source, waypoint, obs.service.identity()))
                        .or_default()
                        .push(i);
                    continue;
                }
                if let Some(waypoint) = self.waypoint_of(&source) {
                    server_hops
                        .entry((waypoint, destination))
                        .or_default()
                        .push(i);
                    continue;
                }
            }
            pairs.entry((source, destination)).or_default().push(i);
        }
        SeriesGroups {
            pairs: pairs.into_iter().collect(),
            client_hops: client_hops.into_iter().collect(),
            server_hops: server_hops.into_iter().collect(),
            network_hops: network_hops.into_iter().collect(),
            hidden_peers: hidden_peers.into_iter().collect(),
        }
    }

    /// Builds the edge of one pair from its series and gives each series its
    /// disposition (reconciliation.md#rule-3, #rule-4, #rule-5, #rule-7).
    fn add_edge(&mut self, source: Endpoint, destination: Endpoint, series: Vec<usize>) {
        let index = self.edges.len();
        let mut builder = EdgeBuilder::new(
            LogicalEdge::new(source, destination),
            index,
            self.best_emitter(&series, Layer::L7),
            self.best_emitter(&series, Layer::L4),
        );
        for &i in &series {
            let obs = &self.observations[i];
            if obs.service.fqdn != UNKNOWN && !obs.service.fqdn.is_empty() {
                builder
                    .edge
                    .services
                    .insert(self.classification.service_fqdn(&obs.service));
            }
            let disposition = builder.add_series(obs, self.classification.emitters[i]);
            self.dispositions[i] = Some(disposition);
        }
        let security = security_of(self.observations, &self.classification.emitters, &series);
        self.edges.push(builder.finish(security, series));
    }

    /// The emitter whose series give one layer's rates: the best by
    /// [`precedence`] among the pair's series of that layer.
    fn best_emitter(&self, series: &[usize], layer: Layer) -> Option<Emitter> {
        series
            .iter()
            .filter(|&&i| self.observations[i].metric.layer() == layer)
            .map(|&i| self.classification.emitters[i])
            .min_by_key(|e| precedence(*e))
    }

    /// Attaches client→waypoint hops to the edges from that client to the
    /// service they addressed (reconciliation.md#rule-1); a hop no edge
    /// explains becomes a transport-only edge to the service, with a note.
    fn attach_client_hops(&mut self, hops: ClientHops) {
        // Each hop group looks only at its client's edges: scanning every edge per
        // group made reconciliation quadratic in the size of the mesh.
        let mut by_source: HashMap<Endpoint, Vec<usize>> = HashMap::new();
        for (i, edge) in self.edges.iter().enumerate() {
            by_source.entry(edge.source.clone()).or_default().push(i);
        }
        for ((client, waypoint, service), series) in hops {
            let mut targets: Vec<usize> = by_source
                .get(&client)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .copied()
                .filter(|&i| self.addressed_to(i, &service))
                .collect();
            if targets.is_empty() {
                let edge = self.add_unreported_hop_edge(&client, &waypoint, &service, &series);
                targets.push(edge);
                by_source.entry(client.clone()).or_default().push(edge);
            }
            self.attach_hop(Hop {
                waypoint: &waypoint,
                series: &series,
                targets: &targets,
            });
        }
    }

    /// The waypoint reported nothing for this traffic: keeps the hop as a
    /// transport-only edge to the service rather than lose the call. Returns
    /// the new edge's index.
    fn add_unreported_hop_edge(
        &mut self,
        client: &Endpoint,
        waypoint: &WorkloadRef,
        service: &ServiceId,
        series: &[usize],
    ) -> usize {
        self.notes.push(format!(
            "{client} reached service {service} through waypoint {waypoint}, which reported no series for it"
        ));
        let destination = if service.in_cluster() {
            Endpoint::Service {
                cluster: client.cluster().to_string(),
                namespace: service.namespace.clone(),
                name: service.name.clone(),
            }
        } else {
            Endpoint::External {
                host: service.name.clone(),
            }
        };
        let mut edge = LogicalEdge::new(client.clone(), destination);
        for &i in series {
            edge.services.insert(
                self.classification
                    .service_fqdn(&self.observations[i].service),
            );
        }
        self.edges.push(edge);
        self.edges.len() - 1
    }

    /// Attaches waypoint→server hops to the edges into that server through the
    /// waypoint, else to the server's edges whose rates came from a waypoint
    /// (reconciliation.md#rule-1); a hop nothing explains is noted.
    fn attach_server_hops(&mut self, hops: ServerHops) {
        // Each hop group looks only at the edges into its server (see
        // `attach_client_hops`); no edge is added here, so the index stays valid.
        let by_destination = self.edges_by_destination();
        for ((waypoint, server), series) in hops {
            let into_server = by_destination.get(&server).map_or(&[][..], Vec::as_slice);
            let targets = self.server_hop_targets(into_server, &waypoint);
            if targets.is_empty() {
                self.notes.push(format!(
                    "waypoint {waypoint} forwarded traffic to {server} that no other series explains"
                ));
            }
            self.attach_hop(Hop {
                waypoint: &waypoint,
                series: &series,
                targets: &targets,
            });
        }
    }

    /// The edges into a server that a waypoint→server hop carried.
    fn server_hop_targets(&self, into_server: &[usize], waypoint: &WorkloadRef) -> Vec<usize> {
        let through: Vec<usize> = into_server
            .iter()
            .copied()
            .filter(|&i| self.edges[i].via_waypoint.contains(waypoint))
            .collect();
        if !through.is_empty() {
            return through;
        }
        into_server
            .iter()
            .copied()
            .filter(|&i| self.edges[i].rates_from() == Some(Emitter::Waypoint))
            .collect()
    }

    /// Marks the target edges as going through the waypoint and gives them the
    /// hop's transport figures (split by request rate) and mTLS evidence when
    /// they have none of their own (reconciliation.md#rule-1, #rule-6).
    fn attach_hop(&mut self, hop: Hop<'_>) {
        let mut l4 = L4Figures::default();
        let mut from = None;
        for &i in hop.series {
            if self.observations[i].metric.layer() == Layer::L4 {
                add_l4(&mut l4, &self.observations[i]);
                from = Some(self.classification.emitters[i]);
            }
        }
        let weights = split_weights(&self.edges, hop.targets);
        for (&target, weight) in hop.targets.iter().zip(weights) {
            let edge = &mut self.edges[target];
            edge.via_waypoint.insert(hop.waypoint.clone());
            edge.series.extend(hop.series.iter().copied());
            if edge.l4.is_none() && from.is_some() {
                edge.l4 = Some(l4.scaled(weight));
                edge.l4_from = from;
            }
            if edge.security.share().is_none() {
                edge.security =
                    security_of(self.observations, &self.classification.emitters, hop.series);
            }
        }
        for &i in hop.series {
            self.dispositions[i] = Some(Disposition::WaypointHop {
                waypoint: hop.waypoint.clone(),
                edges: hop.targets.to_vec(),
            });
        }
    }

    /// Attaches east-west gateway series to the calls they carried across
    /// networks: edges into the same server, for the same service, from a
    /// client in another cluster (multicluster.md, "East-west gateways").
    /// Their bytes stay apart as `network_transport`; a hop nothing explains
    /// is noted and kept in the dispositions.
    fn attach_network_hops(&mut self, hops: NetworkHops) {
        let by_destination = self.edges_by_destination();
        for ((gateway, server, service), series) in hops {
            let into_server = by_destination.get(&server).map_or(&[][..], Vec::as_slice);
            let crossing: Vec<usize> = into_server
                .iter()
                .copied()
                .filter(|&i| {
                    // A caller known to be in another cluster (an unidentified
                    // caller is not evidence of a crossing).
                    let from = self.edges[i].source.cluster();
                    !from.is_empty() && from != UNKNOWN && from != gateway.cluster
                })
                .collect();
            let for_service: Vec<usize> = crossing
                .iter()
                .copied()
                .filter(|&i| self.addressed_to(i, &service))
                .collect();
            let targets = if for_service.is_empty() {
                crossing
            } else {
                for_service
            };
            if targets.is_empty() {
                self.notes.push(format!(
                    "east-west gateway {gateway} forwarded traffic to {server} that no call from another cluster explains"
                ));
            }
            let mut l4 = L4Figures::default();
            for &i in &series {
                add_l4(&mut l4, &self.observations[i]);
            }
            let weights = split_weights(&self.edges, &targets);
            for (&target, weight) in targets.iter().zip(weights) {
                let edge = &mut self.edges[target];
                edge.via_network_gateway.insert(gateway.clone());
                edge.series.extend(series.iter().copied());
                let scaled = l4.scaled(weight);
                match &mut edge.network_transport {
                    Some(existing) => existing.add(&scaled),
                    None => edge.network_transport = Some(scaled),
                }
            }
            for &i in &series {
                self.dispositions[i] = Some(Disposition::NetworkGatewayHop {
                    gateway: gateway.clone(),
                    edges: targets.clone(),
                });
            }
        }
    }

    /// Marks calls that failed across networks (only the client reported,
    /// no workload answered, the endpoint it picked was in another cluster)
    /// and calls whose peer an east-west gateway hid (ambient before peer
    /// metadata crossed networks).
    fn mark_across_networks(&mut self, hidden: &BTreeMap<(Endpoint, Endpoint), WorkloadRef>) {
        for edge in &mut self.edges {
            if let Some(gateway) = hidden.get(&(edge.source.clone(), edge.destination.clone())) {
                edge.peer_hidden_by_network_gateway = true;
                edge.via_network_gateway.insert(gateway.clone());
            }
            let client_only = matches!(
                edge.l7_from.or(edge.l4_from),
                Some(Emitter::EnvoySource | Emitter::Gateway)
            );
            if let Endpoint::Service { cluster, .. } = &edge.destination
                && client_only
                && !cluster.is_empty()
                && cluster != UNKNOWN
                && !edge.source.cluster().is_empty()
                && edge.source.cluster() != cluster
            {
                edge.failed_across_networks = true;
            }
        }
    }

    /// Joins the two halves of an ambient call across networks before peer
    /// metadata crossed them (multicluster facts §5): the client's ztunnel
    /// saw only the east-west gateway (an edge to the service in the
    /// gateway's cluster), the server's ztunnel saw an unknown source with
    /// the caller's real principal. When exactly one such server edge for
    /// that service, cluster and principal exists, it is the same call: the
    /// client's edge takes the server as destination (its rates stay the
    /// client ztunnel's, rule 4) and the server's edge becomes its duplicate.
    fn join_hidden_peers(&mut self) {
        let mut removed: BTreeSet<usize> = BTreeSet::new();
        for c in 0..self.edges.len() {
            let client = &self.edges[c];
            let Endpoint::Service {
                cluster,
                namespace,
                name,
            } = &client.destination
            else {
                continue;
            };
            if !client.peer_hidden_by_network_gateway || client.source_principals.is_empty() {
                continue;
            }
            let service = ServiceId::new(namespace.clone(), name.clone());
            let halves: Vec<usize> = (0..self.edges.len())
                .filter(|&s| !removed.contains(&s))
                .filter(|&s| {
                    let e = &self.edges[s];
                    e.source == Endpoint::Unknown
                        && e.destination.cluster() == cluster
                        && e.l4_from == Some(Emitter::ZtunnelDestination)
                        && e.services
                            .iter()
                            .any(|f| ServiceRef::identity_of_fqdn(f) == service)
                        && !e.source_principals.is_disjoint(&client.source_principals)
                })
                .collect();
            let servers: BTreeSet<&Endpoint> =
                halves.iter().map(|&s| &self.edges[s].destination).collect();
            if servers.len() != 1 {
                continue;
            }
            let server = self.edges[halves[0]].destination.clone();
            let moved: Vec<usize> = halves
                .iter()
                .flat_map(|&s| self.edges[s].series.clone())
                .collect();
            if self.edges[c].security.share().is_none() {
                self.edges[c].security =
                    security_of(self.observations, &self.classification.emitters, &moved);
            }
            for &i in &moved {
                self.dispositions[i] = Some(Disposition::Duplicate {
                    edge: c,
                    of: Emitter::ZtunnelSource,
                });
            }
            let edge = &mut self.edges[c];
            edge.destination = server;
            edge.series.extend(moved);
            removed.extend(halves);
        }
        if removed.is_empty() {
            return;
        }
        let mut new_index = vec![0; self.edges.len()];
        let mut next = 0;
        for (old, slot) in new_index.iter_mut().enumerate() {
            if !removed.contains(&old) {
                *slot = next;
                next += 1;
            }
        }
        let edges = std::mem::take(&mut self.edges);
        self.edges = edges
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(i))
            .map(|(_, e)| e)
            .collect();
        for d in self.dispositions.iter_mut().flatten() {
            renumber(d, &new_index);
        }
    }

    /// Marks edges from infrastructure workloads (scrapers, collectors).
    fn mark_infrastructure(&mut self) {
        for edge in &mut self.edges {
            edge.infrastructure = edge
                .source
                .workload()
                .is_some_and(|w| self.classification.infrastructure.contains(w));
        }
    }

    fn finish(self) -> Reconciliation {
        let dispositions = self
            .dispositions
            .into_iter()
            .map(|d| d.expect("every observation gets a disposition"))
            .collect();
        let mut rec = Reconciliation {
            edges: self.edges,
            dispositions,
            classification: self.classification,
            notes: self.notes,
        };
        // Edges created for unattached hops were appended: restore the stable order.
        rec.sort_edges();
        rec
    }
}

fn renumber(d: &mut Disposition, new_index: &[usize]) {
    match d {
        Disposition::Rates { edge, .. }
        | Disposition::FailedBeforeServer { edge }
        | Disposition::Transport { edge, .. }
        | Disposition::Duplicate { edge, .. } => *edge = new_index[*edge],
        Disposition::WaypointHop { edges, .. } | Disposition::NetworkGatewayHop { edges, .. } => {
            for e in edges.iter_mut() {
                *e = new_index[*e];
            }
            edges.sort_unstable();
        }
    }
}

/// One edge being built from the series of its pair.
struct EdgeBuilder {
    edge: LogicalEdge,
    /// The edge's index, for the dispositions.
    index: usize,
    /// The emitters that give the L7 and L4 rates (rules 3, 4).
    l7_from: Option<Emitter>,
    l4_from: Option<Emitter>,
    l7: L7Figures,
    l4: L4Figures,
    protocol: Option<Protocol>,
}

impl EdgeBuilder {
    fn new(
        edge: LogicalEdge,
        index: usize,
        l7_from: Option<Emitter>,
        l4_from: Option<Emitter>,
    ) -> Self {
        EdgeBuilder {
            edge,
            index,
            l7_from,
            l4_from,
            l7: L7Figures::default(),
            l4: L4Figures::default(),
            protocol: None,
        }
    }

    /// Adds one series of the pair and says what was done with it: the
    /// chosen emitter's series give the rates (reconciliation.md#rule-7),
    /// client-side failures no server saw are kept (#rule-3), L4 series of an
    /// L7 edge are its transport (#rule-5), the rest are duplicates.
    fn add_series(&mut self, obs: &Observation, emitter: Emitter) -> Disposition {
        let layer = obs.metric.layer();
        let chosen = if layer == Layer::L7 {
            self.l7_from
        } else {
            self.l4_from
        };
        let same_rank = chosen.is_some_and(|c| precedence(c) == precedence(emitter));
        if same_rank {
            self.add_rates(obs, layer);
            if layer == Layer::L4 && self.l7_from.is_some() {
                Disposition::Transport {
                    edge: self.index,
                    emitter,
                }
            } else {
                Disposition::Rates {
                    edge: self.index,
                    emitter,
                }
            }
        } else if layer == Layer::L7
            && matches!(emitter, Emitter::EnvoySource | Emitter::Gateway)
            && obs.metric == Metric::Requests
            && never_reached_server(obs)
        {
            add_l7(&mut self.l7, obs);
            Disposition::FailedBeforeServer { edge: self.index }
        } else {
            Disposition::Duplicate {
                edge: self.index,
                of: chosen.unwrap_or(emitter),
            }
        }
    }

    /// A series of the chosen emitter: its figures, protocol and principals.
    fn add_rates(&mut self, obs: &Observation, layer: Layer) {
        if layer == Layer::L7 {
            add_l7(&mut self.l7, obs);
            if obs.metric == Metric::Requests {
                self.protocol = Some(match (self.protocol, obs.protocol()) {
                    (Some(Protocol::Grpc), _) | (_, Protocol::Grpc) => Protocol::Grpc,
                    _ => Protocol::Http,
                });
            }
        } else {
            add_l4(&mut self.l4, obs);
        }
        for (set, principal) in [
            (&mut self.edge.source_principals, &obs.source.principal),
            (
                &mut self.edge.destination_principals,
                &obs.destination.principal,
            ),
        ] {
            if principal != UNKNOWN && !principal.is_empty() {
                set.insert(principal.clone());
            }
        }
    }

    /// The edge: protocol from L7 requests when any L7 evidence exists, else
    /// `tcp` (reconciliation.md#rule-5).
    fn finish(mut self, security: Security, series: Vec<usize>) -> LogicalEdge {
        if self.l7_from.is_some() {
            self.edge.protocol = self.protocol.unwrap_or(Protocol::Http);
            self.edge.l7 = Some(self.l7);
            self.edge.l7_from = self.l7_from;
        }
        if self.l4_from.is_some() {
            self.edge.l4 = Some(self.l4);
            self.edge.l4_from = self.l4_from;
        }
        self.edge.security = security;
        self.edge.series = series;
        self.edge
    }
}

/// Weights for splitting one hop's transport figures across the logical edges
/// it carried: by L7 request rate, equally when there is none.
fn split_weights(edges: &[LogicalEdge], targets: &[usize]) -> Vec<f64> {
    let total: f64 = targets.iter().map(|&e| edges[e].l7_rps()).sum();
    targets
        .iter()
        .map(|&e| {
            if total > 0.0 {
                edges[e].l7_rps() / total
            } else {
                1.0 / targets.len() as f64
            }
        })
        .collect()
}

/// Hop series of one (client or server, waypoint) pair and the logical edges they carried.
struct Hop<'a> {
    waypoint: &'a WorkloadRef,
    series: &'a [usize],
    targets: &'a [usize],
}
