//! What `meshgraph explain SRC DST` shows: every raw series touching one pair,
//! by emitter, with what the reconciliation did with it.

use std::collections::HashMap;

use meshgraph_model::Emitter;

use crate::endpoint::{Endpoint, WorkloadRef};
use crate::reconcile::{Disposition, Reconciliation};

/// Parses the command line's names: `namespace/workload` (or
/// `cluster/namespace/workload`), `unknown`, `service:namespace/name` (or
/// `service:cluster/namespace/name`), or anything else as an external host.
pub fn parse_endpoint(text: &str) -> Endpoint {
    if text == "unknown" {
        return Endpoint::Unknown;
    }
    let text = text.strip_prefix("workload:").unwrap_or(text);
    if let Some(rest) = text.strip_prefix("service:")
        && let Some(w) = WorkloadRef::parse(rest)
    {
        return Endpoint::Service {
            cluster: w.cluster,
            namespace: w.namespace,
            name: w.name,
        };
    }
    if let Some(host) = text.strip_prefix("external:") {
        return Endpoint::External { host: host.into() };
    }
    match WorkloadRef::parse(text) {
        Some(w) => Endpoint::Workload(w),
        None => Endpoint::External { host: text.into() },
    }
}

/// One series in an explanation.
#[derive(Debug, Clone)]
pub struct ExplainedSeries {
    /// Index into the observations given to [`crate::reconcile()`].
    pub observation: usize,
    pub emitter: Emitter,
    pub disposition: Disposition,
}

/// The explanation of one (source, destination) pair.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub source: Endpoint,
    pub destination: Endpoint,
    /// Indices into [`Reconciliation::edges`] of the logical edges between the pair.
    pub edges: Vec<usize>,
    /// Grouped by emitter (in [`Emitter::ALL`] order), then by observation order.
    pub series: Vec<ExplainedSeries>,
}

/// Collects the series behind the pair: those of its logical edges (including
/// waypoint hops attached to them) and any series whose own ends are the pair
/// (so a hop such as `productpage -> waypoint` can be explained too).
pub fn explain(
    rec: &Reconciliation,
    observations: &[meshgraph_model::Observation],
    source: &Endpoint,
    destination: &Endpoint,
) -> Explanation {
    Explainer::new(rec, observations).explain(source, destination)
}

/// The explanation of a pair from its logical edges and the observations
/// whose own ends are the pair.
fn assemble(
    rec: &Reconciliation,
    source: &Endpoint,
    destination: &Endpoint,
    edges: Vec<usize>,
    own: Vec<usize>,
) -> Explanation {
    let mut indices: Vec<usize> = edges
        .iter()
        .flat_map(|&e| rec.edges[e].series.iter().copied())
        .collect();
    indices.extend(own);
    indices.sort_unstable();
    indices.dedup();
    let mut series: Vec<ExplainedSeries> = indices
        .into_iter()
        .map(|i| ExplainedSeries {
            observation: i,
            emitter: rec.classification.emitters[i],
            disposition: rec.dispositions[i].clone(),
        })
        .collect();
    let rank = |e: Emitter| {
        Emitter::ALL
            .iter()
            .position(|x| *x == e)
            .unwrap_or(usize::MAX)
    };
    series.sort_by_key(|s| (rank(s.emitter), s.observation));
    Explanation {
        source: source.clone(),
        destination: destination.clone(),
        edges,
        series,
    }
}

/// [`explain`] for many pairs: the logical edges and the observations are
/// indexed by their ends once, so each pair costs only its own series (the
/// report page embeds the explanation of every drawn edge); [`explain`] is
/// one pair through it.
#[derive(Debug)]
pub struct Explainer<'a> {
    rec: &'a Reconciliation,
    edges: HashMap<(Endpoint, Endpoint), Vec<usize>>,
    observations: HashMap<(Endpoint, Endpoint), Vec<usize>>,
}

impl<'a> Explainer<'a> {
    pub fn new(rec: &'a Reconciliation, observations: &[meshgraph_model::Observation]) -> Self {
        let mut edges: HashMap<(Endpoint, Endpoint), Vec<usize>> = HashMap::new();
        for (i, e) in rec.edges.iter().enumerate() {
            edges
                .entry((e.source.clone(), e.destination.clone()))
                .or_default()
                .push(i);
        }
        let clusters = &rec.classification.clusters;
        let mut by_pair: HashMap<(Endpoint, Endpoint), Vec<usize>> = HashMap::new();
        for (i, obs) in observations.iter().enumerate() {
            by_pair
                .entry((
                    clusters.source_endpoint(obs),
                    clusters.destination_endpoint(obs),
                ))
                .or_default()
                .push(i);
        }
        Explainer {
            rec,
            edges,
            observations: by_pair,
        }
    }

    /// The same as [`explain`] with the observations given to [`Explainer::new`].
    pub fn explain(&self, source: &Endpoint, destination: &Endpoint) -> Explanation {
        let key = (source.clone(), destination.clone());
        let edges = self.edges.get(&key).cloned().unwrap_or_default();
        let own = self.observations.get(&key).cloned().unwrap_or_default();
        assemble(self.rec, source, destination, edges, own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_like_the_command_line_gives_them() {
        assert_eq!(
            parse_endpoint("bookinfo/reviews-v2"),
            Endpoint::Workload(WorkloadRef::new("bookinfo", "reviews-v2"))
        );
        assert_eq!(
            parse_endpoint("workload:bookinfo/reviews-v2"),
            parse_endpoint("bookinfo/reviews-v2")
        );
        assert_eq!(parse_endpoint("unknown"), Endpoint::Unknown);
        assert_eq!(
            parse_endpoint("service:bookinfo/reviews"),
            Endpoint::Service {
                cluster: String::new(),
                namespace: "bookinfo".into(),
                name: "reviews".into()
            }
        );
        assert_eq!(
            parse_endpoint("east/bookinfo/reviews-v3"),
            Endpoint::Workload(WorkloadRef::new("bookinfo", "reviews-v3").in_cluster("east"))
        );
        assert_eq!(
            parse_endpoint("service:west/bookinfo/ratings").cluster(),
            "west"
        );
        assert_eq!(
            parse_endpoint("PassthroughCluster"),
            Endpoint::External {
                host: "PassthroughCluster".into()
            }
        );
    }
}
