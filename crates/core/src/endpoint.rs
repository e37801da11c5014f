//! The two ends of a series at workload level.

use meshgraph_model::{Observation, Peer, UNKNOWN};

/// A workload by cluster, namespace and name, as Istio labels it. The
/// cluster is empty unless the telemetry names several clusters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct WorkloadRef {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    pub namespace: String,
    pub name: String,
}

impl WorkloadRef {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            cluster: String::new(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The same workload placed in a cluster (`""`: no cluster).
    pub fn in_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = cluster.into();
        self
    }

    /// Reads `namespace/name` or `cluster/namespace/name`.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [ns, name] if !ns.is_empty() && !name.is_empty() => Some(Self::new(*ns, *name)),
            [cluster, ns, name] if !cluster.is_empty() && !ns.is_empty() && !name.is_empty() => {
                Some(Self::new(*ns, *name).in_cluster(*cluster))
            }
            _ => None,
        }
    }

    /// The workload a peer names, `None` when Istio could not tell.
    pub fn of_peer(peer: &Peer) -> Option<Self> {
        (!peer.is_unknown()).then(|| Self::new(peer.namespace.clone(), peer.workload.clone()))
    }
}

impl std::fmt::Display for WorkloadRef {
    /// `namespace/name`, `cluster/namespace/name` in a multi-cluster mesh.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.cluster.is_empty() {
            write!(f, "{}/", self.cluster)?;
        }
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// What role a workload plays in the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointRole {
    Workload,
    Gateway,
    Waypoint,
}

/// One end of a logical edge before aggregation to a graph type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Endpoint {
    Workload(WorkloadRef),
    /// A cluster service whose serving workload is unknown (the request never
    /// reached a server, or the server reports nothing).
    Service {
        /// Empty unless the telemetry names several clusters.
        #[serde(skip_serializing_if = "String::is_empty")]
        cluster: String,
        namespace: String,
        name: String,
    },
    /// A destination outside the cluster: PassthroughCluster, BlackHoleCluster,
    /// or a host name (a ServiceEntry host or a Host header).
    External {
        host: String,
    },
    /// A peer Istio could not identify.
    Unknown,
}

impl Endpoint {
    pub fn source_of(obs: &Observation) -> Endpoint {
        WorkloadRef::of_peer(&obs.source).map_or(Endpoint::Unknown, Endpoint::Workload)
    }

    pub fn destination_of(obs: &Observation) -> Endpoint {
        if let Some(workload) = WorkloadRef::of_peer(&obs.destination) {
            return Endpoint::Workload(workload);
        }
        let service = &obs.service;
        if service.is_special_cluster() {
            // Passthrough may carry the Host header in destination_service.
            let known = |v: &String| !v.is_empty() && v != UNKNOWN && !v.contains(".svc.");
            let host = if known(&service.fqdn) {
                &service.fqdn
            } else {
                &service.name
            };
            return Endpoint::External { host: host.clone() };
        }
        if service.is_unknown() {
            return Endpoint::Unknown;
        }
        if service.kube_identity().is_some() || service.fqdn == UNKNOWN {
            Endpoint::Service {
                cluster: String::new(),
                namespace: service.effective_namespace().to_string(),
                name: service.effective_name().to_string(),
            }
        } else {
            Endpoint::External {
                host: service.fqdn.clone(),
            }
        }
    }

    /// The name `meshgraph explain` reads and prints: `namespace/workload`
    /// (`cluster/namespace/workload`), `service:namespace/name`
    /// (`service:cluster/namespace/name`), `external:host` or `unknown`.
    pub fn name(&self) -> String {
        match self {
            Endpoint::Workload(w) => w.to_string(),
            Endpoint::Service {
                cluster,
                namespace,
                name,
            } => {
                if cluster.is_empty() {
                    format!("service:{namespace}/{name}")
                } else {
                    format!("service:{cluster}/{namespace}/{name}")
                }
            }
            Endpoint::External { host } => format!("external:{host}"),
            Endpoint::Unknown => UNKNOWN.into(),
        }
    }

    /// The same endpoint with no cluster: how traces (which carry none)
    /// name it.
    pub fn without_cluster(&self) -> Endpoint {
        match self {
            Endpoint::Workload(w) => Endpoint::Workload(w.clone().in_cluster("")),
            Endpoint::Service {
                namespace, name, ..
            } => Endpoint::Service {
                cluster: String::new(),
                namespace: namespace.clone(),
                name: name.clone(),
            },
            other => other.clone(),
        }
    }

    /// The cluster the endpoint is in (`""` when none is known or needed).
    pub fn cluster(&self) -> &str {
        match self {
            Endpoint::Workload(w) => &w.cluster,
            Endpoint::Service { cluster, .. } => cluster,
            _ => "",
        }
    }

    pub fn workload(&self) -> Option<&WorkloadRef> {
        match self {
            Endpoint::Workload(w) => Some(w),
            _ => None,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Workload(w) => write!(f, "{w}"),
            Endpoint::Service {
                cluster,
                namespace,
                name,
            } => {
                write!(f, "service ")?;
                if !cluster.is_empty() {
                    write!(f, "{cluster}/")?;
                }
                write!(f, "{namespace}/{name}")
            }
            Endpoint::External { host } => write!(f, "external {host}"),
            Endpoint::Unknown => f.write_str(UNKNOWN),
        }
    }
}
