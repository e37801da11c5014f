//! The two ends of a series at workload level.

use meshgraph_model::{Observation, Peer, UNKNOWN};

/// A workload by namespace and name, as Istio labels it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct WorkloadRef {
    pub namespace: String,
    pub name: String,
}

impl WorkloadRef {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The workload a peer names, `None` when Istio could not tell.
    pub fn of_peer(peer: &Peer) -> Option<Self> {
        (!peer.is_unknown()).then(|| Self::new(peer.namespace.clone(), peer.workload.clone()))
    }
}

impl std::fmt::Display for WorkloadRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
        if service.fqdn.contains(".svc.") || service.fqdn == UNKNOWN {
            Endpoint::Service {
                namespace: service.effective_namespace().to_string(),
                name: service.effective_name().to_string(),
            }
        } else {
            Endpoint::External {
                host: service.fqdn.clone(),
            }
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
            Endpoint::Service { namespace, name } => write!(f, "service {namespace}/{name}"),
            Endpoint::External { host } => write!(f, "external {host}"),
            Endpoint::Unknown => f.write_str(UNKNOWN),
        }
    }
}
