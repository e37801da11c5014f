//! Calls from spans: the OpenTelemetry servicegraph connector's pairing rule,
//! adapted to Istio's proxies. Pure: no IO, cannot fail.
//!
//! Per trace:
//!
//! 1. Every span gets an owner: for an Istio proxy (`node_id` tag) the pod's
//!    workload in the proxy's namespace; otherwise the resource's
//!    `service.name` as a workload in `istio.namespace`,
//!    `k8s.namespace.name`, `service.namespace` or `unknown`.
//! 2. A SERVER span whose parent is a CLIENT span (or, with Zipkin's shared
//!    span context, a CLIENT span with the same id) gives
//!    `owner(client) → owner(server)`, [`TraceEvidence::ClientServerPair`].
//! 3. A SERVER span without a parent in the trace gives
//!    `unknown → owner(server)`, [`TraceEvidence::ServerOnly`]. A server
//!    span below another server or internal span (the application's own span
//!    below its sidecar's) gives nothing.
//! 4. A CLIENT span without any SERVER or CLIENT span below it gives a call to
//!    what its attributes name ([`TraceEvidence::ClientOnly`]):
//!    `upstream_cluster` (a service, or an external host), then
//!    `peer.service`, `service.peer.name`, `db.name`, `db.system.name`,
//!    `db.system` (a virtual node). When a dependency traced its client span
//!    under its own `service.name` below a span of its caller (HotROD's
//!    `mysql` and `redis-manual`), the call is `caller → that name`.
//! 5. Waypoint spans give one call per request ([`TraceEvidence::Waypoint`]),
//!    never a client/server pair: from their `istio.source_*` and
//!    `istio.destination_*` tags (Istio 1.29+); before 1.29 (no such tags)
//!    to the service of their `upstream_cluster`, from the caller their
//!    parent span names (see `waypoint_caller`), else from an unknown
//!    caller.
//!
//! A call failed when either span has an error status, an HTTP status of 500
//! or more, or Envoy `response_flags` other than `-`.

use std::collections::{BTreeMap, HashMap};

use meshgraph_model::UNKNOWN;
use meshgraph_model::trace::{TraceCall, TraceEvidence, TracePeer};

use crate::istio::{ProxyRole, proxy_of, upstream_cluster};
use crate::span::{Span, SpanKind};

/// Calls found in a set of spans, and what could not be used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallsFromSpans {
    /// Sorted by source, destination, evidence.
    pub calls: Vec<TraceCall>,
    /// Counts of spans that could not be used, and why (one line per reason).
    pub notes: Vec<String>,
    /// Traces seen.
    pub traces: usize,
}

/// Attributes naming the destination of a client-only span, in order of trust.
const VIRTUAL_NODE_ATTRIBUTES: [&str; 5] = [
    "peer.service",
    "service.peer.name",
    "db.name",
    "db.system.name",
    "db.system",
];

#[derive(Default)]
struct Acc {
    spans: u64,
    errors: u64,
    durations_ms: Vec<f64>,
    trace_ids: Vec<String>,
}

#[derive(Default)]
struct Skipped {
    no_owner: u64,
    waypoint_untagged: u64,
    waypoint_no_caller: u64,
    waypoint_parent: u64,
    client_no_destination: u64,
}

struct Info {
    role: Option<ProxyRole>,
    pod: Option<String>,
    owner: Option<TracePeer>,
}

/// Derives calls from spans of any number of traces (spans of one trace may
/// come in any order and from several answers; repeated spans should have
/// been removed, as [`decode`](crate::decode) does).
pub fn calls_from_spans(spans: &[Span]) -> CallsFromSpans {
    let mut by_trace: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for span in spans {
        by_trace.entry(&span.trace_id).or_default().push(span);
    }
    let mut calls: BTreeMap<(TracePeer, TracePeer, TraceEvidence), Acc> = BTreeMap::new();
    let mut skipped = Skipped::default();
    for (trace_id, trace) in &by_trace {
        one_trace(trace_id, trace, &mut calls, &mut skipped);
    }
    let calls = calls
        .into_iter()
        .map(|((source, destination, evidence), acc)| TraceCall {
            source,
            destination,
            evidence,
            spans: acc.spans,
            errors: acc.errors,
            durations_ms: acc.durations_ms,
            trace_ids: acc.trace_ids,
        })
        .collect();
    CallsFromSpans {
        calls,
        notes: notes(&skipped),
        traces: by_trace.len(),
    }
}

fn notes(s: &Skipped) -> Vec<String> {
    let mut notes = Vec::new();
    if s.waypoint_untagged > 0 {
        notes.push(format!(
            "{} waypoint span(s) carry neither istio.source_*/istio.destination_* tags (Istio 1.29+) nor an upstream_cluster naming a service, and were not used; the waypoint's edges come from metrics",
            s.waypoint_untagged
        ));
    }
    if s.waypoint_no_caller > 0 {
        notes.push(format!(
            "{} waypoint span(s) name their destination service but no caller (no istio.source_* tags, and no parent span of the caller in the trace: a search answer, or an untraced ambient caller): their calls come from an unknown source",
            s.waypoint_no_caller
        ));
    }
    if s.waypoint_parent > 0 {
        notes.push(format!(
            "{} server span(s) below a waypoint span were not paired: the waypoint hides the caller",
            s.waypoint_parent
        ));
    }
    if s.client_no_destination > 0 {
        notes.push(format!(
            "{} client span(s) without a server span name no destination (no upstream_cluster, peer.service or db.* attribute) and were not used",
            s.client_no_destination
        ));
    }
    if s.no_owner > 0 {
        notes.push(format!(
            "{} span(s) have neither an Istio node_id nor a service.name and were not used",
            s.no_owner
        ));
    }
    notes
}

fn info(span: &Span) -> Info {
    if let Some(proxy) = proxy_of(span) {
        return Info {
            role: Some(proxy.role),
            owner: Some(TracePeer::workload(&proxy.namespace, &proxy.workload)),
            pod: Some(proxy.pod),
        };
    }
    let owner = span.service_name().map(|name| {
        let namespace = ["istio.namespace", "k8s.namespace.name", "service.namespace"]
            .into_iter()
            .find_map(|k| span.attr(k).filter(|v| !v.is_empty()))
            .unwrap_or(UNKNOWN);
        TracePeer::workload(namespace, name)
    });
    Info {
        role: None,
        pod: None,
        owner,
    }
}

fn failed(span: &Span) -> bool {
    let status_5xx = ["http.status_code", "http.response.status_code"]
        .into_iter()
        .filter_map(|k| span.attr(k))
        .any(|v| v.trim().parse::<u32>().is_ok_and(|c| c >= 500));
    let flags = span
        .attr("response_flags")
        .is_some_and(|f| !f.is_empty() && f != "-");
    span.status_error || status_5xx || flags
}

fn one_trace(
    trace_id: &str,
    trace: &[&Span],
    calls: &mut BTreeMap<(TracePeer, TracePeer, TraceEvidence), Acc>,
    skipped: &mut Skipped,
) {
    let infos: Vec<Info> = trace.iter().map(|s| info(s)).collect();
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, span) in trace.iter().enumerate() {
        by_id.entry(&span.span_id).or_default().push(i);
        if let Some(p) = &span.parent_span_id {
            children.entry(p).or_default().push(i);
        }
    }
    let parent_of = |i: usize| -> Vec<usize> {
        trace[i]
            .parent_span_id
            .as_deref()
            .and_then(|p| by_id.get(p))
            .cloned()
            .unwrap_or_default()
    };
    let is_waypoint = |i: usize| infos[i].role == Some(ProxyRole::Waypoint);
    let mut add = |source: TracePeer,
                   destination: TracePeer,
                   evidence: TraceEvidence,
                   failed: bool,
                   duration: Option<f64>| {
        let acc = calls.entry((source, destination, evidence)).or_default();
        acc.spans += 1;
        acc.errors += u64::from(failed);
        acc.durations_ms.extend(duration);
        if acc.trace_ids.len() < TraceCall::MAX_TRACE_IDS
            && !acc.trace_ids.iter().any(|t| t == trace_id)
        {
            acc.trace_ids.push(trace_id.to_string());
        }
    };
    let mut used = vec![false; trace.len()];

    // Waypoints: only their own tags name the sides.
    for (i, span) in trace.iter().enumerate() {
        if !is_waypoint(i) {
            continue;
        }
        let same_request = span.kind == SpanKind::Client
            && parent_of(i)
                .into_iter()
                .any(|p| is_waypoint(p) && infos[p].pod == infos[i].pod);
        if same_request {
            used[i] = true;
            continue;
        }
        let sides = match waypoint_sides(span) {
            Some(sides) => sides,
            None => {
                // Istio 1.22-1.28: no istio.source_* tags. The destination is
                // the service of the waypoint's `upstream_cluster`; the caller
                // is found through the parent span (see `waypoint_caller`).
                let Some(destination) = waypoint_destination(span) else {
                    skipped.waypoint_untagged += 1;
                    continue;
                };
                let (source, same_request) =
                    waypoint_caller(i, &destination, trace, &infos, &parent_of, &children);
                if let Some(c) = same_request {
                    used[c] = true;
                }
                if source == TracePeer::Unknown {
                    skipped.waypoint_no_caller += 1;
                }
                (source, destination)
            }
        };
        used[i] = true;
        add(
            sides.0,
            sides.1,
            TraceEvidence::Waypoint,
            failed(span),
            span.duration_ms(),
        );
    }

    // Server spans: paired with their client parent, or from an unknown caller.
    for (i, span) in trace.iter().enumerate() {
        if span.kind != SpanKind::Server || is_waypoint(i) {
            continue;
        }
        let parents = parent_of(i);
        let client = parents
            .iter()
            .copied()
            .find(|&p| trace[p].kind == SpanKind::Client)
            .or_else(|| {
                // Zipkin's shared span context: client and server share the id.
                by_id[span.span_id.as_str()]
                    .iter()
                    .copied()
                    .find(|&c| c != i && trace[c].kind == SpanKind::Client)
            });
        let Some(server_owner) = infos[i].owner.clone() else {
            skipped.no_owner += 1;
            continue;
        };
        match client {
            Some(c) if is_waypoint(c) => skipped.waypoint_parent += 1,
            Some(c) => {
                let Some(client_owner) = infos[c].owner.clone() else {
                    skipped.no_owner += 1;
                    continue;
                };
                used[c] = true;
                used[i] = true;
                add(
                    client_owner,
                    server_owner,
                    TraceEvidence::ClientServerPair,
                    failed(trace[c]) || failed(span),
                    trace[c].duration_ms().or(span.duration_ms()),
                );
            }
            None if parents.is_empty() => {
                used[i] = true;
                add(
                    TracePeer::Unknown,
                    server_owner,
                    TraceEvidence::ServerOnly,
                    failed(span),
                    span.duration_ms(),
                );
            }
            None => {}
        }
    }

    // Client spans with nothing below them.
    for (i, span) in trace.iter().enumerate() {
        if span.kind != SpanKind::Client || used[i] || is_waypoint(i) {
            continue;
        }
        let covered = children
            .get(span.span_id.as_str())
            .into_iter()
            .flatten()
            .any(|&c| {
                (used[c] && is_waypoint(c))
                    || (!is_waypoint(c)
                        && matches!(trace[c].kind, SpanKind::Server | SpanKind::Client))
            });
        if covered {
            continue;
        }
        let Some(own) = infos[i].owner.clone() else {
            skipped.no_owner += 1;
            continue;
        };
        match client_only_sides(span, &infos[i], own, &parent_of(i), &infos) {
            Some((source, destination, attribute)) => add(
                source,
                destination,
                TraceEvidence::ClientOnly { attribute },
                failed(span),
                span.duration_ms(),
            ),
            None => skipped.client_no_destination += 1,
        }
    }
}

/// `istio.source_*` / `istio.destination_*` tags of a waypoint span; the
/// destination falls back to the service of `upstream_cluster`.
fn waypoint_sides(span: &Span) -> Option<(TracePeer, TracePeer)> {
    let tag = |k: &str| span.attr(k).filter(|v| !v.is_empty() && *v != UNKNOWN);
    let source = TracePeer::workload(
        tag("istio.source_namespace")?,
        tag("istio.source_workload")?,
    );
    let destination = match (
        tag("istio.destination_namespace"),
        tag("istio.destination_workload"),
    ) {
        (Some(ns), Some(name)) => TracePeer::workload(ns, name),
        _ => {
            let cluster = upstream_cluster(span)?;
            let (ns, name) = cluster.service()?;
            TracePeer::service(ns, name)
        }
    };
    Some((source, destination))
}

/// The service a waypoint span's request was for: `istio.destination_service*`
/// tags, else the host of its `upstream_cluster`
/// (`inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local` on 1.22-1.28,
/// `outbound|...` on a waypoint's upstream span).
fn waypoint_destination(span: &Span) -> Option<TracePeer> {
    let tag = |k: &str| span.attr(k).filter(|v| !v.is_empty() && *v != UNKNOWN);
    if let (Some(ns), Some(name)) = (
        tag("istio.destination_service_namespace"),
        tag("istio.destination_service_name"),
    ) {
        return Some(TracePeer::service(ns, name));
    }
    let cluster = upstream_cluster(span)?;
    let (ns, name) = cluster.service()?;
    Some(TracePeer::service(ns, name))
}

/// The caller of a waypoint span without `istio.source_*` tags, from its
/// parent span (Istio 1.22-1.28, see docs/traces.md "Waypoints before 1.29"):
///
/// - a CLIENT span of a sidecar, gateway or traced application that was
///   sent to the same service (or names none): its owner sent this request
///   through the waypoint;
/// - a SERVER (or internal) span of a sidecar or traced application: the
///   caller received a request there and called on, without a client span
///   of its own (an ambient workload whose application forwards the trace
///   headers);
/// - a CLIENT span to another service, or another waypoint's span: the
///   parent is the hop that brought the request to the caller; the caller is
///   the owner of a SERVER span below that parent, when there is one;
/// - with no parent in the trace (its span was lost, or the answer has no
///   parent ids): a CLIENT span of a sidecar, gateway or traced application
///   with the same `x-request-id` (Envoy's `guid:x-request-id` tag) sent to
///   the same service is the same request seen by the caller;
/// - otherwise (ztunnel emits no span: an untraced ambient caller)
///   [`TracePeer::Unknown`].
fn waypoint_caller(
    i: usize,
    destination: &TracePeer,
    trace: &[&Span],
    infos: &[Info],
    parent_of: &dyn Fn(usize) -> Vec<usize>,
    children: &HashMap<&str, Vec<usize>>,
) -> (TracePeer, Option<usize>) {
    let is_waypoint = |j: usize| infos[j].role == Some(ProxyRole::Waypoint);
    for p in parent_of(i) {
        let parent = trace[p];
        if !is_waypoint(p) {
            let same_service = parent.kind != SpanKind::Client
                || upstream_cluster(parent)
                    .and_then(|c| {
                        c.service()
                            .map(|(ns, name)| TracePeer::service(ns, name) == *destination)
                    })
                    .unwrap_or(true);
            if same_service && let Some(owner) = infos[p].owner.clone() {
                return (owner, None);
            }
        }
        // The hop that delivered the request to the caller: the caller is
        // whoever served it, when a span of theirs is in the trace.
        let served = children
            .get(parent.span_id.as_str())
            .into_iter()
            .flatten()
            .copied()
            .find(|&c| c != i && !is_waypoint(c) && trace[c].kind == SpanKind::Server);
        if let Some(owner) = served.and_then(|c| infos[c].owner.clone()) {
            return (owner, None);
        }
    }
    if trace[i].parent_span_id.is_none() || parent_of(i).is_empty() {
        let request_id = request_id(trace[i]);
        let same_request = trace.iter().enumerate().find(|&(c, span)| {
            c != i
                && !is_waypoint(c)
                && span.kind == SpanKind::Client
                && request_id.is_some()
                && request_id == self::request_id(span)
                && upstream_cluster(span)
                    .and_then(|u| u.service().map(|(ns, n)| TracePeer::service(ns, n)))
                    .as_ref()
                    == Some(destination)
        });
        if let Some((c, _)) = same_request
            && let Some(owner) = infos[c].owner.clone()
        {
            // The caller's span is this call: it gives no call of its own.
            return (owner, Some(c));
        }
    }
    (TracePeer::Unknown, None)
}

/// The `x-request-id` Envoy tags a span with.
fn request_id(span: &Span) -> Option<&str> {
    [
        "guid:x-request-id",
        "x-request-id",
        "http.request.header.x-request-id",
    ]
    .into_iter()
    .find_map(|k| span.attr(k))
    .filter(|v| !v.is_empty())
}

fn client_only_sides(
    span: &Span,
    info: &Info,
    own: TracePeer,
    parents: &[usize],
    infos: &[Info],
) -> Option<(TracePeer, TracePeer, String)> {
    let virtual_attr = VIRTUAL_NODE_ATTRIBUTES
        .into_iter()
        .find_map(|k| span.attr(k).filter(|v| !v.is_empty()).map(|v| (k, v)));
    // A dependency tracing its own calls under its own name, below its caller.
    if info.role.is_none()
        && let Some(name) = span.service_name()
        && virtual_attr.is_none_or(|(_, v)| v == name)
        && let Some(caller) = parents
            .iter()
            .find_map(|&p| infos[p].owner.clone().filter(|o| *o != own))
    {
        return Some((caller, TracePeer::virtual_node(name), "service.name".into()));
    }
    if let Some(cluster) = upstream_cluster(span)
        && cluster.direction == "outbound"
    {
        let destination = match cluster.service() {
            Some((ns, name)) => TracePeer::service(ns, name),
            None if !cluster.host.is_empty() => TracePeer::virtual_node(&cluster.host),
            None => return None,
        };
        return Some((own, destination, "upstream_cluster".into()));
    }
    let (attribute, value) = virtual_attr?;
    Some((own, TracePeer::virtual_node(value), attribute.into()))
}
