//! End to end against a real Prometheus (issue 14): the generated mesh's raw
//! series are backfilled with `promtool` into a Prometheus the benchmark
//! starts itself, then meshgraph's queries (ten families, the latency
//! buckets in four parts) and a Kiali-style
//! per-namespace query set are run against the same server, one after the
//! other, each timed, with the server's CPU time read from `/proc`.
//!
//! The Kiali-style set follows what Kiali documents for a namespace graph:
//! for every namespace, request rates and TCP byte rates into the namespace
//! (as the destination proxies report them) and out of it (as the source
//! proxies report them), grouped by both ends' workload, app and version,
//! the service and the response code; and for the latency shown on edges, a
//! 95th percentile per edge from the duration histogram, in and out. That is
//! six rate queries and two `histogram_quantile` queries per namespace. The
//! PromQL below is written here from that description, not copied.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use meshgraph_model::Observation;
use meshgraph_prometheus::testing::{
    PrometheusServer, RateSeries, http_request, openmetrics_from_rates, openmetrics_gauges,
};
use meshgraph_scenario::Scenario;

/// Queries of one set in flight at once, for both sets (meshgraph's default).
pub const CONCURRENCY: usize = meshgraph_prometheus::CONCURRENCY;

/// What one end-to-end run measured.
#[derive(Debug, Clone)]
pub struct ServerRun {
    pub raw_series: usize,
    /// meshgraph: time waiting on the server (overlapping requests once).
    pub mg_server: Duration,
    /// meshgraph: collect, reconcile, build_graph and to_json.
    pub mg_wall: Duration,
    pub mg_series: usize,
    /// Prometheus CPU (user + system) while meshgraph's queries ran.
    pub mg_cpu: Duration,
    pub kiali_queries: usize,
    /// Wall time of the Kiali-style rate queries, then of the p95 ones.
    pub kiali_rates: Duration,
    pub kiali_p95: Duration,
    pub kiali_series: usize,
    pub kiali_cpu: Duration,
    pub graph_edges: usize,
    /// meshgraph again, reading the series of docs/recording-rules.yaml
    /// (backfilled next to the raw ones as the rules would have written
    /// them): time on the server, wall, Prometheus CPU.
    pub rules_server: Duration,
    pub rules_wall: Duration,
    pub rules_cpu: Duration,
}

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`; 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU time of a process, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("/proc/{pid}/stat: no command name"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let ticks: u64 = fields
        .get(11..13)
        .ok_or_else(|| anyhow!("/proc/{pid}/stat: too few fields"))?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    Ok(Duration::from_secs_f64(ticks as f64 / TICKS_PER_SECOND))
}

/// This process's peak resident set (`VmHWM`), in bytes.
pub fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The end of the backfilled data; snapshots are taken a minute before it.
const END: i64 = 1_764_547_200;
const WINDOW: Duration = Duration::from_secs(300);

/// What the Kiali-style queries group by: both ends' workload, app and
/// version, and the service.
const ENDS: &str = "source_workload_namespace, source_workload, source_app, source_version, \
                    destination_service_namespace, destination_service_name, \
                    destination_workload_namespace, destination_workload, destination_app, destination_version";

fn kiali_queries(namespaces: &[String]) -> Vec<String> {
    let ends = ENDS;
    let mut queries = Vec::new();
    for ns in namespaces {
        let into = format!(r#"reporter="destination",destination_workload_namespace="{ns}""#);
        let out = format!(r#"reporter="source",source_workload_namespace="{ns}""#);
        for side in [&into, &out] {
            queries.push(format!(
                "sum by ({ends}, request_protocol, response_code, grpc_response_status, response_flags) \
                 (rate(istio_requests_total{{{side}}}[5m])) > 0"
            ));
            for family in [
                "istio_tcp_sent_bytes_total",
                "istio_tcp_received_bytes_total",
            ] {
                queries.push(format!(
                    "sum by ({ends}, response_flags) (rate({family}{{{side}}}[5m])) > 0"
                ));
            }
        }
    }
    queries
}

fn kiali_p95_queries(namespaces: &[String]) -> Vec<String> {
    let ends = ENDS;
    let mut queries = Vec::new();
    for ns in namespaces {
        for side in [
            format!(r#"reporter="destination",destination_workload_namespace="{ns}""#),
            format!(r#"reporter="source",source_workload_namespace="{ns}""#),
        ] {
            queries.push(format!(
                "histogram_quantile(0.95, sum by (le, {ends}) \
                 (rate(istio_request_duration_milliseconds_bucket{{{side}}}[5m]))) > 0"
            ));
        }
    }
    queries
}

/// Runs `queries` against the server, [`CONCURRENCY`] at a time; returns the
/// wall time of the whole set and the number of series in the answers.
fn run_set(port: u16, queries: &[String], at: i64) -> Result<(Duration, usize)> {
    let next = Mutex::new(0usize);
    let series = Mutex::new(0usize);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut next = next.lock().expect("not poisoned");
                        let i = *next;
                        *next += 1;
                        i
                    };
                    let Some(query) = queries.get(i) else { break };
                    let form = format!("query={}&time={at}", encode(query));
                    let result = http_request(
                        port,
                        "POST",
                        "/api/v1/query",
                        Some("application/x-www-form-urlencoded"),
                        form.as_bytes(),
                    );
                    match result {
                        Ok((200, body)) => {
                            let value: serde_json::Value = match serde_json::from_slice(&body) {
                                Ok(v) => v,
                                Err(e) => {
                                    *failure.lock().expect("not poisoned") = Some(e.into());
                                    break;
                                }
                            };
                            let n = value["data"]["result"].as_array().map_or(0, Vec::len);
                            *series.lock().expect("not poisoned") += n;
                        }
                        Ok((status, body)) => {
                            *failure.lock().expect("not poisoned") = Some(anyhow!(
                                "{query}: HTTP {status}: {}",
                                String::from_utf8_lossy(&body)
                            ));
                            break;
                        }
                        Err(e) => {
                            *failure.lock().expect("not poisoned") = Some(e.into());
                            break;
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    if let Some(e) = failure.into_inner().expect("not poisoned") {
        return Err(e);
    }
    Ok((elapsed, series.into_inner().expect("not poisoned")))
}

/// Form encoding of a query string.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A new Prometheus holding the scenario's raw series, ten minutes of them,
/// and beside them what docs/recording-rules.yaml's rules would have
/// recorded; with the time snapshots are taken at.
pub fn backfill(scenario: &Scenario) -> Result<(PrometheusServer, usize, i64)> {
    let raw: Vec<Observation> = scenario.telemetry();
    let series: Vec<RateSeries> = raw
        .iter()
        .map(|o| {
            let labels = o
                .labels()
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect();
            (o.metric.series_name().to_string(), labels, o.value)
        })
        .collect();
    let raw_series = series.len();
    drop(raw);
    // Ten minutes of samples every 30 s: enough for a 5-minute rate a minute
    // before the end.
    let mut text = openmetrics_from_rates(&series, END, 600, 30);
    // What docs/recording-rules.yaml's rules would have recorded over the
    // same ten minutes: each family's rates summed by its query's labels.
    let recorded = recorded_series(&series)?;
    drop(series);
    text.truncate(text.len() - "# EOF\n".len());
    text.push_str(&openmetrics_gauges(&recorded, END, 600, 30));
    drop(recorded);
    let server = PrometheusServer::start(&text);
    Ok((server, raw_series, END - 60))
}

/// Backfills the scenario's series into a new Prometheus and measures both
/// query sets against it.
pub fn run(scenario: &Scenario) -> Result<ServerRun> {
    let (server, raw_series, at) = backfill(scenario)?;
    let namespaces: Vec<String> = scenario.namespaces.iter().map(|n| n.name.clone()).collect();

    // Warm the server's caches the same way for both sets: one untimed run
    // of a cheap query touching every family.
    run_set(
        server.port(),
        &["count({__name__=~\"istio_.*\"})".to_string()],
        at,
    )?;

    let cpu_before = cpu_time(server.pid())?;
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let config = meshgraph_prometheus::PrometheusConfig::new(server.url());
    let meta = meshgraph_export::SnapshotMeta {
        at,
        window_seconds: WINDOW.as_secs(),
        source: server.url(),
        warnings: Vec::new(),
        empty: false,
    };
    let snapshot = |recordings: bool| -> Result<(
        meshgraph_prometheus::Collected,
        meshgraph_core::MeshGraph,
        String,
    )> {
        let mut plan = meshgraph_prometheus::QueryPlan::new(at as f64, WINDOW);
        plan.recordings = recordings;
        let collected = runtime
            .block_on(meshgraph_prometheus::collect(&config, &plan, None))
            .map_err(|e| anyhow!("{e}"))?;
        let rec = meshgraph_core::reconcile(
            &collected.data.observations,
            &meshgraph_core::ClassifyOptions::default(),
        );
        let graph = meshgraph_core::build_graph(&rec, &meshgraph_core::GraphOptions::default());
        let json = meshgraph_export::to_json(&graph, &meta)?;
        Ok((collected, graph, json))
    };
    let (collected, graph, computed_json) = snapshot(false)?;
    let mg_wall = started.elapsed();
    let mg_cpu = cpu_time(server.pid())?.saturating_sub(cpu_before);
    if graph.graph.edge_count() == 0 {
        bail!("{}: the graph from Prometheus has no edges", scenario.name);
    }
    let cpu_before = cpu_time(server.pid())?;
    let started = Instant::now();
    let (from_rules, _, rules_json) = snapshot(true)?;
    let rules_wall = started.elapsed();
    let rules_cpu = cpu_time(server.pid())?.saturating_sub(cpu_before);
    if from_rules.data.stats.recorded != meshgraph_model::Metric::ALL.len() {
        bail!(
            "{}: {} of the families were read from the recorded series",
            scenario.name,
            from_rules.data.stats.recorded
        );
    }
    // The same graph, up to the last bits of sums added in another order.
    let same = same_within(
        &serde_json::from_str(&rules_json)?,
        &serde_json::from_str(&computed_json)?,
    );
    if !same {
        let dir = std::env::temp_dir();
        let (a, b) = (
            dir.join(format!("{}-computed.json", scenario.name)),
            dir.join(format!("{}-recorded.json", scenario.name)),
        );
        std::fs::write(&a, &computed_json)?;
        std::fs::write(&b, &rules_json)?;
        bail!(
            "{}: the recorded series give another graph than the computed sums ({} against {})",
            scenario.name,
            b.display(),
            a.display()
        );
    }

    let rates = kiali_queries(&namespaces);
    let p95 = kiali_p95_queries(&namespaces);
    let cpu_before = cpu_time(server.pid())?;
    let (kiali_rates, rate_series) = run_set(server.port(), &rates, at)?;
    let (kiali_p95, p95_series) = run_set(server.port(), &p95, at)?;
    let kiali_cpu = cpu_time(server.pid())?.saturating_sub(cpu_before);

    Ok(ServerRun {
        raw_series,
        mg_server: collected.data.stats.server_time,
        mg_wall,
        mg_series: collected.data.stats.series,
        mg_cpu,
        kiali_queries: rates.len() + p95.len(),
        kiali_rates,
        kiali_p95,
        kiali_series: rate_series + p95_series,
        kiali_cpu,
        graph_edges: graph.graph.edge_count(),
        rules_server: from_rules.data.stats.server_time,
        rules_wall,
        rules_cpu,
    })
}

/// Relative tolerance for numbers summed in another order.
const SUMS: f64 = 1e-9;
/// Relative tolerance for latency quantiles. A quantile interpolates inside
/// its bucket by (rank - count below) / (count in the bucket), which
/// magnifies last-bit differences of the sums when the rank falls at a
/// bucket's edge: at 3,000 workloads two p50s landed on a bound, one way at
/// 5.0 and the other at 4.9999999927 (1.5e-9 apart).
const QUANTILES: f64 = 1e-6;

/// Whether two JSON documents are the same up to a relative [`SUMS`] in
/// numbers ([`QUANTILES`] in `latency_p*` fields).
fn same_within(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    same_to(a, b, SUMS)
}

fn same_to(a: &serde_json::Value, b: &serde_json::Value, tolerance: f64) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= tolerance * x.abs().max(y.abs()).max(1e-12),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_to(x, y, tolerance))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    let tolerance = if k.starts_with("latency_p") {
                        QUANTILES
                    } else {
                        tolerance
                    };
                    y.get(k).is_some_and(|w| same_to(v, w, tolerance))
                })
        }
        _ => a == b,
    }
}

/// The series `docs/recording-rules.yaml` records from `raw`: per family,
/// the raw rates summed by the labels its built-in query keeps.
fn recorded_series(raw: &[RateSeries]) -> Result<Vec<RateSeries>> {
    let mut out: Vec<RateSeries> = Vec::new();
    for metric in meshgraph_model::Metric::ALL {
        let kept = crate::answer::kept_labels(metric)?;
        let name = metric.series_name();
        let mut index: std::collections::HashMap<Vec<(String, String)>, usize> =
            std::collections::HashMap::new();
        let first = out.len();
        for (_, labels, rate) in raw.iter().filter(|(n, _, _)| n == name) {
            let mut key: Vec<(String, String)> = labels
                .iter()
                .filter(|(k, _)| kept.contains(k))
                .cloned()
                .collect();
            key.sort();
            match index.get(&key) {
                Some(&i) => out[first + i].2 += rate,
                None => {
                    index.insert(key.clone(), out.len() - first);
                    out.push((
                        meshgraph_prometheus::queries::recorded_name(metric),
                        key,
                        *rate,
                    ));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::same_within;
    use serde_json::json;

    #[test]
    fn sums_must_agree_closely_and_quantiles_at_a_bucket_edge_less_so() {
        let edge = |rps: f64, p50: f64| json!({"edges": [{"rps": rps, "latency_p50_ms": p50}]});
        assert!(same_within(
            &edge(3.0, 5.0),
            &edge(3.0 + 3e-10, 4.9999999927469805)
        ));
        assert!(!same_within(&edge(3.0, 5.0), &edge(3.0 + 3e-8, 5.0)));
        assert!(!same_within(&edge(3.0, 5.0), &edge(3.0, 5.001)));
        assert!(!same_within(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }
}
