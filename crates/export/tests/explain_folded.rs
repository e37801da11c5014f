//! `explain` over folded histograms (the Prometheus decoder folds each
//! histogram's buckets into one series): the JSON lists the buckets of the
//! one series, and the text form reads the same as over one series per
//! bucket.

use meshgraph_core::{ClassifyOptions, explain, parse_endpoint, reconcile};
use meshgraph_export::{explain_json, explain_text};
use meshgraph_model::{Metric, Observation, fold_buckets};

fn explained(observations: &[Observation]) -> (serde_json::Value, String) {
    let rec = reconcile(observations, &ClassifyOptions::default());
    let ex = explain(
        &rec,
        observations,
        &parse_endpoint("bookinfo/productpage-v1"),
        &parse_endpoint("bookinfo/reviews-v2"),
    );
    let json = explain_json(&rec, observations, &ex).unwrap();
    (
        serde_json::from_str(&json).unwrap(),
        explain_text(&rec, observations, &ex),
    )
}

#[test]
fn a_folded_histogram_is_one_series_with_its_buckets() {
    let scenario = meshgraph_scenario::builtin("bookinfo-waypoint")
        .unwrap()
        .unwrap();
    let raw = scenario.telemetry();
    let folded = fold_buckets(raw.clone());
    assert!(folded.len() < raw.len());
    let (raw_json, raw_text) = explained(&raw);
    let (json, text) = explained(&folded);

    let histograms = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        doc["series"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["metric"] == Metric::RequestDurationBucket.series_name())
            .cloned()
            .collect()
    };
    let raw_buckets = histograms(&raw_json);
    let folded_histograms = histograms(&json);
    assert!(!folded_histograms.is_empty());
    // Each folded series stands for the raw series of its histogram.
    let listed: usize = folded_histograms
        .iter()
        .map(|s| s["buckets"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, raw_buckets.len());
    assert!(raw_buckets.iter().all(|s| s.get("buckets").is_none()));
    for s in &folded_histograms {
        assert!(s["labels"].get("le").is_none(), "{s}");
        let buckets = s["buckets"].as_array().unwrap();
        assert_eq!(buckets.last().unwrap()["le"], "+Inf");
        assert_eq!(s["value"], buckets.last().unwrap()["rate"]);
        // The raw series of each bound carry the same rate.
        for b in buckets {
            let le = b["le"].as_str().unwrap();
            let same = raw_buckets.iter().find(|r| {
                r["labels"]["le"] == le
                    && r["emitter"] == s["emitter"]
                    && r["labels"]["reporter"] == s["labels"]["reporter"]
            });
            assert_eq!(same.unwrap()["value"], b["rate"], "le {le}");
        }
    }
    // The text form already drew a histogram as one line: the same lines,
    // only the series counts per emitter differ.
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.ends_with("series)"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(lines(&text), lines(&raw_text));
    assert!(text.contains("all buckets, +Inf"), "{text}");
}
