//! Failure modes against a stand-in HTTP server (meshgraph-standin): every
//! error names the URL without credentials, retries are bounded, and secrets
//! never leak.

use std::time::{Duration, Instant};

use meshgraph_prometheus::{Auth, CollectError, PrometheusConfig, QueryPlan, Recorder, collect};
use meshgraph_source::HttpError;
use meshgraph_standin::{Refusing, Reply, StandIn};

const AT: f64 = 1_764_547_080.0;
const URL_PASSWORD: &str = "url-password-123";
const TOKEN: &str = "bearer-token-456";
const HEADER_SECRET: &str = "header-secret-789";

/// One series usable by every family (it has a reporter and an `le`).
const GOOD: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"reporter":"destination","source_workload":"productpage-v1","destination_workload":"reviews-v2","le":"+Inf"},"value":[1764547080,"1.5"]}]}}"#;

fn plan() -> QueryPlan {
    QueryPlan::new(AT, Duration::from_secs(300))
}

/// Fast settings for tests: short timeout, one retry.
fn config(url: String) -> PrometheusConfig {
    PrometheusConfig {
        timeout: Duration::from_secs(5),
        retries: 1,
        ..PrometheusConfig::new(url)
    }
}

/// Credentials in the URL, a bearer token and a secret header.
fn secret_config(server: &StandIn) -> PrometheusConfig {
    PrometheusConfig {
        auth: Auth::Bearer(TOKEN.into()),
        headers: vec![("X-Api-Key".into(), HEADER_SECRET.into())],
        ..config(
            server
                .url()
                .replace("http://", &format!("http://alice:{URL_PASSWORD}@")),
        )
    }
}

fn assert_no_secret(text: &str) {
    for secret in ["alice", URL_PASSWORD, TOKEN, HEADER_SECRET] {
        assert!(!text.contains(secret), "{secret} leaked into: {text}");
    }
}

async fn fail(config: &PrometheusConfig) -> CollectError {
    let error = collect(config, &plan(), None)
        .await
        .expect_err("the run must fail");
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    error
}

#[tokio::test]
async fn unreachable_port_names_the_url_and_what_to_do() {
    let refusing = Refusing::new();
    let port = refusing.port();
    let error = fail(&config(format!("http://127.0.0.1:{port}/prometheus"))).await;
    let text = error.to_string();
    assert!(
        matches!(
            error,
            CollectError::Http(HttpError::Connect { attempts: 2, .. })
        ),
        "{error:?}"
    );
    assert!(
        text.contains(&format!("http://127.0.0.1:{port}/prometheus/api/v1/query")),
        "{text}"
    );
    assert!(
        text.contains("is Prometheus running") && text.contains("--prometheus"),
        "{text}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let server = StandIn::sequence(vec![Reply::status(500, "internal trouble")]);
    let error = fail(&PrometheusConfig {
        retries: 2,
        ..config(server.url())
    })
    .await;
    let CollectError::Http(HttpError::Status {
        status: 500,
        attempts: 3,
        ..
    }) = &error
    else {
        panic!("{error:?}")
    };
    let text = error.to_string();
    assert!(
        text.contains(&server.url()) && text.contains("internal trouble"),
        "{text}"
    );
    assert!(server.requests().len() >= 3);
}

#[tokio::test]
async fn a_503_then_a_200_succeeds_after_a_retry() {
    let server = StandIn::sequence(vec![Reply::status(503, "busy"), Reply::ok(GOOD)]);
    let collected = collect(&config(server.url()), &plan(), None).await.unwrap();
    // The stand-in gives every query the same one-series answer (a `+Inf`
    // bucket); the latency family's four parts fold into one histogram.
    assert_eq!(collected.observations.len(), 10, "one series per family");
    // The stand-in answers the exemplar request with a query answer too:
    // the only warning, about that answer.
    assert!(
        collected
            .warnings
            .iter()
            .all(|w| w.contains("exemplar answer") && w.contains("not a list")),
        "{:?}",
        collected.warnings
    );
    assert_eq!(
        server.requests().len(),
        15,
        "thirteen queries and the exemplar request, one of them retried"
    );
    assert!(!server.requests_to("/api/v1/query_exemplars").is_empty());
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let server = StandIn::sequence(vec![
        Reply::status(429, "slow down").with_header("Retry-After", "1"),
        Reply::ok(GOOD),
    ]);
    let started = Instant::now();
    let collected = collect(&config(server.url()), &plan(), None).await.unwrap();
    assert_eq!(collected.observations.len(), 10);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    // Each query is slow the first time and answered at once when asked
    // again: a retried timeout would make the run succeed.
    let asked = std::sync::Mutex::new(std::collections::HashSet::new());
    let server = StandIn::route(move |request, _| {
        if asked.lock().unwrap().insert(request.body.clone()) {
            Reply::ok(GOOD).delayed(Duration::from_secs(3))
        } else {
            Reply::ok(GOOD)
        }
    });
    let error = fail(&PrometheusConfig {
        timeout: Duration::from_millis(300),
        ..secret_config(&server)
    })
    .await;
    assert!(
        matches!(error, CollectError::Http(HttpError::Timeout { .. })),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("{}/api/v1/query", server.url())) && text.contains("300ms"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_url() {
    let server = StandIn::sequence(vec![Reply::ok(
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"reporter":"source"},"value":[1,"1"]},}]}}"#,
    )]);
    let error = fail(&secret_config(&server)).await;
    let CollectError::Decode { offset, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*offset, 109);
    let text = error.to_string();
    assert!(
        text.contains(&server.url()) && text.contains("byte 109"),
        "{text}"
    );
}

#[tokio::test]
async fn truncated_json_is_an_error_naming_the_url() {
    let cut = &GOOD[..GOOD.len() / 2];
    let server = StandIn::sequence(vec![Reply::ok(cut)]);
    let error = fail(&secret_config(&server)).await;
    assert!(
        matches!(error, CollectError::Truncated { bytes, .. } if bytes == cut.len()),
        "{error:?}"
    );
    assert!(error.to_string().contains(&server.url()));
}

#[tokio::test]
async fn a_connection_cut_mid_answer_is_retried_then_reported() {
    let server = StandIn::sequence(vec![Reply::cut_short(GOOD.len() * 2, GOOD)]);
    let error = fail(&secret_config(&server)).await;
    assert!(
        matches!(error, CollectError::Http(HttpError::Body { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains(&server.url()));
}

#[tokio::test]
async fn status_error_carries_the_servers_message() {
    let body = format!(
        r#"{{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected token near {TOKEN}"}}"#
    );
    for status in [400, 422, 200] {
        let server = StandIn::sequence(vec![Reply::status(status, body.clone())]);
        let error = fail(&secret_config(&server)).await;
        let CollectError::Server {
            error_type,
            message,
            ..
        } = &error
        else {
            panic!("{status}: {error:?}")
        };
        assert_eq!(error_type, "bad_data");
        assert!(
            message.contains("parse error: unexpected token near ***"),
            "{message}"
        );
        assert!(error.to_string().contains(&server.url()));
        assert!(
            server.requests_to("/api/v1/query").len() <= 13,
            "{status} is not retried"
        );
    }
}

#[tokio::test]
async fn other_result_types_are_errors() {
    let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}"#;
    let server = StandIn::sequence(vec![Reply::ok(matrix)]);
    let error = fail(&config(server.url())).await;
    assert!(
        matches!(error, CollectError::ResultType { ref result_type, .. } if result_type == "matrix"),
        "{error:?}"
    );
}

#[tokio::test]
async fn answers_larger_than_the_cap_are_refused() {
    let big = format!(
        r#"{},"pad":"{}"}}"#,
        &GOOD[..GOOD.len() - 1],
        "x".repeat(100_000)
    );
    // With Content-Length, refused before reading; without, while streaming.
    for reply in [Reply::ok(big.clone()), Reply::streamed(big.clone())] {
        let server = StandIn::sequence(vec![reply]);
        let error = fail(&PrometheusConfig {
            max_response_bytes: 10_000,
            ..secret_config(&server)
        })
        .await;
        assert!(
            matches!(
                error,
                CollectError::Http(HttpError::TooLarge { limit: 10_000, .. })
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains(&server.url()));
    }
    // The same answers fit under the default cap.
    let server = StandIn::sequence(vec![Reply::streamed(big)]);
    assert_eq!(
        collect(&config(server.url()), &plan(), None)
            .await
            .unwrap()
            .observations
            .len(),
        10
    );
}

#[tokio::test]
async fn requests_carry_the_query_time_and_credentials_but_messages_do_not() {
    let server = StandIn::sequence(vec![Reply::ok(GOOD)]);
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::create(dir.path()).unwrap();
    let mut plan = plan();
    plan.namespaces = vec!["bookinfo".into(), "istio-system".into(), "default".into()];
    let mut secret = secret_config(&server);
    secret.url.push_str("/prometheus/");
    let collected = collect(&secret, &plan, Some(&recorder)).await.unwrap();
    assert_eq!(collected.stats.queries, 13);
    let requests = server.requests_to("/prometheus/api/v1/query");
    assert_eq!(
        requests.len(),
        13,
        "one query per family (the latency buckets in four parts) for three namespaces"
    );
    // One exemplar request, with the same credentials and selection.
    let exemplars = server.requests_to("/prometheus/api/v1/query_exemplars");
    assert_eq!(exemplars.len(), 1);
    assert_eq!(
        exemplars[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(exemplars[0].header("x-api-key"), Some(HEADER_SECRET));
    let body = String::from_utf8_lossy(&exemplars[0].body);
    assert!(
        body.starts_with("query=istio_request_duration_milliseconds_bucket%7B")
            && body.contains("bookinfo%7Cdefault%7Cistio-system")
            && body.contains("&start=1764546780&end=1764547080"),
        "{body}"
    );
    for r in &requests {
        assert_eq!(
            (r.method.as_str(), r.target.as_str()),
            ("POST", "/prometheus/api/v1/query")
        );
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(r.header("x-api-key"), Some(HEADER_SECRET));
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains("&time=1764547080") && body.starts_with("query=%28sum+by"),
            "{body}"
        );
        assert!(
            body.contains("bookinfo%7Cdefault%7Cistio-system"),
            "one regex for all namespaces: {body}"
        );
    }
    for warning in &collected.warnings {
        assert_no_secret(warning);
    }
    for entry in std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(dir.path().join("prometheus")).unwrap())
    {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_no_secret(&text);
            assert!(
                !text.contains("127.0.0.1"),
                "{} holds the server address",
                path.display()
            );
        }
    }

    // Credentials only in the URL become basic auth.
    let server = StandIn::sequence(vec![Reply::ok(GOOD)]);
    let url = server
        .url()
        .replace("http://", &format!("http://alice:{URL_PASSWORD}@"));
    collect(
        &config(url),
        &QueryPlan::new(AT, Duration::from_secs(60)),
        None,
    )
    .await
    .unwrap();
    let auth = server.requests()[0]
        .header("authorization")
        .unwrap_or_default()
        .to_string();
    assert!(auth.starts_with("Basic "), "{auth}");
}

#[tokio::test]
async fn server_warnings_become_warnings() {
    let with_warning = GOOD.replacen('{', r#"{"warnings":["query hit the series limit"],"#, 1);
    let server = StandIn::sequence(vec![Reply::ok(with_warning)]);
    let collected = collect(&config(server.url()), &plan(), None).await.unwrap();
    // One series per family (the latency family's four parts folded), one
    // warning per query.
    assert_eq!(collected.observations.len(), 10);
    assert_eq!(
        collected
            .warnings
            .iter()
            .filter(|w| w.contains("query hit the series limit"))
            .count(),
        13,
        "{:?}",
        collected.warnings
    );
}

#[tokio::test]
async fn a_closed_connection_without_answer_is_a_connection_error() {
    let server = StandIn::sequence(vec![Reply::close()]);
    let error = fail(&secret_config(&server)).await;
    assert!(
        matches!(error, CollectError::Http(HttpError::Connect { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains(&server.url()));
}
