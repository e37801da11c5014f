//! Decoding an `/api/v1/query` answer straight into [`Observation`]s.
//!
//! The answer is walked with serde visitors: each element of `data.result`
//! becomes an observation (or a warning) as soon as it is read, so no
//! `serde_json::Value` of the whole body is ever built. Series that cannot be
//! used (no `reporter`, a bad `le`, a `NaN` value) become warnings and the rest
//! is kept. The latency buckets of one histogram (series that differ only in
//! `le`) are folded into one observation as they are read.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use meshgraph_model::{BucketFolder, Metric, Observation};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::CollectError;
use crate::queries::family_name;

/// How many dropped series are described one by one per answer; the others are
/// counted in a summary warning.
const DETAILED_WARNINGS: usize = 5;

/// What one answer held.
#[derive(Debug, Default)]
pub struct Decoded {
    pub observations: Vec<Observation>,
    /// Prometheus' own `warnings` and `infos`, then dropped series.
    pub warnings: Vec<String>,
    /// Every element of `data.result`, used or not.
    pub series: usize,
}

/// Decodes one answer of the family `metric`. `source_name` (the URL without
/// credentials, or the recorded file) is used in errors and warnings.
/// The largest per-second figure taken as a rate (requests or bytes per
/// second); anything larger, negative or not finite is dropped with a
/// warning, so sums of rates stay finite.
pub const MAX_RATE: f64 = 1e12;

pub fn decode(body: &[u8], metric: Metric, source_name: &str) -> Result<Decoded, CollectError> {
    let mut family = FamilyDecoder::new(metric);
    family.add(body, source_name)?;
    Ok(family.finish())
}

/// Decodes the answers to the parts of one family (the latency buckets
/// asked for in parts, see [`crate::queries::LATENCY_PARTS`]) one after
/// the other into one [`Decoded`], each histogram folded across the parts
/// as they are read. The result is what decoding each part and
/// [`meshgraph_model::fold_buckets_into`] give, without holding each
/// histogram's labels once per part.
pub struct FamilyDecoder {
    metric: Metric,
    observations: Vec<Observation>,
    histograms: BucketFolder,
    warnings: Vec<String>,
    series: usize,
}

impl FamilyDecoder {
    pub fn new(metric: Metric) -> FamilyDecoder {
        FamilyDecoder {
            metric,
            observations: Vec::new(),
            histograms: BucketFolder::default(),
            warnings: Vec::new(),
            series: 0,
        }
    }

    /// Decodes one answer (one part) of the family.
    pub fn add(&mut self, body: &[u8], source_name: &str) -> Result<(), CollectError> {
        let mut state = State {
            metric: Some(self.metric),
            source_name,
            observations: std::mem::take(&mut self.observations),
            histograms: std::mem::take(&mut self.histograms),
            ..State::default()
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        let parsed = AnswerSeed(&mut state)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(e) = parsed {
            return Err(json_error(&e, body, source_name));
        }
        let (decoded, histograms) = state.finish()?;
        self.observations = decoded.observations;
        self.histograms = histograms;
        self.warnings.extend(decoded.warnings);
        self.series += decoded.series;
        Ok(())
    }

    /// The family's observations, its histograms settled (bounds in order).
    pub fn finish(mut self) -> Decoded {
        self.histograms.finish(&mut self.observations);
        Decoded {
            observations: self.observations,
            warnings: self.warnings,
            series: self.series,
        }
    }
}

/// Maps a serde_json error to a truncation or a located decode error.
pub(crate) fn json_error(e: &serde_json::Error, body: &[u8], source_name: &str) -> CollectError {
    let (line, column) = (e.line(), e.column());
    let offset = byte_offset(body, line, column);
    // An answer cut inside a number or literal fails on its last byte rather
    // than with an end-of-input error; both are truncations.
    let at_end = offset + 1 >= body.len() && !e.to_string().starts_with("trailing characters");
    if e.classify() == serde_json::error::Category::Eof || (at_end && !e.is_data()) {
        return CollectError::Truncated {
            source_name: source_name.to_string(),
            bytes: body.len(),
        };
    }
    let near: String = String::from_utf8_lossy(&body[offset.min(body.len())..])
        .chars()
        .take(40)
        .collect();
    let mut reason = e.to_string();
    // serde_json appends " at line L column C"; the message says it already.
    if let Some(cut) = reason.rfind(" at line ") {
        reason.truncate(cut);
    }
    if !near.is_empty() {
        reason.push_str(&format!(" (near {near:?})"));
    }
    CollectError::Decode {
        source_name: source_name.to_string(),
        line,
        column,
        offset,
        reason,
    }
}

/// The byte offset of serde_json's (1-based line, 1-based column).
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    // Line L starts after the (L-1)th newline.
    let start = line.checked_sub(2).map_or(0, |newlines_before| {
        body.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(newlines_before)
            .map_or(0, |(i, _)| i + 1)
    });
    (start + column.saturating_sub(1)).min(body.len())
}

#[derive(Default)]
struct State<'a> {
    metric: Option<Metric>,
    source_name: &'a str,
    status: Option<String>,
    error_type: Option<String>,
    error: Option<String>,
    result_type: Option<String>,
    saw_data: bool,
    server_warnings: Vec<String>,
    observations: Vec<Observation>,
    /// The bucket family's series, folded into one observation per histogram.
    histograms: BucketFolder,
    series: usize,
    dropped: Vec<String>,
    dropped_count: usize,
    not_samples: usize,
}

impl<'a> State<'a> {
    fn metric(&self) -> Metric {
        self.metric.expect("set by decode")
    }

    fn drop_series(&mut self, labels: Option<&BTreeMap<String, String>>, reason: &str) {
        self.dropped_count += 1;
        if self.dropped.len() < DETAILED_WARNINGS {
            let who = labels
                .map(describe)
                .unwrap_or_else(|| "a series".to_string());
            self.dropped.push(format!(
                "{} answer from {}: dropped {who}: {reason}",
                family_name(self.metric()),
                self.source_name
            ));
        }
    }

    fn sample(
        &mut self,
        labels: Option<Labels<'_>>,
        value: Option<SampleValue>,
        other: Option<&str>,
    ) {
        self.series += 1;
        if let Some(kind) = other {
            self.drop_series(
                labels.map(Labels::into_map).as_ref(),
                &format!("it has {kind} instead of an instant value"),
            );
            return;
        }
        let Some(mut labels) = labels else {
            self.drop_series(None, "it has no metric labels");
            return;
        };
        // Prometheus treats an empty label value as an absent label; some
        // engines still return it. Normalise so engines agree.
        labels.0.retain(|(_, v)| !v.is_empty());
        let value = match value {
            None => return self.drop_series(Some(&labels.into_map()), "it has no value"),
            Some(SampleValue::Number(v)) => v,
            Some(SampleValue::Text(text)) => match parse_value(&text) {
                Some(v) => v,
                None => {
                    return self.drop_series(
                        Some(&labels.into_map()),
                        &format!("its value {text:?} is not a number"),
                    );
                }
            },
        };
        if !(0.0..=MAX_RATE).contains(&value) {
            return self.drop_series(
                Some(&labels.into_map()),
                &format!("its value is {value}, not a rate"),
            );
        }
        let read = match self.metric() {
            Metric::RequestDurationBucket => self.add_bucket(labels, value),
            metric => Observation::from_sorted_labels_or_back(metric, labels.into_sorted(), value)
                .map(|obs| self.observations.push(obs))
                .map_err(|(e, labels)| (e, labels.into_iter().collect())),
        };
        if let Err((e, labels)) = read {
            self.drop_series(Some(&labels), &e.to_string());
        }
    }

    /// One bucket series into its histogram. Labels sorted by name are
    /// looked up as borrowed from the answer, so a bucket of a histogram
    /// already seen copies no string.
    fn add_bucket(
        &mut self,
        mut labels: Labels<'_>,
        value: f64,
    ) -> Result<(), (meshgraph_model::LabelError, BTreeMap<String, String>)> {
        labels.sort_unique();
        let pairs: Vec<(&str, &str)> = labels
            .0
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        self.histograms
            .add_sorted(&mut self.observations, &pairs, value)
    }

    /// The answer's observations, checked, with the bucket folder that has
    /// yet to settle its histograms.
    fn finish(mut self) -> Result<(Decoded, BucketFolder), CollectError> {
        let histograms = std::mem::take(&mut self.histograms);
        let family = family_name(self.metric()).to_string();
        let source_name = self.source_name.to_string();
        match self.status.as_deref() {
            Some("success") => {}
            Some("error") => {
                return Err(CollectError::Server {
                    url: source_name,
                    family,
                    error_type: self.error_type.unwrap_or_else(|| "unknown".into()),
                    message: self.error.unwrap_or_else(|| "no error message".into()),
                });
            }
            Some(other) => {
                return Err(decode_error(
                    &source_name,
                    format!("unknown status {other:?}"),
                ));
            }
            None => {
                return Err(decode_error(
                    &source_name,
                    "the answer has no \"status\"".into(),
                ));
            }
        }
        if !self.saw_data {
            return Err(decode_error(
                &source_name,
                "the answer has no \"data\"".into(),
            ));
        }
        match self.result_type.as_deref() {
            Some("vector") => {}
            Some(other) => {
                return Err(CollectError::ResultType {
                    source_name,
                    family,
                    result_type: other.to_string(),
                });
            }
            None => {
                return Err(decode_error(
                    &source_name,
                    "the answer has no \"data.resultType\"".into(),
                ));
            }
        }
        let mut warnings: Vec<String> = self
            .server_warnings
            .into_iter()
            .map(|w| format!("{family} query: the server warns: {w}"))
            .collect();
        if self.not_samples > 0 {
            warnings.push(format!(
                "{family} answer from {source_name}: skipped {} result elements that are not samples",
                self.not_samples
            ));
        }
        let detailed = self.dropped.len();
        warnings.extend(self.dropped);
        if self.dropped_count > detailed {
            warnings.push(format!(
                "{family} answer from {source_name}: dropped {} more series for the same kinds of reasons",
                self.dropped_count - detailed
            ));
        }
        let decoded = Decoded {
            observations: self.observations,
            warnings,
            series: self.series,
        };
        Ok((decoded, histograms))
    }
}

fn decode_error(source_name: &str, reason: String) -> CollectError {
    CollectError::Decode {
        source_name: source_name.to_string(),
        line: 1,
        column: 1,
        offset: 0,
        reason,
    }
}

/// A short, escaped description of a series for a warning.
fn describe(labels: &BTreeMap<String, String>) -> String {
    const KEYS: [&str; 5] = [
        "reporter",
        "source_workload",
        "source_workload_namespace",
        "destination_workload",
        "destination_service",
    ];
    let mut parts: Vec<String> = KEYS
        .iter()
        .filter_map(|k| labels.get(*k).map(|v| format!("{k}={v:?}")))
        .collect();
    if parts.is_empty() {
        parts = labels
            .iter()
            .take(4)
            .map(|(k, v)| format!("{k:?}={v:?}"))
            .collect();
    }
    format!("{{{}}}", parts.join(", "))
}

/// Prometheus' value strings: decimal numbers, `NaN`, `+Inf`, `-Inf` (all
/// of which Rust's float parser reads).
fn parse_value(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// The top-level object.
struct AnswerSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AnswerSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Prometheus API answer object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "status" => self.0.status = Some(map.next_value()?),
                "errorType" => self.0.error_type = map.next_value()?,
                "error" => self.0.error = map.next_value()?,
                "data" => {
                    self.0.saw_data = true;
                    map.next_value_seed(DataSeed(&mut *self.0))?;
                }
                "warnings" | "infos" => {
                    let list: Option<Vec<String>> = map.next_value()?;
                    self.0.server_warnings.extend(list.unwrap_or_default());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `data`: `resultType` and `result`.
struct DataSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for DataSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a data object with resultType and result")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.saw_data = false;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "resultType" => self.0.result_type = Some(map.next_value()?),
                "result" => map.next_value_seed(ResultSeed(&mut *self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `data.result`: a list of samples (or, for other result types, of anything).
struct ResultSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for ResultSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a result list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(ElementSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
    // A string result (`"result": [ts, "text"]` is a list; anything else is
    // tolerated here and rejected by resultType).
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// One element of `data.result`: a sample object, or (for a scalar result) a
/// bare number or string, counted and skipped.
struct ElementSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl ElementSeed<'_, '_> {
    fn not_a_sample<E>(self) -> Result<(), E> {
        self.0.not_samples += 1;
        Ok(())
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sample object")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_a_sample()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_a_sample()
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut labels: Option<Labels<'de>> = None;
        let mut value: Option<SampleValue> = None;
        let mut other: Option<&'static str> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "metric" => labels = Some(map.next_value()?),
                "value" => value = Some(map.next_value::<ValuePair>()?.0),
                "values" => {
                    map.next_value::<IgnoredAny>()?;
                    other = Some("a range of values");
                }
                "histogram" | "histograms" => {
                    map.next_value::<IgnoredAny>()?;
                    other = Some("a native histogram");
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.0.sample(labels, value, other);
        Ok(())
    }
}

/// A series' `metric` object: its labels in the answer's order, each name
/// and value borrowed from the answer unless JSON escapes made it a new
/// string.
struct Labels<'de>(Vec<(Cow<'de, str>, Cow<'de, str>)>);

/// Room for the labels of one series before any is read.
const LABELS_EXPECTED: usize = 32;

impl Labels<'_> {
    /// As a map (a name given twice keeps its last value).
    fn into_map(self) -> BTreeMap<String, String> {
        self.0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Sorts the labels by name and keeps each name once, with its last
    /// value (as a map would), still borrowed.
    fn sort_unique(&mut self) {
        // Stable: of a name given twice, the last value comes last.
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        // `dedup_by` drops the later of two equal names: move its value first.
        self.0.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
    }

    /// Sorted by name, each name once (its last value), owned.
    fn into_sorted(mut self) -> Vec<(String, String)> {
        self.sort_unique();
        self.0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

impl<'de> Deserialize<'de> for Labels<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label names to label values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels<'de>, A::Error> {
                // serde_json gives no size hint; the built-in queries keep
                // up to 26 labels, so one allocation holds them all.
                let mut labels = Vec::with_capacity(map.size_hint().unwrap_or(LABELS_EXPECTED));
                while let Some((name, value)) = map.next_entry::<LabelText, LabelText>()? {
                    labels.push((name.0, value.0));
                }
                Ok(Labels(labels))
            }
        }
        d.deserialize_map(LabelsVisitor)
    }
}

/// A label name or value, borrowed when the answer spells it plainly.
struct LabelText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for LabelText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = LabelText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<LabelText<'de>, E> {
                Ok(LabelText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LabelText<'de>, E> {
                Ok(LabelText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<LabelText<'de>, E> {
                Ok(LabelText(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// A sample value as engines write it: a string (the API's spelling) or a number.
enum SampleValue {
    Text(String),
    Number(f64),
}

/// `[timestamp, "value"]`; the timestamp is the query's `time` and not kept.
struct ValuePair(SampleValue);

impl<'de> de::Deserialize<'de> for ValuePair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairVisitor;
        impl<'de> Visitor<'de> for PairVisitor {
            type Value = ValuePair;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [timestamp, \"value\"] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValuePair, A::Error> {
                let _ts: IgnoredAny = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let value: SampleValue = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ValuePair(value))
            }
        }
        d.deserialize_seq(PairVisitor)
    }
}

impl<'de> de::Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = SampleValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sample value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SampleValue, E> {
                Ok(SampleValue::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SampleValue, E> {
                Ok(SampleValue::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SampleValue, E> {
                Ok(SampleValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SampleValue, E> {
                Ok(SampleValue::Number(v as f64))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshgraph_model::Reporter;

    const URL: &str = "http://prom.example/api/v1/query";

    fn sample(labels: &str, value: &str) -> String {
        format!(r#"{{"metric":{{{labels}}},"value":[1764036000.5,"{value}"]}}"#)
    }

    fn answer(samples: &[String]) -> String {
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            samples.join(",")
        )
    }

    const GOOD: &str = r#""reporter":"destination","source_workload":"productpage-v1","destination_workload":"reviews-v2","app":"reviews""#;

    #[test]
    fn values_that_cannot_be_rates_are_dropped_with_a_warning() {
        for bad in ["-5", "NaN", "+Inf", "-Inf", "1e300", "1.8e308"] {
            let body = answer(&[sample(GOOD, bad), sample(GOOD, "2")]);
            let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
            assert_eq!(d.observations.len(), 1, "{bad}");
            assert!(d.observations.iter().all(|o| o.value == 2.0), "{bad}");
            assert!(
                d.warnings.iter().any(|w| w.contains("not a rate")),
                "{bad}: {:?}",
                d.warnings
            );
        }
    }

    #[test]
    fn samples_become_observations() {
        let body = answer(&[
            sample(GOOD, "1.25"),
            sample(r#""reporter":"source","grpc_response_status":"""#, "2"),
        ]);
        let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.series, 2);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        let obs = &d.observations[0];
        assert_eq!((obs.reporter, obs.value), (Reporter::Destination, 1.25));
        assert_eq!(obs.source.workload, "productpage-v1");
        assert_eq!(obs.extra.get("app").map(String::as_str), Some("reviews"));
        assert_eq!(
            d.observations[1].grpc_response_status, None,
            "empty label values read as absent"
        );
    }

    #[test]
    fn unusable_series_become_warnings_and_the_rest_is_kept() {
        let body = answer(&[
            sample(GOOD, "NaN"),
            sample(GOOD, "+Inf"),
            sample(r#""source_workload":"x""#, "1"),
            sample(GOOD, "abc"),
            sample(GOOD, "3"),
        ]);
        let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.observations.len(), 1);
        assert_eq!(d.series, 5);
        assert_eq!(d.warnings.len(), 4, "{:#?}", d.warnings);
        assert!(d.warnings[0].contains("NaN") && d.warnings[0].contains(URL));
        assert!(d.warnings[2].contains("no reporter"));
    }

    #[test]
    fn many_dropped_series_are_summarised() {
        let bad: Vec<String> = (0..100)
            .map(|i| sample(&format!(r#""i":"{i}""#), "1"))
            .collect();
        let d = decode(answer(&bad).as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.warnings.len(), DETAILED_WARNINGS + 1);
        assert!(d.warnings.last().unwrap().contains("95 more"));
    }

    #[test]
    fn server_warnings_are_surfaced_and_key_order_does_not_matter() {
        let body = format!(
            r#"{{"warnings":["partial response"],"data":{{"result":[{}],"resultType":"vector","stats":{{}}}},"status":"success","infos":["info"]}}"#,
            sample(GOOD, "1")
        );
        let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.observations.len(), 1);
        assert_eq!(d.warnings.len(), 2);
        assert!(d.warnings[0].contains("partial response"));
    }

    #[test]
    fn status_error_is_an_error_with_the_servers_message() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        let e = decode(body.as_bytes(), Metric::Requests, URL).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("bad_data")
                && text.contains("parse error at char 3")
                && text.contains(URL),
            "{text}"
        );
    }

    #[test]
    fn other_result_types_are_errors() {
        for (kind, result) in [
            ("scalar", r#"[1764036000, "1"]"#),
            ("matrix", r#"[{"metric":{},"values":[[1,"1"]]}]"#),
            ("string", r#"[1764036000, "x"]"#),
        ] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"{kind}","result":{result}}}}}"#
            );
            let e = decode(body.as_bytes(), Metric::Requests, URL).unwrap_err();
            assert!(matches!(e, CollectError::ResultType { .. }), "{kind}: {e}");
            assert!(e.to_string().contains(kind));
        }
    }

    #[test]
    fn malformed_and_truncated_json_are_located() {
        let good = answer(&[sample(GOOD, "1")]);
        for cut in 1..good.len() {
            let truncated = &good.as_bytes()[..cut];
            let e = decode(truncated, Metric::Requests, URL).unwrap_err();
            assert!(
                matches!(e, CollectError::Truncated { bytes, .. } if bytes == cut),
                "{cut}: {e}"
            );
            assert!(e.to_string().contains(URL));
        }

        let broken = good.replacen("\"value\":[", "\"value\":[}", 1);
        let e = decode(broken.as_bytes(), Metric::Requests, URL).unwrap_err();
        let CollectError::Decode { offset, line, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(*line, 1);
        let at = broken.find("[}").unwrap() + 1;
        assert!(offset.abs_diff(at) <= 1, "offset {offset} vs {at}: {e}");
        assert!(
            e.to_string().contains(URL) && e.to_string().contains("byte"),
            "{e}"
        );

        let html = "<html><body>Login</body></html>";
        let e = decode(html.as_bytes(), Metric::Requests, URL).unwrap_err();
        assert!(e.to_string().contains("<html>"), "{e}");

        let multi = "{\"status\":\"success\",\n\"data\": nope}";
        let CollectError::Decode { line, offset, .. } =
            decode(multi.as_bytes(), Metric::Requests, URL).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(
            (line, &multi[offset..offset + 1]),
            (2, "o"),
            "serde_json stops on the first wrong byte of `nope`"
        );
    }

    #[test]
    fn answers_missing_status_or_data_are_errors() {
        for body in [
            "{}",
            r#"{"status":"success"}"#,
            r#"{"status":"success","data":{"result":[]}}"#,
            "[]",
        ] {
            assert!(
                decode(body.as_bytes(), Metric::Requests, URL).is_err(),
                "{body}"
            );
        }
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(
            decode(empty.as_bytes(), Metric::Requests, URL)
                .unwrap()
                .series,
            0
        );
    }

    #[test]
    fn buckets_need_le() {
        let body = answer(&[
            sample(&format!(r#"{GOOD},"le":"+Inf""#), "1"),
            sample(GOOD, "1"),
        ]);
        let d = decode(body.as_bytes(), Metric::RequestDurationBucket, URL).unwrap();
        assert_eq!(d.observations.len(), 1);
        assert_eq!(d.observations[0].buckets, vec![(f64::INFINITY, 1.0)]);
        assert!(d.warnings[0].contains("no le"));
    }

    #[test]
    fn buckets_are_folded_into_one_observation_per_histogram() {
        // Two histograms, their buckets interleaved as an engine may order
        // them, and a bad bound that is dropped alone.
        let other = GOOD.replace("reviews", "ratings");
        let body = answer(&[
            sample(&format!(r#"{GOOD},"le":"+Inf""#), "4"),
            sample(&format!(r#"{other},"le":"10""#), "2"),
            sample(&format!(r#"{GOOD},"le":"10""#), "1"),
            sample(&format!(r#"{GOOD},"le":"soon""#), "1"),
            sample(&format!(r#"{other},"le":"+Inf""#), "2"),
            sample(&format!(r#"{GOOD},"le":"100""#), "3"),
        ]);
        let d = decode(body.as_bytes(), Metric::RequestDurationBucket, URL).unwrap();
        assert_eq!(d.series, 6);
        assert_eq!(d.observations.len(), 2);
        let [first, second] = &d.observations[..] else {
            unreachable!()
        };
        assert_ne!(first.destination, second.destination);
        assert_eq!(
            first.buckets,
            vec![(10.0, 1.0), (100.0, 3.0), (f64::INFINITY, 4.0)]
        );
        assert_eq!((first.le, first.value), (None, 4.0));
        assert_eq!(second.buckets, vec![(10.0, 2.0), (f64::INFINITY, 2.0)]);
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("\"soon\""), "{:?}", d.warnings);
    }

    /// Parts decoded one after the other into one family give what each
    /// part decoded and then folded gives, in the same order; a bad part is
    /// named by its own source.
    #[test]
    fn parts_decoded_into_one_family_equal_parts_folded_afterwards() {
        let other = GOOD.replace("reviews", "ratings");
        let parts = [
            answer(&[
                sample(&format!(r#"{GOOD},"le":"10""#), "1"),
                sample(&format!(r#"{other},"le":"10""#), "2"),
            ]),
            answer(&[
                sample(&format!(r#"{other},"le":"+Inf""#), "2"),
                sample(&format!(r#"{GOOD},"le":"soon""#), "1"),
                sample(&format!(r#"{GOOD},"le":"+Inf""#), "4"),
            ]),
            answer(&[sample(&format!(r#"{GOOD},"le":"100""#), "3")]),
        ];
        let bucket = Metric::RequestDurationBucket;
        let mut family = FamilyDecoder::new(bucket);
        let mut each = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            family.add(part.as_bytes(), &format!("part {i}")).unwrap();
            each.push(decode(part.as_bytes(), bucket, &format!("part {i}")).unwrap());
        }
        let joined = family.finish();
        let mut folded = each[0].observations.clone();
        meshgraph_model::fold_buckets_into(
            &mut folded,
            each[1..].iter().map(|d| d.observations.clone()),
        );
        assert_eq!(joined.observations, folded);
        assert_eq!(joined.observations.len(), 2);
        assert_eq!(
            joined.observations[0].buckets,
            vec![(10.0, 1.0), (100.0, 3.0), (f64::INFINITY, 4.0)]
        );
        assert_eq!(joined.series, 6);
        assert_eq!(joined.warnings.len(), 1);
        assert!(
            joined.warnings[0].contains("part 1"),
            "{:?}",
            joined.warnings
        );

        let mut family = FamilyDecoder::new(bucket);
        family.add(parts[0].as_bytes(), "part 0").unwrap();
        let e = family
            .add(&parts[1].as_bytes()[..20], "part 1")
            .unwrap_err();
        assert!(e.to_string().contains("part 1"), "{e}");
    }

    #[test]
    fn bucket_labels_fold_alike_in_any_order_escaped_or_repeated() {
        let body = answer(&[
            sample(
                r#""reporter":"destination","le":"1","destination_workload":"reviews""#,
                "1",
            ),
            // Another order, and an escape the decoder must unescape.
            sample(
                r#""le":"+Inf","destination_workload":"revi\u0065ws","reporter":"destination""#,
                "3",
            ),
            // A name twice: the last value counts, as in a map.
            sample(
                r#""reporter":"source","destination_workload":"reviews","le":"5","reporter":"destination""#,
                "2",
            ),
            sample(
                r#""reporter":"source","destination_workload":"reviews","le":"5""#,
                "7",
            ),
        ]);
        let d = decode(body.as_bytes(), Metric::RequestDurationBucket, URL).unwrap();
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d.observations.len(), 2);
        assert_eq!(d.observations[0].destination.workload, "reviews");
        assert_eq!(
            d.observations[0].buckets,
            vec![(1.0, 1.0), (5.0, 2.0), (f64::INFINITY, 3.0)]
        );
        assert_eq!(
            d.observations[1].reporter,
            meshgraph_model::Reporter::Source
        );
        assert_eq!(d.observations[1].buckets, vec![(5.0, 7.0)]);
    }

    #[test]
    fn other_families_read_labels_as_a_map_would_in_any_order_escaped_or_repeated() {
        let body = answer(&[
            // Unsorted, with an extra label and an escape.
            sample(
                r#""pod":"p-1","reporter":"destination","destination_workload":"revi\u0065ws","app":"reviews""#,
                "1",
            ),
            // A name twice: the last value counts, as in a map.
            sample(
                r#""reporter":"source","app":"a","destination_workload":"ratings","app":"b","reporter":"destination""#,
                "2",
            ),
            // A bad reporter is named in the warning.
            sample(r#""reporter":"sideways","app":"c""#, "3"),
        ]);
        let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.observations.len(), 2);
        let (first, second) = (&d.observations[0], &d.observations[1]);
        assert_eq!(first.destination.workload, "reviews");
        assert_eq!(first.reporter, meshgraph_model::Reporter::Destination);
        let extra: Vec<(&String, &String)> = first.extra.iter().collect();
        assert_eq!(
            format!("{extra:?}"),
            r#"[("app", "reviews"), ("pod", "p-1")]"#
        );
        assert_eq!(second.reporter, meshgraph_model::Reporter::Destination);
        assert_eq!(second.extra.get("app").map(String::as_str), Some("b"));
        assert_eq!(second.extra.len(), 1);
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        assert!(d.warnings[0].contains("sideways"), "{:?}", d.warnings);
    }

    #[test]
    fn elements_that_are_not_samples_are_counted_and_skipped() {
        // One of every JSON type that is not a sample object, then a sample.
        let body = answer(&[
            "true".into(),
            "-1".into(),
            "1".into(),
            "1.5".into(),
            r#""x""#.into(),
            "null".into(),
            "[1,2]".into(),
            sample(GOOD, "1"),
        ]);
        let d = decode(body.as_bytes(), Metric::Requests, URL).unwrap();
        assert_eq!(d.observations.len(), 1);
        assert_eq!(
            d.warnings,
            [format!(
                "requests answer from {URL}: skipped 7 result elements that are not samples"
            )]
        );
    }

    #[test]
    fn ranges_and_native_histograms_in_a_vector_are_named_in_the_warning() {
        for (key, value, kind) in [
            ("values", r#"[[1,"1"]]"#, "a range of values"),
            ("histogram", r#"[1,{"count":"1"}]"#, "a native histogram"),
            ("histograms", r#"[[1,{"count":"1"}]]"#, "a native histogram"),
        ] {
            let element = format!(r#"{{"metric":{{{GOOD}}},"{key}":{value}}}"#);
            let d = decode(answer(&[element]).as_bytes(), Metric::Requests, URL).unwrap();
            assert!(d.observations.is_empty(), "{key}");
            assert_eq!(
                d.warnings,
                [format!(
                    "requests answer from {URL}: dropped {{reporter=\"destination\", \
                     source_workload=\"productpage-v1\", destination_workload=\"reviews-v2\"}}: \
                     it has {kind} instead of an instant value"
                )],
                "{key}"
            );
        }
    }

    #[test]
    fn series_without_istio_labels_are_described_by_their_first_labels() {
        let labels = r#""a":"1","b":"2","c":"3","d":"4","e":"5""#;
        let d = decode(
            answer(&[sample(labels, "1")]).as_bytes(),
            Metric::Requests,
            URL,
        )
        .unwrap();
        assert_eq!(
            d.warnings,
            [format!(
                "requests answer from {URL}: dropped {{\"a\"=\"1\", \"b\"=\"2\", \"c\"=\"3\", \"d\"=\"4\"}}: \
                 series has no reporter label"
            )]
        );
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        for (body, expected) in [
            (
                r#""x""#.to_string(),
                "expected a Prometheus API answer object",
            ),
            (
                r#"{"status":"success","data":5}"#.to_string(),
                "expected a data object with resultType and result",
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":5}}"#.to_string(),
                "expected a result list",
            ),
            (
                answer(&[r#"{"metric":{},"value":5}"#.into()]),
                "expected a [timestamp, \"value\"] pair",
            ),
            (
                answer(&[r#"{"metric":{},"value":[1]}"#.into()]),
                "invalid length 1, expected a [timestamp, \"value\"] pair",
            ),
            (
                answer(&[r#"{"metric":{},"value":[1,true]}"#.into()]),
                "expected a sample value",
            ),
        ] {
            let e = decode(body.as_bytes(), Metric::Requests, URL).unwrap_err();
            assert!(e.to_string().contains(expected), "{body}: {e}");
        }
    }

    #[test]
    fn a_null_data_is_no_data() {
        let e = decode(
            br#"{"status":"success","data":null}"#,
            Metric::Requests,
            URL,
        )
        .unwrap_err();
        assert!(e.to_string().contains("has no \"data\""), "{e}");
    }

    #[test]
    fn a_result_of_another_shape_is_left_to_the_result_type_check() {
        let body =
            r#"{"status":"success","data":{"resultType":"scalar","result":{"a":1,"b":[2]}}}"#;
        let e = decode(body.as_bytes(), Metric::Requests, URL).unwrap_err();
        assert!(matches!(e, CollectError::ResultType { .. }), "{e}");
    }

    #[test]
    fn byte_offsets_count_lines_from_one() {
        let body = b"ab\ncd\nef";
        assert_eq!(byte_offset(body, 1, 2), 1);
        assert_eq!(byte_offset(body, 2, 1), 3);
        assert_eq!(byte_offset(body, 3, 2), 7);
        assert_eq!(byte_offset(body, 9, 1), 0, "a line past the end");
        assert_eq!(byte_offset(body, 3, 99), body.len());
    }
}
