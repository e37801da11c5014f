//! The mesh configuration as a whole: objects, mesh-wide settings, and the
//! questions several checks (and the reconciliation) ask of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::error::{ConfigError, ConfigWarning};
use crate::load::{LoadOptions, Reader};
use crate::object::{Kind, Object, PodView};

/// `outboundTrafficPolicy.mode` of the mesh config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutboundPolicy {
    #[default]
    AllowAny,
    RegistryOnly,
}

/// Mesh-wide settings (Istio's MeshConfig), with Istio's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshSettings {
    /// Where mesh-wide policies live.
    pub root_namespace: String,
    /// `enableAutoMtls`.
    pub auto_mtls: bool,
    pub outbound_policy: OutboundPolicy,
    pub trust_domain: String,
    /// `defaultConfig.image.imageType` (`distroless`, `debug`...), when set.
    pub image_type: Option<String>,
    /// `defaultConfig.proxyMetadata`.
    pub proxy_metadata: BTreeMap<String, String>,
    /// `extensionProviders[]`: name and provider type (`lightstep`, `zipkin`...).
    pub extension_providers: BTreeMap<String, String>,
    /// `ingressService`: the Service of the default ingress gateway.
    pub ingress_service: String,
    /// MeshNetworks: (network, `fromRegistry`) of every endpoint entry.
    pub network_registries: Vec<(String, String)>,
    /// `defaultProviders.accessLogging` names at least one provider.
    pub default_access_log_providers: bool,
}

impl Default for MeshSettings {
    fn default() -> Self {
        MeshSettings {
            root_namespace: "istio-system".into(),
            auto_mtls: true,
            outbound_policy: OutboundPolicy::AllowAny,
            trust_domain: "cluster.local".into(),
            image_type: None,
            proxy_metadata: BTreeMap::new(),
            extension_providers: BTreeMap::new(),
            ingress_service: "istio-ingressgateway".into(),
            network_registries: Vec::new(),
            default_access_log_providers: false,
        }
    }
}

impl MeshSettings {
    /// Reads the fields meshgraph uses from a MeshConfig document (the `mesh`
    /// key of the `istio` ConfigMap, as YAML or JSON); the rest keep their defaults.
    pub fn from_mesh_config(value: &Value) -> MeshSettings {
        let mut settings = MeshSettings::default();
        if let Some(ns) = value.get("rootNamespace").and_then(Value::as_str) {
            settings.root_namespace = ns.to_string();
        }
        if let Some(auto) = value.get("enableAutoMtls").and_then(Value::as_bool) {
            settings.auto_mtls = auto;
        }
        if let Some(mode) = value
            .get("outboundTrafficPolicy")
            .and_then(|p| p.get("mode"))
            .and_then(Value::as_str)
        {
            settings.outbound_policy = if mode == "REGISTRY_ONLY" {
                OutboundPolicy::RegistryOnly
            } else {
                OutboundPolicy::AllowAny
            };
        }
        if let Some(td) = value.get("trustDomain").and_then(Value::as_str) {
            settings.trust_domain = td.to_string();
        }
        let default_config = value.get("defaultConfig");
        settings.image_type = default_config
            .and_then(|d| d.get("image"))
            .and_then(|i| i.get("imageType"))
            .and_then(Value::as_str)
            .map(str::to_string);
        settings.proxy_metadata =
            crate::object::string_map(default_config.and_then(|d| d.get("proxyMetadata")));
        for provider in crate::object::items(value, "extensionProviders") {
            let Some(name) = provider.get("name").and_then(Value::as_str) else {
                continue;
            };
            let type_ = provider
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .find(|k| *k != "name")
                .unwrap_or_default();
            settings
                .extension_providers
                .insert(name.to_string(), type_.to_string());
        }
        settings.default_access_log_providers = value
            .get("defaultProviders")
            .and_then(|d| d.get("accessLogging"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if let Some(service) = value.get("ingressService").and_then(Value::as_str) {
            settings.ingress_service = service.to_string();
        }
        settings
    }

    /// Reads a MeshConfig document written as YAML (or JSON), e.g. the
    /// `mesh` key of the `istio` ConfigMap; `file` names it in the error.
    pub fn from_mesh_config_text(text: &str, file: &str) -> Result<MeshSettings, String> {
        let value = parse_yaml(text, file)?;
        Ok(MeshSettings::from_mesh_config(&value))
    }

    /// Adds the registries a MeshNetworks document (`networks.NAME.endpoints[].fromRegistry`) names.
    pub fn with_mesh_networks(mut self, value: &Value) -> MeshSettings {
        if let Some(Value::Object(networks)) = value.get("networks") {
            for (network, spec) in networks {
                for endpoint in crate::object::items(spec, "endpoints") {
                    if let Some(registry) = endpoint.get("fromRegistry").and_then(Value::as_str) {
                        self.network_registries
                            .push((network.clone(), registry.to_string()));
                    }
                }
            }
        }
        self
    }

    /// [`MeshSettings::with_mesh_networks`] from YAML text.
    pub fn with_mesh_networks_text(self, text: &str, file: &str) -> Result<MeshSettings, String> {
        let value = parse_yaml(text, file)?;
        Ok(self.with_mesh_networks(&value))
    }
}

/// A small YAML (or JSON) document held in an annotation or a ConfigMap
/// key, e.g. `proxy.istio.io/config`; `None` when it does not parse.
pub fn yaml_value(text: &str) -> Option<Value> {
    parse_yaml(text, "").ok()
}

fn parse_yaml(text: &str, file: &str) -> Result<Value, String> {
    if text.len() as u64 > crate::load::MANIFEST_MAX_BYTES {
        return Err(format!("{file}: too large for a mesh configuration"));
    }
    match serde_saphyr::from_str::<Value>(text) {
        Ok(Value::Null) => Ok(Value::Object(Default::default())),
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(format!("{file}: not a mapping")),
        Err(e) => Err(format!(
            "{file}: not valid YAML: {}",
            e.to_string().lines().next().unwrap_or("")
        )),
    }
}

impl MeshConfig {
    /// The mesh settings the input itself carries: the `mesh` and
    /// `meshNetworks` keys of the `istio` ConfigMap in the root namespace
    /// (`istio-system` unless `root_namespace` says otherwise). `None` when
    /// the input holds no such ConfigMap; a key that does not parse is a
    /// warning and the defaults stand.
    pub fn settings_from_configmap(
        &self,
        root_namespace: &str,
    ) -> Option<(MeshSettings, Vec<String>)> {
        let cm = self
            .of_kind(Kind::ConfigMap)
            .find(|c| c.name() == "istio" && c.effective_namespace() == root_namespace)?;
        let mut warnings = Vec::new();
        let file = cm.display_name();
        let data = cm.spec.get("data");
        let text = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
        let mut settings = match text("mesh").map(|t| MeshSettings::from_mesh_config_text(t, &file))
        {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                warnings.push(format!("{e} (key mesh); Istio's defaults are used"));
                MeshSettings::default()
            }
            None => MeshSettings::default(),
        };
        if settings.root_namespace == MeshSettings::default().root_namespace {
            settings.root_namespace = root_namespace.to_string();
        }
        if let Some(t) = text("meshNetworks") {
            match settings.clone().with_mesh_networks_text(t, &file) {
                Ok(s) => settings = s,
                Err(e) => warnings.push(format!("{e} (key meshNetworks); ignored")),
            }
        }
        Some((settings, warnings))
    }
}

/// How a namespace is enrolled in the mesh, from its labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enrollment {
    /// `istio-injection=enabled`.
    pub injection_enabled: bool,
    /// `istio-injection` set to anything else (`disabled`): deliberately out.
    pub injection_disabled: bool,
    /// `istio.io/rev`.
    pub revision: Option<String>,
    /// `istio.io/dataplane-mode=ambient`.
    pub ambient: bool,
}

impl Enrollment {
    pub fn of(namespace: &Object) -> Enrollment {
        let injection = namespace.label("istio-injection");
        Enrollment {
            injection_enabled: injection == Some("enabled"),
            injection_disabled: injection.is_some_and(|v| v != "enabled"),
            revision: namespace.label("istio.io/rev").map(str::to_string),
            ambient: namespace.label("istio.io/dataplane-mode") == Some("ambient"),
        }
    }

    /// Sidecar injection is on (legacy label or revision label, not disabled).
    pub fn injects(&self) -> bool {
        !self.injection_disabled && (self.injection_enabled || self.revision.is_some())
    }

    /// Labels in force, for messages.
    pub fn in_force(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.injection_enabled {
            out.push("istio-injection=enabled".to_string());
        }
        if let Some(rev) = &self.revision
            && !self.injection_disabled
        {
            out.push(format!("istio.io/rev={rev}"));
        }
        if self.ambient {
            out.push("istio.io/dataplane-mode=ambient".to_string());
        }
        out
    }
}

/// Whether a pod (or a workload's future pods) will be in the mesh, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Membership {
    /// The namespace is in the input, so its labels are known.
    pub namespace_known: bool,
    /// The injection webhook would add a sidecar.
    pub injection_expected: bool,
    /// Explicit opt-out, e.g. `label sidecar.istio.io/inject=false`.
    pub opted_out: Option<String>,
    /// A Pod with an `istio-proxy` container (always false for templates).
    pub has_proxy: bool,
    /// Captured by ztunnel (ambient).
    pub ambient: bool,
    pub host_network: bool,
    /// The pod is itself a proxy: a gateway or a waypoint.
    pub is_proxy: bool,
}

impl Membership {
    /// [`MeshConfig::membership`] with the enrollment of the object's
    /// namespace already looked up (`None`: the Namespace is not in the
    /// input), for callers that index Namespaces themselves.
    pub fn of(object: &Object, enrollment: Option<&Enrollment>) -> Option<Membership> {
        let pod = object.pod_template()?;
        Some(membership_of(&pod, object.kind == Kind::Pod, enrollment))
    }

    /// Will run with a sidecar or ambient redirection.
    pub fn in_mesh(&self) -> bool {
        self.is_proxy || self.has_proxy || self.ambient || self.injection_expected
    }
}

/// A waypoint: a Gateway API Gateway of class `istio-waypoint`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Waypoint {
    pub namespace: String,
    /// The Gateway's name, which is also its Deployment's name.
    pub name: String,
    /// `istio.io/waypoint-for` (`service` when absent).
    pub waypoint_for: String,
}

/// An object that asks for a waypoint with `istio.io/use-waypoint`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WaypointUse {
    pub kind: Kind,
    /// Empty for a Namespace.
    pub namespace: String,
    pub name: String,
    pub waypoint_namespace: String,
    pub waypoint_name: String,
}

/// Every object read, and the mesh-wide settings.
#[derive(Debug, Clone, Default)]
pub struct MeshConfig {
    pub settings: MeshSettings,
    pub objects: Vec<Object>,
}

/// Namespaces Istio never analyses for membership.
pub const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
    "istio-system",
];

impl MeshConfig {
    /// Reads files, directories (recursively) and `-` (stdin). Fails only when
    /// a named path cannot be read; bad documents become warnings.
    pub fn load(
        paths: &[PathBuf],
        options: &LoadOptions,
    ) -> Result<(MeshConfig, Vec<ConfigWarning>), ConfigError> {
        let mut reader = Reader::new(options);
        for path in paths {
            reader.read_path(path)?;
        }
        let (objects, warnings) = reader.finish();
        Ok((
            MeshConfig {
                settings: MeshSettings::default(),
                objects,
            },
            warnings,
        ))
    }

    /// Reads the text of one manifest file; `file` names it in warnings.
    pub fn from_text(
        text: &str,
        file: &str,
        options: &LoadOptions,
    ) -> (MeshConfig, Vec<ConfigWarning>) {
        let mut reader = Reader::new(options);
        reader.read_text(text, file);
        let (objects, warnings) = reader.finish();
        (
            MeshConfig {
                settings: MeshSettings::default(),
                objects,
            },
            warnings,
        )
    }

    /// Objects already in memory (the scenario kit's), e.g. `Scenario::objects()`.
    pub fn from_values(values: Vec<Value>) -> (MeshConfig, Vec<ConfigWarning>) {
        let mut reader = Reader::new(&LoadOptions::default());
        for value in values {
            reader.add_object(value, "<memory>", None);
        }
        let (objects, warnings) = reader.finish();
        (
            MeshConfig {
                settings: MeshSettings::default(),
                objects,
            },
            warnings,
        )
    }

    pub fn with_settings(mut self, settings: MeshSettings) -> MeshConfig {
        self.settings = settings;
        self
    }

    /// Adds the objects of another configuration (e.g. several inputs).
    pub fn extend(&mut self, other: MeshConfig) {
        self.objects.extend(other.objects);
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// The Namespace object of that name, if it is in the input.
    pub fn namespace(&self, name: &str) -> Option<&Object> {
        self.of_kind(Kind::Namespace).find(|n| n.name() == name)
    }

    /// Namespace names: Namespace objects and the namespaces objects live in.
    pub fn namespace_names(&self) -> BTreeSet<String> {
        self.objects
            .iter()
            .map(|o| match o.kind {
                Kind::Namespace => o.name().to_string(),
                _ => o.effective_namespace().to_string(),
            })
            .filter(|ns| !ns.is_empty())
            .collect()
    }

    pub fn is_system_namespace(&self, namespace: &str) -> bool {
        SYSTEM_NAMESPACES.contains(&namespace) || namespace == self.settings.root_namespace
    }

    /// Enrollment of a namespace; `None` when the Namespace object is not in the input.
    pub fn enrollment(&self, namespace: &str) -> Option<Enrollment> {
        self.namespace(namespace).map(Enrollment::of)
    }

    /// Pods and workloads: everything with a pod or pod template.
    pub fn pod_carriers(&self) -> impl Iterator<Item = &Object> {
        self.objects
            .iter()
            .filter(|o| o.kind == Kind::Pod || o.kind.is_workload())
    }

    /// Label sets of every pod and pod template in a namespace (`None`: all namespaces).
    pub fn pod_labels_in<'a>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Object, BTreeMap<String, String>)> + 'a {
        self.pod_carriers()
            .filter(move |o| namespace.is_none_or(|ns| o.effective_namespace() == ns))
            .filter_map(|o| o.pod_template().map(|p| (o, p.labels)))
    }

    /// The top-most controller of an object that is in the input (a Pod's
    /// Deployment through its ReplicaSet, even when only the Deployment was
    /// given); `None` when no owner is in the input.
    pub fn owner_in_input(&self, object: &Object) -> Option<&Object> {
        let ns = object.effective_namespace();
        let find = |kind: &str, name: &str| {
            self.objects.iter().find(|o| {
                o.kind.as_str() == kind && o.name() == name && o.effective_namespace() == ns
            })
        };
        let owner = object
            .metadata
            .owner_references
            .iter()
            .find(|r| r.controller)
            .or_else(|| object.metadata.owner_references.first())?;
        if let Some(found) = find(&owner.kind, &owner.name) {
            return Some(self.owner_in_input(found).unwrap_or(found));
        }
        // A ReplicaSet not in the input: its Deployment is named without the
        // pod-template-hash suffix.
        if owner.kind == "ReplicaSet" {
            let hash = object.label("pod-template-hash");
            let deployment = match hash {
                Some(h) => owner.name.strip_suffix(&format!("-{h}")),
                None => owner.name.rsplit_once('-').map(|(d, _)| d),
            }?;
            return find("Deployment", deployment);
        }
        None
    }

    /// Whether a Pod or workload will be in the mesh (sidecar or ambient) and why.
    pub fn membership(&self, object: &Object) -> Option<Membership> {
        let enrollment = self.enrollment(object.effective_namespace());
        Membership::of(object, enrollment.as_ref())
    }

    /// Waypoints: Gateways of class `istio-waypoint`.
    pub fn waypoints(&self) -> Vec<Waypoint> {
        let mut out: Vec<Waypoint> = self
            .of_kind(Kind::KubeGateway)
            .filter(|g| {
                g.spec.get("gatewayClassName").and_then(Value::as_str) == Some("istio-waypoint")
            })
            .map(|g| Waypoint {
                namespace: g.effective_namespace().to_string(),
                name: g.name().to_string(),
                waypoint_for: g
                    .label("istio.io/waypoint-for")
                    .unwrap_or("service")
                    .to_string(),
            })
            .collect();
        out.sort();
        out
    }

    /// Namespaces, Services, ServiceEntries, Pods and workloads labelled
    /// `istio.io/use-waypoint` (other than `none`), with the waypoint they name.
    pub fn waypoint_uses(&self) -> Vec<WaypointUse> {
        let mut out = Vec::new();
        for o in &self.objects {
            let labels = match o.kind {
                Kind::Namespace | Kind::Service | Kind::ServiceEntry | Kind::Pod => {
                    o.metadata.labels.clone()
                }
                k if k.is_workload() => o.pod_template().map(|p| p.labels).unwrap_or_default(),
                _ => continue,
            };
            let Some(name) = labels.get("istio.io/use-waypoint") else {
                continue;
            };
            if name == "none" || name.is_empty() {
                continue;
            }
            let namespace = match o.kind {
                Kind::Namespace => o.name().to_string(),
                _ => o.effective_namespace().to_string(),
            };
            out.push(WaypointUse {
                kind: o.kind,
                namespace: if o.kind == Kind::Namespace {
                    String::new()
                } else {
                    namespace.clone()
                },
                name: o.name().to_string(),
                waypoint_namespace: labels
                    .get("istio.io/use-waypoint-namespace")
                    .cloned()
                    .unwrap_or(namespace),
                waypoint_name: name.clone(),
            });
        }
        out.sort();
        out
    }

    /// The waypoint serving a Service: its own label first, then its namespace's
    /// (`none` on the Service opts out); `None` without a waypoint.
    pub fn waypoint_for_service(&self, namespace: &str, service: &str) -> Option<(String, String)> {
        let svc = self
            .of_kind(Kind::Service)
            .find(|s| s.name() == service && s.effective_namespace() == namespace);
        Self::waypoint_of(namespace, svc, self.namespace(namespace))
    }

    /// [`MeshConfig::waypoint_for_service`] with the Service and its
    /// Namespace object already looked up, for callers that index them.
    pub fn waypoint_of(
        namespace: &str,
        svc: Option<&Object>,
        namespace_object: Option<&Object>,
    ) -> Option<(String, String)> {
        let label_of = |o: &Object| {
            o.label("istio.io/use-waypoint").map(|w| {
                let ns = o
                    .label("istio.io/use-waypoint-namespace")
                    .unwrap_or(namespace)
                    .to_string();
                (ns, w.to_string())
            })
        };
        let chosen = svc
            .and_then(label_of)
            .or_else(|| namespace_object.and_then(label_of))?;
        (chosen.1 != "none").then_some(chosen)
    }
}

/// The injection webhook's decision and ambient capture for one pod (template).
fn membership_of(pod: &PodView<'_>, is_pod: bool, ns: Option<&Enrollment>) -> Membership {
    let mut m = Membership {
        namespace_known: ns.is_some(),
        has_proxy: is_pod && pod.has_proxy(),
        host_network: pod.host_network(),
        is_proxy: pod.is_proxy_deployment(),
        ..Membership::default()
    };
    let ns_injects = ns.is_some_and(Enrollment::injects);
    let ns_disabled = ns.is_some_and(|n| n.injection_disabled);
    let label = pod
        .labels
        .get("sidecar.istio.io/inject")
        .map(String::as_str);
    let annotation = pod
        .annotations
        .get("sidecar.istio.io/inject")
        .map(String::as_str);
    m.injection_expected = if m.host_network || ns_disabled {
        false
    } else if let Some(v) = label {
        // The pod label decides, whatever the annotation says.
        if v != "true" {
            m.opted_out = Some(format!("label sidecar.istio.io/inject={v}"));
        }
        v == "true"
    } else if pod.labels.contains_key("istio.io/rev") {
        true
    } else if ns_injects {
        if annotation.is_some_and(|v| v != "true") {
            m.opted_out = Some(format!(
                "annotation sidecar.istio.io/inject={}",
                annotation.unwrap_or_default()
            ));
            false
        } else {
            true
        }
    } else {
        false
    };
    if ns_disabled && m.opted_out.is_none() && ns.is_some() {
        m.opted_out = Some("namespace label istio-injection=disabled".into());
    }
    let pod_mode = pod
        .labels
        .get("istio.io/dataplane-mode")
        .map(String::as_str);
    let ambient_redirected = pod
        .annotations
        .get("ambient.istio.io/redirection")
        .map(String::as_str)
        == Some("enabled");
    m.ambient = ambient_redirected
        || (!m.injection_expected
            && !m.has_proxy
            && !m.host_network
            && pod_mode != Some("none")
            && (pod_mode == Some("ambient") || ns.is_some_and(|n| n.ambient)));
    if pod_mode == Some("none") && m.opted_out.is_none() && ns.is_some_and(|n| n.ambient) {
        m.opted_out = Some("label istio.io/dataplane-mode=none".into());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(values: Vec<Value>) -> MeshConfig {
        MeshConfig::from_values(values).0
    }

    fn deployment(ns: &str, labels: Value, annotations: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": ns},
            "spec": {"template": {"metadata": {"labels": labels, "annotations": annotations},
                "spec": {"containers": [{"name": "app"}]}}}})
    }

    #[test]
    fn injection_is_predicted_from_namespace_and_pod_labels() {
        let ns = json!({"kind": "Namespace", "metadata": {"name": "a", "labels": {"istio-injection": "enabled"}}});
        let c = config(vec![ns.clone(), deployment("a", json!({}), json!({}))]);
        let m = c.membership(&c.objects[1]).unwrap();
        assert!(m.injection_expected && m.in_mesh());

        let c = config(vec![
            ns.clone(),
            deployment(
                "a",
                json!({"sidecar.istio.io/inject": "false"}),
                json!({"sidecar.istio.io/inject": "true"}),
            ),
        ]);
        let m = c.membership(&c.objects[1]).unwrap();
        assert!(!m.injection_expected);
        assert_eq!(
            m.opted_out.as_deref(),
            Some("label sidecar.istio.io/inject=false")
        );

        let c = config(vec![
            ns,
            deployment("a", json!({}), json!({"sidecar.istio.io/inject": "false"})),
        ]);
        assert!(!c.membership(&c.objects[1]).unwrap().injection_expected);
    }

    #[test]
    fn ambient_namespaces_capture_pods_without_sidecars() {
        let ns = json!({"kind": "Namespace", "metadata": {"name": "a", "labels": {"istio.io/dataplane-mode": "ambient"}}});
        let c = config(vec![ns, deployment("a", json!({}), json!({}))]);
        let m = c.membership(&c.objects[1]).unwrap();
        assert!(m.ambient && !m.injection_expected);
    }

    #[test]
    fn pods_find_their_deployment_without_the_replicaset() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "d-5b6f-x", "namespace": "a",
            "labels": {"pod-template-hash": "5b6f"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "d-5b6f", "controller": true}]}});
        let c = config(vec![deployment("a", json!({}), json!({})), pod]);
        assert_eq!(c.owner_in_input(&c.objects[1]).map(Object::name), Some("d"));
    }

    #[test]
    fn waypoints_and_their_users() {
        let c = config(vec![
            json!({"kind": "Namespace", "metadata": {"name": "a", "labels": {"istio.io/use-waypoint": "wp"}}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": "wp", "namespace": "a"}, "spec": {"gatewayClassName": "istio-waypoint"}}),
            json!({"kind": "Service", "metadata": {"name": "s", "namespace": "a", "labels": {"istio.io/use-waypoint": "none"}}}),
        ]);
        assert_eq!(c.waypoints().len(), 1);
        assert_eq!(c.waypoint_uses().len(), 1);
        assert_eq!(c.waypoint_for_service("a", "s"), None);
        assert_eq!(
            c.waypoint_for_service("a", "other"),
            Some(("a".to_string(), "wp".to_string()))
        );
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mesh_config_and_networks_come_from_the_istio_configmap() {
        let c = MeshConfig::from_values(vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "istio", "namespace": "istio-system"},
            "data": {
                "mesh": "defaultConfig:\n  image:\n    imageType: distroless\n  proxyMetadata:\n    ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"\nextensionProviders:\n- name: ls\n  lightstep: {service: x, port: 443}\n",
                "meshNetworks": "networks:\n  n1:\n    endpoints:\n    - fromRegistry: Kubernetes\n"
            }})])
        .0;
        let (s, warnings) = c.settings_from_configmap("istio-system").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(s.image_type.as_deref(), Some("distroless"));
        assert_eq!(s.proxy_metadata["ISTIO_META_DNS_AUTO_ALLOCATE"], "true");
        assert_eq!(s.extension_providers["ls"], "lightstep");
        assert_eq!(
            s.network_registries,
            [("n1".to_string(), "Kubernetes".to_string())]
        );
        assert!(c.settings_from_configmap("other").is_none());
    }

    #[test]
    fn a_mesh_config_that_does_not_parse_is_a_warning() {
        let c = MeshConfig::from_values(vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "istio", "namespace": "istio-system"},
            "data": {"mesh": "- not\n- a mapping\n"}})])
        .0;
        let (s, warnings) = c.settings_from_configmap("istio-system").unwrap();
        assert_eq!(s, MeshSettings::default());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
