//! One Kubernetes or Istio object: typed metadata, the rest as JSON.

use std::collections::BTreeMap;

use serde_json::Value;

/// The kinds meshgraph reads. Everything else is noted and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Service,
    ServiceAccount,
    VirtualService,
    DestinationRule,
    /// `networking.istio.io` Gateway.
    Gateway,
    ServiceEntry,
    Sidecar,
    PeerAuthentication,
    AuthorizationPolicy,
    RequestAuthentication,
    Telemetry,
    /// `gateway.networking.k8s.io` Gateway.
    KubeGateway,
    HttpRoute,
    GrpcRoute,
    ReferenceGrant,
    EnvoyFilter,
    WasmPlugin,
    ProxyConfig,
    /// Only `data` is kept (in `spec.data`); recordings drop it.
    ConfigMap,
    /// Only the type and the key names are kept (`spec.type`, `spec.keys`):
    /// values are never copied out of the parsed document.
    Secret,
    Node,
    /// `webhooks` is kept in `spec.webhooks`.
    MutatingWebhookConfiguration,
    /// `webhooks` is kept in `spec.webhooks`.
    ValidatingWebhookConfiguration,
    CustomResourceDefinition,
}

impl Kind {
    /// Reads `kind` (and `apiVersion`, to tell the two Gateways apart).
    pub fn parse(kind: &str, api_version: &str, spec: &Value) -> Option<Kind> {
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        Some(match kind {
            "Namespace" => Kind::Namespace,
            "Pod" => Kind::Pod,
            "Deployment" => Kind::Deployment,
            "StatefulSet" => Kind::StatefulSet,
            "DaemonSet" => Kind::DaemonSet,
            "ReplicaSet" => Kind::ReplicaSet,
            "Service" => Kind::Service,
            "ServiceAccount" => Kind::ServiceAccount,
            "VirtualService" => Kind::VirtualService,
            "DestinationRule" => Kind::DestinationRule,
            "Gateway" => {
                let kube = group == "gateway.networking.k8s.io"
                    || (group.is_empty()
                        && (spec.get("gatewayClassName").is_some()
                            || spec.get("listeners").is_some()));
                if kube {
                    Kind::KubeGateway
                } else {
                    Kind::Gateway
                }
            }
            "ServiceEntry" => Kind::ServiceEntry,
            "Sidecar" => Kind::Sidecar,
            "PeerAuthentication" => Kind::PeerAuthentication,
            "AuthorizationPolicy" => Kind::AuthorizationPolicy,
            "RequestAuthentication" => Kind::RequestAuthentication,
            "Telemetry" => Kind::Telemetry,
            "HTTPRoute" => Kind::HttpRoute,
            "GRPCRoute" => Kind::GrpcRoute,
            "ReferenceGrant" => Kind::ReferenceGrant,
            "EnvoyFilter" => Kind::EnvoyFilter,
            "WasmPlugin" => Kind::WasmPlugin,
            "ProxyConfig" => Kind::ProxyConfig,
            "ConfigMap" => Kind::ConfigMap,
            "Secret" => Kind::Secret,
            "Node" => Kind::Node,
            "MutatingWebhookConfiguration" => Kind::MutatingWebhookConfiguration,
            "ValidatingWebhookConfiguration" => Kind::ValidatingWebhookConfiguration,
            "CustomResourceDefinition" => Kind::CustomResourceDefinition,
            _ => return None,
        })
    }

    /// The Kubernetes kind name (both Gateways are `Gateway`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Service => "Service",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::VirtualService => "VirtualService",
            Kind::DestinationRule => "DestinationRule",
            Kind::Gateway | Kind::KubeGateway => "Gateway",
            Kind::ServiceEntry => "ServiceEntry",
            Kind::Sidecar => "Sidecar",
            Kind::PeerAuthentication => "PeerAuthentication",
            Kind::AuthorizationPolicy => "AuthorizationPolicy",
            Kind::RequestAuthentication => "RequestAuthentication",
            Kind::Telemetry => "Telemetry",
            Kind::HttpRoute => "HTTPRoute",
            Kind::GrpcRoute => "GRPCRoute",
            Kind::ReferenceGrant => "ReferenceGrant",
            Kind::EnvoyFilter => "EnvoyFilter",
            Kind::WasmPlugin => "WasmPlugin",
            Kind::ProxyConfig => "ProxyConfig",
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
            Kind::Node => "Node",
            Kind::MutatingWebhookConfiguration => "MutatingWebhookConfiguration",
            Kind::ValidatingWebhookConfiguration => "ValidatingWebhookConfiguration",
            Kind::CustomResourceDefinition => "CustomResourceDefinition",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn is_namespaced(self) -> bool {
        !matches!(
            self,
            Kind::Namespace
                | Kind::Node
                | Kind::MutatingWebhookConfiguration
                | Kind::ValidatingWebhookConfiguration
                | Kind::CustomResourceDefinition
        )
    }

    /// Controllers that own pods through a pod template.
    pub fn is_workload(self) -> bool {
        matches!(
            self,
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::ReplicaSet
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an object was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    /// The path as given (`-` for stdin, `<scenario>` for in-memory objects).
    pub file: String,
    /// 1-based line of the document (or list item) the object starts at.
    pub line: Option<usize>,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// `metadata.ownerReferences[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
    pub controller: bool,
}

/// The metadata fields meshgraph uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerRef>,
    pub creation_timestamp: Option<String>,
}

/// The elements of the array at `value[key]`; none when it is absent or not an array.
pub fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// A string map read leniently: numbers and booleans become text, nulls are dropped.
pub fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| scalar_text(v).map(|v| (k.clone(), v)))
        .collect()
}

/// A scalar as text; `None` for null, arrays and maps.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of strings read leniently (a lone string counts as a list of one).
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Metadata {
    fn from_value(value: Option<&Value>) -> Metadata {
        let get = |k: &str| value.and_then(|m| m.get(k));
        let owner_references = match get("ownerReferences") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|o| {
                    Some(OwnerRef {
                        kind: o.get("kind")?.as_str()?.to_string(),
                        name: o.get("name")?.as_str()?.to_string(),
                        controller: o.get("controller").and_then(Value::as_bool) == Some(true),
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        Metadata {
            name: get("name").and_then(scalar_text).unwrap_or_default(),
            namespace: get("namespace")
                .and_then(scalar_text)
                .filter(|ns| !ns.is_empty()),
            labels: string_map(get("labels")),
            annotations: string_map(get("annotations")),
            owner_references,
            creation_timestamp: get("creationTimestamp").and_then(scalar_text),
        }
    }
}

/// One object, lightly typed: metadata is typed, `spec` and `status` stay JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub kind: Kind,
    pub api_version: String,
    pub metadata: Metadata,
    /// `spec`, or `Value::Null` when absent.
    pub spec: Value,
    pub status: Option<Value>,
    pub source: Option<Source>,
}

/// A Secret's `spec` as meshgraph keeps it: its `type` and the names of its
/// keys (from `data` and `stringData`), never a value. A recorded Secret
/// (already in this form) reads back as it is.
fn secret_spec(value: &Value, recorded: Value) -> Value {
    let mut keys: Vec<&str> = ["data", "stringData"]
        .iter()
        .filter_map(|k| value.get(*k).and_then(Value::as_object))
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    if keys.is_empty() {
        keys = recorded
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
    }
    keys.sort_unstable();
    keys.dedup();
    let type_ = value
        .get("type")
        .or_else(|| recorded.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("Opaque");
    serde_json::json!({ "type": type_, "keys": keys })
}

/// The namespace objects without one are deployed to (`kubectl apply` without `-n`).
pub const DEFAULT_NAMESPACE: &str = "default";

impl Object {
    /// The object's JSON form with the fields meshgraph reads (what a
    /// recording keeps), without what may hold a credential: container
    /// `env` values, the `kubectl.kubernetes.io/last-applied-configuration`
    /// annotation and anything under `data`, `stringData` or `binaryData`.
    /// [`Object::from_value`] reads it back to an object equal in everything
    /// else.
    pub fn to_value(&self) -> Value {
        let mut value = self.to_value_verbatim();
        without_secrets(&mut value);
        value
    }

    fn to_value_verbatim(&self) -> Value {
        let owners: Vec<Value> = self
            .metadata
            .owner_references
            .iter()
            .map(
                |o| serde_json::json!({"kind": o.kind, "name": o.name, "controller": o.controller}),
            )
            .collect();
        let mut metadata = serde_json::json!({
            "name": self.metadata.name,
            "labels": self.metadata.labels,
            "annotations": self.metadata.annotations,
            "ownerReferences": owners,
        });
        if let Some(ns) = &self.metadata.namespace {
            metadata["namespace"] = Value::String(ns.clone());
        }
        if let Some(ts) = &self.metadata.creation_timestamp {
            metadata["creationTimestamp"] = Value::String(ts.clone());
        }
        let mut value = serde_json::json!({
            "apiVersion": self.api_version,
            "kind": self.kind.as_str(),
            "metadata": metadata,
        });
        if !self.spec.is_null() {
            value["spec"] = self.spec.clone();
        }
        if let Some(status) = &self.status {
            value["status"] = status.clone();
        }
        value
    }

    /// Builds an object from its JSON form; `None` when `kind` is not one meshgraph reads.
    pub fn from_value(value: &Value, source: Option<Source>) -> Option<Object> {
        let kind_text = value.get("kind").and_then(Value::as_str)?;
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let spec = value.get("spec").cloned().unwrap_or(Value::Null);
        let kind = Kind::parse(kind_text, &api_version, &spec)?;
        let spec = match kind {
            Kind::ConfigMap => match value.get("data") {
                Some(data) => serde_json::json!({ "data": data }),
                None => spec,
            },
            Kind::Secret => secret_spec(value, spec),
            Kind::MutatingWebhookConfiguration | Kind::ValidatingWebhookConfiguration => {
                match value.get("webhooks") {
                    Some(webhooks) => serde_json::json!({ "webhooks": webhooks }),
                    None => spec,
                }
            }
            _ => spec,
        };
        Some(Object {
            kind,
            api_version,
            metadata: Metadata::from_value(value.get("metadata")),
            spec,
            status: value.get("status").filter(|s| !s.is_null()).cloned(),
            source,
        })
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The namespace as written, `None` when the object has none.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// The namespace the object lives in: as written, else `default` (cluster-scoped: empty).
    pub fn effective_namespace(&self) -> &str {
        match (&self.metadata.namespace, self.kind.is_namespaced()) {
            (_, false) => "",
            (Some(ns), true) => ns,
            (None, true) => DEFAULT_NAMESPACE,
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.metadata.labels.get(key).map(String::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(String::as_str)
    }

    /// `Kind ns/name`, or `Kind name` without a namespace.
    pub fn display_name(&self) -> String {
        match self.namespace() {
            Some(ns) if self.kind.is_namespaced() => format!("{} {ns}/{}", self.kind, self.name()),
            _ => format!("{} {}", self.kind, self.name()),
        }
    }

    /// A field of `spec` by a path of keys.
    pub fn spec_at(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.spec, |v, k| v.get(k))
    }

    /// `spec.<key>` as a list of strings (missing: empty).
    pub fn spec_strings(&self, key: &str) -> Vec<String> {
        string_list(self.spec.get(key))
    }

    /// The pod view of a Pod or of a workload's pod template.
    pub fn pod_template(&self) -> Option<PodView<'_>> {
        match self.kind {
            Kind::Pod => Some(PodView {
                labels: self.metadata.labels.clone(),
                annotations: self.metadata.annotations.clone(),
                spec: &self.spec,
            }),
            k if k.is_workload() => {
                let template = self.spec.get("template")?;
                let metadata = template.get("metadata");
                Some(PodView {
                    labels: string_map(metadata.and_then(|m| m.get("labels"))),
                    annotations: string_map(metadata.and_then(|m| m.get("annotations"))),
                    spec: template.get("spec").unwrap_or(&Value::Null),
                })
            }
            _ => None,
        }
    }

    /// Workload selector labels of a policy or gateway: `spec.selector.matchLabels`
    /// (security, Telemetry), `spec.workloadSelector.labels` (Sidecar) or
    /// `spec.selector` (Istio Gateway). `None` when the object selects by namespace.
    pub fn selector(&self) -> Option<BTreeMap<String, String>> {
        let labels = match self.kind {
            Kind::Sidecar => self.spec_at(&["workloadSelector", "labels"]),
            Kind::Gateway => self.spec.get("selector"),
            Kind::Service => self.spec.get("selector"),
            _ => self.spec_at(&["selector", "matchLabels"]),
        };
        match labels {
            Some(Value::Object(_)) => Some(string_map(labels)),
            _ => None,
        }
    }

    /// `spec.exportTo` for Istio networking objects, the
    /// `networking.istio.io/exportTo` annotation (comma list) for Services.
    /// Empty means exported everywhere.
    pub fn export_to(&self) -> Vec<String> {
        if self.kind == Kind::Service {
            return self
                .annotation("networking.istio.io/exportTo")
                .map(|a| {
                    a.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
        }
        self.spec_strings("exportTo")
    }

    /// The ports of a Service.
    pub fn service_ports(&self) -> Vec<ServicePort> {
        let Some(Value::Array(ports)) = self.spec.get("ports") else {
            return Vec::new();
        };
        ports
            .iter()
            .map(|p| ServicePort {
                name: p.get("name").and_then(scalar_text).unwrap_or_default(),
                port: p.get("port").and_then(Value::as_u64).unwrap_or(0) as u32,
                protocol: p.get("protocol").and_then(scalar_text),
                app_protocol: p.get("appProtocol").and_then(scalar_text),
                target_port: p.get("targetPort").and_then(scalar_text),
            })
            .collect()
    }

    /// Status conditions: `status.conditions[]`, `status.parents[].conditions[]`
    /// (routes) and `status.listeners[].conditions[]` (Gateway API gateways),
    /// each with the path it was found at.
    pub fn conditions(&self) -> Vec<(String, Condition)> {
        let mut out = Vec::new();
        let Some(status) = &self.status else {
            return out;
        };
        let mut read = |value: Option<&Value>, prefix: &str| {
            if let Some(Value::Array(items)) = value {
                for (i, c) in items.iter().enumerate() {
                    out.push((
                        format!("{prefix}conditions[{i}]"),
                        Condition {
                            type_: c.get("type").and_then(scalar_text).unwrap_or_default(),
                            status: c.get("status").and_then(scalar_text).unwrap_or_default(),
                            reason: c.get("reason").and_then(scalar_text).unwrap_or_default(),
                            message: c.get("message").and_then(scalar_text).unwrap_or_default(),
                        },
                    ));
                }
            }
        };
        read(status.get("conditions"), "status/");
        for list in ["parents", "listeners"] {
            if let Some(Value::Array(items)) = status.get(list) {
                for (i, item) in items.iter().enumerate() {
                    read(item.get("conditions"), &format!("status/{list}[{i}]/"));
                }
            }
        }
        out
    }
}

/// A status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: String,
    pub port: u32,
    pub protocol: Option<String>,
    pub app_protocol: Option<String>,
    pub target_port: Option<String>,
}

/// A Pod, or the pod template of a workload.
#[derive(Debug, Clone)]
pub struct PodView<'a> {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The pod spec.
    pub spec: &'a Value,
}

impl PodView<'_> {
    pub fn host_network(&self) -> bool {
        self.spec.get("hostNetwork").and_then(Value::as_bool) == Some(true)
    }

    fn container_names(&self, list: &str) -> impl Iterator<Item = &str> {
        self.spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str))
    }

    /// An `istio-proxy` container, or the native-sidecar init container of that name.
    pub fn has_proxy(&self) -> bool {
        self.container_names("containers")
            .chain(self.container_names("initContainers"))
            .any(|n| n == "istio-proxy")
    }

    /// Whether the pod is itself an Istio proxy (gateway or waypoint deployment).
    pub fn is_proxy_deployment(&self) -> bool {
        let images =
            items(self.spec, "containers").filter_map(|c| c.get("image").and_then(Value::as_str));
        let mut images = images;
        images.any(|i| i.contains("proxyv2"))
            || self
                .labels
                .contains_key("gateway.networking.k8s.io/gateway-name")
            || self.labels.contains_key("istio.io/gateway-name")
            || matches!(
                self.labels.get("istio").map(String::as_str),
                Some("ingressgateway" | "egressgateway" | "eastwestgateway")
            )
            || self
                .annotations
                .get("inject.istio.io/templates")
                .is_some_and(|t| t.contains("gateway") || t.contains("waypoint"))
    }

    /// `sidecar.istio.io/inject`: the label first, then the (older) annotation.
    pub fn inject_override(&self) -> Option<(bool, &'static str)> {
        const KEY: &str = "sidecar.istio.io/inject";
        if let Some(v) = self.labels.get(KEY) {
            return Some((v == "true", "label"));
        }
        self.annotations
            .get(KEY)
            .map(|v| (v == "true", "annotation"))
    }
}

/// Whether `labels` has every key/value of `selector` (an empty selector matches all).
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The annotation `kubectl apply` leaves: the whole object as applied,
/// secrets included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops, anywhere in `value`, the values of `env` entries, the
/// last-applied annotation and `data`/`stringData`/`binaryData`.
fn without_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["data", "stringData", "binaryData"] {
                map.remove(key);
            }
            if let Some(Value::Object(annotations)) = map.get_mut("annotations") {
                annotations.remove(LAST_APPLIED);
            }
            if let Some(Value::Array(env)) = map.get_mut("env") {
                for entry in env.iter_mut() {
                    if let Value::Object(entry) = entry {
                        entry.remove("value");
                    }
                }
            }
            for child in map.values_mut() {
                without_secrets(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod recording_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recordings_drop_what_may_hold_a_credential() {
        let v = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "annotations": {LAST_APPLIED: "{\"s3cret\":1}", "keep": "me"}},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [
                {"name": "DB_PASSWORD", "value": "s3cret-pw"},
                {"name": "FROM", "valueFrom": {"secretKeyRef": {"name": "k", "key": "p"}}}
            ]}], "volumes": [{"name": "v", "data": {"x": "s3cret"}, "stringData": {"y": "s3cret"}}]}}}
        });
        let o = Object::from_value(&v, None).unwrap();
        let out = o.to_value().to_string();
        assert!(!out.contains("s3cret"), "{out}");
        for kept in ["DB_PASSWORD", "secretKeyRef", "\"keep\"", "\"c\""] {
            assert!(out.contains(kept), "{kept} missing: {out}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gateways_are_told_apart_by_group() {
        let istio = json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "g"}});
        let kube = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "g"}});
        assert_eq!(
            Object::from_value(&istio, None).unwrap().kind,
            Kind::Gateway
        );
        assert_eq!(
            Object::from_value(&kube, None).unwrap().kind,
            Kind::KubeGateway
        );
    }

    #[test]
    fn metadata_is_read_leniently() {
        let v = json!({"kind": "Pod", "metadata": {"name": "p", "labels": {"version": 1, "x": null}, "annotations": null}});
        let o = Object::from_value(&v, None).unwrap();
        assert_eq!(o.label("version"), Some("1"));
        assert!(o.metadata.annotations.is_empty());
        assert_eq!(o.effective_namespace(), "default");
        assert_eq!(o.display_name(), "Pod p");
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_keep_their_key_names_and_never_a_value() {
        let v = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "cert", "namespace": "istio-system"},
            "data": {"tls.crt": "czNjcmV0", "tls.key": "czNjcmV0"},
            "stringData": {"ca.crt": "s3cret"}});
        let o = Object::from_value(&v, None).unwrap();
        assert_eq!(o.kind, Kind::Secret);
        assert_eq!(
            o.spec,
            json!({"type": "kubernetes.io/tls", "keys": ["ca.crt", "tls.crt", "tls.key"]})
        );
        for text in [format!("{o:?}"), o.to_value().to_string()] {
            assert!(
                !text.contains("s3cret") && !text.contains("czNjcmV0"),
                "{text}"
            );
        }
        // A recorded Secret reads back the same.
        assert_eq!(
            Object::from_value(&o.to_value(), None).unwrap().spec,
            o.spec
        );
    }

    #[test]
    fn cluster_scoped_kinds_have_no_namespace_and_webhooks_are_kept() {
        let v = json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration", "metadata": {"name": "inj"},
            "webhooks": [{"name": "sidecar-injector.istio.io"}]});
        let o = Object::from_value(&v, None).unwrap();
        assert!(!o.kind.is_namespaced());
        assert_eq!(o.effective_namespace(), "");
        assert_eq!(o.spec["webhooks"][0]["name"], "sidecar-injector.istio.io");
    }
}
