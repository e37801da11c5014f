//! Test support: a stand-in Kubernetes API server on 127.0.0.1 (its HTTP
//! and TLS side is the workspace's stand-in server kit, meshgraph-standin).
//!
//! No API server can be installed here. The objects it serves are real ones
//! (Istio's bookinfo sample, copied unchanged into the repository's
//! `tests/fixtures/istio-bookinfo`), served in the API's list format:
//! `{"kind":"DeploymentList","apiVersion":"apps/v1",
//! "metadata":{"resourceVersion":..},"items":[..]}` with `kind`/`apiVersion`
//! removed from the items and `metadata.namespace` filled in, as the API
//! server does. This is NOT a recording of a real API server: the list
//! envelope, paging (`limit`/`continue`), `Status` errors and 404s for
//! resources that are not installed are built here after the API's documented
//! behaviour.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use meshgraph_kube::RESOURCES;
pub use meshgraph_standin::Request as Seen;
use meshgraph_standin::StandIn;
use serde_json::{Value, json};

pub const BOOKINFO: &str = "bookinfo.yaml";
pub const DESTINATION_RULES: &str = "networking-destination-rule-all.yaml";

/// The documents of one fixture file.
pub fn fixture(name: &str) -> Vec<Value> {
    let path = fixture_path(&format!("istio-bookinfo/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_iter()
        .filter(|v| v.is_object())
        .collect()
}

/// The path of `path` under the repository's tests/fixtures: two levels above
/// this crate, or the root package's own when its tests include this module.
/// Panics, naming the file, when it is not there: tests read only files the
/// repository holds.
pub fn fixture_path(path: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = if manifest.ends_with("crates/kube") {
        manifest.join("../..")
    } else {
        manifest.to_path_buf()
    };
    let full = root.join("tests/fixtures").join(path);
    assert!(
        full.is_file(),
        "test fixture {} is missing: every file a test reads belongs in the \
         repository under tests/fixtures/ (see tests/fixtures/README.md)",
        full.display()
    );
    full
}

/// One answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(value).unwrap(),
            headers: Vec::new(),
        }
    }

    pub fn raw(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }

    /// A Kubernetes `Status` failure, as the API server sends it.
    pub fn status(code: u16, reason: &str, message: &str) -> Reply {
        Reply::json(
            code,
            &json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": message,
                "reason": reason,
                "code": code,
            }),
        )
    }

    /// The API server's 404 for a path it does not serve.
    pub fn not_found() -> Reply {
        Reply::status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }
}

/// One list the fake API serves.
#[derive(Clone, Debug)]
struct List {
    kind: String,
    api_version: String,
    items: Vec<Value>,
}

/// The state of the fake API server: its lists, and the faults to inject.
#[derive(Default)]
pub struct FakeApi {
    /// Cluster-wide list path → list.
    lists: BTreeMap<String, List>,
    /// Path → items on the first page (the rest comes with `continue`).
    pub split: BTreeMap<String, usize>,
    /// Path → answers for its first requests, `None` serving it normally
    /// (then always served normally).
    pub faults: BTreeMap<String, Vec<Option<Reply>>>,
    /// Path → answer for every request.
    pub always: BTreeMap<String, Reply>,
    /// Accepted bearer tokens; empty accepts any request.
    pub tokens: Vec<String>,
    /// Path → how long to wait before answering.
    pub slow: BTreeMap<String, std::time::Duration>,
    /// Whether the client must present a TLS certificate instead.
    pub require_client_cert: bool,
    /// Service-proxy path prefixes
    /// (`/api/v1/namespaces/NS/services/NAME:PORT/proxy`) and what answers
    /// under them, given the request and the path under the prefix with its
    /// query string; like the API server, only for authenticated requests.
    pub proxies: Vec<(String, Proxy)>,
}

/// Answers a request under a service-proxy prefix.
pub type Proxy = Arc<dyn Fn(&Seen, &str) -> Reply + Send + Sync>;

impl FakeApi {
    /// Every built-in resource (empty), no custom resource installed.
    pub fn new() -> FakeApi {
        let mut api = FakeApi::default();
        for r in RESOURCES.iter().filter(|r| !r.custom) {
            api.install(r.group, r.versions[0], r.plural, r.kind);
        }
        api
    }

    /// Bookinfo in namespace `default` (labelled for injection), with all
    /// Istio networking and security CRDs installed and its four
    /// DestinationRules; telemetry and the Gateway API are not installed.
    pub fn bookinfo() -> FakeApi {
        let mut api = FakeApi::new();
        for r in RESOURCES
            .iter()
            .filter(|r| r.group == "networking.istio.io" || r.group == "security.istio.io")
        {
            api.install(r.group, r.versions[0], r.plural, r.kind);
        }
        api.add(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "default", "labels": {"istio-injection": "enabled"}},
        }));
        for object in fixture(BOOKINFO)
            .into_iter()
            .chain(fixture(DESTINATION_RULES))
        {
            api.add(object);
        }
        api
    }

    /// Serves an (empty) list for a resource.
    pub fn install(&mut self, group: &str, version: &str, plural: &str, kind: &str) {
        let api_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        self.lists
            .entry(list_path(&api_version, plural))
            .or_insert_with(|| List {
                kind: format!("{kind}List"),
                api_version,
                items: Vec::new(),
            });
    }

    /// Adds an object to the list of its kind and apiVersion (installing it),
    /// in namespace `default` when it names none.
    pub fn add(&mut self, mut object: Value) {
        let api_version = object["apiVersion"].as_str().unwrap().to_string();
        let kind = object["kind"].as_str().unwrap().to_string();
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        let resource = RESOURCES
            .iter()
            .find(|r| r.kind == kind && r.group == group)
            .unwrap_or_else(|| panic!("no resource for {kind} {api_version}"));
        if resource.namespaced && object["metadata"].get("namespace").is_none() {
            object["metadata"]["namespace"] = json!("default");
        }
        let path = list_path(&api_version, resource.plural);
        let list = self.lists.entry(path).or_insert_with(|| List {
            kind: format!("{kind}List"),
            api_version: api_version.clone(),
            items: Vec::new(),
        });
        // The API server leaves kind and apiVersion out of list items.
        let map = object.as_object_mut().unwrap();
        map.remove("kind");
        map.remove("apiVersion");
        list.items.push(object);
    }

    /// Removes a list (the resource is then not served: 404).
    pub fn uninstall(&mut self, path: &str) {
        self.lists.remove(path);
    }

    fn answer(&mut self, seen: &Seen) -> Reply {
        if let Some(reply) = self.always.get(&seen.path) {
            return reply.clone();
        }
        if let Some(queue) = self.faults.get_mut(&seen.path)
            && !queue.is_empty()
            && let Some(reply) = queue.remove(0)
        {
            return reply;
        }
        if self.require_client_cert && !seen.client_cert {
            return Reply::status(401, "Unauthorized", "Unauthorized");
        }
        if !self.tokens.is_empty() {
            let ok = seen
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .is_some_and(|t| self.tokens.iter().any(|x| x == t));
            if !ok {
                return Reply::status(401, "Unauthorized", "Unauthorized");
            }
        }
        for (prefix, proxy) in &self.proxies {
            if let Some(rest) = seen.target.strip_prefix(prefix.as_str())
                && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            {
                return proxy(seen, rest);
            }
        }
        let segments: Vec<&str> = seen.path.trim_start_matches('/').split('/').collect();
        // /api/v1 or /apis/GROUP/VERSION, then the rest.
        let (prefix_len, rest) = match segments.first() {
            Some(&"api") if segments.len() >= 2 => (2, &segments[2..]),
            Some(&"apis") if segments.len() >= 3 => (3, &segments[3..]),
            _ => return Reply::not_found(),
        };
        let prefix = format!("/{}", segments[..prefix_len].join("/"));
        match rest {
            // GET one namespace.
            ["namespaces", name] if prefix == "/api/v1" => {
                let Some(list) = self.lists.get("/api/v1/namespaces") else {
                    return Reply::not_found();
                };
                match list.items.iter().find(|n| n["metadata"]["name"] == *name) {
                    Some(ns) => {
                        let mut ns = ns.clone();
                        ns["kind"] = json!("Namespace");
                        ns["apiVersion"] = json!("v1");
                        Reply::json(200, &ns)
                    }
                    None => {
                        Reply::status(404, "NotFound", &format!("namespaces \"{name}\" not found"))
                    }
                }
            }
            [plural] => self.list(&format!("{prefix}/{plural}"), None, seen),
            ["namespaces", ns, plural] => self.list(&format!("{prefix}/{plural}"), Some(ns), seen),
            _ => Reply::not_found(),
        }
    }

    fn list(&self, path: &str, namespace: Option<&str>, seen: &Seen) -> Reply {
        let Some(list) = self.lists.get(path) else {
            return Reply::not_found();
        };
        let items: Vec<Value> = list
            .items
            .iter()
            .filter(|i| namespace.is_none_or(|ns| i["metadata"]["namespace"] == *ns))
            .cloned()
            .collect();
        let mut metadata = json!({"resourceVersion": "1"});
        let page = match (self.split.get(path), seen.param("continue")) {
            (Some(&n), None) if n < items.len() && seen.param("limit").is_some() => {
                metadata["continue"] = json!("page-2-token");
                metadata["remainingItemCount"] = json!(items.len() - n);
                items[..n].to_vec()
            }
            (Some(&n), Some("page-2-token")) => items[n.min(items.len())..].to_vec(),
            (_, Some(_)) => {
                return Reply::status(400, "BadRequest", "invalid continue token");
            }
            _ => items,
        };
        Reply::json(
            200,
            &json!({
                "kind": list.kind,
                "apiVersion": list.api_version,
                "metadata": metadata,
                "items": page,
            }),
        )
    }
}

fn list_path(api_version: &str, plural: &str) -> String {
    if api_version.contains('/') {
        format!("/apis/{api_version}/{plural}")
    } else {
        format!("/api/{api_version}/{plural}")
    }
}

pub struct Server {
    /// `http://127.0.0.1:PORT` or `https://...`
    pub url: String,
    pub api: Arc<Mutex<FakeApi>>,
    standin: StandIn,
}

impl Server {
    pub fn seen(&self) -> Vec<Seen> {
        self.standin.requests()
    }

    pub fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.standin.requests_to(path)
    }
}

/// Serves `api` over plain HTTP (the reader accepts `http://` servers for
/// tests like this one; real clusters use https).
pub async fn serve(api: FakeApi) -> Server {
    serve_with(api, meshgraph_standin::StandIn::builder())
}

/// Serves `api` over TLS with the test certificates in `tests/data`; a
/// client certificate is asked for but not required.
pub async fn serve_tls(api: FakeApi) -> Server {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(data_path("server.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(data_path("server-key.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(data_path("ca.pem")).unwrap() {
        roots.add(ca.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    serve_with(api, StandIn::builder().tls(Arc::new(config)))
}

pub fn data_path(name: &str) -> PathBuf {
    // This crate's tests/data, also when the root package's tests include this module.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["tests/data", "crates/kube/tests/data"]
        .iter()
        .map(|dir| manifest.join(dir).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("test data {name} not found"))
}

/// Answers each request from `api` (after its `slow` delay for the path).
fn serve_with(api: FakeApi, builder: meshgraph_standin::Builder) -> Server {
    let api = Arc::new(Mutex::new(api));
    let state = api.clone();
    let standin = builder.route(move |seen, _| {
        let mut api = state.lock().unwrap();
        let reply = api.answer(seen);
        let mut answer = meshgraph_standin::Reply::status(reply.status, reply.body);
        answer.headers.extend(reply.headers);
        match api.slow.get(&seen.path) {
            Some(delay) => answer.delayed(*delay),
            None => answer,
        }
    });
    Server {
        url: standin.url(),
        api,
        standin,
    }
}

/// A kubeconfig with one context per `(name, server, token, namespace)`;
/// the first is the current context.
pub fn kubeconfig(dir: &Path, contexts: &[(&str, &str, &str, Option<&str>)]) -> PathBuf {
    let mut clusters = String::new();
    let mut users = String::new();
    let mut ctxs = String::new();
    for (name, server, token, namespace) in contexts {
        clusters.push_str(&format!(
            "- name: {name}-cluster\n  cluster:\n    server: {server}\n"
        ));
        users.push_str(&format!(
            "- name: {name}-user\n  user:\n    token: {token}\n"
        ));
        ctxs.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}-cluster\n    user: {name}-user\n"
        ));
        if let Some(ns) = namespace {
            ctxs.push_str(&format!("    namespace: {ns}\n"));
        }
    }
    let text = format!(
        "apiVersion: v1\nkind: Config\npreferences: {{}}\ncurrent-context: {}\nclusters:\n{clusters}users:\n{users}contexts:\n{ctxs}",
        contexts[0].0
    );
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    path
}
