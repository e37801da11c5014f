//! Every Kiali edge mapped to the logical calls and series behind it.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_core::{Disposition, Endpoint, LogicalEdge, Reconciliation, WorkloadRef};
use meshgraph_model::{Emitter, Metric, Observation, Peer, ServiceRef};

use crate::graph::{KialiEdge, KialiGraph, KialiNode, KialiNodeType};

/// Why Kiali draws an arrow: the call itself, or which kind of extra arrow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The arrow is a logical call (or several, merged by the graph type).
    LogicalCall,
    /// A ztunnel TCP arrow beside the L7 arrow of the same call.
    ZtunnelHop,
    /// caller→waypoint or waypoint→callee, drawn beside the call.
    WaypointLeg,
    /// Kiali draws one edge per protocol: a second protocol's series of a call.
    ProtocolSplit,
    /// A service node splits a workload edge into caller→service→workload.
    ServiceNode,
    /// Another reporter's series of the same requests, drawn on its own pair.
    ReporterDuplicate,
    /// Another arrow of the same call between differently drawn nodes.
    SameCall,
    /// Infrastructure traffic (scrapers, probes) meshgraph leaves out.
    Infrastructure,
    /// No series of the telemetry match the arrow.
    KialiOnly,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 9] = [
        ReasonCode::LogicalCall,
        ReasonCode::ZtunnelHop,
        ReasonCode::WaypointLeg,
        ReasonCode::ProtocolSplit,
        ReasonCode::ServiceNode,
        ReasonCode::ReporterDuplicate,
        ReasonCode::SameCall,
        ReasonCode::Infrastructure,
        ReasonCode::KialiOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::LogicalCall => "logical_call",
            ReasonCode::ZtunnelHop => "ztunnel_hop",
            ReasonCode::WaypointLeg => "waypoint_leg",
            ReasonCode::ProtocolSplit => "protocol_split",
            ReasonCode::ServiceNode => "service_node",
            ReasonCode::ReporterDuplicate => "reporter_duplicate",
            ReasonCode::SameCall => "same_call",
            ReasonCode::Infrastructure => "infrastructure",
            ReasonCode::KialiOnly => "kiali_only",
        }
    }

    /// How the summary counts it: (one, many).
    pub fn noun(self) -> (&'static str, &'static str) {
        match self {
            ReasonCode::LogicalCall => ("call arrow", "call arrows"),
            ReasonCode::ZtunnelHop => ("ztunnel hop", "ztunnel hops"),
            ReasonCode::WaypointLeg => ("waypoint leg", "waypoint legs"),
            ReasonCode::ProtocolSplit => ("second-protocol arrow", "second-protocol arrows"),
            ReasonCode::ServiceNode => ("service-node leg", "service-node legs"),
            ReasonCode::ReporterDuplicate => ("reporter duplicate", "reporter duplicates"),
            ReasonCode::SameCall => ("repeated arrow", "repeated arrows"),
            ReasonCode::Infrastructure => ("infrastructure arrow", "infrastructure arrows"),
            ReasonCode::KialiOnly => ("arrow without telemetry", "arrows without telemetry"),
        }
    }
}

/// A stable code and a sentence.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub text: String,
}

/// One Kiali edge, explained.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EdgeMapping {
    pub kiali_id: String,
    /// Kiali edges nested in this one (`waypoint.fromEdge`): drawn with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nested_kiali_ids: Vec<String>,
    /// Kiali node ids.
    pub source: String,
    pub target: String,
    pub source_name: String,
    pub target_name: String,
    pub protocol: String,
    /// The rate Kiali shows (requests/s for HTTP and gRPC, bytes/s for TCP).
    pub kiali_rate: Option<f64>,
    /// The logical calls it shows (`call_id`s, the snapshot JSON's `source -> target`).
    pub calls: Vec<String>,
    #[serde(skip)]
    pub call_indices: Vec<usize>,
    /// Emitters of the series Kiali drew it from.
    pub rates_from: Vec<Emitter>,
    /// Indices of those series in the telemetry.
    pub series: Vec<usize>,
    pub reason: Reason,
    /// Set when Kiali's rate differs from the calls' by more than 5%.
    pub rate_note: Option<String>,
}

/// A logical call Kiali does not draw.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MissingCall {
    pub call: String,
    pub protocol: String,
    pub text: String,
}

/// The counts, which add up: `kiali_edges = call_arrows + extra_arrows`,
/// `extra_arrows` = the sum of `extra_by_reason`, `logical_calls =
/// calls_drawn + calls_missing`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub kiali_edges: usize,
    pub logical_calls: usize,
    pub calls_drawn: usize,
    pub calls_missing: usize,
    pub call_arrows: usize,
    pub extra_arrows: usize,
    pub extra_by_reason: BTreeMap<ReasonCode, usize>,
    pub rate_mismatches: usize,
    pub text: String,
}

/// The whole answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KialiMapping {
    pub edges: Vec<EdgeMapping>,
    pub missing: Vec<MissingCall>,
    pub summary: Summary,
    pub warnings: Vec<String>,
}

/// A node id as the snapshot JSON's workload graph writes it.
fn endpoint_id(e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(w) => format!("workload:{w}"),
        Endpoint::Service {
            cluster,
            namespace,
            name,
        } if cluster.is_empty() => format!("service:{namespace}/{name}"),
        Endpoint::Service {
            cluster,
            namespace,
            name,
        } => format!("service:{cluster}/{namespace}/{name}"),
        Endpoint::External { host } => format!("external:{host}"),
        Endpoint::Unknown => "unknown".into(),
    }
}

/// `workload:bookinfo/productpage-v1 -> workload:bookinfo/details-v1`: a
/// logical call by the ids of its ends in the snapshot JSON.
pub fn call_id(edge: &LogicalEdge) -> String {
    format!(
        "{} -> {}",
        endpoint_id(&edge.source),
        endpoint_id(&edge.destination)
    )
}

fn describe(edge: &LogicalEdge) -> String {
    let via = edge
        .via_waypoint
        .iter()
        .map(|w| format!(" via waypoint {w}"))
        .collect::<String>();
    format!(
        "{} → {} ({}{via})",
        edge.source,
        edge.destination,
        edge.protocol.as_str()
    )
}

fn known(s: &str) -> bool {
    !s.is_empty() && s != "unknown"
}

fn app_of(peer: &Peer) -> &str {
    if known(&peer.app) {
        &peer.app
    } else {
        &peer.canonical_service
    }
}

fn version_of(peer: &Peer) -> &str {
    if known(&peer.version) {
        &peer.version
    } else {
        &peer.canonical_revision
    }
}

struct Matcher {
    multi_cluster: bool,
}

impl Matcher {
    fn peer(&self, node: &KialiNode, peer: &Peer) -> bool {
        if self.multi_cluster
            && known(&node.cluster)
            && known(&peer.cluster)
            && node.cluster != peer.cluster
        {
            return false;
        }
        let ns = node.namespace == peer.namespace;
        match &node.node_type {
            KialiNodeType::Workload => !peer.is_unknown() && ns && node.workload == peer.workload,
            KialiNodeType::App => !peer.is_unknown() && ns && node.app == app_of(peer),
            KialiNodeType::VersionedApp => {
                !peer.is_unknown()
                    && ns
                    && (node.workload == peer.workload
                        || (node.app == app_of(peer) && node.version == version_of(peer)))
            }
            // A service graph draws callers as their services.
            KialiNodeType::Service => {
                ns && known(&peer.canonical_service) && node.service == peer.canonical_service
            }
            KialiNodeType::Unknown => peer.is_unknown(),
            KialiNodeType::Box | KialiNodeType::Other(_) => false,
        }
    }

    fn service(&self, node: &KialiNode, svc: &ServiceRef) -> bool {
        if node.node_type != KialiNodeType::Service {
            return false;
        }
        if !known(&node.service) {
            return svc.is_unknown();
        }
        (node.namespace == svc.effective_namespace() && node.service == svc.effective_name())
            || node.service == svc.fqdn
    }

    /// Whether Kiali draws series `obs` on the arrow `s → t`.
    fn drawn_on(&self, s: &KialiNode, t: &KialiNode, obs: &Observation) -> bool {
        let s_svc = s.node_type == KialiNodeType::Service;
        let t_svc = t.node_type == KialiNodeType::Service;
        match (s_svc, t_svc) {
            (_, true) => self.peer(s, &obs.source) && self.service(t, &obs.service),
            (true, false) => self.service(s, &obs.service) && self.peer(t, &obs.destination),
            (false, false) => self.peer(s, &obs.source) && self.peer(t, &obs.destination),
        }
    }
}

/// The protocol under which Kiali draws a series, `None` for the families
/// Kiali's edges do not count (histograms, sizes, connections).
fn drawn_protocol(obs: &Observation) -> Option<&'static str> {
    match obs.metric {
        Metric::Requests => Some(obs.protocol().as_str()),
        Metric::TcpSentBytes | Metric::TcpReceivedBytes => Some("tcp"),
        _ => None,
    }
}

fn is_waypoint(node: &KialiNode, waypoints: &BTreeSet<WorkloadRef>) -> bool {
    node.is_waypoint
        || (matches!(
            node.node_type,
            KialiNodeType::Workload | KialiNodeType::VersionedApp
        ) && waypoints
            .iter()
            // Waypoints carry their cluster in a multi-cluster mesh; Kiali's
            // node has its own cluster field, matched elsewhere.
            .any(|w| w.namespace == node.namespace && w.name == node.workload))
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn emitters_text(emitters: &[Emitter]) -> String {
    list(emitters.iter().map(|e| e.as_str().to_string()))
}

struct Drawn<'a> {
    edge: &'a KialiEdge,
    s: &'a KialiNode,
    t: &'a KialiNode,
    series: Vec<usize>,
    calls: BTreeSet<usize>,
    s_waypoint: bool,
    t_waypoint: bool,
}

impl Drawn<'_> {
    fn protocol_ok(&self, call: &LogicalEdge) -> bool {
        self.edge.protocol.is_empty() || self.edge.protocol == call.protocol.as_str()
    }
    /// Lower is closer to "this arrow is the call".
    fn rank(&self, call: &LogicalEdge) -> u8 {
        let mut rank = 0;
        if !self.protocol_ok(call) {
            rank += 8;
        }
        if self.s_waypoint || self.t_waypoint {
            rank += 4;
        }
        if self.t.node_type == KialiNodeType::Service
            && matches!(call.destination, Endpoint::Workload(_))
        {
            rank += 2;
        }
        if self.s.node_type == KialiNodeType::Service
            && matches!(call.source, Endpoint::Workload(_))
        {
            rank += 1;
        }
        rank
    }
}

/// Maps every edge of `graph` to the logical calls of `rec` (reconciled from
/// `observations`, the same window's telemetry).
pub fn map_graph(
    graph: &KialiGraph,
    rec: &Reconciliation,
    observations: &[Observation],
) -> KialiMapping {
    let clusters: BTreeSet<&str> = graph
        .nodes
        .iter()
        .map(|n| n.cluster.as_str())
        .filter(|c| known(c))
        .collect();
    let matcher = Matcher {
        multi_cluster: clusters.len() > 1,
    };
    let waypoints: BTreeSet<WorkloadRef> = rec.classification.waypoints.keys().cloned().collect();
    let mut calls_of_series: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); observations.len()];
    for (k, edge) in rec.edges.iter().enumerate() {
        for &i in &edge.series {
            if let Some(set) = calls_of_series.get_mut(i) {
                set.insert(k);
            }
        }
    }
    for (i, d) in rec.dispositions.iter().enumerate() {
        let Some(set) = calls_of_series.get_mut(i) else {
            continue;
        };
        match d {
            Disposition::Rates { edge, .. }
            | Disposition::Transport { edge, .. }
            | Disposition::Duplicate { edge, .. }
            | Disposition::FailedBeforeServer { edge } => {
                set.insert(*edge);
            }
            Disposition::WaypointHop { edges, .. }
            | Disposition::NetworkGatewayHop { edges, .. } => set.extend(edges.iter().copied()),
        }
    }

    let mut drawn: Vec<Drawn> = Vec::new();
    for edge in &graph.edges {
        let (Some(s), Some(t)) = (graph.node(&edge.source), graph.node(&edge.target)) else {
            continue;
        };
        let candidates: Vec<usize> = observations
            .iter()
            .enumerate()
            .filter(|(_, o)| drawn_protocol(o).is_some() && matcher.drawn_on(s, t, o))
            .map(|(i, _)| i)
            .collect();
        let series: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| {
                edge.protocol.is_empty() || drawn_protocol(&observations[i]) == Some(&edge.protocol)
            })
            .collect();
        // Without series of its own protocol, the calls its ends share.
        let basis = if series.is_empty() {
            &candidates
        } else {
            &series
        };
        let calls = basis
            .iter()
            .flat_map(|&i| calls_of_series[i].iter().copied())
            .collect();
        drawn.push(Drawn {
            edge,
            s,
            t,
            series,
            calls,
            s_waypoint: is_waypoint(s, &waypoints),
            t_waypoint: is_waypoint(t, &waypoints),
        });
    }

    // The arrow closest to each call is the call; every other is extra.
    let mut primary: BTreeMap<usize, usize> = BTreeMap::new();
    for k in 0..rec.edges.len() {
        let best = drawn
            .iter()
            .enumerate()
            .filter(|(_, d)| d.calls.contains(&k))
            .min_by_key(|(j, d)| (d.rank(&rec.edges[k]), *j));
        if let Some((j, _)) = best {
            primary.insert(k, j);
        }
    }

    let mut edges = Vec::new();
    for (j, d) in drawn.iter().enumerate() {
        let calls: Vec<&LogicalEdge> = d.calls.iter().map(|&k| &rec.edges[k]).collect();
        let app_calls: Vec<&LogicalEdge> = calls
            .iter()
            .copied()
            .filter(|c| !c.infrastructure)
            .collect();
        let mut emitters: Vec<Emitter> = d
            .series
            .iter()
            .filter_map(|&i| rec.classification.emitters.get(i).copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        emitters.sort_by_key(|e| Emitter::ALL.iter().position(|x| x == e));
        let is_primary = d
            .calls
            .iter()
            .any(|k| primary.get(k) == Some(&j) && !rec.edges[*k].infrastructure);
        let calls_text = list(app_calls.iter().map(|c| describe(c)));
        let from = if emitters.is_empty() {
            "no series of its protocol".to_string()
        } else {
            format!("{}'s series", emitters_text(&emitters))
        };
        let reason = if calls.is_empty() {
            Reason {
                code: ReasonCode::KialiOnly,
                text: format!(
                    "no series of the telemetry go from {} to {}: Kiali's window, namespaces or cluster differ from the telemetry's, or this traffic was not given to meshgraph",
                    d.s.label(),
                    d.t.label()
                ),
            }
        } else if app_calls.is_empty() {
            Reason {
                code: ReasonCode::Infrastructure,
                text: format!(
                    "infrastructure traffic ({}), which meshgraph leaves out of the graph (--show-infra keeps it)",
                    list(calls.iter().map(|c| describe(c)))
                ),
            }
        } else if is_primary {
            let merged = if app_calls.len() > 1 {
                format!(
                    "the {} calls {calls_text}, merged by Kiali's {} graph",
                    app_calls.len(),
                    graph.graph_type.as_deref().unwrap_or("graph")
                )
            } else {
                format!("the call {calls_text}")
            };
            let rates = list(
                app_calls
                    .iter()
                    .filter_map(|c| c.rates_from())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|e| e.as_str().to_string()),
            );
            Reason {
                code: ReasonCode::LogicalCall,
                text: format!("{merged}; meshgraph takes its rates from {rates}"),
            }
        } else if d.s_waypoint || d.t_waypoint {
            let leg = if d.t_waypoint {
                format!("caller → waypoint {}", d.t.label())
            } else {
                format!("waypoint {} → callee", d.s.label())
            };
            Reason {
                code: ReasonCode::WaypointLeg,
                text: format!(
                    "the {leg} leg, drawn from {from}, beside the call itself: Kiali draws caller→waypoint and waypoint→callee separately; this leg carries {calls_text}"
                ),
            }
        } else if app_calls.iter().all(|c| !d.protocol_ok(c)) {
            if emitters.iter().any(|e| e.is_ztunnel()) {
                Reason {
                    code: ReasonCode::ZtunnelHop,
                    text: format!(
                        "a {} arrow beside the L7 arrow of {calls_text}: ztunnel's connection series ({}) for the same traffic, which meshgraph keeps as the call's transport",
                        d.edge.protocol,
                        emitters_text(&emitters)
                    ),
                }
            } else {
                Reason {
                    code: ReasonCode::ProtocolSplit,
                    text: format!(
                        "Kiali draws one edge per protocol: this {} arrow shows {from} of {calls_text}",
                        if d.edge.protocol.is_empty() {
                            "protocol-less"
                        } else {
                            &d.edge.protocol
                        }
                    ),
                }
            }
        } else if d.s.node_type == KialiNodeType::Service || d.t.node_type == KialiNodeType::Service
        {
            let half = if d.t.node_type == KialiNodeType::Service {
                "caller → service"
            } else {
                "service → workload"
            };
            Reason {
                code: ReasonCode::ServiceNode,
                text: format!(
                    "a service node splits the workload edge in two; this is the {half} half of {calls_text}"
                ),
            }
        } else if !d.series.is_empty()
            && d.series
                .iter()
                .all(|&i| matches!(rec.dispositions.get(i), Some(Disposition::Duplicate { .. })))
        {
            let of: BTreeSet<&str> = d
                .series
                .iter()
                .filter_map(|&i| match rec.dispositions.get(i) {
                    Some(Disposition::Duplicate { of, .. }) => Some(of.as_str()),
                    _ => None,
                })
                .collect();
            Reason {
                code: ReasonCode::ReporterDuplicate,
                text: format!(
                    "drawn from {from}, the same requests {} reported; the two reporters name the ends differently, so Kiali draws both (meshgraph keeps one)",
                    list(of.into_iter().map(str::to_string))
                ),
            }
        } else {
            Reason {
                code: ReasonCode::SameCall,
                text: format!(
                    "another arrow of {calls_text}: Kiali draws its ends as other nodes than the call's arrow"
                ),
            }
        };
        // A hop arrow carries one leg's bytes (shared between the calls
        // through it, or only the server side); the calls' transport figures
        // are not that leg's, so no rate is compared for it.
        let rate_note = match reason.code {
            ReasonCode::WaypointLeg | ReasonCode::ZtunnelHop => None,
            _ => rate_note(d, &calls, observations, rec),
        };
        edges.push(EdgeMapping {
            kiali_id: d.edge.id.clone(),
            nested_kiali_ids: d.edge.nested.clone(),
            source: d.s.id.clone(),
            target: d.t.id.clone(),
            source_name: d.s.label(),
            target_name: d.t.label(),
            protocol: d.edge.protocol.clone(),
            kiali_rate: d.edge.rate,
            calls: calls.iter().map(|c| call_id(c)).collect(),
            call_indices: d.calls.iter().copied().collect(),
            rates_from: emitters,
            series: d.series.clone(),
            reason,
            rate_note,
        });
    }

    let namespaces: BTreeSet<&str> = graph
        .nodes
        .iter()
        .map(|n| n.namespace.as_str())
        .filter(|n| known(n))
        .collect();
    let mut missing = Vec::new();
    for (k, call) in rec.edges.iter().enumerate() {
        if call.infrastructure || primary.contains_key(&k) {
            continue;
        }
        let in_view = [&call.source, &call.destination].iter().any(|e| match e {
            Endpoint::Workload(w) => namespaces.contains(w.namespace.as_str()),
            Endpoint::Service { namespace, .. } => namespaces.contains(namespace.as_str()),
            _ => false,
        });
        let text = if !in_view {
            format!(
                "Kiali draws no arrow for {}: neither end is in the namespaces of Kiali's graph ({})",
                describe(call),
                list(namespaces.iter().map(|n| n.to_string()))
            )
        } else if call.l7.is_none() && call.l4.is_none() {
            format!(
                "Kiali draws no arrow for {}: meshgraph knows it from traces only, Kiali draws metrics",
                describe(call)
            )
        } else {
            format!(
                "Kiali draws no arrow for {}, which meshgraph reconciles from {} series: a different window (an idle call), a hidden node, or a graph type that drops the pair",
                describe(call),
                call.series.len()
            )
        };
        missing.push(MissingCall {
            call: call_id(call),
            protocol: call.protocol.as_str().into(),
            text,
        });
    }

    let logical_calls = rec.edges.iter().filter(|e| !e.infrastructure).count();
    let mut extra_by_reason: BTreeMap<ReasonCode, usize> = BTreeMap::new();
    for e in &edges {
        if e.reason.code != ReasonCode::LogicalCall {
            *extra_by_reason.entry(e.reason.code).or_default() += 1;
        }
    }
    let extra_arrows = extra_by_reason.values().sum();
    let call_arrows = edges.len() - extra_arrows;
    let summary = Summary {
        kiali_edges: edges.len(),
        logical_calls,
        calls_drawn: logical_calls - missing.len(),
        calls_missing: missing.len(),
        call_arrows,
        extra_arrows,
        rate_mismatches: edges.iter().filter(|e| e.rate_note.is_some()).count(),
        text: String::new(),
        extra_by_reason,
    };
    let summary = Summary {
        text: summary_text(&summary),
        ..summary
    };
    KialiMapping {
        edges,
        missing,
        summary,
        warnings: graph.warnings.clone(),
    }
}

fn plural(n: usize, (one, many): (&str, &str)) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_text(s: &Summary) -> String {
    let mut out = format!(
        "Kiali: {}; logical calls: {}",
        plural(s.kiali_edges, ("edge", "edges")),
        s.logical_calls
    );
    if s.calls_missing > 0 {
        out += &format!(" ({} not drawn by Kiali)", s.calls_missing);
    }
    if s.call_arrows != s.calls_drawn {
        out += &format!(
            " on {}",
            plural(s.call_arrows, ("call arrow", "call arrows"))
        );
    }
    out += &format!(
        "; {}",
        plural(s.extra_arrows, ("extra arrow", "extra arrows"))
    );
    if s.extra_arrows > 0 {
        let parts: Vec<String> = ReasonCode::ALL
            .iter()
            .filter_map(|code| s.extra_by_reason.get(code).map(|&n| plural(n, code.noun())))
            .collect();
        out += &format!(": {}", parts.join(", "));
    }
    if s.rate_mismatches > 0 {
        out += &format!(
            "; {} with a rate more than 5% off the calls'",
            plural(s.rate_mismatches, ("arrow", "arrows"))
        );
    }
    out
}

/// Kiali's rate against the calls' own, and which series explain the gap.
fn rate_note(
    d: &Drawn,
    calls: &[&LogicalEdge],
    observations: &[Observation],
    rec: &Reconciliation,
) -> Option<String> {
    let kiali = d.edge.rate?;
    if calls.is_empty() || d.series.is_empty() {
        return None;
    }
    let tcp = d.edge.protocol == "tcp";
    let figures: Vec<f64> = calls
        .iter()
        .filter_map(|c| {
            if tcp {
                c.l4.as_ref()
                    .map(|l4| l4.bytes_to_server + l4.bytes_to_client)
            } else {
                c.l7.as_ref().map(|l7| l7.rps)
            }
        })
        .collect();
    if figures.is_empty() {
        return None;
    }
    let expected: f64 = figures.iter().sum();
    if (kiali - expected).abs() <= 0.05 * expected.abs().max(1e-9) {
        return None;
    }
    let mut by_emitter: BTreeMap<Emitter, (f64, bool)> = BTreeMap::new();
    for &i in &d.series {
        let Some(&emitter) = rec.classification.emitters.get(i) else {
            continue;
        };
        let entry = by_emitter.entry(emitter).or_default();
        entry.0 += observations[i].value;
        entry.1 |= matches!(
            rec.dispositions.get(i),
            Some(Disposition::Duplicate { .. } | Disposition::Transport { .. })
        );
    }
    let unit = if tcp { "B/s" } else { "rps" };
    let sum: f64 = by_emitter.values().map(|(v, _)| v).sum();
    let parts = list(
        by_emitter
            .iter()
            .map(|(e, (v, _))| format!("{} {v:.2}", e.as_str())),
    );
    let doubled = list(
        by_emitter
            .iter()
            .filter(|(_, (_, dup))| *dup)
            .map(|(e, _)| e.as_str().to_string()),
    );
    let head = format!(
        "Kiali shows {kiali:.2} {unit}, the call{} {expected:.2} ({:.2}×)",
        if calls.len() == 1 { "" } else { "s" },
        kiali / expected.max(1e-9)
    );
    Some(if kiali > expected && !doubled.is_empty() {
        format!(
            "{head}: Kiali adds up the series drawn on it ({parts}; {sum:.2} in all), and {doubled} count the same traffic again"
        )
    } else if kiali > expected {
        format!("{head}: the series drawn on it ({parts}) sum to {sum:.2}")
    } else {
        format!(
            "{head}: Kiali shows less than the calls carry; part of the traffic is drawn on other arrows, or Kiali's window differs (series drawn on it: {parts})"
        )
    })
}
