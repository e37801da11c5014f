//! `meshgraph report --range` against a real Prometheus: a day of data in
//! which one edge fails for half an hour at 3 a.m. while its average over the
//! day stays low; the report draws it over the range and its 5xx series
//! peaks at the spike. Bad ranges and inputs without a past are refused
//! with exit 2 before anything is collected.

mod common;

use common::{headless_chromium, meshgraph};
use meshgraph_prometheus::testing::PrometheusServer;
use serde_json::Value;

/// The snapshot's `--at`: 2026-11-26T08:00:00Z.
const AT: i64 = 1_795_680_000;
const DAY: i64 = 86_400;
/// The spike: 03:00 to 03:30 on the morning of `AT`.
const SPIKE_START: i64 = AT - 5 * 3600;
const SPIKE_END: i64 = SPIKE_START + 1800;
/// Scrape interval of the written data.
const SCRAPE: i64 = 30;
/// The data starts an hour before the range.
const DATA_START: i64 = AT - DAY - 3600;
const STEP: i64 = 900;

/// An edge of the test mesh: source and destination (namespace, workload).
struct Edge {
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    /// 200s per second at time `t`.
    ok: fn(i64) -> f64,
    /// 503s per second at time `t`.
    errors: fn(i64) -> f64,
}

fn spike(t: i64) -> f64 {
    if (SPIKE_START..SPIKE_END).contains(&t) {
        4.0
    } else {
        0.05
    }
}

fn steady_low(_: i64) -> f64 {
    0.02
}

fn none(_: i64) -> f64 {
    0.0
}

fn ten(_: i64) -> f64 {
    10.0
}

/// Traffic to the database falls by 90 % two hours before `AT`.
fn db_traffic(t: i64) -> f64 {
    if t < DROP { 5.0 } else { 0.5 }
}

const DROP: i64 = AT - 2 * 3600;

fn edges() -> Vec<Edge> {
    vec![
        Edge {
            from: ("web", "frontend"),
            to: ("shop", "cart"),
            ok: ten,
            errors: spike,
        },
        Edge {
            from: ("web", "frontend"),
            to: ("shop", "catalog"),
            ok: ten,
            errors: steady_low,
        },
        Edge {
            from: ("shop", "cart"),
            to: ("shop", "db"),
            ok: db_traffic,
            errors: none,
        },
    ]
}

/// The counter at `t` of a rate function, integrated per second from
/// [`DATA_START`] (exact for the piecewise-constant rates above).
fn counter(rate: impl Fn(i64) -> f64, t: i64) -> f64 {
    (DATA_START..t).map(&rate).sum()
}

fn labels(edge: &Edge, reporter: &str, code: &str) -> String {
    let ((sns, sw), (dns, dw)) = (edge.from, edge.to);
    let (pod_ns, pod_app) = if reporter == "source" {
        (sns, sw)
    } else {
        (dns, dw)
    };
    format!(
        "reporter=\"{reporter}\",source_workload=\"{sw}\",source_workload_namespace=\"{sns}\",source_principal=\"spiffe://cluster.local/ns/{sns}/sa/{sw}\",source_app=\"{sw}\",source_version=\"v1\",source_canonical_service=\"{sw}\",source_canonical_revision=\"v1\",source_cluster=\"Kubernetes\",\
destination_workload=\"{dw}\",destination_workload_namespace=\"{dns}\",destination_principal=\"spiffe://cluster.local/ns/{dns}/sa/{dw}\",destination_app=\"{dw}\",destination_version=\"v1\",destination_canonical_service=\"{dw}\",destination_canonical_revision=\"v1\",destination_service=\"{dw}.{dns}.svc.cluster.local\",destination_service_name=\"{dw}\",destination_service_namespace=\"{dns}\",destination_cluster=\"Kubernetes\",\
request_protocol=\"http\",response_code=\"{code}\",grpc_response_status=\"\",response_flags=\"-\",connection_security_policy=\"{}\",app=\"{pod_app}\",namespace=\"{pod_ns}\",pod=\"{pod_app}-0\",job=\"kubernetes-pods\"",
        if reporter == "source" {
            "unknown"
        } else {
            "mutual_tls"
        }
    )
}

/// The day as OpenMetrics: every edge reported by both sides (so that a
/// sum over reporters would count each call twice), 200s and 503s.
/// A series' labels and its rate per second at a time.
type Series = (String, Box<dyn Fn(i64) -> f64>);

fn openmetrics() -> String {
    let mut series: Vec<Series> = Vec::new();
    for edge in edges() {
        for reporter in ["source", "destination"] {
            series.push((labels(&edge, reporter, "200"), Box::new(edge.ok)));
            series.push((labels(&edge, reporter, "503"), Box::new(edge.errors)));
        }
    }
    let mut out = String::from("# TYPE istio_requests counter\n");
    let mut values = vec![0.0_f64; series.len()];
    let mut t = DATA_START;
    while t <= AT {
        for (i, (labels, _)) in series.iter().enumerate() {
            out.push_str(&format!(
                "istio_requests_total{{{labels}}} {} {t}\n",
                values[i]
            ));
        }
        for (i, (_, rate)) in series.iter().enumerate() {
            values[i] += (t..t + SCRAPE).map(rate).sum::<f64>();
        }
        t += SCRAPE;
    }
    out.push_str("# EOF\n");
    out
}

fn range_data(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"mg-range\">";
    let start = html.find(open).expect("the page has range data") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

#[test]
fn a_three_am_spike_shows_over_the_range_though_the_day_average_is_low() {
    // The scenario as written: low error share over the day, high at 3 a.m.
    let spike_edge = &edges()[0];
    let day_errors =
        (counter(spike_edge.errors, AT) - counter(spike_edge.errors, AT - DAY)) / DAY as f64;
    let day_share = day_errors / ((spike_edge.ok)(AT) + day_errors);
    assert!(day_share < 0.02, "the day's error share is {day_share}");

    let prometheus = PrometheusServer::start(&openmetrics());
    let dir = tempfile::tempdir().unwrap();
    let url = prometheus.url();
    let at = rfc3339(AT);
    let out = meshgraph(
        &[
            "report",
            "--prometheus",
            &url,
            "--at",
            &at,
            "--range",
            "24h",
            "--step",
            "15m",
            "--range-edges",
            "2",
            "--fail-on",
            "never",
            "-o",
            "report.html",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--range: 2 queries"), "{stderr}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let data = range_data(&html);
    assert_eq!(data["start"].as_f64(), Some((AT - DAY) as f64));
    assert_eq!(data["end"].as_f64(), Some(AT as f64));
    assert_eq!(data["step"].as_f64(), Some(STEP as f64));

    // The two worst edges by error share at --at: cart (0.5 %), then
    // catalog (0.2 %); cart -> db (no errors) is not drawn.
    let rows = data["edges"].as_array().unwrap();
    let ids: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap(), r[1].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [
            ("workload:web/frontend", "workload:shop/cart"),
            ("workload:web/frontend", "workload:shop/catalog")
        ]
    );

    // The expected 5xx series: the rate over each step's window (the step,
    // larger than the default 10m window), from the counters written.
    let points = (DAY / STEP + 1) as usize;
    let expected: Vec<f64> = (0..points as i64)
        .map(|k| {
            let t = AT - DAY + k * STEP;
            (counter(spike_edge.errors, t) - counter(spike_edge.errors, t - STEP)) / STEP as f64
        })
        .collect();
    let max = expected.iter().copied().fold(0.0, f64::max);
    assert!(max > 3.9, "the written spike: {max}");
    let errors = rows[0][3].as_array().unwrap();
    assert_eq!(errors.len(), points);
    for (k, (got, want)) in errors.iter().zip(&expected).enumerate() {
        let got = got
            .as_f64()
            .unwrap_or_else(|| panic!("step {k} has no value"));
        // One reporter only: a sum over both sides would be twice this.
        assert!(
            (got - want).abs() <= 1e-6 * want.max(1.0),
            "step {k} ({}): {got} != {want}",
            rfc3339(AT - DAY + k as i64 * STEP)
        );
    }
    let requests = rows[0][2].as_array().unwrap();
    assert!(
        (requests[0].as_f64().unwrap() - ((spike_edge.ok)(AT - DAY) + expected[0])).abs() < 1e-6,
        "{}",
        requests[0]
    );

    // The Range table names the peak and its time: a step whose window is
    // inside the spike (03:15 or 03:30; the first of equal values).
    let peak_times: Vec<String> = expected
        .iter()
        .enumerate()
        .filter(|(_, v)| (**v - max).abs() <= 1e-6 * max)
        .map(|(k, _)| rfc3339(AT - DAY + k as i64 * STEP))
        .collect();
    assert!(
        peak_times.contains(&rfc3339(SPIKE_START + STEP)),
        "{peak_times:?}"
    );
    let section = &html[html.find("<section class=\"range\"").unwrap()..];
    let row = &section[section.find("data-to=\"workload:shop/cart\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let peak_value = format!("<td class=\"num peak-errors\">{max:.3}</td>");
    assert!(row.contains(&peak_value), "{row}");
    assert!(
        peak_times
            .iter()
            .any(|t| row.contains(&format!("peak-errors-at\">{t}</td>"))),
        "{row} does not name one of {peak_times:?}"
    );

    // The edge panel, opened by a click on the first worst-edge row (the
    // spike's edge), draws both range series. The click is the only script
    // the test adds to the page.
    let clicked = html.replace(
        "</body>",
        "<script>document.querySelector('#worst-edges tr[data-row]').click();</script></body>",
    );
    let page = dir.path().join("clicked.html");
    std::fs::write(&page, clicked).unwrap();
    let dom = headless_chromium(&page, &["--dump-dom"]);
    let panel = &dom[dom.find("id=\"edge-panel\"").expect("the panel")..];
    let panel = &panel[..panel.find("</div>").unwrap_or(panel.len())];
    assert!(
        panel.contains("workload:web/frontend → workload:shop/cart"),
        "{panel}"
    );
    let range = &panel[panel
        .find("class=\"range-series\"")
        .expect("range series in the panel")..];
    assert!(
        range.contains("req/s (last 24h)") && range.contains("5xx/s (last 24h)"),
        "{range}"
    );
    assert_eq!(
        range[..range.find("</table>").unwrap()]
            .matches("<path d=\"M")
            .count(),
        2,
        "{range}"
    );
}

#[test]
fn a_regressed_edge_is_drawn_first_even_without_errors() {
    let prometheus = PrometheusServer::start(&openmetrics());
    let dir = tempfile::tempdir().unwrap();
    let url = prometheus.url();
    // Three runs before the drop (the baseline), one after, then the report:
    // cart -> db's traffic fell by 90 % in the last two runs (rps_drop).
    for hours_before in [20, 16, 12, 1] {
        let at = rfc3339(AT - hours_before * 3600);
        let out = meshgraph(
            &[
                "history",
                "append",
                "history",
                "--prometheus",
                &url,
                "--at",
                &at,
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let at = rfc3339(AT);
    let out = meshgraph(
        &[
            "report",
            "--prometheus",
            &url,
            "--at",
            &at,
            "--history",
            "history",
            "--range",
            "24h",
            "--range-edges",
            "1",
            "--fail-on",
            "never",
            "-o",
            "report.html",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit 1: a regression rule fired.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let data = range_data(&html);
    // The default step: a day / 96 = 15 min.
    assert_eq!(data["step"].as_f64(), Some(900.0));
    let rows = data["edges"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{data}");
    assert_eq!(rows[0][0], "workload:shop/cart");
    assert_eq!(rows[0][1], "workload:shop/db");
    let requests: Vec<f64> = rows[0][2]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (first, last) = (requests[0], requests[requests.len() - 1]);
    assert!((first - db_traffic(AT - DAY)).abs() < 1e-6, "{first}");
    assert!((last - db_traffic(AT)).abs() < 1e-6, "{last}");
}

#[test]
fn a_range_query_the_server_rejects_fails_the_report_naming_the_endpoint() {
    let prometheus = PrometheusServer::start(&openmetrics());
    let dir = tempfile::tempdir().unwrap();
    // A --queries-dir override of one range template that Prometheus
    // refuses; the snapshot's templates stay the built-in ones.
    let queries = dir.path().join("queries");
    std::fs::create_dir(&queries).unwrap();
    std::fs::write(
        queries.join("range_error_rate.promql"),
        "sum by (reporter) (rate(istio_requests_total{__SELECTOR__}[__WINDOW__])) / on() group_left",
    )
    .unwrap();
    let url = prometheus.url();
    let at = rfc3339(AT);
    let out = meshgraph(
        &[
            "report",
            "--prometheus",
            &url,
            "--at",
            &at,
            "--queries-dir",
            "queries",
            "--range",
            "24h",
            "-o",
            "report.html",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{url}/api/v1/query_range"))
            && stderr.contains("rejected the range_error_rate query"),
        "{stderr}"
    );
    assert!(!dir.path().join("report.html").exists());
}

fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(args, dir.path());
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_ranges_and_inputs_without_a_past_exit_2() {
    // Nothing listens on port 9: each is refused before any query.
    let url = "http://127.0.0.1:9";
    let e = refused(&[
        "report",
        "--prometheus",
        url,
        "--range",
        "24h",
        "--step",
        "1s",
    ]);
    assert!(e.contains("86401 points") && e.contains("11000"), "{e}");
    let e = refused(&[
        "report",
        "--prometheus",
        url,
        "--range",
        "1h",
        "--step",
        "2h",
    ]);
    assert!(e.contains("larger than --range"), "{e}");
    let e = refused(&["report", "--prometheus", url, "--step", "15m"]);
    assert!(e.contains("give --range too"), "{e}");
    let e = refused(&["report", "--demo", "--range", "24h"]);
    assert!(e.contains("cannot be used with --demo"), "{e}");
    let e = refused(&["report", "--replay", ".", "--range", "24h"]);
    assert!(e.contains("cannot be used with --replay"), "{e}");
}
