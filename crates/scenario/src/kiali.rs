//! The graph Kiali would draw for a scenario, as Kiali's graph API answers it.
//!
//! Kiali's semantics, applied to the scenario's own series: one edge per
//! protocol per node pair (`istio_requests_total` by `request_protocol`,
//! `istio_tcp_sent_bytes_total` + `istio_tcp_received_bytes_total` as `tcp`),
//! every reporter's series summed onto the pair its labels name, waypoints
//! drawn as nodes (`isWaypoint`), ztunnel's hop series drawn as edges of their
//! own, and optionally service nodes between callers and workloads
//! (`injectServiceNodes`, the UI's default).

use std::collections::BTreeMap;

use meshgraph_model::{Metric, Observation, Peer};
use serde_json::{Value, json};

use crate::Scenario;

/// Kiali's graph types (`graphType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KialiGraphType {
    Workload,
    App,
    VersionedApp,
}

impl KialiGraphType {
    pub const ALL: [KialiGraphType; 3] = [
        KialiGraphType::Workload,
        KialiGraphType::App,
        KialiGraphType::VersionedApp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KialiGraphType::Workload => "workload",
            KialiGraphType::App => "app",
            KialiGraphType::VersionedApp => "versionedApp",
        }
    }
}

/// How the graph is requested.
#[derive(Debug, Clone, Copy)]
pub struct KialiOptions {
    pub graph_type: KialiGraphType,
    /// Service nodes between callers and the workloads behind a service.
    pub inject_service_nodes: bool,
}

impl Default for KialiOptions {
    fn default() -> Self {
        KialiOptions {
            graph_type: KialiGraphType::Workload,
            inject_service_nodes: false,
        }
    }
}

fn known(s: &str) -> bool {
    !s.is_empty() && s != "unknown"
}

impl Scenario {
    /// The Kiali graph API answer for this scenario's telemetry.
    pub fn kiali_graph(&self, options: &KialiOptions) -> Value {
        kiali_graph_of(self, &self.telemetry(), options)
    }
}

/// The Kiali graph API answer for `observations`, `scenario` giving the
/// waypoints, the cluster and the window.
pub fn kiali_graph_of(
    scenario: &Scenario,
    observations: &[Observation],
    options: &KialiOptions,
) -> Value {
    let mut nodes: BTreeMap<String, Value> = BTreeMap::new();
    // (source id, target id, protocol) -> rate
    let mut edges: BTreeMap<(String, String, &'static str), f64> = BTreeMap::new();
    let is_waypoint = |peer: &Peer| {
        scenario
            .waypoints
            .iter()
            .any(|w| w.namespace == peer.namespace && w.name == peer.workload)
    };
    let mut peer_node = |peer: &Peer| -> String {
        if peer.is_unknown() {
            let id = "unknown".to_string();
            nodes.entry(id.clone()).or_insert_with(|| {
                json!({"data": {"id": id, "nodeType": "unknown", "cluster": "unknown",
                    "namespace": "unknown", "workload": "unknown", "app": "unknown", "version": "unknown"}})
            });
            return id;
        }
        let app = if known(&peer.app) {
            &peer.app
        } else {
            &peer.canonical_service
        };
        let version = if known(&peer.version) {
            &peer.version
        } else {
            &peer.canonical_revision
        };
        let waypoint = is_waypoint(peer);
        // Waypoints and gateways without an app stay workload nodes.
        let graph_type = if waypoint || !known(app) {
            KialiGraphType::Workload
        } else {
            options.graph_type
        };
        let (id, mut data) = match graph_type {
            KialiGraphType::Workload => (
                format!("workload:{}/{}", peer.namespace, peer.workload),
                json!({"nodeType": "workload", "workload": peer.workload, "app": app, "version": version}),
            ),
            KialiGraphType::App => (
                format!("app:{}/{app}", peer.namespace),
                json!({"nodeType": "app", "app": app}),
            ),
            KialiGraphType::VersionedApp => (
                format!("versioned_app:{}/{app}/{version}", peer.namespace),
                json!({"nodeType": "app", "workload": peer.workload, "app": app, "version": version}),
            ),
        };
        data["id"] = json!(id);
        data["cluster"] = json!(scenario.cluster);
        data["namespace"] = json!(peer.namespace);
        if waypoint {
            data["isWaypoint"] = json!(true);
        }
        nodes.entry(id.clone()).or_insert(json!({ "data": data }));
        id
    };
    let mut service_nodes: BTreeMap<String, Value> = BTreeMap::new();
    for obs in observations {
        let protocol = match obs.metric {
            Metric::Requests => obs.protocol().as_str(),
            Metric::TcpSentBytes | Metric::TcpReceivedBytes => "tcp",
            _ => continue,
        };
        let source = peer_node(&obs.source);
        let svc = &obs.service;
        let service_id = (!svc.is_unknown()).then(|| {
            let (ns, name) = (svc.effective_namespace(), svc.effective_name());
            let (ns, name) = if known(ns) && !svc.is_special_cluster() {
                (ns.to_string(), name.to_string())
            } else {
                ("unknown".to_string(), svc.fqdn.clone())
            };
            let id = format!("service:{ns}/{name}");
            service_nodes.entry(id.clone()).or_insert_with(|| {
                json!({"data": {"id": id, "nodeType": "service", "cluster": scenario.cluster,
                    "namespace": ns, "service": name}})
            });
            id
        });
        let dest_known = !obs.destination.is_unknown();
        let mut add = |s: String, t: String| {
            *edges.entry((s, t, protocol)).or_default() += obs.value;
        };
        match (service_id, dest_known) {
            (Some(service), true) if options.inject_service_nodes => {
                let dest = peer_node(&obs.destination);
                add(source, service.clone());
                add(service, dest);
            }
            (Some(service), false) => add(source, service),
            _ => {
                let dest = peer_node(&obs.destination);
                add(source, dest);
            }
        }
    }
    // Only the service nodes some edge uses.
    for (s, t, _) in edges.keys() {
        for id in [s, t] {
            if let Some(node) = service_nodes.get(id) {
                nodes.entry(id.clone()).or_insert_with(|| node.clone());
            }
        }
    }
    let edges: Vec<Value> = edges
        .into_iter()
        .enumerate()
        .map(|(i, ((s, t, protocol), rate))| {
            let mut rates = serde_json::Map::new();
            rates.insert(protocol.to_string(), json!(format!("{rate:.2}")));
            json!({"data": {
                "id": format!("e{i}"),
                "source": s,
                "target": t,
                "traffic": {"protocol": protocol, "rates": rates},
            }})
        })
        .collect();
    json!({
        "timestamp": scenario.at,
        "duration": scenario.window_seconds,
        "graphType": options.graph_type.as_str(),
        "elements": {
            "nodes": nodes.into_values().collect::<Vec<_>>(),
            "edges": edges,
        }
    })
}
