//! Reads the Kubernetes and Istio objects meshgraph checks straight from a live
//! cluster: the second source next to manifests and `kubectl get -o yaml`
//! dumps. The result is plain JSON objects, each with `kind` and `apiVersion`,
//! ready for `meshgraph_config::MeshConfig::from_values`.
//!
//! Design:
//!
//! - **kube-rs for the connection.** Logging in to real clusters is the hard
//!   part: EKS, GKE and AKS kubeconfigs use exec credential plugins
//!   (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`), others
//!   OIDC, and `KUBECONFIG` often lists several files to merge. `kube`
//!   (with rustls, `k8s-openapi` for its one Kubernetes version feature)
//!   does all of that as kubectl does; this crate chooses the file and the
//!   context ([`ClusterConfig`]) and sends plain `GET`s through kube-rs's
//!   client, which adds the credentials, verifies TLS against the cluster's
//!   CA and honours `proxy-url`.
//! - **Objects stay JSON.** Every kind is read as a raw list (the built-in
//!   kinds as well as the Istio and Gateway API custom resources, dynamic
//!   objects in kube-rs's terms), so the objects reach the config crate as
//!   the API server wrote them: no typed round trip drops a field.
//! - **Kubeconfig.** `--kubeconfig`, else every file of `KUBECONFIG` merged
//!   (the first to set a value wins, as in kubectl), else `~/.kube/config`;
//!   with none of those, the pod's service account
//!   (`/var/run/secrets/kubernetes.io/serviceaccount`, or
//!   `MESHGRAPH_SERVICE_ACCOUNT_DIR`, with `KUBERNETES_SERVICE_HOST`/`_PORT`).
//!   The context is `--context`, else `current-context`.
//! - **What is read.** [`RESOURCES`]: namespaces, pods, services,
//!   serviceaccounts, the apps/v1 workloads, the Istio
//!   networking/security/telemetry/extensions resources (EnvoyFilter,
//!   ProxyConfig, WasmPlugin too), the Gateway API routes, Nodes, Secrets,
//!   webhook configurations, CRDs and Istio's ConfigMaps. Namespaced kinds are
//!   listed cluster-wide or in each selected namespace, cluster-scoped ones
//!   once cluster-wide, the ConfigMaps in [`ClusterOptions::istio_namespace`]
//!   only. What the checks do not read is dropped as each page is decoded
//!   ([`Keep`]): a Secret keeps its metadata, type and key names, never a
//!   value (the raw page is wiped too); a Node its name and labels; a CRD its
//!   names and versions; of ConfigMaps only `istio` and `istio-...` are kept.
//!   500 objects a page with
//!   `continue` paging, at most [`ClusterOptions::concurrency`] lists at a
//!   time. List items come without `kind`/`apiVersion`; they are restored from
//!   the list (`DeploymentList` → `Deployment`). `metadata.managedFields` is
//!   dropped. Istio and Gateway API resources fall back to older API versions
//!   when the newest is not served.
//! - **Failures.** A kind the cluster does not serve (404: CRD not installed)
//!   or that RBAC forbids (403) is a warning naming the kind, and the rest is
//!   used; a 401, an unreachable server, a failing exec plugin or an unknown
//!   context is an error naming the context. Every request has a timeout,
//!   bounded retries with exponential backoff on 429, 5xx and connection
//!   errors (`Retry-After` honoured), and a cap on the answer's size. Tokens
//!   and passwords never appear in a message or in `Debug` output.
//! - **Service proxy.** [`proxy_endpoint`] gives the URL and credentials to
//!   reach a Service through the API server
//!   (`/api/v1/namespaces/NS/services/NAME:PORT/proxy`), so the Prometheus
//!   collector (which knows nothing of Kubernetes) can query an in-cluster
//!   Prometheus; [`discover_prometheus`] finds the mesh's Prometheus.

mod client;
mod config;
mod discovery;
mod error;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use client::{Client, Got, Purpose};
pub use config::{
    AuthKind, ClusterConfig, ConfigSource, SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_DIR_ENV,
};
pub use discovery::{
    Discovered, DiscoveredTraces, PROMETHEUS_LOOKED_FOR, ProxyEndpoint, ServiceRef,
    TRACES_LOOKED_FOR, TracingKind, discover_prometheus, discover_traces, proxy_endpoint,
};
pub use error::{KUBECTL_FALLBACK, KUBERNETES_API, KubeError, Verb};
use meshgraph_source::{HttpError, Outcome};

/// Installs the process-wide rustls CryptoProvider (aws-lc-rs, the one
/// reqwest builds too) unless one is installed already. kube-rs needs one
/// when more than one provider is compiled in; calling this more than once
/// is harmless.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// Objects asked for in one page (`limit`).
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Lists read at the same time.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default timeout of one HTTP request, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default cap on one answer (one page) in bytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 128 * 1024 * 1024;
/// Pages of one list after which the reader gives up.
const MAX_PAGES: usize = 20_000;

/// What to read and how. Holds no secret: credentials come from the kubeconfig.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterOptions {
    /// `--kubeconfig`; `None` looks at `KUBECONFIG`, then `~/.kube/config`,
    /// then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; `None` uses the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// `-n`: namespaces to read; empty reads every namespace (`-A`).
    pub namespaces: Vec<String>,
    /// Timeout of one HTTP request, body included.
    pub timeout: Duration,
    /// Retries after a failed attempt (429, 5xx, connection error).
    pub retries: u32,
    /// Cap on one answer's size.
    pub max_response_bytes: u64,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Lists read at the same time (at least 1).
    pub concurrency: usize,
    /// The namespace Istio's ConfigMaps are read from (Istio's root
    /// namespace), whatever [`ClusterOptions::namespaces`] selects.
    pub istio_namespace: String,
}

/// Istio's default root namespace.
pub const DEFAULT_ISTIO_NAMESPACE: &str = "istio-system";

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            kubeconfig: None,
            context: None,
            namespaces: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            page_size: DEFAULT_PAGE_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            istio_namespace: DEFAULT_ISTIO_NAMESPACE.to_string(),
        }
    }
}

/// What [`read_cluster`] returns: the objects, with the warnings (resources
/// that are not installed, settings that weaken security, ...) and the
/// summary line.
pub type ClusterRead = Outcome<ClusterObjects>;

/// The objects of a cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterObjects {
    /// Every object, each with `kind` and `apiVersion`, in the order of
    /// [`RESOURCES`], then namespace selection order, then the server's order.
    pub objects: Vec<Value>,
    pub stats: ReadStats,
    /// Which cluster this came from.
    pub cluster: ClusterInfo,
}

/// Which cluster was read, without credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The kubeconfig file, or `None` for the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// The API server URL without credentials.
    pub server: String,
    /// The context's namespace (`default` when it names none). The reader
    /// does not restrict itself to it; the caller may pass it in
    /// [`ClusterOptions::namespaces`].
    pub namespace: String,
}

/// What a read cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadStats {
    /// Lists (and namespace GETs) done: one per resource, or per resource and
    /// selected namespace.
    pub lists: usize,
    /// HTTP requests sent, pages and retries included.
    pub requests: usize,
    /// Of those, retries.
    pub retries: usize,
    /// Objects returned.
    pub objects: usize,
    /// Bytes of successful answers.
    pub bytes: u64,
    /// Wall time of the whole read.
    pub elapsed: Duration,
    /// Resources not served by this cluster (CRD not installed), as
    /// `plural.group`.
    pub not_installed: Vec<String>,
    /// Resources RBAC forbids this identity to list (HTTP 403), as
    /// `plural.group`.
    pub forbidden: Vec<String>,
}

/// One resource type meshgraph reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// `""` for the core group.
    pub group: &'static str,
    /// Versions to try, newest first; the first one served is used.
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    /// A custom resource: when not served, a warning instead of an error.
    pub custom: bool,
    /// Listed only in the Istio namespace ([`ClusterOptions::istio_namespace`]),
    /// whatever namespaces are selected: the `istio` ConfigMaps.
    pub istio_namespace_only: bool,
    /// What is kept of each object, applied to each item as soon as its page
    /// is decoded.
    pub keep: Keep,
}

/// What the reader keeps of the objects of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The object as the API server sent it (`managedFields` dropped).
    All,
    /// A Secret's metadata (without the `last-applied-configuration`
    /// annotation, which holds the values too), its `type` and the names of
    /// its keys, each with an empty value: never a value.
    SecretKeyNames,
    /// A Node's name and labels (the topology labels Istio copies onto pods).
    NodeLabels,
    /// A CustomResourceDefinition's name, group, names, scope and versions
    /// (name, served, storage, deprecated), without its schemas.
    CrdVersions,
    /// Istio's ConfigMaps only: `istio` (MeshConfig, MeshNetworks) and those
    /// named `istio-...` (revisions, the sidecar injector's); others dropped.
    IstioConfigMaps,
}

impl Resource {
    /// `plural.group` (`deployments.apps`), or `plural` for the core group, as
    /// kubectl names it.
    pub fn name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    fn base_path(&self, version: &str) -> String {
        if self.group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{}/{version}", self.group)
        }
    }

    fn list_path(&self, version: &str, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.namespaced => format!(
                "{}/namespaces/{ns}/{}",
                self.base_path(version),
                self.plural
            ),
            _ => format!("{}/{}", self.base_path(version), self.plural),
        }
    }
}

const fn builtin(
    group: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        group,
        versions: &["v1"],
        plural,
        kind,
        namespaced,
        custom: false,
        istio_namespace_only: false,
        keep: Keep::All,
    }
}

const fn trimmed(resource: Resource, keep: Keep) -> Resource {
    Resource { keep, ..resource }
}

const fn custom(
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    kind: &'static str,
) -> Resource {
    Resource {
        group,
        versions,
        plural,
        kind,
        namespaced: true,
        custom: true,
        istio_namespace_only: false,
        keep: Keep::All,
    }
}

const ISTIO_NETWORKING: &[&str] = &["v1", "v1beta1"];
const ISTIO_SECURITY: &[&str] = &["v1", "v1beta1"];
const ISTIO_TELEMETRY: &[&str] = &["v1", "v1alpha1"];

/// Everything the reader lists, in output order.
pub const RESOURCES: &[Resource] = &[
    builtin("", "namespaces", "Namespace", false),
    builtin("", "pods", "Pod", true),
    builtin("apps", "deployments", "Deployment", true),
    builtin("apps", "statefulsets", "StatefulSet", true),
    builtin("apps", "daemonsets", "DaemonSet", true),
    builtin("apps", "replicasets", "ReplicaSet", true),
    builtin("", "services", "Service", true),
    builtin("", "serviceaccounts", "ServiceAccount", true),
    custom(
        "networking.istio.io",
        ISTIO_NETWORKING,
        "virtualservices",
        "VirtualService",
    ),
    custom(
        "networking.istio.io",
        ISTIO_NETWORKING,
        "destinationrules",
        "DestinationRule",
    ),
    custom(
        "networking.istio.io",
        ISTIO_NETWORKING,
        "gateways",
        "Gateway",
    ),
    custom(
        "networking.istio.io",
        ISTIO_NETWORKING,
        "serviceentries",
        "ServiceEntry",
    ),
    custom(
        "networking.istio.io",
        ISTIO_NETWORKING,
        "sidecars",
        "Sidecar",
    ),
    custom(
        "security.istio.io",
        ISTIO_SECURITY,
        "peerauthentications",
        "PeerAuthentication",
    ),
    custom(
        "security.istio.io",
        ISTIO_SECURITY,
        "authorizationpolicies",
        "AuthorizationPolicy",
    ),
    custom(
        "security.istio.io",
        ISTIO_SECURITY,
        "requestauthentications",
        "RequestAuthentication",
    ),
    custom(
        "telemetry.istio.io",
        ISTIO_TELEMETRY,
        "telemetries",
        "Telemetry",
    ),
    custom(
        "gateway.networking.k8s.io",
        &["v1", "v1beta1"],
        "gateways",
        "Gateway",
    ),
    custom(
        "gateway.networking.k8s.io",
        &["v1", "v1beta1"],
        "httproutes",
        "HTTPRoute",
    ),
    custom(
        "gateway.networking.k8s.io",
        &["v1", "v1alpha2"],
        "grpcroutes",
        "GRPCRoute",
    ),
    custom(
        "gateway.networking.k8s.io",
        &["v1beta1"],
        "referencegrants",
        "ReferenceGrant",
    ),
    custom(
        "networking.istio.io",
        &["v1alpha3"],
        "envoyfilters",
        "EnvoyFilter",
    ),
    custom(
        "networking.istio.io",
        &["v1beta1"],
        "proxyconfigs",
        "ProxyConfig",
    ),
    custom(
        "extensions.istio.io",
        &["v1alpha1"],
        "wasmplugins",
        "WasmPlugin",
    ),
    trimmed(builtin("", "nodes", "Node", false), Keep::NodeLabels),
    trimmed(builtin("", "secrets", "Secret", true), Keep::SecretKeyNames),
    Resource {
        istio_namespace_only: true,
        ..trimmed(
            builtin("", "configmaps", "ConfigMap", true),
            Keep::IstioConfigMaps,
        )
    },
    builtin(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
    builtin(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    trimmed(
        builtin(
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            false,
        ),
        Keep::CrdVersions,
    ),
];

/// What the reader asks of the API server, as RBAC rules: `(apiGroup,
/// resource, verbs)` for each resource of [`RESOURCES`]: `list` (every read
/// is a list), and `get` on namespaces (one GET per namespace of `-n`).
/// deploy/'s ClusterRole grants exactly these (tests/deploy.rs).
pub fn rbac_rules() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    RESOURCES
        .iter()
        .map(|r| {
            let verbs: &'static [&'static str] = if r.group.is_empty() && r.plural == "namespaces" {
                &["get", "list"]
            } else {
                &["list"]
            };
            (r.group, r.plural, verbs)
        })
        .collect()
}

/// Reads every resource of [`RESOURCES`] from the cluster the options point at.
pub async fn read_cluster(options: &ClusterOptions) -> Result<ClusterRead, KubeError> {
    let config = ClusterConfig::load(options).await?;
    read_cluster_with(&config, options).await
}

/// [`read_cluster`] with an already loaded configuration (the `kubeconfig`
/// and `context` of `options` are not looked at again).
pub async fn read_cluster_with(
    config: &ClusterConfig,
    options: &ClusterOptions,
) -> Result<ClusterRead, KubeError> {
    let started = Instant::now();
    let mut namespaces: Vec<String> = Vec::new();
    for ns in &options.namespaces {
        let ns = ns.trim();
        if !valid_namespace(ns) {
            return Err(KubeError::InvalidNamespace {
                namespace: ns.to_string(),
            });
        }
        if !namespaces.iter().any(|n| n == ns) {
            namespaces.push(ns.to_string());
        }
    }
    let client = Arc::new(Client::new(config, options)?);
    let page_size = options.page_size.max(1);

    let istio_namespace = options.istio_namespace.trim();
    if !valid_namespace(istio_namespace) {
        return Err(KubeError::InvalidNamespace {
            namespace: istio_namespace.to_string(),
        });
    }
    let mut jobs: Vec<(&'static Resource, Option<String>)> = Vec::new();
    for resource in RESOURCES {
        if resource.istio_namespace_only {
            jobs.push((resource, Some(istio_namespace.to_string())));
        } else if namespaces.is_empty() || (!resource.namespaced && resource.plural != "namespaces")
        {
            // Cluster-scoped kinds (Nodes, webhooks, CRDs) are listed once.
            jobs.push((resource, None));
        } else {
            for ns in &namespaces {
                jobs.push((resource, Some(ns.clone())));
            }
        }
    }

    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (index, (resource, namespace)) in jobs.iter().cloned().enumerate() {
        let client = client.clone();
        let permits = permits.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = if resource.namespaced || namespace.is_none() {
                list(&client, resource, namespace.as_deref(), page_size).await
            } else {
                get_namespace(&client, resource, namespace.as_deref().unwrap_or_default()).await
            };
            (index, result)
        });
    }
    let mut outs: Vec<Option<Listed>> = (0..jobs.len()).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (index, result) = match joined {
            Ok(r) => r,
            Err(e) => {
                // A panic in a task is a bug; report it rather than hiding it.
                std::panic::resume_unwind(e.into_panic());
            }
        };
        // The first error ends the read; dropping the set stops the others.
        outs[index] = Some(result?);
    }

    let mut read = ClusterRead::new(ClusterObjects {
        cluster: ClusterInfo {
            kubeconfig: match config.source() {
                ConfigSource::Kubeconfig(path) => Some(path.clone()),
                ConfigSource::InCluster => None,
            },
            context: config.context().map(str::to_string),
            server: config.server_display(),
            namespace: config.namespace().to_string(),
        },
        ..Default::default()
    });
    read.warnings = config.warnings().to_vec();
    let mut seen_warnings: HashSet<String> = read.warnings.iter().cloned().collect();
    let mut listed_all: Vec<Listed> = outs.into_iter().flatten().collect();
    // Everything forbidden: this identity may read nothing; an error.
    if listed_all.iter().all(|l| l.forbidden.is_some())
        && let Some(e) = listed_all.first_mut().and_then(|l| l.forbidden.take())
    {
        return Err(e);
    }
    for mut listed in listed_all {
        if let Some(KubeError::Forbidden { resource, .. }) = listed.forbidden.take()
            && !read.stats.forbidden.contains(&resource)
        {
            read.stats.forbidden.push(resource);
        }
        if let Some(name) = listed.not_installed
            && !read.stats.not_installed.contains(&name)
        {
            read.stats.not_installed.push(name);
        }
        for w in listed.warnings {
            if seen_warnings.insert(w.clone()) {
                read.warnings.push(w);
            }
        }
        read.objects.extend(listed.objects);
    }
    read.stats.lists = jobs.len();
    read.stats.objects = read.objects.len();
    let fetched = client.stats();
    read.stats.requests = fetched.requests;
    read.stats.retries = client.retried();
    read.stats.bytes = fetched.bytes;
    read.stats.elapsed = started.elapsed();
    read.summary = Some(format!(
        "cluster: {} objects from context {} ({})",
        read.objects.len(),
        read.cluster.context.as_deref().unwrap_or("(in-cluster)"),
        read.cluster.server
    ));
    Ok(read)
}

/// The outcome of one list.
#[derive(Default)]
struct Listed {
    objects: Vec<Value>,
    warnings: Vec<String>,
    not_installed: Option<String>,
    /// RBAC forbade the list (a warning; an error only when every list was).
    forbidden: Option<KubeError>,
}

/// The warning for a kind RBAC forbids.
fn forbidden_warning(e: &KubeError, resource: &Resource) -> String {
    match e {
        KubeError::Forbidden {
            identity,
            verb,
            scope,
            message,
            ..
        } => format!(
            "{identity} may not {verb} {} ({scope}; HTTP 403{}): no {} objects read; the rest is used (`kubectl auth can-i {verb} {} {scope}`)",
            resource.name(),
            message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
            resource.kind,
            resource.name(),
        ),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct ListPage {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: Option<ListMeta>,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

/// Lists one resource (cluster-wide or in one namespace), trying its versions
/// newest first and following `continue` tokens.
async fn list(
    client: &Client,
    resource: &Resource,
    namespace: Option<&str>,
    page_size: u32,
) -> Result<Listed, KubeError> {
    let name = resource.name();
    let scope = match namespace {
        Some(ns) => format!("-n {ns}"),
        None => "-A".to_string(),
    };
    let purpose = Purpose {
        resource: &name,
        scope: &scope,
        verb: Verb::List,
    };
    let limit = page_size.to_string();
    let mut listed = Listed::default();
    for version in resource.versions {
        let path = resource.list_path(version, namespace);
        let mut token: Option<String> = None;
        let mut paged = true;
        let mut pages = 0;
        loop {
            let mut query = Vec::new();
            if paged {
                query.push(("limit", limit.as_str()));
            }
            if let Some(t) = &token {
                query.push(("continue", t.as_str()));
            }
            let got = match client.get(&path, &query, &purpose).await {
                Err(e @ KubeError::Forbidden { .. }) => {
                    listed.warnings.push(forbidden_warning(&e, resource));
                    listed.forbidden = Some(e);
                    return Ok(listed);
                }
                other => other?,
            };
            let mut body = match got {
                Got::Body(body) => body,
                // Not served in this version: try the next one.
                Got::NotFound if pages == 0 => break,
                Got::Gone if token.is_some() && paged => {
                    // The token expired between pages: list again in one go,
                    // as client-go's pager does.
                    listed.warnings.push(format!(
                        "the continue token for {name} expired while paging; listed it again without paging"
                    ));
                    listed.objects.clear();
                    token = None;
                    paged = false;
                    continue;
                }
                other => {
                    return Err(KubeError::Http(HttpError::Status {
                        peer: &KUBERNETES_API,
                        url: client.url(&path).to_string(),
                        status: if matches!(other, Got::Gone) { 410 } else { 404 },
                        attempts: 1,
                        reading: Some(name.clone()),
                        excerpt: None,
                        hint: "the list changed while meshgraph was reading it; retry",
                    }));
                }
            };
            pages += 1;
            let url = client.url(&path).to_string();
            let page: ListPage = serde_json::from_slice(&body).map_err(|e| KubeError::Decode {
                url: url.clone(),
                expected: "list",
                reason: e.to_string(),
            })?;
            if resource.keep == Keep::SecretKeyNames {
                // The raw answer holds the values too: wipe it now.
                body.fill(0);
            }
            drop(body);
            let is_list = page.kind.as_deref().is_some_and(|k| k.ends_with("List"));
            let kind = page
                .kind
                .as_deref()
                .and_then(|k| k.strip_suffix("List"))
                .filter(|k| !k.is_empty())
                .unwrap_or(resource.kind)
                .to_string();
            let api_version = page
                .api_version
                .clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| resource.api_version(version));
            let items = match page.items {
                Some(items) => items,
                // `"items": null` (or none) in an empty list.
                None if is_list => Vec::new(),
                None => {
                    return Err(KubeError::Decode {
                        url,
                        expected: "list",
                        reason: "the answer has no `items`".into(),
                    });
                }
            };
            // What is not kept (a Secret's values) is dropped here, item by
            // item, before anything else sees the page.
            for (i, item) in items.into_iter().enumerate() {
                match restore(item, &kind, &api_version) {
                    Some(object) => listed.objects.extend(keep(resource.keep, object)),
                    None => listed.warnings.push(format!(
                        "{url}: item {i} of the {name} list is not an object; skipped"
                    )),
                }
            }
            let next = page
                .metadata
                .and_then(|m| m.continue_token)
                .filter(|t| !t.is_empty());
            match next {
                None => return Ok(listed),
                Some(next) => {
                    if token.as_deref() == Some(next.as_str()) || pages >= MAX_PAGES {
                        return Err(KubeError::Paging {
                            url,
                            resource: name,
                            pages,
                        });
                    }
                    token = Some(next);
                }
            }
        }
    }
    // No version is served.
    let tried = resource
        .versions
        .iter()
        .map(|v| resource.api_version(v))
        .collect::<Vec<_>>()
        .join(", ");
    if resource.custom {
        listed.warnings.push(format!(
            "{name} is not served by the API server (tried {tried}): its CRD is not installed; no {} objects read",
            resource.kind
        ));
        listed.not_installed = Some(name);
        Ok(listed)
    } else {
        Err(KubeError::NotServed {
            url: client
                .url(&resource.list_path(resource.versions[0], namespace))
                .to_string(),
            resource: name,
        })
    }
}

/// GETs one namespace (with `-n`, listing all namespaces may be forbidden and
/// is not needed).
async fn get_namespace(
    client: &Client,
    resource: &Resource,
    namespace: &str,
) -> Result<Listed, KubeError> {
    let name = resource.name();
    let scope = format!("-n {namespace}");
    let purpose = Purpose {
        resource: &name,
        scope: &scope,
        verb: Verb::Get,
    };
    let version = resource.versions[0];
    let path = format!("{}/{namespace}", resource.list_path(version, None));
    let mut listed = Listed::default();
    let got = match client.get(&path, &[], &purpose).await {
        Err(e @ KubeError::Forbidden { .. }) => {
            listed.warnings.push(forbidden_warning(&e, resource));
            listed.forbidden = Some(e);
            return Ok(listed);
        }
        other => other?,
    };
    match got {
        Got::Body(body) => {
            let url = client.url(&path).to_string();
            let value: Value = serde_json::from_slice(&body).map_err(|e| KubeError::Decode {
                url: url.clone(),
                expected: "object",
                reason: e.to_string(),
            })?;
            match restore(value, resource.kind, &resource.api_version(version)) {
                Some(object) => listed.objects.push(object),
                None => {
                    return Err(KubeError::Decode {
                        url,
                        expected: "object",
                        reason: "the answer is not a JSON object".into(),
                    });
                }
            }
        }
        Got::NotFound | Got::Gone => listed.warnings.push(format!(
            "namespace {namespace:?} does not exist in the cluster"
        )),
    }
    Ok(listed)
}

/// Gives a list item the `kind` and `apiVersion` the API server leaves out,
/// and drops `metadata.managedFields`. `None` when the item is not an object.
fn restore(item: Value, kind: &str, api_version: &str) -> Option<Value> {
    let Value::Object(mut map) = item else {
        return None;
    };
    let missing = |v: Option<&Value>| v.and_then(Value::as_str).is_none_or(str::is_empty);
    if missing(map.get("kind")) {
        map.insert("kind".into(), Value::String(kind.to_string()));
    }
    if missing(map.get("apiVersion")) {
        map.insert("apiVersion".into(), Value::String(api_version.to_string()));
    }
    if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
        metadata.remove("managedFields");
    }
    Some(Value::Object(map))
}

/// What the reader keeps of one object (see [`Keep`]); `None` drops it.
fn keep(keep: Keep, object: Value) -> Option<Value> {
    use serde_json::{Map, json};
    let Value::Object(mut map) = object else {
        return None;
    };
    let mut head = Map::new();
    for k in ["apiVersion", "kind"] {
        if let Some(v) = map.remove(k) {
            head.insert(k.into(), v);
        }
    }
    let metadata = map.remove("metadata").unwrap_or_else(|| json!({}));
    let name = metadata.get("name").and_then(Value::as_str).unwrap_or("");
    match keep {
        Keep::All => {
            head.insert("metadata".into(), metadata);
            head.extend(map);
        }
        Keep::IstioConfigMaps => {
            if name != "istio" && !name.starts_with("istio-") {
                return None;
            }
            head.insert("metadata".into(), metadata);
            head.extend(map);
        }
        Keep::SecretKeyNames => {
            let mut metadata = metadata;
            if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
            let keys: Map<String, Value> = ["data", "stringData"]
                .iter()
                .filter_map(|k| map.get(*k).and_then(Value::as_object))
                .flat_map(|m| m.keys())
                .map(|k| (k.clone(), Value::String(String::new())))
                .collect();
            // The values go with `map`, dropped at the end of this call.
            head.insert("metadata".into(), metadata);
            if let Some(t) = map.get("type").filter(|t| t.is_string()) {
                head.insert("type".into(), t.clone());
            }
            head.insert("data".into(), Value::Object(keys));
        }
        Keep::NodeLabels => {
            let labels = metadata.get("labels").cloned().unwrap_or_else(|| json!({}));
            head.insert("metadata".into(), json!({"name": name, "labels": labels}));
        }
        Keep::CrdVersions => {
            let spec = map.get("spec").cloned().unwrap_or(Value::Null);
            let versions: Vec<Value> = spec
                .get("versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|v| {
                    let mut kept = Map::new();
                    for k in ["name", "served", "storage", "deprecated"] {
                        if let Some(x) = v.get(k) {
                            kept.insert(k.into(), x.clone());
                        }
                    }
                    Value::Object(kept)
                })
                .collect();
            let mut kept_spec = Map::new();
            for k in ["group", "names", "scope"] {
                if let Some(x) = spec.get(k) {
                    kept_spec.insert(k.into(), x.clone());
                }
            }
            kept_spec.insert("versions".into(), Value::Array(versions));
            head.insert("metadata".into(), json!({"name": name}));
            head.insert("spec".into(), Value::Object(kept_spec));
        }
    }
    Some(Value::Object(head))
}

/// A Kubernetes namespace name (an RFC 1123 label).
fn valid_namespace(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names() {
        let deployments = RESOURCES
            .iter()
            .find(|r| r.plural == "deployments")
            .unwrap();
        assert_eq!(deployments.name(), "deployments.apps");
        assert_eq!(
            deployments.list_path("v1", Some("bookinfo")),
            "/apis/apps/v1/namespaces/bookinfo/deployments"
        );
        let namespaces = &RESOURCES[0];
        assert_eq!(namespaces.list_path("v1", Some("x")), "/api/v1/namespaces");
        assert_eq!(namespaces.name(), "namespaces");
        assert_eq!(RESOURCES.len(), 30);
    }

    #[test]
    fn items_get_their_kind_back() {
        let item = serde_json::json!({"metadata": {"name": "a", "managedFields": [{}]}});
        let object = restore(item, "Deployment", "apps/v1").unwrap();
        assert_eq!(object["kind"], "Deployment");
        assert_eq!(object["apiVersion"], "apps/v1");
        assert!(object["metadata"].get("managedFields").is_none());
        let own = serde_json::json!({"kind": "VirtualService", "apiVersion": "networking.istio.io/v1beta1"});
        let object = restore(own, "X", "y/v1").unwrap();
        assert_eq!(object["kind"], "VirtualService");
        assert_eq!(object["apiVersion"], "networking.istio.io/v1beta1");
        assert!(restore(Value::Null, "X", "v1").is_none());
    }

    #[test]
    fn namespace_names() {
        assert!(valid_namespace("istio-system"));
        assert!(!valid_namespace("../x"));
        assert!(!valid_namespace("Bookinfo"));
        assert!(!valid_namespace("-a"));
        assert!(!valid_namespace(""));
    }
}
