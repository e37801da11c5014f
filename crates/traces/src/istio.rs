//! What Istio's Envoy tags say about a span: which proxy wrote it and for which
//! workload, and which service a client span called.

use crate::span::Span;

/// The kind of Envoy that wrote a span, from the `node_id` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProxyRole {
    /// `sidecar~...`
    Sidecar,
    /// `router~...`: an ingress or egress gateway.
    Gateway,
    /// `waypoint~...`
    Waypoint,
}

/// An Istio proxy, read from a `node_id` such as
/// `sidecar~10.0.0.1~productpage-v1-6b746f74dc-9stp6.bookinfo~bookinfo.svc.cluster.local`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    pub role: ProxyRole,
    pub pod: String,
    pub namespace: String,
    /// The pod name without the ReplicaSet's pod-template hash and the pod's
    /// random suffix (`productpage-v1`).
    pub workload: String,
}

/// The proxy behind a span, when it carries an Istio `node_id` tag.
pub fn proxy_of(span: &Span) -> Option<Proxy> {
    parse_node_id(span.attr("node_id")?)
}

/// Parses `role~ip~pod.namespace~namespace.svc.cluster.local`.
pub fn parse_node_id(node_id: &str) -> Option<Proxy> {
    let mut parts = node_id.split('~');
    let role = match parts.next()? {
        "sidecar" => ProxyRole::Sidecar,
        "router" => ProxyRole::Gateway,
        "waypoint" => ProxyRole::Waypoint,
        _ => return None,
    };
    let _ip = parts.next()?;
    // `pod.namespace`: a namespace has no dot, a pod name may.
    let (pod, namespace) = parts.next()?.rsplit_once('.')?;
    if pod.is_empty() || namespace.is_empty() {
        return None;
    }
    Some(Proxy {
        role,
        pod: pod.to_string(),
        namespace: namespace.to_string(),
        workload: workload_from_pod(pod).to_string(),
    })
}

/// Kubernetes' alphabet for generated name parts (no vowels, no 0, 1, 3).
fn is_generated(part: &str) -> bool {
    part.bytes()
        .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
}

/// `productpage-v1-6b746f74dc-9stp6` → `productpage-v1` (Deployment: template
/// hash and suffix), `ztunnel-x7k2p` → `ztunnel` (DaemonSet, Job: suffix only);
/// other names are kept (StatefulSet ordinals included: `-0` is not a
/// generated suffix).
pub fn workload_from_pod(pod: &str) -> &str {
    let Some((rest, suffix)) = pod.rsplit_once('-') else {
        return pod;
    };
    if suffix.len() != 5 || !is_generated(suffix) || rest.is_empty() {
        return pod;
    }
    match rest.rsplit_once('-') {
        Some((base, hash))
            if (6..=10).contains(&hash.len()) && is_generated(hash) && !base.is_empty() =>
        {
            base
        }
        _ => rest,
    }
}

/// The Envoy cluster a client span was sent to, from
/// `outbound|9080|v1|reviews.bookinfo.svc.cluster.local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamCluster {
    /// `outbound`, `inbound`, `inbound-vip`, ... (or the whole name for
    /// `PassthroughCluster`, `BlackHoleCluster`).
    pub direction: String,
    pub port: Option<u16>,
    pub subset: String,
    pub host: String,
}

impl UpstreamCluster {
    pub fn parse(text: &str) -> Option<UpstreamCluster> {
        let mut parts = text.split('|');
        let direction = parts.next()?.to_string();
        let port = parts.next().and_then(|p| p.parse().ok());
        let subset = parts.next().unwrap_or_default().to_string();
        let host = parts.next().unwrap_or_default().to_string();
        Some(UpstreamCluster {
            direction,
            port,
            subset,
            host,
        })
    }

    /// `(namespace, service)` when the host is a cluster-local service name
    /// (`reviews.bookinfo.svc.cluster.local`, or any `<svc>.<ns>.svc.<domain>`).
    pub fn service(&self) -> Option<(&str, &str)> {
        let mut labels = self.host.split('.');
        let (name, namespace, svc) = (labels.next()?, labels.next()?, labels.next()?);
        (svc == "svc" && !name.is_empty() && !namespace.is_empty()).then_some((namespace, name))
    }
}

/// The `upstream_cluster` tag (`upstream_cluster.name` in some exports).
pub fn upstream_cluster(span: &Span) -> Option<UpstreamCluster> {
    span.attr("upstream_cluster")
        .or_else(|| span.attr("upstream_cluster.name"))
        .filter(|s| !s.is_empty() && *s != "-")
        .and_then(UpstreamCluster::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_of_each_role() {
        let p = parse_node_id(
            "sidecar~10.0.0.1~productpage-v1-6b746f74dc-9stp6.bookinfo~bookinfo.svc.cluster.local",
        )
        .unwrap();
        assert_eq!(
            (
                p.role,
                p.pod.as_str(),
                p.namespace.as_str(),
                p.workload.as_str()
            ),
            (
                ProxyRole::Sidecar,
                "productpage-v1-6b746f74dc-9stp6",
                "bookinfo",
                "productpage-v1"
            )
        );
        let g = parse_node_id(
            "router~10.244.0.14~istio-ingressgateway-79788cd94-wgmsp.istio-system~istio-system.svc.cluster.local",
        )
        .unwrap();
        assert_eq!(
            (g.role, g.workload.as_str(), g.namespace.as_str()),
            (ProxyRole::Gateway, "istio-ingressgateway", "istio-system")
        );
        let w = parse_node_id(
            "waypoint~10.244.0.28~waypoint-5b7c754ccb-55jwk.bookinfo~bookinfo.svc.cluster.local",
        )
        .unwrap();
        assert_eq!(
            (w.role, w.workload.as_str()),
            (ProxyRole::Waypoint, "waypoint")
        );
        assert_eq!(parse_node_id("ztunnel~x~y.z~z.svc"), None);
        assert_eq!(parse_node_id("sidecar~only"), None);
    }

    #[test]
    fn node_ids_without_a_pod_or_a_namespace_name_no_proxy() {
        // A proxy needs both names: an empty one names nothing.
        assert_eq!(
            parse_node_id("sidecar~10.0.0.1~.bookinfo~bookinfo.svc.cluster.local"),
            None
        );
        assert_eq!(
            parse_node_id("sidecar~10.0.0.1~reviews-v1-7d4b9c8f5-x2x7q.~.svc.cluster.local"),
            None
        );
    }

    #[test]
    fn a_word_before_the_pod_suffix_is_no_template_hash() {
        // DaemonSet pods: only the suffix is generated; the part before it is
        // a ReplicaSet hash only when 6 to 10 generated characters.
        assert_eq!(workload_from_pod("node-exporter-x7k2p"), "node-exporter");
        assert_eq!(workload_from_pod("istio-cni-node-9zv5t"), "istio-cni-node");
    }

    fn span_with(attributes: &[(&str, &str)]) -> Span {
        Span {
            trace_id: crate::normalize_trace_id("5b8efff798038103d269b633813fc60c").unwrap(),
            span_id: crate::normalize_span_id("eee19b7ec3c1b174").unwrap(),
            parent_span_id: None,
            name: "reviews.bookinfo.svc.cluster.local:9080/*".into(),
            kind: crate::span::SpanKind::Client,
            start_unix_nanos: None,
            duration_nanos: None,
            status_error: false,
            attributes: attributes
                .iter()
                .map(|&(k, v)| (k.into(), v.into()))
                .collect(),
            resource: Default::default(),
        }
    }

    #[test]
    fn an_empty_or_dash_upstream_cluster_is_none() {
        // Envoy writes "-" when the request had no upstream (no route).
        assert_eq!(
            upstream_cluster(&span_with(&[("upstream_cluster", "-")])),
            None
        );
        assert_eq!(
            upstream_cluster(&span_with(&[("upstream_cluster", "")])),
            None
        );
        let c = upstream_cluster(&span_with(&[(
            "upstream_cluster.name",
            "outbound|9080|v2|reviews.bookinfo.svc.cluster.local",
        )]))
        .unwrap();
        assert_eq!(
            (c.port, c.subset.as_str(), c.host.as_str()),
            (Some(9080), "v2", "reviews.bookinfo.svc.cluster.local")
        );
    }

    #[test]
    fn pod_names_to_workloads() {
        assert_eq!(
            workload_from_pod("reviews-v2-6f76498fc8-58wpn"),
            "reviews-v2"
        );
        assert_eq!(workload_from_pod("ztunnel-x7k2p"), "ztunnel");
        assert_eq!(workload_from_pod("mysql-0"), "mysql-0");
        assert_eq!(workload_from_pod("productpage-v1"), "productpage-v1");
        assert_eq!(workload_from_pod("ratings"), "ratings");
        // "hello" has vowels: not a generated suffix.
        assert_eq!(workload_from_pod("say-hello"), "say-hello");
    }

    #[test]
    fn upstream_clusters() {
        let c =
            UpstreamCluster::parse("outbound|9080|v1|reviews.bookinfo.svc.cluster.local").unwrap();
        assert_eq!(c.service(), Some(("bookinfo", "reviews")));
        assert_eq!(
            (c.direction.as_str(), c.port, c.subset.as_str()),
            ("outbound", Some(9080), "v1")
        );
        let e = UpstreamCluster::parse("outbound|443||www.googleapis.com").unwrap();
        assert_eq!(e.service(), None);
        let p = UpstreamCluster::parse("PassthroughCluster").unwrap();
        assert_eq!(
            (p.direction.as_str(), p.host.as_str()),
            ("PassthroughCluster", "")
        );
    }
}
