//! Logical workload edges aggregated to a graph type, in a petgraph graph.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use meshgraph_model::{Emitter, GraphType, NodeKind, Protocol, Severity};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::endpoint::{Endpoint, EndpointRole, WorkloadRef};
use crate::figures::{L4Figures, L7Figures, Security};
use crate::reconcile::{LogicalEdge, Reconciliation};

/// How to draw the graph.
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphOptions {
    pub graph_type: GraphType,
    /// Draw a call through a waypoint as client → waypoint → server (rule 8).
    pub show_waypoints: bool,
    /// Keep infrastructure traffic (scrapers, collectors, probes).
    pub show_infra: bool,
}

/// A stable, readable node id such as `workload:bookinfo/reviews-v2`.
pub type NodeId = String;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
    /// The cluster, only when the telemetry names several.
    pub cluster: Option<String>,
    /// `None` for unknown and external nodes.
    pub namespace: Option<String>,
    pub name: String,
    pub app: Option<String>,
    pub version: Option<String>,
    /// Findings about the node, set by whoever ran the checks.
    pub badges: Vec<Badge>,
}

/// A finding code shown on a node or an edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Badge {
    pub code: String,
    pub severity: Severity,
}

/// An edge of the drawn graph: one or more logical edges summed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GraphEdge {
    pub protocol: Protocol,
    pub l7: Option<L7Figures>,
    pub l4: Option<L4Figures>,
    pub security: Security,
    pub rates_from: BTreeSet<Emitter>,
    /// Waypoints as `namespace/name`.
    pub via_waypoint: BTreeSet<String>,
    /// East-west gateways the calls crossed networks through, as
    /// `cluster/namespace/name`.
    pub via_network_gateway: BTreeSet<String>,
    /// The east-west gateways' own L4 figures (never added to the rates).
    pub network_transport: Option<L4Figures>,
    /// Some of the calls failed across networks (client-only reports).
    pub failed_across_networks: bool,
    /// Some of the calls' serving workload was hidden by a network gateway.
    pub peer_hidden_by_network_gateway: bool,
    pub services: BTreeSet<String>,
    pub source_principals: BTreeSet<String>,
    pub destination_principals: BTreeSet<String>,
    /// Sampled spans, when traces were collected and saw the edge.
    pub traces: Option<crate::traces::TraceFigures>,
    /// Where the edge was seen once traces were collected.
    pub seen_in: Option<crate::traces::SeenIn>,
    /// Trace ids from exemplars, when Prometheus kept any for the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemplars: Option<crate::exemplars::ExemplarFigures>,
    /// Infrastructure traffic (shown only with `show_infra`).
    pub infrastructure: bool,
    /// Indices into [`Reconciliation::edges`].
    pub logical_edges: Vec<usize>,
    /// Findings about the edge, set by whoever ran the checks.
    pub badges: Vec<Badge>,
}

impl GraphEdge {
    fn from_logical(edge: &LogicalEdge, index: usize) -> Self {
        GraphEdge {
            protocol: edge.protocol,
            l7: edge.l7.clone(),
            l4: edge.l4.clone(),
            security: edge.security,
            rates_from: edge.rates_from().into_iter().collect(),
            via_waypoint: edge.via_waypoint.iter().map(|w| w.to_string()).collect(),
            via_network_gateway: edge
                .via_network_gateway
                .iter()
                .map(|w| w.to_string())
                .collect(),
            network_transport: edge.network_transport.clone(),
            failed_across_networks: edge.failed_across_networks,
            peer_hidden_by_network_gateway: edge.peer_hidden_by_network_gateway,
            services: edge.services.clone(),
            source_principals: edge.source_principals.clone(),
            destination_principals: edge.destination_principals.clone(),
            traces: edge.traces.clone(),
            seen_in: edge.seen_in,
            exemplars: edge.exemplars.clone(),
            infrastructure: edge.infrastructure,
            logical_edges: vec![index],
            badges: Vec::new(),
        }
    }

    fn merge(&mut self, other: GraphEdge) {
        self.protocol = match (self.l7.is_some(), other.l7.is_some()) {
            (true, true) if self.protocol == other.protocol => self.protocol,
            (true, true) => Protocol::Http,
            (true, false) => self.protocol,
            (false, true) => other.protocol,
            (false, false) => Protocol::Tcp,
        };
        merge_option(&mut self.l7, other.l7, L7Figures::add);
        merge_option(&mut self.l4, other.l4, L4Figures::add);
        self.security.add(&other.security);
        self.rates_from.extend(other.rates_from);
        self.via_waypoint.extend(other.via_waypoint);
        self.via_network_gateway.extend(other.via_network_gateway);
        merge_option(
            &mut self.network_transport,
            other.network_transport,
            L4Figures::add,
        );
        self.failed_across_networks |= other.failed_across_networks;
        self.peer_hidden_by_network_gateway |= other.peer_hidden_by_network_gateway;
        self.services.extend(other.services);
        self.source_principals.extend(other.source_principals);
        self.destination_principals
            .extend(other.destination_principals);
        merge_option(
            &mut self.traces,
            other.traces,
            crate::traces::TraceFigures::add,
        );
        merge_option(
            &mut self.exemplars,
            other.exemplars,
            crate::exemplars::ExemplarFigures::add,
        );
        self.seen_in = match (self.seen_in, other.seen_in) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(_), Some(_)) => Some(crate::traces::SeenIn::Both),
            (a, b) => a.or(b),
        };
        self.infrastructure &= other.infrastructure;
        self.logical_edges.extend(other.logical_edges);
        self.logical_edges.sort_unstable();
        self.logical_edges.dedup();
    }
}

fn merge_option<T>(into: &mut Option<T>, other: Option<T>, add: fn(&mut T, &T)) {
    match (into.as_mut(), other) {
        (Some(a), Some(b)) => add(a, &b),
        (None, Some(b)) => *into = Some(b),
        _ => {}
    }
}

/// The drawn graph. Nodes and edges are inserted in id order, so iteration and
/// every export are byte-stable for the same input.
#[derive(Debug, Clone)]
pub struct MeshGraph {
    pub graph_type: GraphType,
    pub graph: DiGraph<Node, GraphEdge>,
}

impl MeshGraph {
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.graph.node_weights()
    }

    /// The same traffic with every namespaced node folded into one node per
    /// namespace (`namespace:NAME`, or `namespace:CLUSTER/NAME` in a
    /// multi-cluster mesh; drawn without a namespace box) and the
    /// edges between two namespaces summed; unknown and external nodes stay
    /// as they are. For a picture of a graph too large to lay out node by
    /// node. Latency quantiles of summed edges are those of the summed
    /// buckets, as for any merged edge.
    pub fn collapsed_to_namespaces(&self) -> MeshGraph {
        let folded = |node: &Node| -> Node {
            match &node.namespace {
                Some(namespace) => Node {
                    id: match &node.cluster {
                        Some(cluster) => format!("namespace:{cluster}/{namespace}"),
                        None => format!("namespace:{namespace}"),
                    },
                    kind: NodeKind::App,
                    cluster: node.cluster.clone(),
                    namespace: None,
                    name: namespace.clone(),
                    app: None,
                    version: None,
                    badges: Vec::new(),
                },
                None => Node {
                    badges: Vec::new(),
                    ..node.clone()
                },
            }
        };
        let mut nodes: BTreeMap<NodeId, (Node, usize)> = BTreeMap::new();
        for node in self.nodes() {
            let entry = nodes
                .entry(folded(node).id)
                .or_insert_with(|| (folded(node), 0));
            entry.1 += 1;
            for badge in &node.badges {
                if !entry.0.badges.contains(badge) {
                    entry.0.badges.push(badge.clone());
                }
            }
        }
        let mut edges: BTreeMap<(NodeId, NodeId), GraphEdge> = BTreeMap::new();
        for (source, target, edge) in self.edges() {
            let key = (folded(source).id, folded(target).id);
            match edges.get_mut(&key) {
                Some(sum) => {
                    let badges = edge.badges.clone();
                    sum.merge(edge.clone());
                    for badge in badges {
                        if !sum.badges.contains(&badge) {
                            sum.badges.push(badge);
                        }
                    }
                }
                None => {
                    edges.insert(key, edge.clone());
                }
            }
        }
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for (id, (mut node, count)) in nodes {
            if node.id.starts_with("namespace:") {
                node.name = format!("{} ({count} nodes)", node.name);
            }
            node.badges.sort();
            index.insert(id, graph.add_node(node));
        }
        for ((source, target), mut edge) in edges {
            edge.badges.sort();
            graph.add_edge(index[&source], index[&target], edge);
        }
        MeshGraph {
            graph_type: self.graph_type,
            graph,
        }
    }

    /// Edges as (source node, target node, edge), ordered by source then target id.
    pub fn edges(&self) -> impl Iterator<Item = (&Node, &Node, &GraphEdge)> {
        self.graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e).map(|(a, b)| (e, a, b)))
            .map(|(e, a, b)| (&self.graph[a], &self.graph[b], &self.graph[e]))
    }

    /// The node with this id. A binary search, as every graph meshgraph
    /// builds holds its nodes in id order; a graph assembled by hand in
    /// another order falls back to a scan.
    pub fn node(&self, id: &str) -> Option<&Node> {
        let nodes = self.graph.raw_nodes();
        match nodes.binary_search_by(|n| n.weight.id.as_str().cmp(id)) {
            Ok(found) => Some(&nodes[found].weight),
            Err(_) => self.nodes().find(|n| n.id == id),
        }
    }

    /// Keeps the edges with an end in one of the clusters, and the nodes they
    /// touch (`--cluster-name`). Nodes without a cluster (unknown, external)
    /// stay when an edge keeps them. Order is preserved.
    pub fn retain_clusters(&mut self, clusters: &[String]) {
        let inside = |n: &Node| n.cluster.as_ref().is_some_and(|c| clusters.contains(c));
        let mut graph = DiGraph::new();
        let mut index: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
        let kept: Vec<_> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e).map(|(a, b)| (e, a, b)))
            .filter(|(_, a, b)| inside(&self.graph[*a]) || inside(&self.graph[*b]))
            .collect();
        let used: BTreeSet<NodeIndex> = kept.iter().flat_map(|(_, a, b)| [*a, *b]).collect();
        for n in self.graph.node_indices().filter(|n| used.contains(n)) {
            index.insert(n, graph.add_node(self.graph[n].clone()));
        }
        for (e, a, b) in kept {
            graph.add_edge(index[&a], index[&b], self.graph[e].clone());
        }
        self.graph = graph;
    }

    /// An index of where each logical edge and each node is drawn, built once
    /// (linear in the graph), so that showing many findings costs one lookup
    /// each instead of a scan of every edge per finding.
    pub fn badges<'a>(&'a mut self, rec: &'a Reconciliation) -> Badges<'a> {
        let mut edges: HashMap<(&Endpoint, &Endpoint), Vec<EdgeIndex>> = HashMap::new();
        for drawn in self.graph.edge_indices() {
            for &logical in &self.graph[drawn].logical_edges {
                let Some(edge) = rec.edges.get(logical) else {
                    continue;
                };
                let list = edges.entry((&edge.source, &edge.destination)).or_default();
                if list.last() != Some(&drawn) {
                    list.push(drawn);
                }
            }
        }
        let nodes = self
            .graph
            .node_indices()
            .map(|n| (self.graph[n].id.clone(), n))
            .collect();
        Badges {
            rec,
            edges,
            nodes,
            graph: self,
            visited: 0,
        }
    }
}

/// Shows findings on a [`MeshGraph`]: see [`MeshGraph::badges`].
#[derive(Debug)]
pub struct Badges<'a> {
    graph: &'a mut MeshGraph,
    rec: &'a Reconciliation,
    /// Drawn edges carrying each logical edge (source, destination), in
    /// edge index order.
    edges: HashMap<(&'a Endpoint, &'a Endpoint), Vec<EdgeIndex>>,
    nodes: HashMap<NodeId, NodeIndex>,
    visited: usize,
}

impl Badges<'_> {
    /// The reconciliation the graph was drawn from.
    pub fn reconciliation(&self) -> &Reconciliation {
        self.rec
    }

    /// Shows a finding on the node an endpoint is drawn as (if it is drawn).
    pub fn endpoint(&mut self, endpoint: &Endpoint, badge: &Badge) {
        let id = NodeMapper {
            rec: self.rec,
            graph_type: self.graph.graph_type,
        }
        .make(endpoint)
        .id;
        if let Some(&index) = self.nodes.get(&id) {
            self.visited += 1;
            add_badge(&mut self.graph.graph[index].badges, badge);
        }
    }

    /// Shows a finding on every drawn edge that carries the logical edge
    /// (source, destination).
    pub fn logical_edge(&mut self, source: &Endpoint, destination: &Endpoint, badge: &Badge) {
        let Some(drawn) = self.edges.get(&(source, destination)) else {
            return;
        };
        for &edge in drawn {
            self.visited += 1;
            add_badge(&mut self.graph.graph[edge].badges, badge);
        }
    }

    /// How many nodes and edges the calls so far have touched: the work
    /// done, for tests that check it grows linearly with the findings.
    pub fn visited(&self) -> usize {
        self.visited
    }
}

fn add_badge(badges: &mut Vec<Badge>, badge: &Badge) {
    if !badges.contains(badge) {
        badges.push(badge.clone());
        badges.sort();
    }
}

struct NodeMapper<'a> {
    rec: &'a Reconciliation,
    graph_type: GraphType,
}

impl NodeMapper<'_> {
    /// The node an endpoint is drawn as.
    fn make(&self, endpoint: &Endpoint) -> Node {
        match endpoint {
            Endpoint::Unknown => Node {
                id: "unknown".into(),
                kind: NodeKind::Unknown,
                cluster: None,
                namespace: None,
                name: "unknown".into(),
                app: None,
                version: None,
                badges: Vec::new(),
            },
            Endpoint::External { host }
                if self.rec.classification.service_entry_hosts.contains(host) =>
            {
                Node {
                    id: format!("service_entry:{host}"),
                    kind: NodeKind::ServiceEntry,
                    cluster: None,
                    namespace: None,
                    name: host.clone(),
                    app: None,
                    version: None,
                    badges: Vec::new(),
                }
            }
            Endpoint::External { host } => Node {
                id: format!("external:{host}"),
                kind: NodeKind::External,
                cluster: None,
                namespace: None,
                name: host.clone(),
                app: None,
                version: None,
                badges: Vec::new(),
            },
            Endpoint::Service {
                cluster,
                namespace,
                name,
            } => service_node(cluster, namespace, name),
            Endpoint::Workload(w) => self.workload_node(w),
        }
    }

    fn workload_node(&self, w: &WorkloadRef) -> Node {
        let info = self
            .rec
            .classification
            .workloads
            .get(w)
            .cloned()
            .unwrap_or_default();
        let role = self.rec.classification.role(w);
        let app = if info.app.is_empty() {
            w.name.clone()
        } else {
            info.app.clone()
        };
        let special = match role {
            EndpointRole::Gateway => Some(NodeKind::Gateway),
            EndpointRole::Waypoint => Some(NodeKind::Waypoint),
            EndpointRole::Workload => None,
        };
        let level = self.graph_type.as_str();
        // `cluster/namespace` in a multi-cluster mesh, `namespace` otherwise.
        let place = if w.cluster.is_empty() {
            w.namespace.clone()
        } else {
            format!("{}/{}", w.cluster, w.namespace)
        };
        let (id, kind, name, version) = match (self.graph_type, special) {
            // The service graph draws workloads with service nodes in front.
            (GraphType::Workload | GraphType::Service, kind) => (
                format!("workload:{w}"),
                kind.unwrap_or(NodeKind::Workload),
                w.name.clone(),
                Some(info.version.clone()),
            ),
            (_, Some(kind)) => (format!("{level}:{place}/{app}"), kind, app.clone(), None),
            (GraphType::VersionedApp, None) => (
                format!("versioned_app:{place}/{app}/{}", info.version),
                NodeKind::VersionedApp,
                app.clone(),
                Some(info.version.clone()),
            ),
            (GraphType::App, None) => (
                format!("app:{place}/{app}"),
                NodeKind::App,
                app.clone(),
                None,
            ),
        };
        Node {
            id,
            kind,
            cluster: (!w.cluster.is_empty()).then(|| w.cluster.clone()),
            namespace: Some(w.namespace.clone()),
            name,
            app: Some(app),
            version,
            badges: Vec::new(),
        }
    }
}

fn service_node(cluster: &str, namespace: &str, name: &str) -> Node {
    let id = if cluster.is_empty() {
        format!("service:{namespace}/{name}")
    } else {
        format!("service:{cluster}/{namespace}/{name}")
    };
    Node {
        id,
        kind: NodeKind::Service,
        cluster: (!cluster.is_empty()).then(|| cluster.to_string()),
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
        app: None,
        version: None,
        badges: Vec::new(),
    }
}

/// Builds the graph of the requested type from reconciled edges. Rates are
/// summed, latency histograms summed bucket by bucket, mTLS evidence weighted.
pub fn build_graph(rec: &Reconciliation, options: &GraphOptions) -> MeshGraph {
    let mapper = NodeMapper {
        rec,
        graph_type: options.graph_type,
    };
    // Each endpoint's node made once: the mesh has far fewer endpoints than
    // edge ends, and making one looks the workload up in the classification.
    let mut made: hashbrown::HashMap<Endpoint, Node> = hashbrown::HashMap::new();
    let mut node = |endpoint: &Endpoint| -> Node {
        if let Some(node) = made.get(endpoint) {
            return node.clone();
        }
        let node = mapper.make(endpoint);
        made.insert(endpoint.clone(), node.clone());
        node
    };

    // Hash maps while the edges are added (one hash per lookup instead of a
    // string comparison per tree level), sorted by id once at the end.
    let mut nodes: hashbrown::HashMap<NodeId, Node> = hashbrown::HashMap::new();
    let mut edges: hashbrown::HashMap<(NodeId, NodeId), GraphEdge> = hashbrown::HashMap::new();
    let mut add = |from: &Node, to: &Node, edge: &GraphEdge| {
        for node in [from, to] {
            if !nodes.contains_key(&node.id) {
                nodes.insert(node.id.clone(), node.clone());
            }
        }
        match edges.entry((from.id.clone(), to.id.clone())) {
            hashbrown::hash_map::Entry::Occupied(mut existing) => {
                existing.get_mut().merge(edge.clone())
            }
            hashbrown::hash_map::Entry::Vacant(slot) => {
                slot.insert(edge.clone());
            }
        }
    };

    for (index, logical) in rec.edges.iter().enumerate() {
        if logical.infrastructure && !options.show_infra {
            continue;
        }
        let mut edge = GraphEdge::from_logical(logical, index);
        // Nodes drawn between caller and callee: the service (service graph,
        // as Kiali injects it), then the waypoint (rule 8: client → waypoint →
        // server with the L7 figures on every part, never parallel arrows).
        let mut path = vec![node(&logical.source)];
        if options.graph_type == GraphType::Service
            && matches!(logical.destination, Endpoint::Workload(_))
            && let Some(fqdn) = logical.services.iter().next()
        {
            let service = meshgraph_model::ServiceRef::identity_of_fqdn(fqdn);
            if service.in_cluster() {
                path.push(service_node(
                    logical.destination.cluster(),
                    &service.namespace,
                    &service.name,
                ));
            }
        }
        if options.show_waypoints {
            for waypoint in &logical.via_waypoint {
                path.push(node(&Endpoint::Workload(waypoint.clone())));
            }
            edge.via_waypoint.clear();
        }
        path.push(node(&logical.destination));
        for pair in path.windows(2) {
            add(&pair[0], &pair[1], &edge);
        }
    }

    let mut graph = DiGraph::with_capacity(nodes.len(), edges.len());
    let mut nodes: Vec<(NodeId, Node)> = nodes.into_iter().collect();
    nodes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let index: hashbrown::HashMap<NodeId, NodeIndex> = nodes
        .into_iter()
        .map(|(id, node)| (id, graph.add_node(node)))
        .collect();
    let mut edges: Vec<((NodeId, NodeId), GraphEdge)> = edges.into_iter().collect();
    edges.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for ((from, to), edge) in edges {
        graph.add_edge(index[&from], index[&to], edge);
    }
    MeshGraph {
        graph_type: options.graph_type,
        graph,
    }
}
