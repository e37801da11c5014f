//! Range series for a few chosen edges (`meshgraph report --range`): the
//! request rate and the 5xx rate of each edge over, say, the last 24 hours,
//! from `/api/v1/query_range`, for the report's sparklines.
//!
//! The cost is bounded: exactly two range queries (request rate, error
//! rate) whatever the number of edges and namespaces. The selected edges
//! become one regex per label (`source_workload`, `source_workload_namespace`,
//! `destination_workload`, `destination_workload_namespace`), so the engine
//! may return a few pairs that were not asked for (`a -> d` when `a -> c`
//! and `b -> d` were); the decoder keeps only the exact pairs.
//!
//! Reporter: both templates keep `reporter` in their `by` list, and for each
//! edge the decoder keeps the `destination`-reported series when there are
//! any (a server-side proxy or waypoint saw the calls) and the
//! `source`-reported ones otherwise, so a call is never counted twice. This
//! is an approximation of the reconciliation's choice made per edge rather
//! than per call: an edge whose calls are partly reported by the server
//! side only is drawn from that side.
//!
//! Clusters: `source_cluster` and `destination_cluster` are kept too; an
//! edge whose nodes name a cluster (a multi-cluster snapshot) keeps only the
//! series of those clusters, an edge without one sums every cluster.
//!
//! The answers are decoded leniently: a series without the labels or with
//! unusable points is a warning; an answer that is not a Prometheus matrix
//! is an error naming the source.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::queries::{promql_duration, promql_string, regex_escape};
use crate::{CollectError, PrometheusConfig};

/// The two range templates, by file name (in `queries/`, overridable in
/// `--queries-dir`).
pub const TEMPLATES: [(&str, &str); 2] = [
    (
        REQUEST_RATE_FILE,
        include_str!("../../../queries/range_request_rate.promql"),
    ),
    (
        ERROR_RATE_FILE,
        include_str!("../../../queries/range_error_rate.promql"),
    ),
];

/// The request-rate template's file name.
pub const REQUEST_RATE_FILE: &str = "range_request_rate.promql";
/// The error-rate (5xx) template's file name.
pub const ERROR_RATE_FILE: &str = "range_error_rate.promql";

/// Prometheus refuses a range query of more points than this per series.
pub const MAX_POINTS: u64 = 11_000;

/// One edge to draw over the range: workloads and namespaces, and the
/// clusters when the snapshot names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RangeEdge {
    pub source_workload: String,
    pub source_namespace: String,
    pub source_cluster: Option<String>,
    pub destination_workload: String,
    pub destination_namespace: String,
    pub destination_cluster: Option<String>,
}

/// What to ask for.
#[derive(Debug, Clone)]
pub struct RangePlan {
    pub edges: Vec<RangeEdge>,
    /// Unix seconds.
    pub start: f64,
    pub end: f64,
    pub step: Duration,
    /// The snapshot's `--window`: the rate window is the larger of it and
    /// the step.
    pub window: Duration,
    pub queries_dir: Option<std::path::PathBuf>,
    pub use_get: bool,
}

/// One edge's series: `(unix seconds, per second)` in time order, only
/// where the server had a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EdgeRange {
    pub requests: Vec<(f64, f64)>,
    pub errors: Vec<(f64, f64)>,
}

/// What the two queries gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RangeResult {
    /// In the plan's edge order; an edge the server had nothing for has
    /// empty series.
    pub edges: Vec<(RangeEdge, EdgeRange)>,
    pub warnings: Vec<String>,
    /// Queries sent (always 2; retries not counted).
    pub queries: usize,
    /// Matrix series read, used or not.
    pub series: usize,
    pub wall_time: Duration,
}

/// Checks a range and step: the step is positive, not larger than the
/// range, and the range holds at most [`MAX_POINTS`] steps.
pub fn check_range(range: Duration, step: Duration) -> Result<(), String> {
    if step.is_zero() {
        return Err("--step must be positive".into());
    }
    if range.is_zero() {
        return Err("--range must be positive".into());
    }
    if step > range {
        return Err(format!(
            "--step {}s is larger than --range {}s",
            step.as_secs_f64(),
            range.as_secs_f64()
        ));
    }
    let points = (range.as_secs_f64() / step.as_secs_f64()).floor() as u64 + 1;
    if points > MAX_POINTS {
        return Err(format!(
            "--range {}s at --step {}s is {points} points per series; Prometheus allows at most {MAX_POINTS}: raise --step",
            range.as_secs_f64(),
            step.as_secs_f64()
        ));
    }
    Ok(())
}

/// The label selector holding the edges: one regex per label.
pub fn selector(edges: &[RangeEdge]) -> String {
    let regex = |values: Vec<&str>| {
        let mut values: Vec<String> = values.into_iter().map(regex_escape).collect();
        values.sort();
        values.dedup();
        promql_string(&values.join("|"))
    };
    [
        (
            "source_workload",
            regex(edges.iter().map(|e| e.source_workload.as_str()).collect()),
        ),
        (
            "source_workload_namespace",
            regex(edges.iter().map(|e| e.source_namespace.as_str()).collect()),
        ),
        (
            "destination_workload",
            regex(
                edges
                    .iter()
                    .map(|e| e.destination_workload.as_str())
                    .collect(),
            ),
        ),
        (
            "destination_workload_namespace",
            regex(
                edges
                    .iter()
                    .map(|e| e.destination_namespace.as_str())
                    .collect(),
            ),
        ),
    ]
    .iter()
    .map(|(label, regex)| format!("{label}=~{regex}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The two queries (request rate, error rate) for `edges`, reading
/// overrides from `queries_dir`.
pub fn render(
    queries_dir: Option<&Path>,
    edges: &[RangeEdge],
    rate_window: Duration,
) -> Result<[String; 2], CollectError> {
    let window = promql_duration(rate_window).map_err(CollectError::Config)?;
    let selector = selector(edges);
    let one = |(file, built_in): (&str, &str)| -> Result<String, CollectError> {
        let (template, origin) = match queries_dir {
            Some(dir) => {
                let path = dir.join(file);
                match std::fs::read_to_string(&path) {
                    Ok(text) => (text, path.display().to_string()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        (built_in.to_string(), format!("built-in {file}"))
                    }
                    Err(e) => {
                        return Err(CollectError::Query {
                            file: path.display().to_string(),
                            reason: format!("cannot read it: {e}"),
                        });
                    }
                }
            }
            None => (built_in.to_string(), format!("built-in {file}")),
        };
        let body: Vec<&str> = template
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let body = body.join(" ");
        for placeholder in ["__SELECTOR__", "__WINDOW__"] {
            if !body.contains(placeholder) {
                return Err(CollectError::Query {
                    file: origin,
                    reason: format!("the template must contain {placeholder}"),
                });
            }
        }
        if !body.contains("reporter") {
            return Err(CollectError::Query {
                file: origin,
                reason: "the template must keep reporter in its by (...) list".into(),
            });
        }
        Ok(body
            .replace("__SELECTOR__", &selector)
            .replace("__WINDOW__", &window))
    };
    Ok([one(TEMPLATES[0])?, one(TEMPLATES[1])?])
}

/// The family names of the two queries in messages.
const FAMILIES: [&str; 2] = ["range_request_rate", "range_error_rate"];

/// Sends the plan's two range queries and decodes the answers.
pub async fn collect_range(
    config: &PrometheusConfig,
    plan: &RangePlan,
) -> Result<RangeResult, CollectError> {
    let started = Instant::now();
    if !(plan.start.is_finite() && plan.end.is_finite()) || plan.start > plan.end {
        return Err(CollectError::Config(format!(
            "the range {}..{} is not a time range",
            plan.start, plan.end
        )));
    }
    let rate_window = plan.step.max(plan.window);
    let queries = render(plan.queries_dir.as_deref(), &plan.edges, rate_window)?;
    let client = Client::new(config)?.use_get(plan.use_get);
    let source_name = client.range_display();
    let step = plan.step.as_secs_f64();
    let (requests, errors) = tokio::join!(
        client.query_range(&queries[0], plan.start, plan.end, step, FAMILIES[0]),
        client.query_range(&queries[1], plan.start, plan.end, step, FAMILIES[1]),
    );
    let mut result = RangeResult {
        queries: 2,
        ..RangeResult::default()
    };
    let mut decoded = Vec::with_capacity(2);
    for (fetched, family) in [(requests, FAMILIES[0]), (errors, FAMILIES[1])] {
        let body = fetched?.body;
        let mut matrix =
            decode_matrix(&body, &source_name, family).map_err(|e| client.scrub_error(e))?;
        client.scrub_warnings(&mut matrix.warnings);
        result.series += matrix.series.len();
        result.warnings.append(&mut matrix.warnings);
        decoded.push(matrix.series);
    }
    let errors = decoded.pop().unwrap_or_default();
    let requests = decoded.pop().unwrap_or_default();
    for edge in &plan.edges {
        let series = EdgeRange {
            requests: pick(edge, &requests),
            errors: pick(edge, &errors),
        };
        result.edges.push((edge.clone(), series));
    }
    result.wall_time = started.elapsed();
    Ok(result)
}

/// One series of a matrix answer: its labels (those the templates keep)
/// and its points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatrixSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// A decoded matrix answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    pub series: Vec<MatrixSeries>,
    pub warnings: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Envelope {
    status: Option<String>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    data: Option<Data>,
    #[serde(default)]
    warnings: Vec<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: Option<String>,
    #[serde(default)]
    result: Vec<serde_json::Value>,
}

/// Decodes a `query_range` answer. A series that is not an object with a
/// `metric` map and a `values` list, or a point that is not a
/// `[time, "value"]` pair with a number, is a warning; the answer itself
/// not being a matrix is an error naming `source_name`.
pub fn decode_matrix(body: &[u8], source_name: &str, family: &str) -> Result<Matrix, CollectError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            CollectError::Truncated {
                source_name: source_name.to_string(),
                bytes: body.len(),
            }
        } else {
            let offset = offset_of(body, e.line(), e.column());
            CollectError::Decode {
                source_name: source_name.to_string(),
                line: e.line(),
                column: e.column(),
                offset,
                reason: e.to_string(),
            }
        }
    })?;
    let decode_error = |reason: String| CollectError::Decode {
        source_name: source_name.to_string(),
        line: 1,
        column: 1,
        offset: 0,
        reason,
    };
    match envelope.status.as_deref() {
        Some("success") => {}
        Some("error") => {
            return Err(CollectError::Server {
                url: source_name.to_string(),
                family: family.to_string(),
                error_type: envelope.error_type.unwrap_or_default(),
                message: envelope.error.unwrap_or_default(),
            });
        }
        other => {
            return Err(decode_error(format!(
                "the status is {other:?}, not \"success\""
            )));
        }
    }
    let Some(data) = envelope.data else {
        return Err(decode_error("no data in a successful answer".into()));
    };
    match data.result_type.as_deref() {
        Some("matrix") => {}
        other => {
            return Err(decode_error(format!(
                "the {family} range query returned {}, not a matrix",
                other.unwrap_or("no resultType")
            )));
        }
    }
    let mut out = Matrix::default();
    for w in envelope.warnings {
        out.warnings.push(format!(
            "{source_name} ({family}): {}",
            w.as_str().map_or_else(|| w.to_string(), str::to_string)
        ));
    }
    for (index, item) in data.result.into_iter().enumerate() {
        let mut series = MatrixSeries::default();
        let Some(metric) = item.get("metric").and_then(|m| m.as_object()) else {
            out.warnings.push(format!(
                "{source_name} ({family}): series {index} has no metric labels; skipped"
            ));
            continue;
        };
        for (k, v) in metric {
            if let Some(v) = v.as_str() {
                series.labels.insert(k.clone(), v.to_string());
            }
        }
        let Some(values) = item.get("values").and_then(|v| v.as_array()) else {
            out.warnings.push(format!(
                "{source_name} ({family}): series {index} has no values; skipped"
            ));
            continue;
        };
        let mut bad = 0usize;
        for point in values {
            let parsed = point.as_array().filter(|p| p.len() == 2).and_then(|p| {
                let t = p[0].as_f64()?;
                let v: f64 = p[1].as_str()?.parse().ok()?;
                (t.is_finite() && v.is_finite()).then_some((t, v))
            });
            match parsed {
                Some(p) => series.points.push(p),
                None => bad += 1,
            }
        }
        if bad > 0 {
            out.warnings.push(format!(
                "{source_name} ({family}): series {index} had {bad} unusable points (not [time, \"number\"], or NaN/Inf); they are left out"
            ));
        }
        out.series.push(series);
    }
    Ok(out)
}

/// The byte offset of a 1-based line and column.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (n, l) in body.split(|b| *b == b'\n').enumerate() {
        if n + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += l.len() + 1;
    }
    body.len()
}

/// The edge's series out of a matrix: the exact pair (and clusters when the
/// edge names them), the destination reporter's when there are any, else
/// the source's, summed per timestamp.
pub fn pick(edge: &RangeEdge, series: &[MatrixSeries]) -> Vec<(f64, f64)> {
    let label = |s: &MatrixSeries, k: &str| s.labels.get(k).cloned().unwrap_or_default();
    let matches = |s: &&MatrixSeries| {
        label(s, "source_workload") == edge.source_workload
            && label(s, "source_workload_namespace") == edge.source_namespace
            && label(s, "destination_workload") == edge.destination_workload
            && label(s, "destination_workload_namespace") == edge.destination_namespace
            && edge
                .source_cluster
                .as_ref()
                .is_none_or(|c| *c == label(s, "source_cluster"))
            && edge
                .destination_cluster
                .as_ref()
                .is_none_or(|c| *c == label(s, "destination_cluster"))
    };
    let mine: Vec<&MatrixSeries> = series.iter().filter(matches).collect();
    let reporter = if mine.iter().any(|s| label(s, "reporter") == "destination") {
        "destination"
    } else {
        "source"
    };
    // Summed per timestamp (milliseconds, as the grid is the same for all).
    let mut sum: BTreeMap<i64, f64> = BTreeMap::new();
    for s in mine.iter().filter(|s| label(s, "reporter") == reporter) {
        for (t, v) in &s.points {
            *sum.entry((t * 1000.0).round() as i64).or_default() += v;
        }
    }
    sum.into_iter()
        .map(|(ms, v)| (ms as f64 / 1000.0, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(i: usize) -> RangeEdge {
        RangeEdge {
            source_workload: format!("client-{i}"),
            source_namespace: format!("ns-{}", i % 7),
            source_cluster: None,
            destination_workload: format!("server-{i}"),
            destination_namespace: "shop".into(),
            destination_cluster: None,
        }
    }

    #[test]
    fn the_files_are_the_built_ins() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        for (file, built_in) in TEMPLATES {
            assert_eq!(std::fs::read_to_string(dir.join(file)).unwrap(), built_in);
        }
    }

    #[test]
    fn two_queries_for_one_edge_and_for_fifty_and_they_parse() {
        for n in [1, 50] {
            let edges: Vec<RangeEdge> = (0..n).map(edge).collect();
            let queries = render(None, &edges, Duration::from_secs(900)).unwrap();
            assert_eq!(queries.len(), 2);
            for q in &queries {
                promql_parser::parser::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
                assert!(q.contains("[900s]"), "{q}");
                // One matcher per label, whatever the number of edges.
                assert_eq!(q.matches("source_workload=~").count(), 1, "{q}");
                assert!(q.contains(&format!("client-{}", n - 1)), "{q}");
            }
            assert!(queries[1].contains("response_code=~\"5..\""));
            assert!(!queries[0].contains("response_code"));
        }
    }

    #[test]
    fn a_hostile_label_value_is_escaped() {
        let mut e = edge(1);
        e.source_workload = "a\"}) or vector(1) or (x{y=\"|.*".into();
        let queries = render(None, &[e.clone()], Duration::from_secs(60)).unwrap();
        for q in &queries {
            let expr = promql_parser::parser::parse(q).unwrap_or_else(|err| panic!("{q}: {err}"));
            let text = format!("{expr:?}");
            assert!(
                !text.contains("name: \"vector\""),
                "{q} called vector(): {text}"
            );
            assert!(text.contains("name: \"rate\""), "{text}");
            // The value is matched literally: quotes and regex metacharacters escaped.
            assert!(
                q.contains(r#"a\"\\}\\) or vector\\(1\\) or \\(x\\{y=\"\\|\\.\\*"#),
                "{q}"
            );
        }
    }

    #[test]
    fn too_fine_a_step_or_a_step_beyond_the_range_is_refused() {
        let day = Duration::from_secs(86_400);
        assert!(check_range(day, Duration::from_secs(900)).is_ok());
        assert!(check_range(day, Duration::from_secs(1)).is_err());
        assert!(check_range(Duration::from_secs(60), Duration::from_secs(61)).is_err());
        assert!(check_range(day, Duration::ZERO).is_err());
        // 11,000 points exactly is allowed.
        assert!(check_range(Duration::from_secs(10_999), Duration::from_secs(1)).is_ok());
        assert!(check_range(Duration::from_secs(11_000), Duration::from_secs(1)).is_err());
    }

    fn labels(reporter: &str, from: &str, to: &str) -> serde_json::Value {
        serde_json::json!({
            "reporter": reporter, "source_workload": from, "source_workload_namespace": "web",
            "destination_workload": to, "destination_workload_namespace": "shop",
        })
    }

    #[test]
    fn the_exact_pair_and_one_reporter_are_kept_and_bad_points_are_warnings() {
        let body = serde_json::json!({
            "status": "success",
            "data": {"resultType": "matrix", "result": [
                {"metric": labels("source", "a", "c"), "values": [[100, "1"], [200, "2"]]},
                {"metric": labels("destination", "a", "c"), "values": [[100, "1.5"], [200, "NaN"], [300, "x"]]},
                {"metric": labels("destination", "a", "c"), "values": [[100, "0.5"]]},
                {"metric": labels("destination", "a", "d"), "values": [[100, "9"]]},
                {"values": [[100, "1"]]},
                "nonsense"
            ]}
        });
        let m = decode_matrix(
            body.to_string().as_bytes(),
            "http://p/api/v1/query_range",
            "f",
        )
        .unwrap();
        assert_eq!(m.series.len(), 4);
        assert_eq!(m.warnings.len(), 3, "{:?}", m.warnings);
        let e = RangeEdge {
            source_workload: "a".into(),
            source_namespace: "web".into(),
            source_cluster: None,
            destination_workload: "c".into(),
            destination_namespace: "shop".into(),
            destination_cluster: None,
        };
        assert_eq!(pick(&e, &m.series), vec![(100.0, 2.0)]);
        let only_source = RangeEdge {
            destination_workload: "d".into(),
            ..e.clone()
        };
        assert_eq!(pick(&only_source, &m.series), vec![(100.0, 9.0)]);
    }

    #[test]
    fn answers_that_are_not_a_matrix_are_errors_naming_the_source() {
        for body in [
            &br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#[..],
            br#"{"status":"error","errorType":"bad_data","error":"too many points"}"#,
            br#"{"status":"success","data":{"resultType":"matrix","result":["#,
            b"<html>",
            b"{}",
        ] {
            let e =
                decode_matrix(body, "http://p/api/v1/query_range", "range_error_rate").unwrap_err();
            assert!(e.to_string().contains("http://p/api/v1/query_range"), "{e}");
        }
    }
}
