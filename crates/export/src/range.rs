//! The report's "Range" section (`meshgraph report --range`): for a few
//! edges (the worst, the regressed), the request rate and the 5xx rate over
//! the range as sparklines, with each series' peak and its time, so that a
//! spike at 3 a.m. shows even when the day's average is fine. The series are
//! also in the page as `#mg-range` for the edge panel.

use std::fmt::Write;

use serde::Serialize;

use crate::report::{html_escape, json_in_html};
use crate::time::format_rfc3339;

/// One edge's series over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeEdgeSeries {
    /// The node ids of the graph (the edge panel's `from` and `to`).
    pub from: String,
    pub to: String,
    /// `(unix seconds, requests per second)`, in time order.
    pub requests: Vec<(f64, f64)>,
    /// `(unix seconds, 5xx per second)`, in time order.
    pub errors: Vec<(f64, f64)>,
}

/// What the section shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeView {
    /// Unix seconds.
    pub start: f64,
    pub end: f64,
    pub step_seconds: f64,
    pub edges: Vec<RangeEdgeSeries>,
}

/// `[from, to, requests per step, errors per step]`.
type PageRow<'a> = (&'a str, &'a str, Vec<Option<f64>>, Vec<Option<f64>>);

#[derive(Serialize)]
struct PageRange<'a> {
    start: f64,
    end: f64,
    step: f64,
    /// `[from, to, requests per step, errors per step]`: a value (or
    /// `null`) per step from `start`.
    edges: Vec<PageRow<'a>>,
}

/// The values on the step grid from `start`, `None` where there is none.
fn on_grid(points: &[(f64, f64)], view: &RangeView) -> Vec<Option<f64>> {
    let n = ((view.end - view.start) / view.step_seconds)
        .floor()
        .max(0.0) as usize
        + 1;
    let mut out = vec![None; n];
    for (t, v) in points {
        let i = ((t - view.start) / view.step_seconds).round();
        if i >= 0.0 && (i as usize) < n && v.is_finite() {
            out[i as usize] = Some(*v);
        }
    }
    out
}

/// The largest value and its time (the first, on a tie).
pub fn peak(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    points
        .iter()
        .filter(|(_, v)| v.is_finite())
        .fold(None, |best: Option<(f64, f64)>, &(t, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((t, v)),
        })
}

/// An inline SVG line of `values` (`None` breaks it), scaled to its maximum.
fn sparkline(values: &[Option<f64>], class: &str) -> String {
    let style = meshgraph_model::SparkStyle {
        width: 192.0,
        stroke_width: 1.2,
        last_dot: false,
    };
    meshgraph_model::sparkline(values, class, style)
}

fn peak_text(points: &[(f64, f64)]) -> (String, String) {
    match peak(points) {
        Some((t, v)) => (format!("{v:.3}"), format_rfc3339(t as i64)),
        None => ("-".into(), "-".into()),
    }
}

const SECTION_STYLE: &str = ".range .spark{color:#1565c0;vertical-align:middle}.range .spark.errors{color:#c62828}.range td.when{font-family:monospace;font-size:90%}";

/// The section, to insert into the report page.
pub fn range_section(view: &RangeView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"range\" id=\"range\"><style>{SECTION_STYLE}</style><h2>Range</h2>"
    );
    let _ = writeln!(
        out,
        "<p id=\"range-summary\">From {} to {} every {} s: request rate and 5xx rate of {} edges (the worst, and the regressed), so that a spike shows even when the average over the range is fine.</p>",
        format_rfc3339(view.start as i64),
        format_rfc3339(view.end as i64),
        view.step_seconds,
        view.edges.len()
    );
    out.push_str("<table id=\"range-edges\"><tr><th>from</th><th>to</th><th>req/s</th><th class=\"num\">peak req/s</th><th>at</th><th>5xx/s</th><th class=\"num\">peak 5xx/s</th><th>at</th></tr>\n");
    for e in &view.edges {
        let (rps_peak, rps_at) = peak_text(&e.requests);
        let (err_peak, err_at) = peak_text(&e.errors);
        let _ = writeln!(
            out,
            "<tr data-row data-from=\"{}\" data-to=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num peak-rps\">{rps_peak}</td><td class=\"when peak-rps-at\">{rps_at}</td><td>{}</td><td class=\"num peak-errors\">{err_peak}</td><td class=\"when peak-errors-at\">{err_at}</td></tr>",
            html_escape(&e.from),
            html_escape(&e.to),
            html_escape(&e.from),
            html_escape(&e.to),
            sparkline(&on_grid(&e.requests, view), "requests"),
            sparkline(&on_grid(&e.errors, view), "errors"),
        );
    }
    out.push_str("</table>\n");
    let page = PageRange {
        start: view.start,
        end: view.end,
        step: view.step_seconds,
        edges: view
            .edges
            .iter()
            .map(|e| {
                (
                    e.from.as_str(),
                    e.to.as_str(),
                    on_grid(&e.requests, view),
                    on_grid(&e.errors, view),
                )
            })
            .collect(),
    };
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"mg-range\">{}</script></section>",
        json_in_html(&page)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_escapes_names_and_finds_the_peak() {
        let view = RangeView {
            start: 0.0,
            end: 300.0,
            step_seconds: 100.0,
            edges: vec![RangeEdgeSeries {
                from: "workload:web/</script><b>".into(),
                to: "workload:shop/cart".into(),
                requests: vec![(0.0, 1.0), (100.0, 1.0), (300.0, 1.0)],
                errors: vec![(0.0, 0.0), (100.0, 0.5), (200.0, 0.5), (300.0, 0.1)],
            }],
        };
        let html = range_section(&view);
        assert!(!html.contains("</script><b>"), "{html}");
        assert!(html.contains("&lt;/script&gt;&lt;b&gt;"));
        assert!(html.contains("\\u003c/script\\u003e"));
        assert_eq!(peak(&view.edges[0].errors), Some((100.0, 0.5)));
        assert!(html.contains("<td class=\"num peak-errors\">0.500</td><td class=\"when peak-errors-at\">1970-01-01T00:01:40Z</td>"), "{html}");
        // A missing step is a null, not a zero.
        assert!(html.contains("[1.0,1.0,null,1.0]"), "{html}");
    }
}
