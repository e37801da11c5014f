//! The one error type of the cluster reader.
//!
//! Every message says where the problem is (a kubeconfig path, or an API URL
//! without credentials and without query string) and what to do about it.
//! Text quoted from the API server has the configured secrets scrubbed out
//! before it is stored, so neither `Display` nor `Debug` can show a token.

use std::path::PathBuf;

use meshgraph_source::{HttpError, Peer};

/// How the cluster reader's messages name its server.
pub static KUBERNETES_API: Peer = Peer {
    name: "the Kubernetes API server",
    behind_proxies: "the API server",
    url_name: "API server URL",
    url_hint: "check the cluster's `server` in the kubeconfig",
    settings_name: "cluster",
    unreachable_hint: "is the cluster up and reachable from here? check the context (--context, --kubeconfig)",
    timeout_hint: "retry, select fewer namespaces (-n) or raise the timeout",
    too_large_hint: "select fewer namespaces (-n) or raise the response size limit",
    timeout_in_seconds: true,
};

/// What to run instead when meshgraph cannot read the cluster itself (no
/// network path to the API server, say): the same kinds through kubectl.
pub const KUBECTL_FALLBACK: &str = "kubectl get -A -o yaml namespaces,pods,deployments,statefulsets,daemonsets,replicasets,services,serviceaccounts,virtualservices,destinationrules,gateways.networking.istio.io,serviceentries,sidecars,peerauthentications,authorizationpolicies,requestauthentications,telemetries,gateways.gateway.networking.k8s.io,httproutes,grpcroutes,referencegrants | meshgraph check -";

/// What was asked of the API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    List,
    Get,
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verb::List => "list",
            Verb::Get => "get",
        })
    }
}

/// Why reading the cluster failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeError {
    /// No kubeconfig file was found and meshgraph is not running in a pod.
    #[error(
        "no kubeconfig found (looked at {tried}) and not running inside a cluster; pass --kubeconfig FILE or set KUBECONFIG"
    )]
    NoConfig { tried: String },

    /// The kubeconfig (or a file it names) cannot be read.
    #[error("cannot read {path}: {reason}; check --kubeconfig / KUBECONFIG")]
    ReadFile { path: PathBuf, reason: String },

    /// The kubeconfig is not valid YAML of the expected shape.
    #[error("{path} is not a valid kubeconfig: {reason}")]
    Parse { path: PathBuf, reason: String },

    /// The context, its cluster or its user cannot be used.
    #[error("kubeconfig {path}: {reason}")]
    Context {
        path: PathBuf,
        /// The context asked for, when there is one.
        context: Option<String>,
        reason: String,
    },

    /// Getting the credentials failed: an exec plugin that is missing or
    /// fails, an unreadable token file, an auth provider's error.
    #[error(
        "cannot get credentials for {context} ({mechanism}): {reason}; log in again (as kubectl would need) or choose another context (--context, --kubeconfig)"
    )]
    Credentials {
        /// `context "x"`, or the in-cluster service account.
        context: String,
        /// `exec plugin aws`, `bearer token from a file (***)`, ...
        mechanism: String,
        reason: String,
    },

    /// A credential or certificate named by the kubeconfig is unusable.
    #[error("kubeconfig {path}: {what} is unusable: {reason}")]
    Credential {
        path: PathBuf,
        what: String,
        reason: String,
    },

    /// A namespace given with `-n` is not a valid namespace name.
    #[error(
        "{namespace:?} is not a valid namespace name (lower-case letters, digits and '-', at most 63 characters); check -n"
    )]
    InvalidNamespace { namespace: String },

    /// The cluster's `server` is not an http(s) URL.
    #[error(
        "invalid API server URL {server:?}: {reason}; check the cluster's `server` in the kubeconfig"
    )]
    InvalidServer { server: String, reason: String },

    /// The HTTP client could not be set up (TLS settings).
    #[error("cannot set up the connection to {server}: {reason}")]
    Client { server: String, reason: String },

    /// HTTP 401: the credentials were rejected.
    #[error(
        "the API server at {url} rejected the credentials of {identity} (HTTP 401) while reading {resource}{}: the token or certificate is missing, wrong or expired; log in again or choose another context (--context, --kubeconfig)",
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
    )]
    Unauthorized {
        url: String,
        resource: String,
        identity: String,
        message: Option<String>,
    },

    /// HTTP 403: the user may not list a resource.
    #[error(
        "the API server at {url} forbids {identity} to {verb} {resource} (HTTP 403){}; check RBAC (`kubectl auth can-i {verb} {resource} {scope}`), choose a context whose user may read it (--context), or select namespaces you can read (-n)",
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    )]
    Forbidden {
        url: String,
        resource: String,
        identity: String,
        /// `list`, or `get` for one namespace.
        verb: Verb,
        /// `-A` or `-n NAMESPACE`, for the `kubectl auth can-i` hint.
        scope: String,
        message: Option<String>,
    },

    /// A built-in resource (not a CRD) is not served: the URL is probably not
    /// a Kubernetes API server.
    #[error(
        "the server at {url} does not serve {resource} (HTTP 404); is the kubeconfig's `server` the Kubernetes API server?"
    )]
    NotServed { url: String, resource: String },

    /// Talking to the API server failed: no connection, a timeout, an HTTP
    /// error status (after every retry for 429/5xx), an oversized or broken
    /// answer.
    #[error(transparent)]
    Http(#[from] HttpError),

    /// The TLS handshake failed on the server's (or our) certificate.
    #[error(
        "the TLS connection to the Kubernetes API server at {url} failed: {reason}; set the cluster's certificate-authority(-data) in the kubeconfig to the CA that signed the server's certificate, or check the client certificate"
    )]
    Tls { url: String, reason: String },

    /// The answer is not a Kubernetes list (or object).
    #[error(
        "the answer from {url} is not a Kubernetes {expected}: {reason}; is the kubeconfig's `server` the Kubernetes API server?"
    )]
    Decode {
        url: String,
        expected: &'static str,
        reason: String,
    },

    /// The server kept handing out `continue` tokens.
    #[error(
        "listing {resource} at {url} did not end after {pages} pages; the server keeps returning a `continue` token"
    )]
    Paging {
        url: String,
        resource: String,
        pages: usize,
    },
}
