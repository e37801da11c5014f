//! Latency histograms folded while they are read.
//!
//! `istio_request_duration_milliseconds_bucket` comes as one series per
//! bound (`le`), about twenty per histogram, differing only in `le`. Every
//! one of them would be placed on the same logical edge by the same labels,
//! so they are folded into one [`Observation`] per histogram, its bounds and
//! rates in [`Observation::buckets`]. Reconciliation then handles one
//! observation where it handled twenty, and the labels are kept once.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;

use crate::labels::{LabelError, parse_le};
use crate::observation::{Metric, Observation};

/// Folds bucket series, read one at a time as label maps, into one
/// observation per histogram. [`BucketFolder::finish`] must run once all
/// series are added.
#[derive(Default)]
pub struct BucketFolder {
    hasher: hashbrown::DefaultHashBuilder,
    /// Each histogram's hash, its labels but `le`, and where it is in the
    /// output.
    histograms: HashTable<(u64, KeptLabels, usize)>,
}

/// A histogram's labels but `le`, sorted by name, in one allocation: each
/// name and value as its length (4 bytes, little-endian) then its bytes. A
/// hundred thousand histograms of fifteen labels kept as separate strings
/// held about 170 MB while the answer was decoded; like this, a third.
struct KeptLabels(Box<[u8]>);

impl KeptLabels {
    fn new<'a>(labels: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut bytes = Vec::new();
        for (name, value) in labels {
            for text in [name, value] {
                let len = u32::try_from(text.len()).expect("a label under 4 GiB");
                bytes.extend_from_slice(&len.to_le_bytes());
                bytes.extend_from_slice(text.as_bytes());
            }
        }
        KeptLabels(bytes.into_boxed_slice())
    }

    /// Whether these are exactly `labels`, in order.
    fn equals<'a>(&self, labels: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        let mut rest: &[u8] = &self.0;
        let mut next = |expected: &str| -> bool {
            let Some((len, tail)) = rest.split_first_chunk::<4>() else {
                return false;
            };
            let len = u32::from_le_bytes(*len) as usize;
            match tail.split_at_checked(len) {
                Some((text, tail)) if text == expected.as_bytes() => {
                    rest = tail;
                    true
                }
                _ => false,
            }
        };
        for (name, value) in labels {
            if !(next(name) && next(value)) {
                return false;
            }
        }
        rest.is_empty()
    }
}

impl std::fmt::Debug for BucketFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketFolder")
            .field("histograms", &self.histograms.len())
            .finish()
    }
}

/// One hash for a histogram's labels, whether borrowed from an answer or
/// kept.
fn labels_hash<'a>(
    hasher: &hashbrown::DefaultHashBuilder,
    labels: impl Iterator<Item = (&'a str, &'a str)>,
) -> u64 {
    let mut state = hasher.build_hasher();
    for (name, value) in labels {
        name.hash(&mut state);
        value.hash(&mut state);
    }
    state.finish()
}

impl BucketFolder {
    /// Adds one series of the bucket family, given as its labels (with
    /// `le`) and rate: into the histogram with the same other labels already
    /// in `out`, or as a new observation pushed on `out`. A series that cannot
    /// be read (no `le`, a bad `le`, no reporter) comes back with its error
    /// and its labels as given, and changes nothing.
    pub fn add(
        &mut self,
        out: &mut Vec<Observation>,
        labels: BTreeMap<String, String>,
        value: f64,
    ) -> Result<(), (LabelError, BTreeMap<String, String>)> {
        let added = {
            let pairs: Vec<(&str, &str)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            self.add_sorted(out, &pairs, value)
        };
        added.map_err(|(e, _)| (e, labels))
    }

    /// [`BucketFolder::add`] for labels borrowed from an answer, sorted by
    /// name with no name twice: a bucket of a histogram already seen costs
    /// no allocation; only a new histogram's labels are copied. The error
    /// gives the labels as a map.
    pub fn add_sorted(
        &mut self,
        out: &mut Vec<Observation>,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<(), (LabelError, BTreeMap<String, String>)> {
        let owned = || -> BTreeMap<String, String> {
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let Ok(at) = labels.binary_search_by(|(name, _)| (*name).cmp("le")) else {
            return Err((LabelError::Bucket(None), owned()));
        };
        let text = labels[at].1;
        let Some(le) = parse_le(text) else {
            return Err((LabelError::Bucket(Some(text.to_string())), owned()));
        };
        let key = || {
            labels
                .iter()
                .enumerate()
                .filter(move |(i, _)| *i != at)
                .map(|(_, &pair)| pair)
        };
        let hash = labels_hash(&self.hasher, key());
        let found = self
            .histograms
            .find(hash, |(h, kept, _)| *h == hash && kept.equals(key()));
        if let Some(&(_, _, i)) = found {
            out[i].buckets.push((le, value));
            return Ok(());
        }
        let sorted: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut obs =
            Observation::from_sorted_labels_or_back(Metric::RequestDurationBucket, sorted, value)
                .map_err(|(e, labels)| (e, labels.into_iter().collect()))?;
        obs.le = None;
        obs.buckets.push((le, value));
        self.histograms.insert_unique(
            hash,
            (hash, KeptLabels::new(key()), out.len()),
            |(h, _, _)| *h,
        );
        out.push(obs);
        Ok(())
    }

    /// Sorts each histogram's buckets by bound and sets its value to the
    /// rate of its highest bound.
    pub fn finish(self, out: &mut [Observation]) {
        for (_, _, i) in self.histograms {
            settle(&mut out[i]);
        }
    }
}

fn settle(obs: &mut Observation) {
    obs.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Kept for the whole run: no room for bounds that will not come.
    obs.buckets.shrink_to_fit();
    if let Some(&(_, highest)) = obs.buckets.last() {
        obs.value = highest;
    }
}

/// What tells two series of one family apart, but for their bounds and
/// rates: every label except `le`.
fn series_key(o: &Observation) -> impl Hash + Eq + '_ {
    (
        (o.metric, o.reporter, &o.source, &o.destination, &o.service),
        (
            &o.request_protocol,
            &o.response_code,
            &o.grpc_response_status,
            &o.response_flags,
            &o.connection_security_policy,
            &o.extra,
        ),
    )
}

/// Folds the latency series among `observations` into one observation per
/// histogram, at the place of its first series: raw bucket series (one
/// `le` each) and histograms folded already (from answers that each hold
/// some of a histogram's bounds) alike. Everything else stays as it is, in order.
/// What [`BucketFolder`] does to one answer, for observations already made.
pub fn fold_buckets(observations: Vec<Observation>) -> Vec<Observation> {
    let mut out = Vec::with_capacity(observations.len());
    fold_buckets_into(&mut out, [observations]);
    out
}

/// [`fold_buckets`] of `folded` followed by each of `more`, in place:
/// `folded` must hold each of its histograms once (as an answer's decoder
/// gives them); a histogram of `more` already there gains its bounds,
/// anything else is appended in order. The parts of a family asked for in
/// parts are joined this way without a second vector of all of them.
pub fn fold_buckets_into(
    folded: &mut Vec<Observation>,
    more: impl IntoIterator<Item = Vec<Observation>>,
) {
    let is_latency = |o: &Observation| {
        o.metric == Metric::RequestDurationBucket && (o.le.is_some() || !o.buckets.is_empty())
    };
    let hasher = hashbrown::DefaultHashBuilder::default();
    let mut histograms: HashTable<usize> = HashTable::new();
    for (i, obs) in folded.iter().enumerate() {
        if is_latency(obs) {
            histograms.insert_unique(hasher.hash_one(series_key(obs)), i, |&i| {
                hasher.hash_one(series_key(&folded[i]))
            });
        }
    }
    for mut obs in more.into_iter().flatten() {
        if !is_latency(&obs) {
            folded.push(obs);
            continue;
        }
        let hash = hasher.hash_one(series_key(&obs));
        let found = histograms
            .find(hash, |&i| series_key(&folded[i]) == series_key(&obs))
            .copied();
        match found {
            Some(i) => {
                let pairs: Vec<(f64, f64)> = obs.bucket_rates().collect();
                folded[i].buckets.extend(pairs);
            }
            None => {
                if let Some(le) = obs.le.take() {
                    obs.buckets = vec![(le, obs.value)];
                }
                folded.push(obs);
                histograms.insert_unique(hash, folded.len() - 1, |&i| {
                    hasher.hash_one(series_key(&folded[i]))
                });
            }
        }
    }
    for &i in histograms.iter() {
        settle(&mut folded[i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_labels_equal_only_the_same_pairs_in_the_same_order() {
        let kept = KeptLabels::new([("a", "bc"), ("d", "")].into_iter());
        assert!(kept.equals([("a", "bc"), ("d", "")].into_iter()));
        for other in [
            vec![("ab", "c"), ("d", "")],
            vec![("a", "b"), ("cd", "")],
            vec![("a", "bc")],
            vec![("a", "bc"), ("d", ""), ("e", "f")],
            vec![("d", ""), ("a", "bc")],
            vec![("a", "bc"), ("d", "\0")],
            vec![],
        ] {
            assert!(!kept.equals(other.iter().copied()), "{other:?}");
        }
        assert!(KeptLabels::new(std::iter::empty()).equals(std::iter::empty()));
    }

    fn labels(le: &str, workload: &str) -> BTreeMap<String, String> {
        [
            ("reporter", "destination"),
            ("source_workload", "productpage-v1"),
            ("destination_workload", workload),
            ("request_protocol", "http"),
            ("le", le),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn buckets_of_one_histogram_become_one_observation_in_bound_order() {
        let mut folder = BucketFolder::default();
        let mut out = Vec::new();
        for (le, rate, workload) in [
            ("+Inf", 4.0, "reviews-v1"),
            ("10", 1.0, "reviews-v1"),
            ("10", 0.5, "ratings-v1"),
            ("100", 3.0, "reviews-v1"),
        ] {
            folder.add(&mut out, labels(le, workload), rate).unwrap();
        }
        folder.finish(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].destination.workload, "reviews-v1");
        assert_eq!(
            out[0].buckets,
            vec![(10.0, 1.0), (100.0, 3.0), (f64::INFINITY, 4.0)]
        );
        assert_eq!((out[0].le, out[0].value), (None, 4.0));
        assert_eq!(out[1].buckets, vec![(10.0, 0.5)]);
        assert_eq!(out[1].value, 0.5);
        assert!(out[0].labels().iter().all(|(k, _)| k != "le"));
        let rates: Vec<(f64, f64)> = out[0].bucket_rates().collect();
        assert_eq!(rates, out[0].buckets);
    }

    #[test]
    fn unreadable_bucket_series_come_back_with_their_labels() {
        let mut folder = BucketFolder::default();
        let mut out = Vec::new();
        let bad = labels("fast", "reviews-v1");
        let (e, back) = folder.add(&mut out, bad.clone(), 1.0).unwrap_err();
        assert_eq!((e, back), (LabelError::Bucket(Some("fast".into())), bad));
        let mut no_le = labels("1", "reviews-v1");
        no_le.remove("le");
        let (e, back) = folder.add(&mut out, no_le.clone(), 1.0).unwrap_err();
        assert_eq!((e, back), (LabelError::Bucket(None), no_le));
        let mut no_reporter = labels("1", "reviews-v1");
        no_reporter.remove("reporter");
        let (_, back) = folder.add(&mut out, no_reporter.clone(), 1.0).unwrap_err();
        assert_eq!(back, no_reporter);
        assert!(out.is_empty());
    }

    #[test]
    fn folding_observations_agrees_with_folding_labels() {
        let series = [
            ("5", 1.0, "reviews-v1"),
            ("+Inf", 2.0, "ratings-v1"),
            ("+Inf", 3.0, "reviews-v1"),
            ("5", 0.0, "ratings-v1"),
        ];
        let mut folder = BucketFolder::default();
        let mut from_labels = Vec::new();
        let mut raw = Vec::new();
        for (le, rate, workload) in series {
            folder
                .add(&mut from_labels, labels(le, workload), rate)
                .unwrap();
            raw.push(
                Observation::from_labels(Metric::RequestDurationBucket, labels(le, workload), rate)
                    .unwrap(),
            );
        }
        folder.finish(&mut from_labels);
        let mut requests = raw[0].clone();
        requests.metric = Metric::Requests;
        requests.le = None;
        raw.insert(1, requests.clone());
        let folded = fold_buckets(raw);
        assert_eq!(folded.len(), 3);
        assert_eq!(folded[1], requests, "other families pass through in place");
        assert_eq!([&folded[0], &folded[2]], [&from_labels[0], &from_labels[1]]);
        // Raw and folded give the same pairs.
        let pairs: Vec<(f64, f64)> = folded[0].bucket_rates().collect();
        assert_eq!(pairs, vec![(5.0, 1.0), (f64::INFINITY, 3.0)]);
    }

    #[test]
    fn histograms_read_in_parts_are_joined() {
        // Two answers that split the bounds between them: each folds into
        // a histogram of its own bounds; together they are one.
        let mut parts = Vec::new();
        let mut answers = Vec::new();
        for bounds in [&[("+Inf", 4.0), ("100", 3.0)][..], &[("10", 1.0)][..]] {
            let mut folder = BucketFolder::default();
            let mut part = Vec::new();
            for (le, rate) in bounds {
                folder
                    .add(&mut part, labels(le, "reviews-v1"), *rate)
                    .unwrap();
                folder
                    .add(&mut part, labels(le, "ratings-v1"), *rate / 2.0)
                    .unwrap();
            }
            folder.finish(&mut part);
            answers.push(part.clone());
            parts.extend(part);
        }
        assert_eq!(parts.len(), 4);
        let joined = fold_buckets(parts);
        // Joined in place into the first answer, the same, and a third
        // answer with a new histogram and another family is appended.
        let mut answers = answers.into_iter();
        let mut in_place = answers.next().unwrap();
        fold_buckets_into(&mut in_place, answers);
        assert_eq!(in_place, joined);
        let mut more = joined.clone();
        more[0].destination.workload = "details-v1".into();
        let mut other = joined[1].clone();
        other.metric = Metric::Requests;
        fold_buckets_into(&mut in_place, [vec![more[0].clone(), other.clone()]]);
        assert_eq!(in_place.len(), 4);
        assert_eq!(in_place[2], more[0]);
        assert_eq!(in_place[3], other);
        assert_eq!(joined.len(), 2);
        assert_eq!(joined[0].destination.workload, "reviews-v1");
        assert_eq!(
            joined[0].buckets,
            vec![(10.0, 1.0), (100.0, 3.0), (f64::INFINITY, 4.0)]
        );
        assert_eq!(joined[0].value, 4.0);
        assert_eq!(joined[1].destination.workload, "ratings-v1");
        assert_eq!(
            joined[1].buckets,
            vec![(10.0, 0.5), (100.0, 1.5), (f64::INFINITY, 2.0)]
        );
        // Folding again changes nothing.
        assert_eq!(fold_buckets(joined.clone()), joined);
    }
}
