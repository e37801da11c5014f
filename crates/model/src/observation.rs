use crate::{ConnectionSecurityPolicy, StatusClass};

/// The value Istio writes for every peer attribute it could not determine.
pub const UNKNOWN: &str = "unknown";

/// The `reporter` label as written by the proxy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    Source,
    Destination,
    Waypoint,
}

impl Reporter {
    pub fn as_str(self) -> &'static str {
        match self {
            Reporter::Source => "source",
            Reporter::Destination => "destination",
            Reporter::Waypoint => "waypoint",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "source" => Some(Reporter::Source),
            "destination" => Some(Reporter::Destination),
            "waypoint" => Some(Reporter::Waypoint),
            _ => None,
        }
    }
}

/// Application protocol of an edge.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Http,
    Grpc,
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
        }
    }

    /// Reads `request_protocol`. Envoy writes `http`, `grpc` or `tcp`; anything
    /// else (`HTTP/2`, `h2`) is treated as HTTP.
    pub fn from_request_protocol(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "grpc" => Protocol::Grpc,
            "tcp" => Protocol::Tcp,
            _ => Protocol::Http,
        }
    }
}

/// L7 (request) or L4 (connection) telemetry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    L7,
    L4,
}

/// The Istio metric a series belongs to. Values are per-second rates over the
/// query window (`rate(...)`), except nothing: every family here is a counter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `istio_requests_total`
    Requests,
    /// `istio_request_duration_milliseconds_bucket` (with `le`)
    RequestDurationBucket,
    /// `istio_request_bytes_sum`
    RequestBytesSum,
    /// `istio_response_bytes_sum`
    ResponseBytesSum,
    /// `istio_request_messages_total` (gRPC streaming)
    RequestMessages,
    /// `istio_response_messages_total` (gRPC streaming)
    ResponseMessages,
    /// `istio_tcp_sent_bytes_total`: server-to-client bytes, whoever reports it.
    TcpSentBytes,
    /// `istio_tcp_received_bytes_total`: client-to-server bytes, whoever reports it.
    TcpReceivedBytes,
    /// `istio_tcp_connections_opened_total`
    TcpConnectionsOpened,
    /// `istio_tcp_connections_closed_total`
    TcpConnectionsClosed,
}

impl Metric {
    pub const ALL: [Metric; 10] = [
        Metric::Requests,
        Metric::RequestDurationBucket,
        Metric::RequestBytesSum,
        Metric::ResponseBytesSum,
        Metric::RequestMessages,
        Metric::ResponseMessages,
        Metric::TcpSentBytes,
        Metric::TcpReceivedBytes,
        Metric::TcpConnectionsOpened,
        Metric::TcpConnectionsClosed,
    ];

    /// The sample name as Prometheus stores it.
    pub fn series_name(self) -> &'static str {
        match self {
            Metric::Requests => "istio_requests_total",
            Metric::RequestDurationBucket => "istio_request_duration_milliseconds_bucket",
            Metric::RequestBytesSum => "istio_request_bytes_sum",
            Metric::ResponseBytesSum => "istio_response_bytes_sum",
            Metric::RequestMessages => "istio_request_messages_total",
            Metric::ResponseMessages => "istio_response_messages_total",
            Metric::TcpSentBytes => "istio_tcp_sent_bytes_total",
            Metric::TcpReceivedBytes => "istio_tcp_received_bytes_total",
            Metric::TcpConnectionsOpened => "istio_tcp_connections_opened_total",
            Metric::TcpConnectionsClosed => "istio_tcp_connections_closed_total",
        }
    }

    pub fn from_series_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.series_name() == name)
    }

    pub fn layer(self) -> Layer {
        match self {
            Metric::TcpSentBytes
            | Metric::TcpReceivedBytes
            | Metric::TcpConnectionsOpened
            | Metric::TcpConnectionsClosed => Layer::L4,
            _ => Layer::L7,
        }
    }

    /// Whether Envoy writes `response_code` / `grpc_response_status` on it.
    pub fn has_response_labels(self) -> bool {
        matches!(
            self,
            Metric::Requests
                | Metric::RequestDurationBucket
                | Metric::RequestBytesSum
                | Metric::ResponseBytesSum
        )
    }
}

/// One end of a call as Istio labels it (`source_*` or `destination_*`).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Peer {
    pub workload: String,
    pub namespace: String,
    pub app: String,
    pub version: String,
    pub principal: String,
    pub canonical_service: String,
    pub canonical_revision: String,
    pub cluster: String,
    /// ztunnel from Istio 1.26 only.
    pub region: Option<String>,
    /// ztunnel from Istio 1.26 only.
    pub zone: Option<String>,
}

impl Peer {
    /// A peer Istio could not identify: every value `unknown`, revision `latest`.
    pub fn unknown() -> Self {
        Peer {
            workload: UNKNOWN.into(),
            namespace: UNKNOWN.into(),
            app: UNKNOWN.into(),
            version: UNKNOWN.into(),
            principal: UNKNOWN.into(),
            canonical_service: UNKNOWN.into(),
            canonical_revision: "latest".into(),
            cluster: UNKNOWN.into(),
            region: None,
            zone: None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        self.workload == UNKNOWN || self.workload.is_empty()
    }
}

/// The `destination_service*` labels.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct ServiceRef {
    /// `destination_service`: an FQDN such as `reviews.bookinfo.svc.cluster.local`,
    /// a Host header for PassthroughCluster, or `unknown`.
    pub fqdn: String,
    /// `destination_service_name`
    pub name: String,
    /// `destination_service_namespace`
    pub namespace: String,
}

impl ServiceRef {
    pub fn is_unknown(&self) -> bool {
        (self.fqdn.is_empty() || self.fqdn == UNKNOWN)
            && (self.name.is_empty() || self.name == UNKNOWN)
    }

    /// The Kubernetes service this names, as (namespace, name), whatever the
    /// spelling: `<name>.<namespace>.svc.<any cluster domain>` (or without
    /// the domain), or a short form `name:port`, `name.namespace` or
    /// `name.namespace:port` that agrees with `destination_service_name` /
    /// `destination_service_namespace` (multicluster.md, "Spellings").
    /// `None` for hosts outside the cluster and unknown services.
    pub fn kube_identity(&self) -> Option<(&str, &str)> {
        let host = self.fqdn.trim_end_matches('.');
        let mut parts = host.split('.');
        if let (Some(name), Some(ns), Some("svc")) = (parts.next(), parts.next(), parts.next())
            && !name.is_empty()
            && !ns.is_empty()
        {
            return Some((ns, name));
        }
        let known = |v: &str| !v.is_empty() && v != UNKNOWN;
        if !known(&self.name) || !known(&self.namespace) || self.is_special_cluster() {
            return None;
        }
        // A short form: the host part (without a numeric port) must name the
        // same service as the name labels, so an outside host never passes.
        let host = match host.rsplit_once(':') {
            Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        let mut parts = host.split('.');
        let same = match (parts.next(), parts.next(), parts.next()) {
            (Some(name), None, None) => name == self.name,
            (Some(name), Some(ns), None) => name == self.name && ns == self.namespace,
            _ => false,
        };
        same.then_some((self.namespace.as_str(), self.name.as_str()))
    }

    /// The namespace, taken from the FQDN when it is a cluster-local name. Istio
    /// 1.22 to 1.24.2 wrote the waypoint's namespace into
    /// `destination_service_namespace` on waypoint series (telemetry-facts.md,
    /// "Version notes"), so the FQDN is the better source.
    pub fn effective_namespace(&self) -> &str {
        self.kube_identity().map_or(&self.namespace, |(ns, _)| ns)
    }

    /// The short name, from the FQDN when cluster-local, else `destination_service_name`.
    pub fn effective_name(&self) -> &str {
        if let Some((_, name)) = self.kube_identity() {
            name
        } else if !self.name.is_empty() {
            &self.name
        } else {
            &self.fqdn
        }
    }

    /// Whether `destination_service` is the FQDN Istio writes
    /// (`<name>.<namespace>.svc.<domain>`) rather than a short form.
    pub fn is_fqdn(&self) -> bool {
        self.fqdn.contains(".svc.")
    }

    /// What the call was addressed to, comparable across reporters and
    /// spellings: namespace and name for a cluster service, an empty
    /// namespace and the host for anything else.
    pub fn identity(&self) -> ServiceId {
        if self.kube_identity().is_some() || self.fqdn.is_empty() || self.fqdn == UNKNOWN {
            ServiceId::new(self.effective_namespace(), self.effective_name())
        } else {
            ServiceId::new("", self.fqdn.clone())
        }
    }

    /// The identity of the service a `destination_service` FQDN names.
    pub fn identity_of_fqdn(fqdn: &str) -> ServiceId {
        ServiceRef {
            fqdn: fqdn.to_string(),
            ..Default::default()
        }
        .identity()
    }

    /// `PassthroughCluster`, `BlackHoleCluster` or `InboundPassthroughCluster*`.
    pub fn is_special_cluster(&self) -> bool {
        let name = if self.name.is_empty() {
            &self.fqdn
        } else {
            &self.name
        };
        name == "PassthroughCluster"
            || name == "BlackHoleCluster"
            || name.starts_with("InboundPassthroughCluster")
    }
}

/// A service as calls address it ([`ServiceRef::identity`]): a cluster
/// service by namespace and name, anything else by its host with an empty
/// namespace. Ordered by namespace, then name.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId {
    /// Empty for a host outside the cluster.
    pub namespace: String,
    pub name: String,
}

impl ServiceId {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ServiceId {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Whether this is a cluster service (it has a namespace), not an outside host.
    pub fn in_cluster(&self) -> bool {
        !self.namespace.is_empty()
    }
}

impl std::fmt::Display for ServiceId {
    /// `namespace/name` (`/host` outside the cluster).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One raw series after the query: who reported it, about which peers, and its
/// per-second rate over the window.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observation {
    pub metric: Metric,
    /// Upper bound of a histogram bucket (`le`), `f64::INFINITY` for `+Inf`.
    /// `None` once the buckets of a histogram are folded into `buckets`.
    pub le: Option<f64>,
    /// A latency histogram folded into one observation ([`crate::BucketFolder`]):
    /// every bound with its cumulative rate, ascending by bound; `value` is
    /// then the rate of the highest bound. Empty for a raw bucket series
    /// (its one bound is `le`) and for the other families.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<(f64, f64)>,
    pub reporter: Reporter,
    pub source: Peer,
    pub destination: Peer,
    pub service: ServiceRef,
    /// `request_protocol` as written (`http`, `grpc`, `tcp`).
    pub request_protocol: String,
    /// `response_code`; `"0"` means no response was received.
    pub response_code: Option<String>,
    pub grpc_response_status: Option<String>,
    pub response_flags: String,
    pub connection_security_policy: String,
    /// Every other label: scrape-target labels (`app`, `pod`, `namespace`, `job`)
    /// and anything the engine added.
    pub extra: crate::ExtraLabels,
    /// Per-second rate over the query window.
    pub value: f64,
}

impl Observation {
    /// The `(bound, cumulative rate)` pairs of a latency series: every bucket
    /// of a folded histogram, the one bucket of a raw bucket series, none for
    /// the other families.
    pub fn bucket_rates(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let raw = match self.buckets.is_empty() {
            true => self.le.map(|le| (le, self.value)),
            false => None,
        };
        self.buckets.iter().copied().chain(raw)
    }

    pub fn protocol(&self) -> Protocol {
        Protocol::from_request_protocol(&self.request_protocol)
    }

    /// The class of `response_code`, as the edges' `by_class` keys name it.
    pub fn status_class(&self) -> StatusClass {
        StatusClass::of_label(self.response_code.as_deref())
    }

    /// `connection_security_policy`, typed.
    pub fn security_policy(&self) -> ConnectionSecurityPolicy {
        ConnectionSecurityPolicy::from_label(&self.connection_security_policy)
    }

    /// The HTTP status class of an L7 series: `0` (no response), `2`..`5`, or
    /// `None` when the label is missing or not a number.
    pub fn response_class(&self) -> Option<u16> {
        let code: u16 = self.response_code.as_deref()?.parse().ok()?;
        Some(if code == 0 { 0 } else { code / 100 })
    }

    /// Whether the request failed: no response, a 5xx, or a non-OK gRPC status
    /// on a gRPC call.
    pub fn is_error(&self) -> bool {
        match self.response_class() {
            Some(0) | Some(5) => true,
            _ => {
                self.protocol() == Protocol::Grpc
                    && self
                        .grpc_response_status
                        .as_deref()
                        .is_some_and(|s| !s.is_empty() && s != "0")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(fqdn: &str, name: &str, namespace: &str) -> ServiceRef {
        ServiceRef {
            fqdn: fqdn.into(),
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    #[test]
    fn every_spelling_of_a_service_has_one_identity() {
        let want = ServiceId::new("bookinfo", "details");
        for s in [
            service("details.bookinfo.svc.cluster.local", "details", "bookinfo"),
            service("details.bookinfo.svc.corp.local", "unknown", "unknown"),
            service("details.bookinfo.svc", "details", "bookinfo"),
            service("details:9080", "details", "bookinfo"),
            service("details", "details", "bookinfo"),
            service("details.bookinfo", "details", "bookinfo"),
            service("details.bookinfo:9080", "details", "bookinfo"),
        ] {
            assert_eq!(s.identity(), want, "{s:?}");
        }
    }

    #[test]
    fn outside_hosts_stay_hosts_whatever_the_name_labels_say() {
        // A ServiceEntry host: its name label is the host, its namespace the
        // entry's; it is not a cluster service.
        let se = service("httpbin.org", "httpbin.org", "bookinfo");
        assert_eq!(se.identity(), ServiceId::new("", "httpbin.org"));
        // A short form that disagrees with the labels is not taken as theirs.
        let other = service("ratings:9080", "details", "bookinfo");
        assert_eq!(other.identity(), ServiceId::new("", "ratings:9080"));
        let host = service("archive.ubuntu.com", "PassthroughCluster", "unknown");
        assert_eq!(host.kube_identity(), None);
    }
}
