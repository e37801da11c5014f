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
    pub source_principals: BTreeSet<String>,
    pub destination_principals: BTreeSet<String>,
    /// Traffic from infrastructure (scrapers, collectors), not the application.
    pub infrastructure: bool,
    /// Sampled spans, when traces were collected and saw this edge.
    pub traces: Option<crate::traces::TraceFigures>,
    /// Where the edge was seen, once traces were collected (`None` without traces).
    pub seen_in: Option<crate::traces::SeenIn>,
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
            source_principals: BTreeSet::new(),
            destination_principals: BTreeSet::new(),
            infrastructure: false,
            traces: None,
            seen_in: None,
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
            if let Some(le) = obs.le {
                figures.latency.add_bucket(le, obs.value);
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
    let classification = classify(observations, options);
    let emitters = &classification.emitters;
    let waypoint_of = |e: &Endpoint| {
        e.workload()
            .filter(|w| classification.waypoints.contains_key(*w))
            .cloned()
    };

    let mut groups: BTreeMap<(Endpoint, Endpoint), Vec<usize>> = BTreeMap::new();
    // Client→waypoint hops by (client, waypoint, service); waypoint→server hops by (waypoint, server).
    let mut client_hops: BTreeMap<(Endpoint, WorkloadRef, ServiceId), Vec<usize>> = BTreeMap::new();
    let mut server_hops: BTreeMap<(WorkloadRef, Endpoint), Vec<usize>> = BTreeMap::new();

    for (i, obs) in observations.iter().enumerate() {
        let source = Endpoint::source_of(obs);
        let destination = Endpoint::destination_of(obs);
        if emitters[i] != Emitter::Waypoint {
            // Rule 1: hop series are evidence, not edges.
            if let Some(waypoint) = waypoint_of(&destination) {
                client_hops
                    .entry((source, waypoint, obs.service.identity()))
                    .or_default()
                    .push(i);
                continue;
            }
            if let Some(waypoint) = waypoint_of(&source) {
                server_hops
                    .entry((waypoint, destination))
                    .or_default()
                    .push(i);
                continue;
            }
        }
        groups.entry((source, destination)).or_default().push(i);
    }

    let mut dispositions: Vec<Option<Disposition>> = vec![None; observations.len()];
    let mut edges: Vec<LogicalEdge> = Vec::with_capacity(groups.len());
    for ((source, destination), series) in groups {
        let index = edges.len();
        edges.push(build_edge(
            source,
            destination,
            series,
            observations,
            emitters,
            index,
            &mut dispositions,
        ));
    }

    let mut notes = Vec::new();
    attach_client_hops(
        client_hops,
        observations,
        emitters,
        &mut edges,
        &mut dispositions,
        &mut notes,
    );
    attach_server_hops(
        server_hops,
        observations,
        emitters,
        &mut edges,
        &mut dispositions,
        &mut notes,
    );

    for edge in &mut edges {
        edge.infrastructure = edge
            .source
            .workload()
            .is_some_and(|w| classification.infrastructure.contains(w));
    }
    let dispositions = dispositions
        .into_iter()
        .map(|d| d.expect("every observation gets a disposition"))
        .collect();
    let mut rec = Reconciliation {
        edges,
        dispositions,
        classification,
        notes,
    };
    // Edges created for unattached hops were appended: restore the stable order.
    rec.sort_edges();
    rec
}

fn renumber(d: &mut Disposition, new_index: &[usize]) {
    match d {
        Disposition::Rates { edge, .. }
        | Disposition::FailedBeforeServer { edge }
        | Disposition::Transport { edge, .. }
        | Disposition::Duplicate { edge, .. } => *edge = new_index[*edge],
        Disposition::WaypointHop { edges, .. } => {
            for e in edges.iter_mut() {
                *e = new_index[*e];
            }
            edges.sort_unstable();
        }
    }
}

fn build_edge(
    source: Endpoint,
    destination: Endpoint,
    series: Vec<usize>,
    observations: &[Observation],
    emitters: &[Emitter],
    index: usize,
    dispositions: &mut [Option<Disposition>],
) -> LogicalEdge {
    let mut edge = LogicalEdge::new(source, destination);
    let best = |layer: Layer| {
        series
            .iter()
            .filter(|&&i| observations[i].metric.layer() == layer)
            .map(|&i| emitters[i])
            .min_by_key(|e| precedence(*e))
    };
    let l7_from = best(Layer::L7);
    let l4_from = best(Layer::L4);

    let mut l7 = L7Figures::default();
    let mut l4 = L4Figures::default();
    let mut protocol = None;
    for &i in &series {
        let obs = &observations[i];
        let emitter = emitters[i];
        if obs.service.fqdn != UNKNOWN && !obs.service.fqdn.is_empty() {
            edge.services.insert(obs.service.fqdn.clone());
        }
        let layer = obs.metric.layer();
        let chosen = if layer == Layer::L7 { l7_from } else { l4_from };
        let same_rank = chosen.is_some_and(|c| precedence(c) == precedence(emitter));
        dispositions[i] = Some(if same_rank {
            if layer == Layer::L7 {
                add_l7(&mut l7, obs);
                if obs.metric == Metric::Requests {
                    let p = obs.protocol();
                    protocol = Some(match (protocol, p) {
                        (Some(Protocol::Grpc), _) | (_, Protocol::Grpc) => Protocol::Grpc,
                        _ => Protocol::Http,
                    });
                }
            } else {
                add_l4(&mut l4, obs);
            }
            for (set, principal) in [
                (&mut edge.source_principals, &obs.source.principal),
                (&mut edge.destination_principals, &obs.destination.principal),
            ] {
                if principal != UNKNOWN && !principal.is_empty() {
                    set.insert(principal.clone());
                }
            }
            if layer == Layer::L4 && l7_from.is_some() {
                Disposition::Transport {
                    edge: index,
                    emitter,
                }
            } else {
                Disposition::Rates {
                    edge: index,
                    emitter,
                }
            }
        } else if layer == Layer::L7
            && matches!(emitter, Emitter::EnvoySource | Emitter::Gateway)
            && obs.metric == Metric::Requests
            && never_reached_server(obs)
        {
            add_l7(&mut l7, obs);
            Disposition::FailedBeforeServer { edge: index }
        } else {
            Disposition::Duplicate {
                edge: index,
                of: chosen.unwrap_or(emitter),
            }
        });
    }
    if l7_from.is_some() {
        edge.protocol = protocol.unwrap_or(Protocol::Http);
        edge.l7 = Some(l7);
        edge.l7_from = l7_from;
    }
    if l4_from.is_some() {
        edge.l4 = Some(l4);
        edge.l4_from = l4_from;
    }
    edge.security = security_of(observations, emitters, &series);
    edge.series = series;
    edge
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

impl Hop<'_> {
    /// Marks the target edges as going through the waypoint and gives them the
    /// hop's transport figures (split by request rate) and mTLS evidence when
    /// they have none of their own.
    fn attach(
        &self,
        observations: &[Observation],
        emitters: &[Emitter],
        edges: &mut [LogicalEdge],
        dispositions: &mut [Option<Disposition>],
    ) {
        let mut l4 = L4Figures::default();
        let mut from = None;
        for &i in self.series {
            if observations[i].metric.layer() == Layer::L4 {
                add_l4(&mut l4, &observations[i]);
                from = Some(emitters[i]);
            }
        }
        let weights = split_weights(edges, self.targets);
        for (&target, weight) in self.targets.iter().zip(weights) {
            let edge = &mut edges[target];
            edge.via_waypoint.insert(self.waypoint.clone());
            edge.series.extend(self.series.iter().copied());
            if edge.l4.is_none() && from.is_some() {
                edge.l4 = Some(l4.scaled(weight));
                edge.l4_from = from;
            }
            if edge.security.share().is_none() {
                edge.security = security_of(observations, emitters, self.series);
            }
        }
        for &i in self.series {
            dispositions[i] = Some(Disposition::WaypointHop {
                waypoint: self.waypoint.clone(),
                edges: self.targets.to_vec(),
            });
        }
    }
}

fn attach_client_hops(
    hops: BTreeMap<(Endpoint, WorkloadRef, ServiceId), Vec<usize>>,
    observations: &[Observation],
    emitters: &[Emitter],
    edges: &mut Vec<LogicalEdge>,
    dispositions: &mut [Option<Disposition>],
    notes: &mut Vec<String>,
) {
    // Each hop group looks only at its client's edges: scanning every edge per
    // group made reconciliation quadratic in the size of the mesh.
    let mut by_source: HashMap<Endpoint, Vec<usize>> = HashMap::new();
    for (i, edge) in edges.iter().enumerate() {
        by_source.entry(edge.source.clone()).or_default().push(i);
    }
    for ((client, waypoint, service), series) in hops {
        let mut targets: Vec<usize> = by_source
            .get(&client)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .filter(|&i| {
                edges[i]
                    .services
                    .iter()
                    .any(|fqdn| ServiceRef::identity_of_fqdn(fqdn) == service)
            })
            .collect();
        if targets.is_empty() {
            // The waypoint reported nothing for this traffic: keep the hop as
            // a transport-only edge to the service rather than lose the call.
            notes.push(format!(
                "{client} reached service {service} through waypoint {waypoint}, which reported no series for it"
            ));
            let mut edge = LogicalEdge::new(
                client.clone(),
                if service.in_cluster() {
                    Endpoint::Service {
                        namespace: service.namespace.clone(),
                        name: service.name.clone(),
                    }
                } else {
                    Endpoint::External {
                        host: service.name.clone(),
                    }
                },
            );
            for &i in &series {
                edge.services.insert(observations[i].service.fqdn.clone());
            }
            edges.push(edge);
            targets.push(edges.len() - 1);
            by_source
                .entry(client.clone())
                .or_default()
                .push(edges.len() - 1);
        }
        let hop = Hop {
            waypoint: &waypoint,
            series: &series,
            targets: &targets,
        };
        hop.attach(observations, emitters, edges, dispositions);
    }
}

fn attach_server_hops(
    hops: BTreeMap<(WorkloadRef, Endpoint), Vec<usize>>,
    observations: &[Observation],
    emitters: &[Emitter],
    edges: &mut [LogicalEdge],
    dispositions: &mut [Option<Disposition>],
    notes: &mut Vec<String>,
) {
    // Each hop group looks only at the edges into its server (see
    // `attach_client_hops`); no edge is added here, so the index stays valid.
    let mut by_destination: HashMap<Endpoint, Vec<usize>> = HashMap::new();
    for (i, edge) in edges.iter().enumerate() {
        by_destination
            .entry(edge.destination.clone())
            .or_default()
            .push(i);
    }
    for ((waypoint, server), series) in hops {
        let into_server = by_destination.get(&server).map_or(&[][..], Vec::as_slice);
        let mut targets: Vec<usize> = into_server
            .iter()
            .copied()
            .filter(|&i| edges[i].via_waypoint.contains(&waypoint))
            .collect();
        if targets.is_empty() {
            targets = into_server
                .iter()
                .copied()
                .filter(|&i| edges[i].rates_from() == Some(Emitter::Waypoint))
                .collect();
        }
        if targets.is_empty() {
            notes.push(format!(
                "waypoint {waypoint} forwarded traffic to {server} that no other series explains"
            ));
        }
        let hop = Hop {
            waypoint: &waypoint,
            series: &series,
            targets: &targets,
        };
        hop.attach(observations, emitters, edges, dispositions);
    }
}
