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

use std::borrow::Cow;
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
/// For a part of a family (`part`, see [`RenderedQuery::part`]), the
/// recorded series of that part.
pub fn render_recorded(metric: Metric, options: &RenderOptions<'_>, part: Option<&str>) -> String {
    let name = recorded_name(metric);
    let part = part.unwrap_or("");
    if options.namespaces.is_empty() {
        return match part {
            "" => name,
            part => format!("{name}{{{part}}}"),
        };
    }
    namespace_sides(options.namespaces, part, |selector| {
        format!("{name}{{{selector}}}")
    })
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
    /// For one part of a family asked for in parts ([`LATENCY_PARTS`]), the
    /// matcher that selects the part (`le=~"..."`); `None` for a whole family.
    pub part: Option<String>,
    pub query: String,
}

/// The latency family's bounds, in the parts its built-in query is sent in.
/// Prometheus evaluates one query on one core, and the latency buckets are
/// most of the server's work (about twenty series per histogram), so they
/// are asked for in parts that the server evaluates side by side: each part
/// selects some `le` values, and the last one every `le` the others do not
/// select. The parts are disjoint and together the whole family, whatever
/// the bounds; these lists only decide how evenly Istio's default bounds
/// spread. A bound matches written as here or with `.0` appended (Prometheus
/// 3 writes `le="1.0"` where Envoy exposed `le="1"`).
pub const LATENCY_PARTS: [&[&str]; 3] = [
    &["0.5", "1", "5", "10", "25"],
    &["50", "100", "250", "500", "1000"],
    &["2500", "5000", "10000", "30000", "60000"],
];

/// How many queries the latency family's built-in query becomes: one per
/// list of [`LATENCY_PARTS`] and one for every other bound.
pub const LATENCY_PART_COUNT: usize = LATENCY_PARTS.len() + 1;

/// The part of the latency family a bucket with this `le` (as the server
/// wrote it) is in, `0..LATENCY_PART_COUNT`: what [`latency_part_matchers`]
/// select, decided in Rust.
pub fn latency_part(le: &str) -> usize {
    let written_as =
        |bound: &str| le == bound || (!bound.contains('.') && le.strip_suffix(".0") == Some(bound));
    LATENCY_PARTS
        .iter()
        .position(|bounds| bounds.iter().any(|b| written_as(b)))
        .unwrap_or(LATENCY_PARTS.len())
}

/// The label matchers selecting each part of the latency family, in order:
/// `le=~"..."` for each list of [`LATENCY_PARTS`], then `le!~"..."` of all
/// of them for the rest.
pub fn latency_part_matchers() -> Vec<String> {
    let alternation = |bounds: &[&str]| {
        bounds
            .iter()
            .map(|b| {
                let escaped = regex_escape(b);
                if b.contains('.') {
                    escaped
                } else {
                    format!(r"{escaped}(\.0)?")
                }
            })
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut matchers: Vec<String> = LATENCY_PARTS
        .iter()
        .map(|bounds| format!("le=~{}", promql_string(&alternation(bounds))))
        .collect();
    let all: Vec<&str> = LATENCY_PARTS
        .iter()
        .flat_map(|b| b.iter().copied())
        .collect();
    matchers.push(format!("le!~{}", promql_string(&alternation(&all))));
    matchers
}

/// What a rendering depends on.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    pub namespaces: &'a [String],
    pub window: Duration,
    pub ztunnel_label: &'a str,
}

/// Renders every family's query, whole, reading overrides from `queries_dir`
/// when given (a family without a file there keeps its built-in template).
pub fn render_all(
    queries_dir: Option<&Path>,
    options: &RenderOptions<'_>,
) -> Result<Vec<RenderedQuery>, CollectError> {
    render_families(queries_dir, options, false)
}

/// The queries a run sends: [`render_all`], but with the latency family's
/// built-in query in its [`LATENCY_PART_COUNT`] parts, one after the other
/// where the whole query would be. A template from `queries_dir` is sent
/// whole: meshgraph cannot know where its selectors are.
pub fn render_sent(
    queries_dir: Option<&Path>,
    options: &RenderOptions<'_>,
) -> Result<Vec<RenderedQuery>, CollectError> {
    render_families(queries_dir, options, true)
}

fn render_families(
    queries_dir: Option<&Path>,
    options: &RenderOptions<'_>,
    in_parts: bool,
) -> Result<Vec<RenderedQuery>, CollectError> {
    let mut rendered = Vec::with_capacity(Metric::ALL.len() + LATENCY_PART_COUNT);
    for metric in Metric::ALL {
        let (template, origin) = template(queries_dir, metric)?;
        let built_in = matches!(template, Cow::Borrowed(_));
        let parts = if in_parts && built_in && metric == Metric::RequestDurationBucket {
            latency_part_matchers().into_iter().map(Some).collect()
        } else {
            vec![None]
        };
        for part in parts {
            let query = render_part(&template, options, part.as_deref().unwrap_or("")).map_err(
                |reason| CollectError::Query {
                    file: origin.clone(),
                    reason,
                },
            )?;
            rendered.push(RenderedQuery {
                metric,
                part,
                query,
            });
        }
    }
    Ok(rendered)
}

/// A family's template, built in or from `queries_dir`, and where it came
/// from (for messages).
fn template(
    queries_dir: Option<&Path>,
    metric: Metric,
) -> Result<(Cow<'static, str>, String), CollectError> {
    let built_in = || {
        Ok((
            Cow::Borrowed(built_in(metric)),
            format!("built-in {}", file_name(metric)),
        ))
    };
    let Some(dir) = queries_dir else {
        return built_in();
    };
    let path = dir.join(file_name(metric));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((Cow::Owned(text), path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => built_in(),
        Err(e) => Err(CollectError::Query {
            file: path.display().to_string(),
            reason: format!("cannot read it: {e}"),
        }),
    }
}

/// Renders one template. The error is a reason, without the file name.
pub fn render(template: &str, options: &RenderOptions<'_>) -> Result<String, String> {
    render_part(template, options, "")
}

/// Renders one template with `part` (label matchers, may be empty) added to
/// every selector meshgraph fills in.
fn render_part(template: &str, options: &RenderOptions<'_>, part: &str) -> Result<String, String> {
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
        return Ok(substitute_selector(&body, part));
    }
    Ok(namespace_sides(options.namespaces, part, |selector| {
        substitute_selector(&body, selector)
    }))
}

/// The query selecting `namespaces`: `query(selector)` once per namespace
/// label, each in parentheses, joined with `or`; `part` is added to each
/// selector.
fn namespace_sides(namespaces: &[String], part: &str, query: impl Fn(&str) -> String) -> String {
    let regex = promql_string(&namespace_regex(namespaces));
    NAMESPACE_LABELS
        .iter()
        .map(|label| {
            let selector = match part {
                "" => format!("{label}=~{regex}"),
                part => format!("{label}=~{regex}, {part}"),
            };
            format!("({})", query(&selector))
        })
        .collect::<Vec<_>>()
        .join(" or ")
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

    /// Istio's default bounds as Envoy writes them and as Prometheus 3
    /// normalises them, and bounds of other layouts.
    const BOUNDS: [&str; 20] = [
        "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
        "30000", "60000", "300000", "600000", "1.8e+06", "3.6e+06", "+Inf",
    ];

    #[test]
    fn the_latency_parts_split_every_bound_once_and_istios_evenly() {
        let others = [
            "1.0", "25.0", "60000.0", "0.5.0", "2", "1e+03", "", "10 ", "+inf",
        ];
        let texts = latency_part_matchers();
        // le=~"..." for every part but the last, le!~"..." for the last.
        let matchers: Vec<regex::Regex> = texts
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let operator = if i + 1 == texts.len() { "le!~" } else { "le=~" };
                let literal = m.strip_prefix(operator).expect(operator);
                // The PromQL string unescaped; PromQL anchors its regexes.
                let pattern = literal.trim_matches('"').replace(r"\\", r"\");
                regex::Regex::new(&format!("^(?:{pattern})$")).unwrap()
            })
            .collect();
        assert_eq!(matchers.len(), LATENCY_PART_COUNT);
        let mut per_part = [0; LATENCY_PART_COUNT];
        for le in BOUNDS.iter().chain(&others) {
            let part = latency_part(le);
            // What PromQL would select: the first parts by their regexes,
            // the last by not matching the alternation of all of them.
            let selected: Vec<usize> = (0..LATENCY_PART_COUNT)
                .filter(|&i| {
                    let matched = matchers[i].is_match(le);
                    if i + 1 == LATENCY_PART_COUNT {
                        !matched
                    } else {
                        matched
                    }
                })
                .collect();
            assert_eq!(selected, vec![part], "{le:?}");
            if BOUNDS.contains(le) {
                per_part[part] += 1;
            }
        }
        assert_eq!(per_part, [5; LATENCY_PART_COUNT]);
        // Prometheus 3's spelling of a bound is in the same part as Envoy's.
        for (envoy, normalised) in [("1", "1.0"), ("25", "25.0"), ("60000", "60000.0")] {
            assert_eq!(latency_part(envoy), latency_part(normalised));
        }
        assert_eq!(latency_part("0.5.0"), LATENCY_PART_COUNT - 1);
    }

    #[test]
    fn the_latency_family_is_sent_in_parts_unless_its_template_is_the_users() {
        let namespaces = vec!["bookinfo".to_string()];
        let sent = render_sent(None, &options(&namespaces)).unwrap();
        let whole = render_all(None, &options(&namespaces)).unwrap();
        assert_eq!(whole.len(), Metric::ALL.len());
        assert_eq!(sent.len(), Metric::ALL.len() - 1 + LATENCY_PART_COUNT);
        let parts: Vec<&RenderedQuery> = sent
            .iter()
            .filter(|q| q.metric == Metric::RequestDurationBucket)
            .collect();
        let matchers = latency_part_matchers();
        for (query, matcher) in parts.iter().zip(&matchers) {
            assert_eq!(query.part.as_ref(), Some(matcher));
            // The part is added to each namespace side's selector, and that
            // is the only difference from the whole query.
            assert_eq!(query.query.matches(matcher.as_str()).count(), 3);
            let whole_bucket = &whole[1];
            assert_eq!(whole_bucket.metric, Metric::RequestDurationBucket);
            assert_eq!(
                &query.query.replace(&format!(", {matcher}"), ""),
                &whole_bucket.query
            );
        }
        assert!(
            sent.iter()
                .filter(|q| q.metric != Metric::RequestDurationBucket)
                .all(|q| q.part.is_none())
        );
        // Without a selection the part is the whole selector.
        let all = render_sent(None, &options(&[])).unwrap();
        assert!(all[1].query.contains(&format!(
            "istio_request_duration_milliseconds_bucket{{{}}}",
            matchers[0]
        )));
        // A template from --queries-dir is sent whole.
        let dir = tempfile::tempdir().unwrap();
        let bucket = Metric::RequestDurationBucket;
        std::fs::write(dir.path().join(file_name(bucket)), built_in(bucket)).unwrap();
        let users = render_sent(Some(dir.path()), &options(&namespaces)).unwrap();
        assert_eq!(users, whole);
        // Recorded series are read in the same parts.
        assert_eq!(
            render_recorded(bucket, &options(&[]), Some(&matchers[3])),
            format!(
                "meshgraph:istio_request_duration_milliseconds_bucket:rate5m{{{}}}",
                matchers[3]
            )
        );
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
