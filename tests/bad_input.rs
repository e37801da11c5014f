//! Bad input never panics: real answers and manifests cut at every length (and
//! bytes flipped) give an error or a partial result, never a crash.

mod common;

use meshgraph_model::Metric;

/// Cut points: every byte of the first 4 KiB, then a spread over the rest.
fn cuts(len: usize) -> impl Iterator<Item = usize> {
    (0..len.min(4096)).chain((4096..len).step_by(97))
}

/// A Prometheus vector answer made from the scenario kit's series.
fn prometheus_answer() -> Vec<u8> {
    let scenario = meshgraph_scenario::builtin("bookinfo-waypoint")
        .unwrap()
        .unwrap();
    let result: Vec<serde_json::Value> = scenario
        .telemetry()
        .into_iter()
        .filter(|o| o.metric == Metric::Requests)
        .map(|o| {
            let metric: serde_json::Map<String, serde_json::Value> =
                o.labels().into_iter().map(|(k, v)| (k, v.into())).collect();
            serde_json::json!({"metric": metric, "value": [1_764_547_200.0, o.value.to_string()]})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": result}}))
        .unwrap()
}

#[test]
fn prometheus_answers_cut_or_corrupted_never_panic() {
    let body = prometheus_answer();
    let whole = meshgraph_prometheus::decode(&body, Metric::Requests, "test")
        .expect("the whole answer decodes");
    assert!(!whole.observations.is_empty());
    for cut in cuts(body.len()) {
        if let Ok(partial) = meshgraph_prometheus::decode(&body[..cut], Metric::Requests, "test") {
            assert!(partial.observations.len() <= whole.observations.len());
        }
    }
    let mut corrupted = body.clone();
    for i in (0..corrupted.len()).step_by(131) {
        corrupted[i] = b"{}[]\",:x0"[i % 9];
        let _ = meshgraph_prometheus::decode(&corrupted, Metric::Requests, "test");
    }
}

#[test]
fn trace_answers_cut_never_panic() {
    for name in [
        "jaeger-v3-hotrod-trace.json",
        "kiali-tempo-bookinfo-sidecar-trace.json",
        "jaeger-v1-format-sample.json",
    ] {
        let body = common::read_fixture_bytes(&format!("traces/{name}"));
        assert!(
            meshgraph_traces::decode(&body, name).is_ok(),
            "{name} decodes whole"
        );
        for cut in cuts(body.len()) {
            let _ = meshgraph_traces::decode(&body[..cut], name);
        }
    }
}

#[test]
fn manifests_cut_never_panic_and_keep_what_parses() {
    let text = common::read_fixture("istio-bookinfo/bookinfo.yaml");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.yaml");
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(53).collect();
    for cut in boundaries {
        std::fs::write(&file, &text[..cut]).unwrap();
        // A malformed document is reported with its location; the rest is used.
        let _ = meshgraph_config::MeshConfig::load(
            std::slice::from_ref(&file),
            &meshgraph_config::LoadOptions::default(),
        );
    }
}
