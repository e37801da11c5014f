//! Exemplars end to end with a real Prometheus (Debian's 2.42 with
//! `--enable-feature=exemplar-storage`) scraping a stand-in `/metrics` in
//! OpenMetrics: the trace ids of the latency buckets land on the edge of the
//! series they came from (issue 18). Also: a Prometheus without the feature
//! (no exemplars, no warning, the same graph), a malformed or missing
//! exemplar answer (a warning or nothing, the graph still drawn), and
//! `record` / `--replay` with and without the exemplar answer.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use meshgraph_prometheus::testing::{PrometheusServer, http_request};
use meshgraph_standin::{Reply, StandIn};
use serde_json::Value;

/// productpage -> reviews, from the server's sidecar (`trace_id`).
const REVIEWS_SERVER: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
/// productpage -> reviews, from the client's sidecar (`traceID`).
const REVIEWS_CLIENT: &str = "00f067aa0ba902b7a3ce929d0e0e4736";
/// productpage -> details, from the server's sidecar (`traceId`).
const DETAILS_SERVER: &str = "b7ad6b7169203331b7ad6b7169203331";

const PRODUCTPAGE: &str = "workload:bookinfo/productpage-v1";
const REVIEWS: &str = "workload:bookinfo/reviews-v1";
const DETAILS: &str = "workload:bookinfo/details-v1";

/// How long the servers get to scrape what the tests need (only a failure
/// bound for the wait; meshgraph itself is not timed).
const SCRAPE_WAIT: Duration = Duration::from_secs(180);

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The Istio labels of a call from productpage to `server`, reported by
/// `reporter`.
fn labels(reporter: &str, server: &str) -> String {
    let security = if reporter == "destination" {
        "mutual_tls"
    } else {
        "unknown"
    };
    format!(
        "reporter=\"{reporter}\",source_workload=\"productpage-v1\",source_workload_namespace=\"bookinfo\",\
source_canonical_service=\"productpage\",source_canonical_revision=\"v1\",source_app=\"productpage\",source_version=\"v1\",\
source_principal=\"spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage\",source_cluster=\"Kubernetes\",\
destination_workload=\"{server}-v1\",destination_workload_namespace=\"bookinfo\",destination_canonical_service=\"{server}\",\
destination_canonical_revision=\"v1\",destination_app=\"{server}\",destination_version=\"v1\",\
destination_principal=\"spiffe://cluster.local/ns/bookinfo/sa/bookinfo-{server}\",destination_cluster=\"Kubernetes\",\
destination_service=\"{server}.bookinfo.svc.cluster.local\",destination_service_name=\"{server}\",\
destination_service_namespace=\"bookinfo\",request_protocol=\"http\",response_code=\"200\",response_flags=\"-\",\
connection_security_policy=\"{security}\""
    )
}

/// The `/metrics` page at the `n`th scrape: counters growing with `n`, and
/// one exemplar per call and reporter, stamped now.
fn exposition(n: usize) -> String {
    let calls = [
        ("destination", "reviews", "trace_id", REVIEWS_SERVER, "25"),
        ("source", "reviews", "traceID", REVIEWS_CLIENT, "50"),
        ("destination", "details", "traceId", DETAILS_SERVER, "25"),
        ("source", "details", "", "", ""),
    ];
    let count = 10 * (n + 1);
    let mut out = String::from("# TYPE istio_requests counter\n");
    for (reporter, server, ..) in calls {
        out.push_str(&format!(
            "istio_requests_total{{{}}} {count}\n",
            labels(reporter, server)
        ));
    }
    out.push_str("# TYPE istio_request_duration_milliseconds histogram\n");
    let stamp = format!("{:.3}", now());
    for (reporter, server, label, id, exemplar_le) in calls {
        let l = labels(reporter, server);
        for le in ["25", "50", "+Inf"] {
            let value = if le == "25" { count / 2 } else { count };
            let exemplar = if le == exemplar_le {
                format!(" # {{{label}=\"{id}\"}} 12.0 {stamp}")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "istio_request_duration_milliseconds_bucket{{{l},le=\"{le}\"}} {value}{exemplar}\n"
            ));
        }
        out.push_str(&format!(
            "istio_request_duration_milliseconds_sum{{{l}}} {}\n",
            count * 20
        ));
        out.push_str(&format!(
            "istio_request_duration_milliseconds_count{{{l}}} {count}\n"
        ));
    }
    out.push_str("# EOF\n");
    out
}

/// The mesh's `/metrics`, in OpenMetrics (the only format with exemplars).
fn mesh() -> StandIn {
    StandIn::route(|_, n| {
        let mut reply = Reply::ok(exposition(n));
        reply.headers = vec![(
            "Content-Type".into(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8".into(),
        )];
        reply
    })
}

fn target(standin: &StandIn) -> String {
    format!("127.0.0.1:{}", standin.port())
}

/// Polls until `done` holds, panicking after [`SCRAPE_WAIT`] with `what`.
fn wait_for(what: &str, mut done: impl FnMut() -> Option<String>) {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < SCRAPE_WAIT {
        match done() {
            None => return,
            Some(state) => last = state,
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("Prometheus never had {what} within {SCRAPE_WAIT:?}; last answer: {last}");
}

/// Waits until the four request series have a rate.
fn wait_for_rates(prometheus: &PrometheusServer) {
    wait_for("rates for the four request series", || {
        let (_, body) =
            prometheus.get("/api/v1/query?query=count(rate(istio_requests_total%5B1m%5D)%3E0)");
        body.contains("\"4\"").not_then(body)
    });
}

trait NotThen {
    fn not_then(self, state: String) -> Option<String>;
}

impl NotThen for bool {
    fn not_then(self, state: String) -> Option<String> {
        (!self).then_some(state)
    }
}

fn snapshot(args: &[&str], dir: &Path) -> (Value, String) {
    let out = common::run()
        .args(["snapshot", "--format", "json", "-o", "-"])
        .args(args)
        .dir(dir)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "snapshot {args:?} failed: {stderr}");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("snapshot {args:?}: not JSON: {e}\n{stderr}"));
    (doc, stderr)
}

/// Every edge as (source, target, exemplar ids, exemplar count).
fn edges(doc: &Value) -> Vec<(String, String, BTreeSet<String>, Option<u64>)> {
    doc["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["exemplar_trace_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|id| id.as_str().unwrap().to_string())
                    .collect(),
                e["exemplar_count"].as_u64(),
            )
        })
        .collect()
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The two calls, each with exactly its own exemplars.
fn assert_exemplars_on_their_edges(doc: &Value, context: &str) {
    let edges = edges(doc);
    let ends: BTreeSet<(&str, &str)> = edges
        .iter()
        .map(|(s, t, ..)| (s.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        ends,
        BTreeSet::from([(PRODUCTPAGE, DETAILS), (PRODUCTPAGE, REVIEWS)]),
        "{context}"
    );
    for (source, target, exemplars, count) in &edges {
        let (want, n) = match (source.as_str(), target.as_str()) {
            (PRODUCTPAGE, REVIEWS) => (ids(&[REVIEWS_SERVER, REVIEWS_CLIENT]), 2),
            (PRODUCTPAGE, DETAILS) => (ids(&[DETAILS_SERVER]), 1),
            other => panic!("{context}: unexpected edge {other:?}"),
        };
        assert_eq!(exemplars, &want, "{context}: {source} -> {target}");
        // One id scraped many times is counted once.
        assert_eq!(*count, Some(n), "{context}: {source} -> {target}");
    }
}

fn schema_violations(doc: &Value) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/graph.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn exemplars_from_a_real_prometheus_land_on_their_edges() {
    let mesh = mesh();
    let prometheus =
        PrometheusServer::start_scraping(&target(&mesh), &["--enable-feature=exemplar-storage"]);
    wait_for_rates(&prometheus);
    wait_for("the three exemplars", || {
        let (_, body) = prometheus.get(&format!(
            "/api/v1/query_exemplars?query=istio_request_duration_milliseconds_bucket&start={}&end={}",
            now() - 600.0,
            now() + 60.0
        ));
        [REVIEWS_SERVER, REVIEWS_CLIENT, DETAILS_SERVER]
            .iter()
            .all(|id| body.contains(id))
            .not_then(body)
    });
    let dir = tempfile::tempdir().unwrap();
    let url = prometheus.url();

    // Live, with the namespace selection.
    let (doc, stderr) = snapshot(&["--prometheus", &url, "-n", "bookinfo"], dir.path());
    assert_exemplars_on_their_edges(&doc, "live");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(
        stderr.contains("exemplars"),
        "the summary counts them: {stderr}"
    );
    assert_eq!(schema_violations(&doc), Vec::<String>::new());

    // explain lists them on the edge, and only there.
    let out = common::run()
        .args([
            "explain",
            "--prometheus",
            &url,
            "bookinfo/productpage-v1",
            "bookinfo/reviews-v1",
        ])
        .output();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("exemplars: 2 trace id(s)"), "{text}");
    assert!(
        text.contains(REVIEWS_SERVER) && text.contains(REVIEWS_CLIENT),
        "{text}"
    );
    assert!(!text.contains(DETAILS_SERVER), "{text}");
    let out = common::run()
        .args([
            "explain",
            "--prometheus",
            &url,
            "bookinfo/productpage-v1",
            "bookinfo/details-v1",
            "--format",
            "json",
        ])
        .output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let explained: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        explained["edges"][0]["exemplar_trace_ids"],
        serde_json::json!([DETAILS_SERVER]),
        "{explained}"
    );
    assert_eq!(explained["edges"][0]["exemplar_count"], 1, "{explained}");

    // Recorded, then replayed without the server.
    let record = common::run()
        .args(["record", "bundle", "--prometheus", &url, "-n", "bookinfo"])
        .dir(dir.path())
        .output();
    assert!(
        record.status.success(),
        "{}",
        String::from_utf8_lossy(&record.stderr)
    );
    let manifest_path = dir.path().join("bundle/manifest.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let entries = manifest["prometheus"].as_array().unwrap();
    let exemplar_entries: Vec<&Value> = entries
        .iter()
        .filter(|e| e["family"] == "request_duration_exemplars")
        .collect();
    assert_eq!(exemplar_entries.len(), 1, "{manifest}");
    assert!(
        exemplar_entries[0]["query"]
            .as_str()
            .unwrap()
            .contains("source_workload_namespace=~\"bookinfo\""),
        "the exemplar query honours -n: {manifest}"
    );
    drop(prometheus);
    let (replayed, stderr) = snapshot(&["--replay", "bundle"], dir.path());
    assert_exemplars_on_their_edges(&replayed, "replay");
    assert!(!stderr.contains("warning"), "{stderr}");

    // A bundle from before exemplars: the same graph without them, quietly.
    manifest["prometheus"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["family"] != "request_duration_exemplars");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let (old, stderr) = snapshot(&["--replay", "bundle"], dir.path());
    assert!(!stderr.contains("warning"), "{stderr}");
    let old_edges = edges(&old);
    assert_eq!(old_edges.len(), 2);
    for (_, _, exemplars, count) in &old_edges {
        assert!(exemplars.is_empty() && count.is_none(), "{old_edges:?}");
    }
    for edge in old["edges"].as_array().unwrap() {
        assert!(edge.get("exemplar_trace_ids").is_none(), "{edge}");
    }
}

/// A stand-in in front of a real Prometheus: queries go through, the
/// exemplar endpoint answers `exemplars`.
fn proxy(prometheus_port: u16, exemplars: Reply) -> StandIn {
    StandIn::route(move |request, _| {
        if request.path == "/api/v1/query_exemplars" {
            return exemplars.clone();
        }
        let (status, body) = http_request(
            prometheus_port,
            &request.method,
            &request.target,
            request.header("content-type"),
            &request.body,
        )
        .expect("the real Prometheus answers");
        Reply::status(status, body)
    })
}

#[test]
fn without_exemplar_storage_or_with_a_bad_answer_the_graph_is_the_same() {
    let mesh = mesh();
    // Prometheus without the feature flag: exemplars are not kept.
    let prometheus = PrometheusServer::start_scraping(&target(&mesh), &[]);
    wait_for_rates(&prometheus);
    let (status, body) = prometheus.get(&format!(
        "/api/v1/query_exemplars?query=istio_request_duration_milliseconds_bucket&start={}&end={}",
        now() - 600.0,
        now() + 60.0
    ));
    assert_eq!(status, 200, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let no_exemplars = |doc: &Value, context: &str| {
        let edges = edges(doc);
        let ends: BTreeSet<(String, String)> = edges
            .iter()
            .map(|(s, t, ..)| (s.clone(), t.clone()))
            .collect();
        assert_eq!(
            ends,
            BTreeSet::from([
                (PRODUCTPAGE.to_string(), DETAILS.to_string()),
                (PRODUCTPAGE.to_string(), REVIEWS.to_string())
            ]),
            "{context}"
        );
        for edge in doc["edges"].as_array().unwrap() {
            assert!(
                edge.get("exemplar_trace_ids").is_none() && edge.get("exemplar_count").is_none(),
                "{context}: {edge}"
            );
        }
    };

    let (doc, stderr) = snapshot(&["--prometheus", &prometheus.url()], dir.path());
    no_exemplars(&doc, "no exemplar storage");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(!stderr.contains("exemplar"), "{stderr}");

    // An older server without the endpoint: 404, quietly.
    let old = proxy(prometheus.port(), Reply::not_found());
    let (doc, stderr) = snapshot(&["--prometheus", &old.url()], dir.path());
    no_exemplars(&doc, "404");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(old.requests_to("/api/v1/query_exemplars").len(), 1);

    // A malformed exemplar answer: one warning naming it, the graph drawn.
    let broken = proxy(
        prometheus.port(),
        Reply::ok(r#"{"status":"success","data":{"seriesLabels":"#),
    );
    let (doc, stderr) = snapshot(&["--prometheus", &broken.url()], dir.path());
    no_exemplars(&doc, "malformed");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(&format!("{}/api/v1/query_exemplars", broken.url()))
            && warnings[0].contains("without exemplars"),
        "{stderr}"
    );
}
