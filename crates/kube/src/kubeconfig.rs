//! Finding and reading the kubeconfig (or the in-cluster service account),
//! down to what one connection needs: the server, TLS trust, credentials and
//! the context's namespace.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use base64::Engine;
use meshgraph_source::{
    ClientError, ClientOptions, Redirects, Trust, UrlProblem, build_client, redact_url,
};
use reqwest::Url;
use reqwest::header::HeaderValue;
use serde::Deserialize;

use crate::{ClusterOptions, KubeError};

/// Where the service account of a pod is mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Where the connection settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A kubeconfig file.
    Kubeconfig(PathBuf),
    /// The pod's service account (`KUBERNETES_SERVICE_HOST`/`_PORT`).
    InCluster,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::Kubeconfig(path) => write!(f, "{}", path.display()),
            ConfigSource::InCluster => f.write_str("the in-cluster service account"),
        }
    }
}

/// Everything needed to talk to one API server. `Debug` shows no secret.
#[derive(Clone)]
pub struct ClusterConfig {
    source: ConfigSource,
    context: Option<String>,
    user: Option<String>,
    server: Url,
    namespace: String,
    ca_pem: Option<Vec<u8>>,
    insecure: bool,
    /// Client certificate chain followed by its key, PEM.
    identity_pem: Option<Vec<u8>>,
    /// `Authorization` header value (bearer or basic), marked sensitive.
    authorization: Option<HeaderValue>,
    /// Secret strings, to scrub from anything quoted from the server.
    secrets: Vec<String>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.authorization {
            None => "none",
            Some(v) if v.as_bytes().starts_with(b"Bearer ") => "bearer token (***)",
            Some(_) => "basic (***)",
        };
        f.debug_struct("ClusterConfig")
            .field("source", &self.source)
            .field("context", &self.context)
            .field("user", &self.user)
            .field("server", &self.server_display())
            .field("namespace", &self.namespace)
            .field("custom_ca", &self.ca_pem.is_some())
            .field("insecure_skip_tls_verify", &self.insecure)
            .field("client_certificate", &self.identity_pem.is_some())
            .field("authorization", &auth)
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl ClusterConfig {
    /// Finds and reads the configuration the options point at: the explicit
    /// kubeconfig, else the first existing file of `KUBECONFIG`, else
    /// `~/.kube/config`, else the in-cluster service account.
    pub fn load(options: &ClusterOptions) -> Result<ClusterConfig, KubeError> {
        load_with(options, &Env::from_process())
    }

    /// Where the settings came from.
    pub fn source(&self) -> &ConfigSource {
        &self.source
    }

    /// The kubeconfig context used (`None` in a pod).
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The API server URL without credentials.
    pub fn server_display(&self) -> String {
        redact_url(&self.server)
    }

    /// The context's namespace (`default` when it names none).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Things the user should know (TLS verification off, plain http, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn server(&self) -> &Url {
        &self.server
    }

    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }

    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Who is asking, for messages: `context "x"` or the service account.
    pub(crate) fn identity(&self) -> String {
        match (&self.context, &self.user) {
            (Some(c), Some(u)) => format!("user {u:?} of context {c:?}"),
            (Some(c), None) => format!("context {c:?}"),
            _ => "the in-cluster service account".into(),
        }
    }

    /// A reqwest client with this configuration's TLS settings.
    pub(crate) fn http_client(
        &self,
        timeout: std::time::Duration,
    ) -> Result<reqwest::Client, KubeError> {
        let options = ClientOptions {
            // The API server never redirects a list; a redirect would carry
            // the Authorization header elsewhere.
            redirects: Redirects::Never,
            // Like kubectl: the cluster's CA replaces the system's roots.
            trust: match &self.ca_pem {
                Some(pem) => Trust::OnlyPem(pem.clone()),
                None => Trust::System,
            },
            accept_invalid_certs: self.insecure,
            identity_pem: self.identity_pem.clone(),
            ..ClientOptions::new(timeout)
        };
        build_client(&options).map_err(|e| KubeError::Client {
            server: self.server_display(),
            reason: match e {
                ClientError::Ca { reason } => format!("the cluster CA certificate: {reason}"),
                ClientError::NoCaCertificate => {
                    "the cluster CA certificate holds no PEM certificate".into()
                }
                ClientError::Identity { reason } => {
                    format!("the client certificate and key: {reason}")
                }
                ClientError::Build { reason } => reason,
            },
        })
    }
}

/// The parts of the process environment the lookup reads; a value so that
/// tests can give their own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub kubeconfig: Option<OsString>,
    pub home: Option<PathBuf>,
    pub service_host: Option<String>,
    pub service_port: Option<String>,
    pub service_account_dir: PathBuf,
}

impl Env {
    fn from_process() -> Env {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Env {
            kubeconfig: std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()),
            home,
            service_host: std::env::var("KUBERNETES_SERVICE_HOST").ok(),
            service_port: std::env::var("KUBERNETES_SERVICE_PORT").ok(),
            service_account_dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
        }
    }

    fn in_cluster_available(&self) -> bool {
        self.service_host.as_deref().is_some_and(|h| !h.is_empty())
            && self.service_port.as_deref().is_some_and(|p| !p.is_empty())
            && self.service_account_dir.join("token").is_file()
    }
}

pub(crate) fn load_with(options: &ClusterOptions, env: &Env) -> Result<ClusterConfig, KubeError> {
    match find(options.kubeconfig.as_deref(), env)? {
        Found::File(path) => from_kubeconfig(&path, options.context.as_deref()),
        Found::InCluster => {
            if let Some(context) = &options.context {
                return Err(KubeError::NoConfig {
                    tried: format!(
                        "{} for context {context:?}; inside a pod only the service account can be used",
                        tried_list(env)
                    ),
                });
            }
            in_cluster(env)
        }
    }
}

enum Found {
    File(PathBuf),
    InCluster,
}

fn find(explicit: Option<&Path>, env: &Env) -> Result<Found, KubeError> {
    if let Some(path) = explicit {
        // A missing file is reported when it is read, with the OS's reason.
        return Ok(Found::File(path.to_path_buf()));
    }
    if let Some(list) = &env.kubeconfig {
        // Only the first existing file is used; kubectl would merge them all.
        if let Some(path) = std::env::split_paths(list)
            .filter(|p| !p.as_os_str().is_empty())
            .find(|p| p.is_file())
        {
            return Ok(Found::File(path));
        }
    } else if let Some(home) = &env.home {
        let path = home.join(".kube").join("config");
        if path.is_file() {
            return Ok(Found::File(path));
        }
    }
    if env.in_cluster_available() {
        return Ok(Found::InCluster);
    }
    Err(KubeError::NoConfig {
        tried: tried_list(env),
    })
}

fn tried_list(env: &Env) -> String {
    let files = match (&env.kubeconfig, &env.home) {
        (Some(list), _) => format!("KUBECONFIG={}", list.to_string_lossy()),
        (None, Some(home)) => home.join(".kube").join("config").display().to_string(),
        (None, None) => "~/.kube/config (HOME is not set)".into(),
    };
    format!(
        "{files}, and {}/token with KUBERNETES_SERVICE_HOST",
        env.service_account_dir.display()
    )
}

// The kubeconfig's shape: only the fields meshgraph uses; the rest is ignored.

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    clusters: Option<Vec<NamedCluster>>,
    #[serde(default)]
    users: Option<Vec<NamedUser>>,
    #[serde(default)]
    contexts: Option<Vec<NamedContext>>,
    #[serde(default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct NamedCluster {
    name: String,
    #[serde(default)]
    cluster: Option<RawCluster>,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: Option<RawUser>,
}

#[derive(Deserialize)]
struct NamedContext {
    name: String,
    #[serde(default)]
    context: Option<RawContext>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawCluster {
    server: Option<String>,
    certificate_authority: Option<String>,
    certificate_authority_data: Option<String>,
    insecure_skip_tls_verify: Option<bool>,
    tls_server_name: Option<String>,
    proxy_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawUser {
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
    client_certificate: Option<String>,
    client_certificate_data: Option<String>,
    client_key: Option<String>,
    client_key_data: Option<String>,
    username: Option<String>,
    password: Option<String>,
    exec: Option<RawExec>,
    auth_provider: Option<RawAuthProvider>,
}

#[derive(Deserialize, Default)]
struct RawExec {
    command: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawAuthProvider {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawContext {
    cluster: Option<String>,
    user: Option<String>,
    namespace: Option<String>,
}

fn from_kubeconfig(path: &Path, context: Option<&str>) -> Result<ClusterConfig, KubeError> {
    let text = std::fs::read_to_string(path).map_err(|e| KubeError::ReadFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_saphyr::from_str(&text).map_err(|e| KubeError::Parse {
            path: path.to_path_buf(),
            // serde-saphyr's messages quote at most a short snippet around the
            // error; scrub nothing here because the file is the user's own.
            reason: e.to_string(),
        })?
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let ctx_error = |reason: String| KubeError::Context {
        path: path.to_path_buf(),
        reason,
    };
    let contexts = raw.contexts.unwrap_or_default();
    let name = match context.or(raw.current_context.as_deref().filter(|c| !c.is_empty())) {
        Some(name) => name.to_string(),
        None => {
            return Err(ctx_error(format!(
                "no current-context is set; choose one with --context ({})",
                names(contexts.iter().map(|c| c.name.as_str()))
            )));
        }
    };
    let Some(ctx) = contexts.iter().find(|c| c.name == name) else {
        return Err(ctx_error(format!(
            "there is no context {name:?} ({})",
            names(contexts.iter().map(|c| c.name.as_str()))
        )));
    };
    let ctx = ctx.context.as_ref();
    let cluster_name = ctx
        .and_then(|c| c.cluster.as_deref())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ctx_error(format!("context {name:?} names no cluster")))?;
    let clusters = raw.clusters.unwrap_or_default();
    let cluster = clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .ok_or_else(|| {
            ctx_error(format!(
                "context {name:?} names cluster {cluster_name:?}, which is not in the file"
            ))
        })?
        .cluster
        .as_ref()
        .ok_or_else(|| ctx_error(format!("cluster {cluster_name:?} is empty")))?;
    let user_name = ctx
        .and_then(|c| c.user.as_deref())
        .filter(|u| !u.is_empty());
    let users = raw.users.unwrap_or_default();
    let default_user = RawUser::default();
    let user = match user_name {
        None => &default_user,
        Some(u) => users
            .iter()
            .find(|n| n.name == u)
            .ok_or_else(|| {
                ctx_error(format!(
                    "context {name:?} names user {u:?}, which is not in the file"
                ))
            })?
            .user
            .as_ref()
            .unwrap_or(&default_user),
    };

    let server_text = cluster
        .server
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ctx_error(format!("cluster {cluster_name:?} has no server")))?;
    let mut warnings = Vec::new();
    let mut secrets = Vec::new();
    let server = parse_server(server_text, &mut secrets)?;

    let credential_error = |what: &str, reason: String| KubeError::Credential {
        path: path.to_path_buf(),
        what: what.to_string(),
        reason,
    };
    let ca_pem = match (
        &cluster.certificate_authority_data,
        &cluster.certificate_authority,
    ) {
        (Some(data), _) if !data.trim().is_empty() => {
            Some(decode_data(data).map_err(|r| credential_error("certificate-authority-data", r))?)
        }
        (_, Some(file)) if !file.trim().is_empty() => {
            Some(read_relative(dir, file, "certificate-authority", path)?)
        }
        _ => None,
    };
    let insecure = cluster.insecure_skip_tls_verify.unwrap_or(false);
    if insecure && server.scheme() == "https" {
        warnings.push(format!(
            "TLS verification is off for cluster {cluster_name:?} (insecure-skip-tls-verify in {}): anyone between meshgraph and {} can read the credentials; set certificate-authority instead",
            path.display(),
            redact_url(&server)
        ));
    }
    if cluster.tls_server_name.is_some() {
        warnings.push(format!(
            "cluster {cluster_name:?}: tls-server-name is not supported; the certificate is checked against the host of {}",
            redact_url(&server)
        ));
    }
    if cluster.proxy_url.is_some() {
        warnings.push(format!(
            "cluster {cluster_name:?}: proxy-url is not supported; connecting to {} directly",
            redact_url(&server)
        ));
    }

    let user_label = user_name.unwrap_or("(none)").to_string();
    let token = match (&user.token_file, &user.token) {
        // As in client-go, a token file wins over an inline token.
        (Some(file), _) if !file.trim().is_empty() => {
            let bytes = read_relative(dir, file, "tokenFile", path)?;
            let token = String::from_utf8(bytes)
                .map_err(|_| credential_error("tokenFile", "it is not UTF-8 text".into()))?;
            Some(token.trim().to_string())
        }
        (_, Some(token)) if !token.trim().is_empty() => Some(token.trim().to_string()),
        _ => None,
    };
    let cert = match (&user.client_certificate_data, &user.client_certificate) {
        (Some(data), _) if !data.trim().is_empty() => {
            Some(decode_data(data).map_err(|r| credential_error("client-certificate-data", r))?)
        }
        (_, Some(file)) if !file.trim().is_empty() => {
            Some(read_relative(dir, file, "client-certificate", path)?)
        }
        _ => None,
    };
    let key = match (&user.client_key_data, &user.client_key) {
        (Some(data), _) if !data.trim().is_empty() => {
            Some(decode_data(data).map_err(|r| credential_error("client-key-data", r))?)
        }
        (_, Some(file)) if !file.trim().is_empty() => {
            Some(read_relative(dir, file, "client-key", path)?)
        }
        _ => None,
    };
    let identity_pem = match (cert, key) {
        (Some(mut cert), Some(key)) => {
            if !cert.ends_with(b"\n") {
                cert.push(b'\n');
            }
            cert.extend_from_slice(&key);
            Some(cert)
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(credential_error(
                "client-certificate",
                format!("user {user_label:?} has a client certificate but no client-key(-data)"),
            ));
        }
        (None, Some(_)) => {
            return Err(credential_error(
                "client-key",
                format!("user {user_label:?} has a client key but no client-certificate(-data)"),
            ));
        }
    };
    let basic = match (&user.username, &user.password) {
        (Some(u), Some(p)) if !u.is_empty() => Some((u.clone(), p.clone())),
        _ => None,
    };

    let mechanism = match (&user.exec, &user.auth_provider) {
        (Some(exec), _) => Some(format!(
            "an exec plugin ({})",
            exec.command.as_deref().unwrap_or("no command")
        )),
        (None, Some(provider)) => Some(format!(
            "the {:?} auth-provider",
            provider.name.as_deref().unwrap_or("unnamed")
        )),
        (None, None) => None,
    };
    if let Some(mechanism) = mechanism {
        if token.is_none() && identity_pem.is_none() && basic.is_none() {
            return Err(KubeError::UnsupportedAuth {
                path: path.to_path_buf(),
                user: user_label,
                mechanism,
            });
        }
        warnings.push(format!(
            "user {user_label:?} also has {mechanism}, which meshgraph does not run; using the static credentials"
        ));
    }

    let authorization = match (&token, &basic) {
        (Some(token), _) => {
            secrets.push(token.clone());
            Some(header_value(&format!("Bearer {token}")).ok_or_else(|| {
                credential_error(
                    "token",
                    "it holds characters that cannot be sent in an HTTP header".into(),
                )
            })?)
        }
        (None, Some((u, p))) => {
            secrets.push(p.clone());
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}").as_bytes());
            Some(header_value(&format!("Basic {encoded}")).ok_or_else(|| {
                credential_error(
                    "username/password",
                    "they cannot be sent in an HTTP header".into(),
                )
            })?)
        }
        (None, None) => None,
    };
    if server.scheme() == "http" && (authorization.is_some() || identity_pem.is_some()) {
        warnings.push(format!(
            "the API server URL {} is plain http: credentials travel unencrypted",
            redact_url(&server)
        ));
    }
    secrets.retain(|s| s.len() >= 4);

    let namespace = ctx
        .and_then(|c| c.namespace.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
        .to_string();
    Ok(ClusterConfig {
        source: ConfigSource::Kubeconfig(path.to_path_buf()),
        context: Some(name),
        user: user_name.map(str::to_string),
        server,
        namespace,
        ca_pem,
        insecure,
        identity_pem,
        authorization,
        secrets,
        warnings,
    })
}

fn in_cluster(env: &Env) -> Result<ClusterConfig, KubeError> {
    let host = env.service_host.as_deref().unwrap_or_default().trim();
    let port = env.service_port.as_deref().unwrap_or_default().trim();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let mut secrets = Vec::new();
    let server = parse_server(&format!("https://{host}:{port}"), &mut secrets)?;
    let dir = &env.service_account_dir;
    let token_path = dir.join("token");
    let token = std::fs::read_to_string(&token_path)
        .map_err(|e| KubeError::ReadFile {
            path: token_path.clone(),
            reason: e.to_string(),
        })?
        .trim()
        .to_string();
    let ca_path = dir.join("ca.crt");
    let ca_pem = if ca_path.is_file() {
        Some(std::fs::read(&ca_path).map_err(|e| KubeError::ReadFile {
            path: ca_path.clone(),
            reason: e.to_string(),
        })?)
    } else {
        None
    };
    let namespace = std::fs::read_to_string(dir.join("namespace"))
        .ok()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into());
    let authorization = if token.is_empty() {
        None
    } else {
        Some(
            header_value(&format!("Bearer {token}")).ok_or_else(|| KubeError::Credential {
                path: token_path.clone(),
                what: "the service account token".into(),
                reason: "it holds characters that cannot be sent in an HTTP header".into(),
            })?,
        )
    };
    if token.len() >= 4 {
        secrets.push(token);
    }
    Ok(ClusterConfig {
        source: ConfigSource::InCluster,
        context: None,
        user: None,
        server,
        namespace,
        ca_pem,
        insecure: false,
        identity_pem: None,
        authorization,
        secrets,
        warnings: Vec::new(),
    })
}

fn parse_server(text: &str, secrets: &mut Vec<String>) -> Result<Url, KubeError> {
    let base = meshgraph_source::parse_base_url(text).map_err(|e| KubeError::InvalidServer {
        server: e.url,
        reason: match e.problem {
            UrlProblem::Scheme => "only https (and http) servers are supported".into(),
            other => other.to_string(),
        },
    })?;
    // Credentials in the URL are never used, only kept out of messages.
    if let Some(password) = base.credentials.and_then(|c| c.raw_password) {
        secrets.push(password);
    }
    Ok(base.url)
}

fn header_value(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Decodes a kubeconfig `*-data` field (base64, whitespace allowed).
fn decode_data(data: &str) -> Result<Vec<u8>, String> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(compact.as_bytes())
        .map_err(|e| format!("it is not valid base64 ({e})"))
}

/// Reads a file the kubeconfig names; relative paths are relative to the
/// kubeconfig's directory, as kubectl resolves them.
fn read_relative(dir: &Path, file: &str, what: &str, config: &Path) -> Result<Vec<u8>, KubeError> {
    let file = Path::new(file.trim());
    let full = if file.is_absolute() {
        file.to_path_buf()
    } else {
        dir.join(file)
    };
    std::fs::read(&full).map_err(|e| KubeError::Credential {
        path: config.to_path_buf(),
        what: format!("{what} {}", full.display()),
        reason: e.to_string(),
    })
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<String> = names.map(|n| format!("{n:?}")).collect();
    if list.is_empty() {
        "the file has no contexts".into()
    } else {
        format!("contexts: {}", list.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const CONFIG: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443
    certificate-authority: ca.pem
- name: prod-cluster
  cluster:
    server: https://prod.example:6443/k8s/clusters/c-1
    insecure-skip-tls-verify: true
users:
- name: dev-user
  user:
    tokenFile: token.txt
- name: prod-user
  user:
    username: admin
    password: hunter2-long
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: bookinfo
- name: prod
  context:
    cluster: prod-cluster
    user: prod-user
"#;

    fn env_with(kubeconfig: Option<&str>, home: Option<&Path>, sa: &Path) -> Env {
        Env {
            kubeconfig: kubeconfig.map(OsString::from),
            home: home.map(Path::to_path_buf),
            service_host: None,
            service_port: None,
            service_account_dir: sa.to_path_buf(),
        }
    }

    #[test]
    fn relative_files_and_the_context_namespace() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "ca.pem", "not checked until a client is built");
        write(dir.path(), "token.txt", "file-token-1234\n");
        let path = write(dir.path(), "config", CONFIG);
        let config = from_kubeconfig(&path, None).unwrap();
        assert_eq!(config.context(), Some("dev"));
        assert_eq!(config.namespace(), "bookinfo");
        assert_eq!(config.server_display(), "https://dev.example:6443/");
        assert!(config.ca_pem.is_some());
        assert_eq!(
            config.authorization().unwrap().to_str().unwrap(),
            "Bearer file-token-1234"
        );
        assert!(config.warnings().is_empty(), "{:?}", config.warnings());
        let debug = format!("{config:?}");
        assert!(!debug.contains("file-token-1234"), "{debug}");
    }

    #[test]
    fn basic_auth_insecure_and_a_path_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "config", CONFIG);
        let config = from_kubeconfig(&path, Some("prod")).unwrap();
        assert_eq!(config.namespace(), "default");
        assert_eq!(
            config.server_display(),
            "https://prod.example:6443/k8s/clusters/c-1"
        );
        let auth = config
            .authorization()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(auth.starts_with("Basic "));
        assert!(config.insecure);
        assert!(
            config.warnings()[0].contains("insecure-skip-tls-verify"),
            "{:?}",
            config.warnings()
        );
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains(&auth[6..]),
            "{debug}"
        );
        config
            .http_client(std::time::Duration::from_secs(1))
            .unwrap();
    }

    #[test]
    fn missing_context_lists_the_contexts() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "config", CONFIG);
        let e = from_kubeconfig(&path, Some("staging"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"staging\"") && e.contains("\"dev\", \"prod\""),
            "{e}"
        );
        let missing_file = from_kubeconfig(&path, None).unwrap_err().to_string();
        assert!(
            missing_file.contains("ca.pem") && missing_file.contains("certificate-authority"),
            "{missing_file}"
        );
    }

    #[test]
    fn exec_plugins_point_at_kubectl() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "config",
            r#"
current-context: eks
clusters: [{name: c, cluster: {server: "https://eks.example"}}]
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
contexts: [{name: eks, context: {cluster: c, user: aws}}]
"#,
        );
        let e = from_kubeconfig(&path, None).unwrap_err().to_string();
        assert!(e.contains("exec plugin (aws)"), "{e}");
        assert!(e.contains("kubectl get -A -o yaml"), "{e}");
        assert!(e.contains("| meshgraph check -"), "{e}");
    }

    #[test]
    fn certificate_data_must_be_base64_and_come_in_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let config = |user: &str| {
            format!(
                "current-context: c\nclusters: [{{name: c, cluster: {{server: 'https://h', certificate-authority-data: 'bm90IGEgY2VydA=='}}}}]\nusers: [{{name: u, user: {user}}}]\ncontexts: [{{name: c, context: {{cluster: c, user: u}}}}]\n"
            )
        };
        let path = write(
            dir.path(),
            "a",
            &config("{client-certificate-data: '!!!', client-key-data: 'eA=='}"),
        );
        let e = from_kubeconfig(&path, None).unwrap_err().to_string();
        assert!(
            e.contains("client-certificate-data") && e.contains("base64"),
            "{e}"
        );
        let path = write(
            dir.path(),
            "b",
            &config("{client-certificate-data: 'eA=='}"),
        );
        let e = from_kubeconfig(&path, None).unwrap_err().to_string();
        assert!(e.contains("no client-key"), "{e}");
        // A CA that is not PEM fails when the client is built, naming the CA.
        let path = write(dir.path(), "c", &config("{token: abcdefgh}"));
        let config = from_kubeconfig(&path, None).unwrap();
        assert_eq!(config.ca_pem.as_deref(), Some(&b"not a cert"[..]));
        let e = config
            .http_client(std::time::Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CA certificate"), "{e}");
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let sa = dir.path().join("sa");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        let home_config = write(&home.join(".kube"), "config", CONFIG);
        let a = write(dir.path(), "a", CONFIG);

        // KUBECONFIG: the first existing file.
        let list = std::env::join_paths([dir.path().join("missing"), a.clone()]).unwrap();
        let env = env_with(Some(list.to_str().unwrap()), Some(&home), &sa);
        assert!(matches!(find(None, &env), Ok(Found::File(p)) if p == a));
        // An explicit path wins, even when it does not exist (reported on read).
        let explicit = dir.path().join("explicit");
        assert!(matches!(find(Some(&explicit), &env), Ok(Found::File(p)) if p == explicit));
        // No KUBECONFIG: ~/.kube/config.
        let env = env_with(None, Some(&home), &sa);
        assert!(matches!(find(None, &env), Ok(Found::File(p)) if p == home_config));
        // KUBECONFIG set but none of its files exist: not ~/.kube/config.
        let env = env_with(Some("/nonexistent/a"), Some(&home), &sa);
        let e = find(None, &env).err().unwrap().to_string();
        assert!(e.contains("KUBECONFIG=/nonexistent/a"), "{e}");
        // Nothing at all, then the service account.
        let mut env = env_with(None, None, &sa);
        assert!(find(None, &env).is_err());
        std::fs::create_dir_all(&sa).unwrap();
        write(&sa, "token", "sa-token-abcdef\n");
        write(&sa, "namespace", "istio-system\n");
        env.service_host = Some("fd00::1".into());
        env.service_port = Some("443".into());
        assert!(matches!(find(None, &env), Ok(Found::InCluster)));
        let config = load_with(&ClusterOptions::default(), &env).unwrap();
        assert_eq!(config.source(), &ConfigSource::InCluster);
        assert_eq!(config.server_display(), "https://[fd00::1]/");
        assert_eq!(config.namespace(), "istio-system");
        assert!(config.ca_pem.is_none());
        assert!(!format!("{config:?}").contains("sa-token"));
        // --context makes no sense inside a pod without a kubeconfig.
        let options = ClusterOptions {
            context: Some("dev".into()),
            ..Default::default()
        };
        assert!(load_with(&options, &env).is_err());
    }

    #[test]
    fn server_urls() {
        let mut secrets = Vec::new();
        let url = parse_server("https://user:pa55word@h:6443/prefix", &mut secrets).unwrap();
        assert_eq!(redact_url(&url), "https://h:6443/prefix");
        assert_eq!(secrets, ["pa55word"]);
        assert!(parse_server("ftp://h", &mut secrets).is_err());
        let e = parse_server("https://u:secret@[::1", &mut secrets)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
