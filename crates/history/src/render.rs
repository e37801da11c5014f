//! The history part of the report: Markdown for a chat channel, JSON, and an
//! HTML section (regressions first, sparklines as inline SVG).

use std::fmt::Write;

use serde::Serialize;

use crate::rules::RuleKind;
use crate::trends::{EdgeTrend, Trends};

/// The version of the JSON document (`docs/schema/history-report.schema.json`).
pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generator: &'a str,
    html: Option<&'a str>,
    regressed: bool,
    #[serde(flatten)]
    trends: &'a Trends,
}

/// The trends as the `--history-json` document.
pub fn to_json(trends: &Trends, generator: &str, html: Option<&str>) -> String {
    let doc = Document {
        schema_version: REPORT_SCHEMA_VERSION,
        generator,
        html,
        regressed: !trends.regressions.is_empty(),
        trends,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// Markdown needs its punctuation escaped in untrusted text (names come
/// from telemetry labels).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '(' | ')' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn date_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

fn latest(values: &[Option<f64>]) -> Option<f64> {
    values.last().copied().flatten()
}

/// The short summary for a chat channel or a ticket.
pub fn to_markdown(trends: &Trends, html: Option<&str>, top: usize) -> String {
    let mut out = String::new();
    let newest = trends.runs.last().map(|r| r.at.as_str()).unwrap_or("-");
    let _ = writeln!(out, "# Mesh health: {}\n", md(newest));
    let n = trends.runs.len();
    let present: Vec<&EdgeTrend> = trends
        .edges
        .iter()
        .filter(|e| {
            latest(&e.rps).is_some()
                || e.protocol.is_some() && e.mtls.last().is_some_and(|m| m.is_some())
        })
        .collect();
    let rps: f64 = trends.edges.iter().filter_map(|e| latest(&e.rps)).sum();
    let errors: f64 = trends
        .edges
        .iter()
        .filter_map(|e| Some(latest(&e.rps)? * latest(&e.error_rate)?))
        .sum();
    let _ = writeln!(
        out,
        "- **{}** regressions over the last {n} runs ({} to {})",
        trends.regressions.len(),
        md(trends.runs.first().map(|r| date_of(&r.at)).unwrap_or("-")),
        md(date_of(newest)),
    );
    let _ = writeln!(
        out,
        "- {} edges, {rps:.2} req/s, {:.2}% failed",
        present.len(),
        if rps > 0.0 { errors / rps * 100.0 } else { 0.0 }
    );
    let _ = writeln!(
        out,
        "- edges: {} appeared, {} vanished, {} changed protocol",
        trends.appeared.len(),
        trends.vanished.len(),
        trends.protocol_changed.len()
    );
    let _ = writeln!(
        out,
        "- findings: {} new, {} still open, {} resolved",
        trends.findings_opened.len(),
        trends.findings_open.len(),
        trends.findings_resolved.len()
    );
    out.push('\n');
    if trends.regressions.is_empty() {
        out.push_str("## Regressions\n\nNone.\n\n");
    } else {
        out.push_str(
            "## Regressions\n\n| since | rule | where | now |\n| --- | --- | --- | --- |\n",
        );
        for r in trends.regressions.iter().take(top) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(date_of(&r.began)),
                r.rule.as_str(),
                md(&r.subject),
                md(&r.summary)
            );
        }
        if trends.regressions.len() > top {
            let _ = writeln!(out, "\n…and {} more.", trends.regressions.len() - top);
        }
        out.push('\n');
    }
    if !trends.findings_opened.is_empty() {
        out.push_str("## New findings\n\n");
        for f in trends.findings_opened.iter().take(top) {
            let _ = writeln!(
                out,
                "- {} {} on {}{}",
                md(f.severity.as_deref().unwrap_or("finding")),
                md(&f.code),
                md(&f.resource),
                f.message
                    .as_deref()
                    .map(|m| format!(": {}", md(m)))
                    .unwrap_or_default()
            );
        }
        out.push('\n');
    }
    if let Some(path) = html {
        let _ = writeln!(out, "Full report: `{}`", path.replace('`', "'"));
    }
    for w in &trends.warnings {
        let _ = writeln!(out, "\n> warning: {}", md(w));
    }
    out
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A sparkline of a series as inline SVG (gaps where a run has no value).
pub fn sparkline(values: &[Option<f64>], class: &str) -> String {
    let style = meshgraph_model::SparkStyle {
        width: 90.0,
        stroke_width: 1.5,
        last_dot: true,
    };
    meshgraph_model::sparkline(values, class, style)
}

fn fmt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".to_string())
}

const SECTION_STYLE: &str = ".history .spark{color:#1565c0;vertical-align:middle}.history tr.regressed .spark{color:#c62828}\
.history .filter{margin:.5em 0}.history td.rule{font-family:monospace}";

/// Filters the history tables by a text in any cell; sorts a table by a
/// clicked header. Self-contained, no network.
const SECTION_SCRIPT: &str = r#"(function(){var f=document.getElementById('history-filter');if(f)f.addEventListener('input',function(){var q=f.value.toLowerCase();document.querySelectorAll('.history table tr[data-row]').forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});
document.querySelectorAll('.history table th[data-sort]').forEach(function(th){th.style.cursor='pointer';th.addEventListener('click',function(){var t=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th),rows=Array.prototype.slice.call(t.querySelectorAll('tr[data-row]'));var num=th.dataset.sort==='num',dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir>0?'asc':'desc';rows.sort(function(a,b){var x=a.children[i].dataset.v||a.children[i].textContent,y=b.children[i].dataset.v||b.children[i].textContent;if(num){x=parseFloat(x);y=parseFloat(y);if(isNaN(x))x=-1;if(isNaN(y))y=-1;return (x-y)*dir;}return x<y?-dir:x>y?dir:0;});rows.forEach(function(r){t.appendChild(r);});});});})();"#;

#[derive(Serialize)]
struct PageHistory<'a> {
    runs: Vec<&'a str>,
    /// What each edge row holds after its two ends.
    columns: [&'static str; 4],
    /// `[SOURCE, TARGET, rps, error_rate, latency_p99_ms, mtls]` per edge:
    /// the node ids of the graph and its edge panel, then a value per run.
    edges: Vec<(&'a str, &'a str, [Vec<serde_json::Value>; 4])>,
}

/// A series for a sparkline: three significant digits (plenty for a line
/// 24 pixels high), whole numbers without a decimal point, `null` where a
/// run has no value. A fraction of the page for a large mesh.
fn drawn(values: &[Option<f64>]) -> Vec<serde_json::Value> {
    values
        .iter()
        .map(|v| {
            let Some(v) = v.filter(|v| v.is_finite()) else {
                return serde_json::Value::Null;
            };
            let v: f64 = format!("{v:.2e}").parse().unwrap_or(v);
            if v.fract() == 0.0 && v.abs() < 1e15 {
                serde_json::Value::from(v as i64)
            } else {
                serde_json::Value::from(v)
            }
        })
        .collect()
}

/// Every edge's series for the report page's edge panel (`#mg-history`),
/// as JSON that is safe inside a `<script>` element: `<`, `>` and `&` (only
/// ever in strings) are `\u` escapes, so no label value can close it.
pub fn series_json(trends: &Trends) -> String {
    let doc = PageHistory {
        runs: trends.runs.iter().map(|r| r.at.as_str()).collect(),
        columns: ["rps", "error_rate", "latency_p99_ms", "mtls"],
        edges: trends
            .edges
            .iter()
            .map(|e| {
                (
                    e.source.as_str(),
                    e.target.as_str(),
                    [
                        drawn(&e.rps),
                        drawn(&e.error_rate),
                        drawn(&e.latency_p99_ms),
                        drawn(&e.mtls),
                    ],
                )
            })
            .collect(),
    };
    let text = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_string());
    meshgraph_model::json_for_script(&text)
}

/// The history section of the report page: regressions first, then every
/// edge with its sparklines, the posture per namespace and the findings.
pub fn to_html_section(trends: &Trends, max_edges: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<section id=\"history\" class=\"history\"><style>{SECTION_STYLE}</style>\n<h2>History: the last {} runs</h2>\n",
        trends.runs.len()
    );
    out.push_str("<div class=\"filter\"><label>Filter <input id=\"history-filter\" type=\"search\" placeholder=\"namespace, edge, rule...\"></label></div>\n");
    out.push_str("<h3>Regressions</h3>\n");
    if trends.regressions.is_empty() {
        out.push_str("<p id=\"regressions\">No regression rule fired.</p>\n");
    } else {
        out.push_str("<table id=\"regressions\"><tr><th data-sort=\"text\">since</th><th data-sort=\"text\">rule</th><th data-sort=\"text\">where</th><th>now</th><th>history</th></tr>\n");
        for r in &trends.regressions {
            let series = trends
                .edges
                .iter()
                .find(|e| format!("{} -> {}", e.source, e.target) == r.subject)
                .map(|e| match r.rule {
                    RuleKind::P99Increase => sparkline(&e.latency_p99_ms, "p99"),
                    RuleKind::ErrorRateIncrease => sparkline(&e.error_rate, "errors"),
                    RuleKind::NewPlaintextEdge => sparkline(&e.mtls, "mtls"),
                    _ => sparkline(&e.rps, "rps"),
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr data-row class=\"regressed\"><td>{}</td><td class=\"rule\">{}</td><td>{}</td><td>{}</td><td>{series}</td></tr>",
                esc(date_of(&r.began)),
                r.rule.as_str(),
                esc(&r.subject),
                esc(&r.summary)
            );
        }
        out.push_str("</table>\n");
    }

    let regressed: std::collections::BTreeSet<&str> = trends
        .regressions
        .iter()
        .map(|r| r.subject.as_str())
        .collect();
    let mut edges: Vec<&EdgeTrend> = trends.edges.iter().collect();
    // Regressed edges first, then by traffic.
    edges.sort_by(|a, b| {
        let ka = regressed.contains(format!("{} -> {}", a.source, a.target).as_str());
        let kb = regressed.contains(format!("{} -> {}", b.source, b.target).as_str());
        kb.cmp(&ka).then(
            latest(&b.rps)
                .unwrap_or(0.0)
                .total_cmp(&latest(&a.rps).unwrap_or(0.0)),
        )
    });
    let _ = writeln!(
        out,
        "<h3>Edges</h3>\n<table id=\"history-edges\"><tr><th data-sort=\"text\">from</th><th data-sort=\"text\">to</th><th data-sort=\"text\">protocol</th><th data-sort=\"num\" class=\"num\">req/s</th><th>req/s trend</th><th data-sort=\"num\" class=\"num\">errors</th><th>error trend</th><th data-sort=\"num\" class=\"num\">p99 ms</th><th>p99 trend</th><th data-sort=\"num\" class=\"num\">mTLS</th></tr>"
    );
    for e in edges.iter().take(max_edges) {
        let key = format!("{} -> {}", e.source, e.target);
        let rps = latest(&e.rps);
        let err = latest(&e.error_rate);
        let p99 = latest(&e.latency_p99_ms);
        let mtls = latest(&e.mtls);
        let _ = writeln!(
            out,
            "<tr data-row{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            if regressed.contains(key.as_str()) {
                " class=\"regressed\""
            } else {
                ""
            },
            esc(&e.source),
            esc(&e.target),
            esc(e.protocol.as_deref().unwrap_or("-")),
            rps.unwrap_or(-1.0),
            fmt(rps, |v| format!("{v:.2}")),
            sparkline(&e.rps, "rps"),
            err.unwrap_or(-1.0),
            fmt(err, |v| format!("{:.1}%", v * 100.0)),
            sparkline(&e.error_rate, "errors"),
            p99.unwrap_or(-1.0),
            fmt(p99, |v| format!("{v:.0}")),
            sparkline(&e.latency_p99_ms, "p99"),
            fmt(mtls, |v| format!("{:.0}%", v * 100.0)),
        );
    }
    out.push_str("</table>\n");
    if edges.len() > max_edges {
        let _ = writeln!(
            out,
            "<p>{} more edges: click one in the graph for its history, or see the JSON.</p>",
            edges.len() - max_edges
        );
    }

    out.push_str("<h3>Namespaces</h3>\n<table id=\"history-namespaces\"><tr><th data-sort=\"text\">namespace (server side) or cluster</th><th data-sort=\"num\" class=\"num\">req/s</th><th>req/s trend</th><th data-sort=\"num\" class=\"num\">errors</th><th>error trend</th><th data-sort=\"num\" class=\"num\">edges</th></tr>\n");
    let groups = trends.namespaces.iter().map(|g| (g.name.clone(), g)).chain(
        trends
            .clusters
            .iter()
            .map(|g| (format!("cluster {}", g.name), g)),
    );
    for (name, g) in groups {
        let rps = latest(&g.rps);
        let err = latest(&g.error_rate);
        let _ = writeln!(
            out,
            "<tr data-row><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&name),
            rps.unwrap_or(-1.0),
            fmt(rps, |v| format!("{v:.2}")),
            sparkline(&g.rps, "rps"),
            err.unwrap_or(-1.0),
            fmt(err, |v| format!("{:.1}%", v * 100.0)),
            sparkline(&g.error_rate, "errors"),
            g.edges.last().copied().unwrap_or(0),
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h3>Mesh adoption and security posture</h3>\n<table id=\"posture\"><tr><th data-sort=\"text\">namespace</th><th data-sort=\"text\">data plane</th><th data-sort=\"num\" class=\"num\">mTLS share</th><th>mTLS trend</th><th data-sort=\"num\" class=\"num\">without proxy</th><th data-sort=\"num\" class=\"num\">unknown callers req/s</th></tr>\n");
    for p in &trends.posture {
        let share = latest(&p.mtls_share);
        let modes: Vec<String> = p
            .workloads_by_mode
            .iter()
            .map(|(m, c)| format!("{m}: {c}"))
            .collect();
        let _ = writeln!(
            out,
            "<tr data-row><td>{}</td><td title=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&p.namespace),
            esc(&modes.join(", ")),
            esc(&p.mode),
            share.unwrap_or(-1.0),
            fmt(share, |v| format!("{:.0}%", v * 100.0)),
            sparkline(&p.mtls_share, "mtls"),
            p.without_proxy.last().copied().unwrap_or(0),
            fmt(latest(&p.unknown_caller_rps), |v| format!("{v:.2}")),
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h3>Findings over time</h3>\n<table id=\"history-findings\"><tr><th data-sort=\"text\">state</th><th data-sort=\"text\">code</th><th data-sort=\"text\">resource</th><th data-sort=\"text\">since</th><th data-sort=\"num\" class=\"num\">age (days)</th></tr>\n");
    for (state, list) in [
        ("new", &trends.findings_opened),
        ("open", &trends.findings_open),
        ("resolved", &trends.findings_resolved),
    ] {
        for f in list {
            let _ = writeln!(
                out,
                "<tr data-row><td>{state}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td></tr>",
                esc(&f.code),
                esc(&f.resource),
                esc(&f.since),
                f.age_days
            );
        }
    }
    out.push_str("</table>\n");
    for w in &trends.warnings {
        let _ = writeln!(out, "<p class=\"warning\">history: {}</p>", esc(w));
    }
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"mg-history\">{}</script>",
        series_json(trends)
    );
    let _ = writeln!(out, "<script>{SECTION_SCRIPT}</script></section>");
    out
}
