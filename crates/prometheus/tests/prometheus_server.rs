//! The collector against a real Prometheus 2.42 (Debian `prometheus`) loaded
//! with the hand-written bookinfo sidecar fixture.

mod common;

use std::collections::BTreeMap;

use common::*;
use meshgraph_model::Reporter;
use meshgraph_prometheus::testing::PrometheusServer;
use meshgraph_prometheus::{Auth, Manifest, PrometheusConfig, Recorder, collect, replay};

fn server() -> PrometheusServer {
    PrometheusServer::start(&bookinfo_openmetrics())
}

#[tokio::test]
async fn collects_the_true_rates_per_reporter_and_pair() {
    let prometheus = server();
    let collected = collect(&PrometheusConfig::new(prometheus.url()), &plan(&[]), None)
        .await
        .unwrap();
    assert_bookinfo(&collected);
    let summary = collected.stats.summary_line();
    assert!(
        summary.starts_with("prometheus: 13 queries, 59 series, "),
        "{summary}"
    );
}

#[tokio::test]
async fn namespace_selection_keeps_traffic_entering_the_namespace() {
    let prometheus = server();
    let config = PrometheusConfig::new(prometheus.url());

    // bookinfo alone still sees the gateway's calls from istio-system, from
    // both reporters, and the unknown caller's.
    let bookinfo = collect(&config, &plan(&["bookinfo"]), None).await.unwrap();
    assert_bookinfo(&bookinfo);

    // istio-system alone sees only the gateway's calls (they leave it).
    let system = collect(&config, &plan(&["istio-system"]), None)
        .await
        .unwrap();
    let gw = "istio-ingressgateway";
    let expected: BTreeMap<RequestKey, f64> = [
        ((Reporter::Destination, gw, "productpage-v1", "200"), 2.8),
        ((Reporter::Source, gw, "productpage-v1", "200"), 2.8),
    ]
    .into_iter()
    .collect();
    assert_request_rates(&system, &expected);
    // Ten families, the latency buckets in four parts.
    assert_eq!(system.stats.queries, 13);

    // A namespace nobody talks to, with regex metacharacters: nothing.
    let none = collect(&config, &plan(&["book.nfo"]), None).await.unwrap();
    assert!(
        none.observations.is_empty(),
        "{:?}",
        none.observations.first()
    );

    // The number of queries does not depend on the number of namespaces.
    let many = collect(
        &config,
        &plan(&["bookinfo", "istio-system", "a", "b", "c", "d"]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(many.stats.queries, bookinfo.stats.queries);
    assert_bookinfo(&many);
}

#[tokio::test]
async fn record_then_replay_gives_identical_observations() {
    let prometheus = server();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let recorder = Recorder::create(&bundle).unwrap();
    let collected = collect(
        &PrometheusConfig::new(prometheus.url()),
        &plan(&["bookinfo"]),
        Some(&recorder),
    )
    .await
    .unwrap();
    drop(prometheus);

    let manifest = Manifest::read(&bundle).unwrap();
    // Thirteen queries (the latency buckets in four parts), then the
    // exemplar answer (empty: this server keeps none).
    assert_eq!(manifest.prometheus.len(), 14);
    assert_eq!(manifest.prometheus[0].family, "requests");
    let parts: Vec<&str> = manifest.prometheus[1..5]
        .iter()
        .map(|e| {
            assert_eq!(e.family, "request_duration_bucket");
            e.part.as_deref().expect("a part")
        })
        .collect();
    assert_eq!(
        parts,
        meshgraph_prometheus::queries::latency_part_matchers()
    );
    assert_eq!(manifest.prometheus[5].part, None);
    assert_eq!(
        manifest.prometheus[13].family,
        meshgraph_prometheus::exemplars::EXEMPLARS_FAMILY
    );
    assert!(collected.exemplars.is_empty());
    assert_eq!(manifest.prometheus[0].time, AT);
    assert_eq!(manifest, recorder.manifest());

    let replayed = replay(&bundle, &plan(&["bookinfo"])).unwrap();
    assert_eq!(replayed.observations, collected.observations);
    assert_eq!(replayed.exemplars, collected.exemplars);
    assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
    assert_eq!(
        (replayed.stats.queries, replayed.stats.series),
        (13, collected.stats.series)
    );
    assert_eq!(replayed.stats.server_time, std::time::Duration::ZERO);

    // Replaying with another selection uses the recording and says so.
    let other = replay(&bundle, &plan(&[])).unwrap();
    assert_eq!(other.observations, collected.observations);
    assert_eq!(other.warnings.len(), 1, "{:?}", other.warnings);
    assert!(
        other.warnings[0].contains("differ"),
        "{}",
        other.warnings[0]
    );

    // A recording is never overwritten.
    assert!(Recorder::create(&bundle).is_err());
}

/// The latency family asked for in parts (the default) gives the same
/// histograms, with every bound, as the same query sent whole (a
/// `--queries-dir` template is sent whole), with and without a namespace
/// selection: the parts' matchers select every `le` once on a real server.
#[tokio::test]
async fn latency_buckets_asked_for_in_parts_are_the_whole_family() {
    use meshgraph_model::{Metric, Observation};
    use meshgraph_prometheus::queries::{LATENCY_PART_COUNT, built_in, file_name};
    let prometheus = server();
    let config = PrometheusConfig::new(prometheus.url());
    let dir = tempfile::tempdir().unwrap();
    let bucket = Metric::RequestDurationBucket;
    std::fs::write(dir.path().join(file_name(bucket)), built_in(bucket)).unwrap();
    let histograms = |c: &meshgraph_prometheus::Collected| -> Vec<Observation> {
        let mut out: Vec<Observation> = c
            .observations
            .iter()
            .filter(|o| o.metric == bucket)
            .cloned()
            .collect();
        out.sort_by_key(|o| format!("{o:?}"));
        out
    };
    for namespaces in [&[][..], &["bookinfo"][..]] {
        let parts = collect(&config, &plan(namespaces), None).await.unwrap();
        let mut whole_plan = plan(namespaces);
        whole_plan.queries_dir = Some(dir.path().to_path_buf());
        let whole = collect(&config, &whole_plan, None).await.unwrap();
        assert_eq!(
            parts.stats.queries,
            whole.stats.queries + LATENCY_PART_COUNT - 1
        );
        assert_eq!(parts.stats.series, whole.stats.series);
        let (parts, whole) = (histograms(&parts), histograms(&whole));
        assert!(!whole.is_empty());
        assert_eq!(parts, whole, "{namespaces:?}");
        // Every histogram has all twenty of Envoy's bounds, each once.
        for histogram in &parts {
            assert_eq!(histogram.buckets.len(), 20, "{histogram:?}");
            assert!(histogram.buckets.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }
}

#[tokio::test]
async fn credentials_never_reach_the_recording() {
    let prometheus = server();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path()).unwrap();
    let url = prometheus
        .url()
        .replace("http://", "http://alice:url-password-123@");
    let config = PrometheusConfig {
        auth: Auth::Bearer("bearer-token-456".into()),
        headers: vec![("X-Scope-OrgID".into(), "header-secret-789".into())],
        ..PrometheusConfig::new(url)
    };
    let collected = collect(&config, &plan(&[]), Some(&recorder)).await.unwrap();
    assert_bookinfo(&collected);
    let debug = format!("{config:?}");
    for secret in ["url-password-123", "bearer-token-456", "header-secret-789"] {
        assert!(!debug.contains(secret), "Debug shows {secret}: {debug}");
    }
    for entry in walk(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        for secret in [
            "alice",
            "url-password-123",
            "bearer-token-456",
            "header-secret-789",
            "X-Scope-OrgID",
            "127.0.0.1",
        ] {
            assert!(
                !text.contains(secret),
                "{} contains {secret}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

/// The bookinfo fixture plus series named as `docs/recording-rules.yaml`
/// records them, for the requests family only, with values the raw series
/// cannot give (productpage → details at 123 req/s, 7 of them 503s), over
/// the fixture's 20 minutes.
fn with_recorded_requests() -> String {
    let raw = bookinfo_openmetrics();
    let body = raw
        .trim_end()
        .strip_suffix("# EOF")
        .expect("OpenMetrics ends with # EOF");
    let name = meshgraph_prometheus::queries::recorded_name(meshgraph_model::Metric::Requests);
    let recorded: Vec<meshgraph_prometheus::testing::RateSeries> = [("200", 116.0), ("503", 7.0)]
        .into_iter()
        .map(|(code, value)| {
            let labels = [
                ("reporter", "destination"),
                ("source_workload", "productpage-v1"),
                ("source_workload_namespace", "bookinfo"),
                ("destination_workload", "details-v1"),
                ("destination_workload_namespace", "bookinfo"),
                ("destination_service", "details.bookinfo.svc.cluster.local"),
                ("destination_service_name", "details"),
                ("destination_service_namespace", "bookinfo"),
                ("request_protocol", "http"),
                ("response_code", code),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec();
            (name.clone(), labels, value)
        })
        .collect();
    format!(
        "{body}{}",
        meshgraph_prometheus::testing::openmetrics_gauges(&recorded, END, DURATION_S, STEP_S)
    )
}

/// Recorded series stand in for the requests family when the server has
/// them (found by one probe query), with and without a namespace selection;
/// the other families are still computed; `recordings` off, or a window the
/// rules were not written for, computes every family.
#[tokio::test]
async fn recorded_series_are_read_when_the_server_has_them() {
    let prometheus = PrometheusServer::start(&with_recorded_requests());
    let config = PrometheusConfig::new(prometheus.url());
    let requests =
        |c: &meshgraph_prometheus::Collected| -> BTreeMap<(String, String, String), f64> {
            c.observations
                .iter()
                .filter(|o| o.metric == meshgraph_model::Metric::Requests)
                .map(|o| {
                    let key = (
                        o.source.workload.clone(),
                        o.destination.workload.clone(),
                        o.response_code.clone().unwrap_or_default(),
                    );
                    (key, o.value)
                })
                .collect()
        };
    for namespaces in [&[][..], &["bookinfo"][..]] {
        let mut on = plan(namespaces);
        on.recordings = true;
        let recorded = collect(&config, &on, None).await.unwrap();
        let expected: BTreeMap<(String, String, String), f64> = [("200", 116.0), ("503", 7.0)]
            .into_iter()
            .map(|(code, v)| {
                (
                    ("productpage-v1".into(), "details-v1".into(), code.into()),
                    v,
                )
            })
            .collect();
        assert_eq!(requests(&recorded), expected, "{namespaces:?}");
        assert_eq!(recorded.stats.recorded, 1);
        assert_eq!(recorded.stats.queries, 13);
        let summary = recorded.stats.summary_line();
        assert!(
            summary.contains("13 queries (1 from recording rules)"),
            "{summary}"
        );
        // The latency family is still the raw one.
        assert!(
            recorded
                .observations
                .iter()
                .any(|o| o.metric == meshgraph_model::Metric::RequestDurationBucket)
        );
    }
    // A recording keeps the recorded series' answer, and its replay reads
    // it without calling the query different.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let recorder = Recorder::create(&bundle).unwrap();
    let mut on = plan(&["bookinfo"]);
    on.recordings = true;
    let recorded = collect(&config, &on, Some(&recorder)).await.unwrap();
    let manifest = Manifest::read(&bundle).unwrap();
    assert!(
        manifest.prometheus[0]
            .query
            .starts_with("(meshgraph:istio_requests_total:rate5m{")
    );
    let replayed = replay(&bundle, &on).unwrap();
    assert_eq!(replayed.observations, recorded.observations);
    assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
    assert_eq!(replayed.stats.recorded, 1);

    // Off, or another window: the raw sums, as without the recorded series.
    let off = collect(&config, &plan(&[]), None).await.unwrap();
    assert_bookinfo(&off);
    assert_eq!(off.stats.recorded, 0);
    let mut minute = plan(&[]);
    minute.recordings = true;
    minute.window = std::time::Duration::from_secs(60);
    let computed = collect(&config, &minute, None).await.unwrap();
    assert_eq!(computed.stats.recorded, 0);
    assert!(
        requests(&computed).len() > 2,
        "computed from the raw series"
    );
}
