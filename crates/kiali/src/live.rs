//! Reading the graph from a live Kiali: `GET /api/namespaces/graph` with the
//! telemetry's scope, through `meshgraph-source`'s [`Server`] (timeouts,
//! retries, size cap, secrets kept out of messages).

use meshgraph_source::{Failure, HttpError, Peer, Reply, Server, ServerConfig};
use reqwest::Method;

use crate::{KialiError, KialiGraph, parse_graph};

/// How messages name Kiali.
pub static KIALI: Peer = Peer {
    name: "Kiali",
    behind_proxies: "Kiali",
    url_name: "Kiali URL",
    url_hint: "check --kiali (e.g. http://kiali:20001 or http://host/kiali)",
    settings_name: "Kiali",
    unreachable_hint: "is Kiali running and reachable? (kubectl port-forward -n istio-system svc/kiali 20001)",
    timeout_hint: "raise --query-timeout, or select fewer namespaces (-n)",
    too_large_hint: "select fewer namespaces (-n)",
    timeout_in_seconds: false,
};

/// The graph asked of Kiali: the telemetry's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQuery {
    pub namespaces: Vec<String>,
    /// `workload`, `app`, `versionedApp` or `service`.
    pub graph_type: String,
    /// The window, in seconds.
    pub duration_secs: u64,
    /// The end of the window, unix seconds.
    pub query_time: i64,
    /// Kiali's `injectServiceNodes` (its UI's default is on).
    pub inject_service_nodes: bool,
}

/// The appenders asked for: those that add nodes or edges to the picture.
pub const APPENDERS: &str = "deadNode,istio,serviceEntry,workloadEntry";

impl GraphQuery {
    /// The query parameters of `/api/namespaces/graph`.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("namespaces", self.namespaces.join(",")),
            ("graphType", self.graph_type.clone()),
            ("duration", format!("{}s", self.duration_secs)),
            ("queryTime", self.query_time.to_string()),
            ("appenders", APPENDERS.to_string()),
            ("injectServiceNodes", self.inject_service_nodes.to_string()),
        ]
    }
}

/// Why the graph could not be read from Kiali.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// An answer that is not a graph this reader understands.
    #[error("{0}")]
    Graph(KialiError),
    /// JSON, but not a graph of a Kiali this reader knows.
    #[error(
        "{0}; another Kiali version? meshgraph reads the graph API of Kiali 1.x and 2.x: save the graph from Kiali's UI and pass --kiali-graph FILE"
    )]
    Version(KialiError),
}

/// Reads the graph of `query` from the Kiali of `config`; its auth (a bearer
/// token) is sent with the request.
pub async fn fetch_graph(
    config: &ServerConfig,
    query: &GraphQuery,
) -> Result<KialiGraph, LiveError> {
    let server = config.open(&KIALI)?;
    let url = server.url("/api/namespaces/graph", &query.params());
    let display = url.to_string();
    let body = server
        .with_retries(|attempt| attempt_once(&server, &url, &display, attempt))
        .await?;
    parse_graph(&body, &display).map_err(|e| match e {
        KialiError::NotAGraph { .. } => LiveError::Version(e),
        other => LiveError::Graph(other),
    })
}

async fn attempt_once(
    server: &Server,
    url: &reqwest::Url,
    display: &str,
    attempt: u32,
) -> Result<Vec<u8>, Failure<HttpError>> {
    match server
        .send(Method::GET, url, display, attempt, |r| {
            r.header(reqwest::header::ACCEPT, "application/json")
        })
        .await?
    {
        Reply::Success { body, .. } => Ok(body),
        Reply::Status(reply) => {
            let hint = match reply.status.as_u16() {
                401 | 403 => {
                    "Kiali wants a valid token: --kiali-token-file FILE or MESHGRAPH_KIALI_TOKEN (e.g. kubectl -n istio-system create token kiali)"
                }
                404 => {
                    "check the path in --kiali: it is Kiali's base URL (e.g. http://kiali:20001 or http://host/kiali)"
                }
                429 => "Kiali is rate limiting; retry later",
                500..=599 => {
                    "Kiali is failing or cannot reach Prometheus; check its health, retry later"
                }
                _ => "check that --kiali points at Kiali",
            };
            let body = reply.body.as_deref().unwrap_or_default();
            let error = server.status_error(reply.status, body, display, attempt, hint);
            Err(reply.failure(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_carries_the_scope() {
        let query = GraphQuery {
            namespaces: vec!["bookinfo".into(), "istio-system".into()],
            graph_type: "versionedApp".into(),
            duration_secs: 600,
            query_time: 1_523_364_075,
            inject_service_nodes: true,
        };
        let server = ServerConfig::new("http://127.0.0.1:9/kiali/")
            .open(&KIALI)
            .unwrap();
        let url = server.url("/api/namespaces/graph", &query.params());
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/kiali/api/namespaces/graph?namespaces=bookinfo%2Cistio-system&graphType=versionedApp&duration=600s&queryTime=1523364075&appenders=deadNode%2Cistio%2CserviceEntry%2CworkloadEntry&injectServiceNodes=true"
        );
    }
}
