//! Finding the mesh's Prometheus in the cluster, and reaching a Service
//! through the API server's service proxy
//! (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/...`): no port-forward,
//! no extra process, the kubeconfig's credentials.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::client::{Client, Got, Purpose};
use crate::config::{ClusterConfig, kubeconfig_reason};
use crate::{ClusterOptions, KubeError, Verb};

/// A port of a Service, as in `k8s://NAMESPACE/NAME:PORT[/PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub namespace: String,
    pub name: String,
    /// The port's number or name.
    pub port: String,
    /// A path prefix under the Service (`/prometheus`), or empty.
    pub path: String,
}

impl ServiceRef {
    /// Parses `k8s://NAMESPACE/NAME:PORT[/PATH]`; `None` when `url` is not a
    /// `k8s://` URL, `Some(Err)` when it is one but malformed.
    pub fn parse_k8s_url(url: &str) -> Option<Result<ServiceRef, String>> {
        let rest = url.strip_prefix("k8s://")?;
        let bad = || {
            format!(
                "{url:?} is not a k8s://NAMESPACE/SERVICE:PORT URL (e.g. k8s://istio-system/prometheus:9090)"
            )
        };
        let (namespace, rest) = match rest.split_once('/') {
            Some(x) => x,
            None => return Some(Err(bad())),
        };
        let (service, path) = match rest.split_once('/') {
            Some((s, p)) => (s, format!("/{}", p.trim_end_matches('/'))),
            None => (rest, String::new()),
        };
        let (name, port) = match service.split_once(':') {
            Some(x) => x,
            None => return Some(Err(bad())),
        };
        let label = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !label(namespace) || !label(name) || !label(port) {
            return Some(Err(bad()));
        }
        Some(Ok(ServiceRef {
            namespace: namespace.into(),
            name: name.into(),
            port: port.into(),
            path: if path == "/" { String::new() } else { path },
        }))
    }

    /// `k8s://NS/NAME:PORT[/PATH]`.
    pub fn k8s_url(&self) -> String {
        format!(
            "k8s://{}/{}:{}{}",
            self.namespace, self.name, self.port, self.path
        )
    }

    /// The API server path of the service proxy, without a trailing `/`.
    pub fn proxy_path(&self) -> String {
        format!(
            "/api/v1/namespaces/{}/services/{}:{}/proxy{}",
            self.namespace, self.name, self.port, self.path
        )
    }
}

/// The mesh's Prometheus as found in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub service: ServiceRef,
    /// How it was found: `service prometheus in istio-system`, `Kiali's
    /// ConfigMap istio-system/kiali`, ...
    pub found_by: String,
}

/// Where to send requests to reach a Service through the API server, and
/// with what credentials. `Debug` shows no secret.
#[derive(Clone)]
pub struct ProxyEndpoint {
    /// The API server URL and the proxy path, without a trailing `/`.
    pub url: String,
    /// The bearer token kube-rs would send (a static token, a token file, or
    /// what an exec plugin or auth provider gave).
    pub bearer: Option<String>,
    /// The cluster's CA certificates (PEM), which replace the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// A client certificate and key (PEM), when the user authenticates with one.
    pub identity_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub accept_invalid_certs: bool,
}

impl std::fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyEndpoint")
            .field("url", &self.url)
            .field("bearer", &self.bearer.as_ref().map(|_| "***"))
            .field("ca_pem", &self.ca_pem.is_some())
            .field("identity_pem", &self.identity_pem.is_some())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

/// What [`discover_prometheus`] looks for, in order, for messages.
pub const PROMETHEUS_LOOKED_FOR: &[&str] = &[
    "service prometheus in istio-system",
    "service prometheus-operated in monitoring",
    "a service named *-prometheus in monitoring",
    "external_services.prometheus.url in Kiali's ConfigMap istio-system/kiali",
];

/// Finds the mesh's Prometheus: the Service `prometheus` in `istio-system`
/// (Istio's sample addon), `prometheus-operated` or `*-prometheus` in
/// `monitoring` (kube-prometheus-stack), or the URL Kiali's ConfigMap names.
/// `Ok(None)` when none is there (or readable); an error when the cluster
/// cannot be asked at all.
pub async fn discover_prometheus(
    config: &ClusterConfig,
    options: &ClusterOptions,
) -> Result<Option<Discovered>, KubeError> {
    let client = Client::new(config, options)?;
    let found = |service: ServiceRef, found_by: String| Some(Discovered { service, found_by });
    if let Some(svc) = get_object(
        &client,
        "/api/v1/namespaces/istio-system/services/prometheus",
        "services",
    )
    .await?
    {
        return Ok(found(
            service_ref(&svc, "istio-system", "prometheus"),
            "service prometheus in istio-system".into(),
        ));
    }
    if let Some(svc) = get_object(
        &client,
        "/api/v1/namespaces/monitoring/services/prometheus-operated",
        "services",
    )
    .await?
    {
        return Ok(found(
            service_ref(&svc, "monitoring", "prometheus-operated"),
            "service prometheus-operated in monitoring".into(),
        ));
    }
    if let Some(list) = get_object(
        &client,
        "/api/v1/namespaces/monitoring/services",
        "services",
    )
    .await?
        && let Some(items) = list["items"].as_array()
    {
        let mut names: Vec<(&str, &Value)> = items
            .iter()
            .filter_map(|s| Some((s["metadata"]["name"].as_str()?, s)))
            .filter(|(n, _)| n.ends_with("-prometheus"))
            .collect();
        names.sort_by_key(|(n, _)| *n);
        if let Some((name, svc)) = names.first() {
            return Ok(found(
                service_ref(svc, "monitoring", name),
                format!("service {name} in monitoring"),
            ));
        }
    }
    if let Some(cm) = get_object(
        &client,
        "/api/v1/namespaces/istio-system/configmaps/kiali",
        "configmaps",
    )
    .await?
        && let Some(url) = kiali_prometheus_url(&cm)
        && let Some(service) = service_from_url(&url, "istio-system")
    {
        return Ok(found(
            service,
            format!("{url} in Kiali's ConfigMap istio-system/kiali"),
        ));
    }
    Ok(None)
}

/// The kind of tracing backend found in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TracingKind {
    Jaeger,
    Tempo,
}

/// The mesh's Jaeger or Tempo as found in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredTraces {
    pub kind: TracingKind,
    pub found: Discovered,
}

/// What [`discover_traces`] looks for, in order, for messages.
pub const TRACES_LOOKED_FOR: &[&str] = &[
    "service tracing or jaeger-query in istio-system",
    "service tempo or tempo-query-frontend in tempo or monitoring",
    "external_services.tracing.in_cluster_url or url in Kiali's ConfigMap istio-system/kiali",
];

/// Finds the mesh's tracing backend: Istio's Jaeger addon (`tracing`, whose
/// query UI and API live under `/jaeger`, or `jaeger-query` in
/// `istio-system`), Tempo (`tempo` or `tempo-query-frontend` in `tempo` or
/// `monitoring`), or what Kiali's ConfigMap names
/// (`external_services.tracing.in_cluster_url`, else `url`; its `provider`
/// says Jaeger or Tempo). `Ok(None)` when none is there (or readable).
pub async fn discover_traces(
    config: &ClusterConfig,
    options: &ClusterOptions,
) -> Result<Option<DiscoveredTraces>, KubeError> {
    let client = Client::new(config, options)?;
    let candidates: &[(&str, &str, TracingKind, &str)] = &[
        ("istio-system", "tracing", TracingKind::Jaeger, "/jaeger"),
        ("istio-system", "jaeger-query", TracingKind::Jaeger, ""),
        ("tempo", "tempo-query-frontend", TracingKind::Tempo, ""),
        ("tempo", "tempo", TracingKind::Tempo, ""),
        ("monitoring", "tempo-query-frontend", TracingKind::Tempo, ""),
        ("monitoring", "tempo", TracingKind::Tempo, ""),
    ];
    for (namespace, name, kind, path) in candidates {
        if let Some(svc) = get_object(
            &client,
            &format!("/api/v1/namespaces/{namespace}/services/{name}"),
            "services",
        )
        .await?
        {
            let service = ServiceRef {
                namespace: (*namespace).into(),
                name: (*name).into(),
                port: tracing_port(&svc, *kind).unwrap_or_else(|| default_port(*kind).into()),
                path: (*path).into(),
            };
            return Ok(Some(DiscoveredTraces {
                kind: *kind,
                found: Discovered {
                    service,
                    found_by: format!("service {name} in {namespace}"),
                },
            }));
        }
    }
    if let Some(cm) = get_object(
        &client,
        "/api/v1/namespaces/istio-system/configmaps/kiali",
        "configmaps",
    )
    .await?
        && let Some((url, kind)) = kiali_tracing_url(&cm)
        && let Some(mut service) = service_from_url(&url, "istio-system")
    {
        // Kiali often names Jaeger's gRPC port (16685); the HTTP API is
        // the Service's HTTP query port.
        if service.port == "16685"
            && let Some(svc) = get_object(
                &client,
                &format!(
                    "/api/v1/namespaces/{}/services/{}",
                    service.namespace, service.name
                ),
                "services",
            )
            .await?
        {
            service.port = tracing_port(&svc, kind).unwrap_or_else(|| "16686".into());
        }
        return Ok(Some(DiscoveredTraces {
            kind,
            found: Discovered {
                service,
                found_by: format!("{url} in Kiali's ConfigMap istio-system/kiali"),
            },
        }));
    }
    Ok(None)
}

fn default_port(kind: TracingKind) -> &'static str {
    match kind {
        TracingKind::Jaeger => "16686",
        TracingKind::Tempo => "3200",
    }
}

/// The Service's HTTP query port: one named `http-query`, `query-http`,
/// `http`, `tempo-http` or `http-tempo`, else the backend's usual number
/// (16686, 3200), else port 80, else the first port not named for gRPC.
fn tracing_port(service: &Value, kind: TracingKind) -> Option<String> {
    let ports: Vec<&Value> = service["spec"]["ports"]
        .as_array()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    let number = |p: &Value| p["port"].as_u64();
    let usual: u64 = default_port(kind).parse().unwrap_or(0);
    let chosen = [
        "http-query",
        "query-http",
        "http",
        "tempo-http",
        "http-tempo",
    ]
    .iter()
    .find_map(|n| ports.iter().find(|p| p["name"] == *n))
    .or_else(|| ports.iter().find(|p| number(p) == Some(usual)))
    .or_else(|| ports.iter().find(|p| number(p) == Some(80)))
    .or_else(|| {
        ports
            .iter()
            .find(|p| !p["name"].as_str().unwrap_or("").contains("grpc"))
    })?;
    number(chosen).map(|n| n.to_string())
}

/// `external_services.tracing.in_cluster_url` (else `url`) of Kiali's
/// `config.yaml`, and its `provider` (Jaeger unless `tempo`).
fn kiali_tracing_url(configmap: &Value) -> Option<(String, TracingKind)> {
    let text = configmap["data"]["config.yaml"].as_str()?;
    let config: Value = serde_saphyr::from_str(text).ok()?;
    let tracing = &config["external_services"]["tracing"];
    if tracing["enabled"] == Value::Bool(false) {
        return None;
    }
    let url = tracing["in_cluster_url"]
        .as_str()
        .filter(|u| !u.is_empty())
        .or_else(|| tracing["url"].as_str().filter(|u| !u.is_empty()))?;
    let kind = if tracing["provider"].as_str() == Some("tempo") {
        TracingKind::Tempo
    } else {
        TracingKind::Jaeger
    };
    Some((url.to_string(), kind))
}

/// The URL and credentials that reach `service` through the API server.
pub async fn proxy_endpoint(
    config: &ClusterConfig,
    service: &ServiceRef,
) -> Result<ProxyEndpoint, KubeError> {
    let kube = config.kube_config();
    let base = config.server_display();
    let ca_pem = kube.root_cert.as_ref().map(|certs| {
        use base64::Engine;
        let mut pem = String::new();
        for der in certs {
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            pem.push_str("-----BEGIN CERTIFICATE-----\n");
            for chunk in b64.as_bytes().chunks(64) {
                pem.push_str(&String::from_utf8_lossy(chunk));
                pem.push('\n');
            }
            pem.push_str("-----END CERTIFICATE-----\n");
        }
        pem.into_bytes()
    });
    Ok(ProxyEndpoint {
        url: format!("{}{}", base.trim_end_matches('/'), service.proxy_path()),
        bearer: bearer_token(config).await?,
        ca_pem,
        identity_pem: identity_pem(&kube.auth_info),
        accept_invalid_certs: kube.accept_invalid_certs,
    })
}

/// The bearer token kube-rs's auth layer puts on a request: the static
/// token, the token file's content, or the exec plugin's or auth provider's
/// token (run or refreshed by kube-rs). `None` for client certificates.
async fn bearer_token(config: &ClusterConfig) -> Result<Option<String>, KubeError> {
    use kube::client::ConfigExt;
    use tower::{Layer, ServiceExt};
    crate::install_crypto_provider();
    let credentials = |reason: String| KubeError::Credentials {
        context: config.context_display(),
        mechanism: config.auth_display(),
        reason,
    };
    let layer = match config.kube_config().auth_layer() {
        Ok(Some(layer)) => layer,
        Ok(None) => return Ok(None),
        Err(kube::Error::Auth(e)) => return Err(credentials(crate::client::auth_reason(&e))),
        Err(e) => return Err(credentials(kubeconfig_reason(&e))),
    };
    let seen: Arc<Mutex<Option<String>>> = Arc::default();
    let capture = seen.clone();
    let inner = tower::service_fn(move |request: http::Request<kube::client::Body>| {
        let capture = capture.clone();
        async move {
            let value = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            *capture.lock().unwrap_or_else(|e| e.into_inner()) = value;
            Ok::<_, tower::BoxError>(http::Response::new(kube::client::Body::empty()))
        }
    });
    let request = http::Request::get("/")
        .body(kube::client::Body::empty())
        .map_err(|e| credentials(e.to_string()))?;
    if let Err(e) = layer.layer(inner).oneshot(request).await {
        let reason = match e.downcast::<kube::Error>() {
            Ok(boxed) => match *boxed {
                kube::Error::Auth(auth) => crate::client::auth_reason(&auth),
                other => config.secrets().scrub(&kubeconfig_reason(&other)),
            },
            Err(other) => config.secrets().scrub(&other.to_string()),
        };
        return Err(credentials(reason));
    }
    let header = seen.lock().unwrap_or_else(|e| e.into_inner()).take();
    Ok(header.and_then(|h| h.strip_prefix("Bearer ").map(|t| t.trim().to_string())))
}

/// The client certificate and key of a kubeconfig user, PEM.
fn identity_pem(auth: &kube::config::AuthInfo) -> Option<Vec<u8>> {
    use base64::Engine;
    use secrecy::ExposeSecret;
    let decode = |data: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()
    };
    let cert = match (&auth.client_certificate_data, &auth.client_certificate) {
        (Some(data), _) => decode(data)?,
        (None, Some(path)) => std::fs::read(path).ok()?,
        _ => return None,
    };
    let key = match (&auth.client_key_data, &auth.client_key) {
        (Some(data), _) => decode(data.expose_secret())?,
        (None, Some(path)) => std::fs::read(path).ok()?,
        _ => return None,
    };
    let mut pem = cert;
    if !pem.ends_with(b"\n") {
        pem.push(b'\n');
    }
    pem.extend(key);
    Some(pem)
}

/// GETs one object (or list); `None` when it does not exist or RBAC
/// forbids it.
async fn get_object(
    client: &Client,
    path: &str,
    resource: &str,
) -> Result<Option<Value>, KubeError> {
    let purpose = Purpose {
        resource,
        scope: "",
        verb: Verb::Get,
    };
    match client.get(path, &[], &purpose).await {
        Ok(Got::Body(body)) => Ok(serde_json::from_slice(&body).ok()),
        Ok(Got::NotFound | Got::Gone) | Err(KubeError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The Service's Prometheus port: one named `http-web`, `web`, `http` or
/// `http-prometheus`, else 9090, else the first.
fn service_ref(service: &Value, namespace: &str, name: &str) -> ServiceRef {
    let ports: Vec<&Value> = service["spec"]["ports"]
        .as_array()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    let number = |p: &Value| p["port"].as_u64();
    let chosen = ["http-web", "web", "http", "http-prometheus"]
        .iter()
        .find_map(|n| ports.iter().find(|p| p["name"] == *n))
        .or_else(|| ports.iter().find(|p| number(p) == Some(9090)))
        .or_else(|| ports.first());
    let port = chosen.and_then(|p| number(p)).unwrap_or(9090);
    ServiceRef {
        namespace: namespace.into(),
        name: name.into(),
        port: port.to_string(),
        path: String::new(),
    }
}

/// `external_services.prometheus.url` of Kiali's `config.yaml`.
fn kiali_prometheus_url(configmap: &Value) -> Option<String> {
    let text = configmap["data"]["config.yaml"].as_str()?;
    let config: Value = serde_saphyr::from_str(text).ok()?;
    config["external_services"]["prometheus"]["url"]
        .as_str()
        .map(str::to_string)
}

/// The Service an in-cluster URL names (`http://prometheus.istio-system:9090`,
/// `http://prometheus.istio-system.svc.cluster.local:9090/prom`); `None` for
/// other hosts.
fn service_from_url(url: &str, default_namespace: &str) -> Option<ServiceRef> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let (authority, path) = match rest.split_once('/') {
        Some((a, p)) => (a, format!("/{}", p.trim_end_matches('/'))),
        None => (rest, String::new()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.to_string()),
        None => (
            authority,
            if url.starts_with("https") {
                "443"
            } else {
                "80"
            }
            .to_string(),
        ),
    };
    let host = host
        .trim_end_matches(".cluster.local")
        .trim_end_matches(".svc");
    let labels: Vec<&str> = host.split('.').collect();
    let (name, namespace) = match labels.as_slice() {
        [name] => (*name, default_namespace),
        [name, namespace] => (*name, *namespace),
        _ => return None,
    };
    if name.is_empty() || namespace.is_empty() || name.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    Some(ServiceRef {
        namespace: namespace.into(),
        name: name.into(),
        port,
        path: if path == "/" { String::new() } else { path },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k8s_urls() {
        let s = ServiceRef::parse_k8s_url("k8s://istio-system/prometheus:9090")
            .unwrap()
            .unwrap();
        assert_eq!(
            s.proxy_path(),
            "/api/v1/namespaces/istio-system/services/prometheus:9090/proxy"
        );
        assert_eq!(s.k8s_url(), "k8s://istio-system/prometheus:9090");
        let s = ServiceRef::parse_k8s_url("k8s://monitoring/thanos:http/prom/")
            .unwrap()
            .unwrap();
        assert_eq!(s.port, "http");
        assert_eq!(s.path, "/prom");
        assert!(ServiceRef::parse_k8s_url("http://x").is_none());
        assert!(
            ServiceRef::parse_k8s_url("k8s://prometheus:9090")
                .unwrap()
                .is_err()
        );
        assert!(ServiceRef::parse_k8s_url("k8s://a/b").unwrap().is_err());
    }

    #[test]
    fn kiali_urls() {
        let s = service_from_url("http://prometheus.istio-system:9090", "x").unwrap();
        assert_eq!(
            (s.namespace.as_str(), s.name.as_str(), s.port.as_str()),
            ("istio-system", "prometheus", "9090")
        );
        let s =
            service_from_url("http://prom.monitoring.svc.cluster.local:9090/prom/", "x").unwrap();
        assert_eq!(
            (s.namespace.as_str(), s.name.as_str(), s.path.as_str()),
            ("monitoring", "prom", "/prom")
        );
        let s = service_from_url("http://prometheus", "istio-system").unwrap();
        assert_eq!(
            (s.namespace.as_str(), s.port.as_str()),
            ("istio-system", "80")
        );
        assert!(service_from_url("https://prometheus.example.com", "x").is_none());
        assert!(service_from_url("http://10.0.0.1:9090", "x").is_none());
    }

    #[test]
    fn kiali_tracing_urls_and_ports() {
        let cm = serde_json::json!({"data": {"config.yaml":
            "external_services:\n  tracing:\n    enabled: true\n    in_cluster_url: http://tracing.istio-system:16685/jaeger\n    url: https://jaeger.example.com\n"}});
        let (url, kind) = kiali_tracing_url(&cm).unwrap();
        assert_eq!(url, "http://tracing.istio-system:16685/jaeger");
        assert_eq!(kind, TracingKind::Jaeger);
        let cm = serde_json::json!({"data": {"config.yaml":
            "external_services:\n  tracing:\n    provider: tempo\n    url: http://tempo.tempo:3200\n"}});
        assert_eq!(
            kiali_tracing_url(&cm).unwrap(),
            ("http://tempo.tempo:3200".to_string(), TracingKind::Tempo)
        );
        let cm = serde_json::json!({"data": {"config.yaml":
            "external_services:\n  tracing:\n    enabled: false\n    url: http://tempo.tempo:3200\n"}});
        assert!(kiali_tracing_url(&cm).is_none());
        let svc = serde_json::json!({"spec": {"ports": [
            {"name": "grpc-query", "port": 16685},
            {"name": "http-query", "port": 80},
        ]}});
        assert_eq!(
            tracing_port(&svc, TracingKind::Jaeger).as_deref(),
            Some("80")
        );
        let svc = serde_json::json!({"spec": {"ports": [
            {"name": "grpc", "port": 9095},
            {"name": "tempo", "port": 3200},
        ]}});
        assert_eq!(
            tracing_port(&svc, TracingKind::Tempo).as_deref(),
            Some("3200")
        );
    }
}
