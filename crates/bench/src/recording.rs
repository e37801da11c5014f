//! `meshgraph-bench record WORKLOADS[:NAMESPACES] DIR`: writes a generated
//! mesh's ten answers as a recording, so that `meshgraph snapshot --replay
//! DIR` can be timed, with its peak memory, in a process of its own (issue
//! 14: a million answer series decoded, reconciled and exported from a
//! replay). The answers are those the in-memory benchmark decodes.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, anyhow};
use meshgraph_prometheus::queries::{family_name, latency_part_matchers, promql_duration};
use meshgraph_prometheus::{PrometheusEntry, QueryPlan, RecordedScope, Recorder};

use crate::answer;
use crate::mesh::{self, MeshSize};

/// Writes the recording into `dir` (which must not exist or be empty);
/// returns the number of answer series and the bytes written.
pub fn write(size: MeshSize, dir: &Path) -> Result<(usize, usize)> {
    let (toml, _) = mesh::scenario_toml(size);
    let scenario = meshgraph_scenario::Scenario::from_toml(&toml, "generated mesh")?;
    drop(toml);
    let raw = scenario.telemetry();
    let window = Duration::from_secs(scenario.window_seconds);
    let at = scenario.at as f64;
    let recorder = Recorder::create(dir)?;
    recorder.set_scope(RecordedScope {
        namespaces: Vec::new(),
        at,
        window_seconds: window.as_secs_f64(),
    })?;
    let (mut series, mut bytes) = (0, 0);
    // The queries a run of this plan sends, so that the replay reads the
    // answers as its own.
    let matchers = latency_part_matchers();
    for query in QueryPlan::new(at, window).render()? {
        let part = query
            .part
            .as_ref()
            .and_then(|m| matchers.iter().position(|known| known == m));
        let (body, n) = answer::render_part(&raw, query.metric, scenario.at, part)?;
        recorder.record_prometheus(
            PrometheusEntry {
                family: family_name(query.metric).into(),
                series_name: query.metric.series_name().into(),
                query: query.query,
                time: at,
                window: promql_duration(window).map_err(|e| anyhow!(e))?,
                file: String::new(),
                part: query.part,
            },
            &body,
        )?;
        series += n;
        bytes += body.len();
    }
    Ok((series, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_recording_replays_to_the_graph_of_the_generated_mesh() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle");
        let size = MeshSize {
            workloads: 30,
            namespaces: 3,
        };
        let (series, bytes) = write(size, &bundle).unwrap();
        assert!(
            series > 1000 && bytes > 100_000,
            "{series} series, {bytes} bytes"
        );
        let (toml, _) = mesh::scenario_toml(size);
        let scenario = meshgraph_scenario::Scenario::from_toml(&toml, "generated mesh").unwrap();
        let plan = QueryPlan::new(
            scenario.at as f64,
            Duration::from_secs(scenario.window_seconds),
        );
        let replayed = meshgraph_prometheus::replay(&bundle, &plan).unwrap();
        assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
        assert_eq!(replayed.stats.series, series);
        let options = meshgraph_core::ClassifyOptions::default();
        let graph = |obs: &[meshgraph_model::Observation]| {
            let rec = meshgraph_core::reconcile(obs, &options);
            let graph = meshgraph_core::build_graph(&rec, &meshgraph_core::GraphOptions::default());
            (graph.graph.node_count(), graph.graph.edge_count())
        };
        assert_eq!(graph(&replayed.observations), graph(&scenario.telemetry()));
    }
}
