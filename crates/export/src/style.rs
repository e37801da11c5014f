//! What an edge or node looks like, shared by the DOT and SVG renderers.

use meshgraph_core::Badge;
use meshgraph_core::graph::GraphEdge;
use meshgraph_model::Severity;
use meshgraph_model::{NodeKind, Protocol};

/// Error share from which an edge is drawn as degraded / failing (MG902's thresholds).
pub const DEGRADED_ERROR_SHARE: f64 = 0.0;
pub const FAILING_ERROR_SHARE: f64 = 0.10;

pub const COLOR_HEALTHY: &str = "#2e7d32";
pub const COLOR_TCP: &str = "#1565c0";
pub const COLOR_DEGRADED: &str = "#ef6c00";
pub const COLOR_FAILING: &str = "#c62828";

pub fn error_share(edge: &GraphEdge) -> Option<f64> {
    let l7 = edge.l7.as_ref()?;
    (l7.rps > 0.0).then(|| l7.error_rps / l7.rps)
}

/// The colour of an edge: by its error share (the bands below), raised by the
/// findings on it: an error-level badge makes it red, a warning at least orange,
/// so an edge with a finding is never drawn green.
pub fn edge_color(edge: &GraphEdge) -> &'static str {
    let by_rate = match error_share(edge) {
        Some(share) if share >= FAILING_ERROR_SHARE => COLOR_FAILING,
        Some(share) if share > DEGRADED_ERROR_SHARE => COLOR_DEGRADED,
        _ if edge.protocol == Protocol::Tcp => COLOR_TCP,
        _ => COLOR_HEALTHY,
    };
    match edge.badges.iter().map(|b| b.severity).max() {
        Some(Severity::Error) => COLOR_FAILING,
        Some(Severity::Warning) if by_rate != COLOR_FAILING => COLOR_DEGRADED,
        _ => by_rate,
    }
}

/// A window length for reading: `10m`, `1h`, `1h30m`, `90s`.
pub fn human_window(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// One row of the legend about edges: a sample line and what it means.
pub struct LegendEdge {
    pub color: &'static str,
    /// Graphviz line style: `solid`, `bold`, `dashed`.
    pub line: &'static str,
    /// The arrowhead of a call through a waypoint.
    pub via_waypoint: bool,
    pub text: &'static str,
}

/// The legend's edge rows, derived from the constants above.
pub fn legend_edges() -> Vec<LegendEdge> {
    let row = |color, line, via_waypoint, text| LegendEdge {
        color,
        line,
        via_waypoint,
        text,
    };
    vec![
        row(COLOR_HEALTHY, "solid", false, "HTTP, no errors"),
        row(COLOR_HEALTHY, "bold", false, "gRPC (bold line)"),
        row(
            COLOR_DEGRADED,
            "solid",
            false,
            "errors above 0% and under 10%, or a warning finding",
        ),
        row(
            COLOR_FAILING,
            "solid",
            false,
            "errors 10% or more, or an error finding",
        ),
        row(COLOR_TCP, "dashed", false, "TCP only (dashed line)"),
        row(
            COLOR_HEALTHY,
            "solid",
            true,
            "ring before the arrowhead: through a waypoint",
        ),
    ]
}

/// The legend's text about finding badges.
pub const LEGEND_BADGES: &str =
    "[MGnnn]: finding codes (meshgraph check); outline orange = warning, red = error";

/// What a node shape means, for the kinds present (in `NodeKind` order).
pub fn legend_kinds(kinds: impl IntoIterator<Item = NodeKind>) -> Vec<(NodeKind, String)> {
    let mut kinds: Vec<NodeKind> = kinds.into_iter().collect();
    kinds.sort_by_key(|k| kind_order(*k));
    kinds.dedup();
    kinds
        .into_iter()
        .map(|k| (k, format!("{}: {}", node_shape(k), kind_name(k))))
        .collect()
}

fn kind_order(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::Workload => 0,
        NodeKind::VersionedApp => 1,
        NodeKind::App => 2,
        NodeKind::Service => 3,
        NodeKind::ServiceEntry => 4,
        NodeKind::Gateway => 5,
        NodeKind::Waypoint => 6,
        NodeKind::Unknown => 7,
        NodeKind::External => 8,
    }
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Workload => "workload",
        NodeKind::VersionedApp => "app version",
        NodeKind::App => "app",
        NodeKind::Service => "service",
        NodeKind::ServiceEntry => "ServiceEntry host",
        NodeKind::Gateway => "gateway",
        NodeKind::Waypoint => "waypoint",
        NodeKind::Unknown => "unknown caller",
        NodeKind::External => "external host",
    }
}

/// Graphviz style: HTTP solid, gRPC bold, TCP dashed.
pub fn edge_line_style(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Http => "solid",
        Protocol::Grpc => "bold",
        Protocol::Tcp => "dashed",
    }
}

fn human_rate(value: f64, unit: &str) -> String {
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 1.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

fn human_bytes(bytes_per_second: f64) -> String {
    let units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
    let mut value = bytes_per_second;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    human_rate(value, units[unit])
}

/// The lines printed on an edge. Values are rounded here for reading only;
/// JSON keeps every digit.
pub fn edge_label_lines(edge: &GraphEdge) -> Vec<String> {
    edge_label_lines_with(edge, false)
}

/// [`edge_label_lines`], leaving out the "via waypoint" lines when the
/// drawing says it once elsewhere (on the namespace box or in the legend).
pub fn edge_label_lines_with(edge: &GraphEdge, omit_waypoint: bool) -> Vec<String> {
    let mut lines = Vec::new();
    match &edge.l7 {
        Some(l7) => {
            let mut first = format!("{} {}", edge.protocol.as_str(), human_rate(l7.rps, "rps"));
            if let Some(share) = error_share(edge).filter(|s| *s > 0.0) {
                first.push_str(&format!(", {:.1}% err", share * 100.0));
            }
            lines.push(first);
            if let Some(p99) = l7.latency.quantile(0.99) {
                lines.push(format!("p99 {p99:.0} ms"));
            }
        }
        None => {
            let l4 = edge.l4.clone().unwrap_or_default();
            lines.push(format!(
                "tcp {}",
                human_rate(l4.connections_opened, "conn/s")
            ));
            lines.push(format!(
                "{} out, {} back",
                human_bytes(l4.bytes_to_server),
                human_bytes(l4.bytes_to_client)
            ));
        }
    }
    match edge.security.share() {
        Some(share) if share >= 1.0 => lines.push("mTLS".into()),
        Some(share) if share > 0.0 => lines.push(format!("mTLS {:.0}%", share * 100.0)),
        Some(_) => lines.push("plaintext".into()),
        None => {}
    }
    for waypoint in edge.via_waypoint.iter().filter(|_| !omit_waypoint) {
        lines.push(format!("via waypoint {waypoint}"));
    }
    for gateway in &edge.via_network_gateway {
        lines.push(format!("via network gateway {gateway}"));
    }
    if edge.failed_across_networks {
        lines.push("failed across networks".into());
    }
    if let Some(badges) = badge_line(&edge.badges) {
        lines.push(badges);
    }
    lines
}

/// The finding codes as one label line: `[MG902 MG904]`.
pub fn badge_line(badges: &[Badge]) -> Option<String> {
    (!badges.is_empty()).then(|| {
        let codes: Vec<&str> = badges.iter().map(|b| b.code.as_str()).collect();
        format!("[{}]", codes.join(" "))
    })
}

/// Outline colour of a node with findings, by the worst one.
pub fn badge_color(badges: &[Badge]) -> Option<&'static str> {
    match badges.iter().map(|b| b.severity).max()? {
        Severity::Error => Some(COLOR_FAILING),
        Severity::Warning => Some(COLOR_DEGRADED),
        Severity::Info => None,
    }
}

/// Graphviz shape of a node kind.
pub fn node_shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Workload | NodeKind::VersionedApp | NodeKind::App => "box",
        NodeKind::Service | NodeKind::ServiceEntry => "hexagon",
        NodeKind::Gateway => "house",
        NodeKind::Waypoint => "octagon",
        NodeKind::Unknown => "diamond",
        NodeKind::External => "cds",
    }
}

pub fn node_fill(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Gateway | NodeKind::Waypoint => "#e3f2fd",
        NodeKind::Unknown | NodeKind::External => "#fff3e0",
        NodeKind::Service | NodeKind::ServiceEntry => "#f3e5f5",
        _ => "#ffffff",
    }
}

/// The text of a node: its name, then its version when it has one.
pub fn node_label_lines(node: &meshgraph_core::Node) -> Vec<String> {
    let mut lines = vec![node.name.clone()];
    if let Some(version) = node
        .version
        .as_deref()
        .filter(|v| !v.is_empty() && *v != "latest" && *v != "unknown")
    {
        lines.push(version.to_string());
    }
    if let Some(badges) = badge_line(&node.badges) {
        lines.push(badges);
    }
    lines
}
