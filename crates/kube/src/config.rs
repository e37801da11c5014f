//! Where the cluster is and who meshgraph is there: kube-rs's kubeconfig
//! handling (several `KUBECONFIG` files merged, exec plugins, auth providers,
//! client certificates, tokens, `proxy-url`, `tls-server-name`), or the pod's
//! service account. This module only chooses the file and the context and
//! turns kube-rs's errors into one line naming them.

use std::path::{Path, PathBuf};

use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig, KubeconfigError};
use meshgraph_source::{Secrets, redact_url_str};

use crate::{ClusterOptions, KubeError};

/// Where a pod's service account credentials are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Overrides [`SERVICE_ACCOUNT_DIR`] (tests, and pods that mount the token
/// elsewhere).
pub const SERVICE_ACCOUNT_DIR_ENV: &str = "MESHGRAPH_SERVICE_ACCOUNT_DIR";

/// Where the settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A kubeconfig file (`--kubeconfig`, `~/.kube/config`), or the files of
    /// `KUBECONFIG` merged (then the path is the variable's value).
    Kubeconfig(PathBuf),
    /// The pod's service account.
    InCluster,
}

/// How the user authenticates, for messages (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    None,
    Token,
    TokenFile,
    ClientCertificate,
    Basic,
    /// The command of an exec credential plugin.
    Exec(String),
    /// The name of an auth provider (`oidc`, ...).
    Provider(String),
}

/// A loaded cluster configuration: kube-rs's [`kube::Config`] and what
/// meshgraph says about it. `Debug` shows no secret.
#[derive(Clone)]
pub struct ClusterConfig {
    pub(crate) kube: kube::Config,
    source: ConfigSource,
    context: Option<String>,
    user: Option<String>,
    namespace: String,
    auth: AuthKind,
    warnings: Vec<String>,
    secrets: Secrets,
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("source", &self.source)
            .field("context", &self.context)
            .field("user", &self.user)
            .field("server", &self.server_display())
            .field("namespace", &self.namespace)
            .field("auth", &self.auth_display())
            .finish()
    }
}

impl ClusterConfig {
    /// Loads the configuration the options point at: `--kubeconfig`, else the
    /// files of `KUBECONFIG` merged as kubectl merges them, else
    /// `~/.kube/config`, else the pod's service account; `--context` or the
    /// `current-context`.
    pub async fn load(options: &ClusterOptions) -> Result<ClusterConfig, KubeError> {
        let (kubeconfig, path) = match &options.kubeconfig {
            Some(path) => (read_file(path)?, path.clone()),
            None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
                Some(value) => {
                    // Every listed file that exists, merged (the first to set
                    // a value wins); missing ones are skipped, as kubectl does.
                    let files: Vec<PathBuf> = std::env::split_paths(&value)
                        .filter(|p| !p.as_os_str().is_empty() && p.is_file())
                        .collect();
                    if files.is_empty() {
                        return Err(KubeError::NoConfig {
                            tried: format!(
                                "the files of KUBECONFIG ({}), none of which exists",
                                value.to_string_lossy()
                            ),
                        });
                    }
                    let mut merged = Kubeconfig::default();
                    for file in &files {
                        merged = merged
                            .merge(read_file(file)?)
                            .map_err(|e| file_error(file, e))?;
                    }
                    (merged, PathBuf::from(&value))
                }
                None => match home_config().filter(|p| p.is_file()) {
                    Some(path) => (read_file(&path)?, path),
                    None => return Self::in_cluster(options),
                },
            },
        };
        Self::from_kubeconfig(kubeconfig, path, options).await
    }

    async fn from_kubeconfig(
        kubeconfig: Kubeconfig,
        path: PathBuf,
        options: &ClusterOptions,
    ) -> Result<ClusterConfig, KubeError> {
        let context_name = options
            .context
            .clone()
            .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()));
        let Some(context_name) = context_name else {
            return Err(KubeError::Context {
                path,
                context: None,
                reason: "no current-context is set; pass --context NAME".into(),
            });
        };
        let Some(context) = kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context_name)
            .and_then(|c| c.context.clone())
        else {
            let known: Vec<String> = kubeconfig
                .contexts
                .iter()
                .map(|c| format!("{:?}", c.name))
                .collect();
            return Err(KubeError::Context {
                path,
                context: Some(context_name.clone()),
                reason: format!(
                    "no context {context_name:?} (contexts: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        };
        let auth_info = context.user.as_ref().and_then(|u| {
            kubeconfig
                .auth_infos
                .iter()
                .find(|a| &a.name == u)
                .and_then(|a| a.auth_info.clone())
        });
        let mut secrets = Secrets::default();
        let auth = auth_info
            .as_ref()
            .map(|a| auth_kind(a, &mut secrets))
            .unwrap_or(AuthKind::None);
        let kube_options = KubeConfigOptions {
            context: Some(context_name.clone()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &kube_options)
            .await
            .map_err(|e| KubeError::Context {
                path: path.clone(),
                context: Some(context_name.clone()),
                reason: kubeconfig_reason(&e),
            })?;
        let mut loaded = ClusterConfig {
            namespace: config.default_namespace.clone(),
            kube: config,
            source: ConfigSource::Kubeconfig(path),
            context: Some(context_name),
            user: context.user.clone(),
            auth,
            warnings: Vec::new(),
            secrets,
        };
        loaded.finish()?;
        Ok(loaded)
    }

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT` and the
    /// token, CA and namespace files of [`SERVICE_ACCOUNT_DIR`] (or
    /// `MESHGRAPH_SERVICE_ACCOUNT_DIR`).
    fn in_cluster(_options: &ClusterOptions) -> Result<ClusterConfig, KubeError> {
        let dir = std::env::var_os(SERVICE_ACCOUNT_DIR_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
        let host = std::env::var("KUBERNETES_SERVICE_HOST").ok();
        let token = dir.join("token");
        let (Some(host), true) = (host.filter(|h| !h.is_empty()), token.is_file()) else {
            let mut tried = vec!["--kubeconfig".to_string(), "KUBECONFIG".to_string()];
            if let Some(home) = home_config() {
                tried.push(home.display().to_string());
            }
            tried.push(format!(
                "the in-cluster service account (KUBERNETES_SERVICE_HOST, {})",
                token.display()
            ));
            return Err(KubeError::NoConfig {
                tried: tried.join(", "),
            });
        };
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        let url = format!("https://{host}:{port}");
        let uri: http::Uri =
            url.parse()
                .map_err(|e: http::uri::InvalidUri| KubeError::InvalidServer {
                    server: url.clone(),
                    reason: e.to_string(),
                })?;
        let mut config = kube::Config::new(uri);
        let ca = dir.join("ca.crt");
        if ca.is_file() {
            let pem = std::fs::read(&ca).map_err(|e| KubeError::ReadFile {
                path: ca.clone(),
                reason: e.to_string(),
            })?;
            config.root_cert =
                Some(
                    pem_certificates(&pem).map_err(|reason| KubeError::Credential {
                        path: ca.clone(),
                        what: "the service account's CA certificate".into(),
                        reason,
                    })?,
                );
        }
        config.auth_info.token_file = Some(token.display().to_string());
        if let Ok(ns) = std::fs::read_to_string(dir.join("namespace")) {
            let ns = ns.trim();
            if !ns.is_empty() {
                config.default_namespace = ns.to_string();
            }
        }
        let mut loaded = ClusterConfig {
            namespace: config.default_namespace.clone(),
            kube: config,
            source: ConfigSource::InCluster,
            context: None,
            user: None,
            auth: AuthKind::TokenFile,
            warnings: Vec::new(),
            secrets: Secrets::default(),
        };
        loaded.finish()?;
        Ok(loaded)
    }

    /// Settings common to both sources: meshgraph retries itself (its own
    /// counts and messages), and the warnings.
    fn finish(&mut self) -> Result<(), KubeError> {
        self.kube.default_retry = false;
        // A token file is read once, its content trimmed as kubectl does
        // (kube-rs would send a trailing newline and fail); a run lasts
        // seconds, far less than a projected token lives.
        if self.kube.auth_info.token.is_none()
            && let Some(file) = self.kube.auth_info.token_file.take()
        {
            let token = std::fs::read_to_string(&file).map_err(|e| KubeError::Credentials {
                context: self.context_display(),
                mechanism: self.auth_display(),
                reason: format!("cannot read the token file {file}: {e}"),
            })?;
            let token = token.trim().to_string();
            self.secrets.add(token.clone());
            self.kube.auth_info.token = Some(secrecy::SecretString::from(token));
        }
        if self.kube.accept_invalid_certs {
            self.warnings.push(format!(
                "TLS verification is off for the API server at {} (insecure-skip-tls-verify in the kubeconfig): anyone on the path can read the credentials",
                self.server_display()
            ));
        }
        if self.kube.cluster_url.scheme_str() == Some("http") {
            self.warnings.push(format!(
                "the API server URL {} is plain http: the credentials travel unencrypted",
                self.server_display()
            ));
        }
        Ok(())
    }

    /// Where the settings came from.
    pub fn source(&self) -> &ConfigSource {
        &self.source
    }

    /// The kubeconfig context used (`None` in a pod).
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The API server URL without credentials, with a trailing `/`.
    pub fn server_display(&self) -> String {
        let url = redact_url_str(&self.kube.cluster_url.to_string());
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
    }

    /// The context's namespace (`default` when it names none; the service
    /// account's in a pod).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Things the user should know (TLS verification off, plain http).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How the user authenticates.
    pub fn auth(&self) -> &AuthKind {
        &self.auth
    }

    /// kube-rs's configuration (timeouts may be changed before use).
    pub fn kube_config(&self) -> &kube::Config {
        &self.kube
    }

    pub(crate) fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    pub(crate) fn auth_display(&self) -> String {
        match &self.auth {
            AuthKind::None => "no credentials".into(),
            AuthKind::Token => "bearer token (***)".into(),
            AuthKind::TokenFile => "bearer token from a file (***)".into(),
            AuthKind::ClientCertificate => "client certificate".into(),
            AuthKind::Basic => "basic auth (***)".into(),
            AuthKind::Exec(cmd) => format!("exec plugin {cmd}"),
            AuthKind::Provider(name) => format!("auth provider {name}"),
        }
    }

    /// Who is asking, for messages: `context "x"` or the service account.
    pub fn identity(&self) -> String {
        match (&self.context, &self.user) {
            (Some(c), Some(u)) => format!("user {u:?} of context {c:?}"),
            (Some(c), None) => format!("context {c:?}"),
            _ => "the in-cluster service account".into(),
        }
    }

    /// `context "x"` (or the in-cluster service account) for messages.
    pub fn context_display(&self) -> String {
        match &self.context {
            Some(c) => format!("context {c:?}"),
            None => "the in-cluster service account".into(),
        }
    }
}

/// How `auth` authenticates; its literal secrets go to `secrets`.
fn auth_kind(auth: &AuthInfo, secrets: &mut Secrets) -> AuthKind {
    use secrecy::ExposeSecret;
    if let Some(token) = &auth.token {
        secrets.add(token.expose_secret().to_string());
    }
    if let Some(password) = &auth.password {
        secrets.add(password.expose_secret().to_string());
    }
    if let Some(exec) = &auth.exec {
        let command = exec.command.clone().unwrap_or_default();
        let name = Path::new(&command)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(command);
        return AuthKind::Exec(name);
    }
    if let Some(provider) = &auth.auth_provider {
        return AuthKind::Provider(provider.name.clone());
    }
    if auth.token.is_some() {
        AuthKind::Token
    } else if auth.token_file.is_some() {
        AuthKind::TokenFile
    } else if auth.client_certificate.is_some() || auth.client_certificate_data.is_some() {
        AuthKind::ClientCertificate
    } else if auth.username.is_some() {
        AuthKind::Basic
    } else {
        AuthKind::None
    }
}

fn home_config() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
}

fn read_file(path: &Path) -> Result<Kubeconfig, KubeError> {
    Kubeconfig::read_from(path).map_err(|e| file_error(path, e))
}

fn file_error(path: &Path, e: KubeconfigError) -> KubeError {
    match e {
        KubeconfigError::ReadConfig(io, file) => KubeError::ReadFile {
            path: file,
            reason: io.to_string(),
        },
        other => KubeError::Parse {
            path: path.to_path_buf(),
            reason: kubeconfig_reason(&other),
        },
    }
}

/// kube-rs's error with its causes, on one line.
pub(crate) fn kubeconfig_reason(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The DER certificates of a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem)
        .map(|c| c.map(|c| c.to_vec()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err("no PEM certificate in it".into());
    }
    Ok(certs)
}
