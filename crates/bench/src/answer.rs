//! Prometheus `/api/v1/query` answers for a scenario's series, and the naive
//! decoder the streaming one is compared with.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, anyhow, bail};
use meshgraph_model::{Metric, Observation};

/// The label names a family's built-in query keeps (its `sum by (...)` list),
/// with the ztunnel scrape label at its default, `app`.
pub fn kept_labels(metric: Metric) -> Result<Vec<String>> {
    let template = meshgraph_prometheus::queries::built_in(metric);
    let text: String = template
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let start = text
        .find("by (")
        .ok_or_else(|| anyhow!("the {metric:?} query has no `by (`"))?
        + "by (".len();
    let end = start
        + text[start..]
            .find(')')
            .ok_or_else(|| anyhow!("the {metric:?} query's `by (` is not closed"))?;
    let labels: Vec<String> = text[start..end]
        .split(',')
        .map(|l| l.trim().replace("__ZTUNNEL_LABEL__", "app"))
        .filter(|l| !l.is_empty())
        .collect();
    if !labels.iter().any(|l| l == "reporter") {
        bail!("the {metric:?} query does not keep reporter: {labels:?}");
    }
    Ok(labels)
}

/// The snapshot header the benchmark exports a scenario's graph with.
pub fn meta(scenario: &meshgraph_scenario::Scenario) -> meshgraph_export::SnapshotMeta {
    meshgraph_export::SnapshotMeta {
        at: scenario.at,
        window_seconds: scenario.window_seconds,
        source: format!("bench:{}", scenario.name),
        warnings: Vec::new(),
        empty: false,
    }
}

/// One family's answer as Prometheus would give it for the built-in query:
/// the family's series summed by the query's `by` labels, as a vector result.
/// Returns the body and the number of series in it.
pub fn render(observations: &[Observation], metric: Metric, at: i64) -> Result<(Vec<u8>, usize)> {
    render_part(observations, metric, at, None)
}

/// [`render`], or with `part`, the answer to that part of the family
/// (`queries::latency_part` of each series' `le`).
pub fn render_part(
    observations: &[Observation],
    metric: Metric,
    at: i64,
    part: Option<usize>,
) -> Result<(Vec<u8>, usize)> {
    let kept = kept_labels(metric)?;
    render_by(observations, metric, at, Some(&kept), part)
}

/// One family's answer summed by the labels `kept` (`None`: every label, as
/// a query without `sum by` would keep them), of the series in `part`
/// (`queries::latency_part` of their `le`) when given.
pub fn render_by(
    observations: &[Observation],
    metric: Metric,
    at: i64,
    kept: Option<&[String]>,
    part: Option<usize>,
) -> Result<(Vec<u8>, usize)> {
    // JSON text of each distinct label set, in first-seen order, and its sum.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut series: Vec<(String, f64)> = Vec::new();
    for obs in observations.iter().filter(|o| o.metric == metric) {
        let all = obs.labels();
        if let Some(part) = part {
            let le = all.iter().find(|(k, _)| k == "le").map(|(_, v)| v.as_str());
            if meshgraph_prometheus::queries::latency_part(le.unwrap_or("")) != part {
                continue;
            }
        }
        let labels: BTreeMap<String, String> = all
            .into_iter()
            .filter(|(k, v)| !v.is_empty() && kept.is_none_or(|kept| kept.contains(k)))
            .collect();
        let text = serde_json::to_string(&labels)?;
        match index.get(&text) {
            Some(&i) => series[i].1 += obs.value,
            None => {
                index.insert(text.clone(), series.len());
                series.push((text, obs.value));
            }
        }
    }
    drop(index);
    let mut body = Vec::with_capacity(series.iter().map(|(t, _)| t.len() + 48).sum::<usize>() + 64);
    body.extend_from_slice(br#"{"status":"success","data":{"resultType":"vector","result":["#);
    for (i, (labels, value)) in series.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(br#"{"metric":"#);
        body.extend_from_slice(labels.as_bytes());
        // Prometheus writes the shortest representation that reads back
        // exactly, as Rust's `Display` does.
        body.extend_from_slice(format!(r#","value":[{at},"{value}"]}}"#).as_bytes());
    }
    body.extend_from_slice(b"]}}");
    Ok((body, series.len()))
}

/// The baseline: the whole body into a `serde_json::Value` tree, then walked
/// (moving the strings out, not copying them) into the same observations.
pub fn naive_decode(body: &[u8], metric: Metric) -> Result<Vec<Observation>> {
    let mut tree: serde_json::Value = serde_json::from_slice(body)?;
    if tree["status"] != "success" || tree["data"]["resultType"] != "vector" {
        bail!("not a successful vector answer");
    }
    let serde_json::Value::Array(result) = tree["data"]["result"].take() else {
        bail!("data.result is not an array");
    };
    let mut out = Vec::with_capacity(result.len());
    for mut item in result {
        let serde_json::Value::Object(metric_labels) = item["metric"].take() else {
            bail!("a result element has no metric object");
        };
        let labels: BTreeMap<String, String> = metric_labels
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) if !s.is_empty() => Some((k, s)),
                _ => None,
            })
            .collect();
        let value: f64 = item["value"][1]
            .as_str()
            .context("a result element has no value string")?
            .parse()
            .context("a value is not a number")?;
        out.push(Observation::from_labels(metric, labels, value).map_err(|e| anyhow!("{e}"))?);
    }
    // Histograms folded afterwards, from the observations (the streaming
    // decoder folds label maps as it reads).
    Ok(meshgraph_model::fold_buckets(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_keeps_reporter_and_the_bucket_family_keeps_le() {
        for metric in Metric::ALL {
            kept_labels(metric).unwrap();
        }
        let bucket = kept_labels(Metric::RequestDurationBucket).unwrap();
        assert!(bucket.contains(&"le".to_string()));
        assert!(bucket.contains(&"app".to_string()));
    }

    #[test]
    fn the_streaming_and_naive_decoders_agree_on_a_rendered_answer() {
        let scenario = meshgraph_scenario::builtin("bookinfo-waypoint")
            .unwrap()
            .unwrap();
        let observations = scenario.telemetry();
        for metric in Metric::ALL {
            let (body, count) = render(&observations, metric, scenario.at).unwrap();
            let streaming = meshgraph_prometheus::decode(&body, metric, "test").unwrap();
            assert!(streaming.warnings.is_empty(), "{:?}", streaming.warnings);
            assert_eq!(streaming.series, count);
            assert_eq!(streaming.observations, naive_decode(&body, metric).unwrap());
        }
    }

    /// Every family's answer summed by its built-in `by` list, decoded.
    fn answered(observations: &[Observation], at: i64, kept: bool) -> Vec<Observation> {
        let mut decoded = Vec::new();
        for metric in Metric::ALL {
            let labels = kept_labels(metric).unwrap();
            let (body, _) =
                render_by(observations, metric, at, kept.then_some(&labels[..]), None).unwrap();
            let answer = meshgraph_prometheus::decode(&body, metric, "test").unwrap();
            assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);
            decoded.extend(answer.observations);
        }
        decoded
    }

    /// Every built-in scenario and two generated meshes.
    fn scenarios() -> Vec<meshgraph_scenario::Scenario> {
        let mut scenarios: Vec<meshgraph_scenario::Scenario> = meshgraph_scenario::builtin_names()
            .map(|name| meshgraph_scenario::builtin(name).unwrap().unwrap())
            .collect();
        for (workloads, namespaces) in [(30, 3), (60, 4)] {
            let (toml, _) = crate::mesh::scenario_toml(crate::mesh::MeshSize {
                workloads,
                namespaces,
            });
            scenarios.push(meshgraph_scenario::Scenario::from_toml(&toml, "generated").unwrap());
        }
        scenarios
    }

    /// `a` and `b` reconcile to the same logical edges (but for the series
    /// numbers behind them) and draw the same JSON for every graph type,
    /// with and without waypoints.
    fn assert_same_graphs(
        scenario: &meshgraph_scenario::Scenario,
        a: &[Observation],
        b: &[Observation],
    ) {
        use meshgraph_core::{ClassifyOptions, GraphOptions};
        use meshgraph_model::GraphType;
        let options = ClassifyOptions::default();
        let (a, b) = (
            meshgraph_core::reconcile(a, &options),
            meshgraph_core::reconcile(b, &options),
        );
        let figures = |rec: &meshgraph_core::Reconciliation| {
            let mut edges = rec.edges.clone();
            for edge in &mut edges {
                edge.series.clear();
            }
            edges
        };
        assert!(
            figures(&a) == figures(&b),
            "{}: the logical edges differ",
            scenario.name
        );
        let meta = meshgraph_export::SnapshotMeta {
            at: scenario.at,
            window_seconds: scenario.window_seconds,
            source: "test".into(),
            warnings: Vec::new(),
            empty: false,
        };
        for graph_type in [
            GraphType::Workload,
            GraphType::App,
            GraphType::VersionedApp,
            GraphType::Service,
        ] {
            for show_waypoints in [false, true] {
                let options = GraphOptions {
                    graph_type,
                    show_waypoints,
                    show_infra: true,
                };
                let json = |rec| {
                    meshgraph_export::to_json(&meshgraph_core::build_graph(rec, &options), &meta)
                        .unwrap()
                };
                assert_eq!(
                    json(&a),
                    json(&b),
                    "{}: the {graph_type:?} graph differs",
                    scenario.name
                );
            }
        }
    }

    /// Asking Prometheus for less (issue 14) changes no graph: whether each
    /// family is summed by its built-in `by` list or keeps every label.
    #[test]
    fn the_built_in_by_lists_draw_the_same_graph_as_every_label() {
        let mut fewer_series = false;
        for scenario in &scenarios() {
            let raw = scenario.telemetry();
            let trimmed = answered(&raw, scenario.at, true);
            let full = answered(&raw, scenario.at, false);
            fewer_series |= trimmed.len() < full.len();
            assert_same_graphs(scenario, &trimmed, &full);
        }
        assert!(
            fewer_series,
            "no scenario had its answers trimmed; the test proves nothing"
        );
    }

    /// Folding each histogram's buckets into one observation as the answer
    /// is decoded changes no graph: the raw series as the kit writes them
    /// (one per `le`) draw what the decoded answers draw.
    #[test]
    fn folded_histograms_draw_the_same_graph_as_one_series_per_bucket() {
        for scenario in &scenarios() {
            let raw = scenario.telemetry();
            let decoded = answered(&raw, scenario.at, false);
            let buckets = |obs: &[Observation]| {
                obs.iter()
                    .filter(|o| o.metric == Metric::RequestDurationBucket)
                    .count()
            };
            assert!(
                buckets(&decoded) > 0 && buckets(&decoded) * 10 < buckets(&raw),
                "{}: {} histograms from {} bucket series",
                scenario.name,
                buckets(&decoded),
                buckets(&raw)
            );
            assert!(raw.iter().all(|o| o.buckets.is_empty()));
            assert_same_graphs(scenario, &raw, &decoded);
        }
    }
}
