//! Hostile servers (meshgraph-standin on loopback): redirects that leave the
//! origin, redirects of the POSTed query, credentials echoed back in every
//! form, gzip nobody asked for, values that cannot be rates.

use std::time::Duration;

use meshgraph_prometheus::{Auth, CollectError, PrometheusConfig, QueryPlan, collect};
use meshgraph_source::HttpError;
use meshgraph_standin::{Reply, StandIn};

const AT: f64 = 1_764_547_080.0;

const GOOD: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"reporter":"destination","source_workload":"productpage-v1","destination_workload":"reviews-v2","le":"+Inf"},"value":[1764547080,"1.5"]}]}}"#;

fn plan() -> QueryPlan {
    QueryPlan::new(AT, Duration::from_secs(300))
}

fn config(url: String) -> PrometheusConfig {
    PrometheusConfig {
        timeout: Duration::from_secs(5),
        retries: 0,
        ..PrometheusConfig::new(url)
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_loses_every_sensitive_header() {
    let target = StandIn::route(|_, _| Reply::ok(GOOD));
    let location = format!("{}/api/v1/query", target.url());
    let origin =
        StandIn::route(move |_, _| Reply::status(307, "").with_header("Location", &location));
    let config = PrometheusConfig {
        auth: Auth::Bearer("bearer-token-456".into()),
        headers: vec![
            ("X-Api-Key".into(), "key-789".into()),
            ("Cookie".into(), "session=abc123".into()),
        ],
        ..config(origin.url())
    };
    collect(&config, &plan(), None).await.expect("followed");
    let received = target.requests();
    assert!(!received.is_empty());
    for request in &received {
        for name in ["authorization", "x-api-key", "cookie"] {
            assert_eq!(request.header(name), None, "{name} crossed origins");
        }
        assert_eq!(request.method, "POST", "the query stays a POST");
    }
    // Same origin: the headers travel.
    let origin_requests = origin.requests();
    assert!(
        origin_requests
            .iter()
            .all(|r| r.header("x-api-key") == Some("key-789"))
    );
}

#[tokio::test]
async fn a_302_on_the_posted_query_keeps_post_and_its_body() {
    let server = StandIn::route(|request, _| {
        if request.path.starts_with("/old") {
            Reply::status(302, "").with_header("Location", "/new/api/v1/query")
        } else if request.method == "POST" && !request.body.is_empty() {
            Reply::ok(GOOD)
        } else {
            Reply::status(400, "lost the query")
        }
    });
    let config = PrometheusConfig {
        auth: Auth::Bearer("bearer-token-456".into()),
        ..config(format!("{}/old", server.url()))
    };
    collect(&config, &plan(), None)
        .await
        .expect("followed as a POST");
    let new: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/new"))
        .collect();
    assert!(!new.is_empty());
    // Same origin: the token is kept.
    assert!(new.iter().all(|r| r.header("authorization").is_some()));
}

#[tokio::test]
async fn a_303_on_the_posted_query_is_a_clear_error() {
    let server = StandIn::route(|_, _| Reply::status(303, "").with_header("Location", "/x"));
    let e = collect(&config(server.url()), &plan(), None)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, CollectError::Http(HttpError::Unusable { .. })),
        "{e:?}"
    );
    assert!(text.contains("303") && text.contains("POST"), "{text}");
}

#[tokio::test]
async fn echoed_basic_auth_does_not_leak_in_any_encoding() {
    // A proxy that quotes the request headers back in its error page.
    let server = StandIn::route(|request, _| {
        let echoed = request
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n");
        Reply::status(
            401,
            format!("denied; you sent {echoed}; url-encoded p%40ss%2Fw0rd-long"),
        )
        .with_header("Content-Type", "text/plain")
    });
    let config = PrometheusConfig {
        auth: Auth::Basic {
            user: "alice".into(),
            password: "p@ss/w0rd-long".into(),
        },
        ..config(server.url())
    };
    let e = collect(&config, &plan(), None).await.unwrap_err();
    let text = format!("{e} {e:?}");
    for leak in [
        "YWxpY2U6cEBzcy93MHJkLWxvbmc",
        "p%40ss%2Fw0rd",
        "p@ss/w0rd",
        "w0rd-long",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    assert!(text.contains("401"), "{text}");
}

#[tokio::test]
async fn an_unrequested_gzip_body_is_named_as_gzip() {
    let gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    let server =
        StandIn::route(move |_, _| Reply::ok(gzip.clone()).with_header("Content-Encoding", "gzip"));
    let e = collect(&config(server.url()), &plan(), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("gzip"), "{e}");
}

#[tokio::test]
async fn server_errors_state_the_status() {
    for status in [429u16, 500, 503] {
        let server = StandIn::route(move |_, _| {
            Reply::status(
                status,
                r#"{"status":"error","errorType":"unavailable","error":"try later"}"#,
            )
        });
        let e = collect(&config(server.url()), &plan(), None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(&status.to_string()), "{status}: {e}");
    }
}
