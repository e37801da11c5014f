//! OpenMetrics text for counters that grow at given rates: what `promtool tsdb
//! create-blocks-from openmetrics` loads into a Prometheus. Used by `meshgraph
//! scenario export` and by the tests that start a real Prometheus.

/// A series of a rates file: sample name, labels in file order, rate per second.
pub type RateSeries = (String, Vec<(String, String)>, f64);

/// OpenMetrics text (timestamps in seconds, ending with `# EOF`) for counters
/// that grow linearly: each series' value is `rate * (t - start)` at every `t`
/// from `end_unix - duration_s` to `end_unix` in steps of `step_s`, so
/// `rate(x[w])` at any time inside the data is `rate`.
///
/// Series names are sample names: `..._total` makes a counter family
/// (`# TYPE istio_requests counter`), `..._bucket`/`_sum`/`_count` a histogram
/// family, anything else an `unknown` one. Families are written in first-seen
/// order, time-major inside a family; series keep the given order (give
/// buckets in ascending `le`). Values that are whole numbers are written as
/// integers. promtool 2.42 accepts histogram families with only `_bucket` or
/// only `_sum`/`_count` samples, so `_sum`/`_count` are optional.
pub fn openmetrics_from_rates<N, L, K, V>(
    series: &[(N, L, f64)],
    end_unix: i64,
    duration_s: i64,
    step_s: i64,
) -> String
where
    N: AsRef<str>,
    L: AsRef<[(K, V)]>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    samples(
        series,
        (end_unix, duration_s, step_s),
        family_of,
        |rate, elapsed| rate * elapsed as f64,
    )
}

/// OpenMetrics text like [`openmetrics_from_rates`] for gauges that keep
/// their value: what a recording rule writes (`meshgraph:...:rate5m`,
/// docs/recording-rules.yaml), each series its third field at every time.
/// Every family is a `gauge`.
pub fn openmetrics_gauges<N, L, K, V>(
    series: &[(N, L, f64)],
    end_unix: i64,
    duration_s: i64,
    step_s: i64,
) -> String
where
    N: AsRef<str>,
    L: AsRef<[(K, V)]>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    samples(
        series,
        (end_unix, duration_s, step_s),
        |name| (name.to_string(), "gauge"),
        |value, _| value,
    )
}

/// The samples of `series` from `end - duration` to `end` every `step`,
/// grouped by the family `family_of` names, each value `value(third
/// field, seconds since the start)`.
fn samples<N, L, K, V>(
    series: &[(N, L, f64)],
    (end_unix, duration_s, step_s): (i64, i64, i64),
    family_of: fn(&str) -> (String, &'static str),
    value: fn(f64, i64) -> f64,
) -> String
where
    N: AsRef<str>,
    L: AsRef<[(K, V)]>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    assert!(
        step_s > 0 && duration_s >= 0,
        "step must be positive and duration not negative"
    );
    let start = end_unix - duration_s;
    let mut families: Vec<(String, &'static str, Vec<usize>)> = Vec::new();
    for (index, (name, _, _)) in series.iter().enumerate() {
        let (family, kind) = family_of(name.as_ref());
        match families.iter_mut().find(|(f, _, _)| *f == family) {
            Some((_, k, members)) => {
                assert_eq!(*k, kind, "{family} is used both as a {k} and as a {kind}");
                members.push(index);
            }
            None => families.push((family, kind, vec![index])),
        }
    }
    let rendered: Vec<String> = series
        .iter()
        .map(|(name, labels, _)| format!("{}{}", name.as_ref(), label_text(labels.as_ref())))
        .collect();
    let mut out = String::new();
    for (family, kind, members) in &families {
        out.push_str(&format!("# TYPE {family} {kind}\n"));
        let mut t = start;
        while t <= end_unix {
            for &i in members {
                let v = value(series[i].2, t - start);
                out.push_str(&format!("{} {} {t}\n", rendered[i], format_value(v)));
            }
            t += step_s;
        }
    }
    out.push_str("# EOF\n");
    out
}

fn family_of(name: &str) -> (String, &'static str) {
    if let Some(base) = name.strip_suffix("_total") {
        return (base.to_string(), "counter");
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            return (base.to_string(), "histogram");
        }
    }
    (name.to_string(), "unknown")
}

fn label_text<K: AsRef<str>, V: AsRef<str>>(labels: &[(K, V)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", k.as_ref(), escape_label_value(v.as_ref())))
        .collect();
    format!("{{{}}}", parts.join(","))
}

fn escape_label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}
