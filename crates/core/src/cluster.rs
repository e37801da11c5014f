//! Which cluster each end of a series is in, when the mesh spans several
//! (docs/multicluster.md).
//!
//! `source_cluster` / `destination_cluster` are the authority. A scrape label
//! (`cluster` by default, added by a federating Prometheus) names the cluster
//! of the proxy that emitted the series; it fills in a side whose own label is
//! `unknown`, and it is the only way to separate clusters when every proxy
//! kept Istio's default cluster name. When the telemetry names at most one
//! cluster, every cluster is the empty string and ids stay as in a
//! single-cluster mesh.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_model::{Observation, Peer, Reporter, UNKNOWN};

use crate::endpoint::{Endpoint, WorkloadRef};

/// The scrape label a federating Prometheus adds by default.
pub const DEFAULT_CLUSTER_LABEL: &str = "cluster";

/// Where the clusters of the graph come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterEvidence {
    /// The telemetry names at most one cluster: ids carry no cluster.
    Single,
    /// `source_cluster` / `destination_cluster` name several clusters.
    Labels,
    /// Every proxy reports one cluster name, but the scrape label names several.
    ScrapeLabel,
}

/// The clusters the telemetry names and how to place each end of a series.
#[derive(Debug, Clone)]
pub struct Clusters {
    pub evidence: ClusterEvidence,
    /// Cluster names, empty for a single-cluster mesh.
    pub names: BTreeSet<String>,
    /// The scrape label read as the emitting proxy's cluster.
    pub scrape_label: String,
    /// Scrape-label mode: the cluster each (namespace, workload) reports from,
    /// when it reports from exactly one.
    homes: BTreeMap<(String, String), String>,
}

/// Hashed, then sorted: a million series name a handful of clusters.
fn distinct(names: hashbrown::HashSet<&str>) -> BTreeSet<&str> {
    names.into_iter().collect()
}

fn known(value: &str) -> bool {
    !value.is_empty() && value != UNKNOWN
}

impl Clusters {
    /// A single-cluster mesh (no cluster in any id).
    pub fn single() -> Self {
        Clusters {
            evidence: ClusterEvidence::Single,
            names: BTreeSet::new(),
            scrape_label: DEFAULT_CLUSTER_LABEL.into(),
            homes: BTreeMap::new(),
        }
    }

    /// Reads the clusters from the series.
    pub fn detect(observations: &[Observation], scrape_label: &str) -> Self {
        let mut clusters = Clusters {
            scrape_label: scrape_label.to_string(),
            ..Clusters::single()
        };
        let labelled = distinct(
            observations
                .iter()
                .flat_map(|o| [o.source.cluster.as_str(), o.destination.cluster.as_str()])
                .filter(|c| known(c))
                .collect(),
        );
        if labelled.len() > 1 {
            clusters.evidence = ClusterEvidence::Labels;
            clusters.names = labelled.into_iter().map(str::to_string).collect();
            return clusters;
        }
        let scraped = distinct(
            observations
                .iter()
                .filter_map(|o| o.extra.get(scrape_label).map(String::as_str))
                .filter(|c| known(c))
                .collect(),
        );
        if scraped.len() > 1 {
            clusters.evidence = ClusterEvidence::ScrapeLabel;
            clusters.names = scraped.into_iter().map(str::to_string).collect();
            let mut homes: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
            for obs in observations {
                let (Some(cluster), Some(peer)) = (clusters.scraped(obs), reporting_peer(obs))
                else {
                    continue;
                };
                if !peer.is_unknown() {
                    homes
                        .entry((peer.namespace.clone(), peer.workload.clone()))
                        .or_default()
                        .insert(cluster.to_string());
                }
            }
            clusters.homes = homes
                .into_iter()
                .filter(|(_, c)| c.len() == 1)
                .filter_map(|(w, c)| c.into_iter().next().map(|c| (w, c)))
                .collect();
        }
        clusters
    }

    /// Whether node ids carry the cluster.
    pub fn is_multi(&self) -> bool {
        self.evidence != ClusterEvidence::Single
    }

    fn scraped<'o>(&self, obs: &'o Observation) -> Option<&'o str> {
        obs.extra
            .get(&self.scrape_label)
            .map(String::as_str)
            .filter(|c| known(c))
    }

    /// The cluster of the series' source, `""` in a single-cluster mesh.
    pub fn of_source(&self, obs: &Observation) -> String {
        self.of_side(obs, true)
    }

    /// The cluster of the series' destination, `""` in a single-cluster mesh.
    pub fn of_destination(&self, obs: &Observation) -> String {
        self.of_side(obs, false)
    }

    fn of_side(&self, obs: &Observation, source: bool) -> String {
        let (own, other) = if source {
            (&obs.source, &obs.destination)
        } else {
            (&obs.destination, &obs.source)
        };
        let reporting = match obs.reporter {
            Reporter::Source => source,
            Reporter::Destination => !source,
            Reporter::Waypoint => false,
        };
        match self.evidence {
            ClusterEvidence::Single => String::new(),
            ClusterEvidence::Labels => {
                if known(&own.cluster) {
                    own.cluster.clone()
                } else if let Some(c) = self.scraped(obs).filter(|_| reporting) {
                    c.to_string()
                } else if known(&other.cluster) {
                    // A client that found no peer writes `unknown`: the call
                    // stayed in its own cluster as far as anyone can tell
                    // (multicluster.md, "Failed calls").
                    other.cluster.clone()
                } else {
                    self.scraped(obs).unwrap_or(UNKNOWN).to_string()
                }
            }
            ClusterEvidence::ScrapeLabel => {
                let scraped = self.scraped(obs);
                if reporting && let Some(c) = scraped {
                    return c.to_string();
                }
                self.homes
                    .get(&(own.namespace.clone(), own.workload.clone()))
                    .cloned()
                    .or_else(|| scraped.map(str::to_string))
                    .unwrap_or_else(|| UNKNOWN.to_string())
            }
        }
    }

    /// The workload that sent the series, with its cluster.
    pub fn source(&self, obs: &Observation) -> Option<WorkloadRef> {
        WorkloadRef::of_peer(&obs.source).map(|w| w.in_cluster(self.of_source(obs)))
    }

    /// The workload that received the series, with its cluster.
    pub fn destination(&self, obs: &Observation) -> Option<WorkloadRef> {
        WorkloadRef::of_peer(&obs.destination).map(|w| w.in_cluster(self.of_destination(obs)))
    }

    /// [`Endpoint::source_of`] with the cluster.
    pub fn source_endpoint(&self, obs: &Observation) -> Endpoint {
        self.source(obs)
            .map_or(Endpoint::Unknown, Endpoint::Workload)
    }

    /// [`Endpoint::destination_of`] with the cluster.
    pub fn destination_endpoint(&self, obs: &Observation) -> Endpoint {
        match Endpoint::destination_of(obs) {
            Endpoint::Workload(w) => Endpoint::Workload(w.in_cluster(self.of_destination(obs))),
            Endpoint::Service {
                namespace, name, ..
            } => Endpoint::Service {
                cluster: self.of_destination(obs),
                namespace,
                name,
            },
            other => other,
        }
    }
}

/// The peer of the proxy that emitted the series (none for a waypoint).
fn reporting_peer(obs: &Observation) -> Option<&Peer> {
    match obs.reporter {
        Reporter::Source => Some(&obs.source),
        Reporter::Destination => Some(&obs.destination),
        Reporter::Waypoint => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshgraph_model::Metric;

    fn obs(
        reporter: &str,
        src: (&str, &str),
        dst: (&str, &str),
        scrape: Option<&str>,
    ) -> Observation {
        let mut labels: BTreeMap<String, String> = [
            ("reporter", reporter),
            ("source_workload", src.0),
            ("source_workload_namespace", "bookinfo"),
            ("source_cluster", src.1),
            ("destination_workload", dst.0),
            ("destination_workload_namespace", "bookinfo"),
            ("destination_cluster", dst.1),
            ("destination_service", "reviews.bookinfo.svc.cluster.local"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Some(c) = scrape {
            labels.insert("cluster".into(), c.into());
        }
        Observation::from_labels(Metric::Requests, labels, 1.0).unwrap()
    }

    #[test]
    fn one_cluster_name_keeps_ids_without_cluster() {
        let series = [obs(
            "source",
            ("a", "Kubernetes"),
            ("b", "Kubernetes"),
            None,
        )];
        let clusters = Clusters::detect(&series, "cluster");
        assert!(!clusters.is_multi());
        assert_eq!(
            clusters.source(&series[0]).unwrap().to_string(),
            "bookinfo/a"
        );
    }

    #[test]
    fn cluster_labels_are_the_authority_and_unknown_falls_back() {
        let series = [
            obs("source", ("a", "east"), ("b", "west"), Some("east")),
            obs("source", ("a", "east"), ("b", "unknown"), Some("east")),
        ];
        let clusters = Clusters::detect(&series, "cluster");
        assert_eq!(clusters.evidence, ClusterEvidence::Labels);
        assert_eq!(
            clusters.destination(&series[0]).unwrap().to_string(),
            "west/bookinfo/b"
        );
        assert_eq!(
            clusters.destination(&series[1]).unwrap().to_string(),
            "east/bookinfo/b",
            "an unknown destination cluster is taken as the caller's"
        );
    }

    #[test]
    fn the_scrape_label_separates_clusters_when_every_proxy_says_kubernetes() {
        let series = [
            obs(
                "source",
                ("a", "Kubernetes"),
                ("b", "Kubernetes"),
                Some("east"),
            ),
            obs(
                "destination",
                ("a", "Kubernetes"),
                ("b", "Kubernetes"),
                Some("west"),
            ),
        ];
        let clusters = Clusters::detect(&series, "cluster");
        assert_eq!(clusters.evidence, ClusterEvidence::ScrapeLabel);
        for o in &series {
            assert_eq!(clusters.source(o).unwrap().to_string(), "east/bookinfo/a");
            assert_eq!(
                clusters.destination(o).unwrap().to_string(),
                "west/bookinfo/b"
            );
        }
        assert!(!Clusters::detect(&series, "region").is_multi());
    }
}
