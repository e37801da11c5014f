//! Calls derived from traces (issue 6): who called whom according to sampled
//! spans, with how the pair was established.
//!
//! These are samples, not rates: with Istio's default 1% sampling a
//! [`TraceCall`] says that an edge exists and gives example latencies and trace
//! ids; request rates come from metrics. `meshgraph-core` joins a call with the
//! metric edges on the source workload and the destination workload (or
//! service).
//!
//! Pure data, serde only. `meshgraph-traces` produces these values.

/// One side of a call seen in traces.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TracePeer {
    /// A workload: for Istio proxies the pod's workload (`productpage-v1`,
    /// `istio-ingressgateway`, `waypoint`) in its namespace; for spans not
    /// emitted by a proxy, the resource's `service.name`, in the namespace of
    /// `k8s.namespace.name` / `service.namespace` or
    /// [`UNKNOWN`](crate::UNKNOWN) when the span does not say.
    Workload { namespace: String, name: String },
    /// A Kubernetes service, when only the called host is known (a client span
    /// whose `upstream_cluster` is `outbound|9080|v1|reviews.bookinfo.svc.cluster.local`).
    Service { namespace: String, name: String },
    /// Something outside the mesh named by the caller: a database (`db.system`
    /// / `db.name`), a `peer.service`, an external host, or a dependency that
    /// traces itself under its own name.
    Virtual { name: String },
    /// The caller of a server span that has no client parent in the trace.
    Unknown,
}

impl TracePeer {
    pub fn workload(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        TracePeer::Workload {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn service(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        TracePeer::Service {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn virtual_node(name: impl Into<String>) -> Self {
        TracePeer::Virtual { name: name.into() }
    }
}

impl std::fmt::Display for TracePeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TracePeer::Workload { namespace, name } => write!(f, "{namespace}/{name}"),
            TracePeer::Service { namespace, name } => write!(f, "service {namespace}/{name}"),
            TracePeer::Virtual { name } => write!(f, "virtual {name}"),
            TracePeer::Unknown => f.write_str("unknown"),
        }
    }
}

/// How the two sides of a [`TraceCall`] were established.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvidence {
    /// A SERVER span whose parent is a CLIENT span of another proxy or service
    /// in the same trace (the OpenTelemetry servicegraph connector's rule).
    ClientServerPair,
    /// A CLIENT span with no server span below it; the destination was named by
    /// `attribute` (`upstream_cluster`, `peer.service`, `db.system`, ...), or
    /// by `service.name` when a dependency traced its own client span under its
    /// own name below a span of its caller.
    ClientOnly { attribute: String },
    /// A SERVER span with no client parent in the trace: the caller is
    /// [`TracePeer::Unknown`] (ingress traffic, an unsampled or untraced caller).
    ServerOnly,
    /// A waypoint span whose `istio.source_*` / `istio.destination_*` tags name
    /// both sides (Istio 1.29 and later). Never paired by parent id.
    Waypoint,
}

/// Calls from one peer to another with one kind of evidence, summed over the
/// sampled spans of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceCall {
    pub source: TracePeer,
    pub destination: TracePeer,
    pub evidence: TraceEvidence,
    /// Sampled calls (pairs or single spans) behind this entry.
    pub spans: u64,
    /// Of those, the failed ones: an error status, an HTTP status of 500 or
    /// more, or Envoy `response_flags` other than `-` on either side.
    pub errors: u64,
    /// One latency per call that had timestamps, in milliseconds, as the caller
    /// saw it (the client span when there is one, else the server span).
    pub durations_ms: Vec<f64>,
    /// Up to [`TraceCall::MAX_TRACE_IDS`] example trace ids (lower-case hex).
    pub trace_ids: Vec<String>,
}

impl TraceCall {
    /// How many example trace ids a call keeps.
    pub const MAX_TRACE_IDS: usize = 5;
}
