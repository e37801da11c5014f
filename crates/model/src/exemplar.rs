//! Exemplars: trace ids Prometheus kept next to histogram buckets.
//!
//! `istio_request_duration_milliseconds_bucket` carries exemplars when the
//! proxies trace and Prometheus stores them (docs/traces.md, "Exemplars").
//! Each names one sampled request of a series, so a graph edge can point at a
//! few real traces even without a tracing backend.

use crate::Observation;

/// One sampled request of a series.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exemplar {
    /// The trace id as the exemplar labels spell it (hex for W3C and B3).
    pub trace_id: String,
    /// The observed value (the request's duration in milliseconds).
    pub value: Option<f64>,
    /// When it was observed, unix seconds.
    pub timestamp: f64,
}

/// The exemplars of one raw series, with the series' labels read as an
/// [`Observation`] of the bucket family (its value is unused, zero).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExemplarSeries {
    pub series: Observation,
    pub exemplars: Vec<Exemplar>,
}

/// Whether `id` is usable as a trace id: 1 to 64 ASCII letters, digits, `-`
/// or `_` (hex ids of every tracer, and nothing that needs escaping in a URL,
/// DOT, SVG or a terminal).
pub fn is_trace_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_plain_tokens() {
        assert!(is_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(is_trace_id("a3ce929d0e0e4736"));
        for bad in ["", "a b", "<script>", "x\u{1b}[31m", &"a".repeat(65)] {
            assert!(!is_trace_id(bad), "{bad:?}");
        }
    }
}
