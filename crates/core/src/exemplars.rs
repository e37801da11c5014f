//! Exemplars on logical edges: the trace ids Prometheus kept next to the
//! latency buckets, placed on the edge their series went to.
//!
//! An exemplar comes with the labels of its raw series (with `pod`,
//! `instance`, the `le` of its bucket...). The series is matched, on the
//! labels the bucket query keeps (reporter, both ends' workload, namespace,
//! canonical service and cluster, the service, the protocol), with a
//! reconciled latency-bucket series (or, failing one, a request series), and
//! goes where reconciliation put that series: the edge it gave rates to, or
//! duplicated, or the one edge a waypoint hop is evidence of. So an exemplar
//! from the client sidecar, the server sidecar or the waypoint of the same
//! call lands on the same logical edge, through the same classification.
//! A hop shared by several edges, or a series reconciliation never saw, places
//! no exemplar (they are counted in [`ExemplarPlacement`]).

use std::collections::{BTreeSet, HashMap};

use meshgraph_model::{Exemplar, ExemplarSeries, Metric, Observation};

use crate::classify::ClassifyOptions;
use crate::reconcile::{Disposition, Reconciliation};

/// How many trace ids an edge keeps: the most recent, distinct.
pub const MAX_EXEMPLARS_PER_EDGE: usize = 5;

/// The exemplars of one edge.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ExemplarFigures {
    /// Distinct trace ids seen for the edge (summed over logical edges when
    /// an edge of the drawn graph stands for several).
    pub count: u64,
    /// At most [`MAX_EXEMPLARS_PER_EDGE`], distinct, the most recent first.
    pub recent: Vec<Exemplar>,
}

impl ExemplarFigures {
    /// The kept trace ids, the most recent first.
    pub fn trace_ids(&self) -> impl Iterator<Item = &str> {
        self.recent.iter().map(|e| e.trace_id.as_str())
    }

    /// Adds another edge's exemplars (when edges are merged for a coarser
    /// graph type).
    pub fn add(&mut self, other: &ExemplarFigures) {
        self.count += other.count;
        for e in &other.recent {
            self.keep(e);
        }
    }

    /// Keeps `e` among the recent ones if it is recent enough and new.
    fn keep(&mut self, e: &Exemplar) {
        if self.recent.iter().any(|r| r.trace_id == e.trace_id) {
            return;
        }
        self.recent.push(e.clone());
        // Most recent first; ties by trace id, so the order is stable.
        self.recent.sort_by(|a, b| {
            b.timestamp
                .total_cmp(&a.timestamp)
                .then_with(|| a.trace_id.cmp(&b.trace_id))
        });
        self.recent.truncate(MAX_EXEMPLARS_PER_EDGE);
    }
}

/// What [`attach_exemplars`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExemplarPlacement {
    /// Exemplars placed on an edge.
    pub placed: usize,
    /// Exemplars whose series matched no reconciled series, or a hop shared
    /// by several edges.
    pub unplaced: usize,
}

/// The labels a series is matched on: those the latency-bucket query keeps.
fn identity(obs: &Observation) -> [&str; 13] {
    [
        obs.reporter.as_str(),
        &obs.source.workload,
        &obs.source.namespace,
        &obs.source.canonical_service,
        &obs.source.cluster,
        &obs.destination.workload,
        &obs.destination.namespace,
        &obs.destination.canonical_service,
        &obs.destination.cluster,
        &obs.service.fqdn,
        &obs.service.name,
        &obs.service.namespace,
        &obs.request_protocol,
    ]
}

/// The one edge a series' disposition places it on.
fn edge_of(disposition: &Disposition) -> Option<usize> {
    match disposition {
        Disposition::Rates { edge, .. }
        | Disposition::FailedBeforeServer { edge }
        | Disposition::Transport { edge, .. }
        | Disposition::Duplicate { edge, .. } => Some(*edge),
        Disposition::WaypointHop { edges, .. } | Disposition::NetworkGatewayHop { edges, .. } => {
            match edges.as_slice() {
                [edge] => Some(*edge),
                _ => None,
            }
        }
    }
}

/// Places exemplars on the logical edges of `rec`, which was reconciled from
/// `observations` with `options`. Each edge keeps its
/// [`MAX_EXEMPLARS_PER_EDGE`] most recent distinct trace ids and their count.
pub fn attach_exemplars(
    rec: &mut Reconciliation,
    observations: &[Observation],
    exemplars: &[ExemplarSeries],
    options: &ClassifyOptions,
) -> ExemplarPlacement {
    // Candidate series by identity: buckets first, then requests.
    let mut by_identity: HashMap<[&str; 13], Vec<usize>> = HashMap::new();
    for metric in [Metric::RequestDurationBucket, Metric::Requests] {
        for (i, obs) in observations.iter().enumerate() {
            if obs.metric == metric {
                by_identity.entry(identity(obs)).or_default().push(i);
            }
        }
    }
    // The scrape labels that tell emitters apart must agree where the
    // reconciled series kept them.
    let scrape_labels = [
        options.ztunnel_label.as_str(),
        options.cluster_label.as_str(),
    ];
    let agrees = |reconciled: &Observation, raw: &Observation| {
        scrape_labels.iter().all(|label| {
            reconciled
                .extra
                .get(*label)
                .is_none_or(|v| raw.extra.get(*label) == Some(v))
        })
    };
    let mut seen: HashMap<usize, BTreeSet<&str>> = HashMap::new();
    let mut placement = ExemplarPlacement::default();
    for series in exemplars {
        let edge = by_identity
            .get(&identity(&series.series))
            .and_then(|candidates| {
                candidates
                    .iter()
                    .find(|&&i| agrees(&observations[i], &series.series))
            })
            .and_then(|&i| rec.dispositions.get(i))
            .and_then(edge_of)
            .filter(|&edge| edge < rec.edges.len());
        let Some(edge) = edge else {
            placement.unplaced += series.exemplars.len();
            continue;
        };
        placement.placed += series.exemplars.len();
        let ids = seen.entry(edge).or_default();
        let figures = rec.edges[edge]
            .exemplars
            .get_or_insert_with(Default::default);
        for e in &series.exemplars {
            if ids.insert(&e.trace_id) {
                figures.count += 1;
            }
            figures.keep(e);
        }
    }
    placement
}
