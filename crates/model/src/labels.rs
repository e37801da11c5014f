//! Conversion between Istio's label names and [`Observation`] fields.

use std::collections::BTreeMap;

use crate::observation::{Metric, Observation, Peer, Reporter, ServiceRef, UNKNOWN};

/// Label names Istio writes on its standard metrics, in the order meshgraph
/// prints them (telemetry-facts.md, "Labels").
pub fn label_names() -> &'static [&'static str] {
    &[
        "reporter",
        "source_workload",
        "source_workload_namespace",
        "source_principal",
        "source_app",
        "source_version",
        "source_canonical_service",
        "source_canonical_revision",
        "source_cluster",
        "source_region",
        "source_zone",
        "destination_workload",
        "destination_workload_namespace",
        "destination_principal",
        "destination_app",
        "destination_version",
        "destination_canonical_service",
        "destination_canonical_revision",
        "destination_cluster",
        "destination_region",
        "destination_zone",
        "destination_service",
        "destination_service_name",
        "destination_service_namespace",
        "request_protocol",
        "response_code",
        "grpc_response_status",
        "response_flags",
        "connection_security_policy",
        "le",
    ]
}

/// Why a series could not become an [`Observation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// The series has no `reporter` label, or one meshgraph does not know.
    Reporter(Option<String>),
    /// A histogram bucket without a numeric `le`.
    Bucket(Option<String>),
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelError::Reporter(None) => f.write_str("series has no reporter label"),
            LabelError::Reporter(Some(r)) => write!(f, "unknown reporter {r:?}"),
            LabelError::Bucket(None) => f.write_str("histogram bucket has no le label"),
            LabelError::Bucket(Some(le)) => write!(f, "histogram bucket has a bad le {le:?}"),
        }
    }
}

impl std::error::Error for LabelError {}

/// Rust's float parser reads Prometheus's `+Inf` (and `Inf`, `inf`) as infinity.
pub(crate) fn parse_le(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// Formats a bucket bound the way Prometheus writes `le`.
pub fn format_le(le: f64) -> String {
    if le.is_infinite() {
        "+Inf".to_string()
    } else {
        format!("{le}")
    }
}

/// One side's peer labels while a series is read.
#[derive(Default)]
struct PeerLabels {
    /// In [`PeerLabels::FIELDS`] order.
    fields: [Option<String>; 8],
    region: Option<String>,
    zone: Option<String>,
}

impl PeerLabels {
    /// The label names after `source_` / `destination_`, in [`Peer`] field order.
    const FIELDS: [&'static str; 8] = [
        "workload",
        "workload_namespace",
        "app",
        "version",
        "principal",
        "canonical_service",
        "canonical_revision",
        "cluster",
    ];

    /// Absent labels read as Istio's `unknown`.
    fn into_peer(self) -> Peer {
        let [
            workload,
            namespace,
            app,
            version,
            principal,
            canonical_service,
            canonical_revision,
            cluster,
        ] = self.fields.map(|v| v.unwrap_or_else(|| UNKNOWN.into()));
        Peer {
            workload,
            namespace,
            app,
            version,
            principal,
            canonical_service,
            canonical_revision,
            cluster,
            region: self.region,
            zone: self.zone,
        }
    }
}

impl Observation {
    /// Builds an observation from a series' labels. Missing Istio labels become
    /// `unknown`, as Istio itself writes them; labels Istio does not define are
    /// kept in [`Observation::extra`].
    pub fn from_labels(
        metric: Metric,
        labels: BTreeMap<String, String>,
        value: f64,
    ) -> Result<Observation, LabelError> {
        Self::from_labels_or_back(metric, labels, value).map_err(|(e, _)| e)
    }

    /// [`Observation::from_labels`], giving the labels back with the error
    /// (a decoder names the series it drops without copying every series'
    /// labels first).
    pub fn from_labels_or_back(
        metric: Metric,
        labels: BTreeMap<String, String>,
        value: f64,
    ) -> Result<Observation, (LabelError, BTreeMap<String, String>)> {
        Self::from_sorted_labels_or_back(metric, labels.into_iter().collect(), value)
            .map_err(|(e, labels)| (e, labels.into_iter().collect()))
    }

    /// [`Observation::from_labels_or_back`] for labels already sorted by
    /// name, each name once (as a decoder that sorted them has them): no map
    /// is built for a series that is taken apart at once.
    pub fn from_sorted_labels_or_back(
        metric: Metric,
        labels: Vec<(String, String)>,
        value: f64,
    ) -> Result<Observation, (LabelError, Vec<(String, String)>)> {
        debug_assert!(labels.windows(2).all(|w| w[0].0 < w[1].0));
        let get = |name: &str| {
            labels
                .binary_search_by(|(k, _)| k.as_str().cmp(name))
                .ok()
                .map(|i| &labels[i].1)
        };
        // What can fail is checked before anything is moved out.
        let Some(reporter) = get("reporter").and_then(|r| Reporter::parse(r)) else {
            let e = LabelError::Reporter(get("reporter").cloned());
            return Err((e, labels));
        };
        let le = if metric == Metric::RequestDurationBucket {
            match get("le").map(|l| (l, parse_le(l))) {
                Some((_, Some(le))) => Some(le),
                Some((text, None)) => return Err((LabelError::Bucket(Some(text.clone())), labels)),
                None => return Err((LabelError::Bucket(None), labels)),
            }
        } else {
            None
        };
        // One pass over the labels, each moved into its field: this runs once
        // per series of a large query answer. Fields stay `None` until their
        // label is seen, so only absent labels cost an `unknown` string.
        let (mut source, mut destination) = (PeerLabels::default(), PeerLabels::default());
        let (mut fqdn, mut service_name, mut service_namespace) = (None, None, None);
        let (mut request_protocol, mut security) = (None, None);
        let (mut response_code, mut grpc_response_status, mut response_flags) = (None, None, None);
        let mut extra = crate::ExtraLabels::new();
        for (name, value) in labels {
            let (peer, field) = match name.split_once('_') {
                Some(("source", field)) => (Some(&mut source), field),
                Some(("destination", field)) if !field.starts_with("service") => {
                    (Some(&mut destination), field)
                }
                _ => (None, ""),
            };
            if let Some(peer) = peer {
                if let Some(i) = PeerLabels::FIELDS.iter().position(|f| *f == field) {
                    peer.fields[i] = Some(value);
                } else if field == "region" {
                    peer.region = Some(value);
                } else if field == "zone" {
                    peer.zone = Some(value);
                } else {
                    extra.insert(name, value);
                }
                continue;
            }
            match name.as_str() {
                "__name__" | "reporter" => {}
                "le" if metric == Metric::RequestDurationBucket => {}
                "destination_service" => fqdn = Some(value),
                "destination_service_name" => service_name = Some(value),
                "destination_service_namespace" => service_namespace = Some(value),
                "request_protocol" => request_protocol = Some(value),
                "response_code" => response_code = Some(value),
                "grpc_response_status" => grpc_response_status = Some(value),
                "response_flags" => response_flags = Some(value),
                "connection_security_policy" => security = Some(value),
                _ => {
                    extra.insert(name, value);
                }
            }
        }
        extra.shrink_to_fit();
        let unknown = |v: Option<String>| v.unwrap_or_else(|| UNKNOWN.into());
        Ok(Observation {
            metric,
            le,
            buckets: Vec::new(),
            reporter,
            source: source.into_peer(),
            destination: destination.into_peer(),
            service: ServiceRef {
                fqdn: unknown(fqdn),
                name: unknown(service_name),
                namespace: unknown(service_namespace),
            },
            request_protocol: unknown(request_protocol),
            response_code,
            grpc_response_status,
            response_flags: response_flags.unwrap_or_else(|| "-".into()),
            connection_security_policy: unknown(security),
            extra,
            value,
        })
    }

    /// Every label of the series, Istio's first (in [`label_names`] order), then
    /// the extra ones sorted by name.
    pub fn labels(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(32);
        let mut push = |name: &str, value: &str| out.push((name.to_string(), value.to_string()));
        push("reporter", self.reporter.as_str());
        for (side, peer) in [("source", &self.source), ("destination", &self.destination)] {
            push(&format!("{side}_workload"), &peer.workload);
            push(&format!("{side}_workload_namespace"), &peer.namespace);
            push(&format!("{side}_principal"), &peer.principal);
            push(&format!("{side}_app"), &peer.app);
            push(&format!("{side}_version"), &peer.version);
            push(
                &format!("{side}_canonical_service"),
                &peer.canonical_service,
            );
            push(
                &format!("{side}_canonical_revision"),
                &peer.canonical_revision,
            );
            push(&format!("{side}_cluster"), &peer.cluster);
            if let Some(region) = &peer.region {
                push(&format!("{side}_region"), region);
            }
            if let Some(zone) = &peer.zone {
                push(&format!("{side}_zone"), zone);
            }
            if side == "destination" {
                push("destination_service", &self.service.fqdn);
                push("destination_service_name", &self.service.name);
                push("destination_service_namespace", &self.service.namespace);
            }
        }
        push("request_protocol", &self.request_protocol);
        if let Some(code) = &self.response_code {
            push("response_code", code);
        }
        if let Some(status) = &self.grpc_response_status {
            push("grpc_response_status", status);
        }
        push("response_flags", &self.response_flags);
        push(
            "connection_security_policy",
            &self.connection_security_policy,
        );
        if let Some(le) = self.le {
            push("le", &format_le(le));
        }
        for (k, v) in &self.extra {
            push(k, v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BTreeMap<String, String> {
        [
            ("reporter", "waypoint"),
            ("source_workload", "productpage-v1"),
            ("source_workload_namespace", "bookinfo"),
            ("destination_workload", "reviews-v2"),
            ("destination_service", "reviews.bookinfo.svc.cluster.local"),
            ("destination_service_namespace", "istio-system"),
            ("request_protocol", "http"),
            ("response_code", "200"),
            ("le", "+Inf"),
            ("pod", "waypoint-5d9c"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn labels_round_trip_through_an_observation() {
        let obs = Observation::from_labels(Metric::RequestDurationBucket, sample(), 1.5).unwrap();
        assert_eq!(obs.reporter, Reporter::Waypoint);
        assert_eq!(obs.le, Some(f64::INFINITY));
        assert_eq!(
            obs.source.app, UNKNOWN,
            "missing labels read as Istio's unknown"
        );
        assert_eq!(
            obs.extra.get("pod").map(String::as_str),
            Some("waypoint-5d9c")
        );
        let again: BTreeMap<_, _> = obs.labels().into_iter().collect();
        let back = Observation::from_labels(Metric::RequestDurationBucket, again, 1.5).unwrap();
        assert_eq!(back, obs);
    }

    #[test]
    fn waypoint_quirk_namespace_comes_from_the_fqdn() {
        let obs = Observation::from_labels(Metric::RequestDurationBucket, sample(), 1.0).unwrap();
        assert_eq!(obs.service.effective_namespace(), "bookinfo");
        assert_eq!(obs.service.effective_name(), "reviews");
    }

    #[test]
    fn series_without_reporter_or_le_are_rejected() {
        let mut labels = sample();
        labels.remove("reporter");
        assert_eq!(
            Observation::from_labels(Metric::Requests, labels, 1.0),
            Err(LabelError::Reporter(None))
        );
        let mut labels = sample();
        labels.insert("le".into(), "abc".into());
        assert!(matches!(
            Observation::from_labels(Metric::RequestDurationBucket, labels, 1.0),
            Err(LabelError::Bucket(Some(_)))
        ));
    }

    #[test]
    fn a_rejected_series_gets_its_labels_back_untouched() {
        let mut labels = sample();
        labels.insert("reporter".into(), "sidecar".into());
        let (e, back) =
            Observation::from_labels_or_back(Metric::Requests, labels.clone(), 1.0).unwrap_err();
        assert_eq!(e, LabelError::Reporter(Some("sidecar".into())));
        assert_eq!(back, labels);
        let mut labels = sample();
        labels.remove("le");
        let (e, back) =
            Observation::from_labels_or_back(Metric::RequestDurationBucket, labels.clone(), 1.0)
                .unwrap_err();
        assert_eq!(e, LabelError::Bucket(None));
        assert_eq!(back, labels);
        // `le` is only a bound for buckets: elsewhere an extra label.
        let obs = Observation::from_labels(Metric::Requests, sample(), 1.0).unwrap();
        assert_eq!(obs.le, None);
        assert_eq!(obs.extra.get("le").map(String::as_str), Some("+Inf"));
    }
}
