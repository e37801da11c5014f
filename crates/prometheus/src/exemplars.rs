//! Exemplars of the request duration histogram (`/api/v1/query_exemplars`).
//!
//! One extra request per run asks for the exemplars of
//! `istio_request_duration_milliseconds_bucket` over the run's window, with
//! the same namespace selection as the queries (one selector per namespace
//! label, joined with `or`: the endpoint takes every selector of the
//! expression). The answer is small (Prometheus keeps a bounded ring of
//! exemplars) and decoded leniently: a series or exemplar that cannot be used
//! is skipped and counted in one warning; an answer that is not the API's
//! JSON is one warning naming its source. Exemplars never fail a run.
//!
//! A server without exemplar storage answers success with empty data, and
//! one without the endpoint 404 (or 400): both are "no exemplars", quietly.

use std::collections::BTreeMap;

use meshgraph_model::{Exemplar, ExemplarSeries, Metric, Observation, is_trace_id};
use serde_json::Value;

use crate::queries::{NAMESPACE_LABELS, namespace_regex, promql_string};

/// The manifest family name of the recorded exemplar answer.
pub const EXEMPLARS_FAMILY: &str = "request_duration_exemplars";

/// The labels an exemplar's trace id may be under, in order of preference
/// (OpenTelemetry and Envoy write `trace_id`; Grafana's docs and some
/// client libraries `traceID` or `traceId`).
pub const TRACE_ID_LABELS: [&str; 3] = ["trace_id", "traceID", "traceId"];

/// The expression sent to `/api/v1/query_exemplars` for a namespace selection.
pub fn exemplar_query(namespaces: &[String]) -> String {
    let name = Metric::RequestDurationBucket.series_name();
    if namespaces.is_empty() {
        return name.to_string();
    }
    let regex = promql_string(&namespace_regex(namespaces));
    NAMESPACE_LABELS
        .iter()
        .map(|label| format!("{name}{{{label}=~{regex}}}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// What an exemplar answer held.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DecodedExemplars {
    pub series: Vec<ExemplarSeries>,
    /// Exemplars kept, over all series.
    pub exemplars: usize,
    pub warnings: Vec<String>,
}

/// Decodes an exemplar answer. Never fails: an unusable answer is a warning
/// naming `source_name` and no exemplars.
pub fn decode_exemplars(body: &[u8], source_name: &str) -> DecodedExemplars {
    let mut out = DecodedExemplars::default();
    let warn = |reason: String| {
        format!(
            "exemplar answer from {source_name}: {reason}; the graph is drawn without exemplars"
        )
    };
    let answer: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let mut reason = e.to_string();
            if let Some(cut) = reason.rfind(" at line ") {
                reason.truncate(cut);
            }
            out.warnings.push(warn(format!("not JSON ({reason})")));
            return out;
        }
    };
    match answer.get("status").and_then(Value::as_str) {
        Some("success") => {}
        Some("error") => {
            let text = |k: &str| {
                answer
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string()
            };
            out.warnings.push(warn(format!(
                "the server refused it ({}: {})",
                text("errorType"),
                text("error")
            )));
            return out;
        }
        _ => {
            out.warnings.push(warn(
                "not a Prometheus API answer (no \"status\": \"success\")".into(),
            ));
            return out;
        }
    }
    let list = match answer.get("data") {
        Some(Value::Array(list)) => list,
        // No exemplar storage: some versions answer `null`.
        Some(Value::Null) | None => return out,
        Some(_) => {
            out.warnings.push(warn("\"data\" is not a list".into()));
            return out;
        }
    };
    let (mut bad_series, mut bad_exemplars) = (0usize, 0usize);
    for item in list {
        let Some(labels) = item.get("seriesLabels").and_then(labels_of) else {
            bad_series += 1;
            continue;
        };
        let Ok(series) = Observation::from_labels(Metric::RequestDurationBucket, labels, 0.0)
        else {
            bad_series += 1;
            continue;
        };
        let mut exemplars = Vec::new();
        for e in item
            .get("exemplars")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            match exemplar_of(e) {
                Some(e) => exemplars.push(e),
                None => bad_exemplars += 1,
            }
        }
        if !exemplars.is_empty() {
            out.exemplars += exemplars.len();
            out.series.push(ExemplarSeries { series, exemplars });
        }
    }
    if bad_series > 0 {
        out.warnings.push(format!(
            "exemplar answer from {source_name}: skipped {bad_series} series without usable Istio labels (reporter, le)"
        ));
    }
    if bad_exemplars > 0 {
        out.warnings.push(format!(
            "exemplar answer from {source_name}: skipped {bad_exemplars} exemplars without a usable trace id ({}) or timestamp",
            TRACE_ID_LABELS.join(", ")
        ));
    }
    out
}

/// A label object as a map; `None` when it is not an object of strings.
fn labels_of(value: &Value) -> Option<BTreeMap<String, String>> {
    value
        .as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// One exemplar: a trace id label and a timestamp are required; the value
/// (a string, as Prometheus writes sample values, or a number) is optional.
fn exemplar_of(value: &Value) -> Option<Exemplar> {
    let labels = value.get("labels")?.as_object()?;
    let trace_id = TRACE_ID_LABELS
        .iter()
        .find_map(|k| labels.get(*k).and_then(Value::as_str))?;
    if !is_trace_id(trace_id) {
        return None;
    }
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    let timestamp = value.get("timestamp").and_then(number)?;
    if !timestamp.is_finite() {
        return None;
    }
    let value = value
        .get("value")
        .and_then(number)
        .filter(|v| v.is_finite());
    Some(Exemplar {
        trace_id: trace_id.to_ascii_lowercase(),
        value,
        timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "http://prom:9090/api/v1/query_exemplars";

    fn series(extra: &str, exemplars: &str) -> String {
        format!(
            r#"{{"seriesLabels":{{"__name__":"istio_request_duration_milliseconds_bucket","reporter":"destination","source_workload":"productpage-v1","source_workload_namespace":"bookinfo","destination_workload":"reviews-v1","destination_workload_namespace":"bookinfo","le":"25"{extra}}},"exemplars":[{exemplars}]}}"#
        )
    }

    #[test]
    fn every_spelling_of_the_trace_id_label_is_read() {
        let body = format!(
            r#"{{"status":"success","data":[{}]}}"#,
            series(
                "",
                r#"{"labels":{"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"},"value":"12","timestamp":1700000000.5},
                   {"labels":{"traceID":"a3ce929d0e0e4736"},"value":7,"timestamp":1700000001},
                   {"labels":{"traceId":"00f067aa0ba902b7"},"timestamp":1700000002}"#
            )
        );
        let d = decode_exemplars(body.as_bytes(), SOURCE);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d.exemplars, 3);
        let s = &d.series[0];
        assert_eq!(s.series.destination.workload, "reviews-v1");
        assert_eq!(s.series.le, Some(25.0));
        let ids: Vec<&str> = s.exemplars.iter().map(|e| e.trace_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "4bf92f3577b34da6a3ce929d0e0e4736",
                "a3ce929d0e0e4736",
                "00f067aa0ba902b7"
            ]
        );
        assert_eq!(s.exemplars[0].value, Some(12.0));
        assert_eq!(s.exemplars[1].timestamp, 1_700_000_001.0);
        assert_eq!(s.exemplars[2].value, None);
    }

    #[test]
    fn no_exemplar_storage_is_quiet() {
        for body in [
            r#"{"status":"success","data":[]}"#,
            r#"{"status":"success","data":null}"#,
            r#"{"status":"success"}"#,
        ] {
            let d = decode_exemplars(body.as_bytes(), SOURCE);
            assert_eq!(d, DecodedExemplars::default(), "{body}");
        }
    }

    #[test]
    fn bad_answers_are_one_warning_naming_the_source() {
        for (body, says) in [
            ("<html>login</html>", "not JSON"),
            (r#"{"status":"success","data":{"a":1}}"#, "not a list"),
            (
                r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
                "parse error",
            ),
            (r#"[1,2]"#, "no \"status\""),
            (r#"{"status":"success","data":[{"#, "not JSON"),
        ] {
            let d = decode_exemplars(body.as_bytes(), SOURCE);
            assert!(d.series.is_empty(), "{body}");
            assert_eq!(d.warnings.len(), 1, "{body}: {:?}", d.warnings);
            assert!(
                d.warnings[0].contains(SOURCE) && d.warnings[0].contains(says),
                "{body}: {:?}",
                d.warnings
            );
        }
    }

    #[test]
    fn unusable_series_and_exemplars_are_skipped_and_counted() {
        let good =
            r#"{"labels":{"trace_id":"4bf92f3577b34da6"},"value":"1","timestamp":1700000000}"#;
        let body = format!(
            r#"{{"status":"success","data":[{},{},{{"seriesLabels":{{"le":"1"}},"exemplars":[{good}]}},{{"exemplars":[{good}]}},"junk"]}}"#,
            series(
                "",
                &format!(
                    r#"{good},{{"labels":{{"span_id":"x"}},"timestamp":1}},{{"labels":{{"trace_id":"<b>"}},"timestamp":1}},{{"labels":{{"trace_id":"abc"}}}},7"#
                )
            ),
            series(r#","pod":"reviews-v1-abc""#, good)
        );
        let d = decode_exemplars(body.as_bytes(), SOURCE);
        assert_eq!(d.series.len(), 2);
        assert_eq!(d.exemplars, 2);
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
        assert!(
            d.warnings[0].contains("skipped 3 series"),
            "{:?}",
            d.warnings
        );
        assert!(
            d.warnings[1].contains("skipped 4 exemplars"),
            "{:?}",
            d.warnings
        );
    }

    #[test]
    fn the_query_honours_the_namespace_selection() {
        assert_eq!(
            exemplar_query(&[]),
            "istio_request_duration_milliseconds_bucket"
        );
        let q = exemplar_query(&["bookinfo".into(), "a.b".into()]);
        assert_eq!(q.matches(" or ").count(), 2, "{q}");
        for label in NAMESPACE_LABELS {
            assert!(q.contains(&format!(r#"{label}=~"a\\.b|bookinfo""#)), "{q}");
        }
    }
}
