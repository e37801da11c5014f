//! What checks read (configuration, telemetry) and how they report.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_config::{
    Enrollment, Kind, Membership, MeshConfig, Object, hosts, items, scalar_text, selector_matches,
};
use meshgraph_core::Reconciliation;
use meshgraph_model::Observation;
use serde_json::Value;

use crate::finding::{Finding, ResourceKind, ResourceRef};
use crate::registry::Code;

/// Telemetry for the MG9xx checks: the raw series and what the core made of them.
#[derive(Debug, Clone, Copy)]
pub struct Telemetry<'a> {
    pub observations: &'a [Observation],
    pub reconciliation: &'a Reconciliation,
}

/// Everything a check may look at.
#[derive(Debug)]
pub struct Context<'a> {
    pub config: &'a MeshConfig,
    pub telemetry: Option<Telemetry<'a>>,
    pub(crate) hosts: HostRegistry,
    /// The objects of each kind, in input order.
    by_kind: BTreeMap<Kind, Vec<&'a Object>>,
    /// Services by namespace, then name.
    services: BTreeMap<&'a str, BTreeMap<&'a str, &'a Object>>,
    /// The topology labels of each Node, by name.
    node_topology: BTreeMap<&'a str, BTreeMap<String, String>>,
    /// Pods and pod templates with the labels selectors see, indexed.
    pods: PodIndex<'a>,
    /// PeerAuthentications by namespace, in input order.
    peer_authentications: BTreeMap<&'a str, Vec<&'a Object>>,
    /// Objects by (kind, namespace, name), the first of each: owner lookups.
    by_name: std::collections::HashMap<(&'a str, &'a str, &'a str), &'a Object>,
    /// Objects by (kind, namespace as written, name), the first of each:
    /// [`Context::object`].
    by_ref: std::collections::HashMap<(Kind, Option<&'a str>, &'a str), &'a Object>,
    /// Objects by (kind, effective namespace, name), the first of each with
    /// its position in the input: [`Context::named`].
    by_kind_name: std::collections::HashMap<(Kind, &'a str, &'a str), (usize, &'a Object)>,
    /// Namespace objects by name, the first of each.
    namespaces: std::collections::HashMap<&'a str, &'a Object>,
}

/// Pods and pod templates, with their labels (Node topology added), indexed
/// by namespace and by label, so a selector is matched against the pods
/// carrying one of its labels instead of every pod.
#[derive(Debug, Default)]
struct PodIndex<'a> {
    list: Vec<(&'a Object, BTreeMap<String, String>)>,
    all_indices: Vec<usize>,
    by_namespace: BTreeMap<&'a str, Vec<usize>>,
    by_label: std::collections::HashMap<(String, String), Vec<usize>>,
    /// The same by namespace: a namespaced selector's candidates are the
    /// pods of its namespace with the label, not every namespace's.
    by_namespace_label: std::collections::HashMap<(&'a str, String, String), Vec<usize>>,
}

/// The Node labels Istio copies onto the labels of the pods running there.
pub const NODE_TOPOLOGY_LABELS: &[&str] = &[
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
];

impl<'a> Context<'a> {
    pub fn new(config: &'a MeshConfig, telemetry: Option<Telemetry<'a>>) -> Self {
        let mut by_kind: BTreeMap<Kind, Vec<&'a Object>> = BTreeMap::new();
        let mut services: BTreeMap<&'a str, BTreeMap<&'a str, &'a Object>> = BTreeMap::new();
        let mut node_topology = BTreeMap::new();
        for o in &config.objects {
            if o.kind == Kind::Node {
                let labels: BTreeMap<String, String> = NODE_TOPOLOGY_LABELS
                    .iter()
                    .filter_map(|k| o.label(k).map(|v| (k.to_string(), v.to_string())))
                    .collect();
                node_topology.insert(o.name(), labels);
            }
            by_kind.entry(o.kind).or_default().push(o);
            if o.kind == Kind::Service {
                services
                    .entry(o.effective_namespace())
                    .or_default()
                    .entry(o.name())
                    .or_insert(o);
            }
        }
        let mut cx = Context {
            config,
            telemetry,
            hosts: HostRegistry::build(config),
            by_kind,
            services,
            node_topology,
            pods: PodIndex::default(),
            peer_authentications: BTreeMap::new(),
            by_name: std::collections::HashMap::new(),
            by_ref: std::collections::HashMap::new(),
            by_kind_name: std::collections::HashMap::new(),
            namespaces: std::collections::HashMap::new(),
        };
        for (i, o) in config.objects.iter().enumerate() {
            cx.by_kind_name
                .entry((o.kind, o.effective_namespace(), o.name()))
                .or_insert((i, o));
            cx.by_name
                .entry((o.kind.as_str(), o.effective_namespace(), o.name()))
                .or_insert(o);
            cx.by_ref
                .entry((o.kind, o.namespace(), o.name()))
                .or_insert(o);
            if o.kind == Kind::Namespace {
                cx.namespaces.entry(o.name()).or_insert(o);
            }
        }
        for pa in config.of_kind(Kind::PeerAuthentication) {
            cx.peer_authentications
                .entry(pa.effective_namespace())
                .or_default()
                .push(pa);
        }
        let list: Vec<(&'a Object, BTreeMap<String, String>)> = config
            .pod_carriers()
            .filter_map(|o| cx.pod_labels(o).map(|labels| (o, labels)))
            .collect();
        let mut pods = PodIndex {
            all_indices: (0..list.len()).collect(),
            ..PodIndex::default()
        };
        for (i, (o, _)) in list.iter().enumerate() {
            pods.by_namespace
                .entry(o.effective_namespace())
                .or_default()
                .push(i);
        }
        for (i, (o, labels)) in list.iter().enumerate() {
            for (k, v) in labels {
                pods.by_label
                    .entry((k.clone(), v.clone()))
                    .or_default()
                    .push(i);
                pods.by_namespace_label
                    .entry((o.effective_namespace(), k.clone(), v.clone()))
                    .or_default()
                    .push(i);
            }
        }
        pods.list = list;
        cx.pods = pods;
        cx
    }

    /// The labels selectors see on a Pod or pod template: its own, and for a
    /// Pod scheduled on a Node of the input, the Node's topology labels
    /// ([`NODE_TOPOLOGY_LABELS`]) it does not set itself, as Istio adds them.
    pub fn pod_labels(&self, o: &Object) -> Option<BTreeMap<String, String>> {
        let mut labels = o.pod_template()?.labels;
        if o.kind == Kind::Pod
            && let Some(node) = o.spec.get("nodeName").and_then(Value::as_str)
            && let Some(topology) = self.node_topology.get(node)
        {
            for (k, v) in topology {
                labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Some(labels)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &'a Object> + use<'a> {
        self.by_kind
            .get(&kind)
            .cloned()
            .unwrap_or_default()
            .into_iter()
    }

    /// The Service `name` in `namespace`.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.services.get(namespace)?.get(name).copied()
    }

    /// The `values` of the sidecar injector's ConfigMap for a revision
    /// (`istio-sidecar-injector`, or `istio-sidecar-injector-REV`, in the
    /// root namespace), parsed; `None` when it is not in the input.
    pub fn injector_values(&self, revision: Option<&str>) -> Option<Value> {
        let name = match revision {
            Some(rev) if rev != "default" => format!("istio-sidecar-injector-{rev}"),
            _ => "istio-sidecar-injector".to_string(),
        };
        let root = self.config.settings.root_namespace.as_str();
        let cm = self
            .of_kind(Kind::ConfigMap)
            .find(|c| c.name() == name && c.effective_namespace() == root)?;
        let text = cm.spec.get("data")?.get("values")?.as_str()?;
        serde_json::from_str(text).ok()
    }

    /// [`MeshConfig::owner_in_input`] through an index: the top-most
    /// controller of an object that is in the input.
    pub fn owner_in_input(&self, object: &Object) -> Option<&'a Object> {
        let ns = object.effective_namespace();
        let find = |kind: &str, name: &str| self.by_name.get(&(kind, ns, name)).copied();
        let owner = object
            .metadata
            .owner_references
            .iter()
            .find(|r| r.controller)
            .or_else(|| object.metadata.owner_references.first())?;
        if let Some(found) = find(&owner.kind, &owner.name) {
            if std::ptr::eq(found, object) {
                return None;
            }
            return Some(self.owner_in_input(found).unwrap_or(found));
        }
        if owner.kind == "ReplicaSet" {
            let deployment = match object.label("pod-template-hash") {
                Some(h) => owner.name.strip_suffix(&format!("-{h}")),
                None => owner.name.rsplit_once('-').map(|(d, _)| d),
            }?;
            return find("Deployment", deployment);
        }
        None
    }

    /// The Services of a namespace.
    pub fn services_in(&self, namespace: &str) -> impl Iterator<Item = &'a Object> + use<'a> {
        self.services
            .get(namespace)
            .map(|m| m.values().copied().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
    }

    /// The Service a cluster-local FQDN names.
    pub fn service_by_fqdn(&self, fqdn: &str) -> Option<&'a Object> {
        let (name, namespace) = hosts::split_service_fqdn(fqdn)?;
        self.service(namespace, name)
    }

    /// Pods and pod templates matching `selector`, in `namespace` (`None`: anywhere).
    pub fn selected(
        &self,
        selector: &BTreeMap<String, String>,
        namespace: Option<&str>,
    ) -> Vec<&'a Object> {
        // Candidates: the pods (of the namespace, when given) carrying the
        // selector's rarest label, else every pod of the scope; then the
        // full match.
        let candidates: &[usize] = match selector
            .iter()
            .map(|(k, v)| {
                let list = match namespace {
                    Some(ns) => self
                        .pods
                        .by_namespace_label
                        .get(&(ns, k.clone(), v.clone())),
                    None => self.pods.by_label.get(&(k.clone(), v.clone())),
                };
                list.map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|list| list.len())
        {
            Some(list) => list,
            None => match namespace {
                Some(ns) => self.pods.by_namespace.get(ns).map_or(&[], Vec::as_slice),
                None => &self.pods.all_indices,
            },
        };
        candidates
            .iter()
            .map(|&i| &self.pods.list[i])
            .filter(|(o, _)| namespace.is_none_or(|ns| o.effective_namespace() == ns))
            .filter(|(_, labels)| selector_matches(selector, labels))
            .map(|(o, _)| *o)
            .collect()
    }

    /// Whether the input holds any pod or workload at all.
    pub fn has_workloads(&self) -> bool {
        self.config.pod_carriers().next().is_some()
    }

    /// The object a resource reference names, if in the input.
    pub fn object(&self, resource: &ResourceRef) -> Option<&'a Object> {
        let ResourceKind::Config(kind) = resource.kind else {
            return None;
        };
        self.by_ref
            .get(&(kind, resource.namespace.as_deref(), resource.name.as_str()))
            .copied()
    }

    /// The first object of one of `kinds` (the earliest in the input when
    /// several kinds have one) named `name` in `namespace` (effective
    /// namespace; empty for cluster-scoped kinds).
    pub fn named(&self, kinds: &[Kind], namespace: &str, name: &str) -> Option<&'a Object> {
        kinds
            .iter()
            .filter_map(|&k| self.by_kind_name.get(&(k, namespace, name)))
            .min_by_key(|(i, _)| *i)
            .map(|(_, o)| *o)
    }

    /// [`MeshConfig::namespace`] through an index: the Namespace object of
    /// that name, if it is in the input.
    pub fn namespace(&self, name: &str) -> Option<&'a Object> {
        self.namespaces.get(name).copied()
    }

    /// [`MeshConfig::enrollment`] through an index.
    pub fn enrollment(&self, namespace: &str) -> Option<Enrollment> {
        self.namespace(namespace).map(Enrollment::of)
    }

    /// [`MeshConfig::membership`] through an index.
    pub fn membership(&self, object: &Object) -> Option<Membership> {
        let enrollment = self.enrollment(object.effective_namespace());
        Membership::of(object, enrollment.as_ref())
    }

    /// A workload (Deployment, StatefulSet, DaemonSet) by the name Istio's
    /// telemetry gives it (`destination_workload`).
    pub fn workload(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.named(
            &[Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet],
            namespace,
            name,
        )
    }

    /// The mTLS mode in force for a pod (template) in `namespace` with `labels`:
    /// workload PeerAuthentication, then namespace, then mesh (root namespace),
    /// else Istio's default PERMISSIVE. Returns the mode and the policy that set it.
    pub fn effective_mtls(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> (MtlsMode, Option<&'a Object>) {
        let root = self.config.settings.root_namespace.as_str();
        let mode_of = |pa: &Object| {
            pa.spec_at(&["mtls", "mode"])
                .and_then(scalar_text)
                .map_or(MtlsMode::Unset, |text| MtlsMode::from_text(&text))
        };
        let in_ns = |ns: &str| {
            self.peer_authentications
                .get(ns)
                .map_or(&[][..], Vec::as_slice)
        };
        let workload = in_ns(namespace).iter().find(|pa| {
            pa.selector()
                .is_some_and(|s| !s.is_empty() && selector_matches(&s, labels))
        });
        let ns_level = in_ns(namespace).iter().find(|pa| pa.selector().is_none());
        let mesh = in_ns(root).iter().find(|pa| pa.selector().is_none());
        for pa in [workload, ns_level, mesh].into_iter().flatten().copied() {
            let mode = mode_of(pa);
            if mode != MtlsMode::Unset {
                return (mode, Some(pa));
            }
        }
        (MtlsMode::Permissive, None)
    }
}

/// A PeerAuthentication's `mtls.mode`. Displays as written in the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MtlsMode {
    /// `UNSET`, or no mode: inherit from the parent scope.
    Unset,
    Disable,
    Permissive,
    Strict,
    /// A value Istio does not define, kept as written.
    Other(String),
}

impl MtlsMode {
    /// Reads the mode as written (Istio's names are upper case).
    pub fn from_text(text: &str) -> MtlsMode {
        match text {
            "UNSET" => MtlsMode::Unset,
            "DISABLE" => MtlsMode::Disable,
            "PERMISSIVE" => MtlsMode::Permissive,
            "STRICT" => MtlsMode::Strict,
            other => MtlsMode::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            MtlsMode::Unset => "UNSET",
            MtlsMode::Disable => "DISABLE",
            MtlsMode::Permissive => "PERMISSIVE",
            MtlsMode::Strict => "STRICT",
            MtlsMode::Other(text) => text,
        }
    }
}

impl std::fmt::Display for MtlsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Collects findings, applying the registry's defaults and per-object ignores.
#[derive(Debug, Default)]
pub struct Findings {
    pub(crate) list: Vec<Finding>,
    /// Findings silenced by `meshgraph.io/ignore` annotations.
    pub(crate) silenced: usize,
    /// A scratch finding for silenced ones, so builders still work.
    scratch: Option<Finding>,
}

/// The annotation that silences codes on one object.
pub const IGNORE_ANNOTATION: &str = "meshgraph.io/ignore";

/// Whether an object's `meshgraph.io/ignore` annotation lists `code`.
pub fn object_ignores(object: &Object, code: Code) -> bool {
    let listed = |text: &str| text.split([',', ' ']).any(|c| c.trim() == code.as_str());
    object.annotation(IGNORE_ANNOTATION).is_some_and(listed)
        || object
            .pod_template()
            .and_then(|p| p.annotations.get(IGNORE_ANNOTATION).cloned())
            .is_some_and(|a| listed(&a))
}

impl Findings {
    fn blank(code: Code, resource: ResourceRef, message: String) -> Finding {
        let rule = code.rule();
        Finding {
            code,
            name: rule.name.to_string(),
            severity: rule.severity,
            istio_code: rule.istio_code.map(str::to_string),
            resource,
            path: None,
            message,
            evidence: Vec::new(),
            source: None,
            edges: Vec::new(),
        }
    }

    /// A finding about an object of the input.
    pub fn add(&mut self, code: Code, object: &Object, message: impl Into<String>) -> &mut Finding {
        let mut finding = Self::blank(code, ResourceRef::of(object), message.into());
        finding.source = object.source.clone();
        if object_ignores(object, code) {
            self.silenced += 1;
            return self.scratch.insert(finding);
        }
        self.list.push(finding);
        self.list.last_mut().expect("just pushed")
    }

    /// A finding about something that may not be an input object (telemetry).
    pub fn add_ref(
        &mut self,
        code: Code,
        resource: ResourceRef,
        object: Option<&Object>,
        message: impl Into<String>,
    ) -> &mut Finding {
        if let Some(o) = object {
            return self.add(code, o, message);
        }
        self.list.push(Self::blank(code, resource, message.into()));
        self.list.last_mut().expect("just pushed")
    }
}

/// A host that destinations can resolve to: a Service or a ServiceEntry host.
#[derive(Debug, Clone)]
pub(crate) struct HostEntry {
    pub ports: Vec<u32>,
}

/// Istio's view of which hosts each namespace can see (exportTo honoured):
/// keys are (scope, FQDN) where scope is `*` or a namespace.
#[derive(Debug, Default)]
pub(crate) struct HostRegistry {
    entries: BTreeMap<(String, String), HostEntry>,
    /// The entries whose host is a wildcard (`*.example.com`), in the same
    /// order: what a host not found exactly is matched against.
    wildcards: BTreeMap<(String, String), HostEntry>,
}

impl HostRegistry {
    fn build(config: &MeshConfig) -> HostRegistry {
        let mut entries = BTreeMap::new();
        for se in config.of_kind(Kind::ServiceEntry) {
            let ns = se.effective_namespace();
            let ports = spec_port_numbers(se.spec.get("ports"), "number");
            let scopes = scopes(&se.export_to(), ns);
            for host in se.spec_strings("hosts") {
                for scope in &scopes {
                    entries.insert(
                        (scope.clone(), hosts::fqdn(&host, ns)),
                        HostEntry {
                            ports: ports.clone(),
                        },
                    );
                }
            }
        }
        for svc in config.of_kind(Kind::Service) {
            let ns = svc.effective_namespace();
            let ports = svc
                .service_ports()
                .iter()
                .map(|p| p.port)
                .collect::<Vec<_>>();
            for scope in scopes(&svc.export_to(), ns) {
                entries.insert(
                    (scope, hosts::service_fqdn(svc.name(), ns)),
                    HostEntry {
                        ports: ports.clone(),
                    },
                );
            }
        }
        let wildcards = entries
            .iter()
            .filter(|((_, host), _)| host.starts_with('*'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        HostRegistry { entries, wildcards }
    }

    /// Resolves `host` as seen from an object in `namespace` exported to
    /// `export_to` (Istio's `GetDestinationHost`): exported-to-all hosts, then
    /// the object's export scopes, then wildcard ServiceEntry hosts.
    pub fn lookup(&self, namespace: &str, export_to: &[String], host: &str) -> Option<&HostEntry> {
        let fqdn = hosts::fqdn(host, namespace);
        if let Some(e) = self.entries.get(&("*".to_string(), fqdn.clone())) {
            return Some(e);
        }
        let own = [namespace.to_string()];
        let scopes: &[String] = if export_to.is_empty() {
            &own
        } else {
            export_to
        };
        for scope in scopes {
            let scope = if scope == "." {
                namespace
            } else {
                scope.as_str()
            };
            if let Some(e) = self.entries.get(&(scope.to_string(), fqdn.clone())) {
                return Some(e);
            }
        }
        let wanted = fqdn.trim_start_matches('*');
        self.wildcards.iter().find_map(|((scope, se_host), e)| {
            let suffix = se_host.strip_prefix('*')?;
            (scope == "*" || scope == namespace)
                .then_some(())
                .filter(|_| wanted.ends_with(suffix))
                .map(|_| e)
        })
    }

    /// Whether a host is visible from `namespace` at all.
    pub fn visible(&self, namespace: &str, host: &str) -> bool {
        self.lookup(namespace, &[], host).is_some()
    }
}

/// Export scopes of an object: `*` when exported everywhere, `.` resolved.
fn scopes(export_to: &[String], namespace: &str) -> Vec<String> {
    if export_to.is_empty() || export_to.iter().any(|e| e == "*") {
        return vec!["*".to_string()];
    }
    export_to
        .iter()
        .map(|e| {
            if e == "." {
                namespace.to_string()
            } else {
                e.clone()
            }
        })
        .collect()
}

fn spec_port_numbers(ports: Option<&Value>, key: &str) -> Vec<u32> {
    ports
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get(key).and_then(Value::as_u64))
        .map(|n| n as u32)
        .collect()
}

/// One destination of a VirtualService route or mirror.
#[derive(Debug, Clone)]
pub(crate) struct Destination<'a> {
    pub path: String,
    pub host: Option<&'a str>,
    pub subset: Option<&'a str>,
    pub port: Option<u64>,
}

/// Every route and mirror destination of a VirtualService, HTTP, TCP and TLS.
pub(crate) fn vs_destinations(vs: &Object) -> Vec<Destination<'_>> {
    let mut out = Vec::new();
    fn dest(v: Option<&Value>, path: String) -> Destination<'_> {
        let v = v.filter(|v| v.is_object());
        Destination {
            path,
            host: v.and_then(|d| d.get("host")).and_then(Value::as_str),
            subset: v.and_then(|d| d.get("subset")).and_then(Value::as_str),
            port: v
                .and_then(|d| d.get("port"))
                .and_then(|p| p.get("number"))
                .and_then(Value::as_u64),
        }
    }
    for proto in ["http", "tcp", "tls"] {
        let Some(Value::Array(routes)) = vs.spec.get(proto) else {
            continue;
        };
        for (i, route) in routes.iter().enumerate() {
            if let Some(Value::Array(items)) = route.get("route") {
                for (j, item) in items.iter().enumerate() {
                    out.push(dest(
                        item.get("destination"),
                        format!("spec/{proto}[{i}]/route[{j}]/destination"),
                    ));
                }
            }
            if proto == "http" {
                if let Some(m) = route.get("mirror").filter(|m| m.is_object()) {
                    out.push(dest(Some(m), format!("spec/http[{i}]/mirror")));
                }
                if let Some(Value::Array(mirrors)) = route.get("mirrors") {
                    for (j, m) in mirrors.iter().enumerate() {
                        out.push(dest(
                            m.get("destination"),
                            format!("spec/http[{i}]/mirrors[{j}]/destination"),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Whether a VirtualService applies to sidecars (no `gateways`, or `mesh` among them).
pub(crate) fn vs_is_mesh_bound(vs: &Object) -> bool {
    let gateways = vs.spec_strings("gateways");
    gateways.is_empty() || gateways.iter().any(|g| g == "mesh")
}

/// The subset names each DestinationRule host (FQDN) defines.
pub(crate) fn subsets_by_host(config: &MeshConfig) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for dr in config.of_kind(Kind::DestinationRule) {
        let Some(host) = dr.spec.get("host").and_then(Value::as_str) else {
            continue;
        };
        let names = items(&dr.spec, "subsets")
            .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string));
        out.entry(hosts::fqdn(host, dr.effective_namespace()))
            .or_default()
            .extend(names);
    }
    out
}

/// DestinationRule subsets with their labels and paths.
pub(crate) fn dr_subsets(dr: &Object) -> Vec<(usize, String, BTreeMap<String, String>)> {
    items(&dr.spec, "subsets")
        .enumerate()
        .map(|(i, s)| {
            (
                i,
                s.get("name").and_then(scalar_text).unwrap_or_default(),
                meshgraph_config::string_map(s.get("labels")),
            )
        })
        .collect()
}

/// `key=value,...` for messages.
pub(crate) fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Every `tls.mode` set in a DestinationRule, with its path.
pub(crate) fn dr_tls_modes(dr: &Object) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut policy = |p: Option<&Value>, path: String| {
        let Some(p) = p else { return };
        if let Some(mode) = p
            .get("tls")
            .and_then(|t| t.get("mode"))
            .and_then(Value::as_str)
        {
            out.push((format!("{path}/tls/mode"), mode.to_string()));
        }
        if let Some(Value::Array(ports)) = p.get("portLevelSettings") {
            for (i, port) in ports.iter().enumerate() {
                if let Some(mode) = port
                    .get("tls")
                    .and_then(|t| t.get("mode"))
                    .and_then(Value::as_str)
                {
                    out.push((
                        format!("{path}/portLevelSettings[{i}]/tls/mode"),
                        mode.to_string(),
                    ));
                }
            }
        }
    };
    policy(dr.spec.get("trafficPolicy"), "spec/trafficPolicy".into());
    if let Some(Value::Array(subsets)) = dr.spec.get("subsets") {
        for (i, s) in subsets.iter().enumerate() {
            policy(
                s.get("trafficPolicy"),
                format!("spec/subsets[{i}]/trafficPolicy"),
            );
        }
    }
    out
}

impl<'a> Context<'a> {
    /// The resource a telemetry workload stands for: its Deployment (or
    /// StatefulSet, DaemonSet) when in the input, else a `Workload` reference.
    pub(crate) fn workload_resource(
        &self,
        w: &meshgraph_core::WorkloadRef,
    ) -> (ResourceRef, Option<&'a Object>) {
        match self.workload(&w.namespace, &w.name) {
            Some(o) => (ResourceRef::of(o), Some(o)),
            None => (
                ResourceRef::new(ResourceKind::Workload, Some(&w.namespace), w.name.clone()),
                None,
            ),
        }
    }

    /// Pod labels of a telemetry workload: from its template when in the input,
    /// else `app`/`version` as the telemetry names them.
    pub(crate) fn workload_labels(
        &self,
        w: &meshgraph_core::WorkloadRef,
    ) -> BTreeMap<String, String> {
        if let Some(p) = self
            .workload(&w.namespace, &w.name)
            .and_then(|o| o.pod_template())
        {
            return p.labels;
        }
        let mut labels = BTreeMap::new();
        if let Some(t) = self.telemetry
            && let Some(info) = t.reconciliation.classification.workloads.get(w)
        {
            labels.insert("app".to_string(), info.app.clone());
            labels.insert("version".to_string(), info.version.clone());
        }
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(objects: Vec<Value>) -> MeshConfig {
        let (config, warnings) = MeshConfig::from_values(objects);
        assert!(warnings.is_empty(), "{warnings:?}");
        config
    }

    fn service(namespace: &str, name: &str, export_to: Option<&str>) -> Value {
        let mut metadata = json!({"name": name, "namespace": namespace});
        if let Some(e) = export_to {
            metadata["annotations"] = json!({"networking.istio.io/exportTo": e});
        }
        json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata,
            "spec": {"ports": [{"port": 9080}]}})
    }

    fn service_entry(namespace: &str, host: &str, export_to: &[&str]) -> Value {
        json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
            "metadata": {"name": "se", "namespace": namespace},
            "spec": {"hosts": [host], "exportTo": export_to,
                "ports": [{"number": 443, "name": "https"}, {"number": 8443, "name": "alt"}]}})
    }

    #[test]
    fn a_service_exported_to_its_own_namespace_is_visible_only_there() {
        // exportTo `.` means the Service's namespace, not everywhere and not a scope named `.`.
        let c = config(vec![service("shop", "reviews", Some("."))]);
        let hosts = HostRegistry::build(&c);
        let fqdn = "reviews.shop.svc.cluster.local";
        assert!(hosts.visible("shop", fqdn));
        assert!(!hosts.visible("other", fqdn));
    }

    #[test]
    fn lookup_resolves_a_dot_in_the_callers_export_scopes() {
        // A caller in `other` exported to `.` sees hosts exported to `other`.
        let c = config(vec![service("shop", "reviews", Some("other"))]);
        let hosts = HostRegistry::build(&c);
        let fqdn = "reviews.shop.svc.cluster.local";
        assert!(hosts.lookup("other", &[".".to_string()], fqdn).is_some());
        assert!(hosts.lookup("third", &[".".to_string()], fqdn).is_none());
    }

    #[test]
    fn wildcard_hosts_match_from_their_export_scopes_with_their_ports() {
        // `*.example.com` exported to all matches anywhere; `*.internal.org`
        // exported to `.` only from its own namespace `ext`.
        let c = config(vec![
            service_entry("ext", "*.example.com", &["*"]),
            service_entry("ext", "*.internal.org", &["."]),
        ]);
        let hosts = HostRegistry::build(&c);
        let entry = hosts
            .lookup("shop", &[], "api.example.com")
            .expect("wildcard");
        assert_eq!(entry.ports, [443, 8443]);
        assert!(hosts.lookup("ext", &[], "db.internal.org").is_some());
        assert!(hosts.lookup("shop", &[], "db.internal.org").is_none());
    }

    #[test]
    fn spec_port_numbers_reads_each_ports_key() {
        // Entries without the key, or not numbers, are skipped.
        let ports = json!([{"number": 80}, {"name": "x"}, {"number": "443"}, {"number": 9080}]);
        assert_eq!(spec_port_numbers(Some(&ports), "number"), [80, 9080]);
        assert_eq!(spec_port_numbers(None, "number"), Vec::<u32>::new());
    }

    #[test]
    fn vs_destinations_collect_mirrors_of_http_routes_only() {
        // `mirror` counts on HTTP routes; TCP routes have none.
        let c = config(vec![json!({"apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService", "metadata": {"name": "vs", "namespace": "shop"},
            "spec": {"hosts": ["reviews"],
                "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1",
                    "port": {"number": 9080}}}], "mirror": {"host": "shadow"}}],
                "tcp": [{"route": [{"destination": {"host": "db"}}], "mirror": {"host": "nope"}}]}})]);
        let vs = &c.objects[0];
        let found: Vec<_> = vs_destinations(vs)
            .iter()
            .map(|d| (d.path.clone(), d.host, d.subset, d.port))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "spec/http[0]/route[0]/destination".to_string(),
                    Some("reviews"),
                    Some("v1"),
                    Some(9080)
                ),
                (
                    "spec/http[0]/mirror".to_string(),
                    Some("shadow"),
                    None,
                    None
                ),
                (
                    "spec/tcp[0]/route[0]/destination".to_string(),
                    Some("db"),
                    None,
                    None
                ),
            ]
        );
    }
}
