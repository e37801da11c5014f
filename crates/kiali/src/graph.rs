//! Kiali's graph API JSON, read leniently.

use serde_json::Value;

/// What Kiali draws a node for (`data.nodeType`, and `version` for versioned
/// app nodes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KialiNodeType {
    Workload,
    App,
    VersionedApp,
    Service,
    /// A namespace, cluster or app box: never an edge's end.
    Box,
    Unknown,
    /// A node type this reader does not know (kept, matches nothing).
    Other(String),
}

/// One Kiali node, its id kept so the answer can be checked against the UI.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KialiNode {
    pub id: String,
    pub node_type: KialiNodeType,
    pub cluster: String,
    pub namespace: String,
    pub workload: String,
    pub app: String,
    pub version: String,
    pub service: String,
    pub is_waypoint: bool,
}

/// One Kiali edge: ids of its ends, the protocol and the rate Kiali shows
/// (requests per second for HTTP and gRPC, bytes per second for TCP).
#[derive(Debug, Clone, serde::Serialize)]
pub struct KialiEdge {
    pub id: String,
    pub source: String,
    pub target: String,
    pub protocol: String,
    pub rate: Option<f64>,
    /// Ids of the edges Kiali nests in this one's `waypoint.fromEdge` (its
    /// UI draws them with this arrow, not as arrows of their own).
    pub nested: Vec<String>,
}

/// A Kiali graph API answer.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct KialiGraph {
    /// `timestamp` (unix seconds) and `duration` (seconds) of the graph's window.
    pub timestamp: Option<i64>,
    pub duration: Option<i64>,
    pub graph_type: Option<String>,
    pub nodes: Vec<KialiNode>,
    pub edges: Vec<KialiEdge>,
    /// What was skipped while reading (an edge to a node that is not there, ...).
    pub warnings: Vec<String>,
}

impl KialiGraph {
    pub fn node(&self, id: &str) -> Option<&KialiNode> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

impl KialiNode {
    /// A short readable name: `bookinfo/productpage-v1`, `service bookinfo/details`.
    pub fn label(&self) -> String {
        let ns = |name: &str| format!("{}/{name}", self.namespace);
        match &self.node_type {
            KialiNodeType::Workload => ns(&self.workload),
            KialiNodeType::App => ns(&self.app),
            KialiNodeType::VersionedApp => format!("{} {}", ns(&self.app), self.version),
            KialiNodeType::Service => format!("service {}", ns(&self.service)),
            KialiNodeType::Box => format!("box {}", self.namespace),
            KialiNodeType::Unknown => "unknown".into(),
            KialiNodeType::Other(kind) => format!("{kind} {}", self.id),
        }
    }
}

/// Why a file is not a Kiali graph this reader understands.
#[derive(Debug, thiserror::Error)]
pub enum KialiError {
    #[error(
        "{origin}: an HTML page, not Kiali graph JSON (a login page? Kiali wants a token: --kiali-token-file FILE or MESHGRAPH_KIALI_TOKEN, or save the graph API answer while logged in)"
    )]
    Html { origin: String },
    #[error("{origin}: not JSON ({message})")]
    NotJson { origin: String, message: String },
    #[error(
        "{origin}: not a Kiali graph: {what} (expected Kiali's graph API answer, `{{\"elements\": {{\"nodes\": [...], \"edges\": [...]}}}}`, from /api/namespaces/graph)"
    )]
    NotAGraph { origin: String, what: String },
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// Reads Kiali's graph API JSON. `origin` names the file (or URL) in errors.
/// Unknown fields and node types are kept or skipped with a warning; only a
/// document that is not a Kiali graph at all is an error.
pub fn parse_graph(bytes: &[u8], origin: &str) -> Result<KialiGraph, KialiError> {
    let trimmed = String::from_utf8_lossy(bytes);
    let trimmed = trimmed.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        return Err(KialiError::Html {
            origin: origin.into(),
        });
    }
    let doc: Value = serde_json::from_str(trimmed).map_err(|e| KialiError::NotJson {
        origin: origin.into(),
        message: e.to_string(),
    })?;
    let not_graph = |what: String| KialiError::NotAGraph {
        origin: origin.into(),
        what,
    };
    let Value::Object(top) = &doc else {
        return Err(not_graph(format!("the top level is {}", kind_of(&doc))));
    };
    let Some(elements) = top.get("elements") else {
        let keys: Vec<&str> = top.keys().map(String::as_str).take(6).collect();
        let what = if top.contains_key("error") || top.contains_key("message") {
            format!(
                "an error answer: {}",
                shorten(&(text(&doc, "error") + &text(&doc, "message")))
            )
        } else {
            format!("no `elements` (keys: {})", keys.join(", "))
        };
        return Err(not_graph(what));
    };
    let mut graph = KialiGraph {
        timestamp: number(top.get("timestamp")).map(|t| t as i64),
        duration: number(top.get("duration")).map(|d| d as i64),
        graph_type: top
            .get("graphType")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..KialiGraph::default()
    };
    let (nodes, edges): (Vec<&Value>, Vec<&Value>) = match elements {
        Value::Object(map) => {
            let list = |key: &str| -> Result<Vec<&Value>, KialiError> {
                match map.get(key) {
                    None | Some(Value::Null) => Ok(Vec::new()),
                    Some(Value::Array(items)) => Ok(items.iter().collect()),
                    Some(other) => Err(not_graph(format!(
                        "`elements.{key}` is {}, not a list",
                        kind_of(other)
                    ))),
                }
            };
            (list("nodes")?, list("edges")?)
        }
        // Cytoscape's flat form: `[{group: "nodes", data}, ...]`.
        Value::Array(items) => {
            let group = |v: &&Value| v.get("group").and_then(Value::as_str) == Some("edges");
            let (e, n): (Vec<&Value>, Vec<&Value>) = items.iter().partition(group);
            (n, e)
        }
        other => {
            return Err(not_graph(format!("`elements` is {}", kind_of(other))));
        }
    };
    for (i, node) in nodes.into_iter().enumerate() {
        let Some(data) = node.get("data").filter(|d| d.is_object()) else {
            graph
                .warnings
                .push(format!("node {i} has no `data`; skipped"));
            continue;
        };
        let id = text(data, "id");
        if id.is_empty() {
            graph.warnings.push(format!("node {i} has no id; skipped"));
            continue;
        }
        let version = text(data, "version");
        let node_type = match text(data, "nodeType").as_str() {
            "workload" => KialiNodeType::Workload,
            "app" if !version.is_empty() && !text(data, "workload").is_empty() => {
                KialiNodeType::VersionedApp
            }
            "app" => KialiNodeType::App,
            "service" => KialiNodeType::Service,
            "box" => KialiNodeType::Box,
            "unknown" => KialiNodeType::Unknown,
            "" if data.get("isBox").is_some() => KialiNodeType::Box,
            other => {
                graph.warnings.push(format!(
                    "node {id} has node type {other:?}, which this reader does not know; its edges match no call"
                ));
                KialiNodeType::Other(other.to_string())
            }
        };
        graph.nodes.push(KialiNode {
            id,
            node_type,
            cluster: text(data, "cluster"),
            namespace: text(data, "namespace"),
            workload: text(data, "workload"),
            app: text(data, "app"),
            version,
            service: text(data, "service"),
            is_waypoint: data
                .get("isWaypoint")
                .is_some_and(|w| w != &Value::Bool(false)),
        });
    }
    for (i, edge) in edges.into_iter().enumerate() {
        let Some(data) = edge.get("data").filter(|d| d.is_object()) else {
            graph
                .warnings
                .push(format!("edge {i} has no `data`; skipped"));
            continue;
        };
        let (id, source, target) = (text(data, "id"), text(data, "source"), text(data, "target"));
        let id = if id.is_empty() {
            format!("edge-{i}")
        } else {
            id
        };
        if graph.node(&source).is_none() || graph.node(&target).is_none() {
            graph.warnings.push(format!(
                "edge {id} joins {source:?} and {target:?}, not both nodes of the graph; skipped"
            ));
            continue;
        }
        let traffic = data.get("traffic").cloned().unwrap_or(Value::Null);
        let protocol = text(&traffic, "protocol").to_ascii_lowercase();
        let rates = traffic.get("rates");
        let rate = rates.and_then(|r| number(r.get(protocol.as_str())));
        let nested = nested_edge_ids(data);
        graph.edges.push(KialiEdge {
            id,
            source,
            target,
            protocol,
            rate,
            nested,
        });
    }
    if graph.nodes.is_empty() && graph.edges.is_empty() && !top.contains_key("graphType") {
        return Err(not_graph("an empty `elements` and no `graphType`".into()));
    }
    Ok(graph)
}

/// The ids along an edge's chain of `waypoint.fromEdge` (Kiali 2 nests the
/// waypoint's "from" edge inside the "to" edge).
fn nested_edge_ids(data: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut at = data;
    // A chain longer than a few is not Kiali's; stop rather than loop.
    while let Some(inner) = at.get("waypoint").and_then(|w| w.get("fromEdge")) {
        if ids.len() == 8 {
            break;
        }
        let id = text(inner, "id");
        if !id.is_empty() {
            ids.push(id);
        }
        at = inner;
    }
    ids
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}
