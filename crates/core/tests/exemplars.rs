//! Exemplars land on the logical edge of the series they came from, whoever
//! reported it (client sidecar, server sidecar, gateway, waypoint), and on no
//! other edge.

use std::collections::{BTreeMap, BTreeSet};

use meshgraph_core::{
    ClassifyOptions, Endpoint, GraphOptions, MAX_EXEMPLARS_PER_EDGE, WorkloadRef, attach_exemplars,
    build_graph, reconcile,
};
use meshgraph_model::{Emitter, Exemplar, ExemplarSeries, GraphType, Metric, Observation};

/// A stable 16-hex-digit tag of a text (FNV-1a).
fn tag(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// The trace id of an exemplar about the call `source -> destination`
/// reported by `reporter`: the call's tag, then the reporter's.
fn trace_id(source: &Endpoint, destination: &Endpoint, reporter: &str) -> String {
    format!(
        "{}{}",
        tag(&format!("{}>{}", source.name(), destination.name())),
        tag(reporter)
    )
}

/// The raw series behind a reconciled one: its labels plus what the query
/// aggregated away (pod, instance), and another `le`.
fn raw(obs: &Observation) -> Observation {
    let mut labels: BTreeMap<String, String> = obs.labels().into_iter().collect();
    labels.insert(
        "pod".into(),
        format!("{}-7d4b9c-x2x8q", obs.destination.workload),
    );
    labels.insert("instance".into(), "10.0.0.7:15020".into());
    labels.insert("le".into(), "25".into());
    Observation::from_labels(Metric::RequestDurationBucket, labels, 0.0).unwrap()
}

/// Places one exemplar per call series of `scenario` and checks each landed
/// on its call's edge. Gives the edges with exemplars, the emitters behind
/// each trace id, and the most reporters one edge got exemplars from.
fn exemplars_of(scenario: &str) -> (usize, BTreeMap<String, BTreeSet<Emitter>>, usize) {
    let observations = meshgraph_scenario::builtin(scenario)
        .unwrap()
        .unwrap()
        .telemetry();
    let options = ClassifyOptions::default();
    let mut rec = reconcile(&observations, &options);
    let is_waypoint = |e: &Endpoint| {
        matches!(e, Endpoint::Workload(w) if rec.classification.waypoints.contains_key(w)
            || rec.classification.waypoints.contains_key(&WorkloadRef::new(&w.namespace, &w.name)))
    };
    // One exemplar series per reconciled latency series that is about a
    // call (not a hop to or from a waypoint), tagged with its call.
    let mut emitters: BTreeMap<String, BTreeSet<Emitter>> = BTreeMap::new();
    let mut series = Vec::new();
    for (i, obs) in observations.iter().enumerate() {
        let (s, d) = (Endpoint::source_of(obs), Endpoint::destination_of(obs));
        if obs.metric != Metric::RequestDurationBucket || is_waypoint(&s) || is_waypoint(&d) {
            continue;
        }
        let id = trace_id(&s, &d, obs.reporter.as_str());
        emitters
            .entry(id.clone())
            .or_default()
            .insert(rec.classification.emitters[i]);
        series.push(ExemplarSeries {
            series: raw(obs),
            exemplars: vec![Exemplar {
                trace_id: id,
                value: Some(12.0),
                timestamp: 1_700_000_000.0 + i as f64,
            }],
        });
    }
    // A series nothing was reconciled from.
    let mut stranger = series[0].clone();
    stranger.series.source.workload = "nobody".into();
    stranger.exemplars[0].trace_id = "ffffffffffffffff".into();
    series.push(stranger);

    let placement = attach_exemplars(&mut rec, &observations, &series, &options);
    assert_eq!(placement.unplaced, 1, "{scenario}");
    assert_eq!(placement.placed, series.len() - 1, "{scenario}");

    let mut with_exemplars = 0;
    let mut most_reporters = 0;
    for edge in &rec.edges {
        let Some(figures) = &edge.exemplars else {
            continue;
        };
        with_exemplars += 1;
        let call = tag(&format!(
            "{}>{}",
            edge.source.name(),
            edge.destination.name()
        ));
        assert!(figures.recent.len() <= MAX_EXEMPLARS_PER_EDGE);
        assert!(figures.count as usize >= figures.recent.len());
        for id in figures.trace_ids() {
            assert!(
                id.starts_with(&call),
                "{scenario}: {id} ({:?}) on {} -> {}",
                emitters.get(id),
                edge.source.name(),
                edge.destination.name()
            );
        }
        let reporters: BTreeSet<&str> = figures.trace_ids().map(|id| &id[16..]).collect();
        most_reporters = most_reporters.max(reporters.len());
        // Most recent first.
        assert!(
            figures
                .recent
                .windows(2)
                .all(|w| w[0].timestamp >= w[1].timestamp)
        );
    }
    (with_exemplars, emitters, most_reporters)
}

#[test]
fn sidecar_exemplars_from_both_ends_land_on_the_call() {
    let (edges, emitters, most_reporters) = exemplars_of("bookinfo-sidecar");
    assert!(edges >= 3, "{edges}");
    // The client's and the server's sidecar of one call share its edge.
    assert_eq!(most_reporters, 2);
    // Both sidecars of a call gave exemplars, and they share its edge.
    let both = emitters.values().flatten().collect::<BTreeSet<_>>();
    assert!(both.contains(&Emitter::EnvoySource), "{both:?}");
    assert!(both.contains(&Emitter::EnvoyDestination), "{both:?}");
}

#[test]
fn waypoint_and_mixed_exemplars_land_on_the_call() {
    let (edges, emitters, _) = exemplars_of("bookinfo-waypoint");
    assert!(edges >= 1, "{edges}");
    assert!(
        emitters.values().flatten().any(|e| *e == Emitter::Waypoint),
        "{emitters:?}"
    );
    let (edges, _, _) = exemplars_of("bookinfo-mixed");
    assert!(edges >= 3, "{edges}");
}

#[test]
fn an_edge_keeps_the_five_most_recent_distinct_ids_and_counts_them_all() {
    let observations = meshgraph_scenario::builtin("bookinfo-sidecar")
        .unwrap()
        .unwrap()
        .telemetry();
    let options = ClassifyOptions::default();
    let mut rec = reconcile(&observations, &options);
    let bucket = observations
        .iter()
        .position(|o| o.metric == Metric::RequestDurationBucket)
        .unwrap();
    let exemplars: Vec<Exemplar> = (0..8u32)
        .flat_map(|n| {
            // Each id twice: counted once.
            [0.0, 0.5].map(|later| Exemplar {
                trace_id: format!("{n:032x}"),
                value: None,
                timestamp: 1_700_000_000.0 + f64::from(n) + later,
            })
        })
        .collect();
    let series = vec![ExemplarSeries {
        series: raw(&observations[bucket]),
        exemplars,
    }];
    attach_exemplars(&mut rec, &observations, &series, &options);
    let edges: Vec<_> = rec
        .edges
        .iter()
        .filter_map(|e| e.exemplars.as_ref())
        .collect();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0].count, 8);
    let ids: Vec<&str> = edges[0].trace_ids().collect();
    let want: Vec<String> = (3..8u32).rev().map(|n| format!("{n:032x}")).collect();
    assert_eq!(ids, want);

    // The drawn graph carries them, merged when edges are summed.
    for graph_type in [GraphType::Workload, GraphType::Service] {
        let graph = build_graph(
            &rec,
            &GraphOptions {
                graph_type,
                show_waypoints: false,
                show_infra: true,
            },
        );
        let drawn: Vec<_> = graph
            .edges()
            .filter_map(|(_, _, e)| e.exemplars.as_ref())
            .collect();
        // One drawn edge at workload level; the service graph draws the
        // call as client -> service -> server, both carrying it.
        let expected = if graph_type == GraphType::Workload {
            1
        } else {
            2
        };
        assert_eq!(drawn.len(), expected, "{graph_type:?}");
        for edge in drawn {
            assert_eq!(edge.count, 8);
            assert_eq!(edge.trace_ids().collect::<Vec<_>>(), want);
        }
    }
}
