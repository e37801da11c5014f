//! The numbers an edge carries, in a form that adds up across aggregation.

use std::collections::BTreeMap;

use meshgraph_model::StatusClass;

/// A latency histogram as cumulative per-second bucket rates, keyed by the
/// upper bound in milliseconds (`+Inf` included). Summing two histograms and
/// then taking a quantile is what Prometheus' `histogram_quantile` over summed
/// buckets does; averaging quantiles is not.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Histogram {
    buckets: BTreeMap<OrderedBound, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
struct OrderedBound(f64);
impl Eq for OrderedBound {}
#[allow(clippy::derive_ord_xor_partial_ord)]
impl Ord for OrderedBound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Histogram {
    pub fn add_bucket(&mut self, le: f64, cumulative_rate: f64) {
        *self.buckets.entry(OrderedBound(le)).or_default() += cumulative_rate;
    }

    pub fn add(&mut self, other: &Histogram) {
        for (le, rate) in &other.buckets {
            *self.buckets.entry(*le).or_default() += rate;
        }
    }

    /// The q-quantile in milliseconds, interpolated linearly inside the bucket
    /// as `histogram_quantile` does; `None` without observations. A quantile
    /// that falls in the `+Inf` bucket is the highest finite bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.buckets.iter().next_back().map(|(_, v)| *v)?;
        if total <= 0.0 || !q.is_finite() {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total;
        let mut lower_bound = 0.0;
        let mut lower_count = 0.0;
        for (bound, count) in &self.buckets {
            if *count >= rank {
                if bound.0.is_infinite() {
                    return Some(lower_bound);
                }
                if *count == lower_count {
                    return Some(bound.0);
                }
                return Some(
                    lower_bound
                        + (bound.0 - lower_bound) * (rank - lower_count) / (count - lower_count),
                );
            }
            lower_bound = bound.0;
            lower_count = *count;
        }
        Some(lower_bound)
    }
}

/// Request-level figures of an edge, all per second.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct L7Figures {
    pub rps: f64,
    /// Requests per second by response class: `"0"` (no response), `"2xx"`..`"5xx"`.
    pub by_class: BTreeMap<StatusClass, f64>,
    /// Failed requests per second: no response, 5xx, or non-OK gRPC status.
    pub error_rps: f64,
    pub latency: Histogram,
    /// `None` when no series of that family exists for the edge.
    pub request_bytes_per_second: Option<f64>,
    pub response_bytes_per_second: Option<f64>,
    pub grpc_request_messages_per_second: Option<f64>,
    pub grpc_response_messages_per_second: Option<f64>,
}

impl L7Figures {
    pub fn add(&mut self, other: &L7Figures) {
        self.rps += other.rps;
        for (class, rate) in &other.by_class {
            *self.by_class.entry(*class).or_default() += rate;
        }
        self.error_rps += other.error_rps;
        self.latency.add(&other.latency);
        self.request_bytes_per_second = add_present(
            self.request_bytes_per_second,
            other.request_bytes_per_second,
        );
        self.response_bytes_per_second = add_present(
            self.response_bytes_per_second,
            other.response_bytes_per_second,
        );
        self.grpc_request_messages_per_second = add_present(
            self.grpc_request_messages_per_second,
            other.grpc_request_messages_per_second,
        );
        self.grpc_response_messages_per_second = add_present(
            self.grpc_response_messages_per_second,
            other.grpc_response_messages_per_second,
        );
    }
}

/// Sums two figures that may be absent: absent stays absent, not zero.
pub fn add_present(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Connection-level figures of an edge, all per second. Directions are named
/// by where the bytes go: Istio counts client-to-server bytes in
/// `istio_tcp_received_bytes_total` whoever reports (telemetry-facts.md).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct L4Figures {
    pub bytes_to_server: f64,
    pub bytes_to_client: f64,
    pub connections_opened: f64,
    pub connections_closed: f64,
}

impl L4Figures {
    pub fn add(&mut self, other: &L4Figures) {
        self.bytes_to_server += other.bytes_to_server;
        self.bytes_to_client += other.bytes_to_client;
        self.connections_opened += other.connections_opened;
        self.connections_closed += other.connections_closed;
    }

    pub fn scaled(&self, factor: f64) -> L4Figures {
        L4Figures {
            bytes_to_server: self.bytes_to_server * factor,
            bytes_to_client: self.bytes_to_client * factor,
            connections_opened: self.connections_opened * factor,
            connections_closed: self.connections_closed * factor,
        }
    }
}

/// Weighted evidence of mutual TLS, so shares stay right when edges merge.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Security {
    /// Rate (requests or connections) seen as `mutual_tls` by an authoritative emitter.
    pub mutual_tls: f64,
    /// Rate seen by an authoritative emitter with a known policy.
    pub observed: f64,
}

impl Security {
    pub fn add(&mut self, other: &Security) {
        self.mutual_tls += other.mutual_tls;
        self.observed += other.observed;
    }

    /// Share of mTLS in 0..=1, `None` without evidence.
    pub fn share(&self) -> Option<f64> {
        (self.observed > 0.0).then(|| (self.mutual_tls / self.observed).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(buckets: &[(f64, f64)]) -> Histogram {
        let mut h = Histogram::default();
        for (le, v) in buckets {
            h.add_bucket(*le, *v);
        }
        h
    }

    #[test]
    fn quantile_interpolates_like_histogram_quantile() {
        // 10 req/s: 4 below 10 ms, 8 below 25 ms, all below 50 ms.
        let h = histogram(&[
            (10.0, 4.0),
            (25.0, 8.0),
            (50.0, 10.0),
            (f64::INFINITY, 10.0),
        ]);
        assert_eq!(h.quantile(0.2), Some(5.0));
        assert_eq!(h.quantile(0.5), Some(10.0 + 15.0 * 0.25));
        assert_eq!(h.quantile(0.9), Some(37.5));
        assert_eq!(Histogram::default().quantile(0.5), None);
        // No requests in the window, or no quantile asked: nothing to say.
        let idle = histogram(&[(10.0, 0.0), (f64::INFINITY, 0.0)]);
        assert_eq!(idle.quantile(0.5), None);
        assert_eq!(h.quantile(f64::NAN), None);
    }

    #[test]
    fn quantile_in_the_inf_bucket_is_the_highest_finite_bound() {
        let h = histogram(&[(10.0, 1.0), (f64::INFINITY, 10.0)]);
        assert_eq!(h.quantile(0.99), Some(10.0));
    }

    #[test]
    fn quantiles_of_summed_buckets_differ_from_averaged_quantiles() {
        let fast = histogram(&[
            (10.0, 9.0),
            (100.0, 9.0),
            (1000.0, 9.0),
            (f64::INFINITY, 9.0),
        ]);
        let slow = histogram(&[
            (10.0, 0.0),
            (100.0, 0.0),
            (1000.0, 1.0),
            (f64::INFINITY, 1.0),
        ]);
        let mut both = fast.clone();
        both.add(&slow);
        let p50 = both.quantile(0.5).unwrap();
        // 10 req/s in all, rank 5 in the first bucket of 9: 10 * 5 / 9 ms.
        assert_eq!(p50, 10.0 * 5.0 / 9.0);
        let averaged = (fast.quantile(0.5).unwrap() + slow.quantile(0.5).unwrap()) / 2.0;
        assert!(
            p50 < 10.0,
            "p50 of the sum stays in the busy fast bucket: {p50}"
        );
        assert!(averaged > 200.0);
    }
}
