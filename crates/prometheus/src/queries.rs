//! The PromQL templates (`queries/*.promql`) and how they are rendered.
//!
//! Each family has one template, compiled in with `include_str!` and
//! overridable from `--queries-dir` (same file names). A template is one
//! instant-vector expression with three placeholders:
//!
//! - `__SELECTOR__`: label matchers chosen by meshgraph (may be empty);
//! - `__WINDOW__`: the rate window as a PromQL duration (`300s`);
//! - `__ZTUNNEL_LABEL__`: the scrape label that marks ztunnel series.
//!
//! With namespaces selected, the template is rendered three times, selecting on
//! `source_workload_namespace`, `destination_workload_namespace` and
//! `destination_service_namespace`, and the three are joined with `or`. All
//! three namespace labels are kept in the `by` list, so a label set found by
//! more than one side has the same value on each and `or` keeps it once. That
//! way traffic entering the selected namespaces from outside is kept, and a run
//! makes one query per family however many namespaces are selected.

use std::path::Path;
use std::time::Duration;

use meshgraph_model::Metric;

use crate::CollectError;

/// The built-in templates, one per [`Metric`], in [`Metric::ALL`] order.
const BUILT_IN: [(Metric, &str); 10] = [
    (
        Metric::Requests,
        include_str!("../../../queries/requests.promql"),
    ),
    (
        Metric::RequestDurationBucket,
        include_str!("../../../queries/request_duration_bucket.promql"),
    ),
    (
        Metric::RequestBytesSum,
        include_str!("../../../queries/request_bytes_sum.promql"),
    ),
    (
        Metric::ResponseBytesSum,
        include_str!("../../../queries/response_bytes_sum.promql"),
    ),
    (
        Metric::RequestMessages,
        include_str!("../../../queries/request_messages.promql"),
    ),
    (
        Metric::ResponseMessages,
        include_str!("../../../queries/response_messages.promql"),
    ),
    (
        Metric::TcpSentBytes,
        include_str!("../../../queries/tcp_sent_bytes.promql"),
    ),
    (
        Metric::TcpReceivedBytes,
        include_str!("../../../queries/tcp_received_bytes.promql"),
    ),
    (
        Metric::TcpConnectionsOpened,
        include_str!("../../../queries/tcp_connections_opened.promql"),
    ),
    (
        Metric::TcpConnectionsClosed,
        include_str!("../../../queries/tcp_connections_closed.promql"),
    ),
];

/// The namespace labels a selection matches on (see the module doc).
pub const NAMESPACE_LABELS: [&str; 3] = [
    "source_workload_namespace",
    "destination_workload_namespace",
    "destination_service_namespace",
];

/// The series a family's recording rule in `docs/recording-rules.yaml`
/// records: `meshgraph:istio_requests_total:rate5m`.
pub fn recorded_name(metric: Metric) -> String {
    format!("meshgraph:{}:rate5m", metric.series_name())
}

/// The window and ztunnel label the recording rules were written for.
pub const RECORDED_WINDOW: Duration = Duration::from_secs(300);
pub const RECORDED_ZTUNNEL_LABEL: &str = "app";

/// Asks which families' recorded series the server holds at a time: one
/// series per recorded name, found through the name index (cheap).
pub const RECORDED_PROBE: &str = r#"group by (__name__) ({__name__=~"meshgraph:istio_.+:rate5m"})"#;

/// Whether recorded series give what the built-in queries of `options`
/// ask for: the rules sum exactly as the built-in templates do (a test
/// keeps the file in step), over a 5-minute window, with the default
/// ztunnel label. Templates of a `--queries-dir` may ask for anything.
pub fn recordings_apply(queries_dir: Option<&Path>, options: &RenderOptions<'_>) -> bool {
    queries_dir.is_none()
        && options.window == RECORDED_WINDOW
        && options.ztunnel_label == RECORDED_ZTUNNEL_LABEL
}

/// The query reading a family's recorded series instead of computing the
/// sum: the same series, with the same namespace selection as [`render`].
pub fn render_recorded(metric: Metric, options: &RenderOptions<'_>) -> String {
    let name = recorded_name(metric);
    if options.namespaces.is_empty() {
        return name;
    }
    let regex = promql_string(&namespace_regex(options.namespaces));
    NAMESPACE_LABELS
        .iter()
        .map(|label| format!("({name}{{{label}=~{regex}}})"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The file name of a family's template in `queries/` or `--queries-dir`.
pub fn file_name(metric: Metric) -> &'static str {
    match metric {
        Metric::Requests => "requests.promql",
        Metric::RequestDurationBucket => "request_duration_bucket.promql",
        Metric::RequestBytesSum => "request_bytes_sum.promql",
        Metric::ResponseBytesSum => "response_bytes_sum.promql",
        Metric::RequestMessages => "request_messages.promql",
        Metric::ResponseMessages => "response_messages.promql",
        Metric::TcpSentBytes => "tcp_sent_bytes.promql",
        Metric::TcpReceivedBytes => "tcp_received_bytes.promql",
        Metric::TcpConnectionsOpened => "tcp_connections_opened.promql",
        Metric::TcpConnectionsClosed => "tcp_connections_closed.promql",
    }
}

/// The family's name as used in recordings and messages (`requests`,
/// `tcp_sent_bytes`): the template's file name without `.promql`.
pub fn family_name(metric: Metric) -> &'static str {
    file_name(metric).trim_end_matches(".promql")
}

/// The built-in template of a family.
pub fn built_in(metric: Metric) -> &'static str {
    BUILT_IN
        .iter()
        .find(|(m, _)| *m == metric)
        .map(|(_, t)| *t)
        .expect("every metric has a template")
}

/// One rendered query, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedQuery {
    pub metric: Metric,
    pub query: String,
}

/// What a rendering depends on.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    pub namespaces: &'a [String],
    pub window: Duration,
    pub ztunnel_label: &'a str,
}

/// Renders every family's query, reading overrides from `queries_dir` when given
/// (a family without a file there keeps its built-in template).
pub fn render_all(
    queries_dir: Option<&Path>,
    options: &RenderOptions<'_>,
) -> Result<Vec<RenderedQuery>, CollectError> {
    Metric::ALL
        .into_iter()
        .map(|metric| {
            let (template, origin) = match queries_dir {
                Some(dir) => {
                    let path = dir.join(file_name(metric));
                    match std::fs::read_to_string(&path) {
                        Ok(text) => (std::borrow::Cow::Owned(text), path.display().to_string()),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                            built_in(metric).into(),
                            format!("built-in {}", file_name(metric)),
                        ),
                        Err(e) => {
                            return Err(CollectError::Query {
                                file: path.display().to_string(),
                                reason: format!("cannot read it: {e}"),
                            });
                        }
                    }
                }
                None => (
                    built_in(metric).into(),
                    format!("built-in {}", file_name(metric)),
                ),
            };
            let query = render(&template, options).map_err(|reason| CollectError::Query {
                file: origin,
                reason,
            })?;
            Ok(RenderedQuery { metric, query })
        })
        .collect()
}

/// Renders one template. The error is a reason, without the file name.
pub fn render(template: &str, options: &RenderOptions<'_>) -> Result<String, String> {
    if !is_label_name(options.ztunnel_label) {
        return Err(format!(
            "the ztunnel label {:?} is not a Prometheus label name",
            options.ztunnel_label
        ));
    }
    let body = strip_comments(template);
    for placeholder in ["__SELECTOR__", "__WINDOW__"] {
        if !body.contains(placeholder) {
            return Err(format!("the template must contain {placeholder}"));
        }
    }
    if !body.contains("reporter") {
        return Err("the template must keep reporter in its by (...) list".into());
    }
    let body = body
        .replace("__WINDOW__", &promql_duration(options.window)?)
        .replace("__ZTUNNEL_LABEL__", options.ztunnel_label);
    if options.namespaces.is_empty() {
        return Ok(substitute_selector(&body, ""));
    }
    let regex = promql_string(&namespace_regex(options.namespaces));
    let sides: Vec<String> = NAMESPACE_LABELS
        .iter()
        .map(|label| {
            format!(
                "({})",
                substitute_selector(&body, &format!("{label}=~{regex}"))
            )
        })
        .collect();
    Ok(sides.join(" or "))
}

/// Puts `selector` in place of `__SELECTOR__`. An empty selector also removes
/// what would be left dangling: the braces of `{__SELECTOR__}`, or the comma
/// that separates it from another matcher.
fn substitute_selector(body: &str, selector: &str) -> String {
    const P: &str = "__SELECTOR__";
    if !selector.is_empty() {
        return body.replace(P, selector);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(P) {
        let before = rest[..at].trim_end();
        let after = rest[at + P.len()..].trim_start();
        if let (Some(b), Some(a)) = (before.strip_suffix('{'), after.strip_prefix('}')) {
            out.push_str(b);
            rest = a;
        } else if let Some(a) = after.strip_prefix(',') {
            out.push_str(before);
            rest = a.trim_start();
        } else if let Some(b) = before.strip_suffix(',') {
            out.push_str(b);
            rest = after;
        } else {
            out.push_str(&rest[..at]);
            rest = &rest[at + P.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// Drops `#` comment lines and blank lines and joins the rest with spaces.
fn strip_comments(template: &str) -> String {
    template
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A PromQL duration for a window: whole seconds (`300s`) or milliseconds.
pub fn promql_duration(window: Duration) -> Result<String, String> {
    let ms = window.as_millis();
    if ms == 0 {
        return Err("the window must be at least 1ms".into());
    }
    Ok(if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    })
}

/// A fully anchored RE2 alternation matching exactly the given values.
pub fn namespace_regex(namespaces: &[String]) -> String {
    let mut values: Vec<String> = namespaces.iter().map(|n| regex_escape(n)).collect();
    values.sort();
    values.dedup();
    values.join("|")
}

/// Escapes RE2 metacharacters.
pub fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A PromQL double-quoted string literal holding `text`.
pub fn promql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(namespaces: &[String]) -> RenderOptions<'_> {
        RenderOptions {
            namespaces,
            window: Duration::from_secs(300),
            ztunnel_label: "app",
        }
    }

    #[test]
    fn every_metric_has_a_template_file_and_the_files_are_the_built_ins() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".promql"))
            // The range templates (`report --range`) are tested in range.rs.
            .filter(|n| !crate::range::TEMPLATES.iter().any(|(f, _)| f == n))
            .collect();
        on_disk.sort();
        let mut expected: Vec<String> = Metric::ALL
            .iter()
            .map(|m| file_name(*m).to_string())
            .collect();
        expected.sort();
        assert_eq!(
            on_disk, expected,
            "queries/ must hold exactly one file per Metric"
        );
        for metric in Metric::ALL {
            let text = std::fs::read_to_string(dir.join(file_name(metric))).unwrap();
            assert_eq!(text, built_in(metric), "{}", file_name(metric));
            assert!(
                text.contains(metric.series_name()),
                "{} must query {}",
                file_name(metric),
                metric.series_name()
            );
        }
    }

    fn by_labels(query: &str) -> Vec<Vec<String>> {
        fn walk(expr: &promql_parser::parser::Expr, out: &mut Vec<Vec<String>>) {
            use promql_parser::parser::{Expr, LabelModifier};
            match expr {
                Expr::Aggregate(agg) => {
                    match &agg.modifier {
                        Some(LabelModifier::Include(labels)) => out.push(labels.labels.clone()),
                        other => panic!("aggregation without by (...): {other:?}"),
                    }
                    walk(&agg.expr, out);
                }
                Expr::Binary(bin) => {
                    walk(&bin.lhs, out);
                    walk(&bin.rhs, out);
                }
                Expr::Paren(p) => walk(&p.expr, out),
                Expr::Call(call) => call.args.args.iter().for_each(|a| walk(a, out)),
                _ => {}
            }
        }
        let expr = promql_parser::parser::parse(query).unwrap_or_else(|e| panic!("{e}\n{query}"));
        let mut out = Vec::new();
        walk(&expr, &mut out);
        out
    }

    #[test]
    fn rendered_queries_parse_and_keep_reporter_and_the_reconciliation_labels() {
        let selections: [Vec<String>; 3] = [
            vec![],
            vec!["bookinfo".into()],
            vec!["bookinfo".into(), "istio-system".into(), "a.b".into()],
        ];
        for namespaces in &selections {
            for q in render_all(None, &options(namespaces)).unwrap() {
                let lists = by_labels(&q.query);
                let sides = if namespaces.is_empty() { 1 } else { 3 };
                assert_eq!(lists.len(), sides, "{}", q.query);
                for labels in lists {
                    let has = |l: &str| labels.iter().any(|x| x == l);
                    // Edge identity: every family keeps it.
                    for needed in [
                        "reporter",
                        "source_workload",
                        "source_workload_namespace",
                        "source_canonical_service",
                        "source_cluster",
                        "destination_workload",
                        "destination_workload_namespace",
                        "destination_canonical_service",
                        "destination_cluster",
                        "destination_service",
                        "destination_service_name",
                        "destination_service_namespace",
                        "request_protocol",
                        "app",
                    ] {
                        assert!(has(needed), "{:?} lacks {needed}", q.metric);
                    }
                    // Peer details and security: every family but the
                    // latency buckets, which take them from the request
                    // family of the same edge (issue 14).
                    for detail in [
                        "source_principal",
                        "source_app",
                        "source_version",
                        "source_canonical_revision",
                        "destination_principal",
                        "destination_app",
                        "destination_version",
                        "destination_canonical_revision",
                        "connection_security_policy",
                    ] {
                        assert_eq!(
                            has(detail),
                            q.metric != Metric::RequestDurationBucket,
                            "{:?} and {detail}",
                            q.metric
                        );
                    }
                    assert!(!has("pod"), "{:?} keeps pod", q.metric);
                    if q.metric == Metric::RequestDurationBucket {
                        assert!(has("le"));
                    } else {
                        assert!(has("response_flags"), "{:?}", q.metric);
                    }
                    if q.metric == Metric::Requests {
                        assert!(has("response_code") && has("grpc_response_status"));
                    }
                    if q.metric.layer() == meshgraph_model::Layer::L4 {
                        for l in [
                            "source_region",
                            "source_zone",
                            "destination_region",
                            "destination_zone",
                        ] {
                            assert!(has(l), "{:?} lacks {l}", q.metric);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn one_query_per_family_whatever_the_number_of_namespaces() {
        let many: Vec<String> = (0..50).map(|i| format!("ns-{i}")).collect();
        let queries = render_all(None, &options(&many)).unwrap();
        assert_eq!(queries.len(), Metric::ALL.len());
        assert_eq!(queries[0].query.matches(" or ").count(), 2);
        assert!(
            queries[0]
                .query
                .contains(r#"source_workload_namespace=~"ns-0|ns-1|ns-10|"#)
        );
    }

    #[test]
    fn namespace_values_are_escaped_for_the_regex_and_the_string() {
        let nasty = vec![r#"a.b"}) or vector(1) #\"#.to_string()];
        let q = render(built_in(Metric::Requests), &options(&nasty)).unwrap();
        // Still exactly the three intended selectors: nothing was injected.
        assert_eq!(by_labels(&q).len(), 3);
        let expr = promql_parser::parser::parse(&q).unwrap();
        assert!(!format!("{expr}").contains("vector(1)"));
        let simple = render(built_in(Metric::Requests), &options(&["a.b".to_string()])).unwrap();
        assert!(
            simple.contains(r#"source_workload_namespace=~"a\\.b""#),
            "{simple}"
        );
        assert_eq!(promql_string(&regex_escape(r#"x"\"#)), r#""x\"\\\\""#);
    }

    #[test]
    fn templates_are_checked() {
        let opts = options(&[]);
        assert!(
            render("sum(rate(x[__WINDOW__]))", &opts)
                .unwrap_err()
                .contains("__SELECTOR__")
        );
        assert!(
            render("sum(rate(x{__SELECTOR__}[5m]))", &opts)
                .unwrap_err()
                .contains("__WINDOW__")
        );
        assert!(
            render("sum(rate(x{__SELECTOR__}[__WINDOW__]))", &opts)
                .unwrap_err()
                .contains("reporter")
        );
        let bad_label = RenderOptions {
            ztunnel_label: "app) or (",
            ..opts
        };
        assert!(render(built_in(Metric::Requests), &bad_label).is_err());
        let ms = RenderOptions {
            window: Duration::from_millis(1500),
            ..options(&[])
        };
        assert!(
            render(built_in(Metric::Requests), &ms)
                .unwrap()
                .contains("[1500ms]")
        );
    }

    #[test]
    fn queries_dir_overrides_one_family_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requests.promql"),
            "# mine\nsum by (reporter, k8s_app) (rate(istio_requests_total{__SELECTOR__, mesh=\"a\"}[__WINDOW__]))\n",
        )
        .unwrap();
        let queries = render_all(Some(dir.path()), &options(&[])).unwrap();
        assert_eq!(
            queries[0].query,
            "sum by (reporter, k8s_app) (rate(istio_requests_total{mesh=\"a\"}[300s]))"
        );
        assert!(
            queries[1]
                .query
                .contains("istio_request_duration_milliseconds_bucket")
        );
        std::fs::write(dir.path().join("tcp_sent_bytes.promql"), "up").unwrap();
        let err = render_all(Some(dir.path()), &options(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("tcp_sent_bytes.promql") && err.contains("__SELECTOR__"),
            "{err}"
        );
    }
}
