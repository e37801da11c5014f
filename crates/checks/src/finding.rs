//! What a check reports.

use meshgraph_config::{Kind, Object, Source};
use serde::Serialize;

use crate::registry::Code;
pub use meshgraph_model::Severity;

/// The kind of resource a finding is about: an object kind meshgraph reads,
/// or what telemetry names when the object is not in the input. Compared,
/// ordered, displayed and serialised by its name (`Deployment`, `Workload`),
/// so both Gateway kinds are `Gateway`.
#[derive(Debug, Clone)]
pub enum ResourceKind {
    /// A kind of the configuration (`meshgraph_config::Kind`).
    Config(Kind),
    /// A workload telemetry names whose Deployment (or StatefulSet,
    /// DaemonSet) is not in the input.
    Workload,
    /// A destination of telemetry that is no Service (a host, `unknown`).
    Destination,
    /// A kind meshgraph does not read, e.g. the `Job` owning a pod.
    Other(String),
}

impl ResourceKind {
    /// The kind a Kubernetes kind name, or `Workload`/`Destination`, stands for.
    pub fn from_name(name: &str) -> ResourceKind {
        match name {
            "Workload" => ResourceKind::Workload,
            "Destination" => ResourceKind::Destination,
            _ => Kind::parse(name, "", &serde_json::Value::Null).map_or_else(
                || ResourceKind::Other(name.to_string()),
                ResourceKind::Config,
            ),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ResourceKind::Config(kind) => kind.as_str(),
            ResourceKind::Workload => "Workload",
            ResourceKind::Destination => "Destination",
            ResourceKind::Other(name) => name,
        }
    }

    /// Whether findings of this kind are about a workload (badged on its node).
    pub fn is_workload(&self) -> bool {
        matches!(
            self,
            ResourceKind::Workload
                | ResourceKind::Config(
                    Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::Pod
                )
        )
    }
}

impl From<Kind> for ResourceKind {
    fn from(kind: Kind) -> Self {
        ResourceKind::Config(kind)
    }
}

impl PartialEq for ResourceKind {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ResourceKind {}

impl PartialOrd for ResourceKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for ResourceKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResourceKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    /// `None` for cluster-scoped objects and objects written without one.
    pub namespace: Option<String>,
    pub name: String,
}

impl ResourceRef {
    pub fn new(
        kind: impl Into<ResourceKind>,
        namespace: Option<&str>,
        name: impl Into<String>,
    ) -> Self {
        ResourceRef {
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            name: name.into(),
        }
    }

    pub fn of(object: &Object) -> Self {
        ResourceRef::new(object.kind, object.namespace(), object.name())
    }
}

impl std::fmt::Display for ResourceRef {
    /// `Kind ns/name`, or `Kind name` without a namespace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One problem found in the mesh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable id, e.g. `MG101`.
    pub code: Code,
    /// The problem as a noun phrase, e.g. `missing-sidecar`.
    pub name: String,
    pub severity: Severity,
    /// The equivalent `istioctl analyze` code, when one exists.
    pub istio_code: Option<String>,
    pub resource: ResourceRef,
    /// Where inside the object, e.g. `spec/http[0]/route[0]/destination`.
    pub path: Option<String>,
    /// One sentence, no trailing period.
    pub message: String,
    /// What was looked at.
    pub evidence: Vec<String>,
    /// The file and line the object was read from.
    #[serde(skip)]
    pub source: Option<Source>,
    /// The logical edges (source, destination) a telemetry finding is about,
    /// so the graph can show it on them.
    #[serde(skip)]
    pub edges: Vec<(meshgraph_core::Endpoint, meshgraph_core::Endpoint)>,
}

impl Finding {
    pub fn at(&mut self, path: impl Into<String>) -> &mut Self {
        self.path = Some(path.into());
        self
    }

    /// Marks the finding as being about one logical edge.
    pub fn on_edge(
        &mut self,
        source: &meshgraph_core::Endpoint,
        destination: &meshgraph_core::Endpoint,
    ) -> &mut Self {
        self.edges.push((source.clone(), destination.clone()));
        self
    }

    pub fn evidence(&mut self, line: impl Into<String>) -> &mut Self {
        self.evidence.push(line.into());
        self
    }

    /// Overrides the registry's severity (for codes documented with two levels).
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// Overrides the istioctl code (a code whose istioctl equivalent depends on the case).
    pub fn istio_code(&mut self, code: Option<&str>) -> &mut Self {
        self.istio_code = code.map(str::to_string);
        self
    }

    /// The istioctl-style line: `Warning [MG101] (Pod bookinfo/x) message`.
    pub fn line(&self) -> String {
        format!(
            "{} [{}] ({}) {}",
            self.severity, self.code, self.resource, self.message
        )
    }
}
