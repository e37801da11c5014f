//! The spans Istio's proxies would send to a tracing backend for a scenario,
//! as a Jaeger `/api/v3/traces` answer (OTLP JSON: hex ids, integer span
//! kinds, 64-bit integers as strings). Facts: telemetry-facts.md, "Traces".
//!
//! - ztunnel emits no spans; sidecars emit a CLIENT span (outbound) and a
//!   SERVER span (inbound) per hop, the server span's parent being the
//!   client span.
//! - Ingress gateways emit the CLIENT span of the hop they start (the SERVER
//!   span gateways emit for their own inbound request from 1.28 is not
//!   generated: its caller is outside the mesh).
//! - Waypoints emit a SERVER and a CLIENT span, never linked to the caller's
//!   spans by parent; they carry `istio.source_*` / `istio.destination_*`
//!   tags only from Istio 1.29.
//! - Service names are `<canonical-service>.<namespace>`; `node_id` is
//!   `sidecar~IP~pod.ns~ns.svc.cluster.local`, `router~` for gateways,
//!   `waypoint~` for waypoints.
//!
//! Each hop gets its own trace; sampling decides how many spans a call gets.

use serde_json::{Value, json};

use crate::spec::Scenario;
use crate::telemetry::{ClientProxy, paths, pod_name};

const SPAN_KIND_SERVER: i64 = 2;
const SPAN_KIND_CLIENT: i64 = 3;

struct Ids(u64);

impl Ids {
    fn next(&mut self, bytes: usize) -> String {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let hex = format!("{:016x}{:016x}", self.0, self.0.rotate_left(17));
        hex[..bytes * 2].to_string()
    }
}

/// One proxy's view, as OTLP needs it: a resource per proxy.
struct Proxy {
    service_name: String,
    node_id: String,
    namespace: String,
    canonical_service: String,
}

fn attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn span(
    ids: (&str, &str, Option<&str>),
    kind: i64,
    start_ns: i64,
    duration_ms: f64,
    proxy: &Proxy,
    extra: &[(&str, String)],
) -> Value {
    let (trace_id, span_id, parent) = ids;
    let end = start_ns + (duration_ms * 1e6) as i64;
    let mut attributes = vec![
        attr("node_id", &proxy.node_id),
        attr("istio.namespace", &proxy.namespace),
        attr("istio.canonical_service", &proxy.canonical_service),
        attr("component", "proxy"),
    ];
    attributes.extend(extra.iter().map(|(k, v)| attr(k, v)));
    json!({
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent.unwrap_or(""),
        "name": format!("{}:{}", proxy.canonical_service, if kind == SPAN_KIND_SERVER { "inbound" } else { "outbound" }),
        "kind": kind,
        "startTimeUnixNano": start_ns.to_string(),
        "endTimeUnixNano": end.to_string(),
        "attributes": attributes,
        "status": {},
    })
}

impl Scenario {
    /// A Jaeger `/api/v3/traces` answer holding the sampled spans of every
    /// call (`sampling` in 0..=1; Istio's default is 0.01). Every call with a
    /// span-emitting proxy gets at least one span.
    pub fn jaeger_v3_traces(&self, sampling: f64) -> Value {
        let mut ids = Ids(0x5eed ^ self.name.len() as u64);
        let mut by_proxy: Vec<(Proxy, Vec<Value>)> = Vec::new();
        let mut push = |proxy: Proxy, span: Value| match by_proxy
            .iter_mut()
            .find(|(p, _)| p.node_id == proxy.node_id)
        {
            Some((_, spans)) => spans.push(span),
            None => by_proxy.push((proxy, vec![span])),
        };
        let start = self.at * 1_000_000_000 - (self.window_seconds as i64) * 1_000_000_000;
        for call in &self.calls {
            for path in paths(self, call) {
                let client = match path.client {
                    Some(ClientProxy::Sidecar(w)) => Some(Proxy {
                        service_name: format!("{}.{}", w.app, w.namespace),
                        node_id: format!(
                            "sidecar~10.0.0.1~{}.{}~{}.svc.cluster.local",
                            pod_name(&w.name),
                            w.namespace,
                            w.namespace
                        ),
                        namespace: w.namespace.clone(),
                        canonical_service: w.app.clone(),
                    }),
                    Some(ClientProxy::Gateway(g)) => Some(Proxy {
                        service_name: format!("{}.{}", g.workload_name(), g.namespace),
                        node_id: format!(
                            "router~10.0.0.2~{}.{}~{}.svc.cluster.local",
                            pod_name(&g.workload_name()),
                            g.namespace,
                            g.namespace
                        ),
                        namespace: g.namespace.clone(),
                        canonical_service: g.workload_name(),
                    }),
                    _ => None,
                };
                let backend = path.backend;
                let server =
                    (self.mode_of(backend) == crate::spec::DataPlaneMode::Sidecar).then(|| Proxy {
                        service_name: format!("{}.{}", backend.app, backend.namespace),
                        node_id: format!(
                            "sidecar~10.0.1.1~{}.{}~{}.svc.cluster.local",
                            pod_name(&backend.name),
                            backend.namespace,
                            backend.namespace
                        ),
                        namespace: backend.namespace.clone(),
                        canonical_service: backend.app.clone(),
                    });
                if client.is_none() && server.is_none() {
                    continue;
                }
                let service = backend
                    .service
                    .clone()
                    .unwrap_or_else(|| backend.app.clone());
                let cluster = format!(
                    "outbound|{}||{service}.{}.svc.cluster.local",
                    backend.port, backend.namespace
                );
                let samples = ((call.rps * path.share * self.window_seconds as f64 * sampling)
                    .round() as usize)
                    .max(1);
                let errors = (samples as f64 * call.error_ratio).round() as usize;
                for n in 0..samples {
                    let trace_id = ids.next(16);
                    let (client_id, server_id) = (ids.next(8), ids.next(8));
                    let code = if n < errors {
                        call.error_code.to_string()
                    } else {
                        "200".to_string()
                    };
                    let at = start + (n as i64) * 1_000_000_000;
                    let tags = vec![
                        ("http.status_code", code.clone()),
                        ("response_flags", "-".to_string()),
                    ];
                    if let Some(c) = &client {
                        let mut client_tags = tags.clone();
                        client_tags.push(("upstream_cluster", cluster.clone()));
                        let s = span(
                            (&trace_id, &client_id, None),
                            SPAN_KIND_CLIENT,
                            at,
                            call.latency_ms + 1.0,
                            c,
                            &client_tags,
                        );
                        push(clone_proxy(c), s);
                    }
                    if let Some(s) = &server {
                        let parent = client.as_ref().map(|_| client_id.as_str());
                        let sp = span(
                            (&trace_id, &server_id, parent),
                            SPAN_KIND_SERVER,
                            at,
                            call.latency_ms,
                            s,
                            &tags,
                        );
                        push(clone_proxy(s), sp);
                    }
                }
            }
        }
        let resource_spans: Vec<Value> = by_proxy
            .into_iter()
            .map(|(proxy, spans)| {
                json!({
                    "resource": {"attributes": [attr("service.name", &proxy.service_name)]},
                    "scopeSpans": [{"scope": {"name": "envoy"}, "spans": spans}],
                })
            })
            .collect();
        json!({"result": {"resourceSpans": resource_spans}})
    }
}

fn clone_proxy(p: &Proxy) -> Proxy {
    Proxy {
        service_name: p.service_name.clone(),
        node_id: p.node_id.clone(),
        namespace: p.namespace.clone(),
        canonical_service: p.canonical_service.clone(),
    }
}
