//! The scenario format.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A mesh, its traffic and its Istio version, as a test or a demo describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `major.minor[.patch]`; changes which labels and reporters proxies use.
    #[serde(default = "default_istio_version")]
    pub istio_version: String,
    #[serde(default = "default_trust_domain")]
    pub trust_domain: String,
    /// The cluster of every workload that names none (Istio's default
    /// `Kubernetes` when `values.global.multiCluster.clusterName` is unset).
    #[serde(default = "default_cluster")]
    pub cluster: String,
    /// Clusters of a multi-cluster mesh and their networks; empty: one cluster.
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    /// Scrape label a federating Prometheus adds with the emitting proxy's
    /// cluster (`cluster` in Istio's guide); `None`: no federation.
    #[serde(default)]
    pub federation_label: Option<String>,
    /// Query window the rates stand for, in seconds.
    #[serde(default = "default_window")]
    pub window_seconds: u64,
    /// Evaluation time (unix seconds) the demo reports.
    #[serde(default = "default_at")]
    pub at: i64,
    pub namespaces: Vec<NamespaceSpec>,
    #[serde(default)]
    pub waypoints: Vec<WaypointSpec>,
    #[serde(default)]
    pub gateways: Vec<GatewaySpec>,
    #[serde(default)]
    pub service_entries: Vec<ServiceEntrySpec>,
    /// Routing to subsets: a VirtualService and, unless left out, its DestinationRule.
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    pub workloads: Vec<WorkloadSpec>,
    #[serde(default)]
    pub calls: Vec<CallSpec>,
}

fn default_istio_version() -> String {
    "1.28.0".into()
}
fn default_trust_domain() -> String {
    "cluster.local".into()
}
fn default_cluster() -> String {
    "Kubernetes".into()
}
fn default_window() -> u64 {
    300
}
fn default_at() -> i64 {
    // 2026-11-25T02:00:00Z
    1_795_572_000
}

/// One cluster of a multi-cluster mesh. Clusters on different networks
/// reach each other through the east-west gateway of the callee's network.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub name: String,
    /// Its network (`topology.istio.io/network`); default: a network of its own.
    #[serde(default)]
    pub network: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataPlaneMode {
    Sidecar,
    Ambient,
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceSpec {
    pub name: String,
    pub mode: DataPlaneMode,
    /// `istio.io/use-waypoint` on the namespace.
    #[serde(default)]
    pub use_waypoint: Option<String>,
    /// A namespace-wide PeerAuthentication with this mTLS mode (`STRICT`, `PERMISSIVE`).
    #[serde(default)]
    pub mtls_mode: Option<String>,
}

/// A mesh VirtualService routing a service to version subsets. The routing is
/// configuration only: the traffic the calls describe is what really happens
/// (a fault when it reaches other versions).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    pub namespace: String,
    pub service: String,
    /// Subset names, each selecting pods by `version` (`v1` selects `version: v1`).
    pub subsets: Vec<String>,
    /// Also write the DestinationRule defining the subsets; `false` injects
    /// the workshop's "missing DestinationRule" fault.
    #[serde(default = "default_true")]
    pub destination_rule: bool,
}

fn default_true() -> bool {
    true
}

/// A waypoint: a Gateway of class `istio-waypoint` and its deployment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaypointSpec {
    pub namespace: String,
    pub name: String,
}

/// A ServiceEntry: hosts outside the cluster that the mesh knows by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntrySpec {
    pub namespace: String,
    pub name: String,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayFlavor {
    /// `networking.istio.io` Gateway served by `istio-ingressgateway`.
    #[default]
    Istio,
    /// Kubernetes Gateway API Gateway; Istio deploys `<name>-istio`.
    GatewayApi,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySpec {
    pub namespace: String,
    /// The Gateway object's name.
    pub name: String,
    #[serde(default)]
    pub flavor: GatewayFlavor,
    /// The cluster it runs in (default: the scenario's `cluster`).
    #[serde(default)]
    pub cluster: Option<String>,
}

impl GatewaySpec {
    /// The deployment Istio runs for this gateway.
    pub fn workload_name(&self) -> String {
        match self.flavor {
            GatewayFlavor::Istio => "istio-ingressgateway".into(),
            GatewayFlavor::GatewayApi => format!("{}-istio", self.name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub namespace: String,
    pub name: String,
    pub app: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// The Service selecting this workload (by `app`).
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub service_account: Option<String>,
    /// Overrides the namespace: `false` opts a pod out of injection.
    #[serde(default)]
    pub sidecar: Option<bool>,
    /// `istio.io/use-waypoint` on the workload's Service (`none` opts out).
    #[serde(default)]
    pub use_waypoint: Option<String>,
    /// `istio.io/ingress-use-waypoint=true` on the Service (Istio 1.24+).
    #[serde(default)]
    pub ingress_use_waypoint: bool,
    /// The cluster it runs in (default: the scenario's `cluster`).
    #[serde(default)]
    pub cluster: Option<String>,
}

fn default_version() -> String {
    "v1".into()
}
fn default_port() -> u16 {
    9080
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CallProtocol {
    #[default]
    Http,
    Grpc,
    Tcp,
}

/// Traffic from one client to one service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// `namespace/workload`, `namespace/gateway-name` or `unknown` (out of mesh).
    pub from: String,
    /// `namespace/service`, or `external:HOST` for a destination outside the
    /// cluster (a ServiceEntry host, or anything reached through passthrough).
    pub to: String,
    /// `namespace/name` of an egress waypoint the call goes through (ambient
    /// clients calling an external host).
    #[serde(default)]
    pub egress_waypoint: Option<String>,
    #[serde(default)]
    pub protocol: CallProtocol,
    /// Requests per second (connections per second for TCP).
    pub rps: f64,
    #[serde(default)]
    pub error_ratio: f64,
    #[serde(default = "default_error_code")]
    pub error_code: u16,
    /// Median latency in milliseconds.
    #[serde(default = "default_latency")]
    pub latency_ms: f64,
    /// Share of the traffic per destination version (subset weights).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    #[serde(default = "default_request_bytes")]
    pub request_bytes: f64,
    #[serde(default = "default_response_bytes")]
    pub response_bytes: f64,
}

pub use CallProtocol as Protocol;

impl CallSpec {
    /// The host of an `external:HOST` destination.
    pub fn external_host(&self) -> Option<&str> {
        self.to.strip_prefix("external:").filter(|h| !h.is_empty())
    }
}

fn default_error_code() -> u16 {
    503
}
fn default_latency() -> f64 {
    20.0
}
fn default_request_bytes() -> f64 {
    400.0
}
fn default_response_bytes() -> f64 {
    3000.0
}

/// A scenario that cannot be read or does not hold together.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The TOML text does not parse into a scenario.
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    /// A reference to something the scenario does not declare.
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Scenario {
    /// Reads and validates a scenario; `origin` names it in errors (a path).
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        scenario
            .validate()
            .map_err(|message| ScenarioError::Invalid {
                origin: origin.to_string(),
                message,
            })?;
        Ok(scenario)
    }

    fn validate(&self) -> Result<(), String> {
        let placed = self
            .workloads
            .iter()
            .filter_map(|w| w.cluster.as_deref())
            .chain(self.gateways.iter().filter_map(|g| g.cluster.as_deref()));
        for cluster in placed {
            if !self.clusters.iter().any(|c| c.name == cluster) {
                return Err(format!(
                    "cluster {cluster:?} is not declared in [[clusters]]"
                ));
            }
        }
        if self.networks() > 1
            && self
                .namespaces
                .iter()
                .any(|n| n.mode == DataPlaneMode::Ambient)
        {
            return Err(
                "ambient namespaces across several networks are not modelled by the scenario kit (docs/multicluster.md)"
                    .into(),
            );
        }
        for w in &self.workloads {
            self.namespace(&w.namespace).ok_or_else(|| {
                format!(
                    "workload {}/{} is in undeclared namespace {}",
                    w.namespace, w.name, w.namespace
                )
            })?;
        }
        for wp in &self.waypoints {
            self.namespace(&wp.namespace).ok_or_else(|| {
                format!(
                    "waypoint {}/{} is in an undeclared namespace",
                    wp.namespace, wp.name
                )
            })?;
        }
        for call in &self.calls {
            if call.from != "unknown" && self.client(&call.from).is_none() {
                return Err(format!(
                    "call from {:?}: no such workload or gateway",
                    call.from
                ));
            }
            if let Some(waypoint) = &call.egress_waypoint {
                let known = waypoint.split_once('/').is_some_and(|(ns, n)| {
                    self.waypoints
                        .iter()
                        .any(|w| w.namespace == ns && w.name == n)
                });
                if !known || call.external_host().is_none() {
                    return Err(format!(
                        "call to {:?}: egress_waypoint {waypoint:?} must name a declared waypoint, and the call an external:HOST",
                        call.to
                    ));
                }
            }
            if call.external_host().is_none() {
                let (ns, svc) = call.to.split_once('/').ok_or_else(|| {
                    format!(
                        "call to {:?}: expected namespace/service or external:HOST",
                        call.to
                    )
                })?;
                if self.backends(ns, svc).is_empty() {
                    return Err(format!(
                        "call to {:?}: no workload serves that service",
                        call.to
                    ));
                }
            }
            if !(call.rps.is_finite() && call.rps >= 0.0 && (0.0..=1.0).contains(&call.error_ratio))
            {
                return Err(format!(
                    "call {} -> {}: rps must be >= 0 and error_ratio in 0..1",
                    call.from, call.to
                ));
            }
        }
        Ok(())
    }

    /// Whether workloads carry a cluster of their own (several clusters declared).
    pub fn is_multi_cluster(&self) -> bool {
        self.clusters.len() > 1
    }

    /// The cluster a workload or gateway runs in.
    pub fn cluster_of<'s>(&'s self, placed: Option<&'s str>) -> &'s str {
        placed.unwrap_or(&self.cluster)
    }

    /// A cluster's network (its own name when none is given).
    pub fn network_of<'s>(&'s self, cluster: &'s str) -> &'s str {
        self.clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.network.as_deref())
            .unwrap_or(cluster)
    }

    /// How many networks the clusters are on.
    pub fn networks(&self) -> usize {
        self.clusters
            .iter()
            .map(|c| self.network_of(&c.name))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    pub fn namespace(&self, name: &str) -> Option<&NamespaceSpec> {
        self.namespaces.iter().find(|n| n.name == name)
    }

    /// The client named `namespace/name` (or `cluster/namespace/name`): a
    /// workload or a gateway deployment.
    pub fn client(&self, reference: &str) -> Option<Client<'_>> {
        // `namespace/name` first (a name may hold a `/`), then `cluster/namespace/name`.
        let (ns, name) = reference.split_once('/')?;
        if let Some(client) = self.client_in(None, ns, name) {
            return Some(client);
        }
        let (ns, name) = name.split_once('/')?;
        self.client_in(Some(reference.split_once('/')?.0), ns, name)
    }

    fn client_in(&self, cluster: Option<&str>, ns: &str, name: &str) -> Option<Client<'_>> {
        let in_cluster =
            |placed: Option<&str>| cluster.is_none_or(|c| self.cluster_of(placed) == c);
        if let Some(w) = self
            .workloads
            .iter()
            .find(|w| w.namespace == ns && w.name == name && in_cluster(w.cluster.as_deref()))
        {
            return Some(Client::Workload(w));
        }
        self.gateways
            .iter()
            .find(|g| {
                g.namespace == ns
                    && (g.name == name || g.workload_name() == name)
                    && in_cluster(g.cluster.as_deref())
            })
            .map(Client::Gateway)
    }

    /// Workloads behind a service, sorted by name.
    pub fn backends(&self, namespace: &str, service: &str) -> Vec<&WorkloadSpec> {
        let mut found: Vec<&WorkloadSpec> = self
            .workloads
            .iter()
            .filter(|w| w.namespace == namespace && w.service.as_deref() == Some(service))
            .collect();
        found.sort_by(|a, b| (&a.name, &a.cluster).cmp(&(&b.name, &b.cluster)));
        found
    }

    /// The data-plane mode a workload's pods actually run with.
    pub fn mode_of(&self, w: &WorkloadSpec) -> DataPlaneMode {
        let ns_mode = self
            .namespace(&w.namespace)
            .map_or(DataPlaneMode::None, |n| n.mode);
        match (w.sidecar, ns_mode) {
            (Some(true), _) => DataPlaneMode::Sidecar,
            (Some(false), DataPlaneMode::Sidecar) => DataPlaneMode::None,
            (_, mode) => mode,
        }
    }

    /// The waypoint serving a workload's service, if its traffic goes through one.
    pub fn waypoint_for(&self, w: &WorkloadSpec) -> Option<&WaypointSpec> {
        if self.mode_of(w) != DataPlaneMode::Ambient {
            return None;
        }
        let ns_label = self
            .namespace(&w.namespace)
            .and_then(|n| n.use_waypoint.as_deref());
        let name = w.use_waypoint.as_deref().or(ns_label)?;
        if name == "none" {
            return None;
        }
        // `namespace/name` stands for `istio.io/use-waypoint-namespace` plus
        // `istio.io/use-waypoint`: a waypoint in another namespace.
        let (namespace, name) = name.split_once('/').unwrap_or((&w.namespace, name));
        self.waypoints
            .iter()
            .find(|wp| wp.namespace == namespace && wp.name == name)
    }

    /// The ServiceEntry declaring a host, if any.
    pub fn service_entry_for(&self, host: &str) -> Option<&ServiceEntrySpec> {
        self.service_entries
            .iter()
            .find(|se| se.hosts.iter().any(|h| h == host))
    }

    /// Parsed `istio_version` as (minor, patch) of 1.x; unparsable means the newest.
    pub fn istio_minor_patch(&self) -> (u32, u32) {
        let mut parts = self
            .istio_version
            .split('.')
            .skip(1)
            .map(|p| p.parse::<u32>().ok());
        let minor = parts.next().flatten().unwrap_or(u32::MAX);
        let patch = parts.next().flatten().unwrap_or(0);
        (minor, patch)
    }
}

/// A caller in a scenario.
#[derive(Debug, Clone, Copy)]
pub enum Client<'a> {
    Workload(&'a WorkloadSpec),
    Gateway(&'a GatewaySpec),
}
