//! The collector against a local HTTP server. The server answers with the
//! recorded real responses in `tests/fixtures/traces` (Jaeger's v3 HotROD
//! trace, Jaeger's v1 sample, Kiali's Tempo search and trace-by-id captures);
//! the error answers are the shapes Jaeger and Go's HTTP server send.

mod common;

use std::time::Duration;

use common::*;
use meshgraph_source::HttpError;
use meshgraph_traces::{
    Auth, Recorder, TimeWindow, TraceEvidence, TracePeer, TracesConfig, TracesError, collect,
    replay,
};

/// 2026-06-21T10:11:40Z, just after the HotROD trace.
const AT: f64 = 1_782_036_700.0;

fn window() -> TimeWindow {
    TimeWindow::ending_at(AT, Duration::from_secs(600)).unwrap()
}

fn quick(mut config: TracesConfig) -> TracesConfig {
    config.slices = 1;
    config.server.retries = 0;
    config.server.timeout = Duration::from_secs(5);
    config
}

const V3_SERVICES: &str = r#"{"services":["frontend"]}"#;
const V3_NO_TRACES: &str = r#"{"error":{"httpCode":404,"message":"trace not found"}}"#;

/// A Jaeger 2 query service with one service, `frontend`, and the HotROD trace.
fn jaeger_v3(prefix: &'static str) -> impl Fn(&str, usize) -> Reply + Send + Sync + 'static {
    move |path, _| match path.strip_prefix(prefix) {
        Some("/api/v3/services") => Reply::ok(V3_SERVICES),
        Some("/api/v3/traces") => Reply::ok(fixture(JAEGER_V3_HOTROD)),
        _ => Reply::not_found(),
    }
}

fn hotrod_route_call(calls: &[meshgraph_traces::TraceCall]) -> bool {
    calls.iter().any(|c| {
        c.source == TracePeer::workload("unknown", "frontend")
            && c.destination == TracePeer::workload("unknown", "route")
            && c.evidence == TraceEvidence::ClientServerPair
            && c.spans == 10
    })
}

#[tokio::test]
async fn jaeger_v3_services_then_traces_per_service_and_slice() {
    let server = serve(jaeger_v3("")).await;
    let mut config = quick(TracesConfig::jaeger(&server.url));
    config.slices = 2;
    config.limit = 20;
    let collected = collect(&config, window(), None).await.unwrap();
    assert_eq!(collected.calls.len(), 6, "{:#?}", collected.calls);
    assert!(hotrod_route_call(&collected.calls));
    assert_eq!(collected.stats.api.as_deref(), Some("jaeger-v3"));
    assert_eq!(collected.stats.requests, 3);
    // The same trace from both slices counts once.
    assert_eq!(collected.stats.spans, 40);
    assert!(collected.warnings.is_empty(), "{:?}", collected.warnings);
    let mut queries = server.seen_path("/api/v3/traces");
    queries.sort_by(|a, b| {
        a.param("query.start_time_min")
            .cmp(&b.param("query.start_time_min"))
    });
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0].param("query.service_name"), Some("frontend"));
    assert_eq!(queries[0].param("query.search_depth"), Some("20"));
    assert_eq!(
        queries[0].param("query.start_time_min"),
        Some("2026-06-21T10:01:40Z")
    );
    assert_eq!(
        queries[0].param("query.start_time_max"),
        Some("2026-06-21T10:06:40Z")
    );
    assert_eq!(
        queries[1].param("query.start_time_max"),
        Some("2026-06-21T10:11:40Z")
    );
    assert_eq!(queries[0].header("accept"), Some("application/json"));
}

#[tokio::test]
async fn jaeger_v3_404_with_an_error_body_means_no_traces() {
    let server = serve(|path, _| match path {
        "/api/v3/services" => Reply::ok(V3_SERVICES),
        "/api/v3/traces" => Reply::status(404, V3_NO_TRACES),
        _ => Reply::not_found(),
    })
    .await;
    let collected = collect(&quick(TracesConfig::jaeger(&server.url)), window(), None)
        .await
        .unwrap();
    assert!(collected.calls.is_empty());
    assert!(collected.warnings.is_empty(), "{:?}", collected.warnings);
}

#[tokio::test]
async fn jaeger_without_v3_falls_back_to_the_v1_api() {
    let server = serve(|path, _| match path {
        "/api/services" => {
            Reply::ok(r#"{"data":["service-x"],"total":1,"limit":0,"offset":0,"errors":null}"#)
        }
        "/api/traces" => {
            let mut body = b"{\"data\":[".to_vec();
            body.extend(fixture(JAEGER_V1_SAMPLE));
            body.extend(b"],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}");
            Reply::ok(body)
        }
        _ => Reply::not_found(),
    })
    .await;
    let collected = collect(&quick(TracesConfig::jaeger(&server.url)), window(), None)
        .await
        .unwrap();
    assert_eq!(collected.stats.api.as_deref(), Some("jaeger-v1"));
    assert_eq!(collected.stats.spans, 5);
    let q = &server.seen_path("/api/traces")[0];
    assert_eq!(q.param("service"), Some("service-x"));
    assert_eq!(q.param("start"), Some("1782036100000000"));
    assert_eq!(q.param("end"), Some("1782036700000000"));
    assert_eq!(q.param("limit"), Some("100"));
    assert_eq!(server.seen_path("/api/v3/services").len(), 1);
}

#[tokio::test]
async fn a_base_path_such_as_istios_jaeger_addon_just_works() {
    let server = serve(jaeger_v3("/jaeger")).await;
    for url in [
        format!("{}/jaeger", server.url),
        format!("{}/jaeger/", server.url),
    ] {
        let collected = collect(&quick(TracesConfig::jaeger(url)), window(), None)
            .await
            .unwrap();
        assert!(hotrod_route_call(&collected.calls));
    }
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.path.starts_with("/jaeger/api/v3/"))
    );
}

/// The calls of Kiali's Tempo sidecar trace capture.
const SIDECAR_TRACE_CALLS: [&str; 4] = [
    "bookinfo/productpage-v1 -> bookinfo/details-v1",
    "bookinfo/productpage-v1 -> bookinfo/reviews-v2",
    "bookinfo/reviews-v2 -> bookinfo/ratings-v1",
    "istio-system/istio-ingressgateway -> bookinfo/productpage-v1",
];

#[tokio::test]
async fn tempo_search_then_each_trace_by_id() {
    // The search is Kiali's ambient capture; every trace id is answered with
    // Kiali's sidecar trace capture (another trace: the ids do not match,
    // which the collector does not need).
    let server = serve(|path, _| match path {
        "/api/search" => Reply::ok(fixture(TEMPO_AMBIENT_SEARCH)),
        p if p.starts_with("/api/traces/") => Reply::ok(fixture(TEMPO_SIDECAR_TRACE)),
        _ => Reply::not_found(),
    })
    .await;
    let mut config = quick(TracesConfig::tempo(&server.url));
    config.limit = 50;
    let collected = collect(&config, window(), None).await.unwrap();
    assert_eq!(collected.stats.api.as_deref(), Some("tempo"));
    assert_eq!(collected.stats.requests, 2);
    assert_eq!(call_pairs(&collected.calls), SIDECAR_TRACE_CALLS);
    let search = &server.seen_path("/api/search")[0];
    assert_eq!(search.param("start"), Some("1782036100"));
    assert_eq!(search.param("end"), Some("1782036700"));
    assert_eq!(search.param("limit"), Some("50"));
    let by_id = server.seen_path("/api/traces/02e299711ce47710289dc6640727404f");
    assert_eq!(by_id.len(), 1);
    // Asked for protobuf, this server answered JSON (its Content-Type says
    // so): read as JSON. One Accept header, not JSON's and protobuf's.
    assert_eq!(by_id[0].header("accept"), Some("application/protobuf"));
    let accepts = by_id[0]
        .headers
        .iter()
        .filter(|(k, _)| k == "accept")
        .count();
    assert_eq!(accepts, 1, "{:?}", by_id[0].headers);
    assert_eq!(search.header("accept"), Some("application/protobuf"));
}

fn protobuf(bytes: Vec<u8>) -> Reply {
    let mut reply = Reply::ok(bytes);
    reply.headers = vec![("Content-Type".into(), "application/protobuf".into())];
    reply
}

/// The same run as above with Tempo answering protobuf, as it does when asked
/// (the answers are the JSON captures converted, see SOURCE.md).
#[tokio::test]
async fn tempo_answers_in_protobuf_give_the_same_calls() {
    let server = serve(|path, _| match path {
        "/api/search" => protobuf(fixture("kiali-tempo-bookinfo-ambient-search.binpb")),
        p if p.starts_with("/api/traces/") => {
            protobuf(fixture("kiali-tempo-bookinfo-sidecar-trace.binpb"))
        }
        _ => Reply::not_found(),
    })
    .await;
    let mut config = quick(TracesConfig::tempo(&server.url));
    config.limit = 50;
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path()).unwrap();
    let collected = collect(&config, window(), Some(&recorder)).await.unwrap();
    assert!(collected.warnings.is_empty(), "{:?}", collected.warnings);
    // The recording holds the protobuf as received; replay reads it again.
    let replayed = replay(dir.path()).unwrap();
    assert_eq!(replayed.calls, collected.calls);
    assert_eq!(call_pairs(&collected.calls), SIDECAR_TRACE_CALLS);
    // The trace id came from the protobuf search answer.
    assert_eq!(
        server
            .seen_path("/api/traces/02e299711ce47710289dc6640727404f")
            .len(),
        1
    );
    assert_eq!((collected.stats.traces, collected.stats.spans), (1, 8));
}

/// A protobuf answer that is not what its Content-Type says is an error
/// naming the URL, and as the only trace asked for, the run's error.
#[tokio::test]
async fn a_broken_protobuf_answer_is_an_error_naming_the_url() {
    let server = serve(|path, _| match path {
        "/api/search" => protobuf(fixture("kiali-tempo-bookinfo-ambient-search.binpb")),
        _ => protobuf(vec![0xff, 0x01, 0x02]),
    })
    .await;
    let e = collect(&quick(TracesConfig::tempo(&server.url)), window(), None)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("/api/traces/02e299711ce47710289dc6640727404f"),
        "{text}"
    );
}

#[tokio::test]
async fn a_500_is_retried_with_backoff() {
    let server = serve(|path, nth| match (path, nth) {
        ("/api/v3/services", _) => Reply::ok(V3_SERVICES),
        ("/api/v3/traces", 0) => Reply::status(500, "upstream storage unavailable"),
        ("/api/v3/traces", _) => Reply::ok(fixture(JAEGER_V3_HOTROD)),
        _ => Reply::not_found(),
    })
    .await;
    let mut config = quick(TracesConfig::jaeger(&server.url));
    config.server.retries = 2;
    let collected = collect(&config, window(), None).await.unwrap();
    assert!(hotrod_route_call(&collected.calls));
    assert_eq!(server.seen_path("/api/v3/traces").len(), 2);

    // Without retries left, the 500 is the error (the only query failed).
    let server = serve(|path, _| match path {
        "/api/v3/services" => Reply::ok(V3_SERVICES),
        _ => Reply::status(503, "overloaded"),
    })
    .await;
    let mut config = quick(TracesConfig::jaeger(&server.url));
    config.server.retries = 1;
    let e = collect(&config, window(), None).await.unwrap_err();
    assert!(
        matches!(
            e,
            TracesError::Http(HttpError::Status {
                status: 503,
                attempts: 2,
                ..
            })
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("\"overloaded\""), "{e}");
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_naming_the_url() {
    let server = serve(|_, _| Reply::ok(V3_SERVICES).delayed(Duration::from_secs(3))).await;
    let mut config = quick(TracesConfig::jaeger(&server.url));
    config.server.timeout = Duration::from_millis(300);
    let e = collect(&config, window(), None).await.unwrap_err();
    assert!(
        matches!(e, TracesError::Http(HttpError::Timeout { .. })),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}/api/v3/services", server.url)),
        "{text}"
    );
    assert!(text.contains("did not answer within 300ms"), "{text}");
}

#[tokio::test]
async fn truncated_json_is_an_error_naming_the_url() {
    let server = serve(|path, _| match path {
        "/api/v3/services" => Reply::ok(V3_SERVICES),
        "/api/v3/traces" => Reply::ok(fixture(JAEGER_V3_HOTROD)[..1000].to_vec()),
        _ => Reply::not_found(),
    })
    .await;
    let e = collect(&quick(TracesConfig::jaeger(&server.url)), window(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, TracesError::Truncated { bytes: 1000, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "{}/api/v3/traces?query.service_name=frontend",
            server.url
        )),
        "{text}"
    );
}

#[tokio::test]
async fn one_failed_query_among_several_is_a_warning() {
    let server = serve(|path, nth| match (path, nth) {
        ("/api/v3/services", _) => Reply::ok(V3_SERVICES),
        ("/api/v3/traces", 0) => Reply::ok(&b"{\"result\": {"[..]),
        ("/api/v3/traces", _) => Reply::ok(fixture(JAEGER_V3_HOTROD)),
        _ => Reply::not_found(),
    })
    .await;
    let mut config = quick(TracesConfig::jaeger(&server.url));
    config.slices = 3;
    config.concurrency = 1;
    let collected = collect(&config, window(), None).await.unwrap();
    assert!(hotrod_route_call(&collected.calls));
    assert_eq!(collected.warnings.len(), 1, "{:?}", collected.warnings);
    assert!(
        collected.warnings[0].contains("truncated"),
        "{:?}",
        collected.warnings
    );
}

const SECRET: &str = "s3cret-passw0rd";

#[tokio::test]
async fn credentials_never_reach_errors_or_recordings_and_replay_gives_the_same_calls() {
    let server = serve(|path, nth| match (path, nth) {
        ("/api/v3/services", _) => Reply::ok(V3_SERVICES),
        ("/api/v3/traces", 0) => Reply::ok(fixture(JAEGER_V3_HOTROD)),
        ("/api/v3/traces", _) => Reply::status(404, V3_NO_TRACES),
        _ => Reply::not_found(),
    })
    .await;
    let authority = server.url.trim_start_matches("http://");
    let url = format!("http://meshgraph:{SECRET}@{authority}");
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path()).unwrap();
    let mut config = quick(TracesConfig::jaeger(&url));
    config.slices = 2;
    config.concurrency = 1;
    config.server.headers = vec![("X-Scope-OrgID".into(), "tenant-secret-1".into())];
    let collected = collect(&config, window(), Some(&recorder)).await.unwrap();
    assert!(hotrod_route_call(&collected.calls));
    // Basic auth from the URL was sent.
    let seen = server.seen();
    assert!(seen.iter().all(|s| {
        s.header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    }));
    assert!(!format!("{config:?}").contains(SECRET));

    // The recording: the shared manifest, the exact bytes, no secret anywhere.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["traces"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert!(manifest["prometheus"].as_array().unwrap().is_empty());
    for entry in entries {
        assert_eq!(entry["path"], "/api/v3/traces");
        assert_eq!(entry["api"], "jaeger-v3");
    }
    for file in walk(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
        for secret in [SECRET, "tenant-secret-1", "meshgraph:", authority] {
            assert!(!text.contains(secret), "{secret} in {}", file.display());
        }
    }
    let replayed = replay(dir.path()).unwrap();
    assert_eq!(replayed.calls, collected.calls);
    assert_eq!(replayed.stats.api.as_deref(), Some("jaeger-v3"));

    // An error with the credentials in the URL does not show them.
    let refusing = meshgraph_standin::Refusing::new();
    let mut bad = quick(TracesConfig::jaeger(format!(
        "http://meshgraph:{SECRET}@127.0.0.1:{}",
        refusing.port()
    )));
    bad.server.auth = Auth::None;
    let e = collect(&bad, window(), None).await.unwrap_err();
    assert!(
        matches!(e, TracesError::Http(HttpError::Connect { .. })),
        "{e:?}"
    );
    assert!(!e.to_string().contains(SECRET), "{e}");
    let server = serve(|_, _| Reply::ok(&b"{\"services\": ["[..])).await;
    let authority = server.url.trim_start_matches("http://");
    let e = collect(
        &quick(TracesConfig::jaeger(format!(
            "http://meshgraph:{SECRET}@{authority}"
        ))),
        window(),
        None,
    )
    .await
    .unwrap_err();
    assert!(!e.to_string().contains(SECRET), "{e}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
