//! `meshgraph record DIR`: save every query and its exact answer, the trace
//! answers and the objects read, for `--replay`.

use anyhow::Context;
use meshgraph_source::Recorder;

use crate::cli::{GlobalArgs, RecordArgs};
use crate::{Exit, input};

pub fn run(global: &GlobalArgs, args: &RecordArgs) -> anyhow::Result<Exit> {
    let wants_traces = args.traces.jaeger.is_some()
        || args.traces.tempo.is_some()
        || !args.traces.traces_files.is_empty();
    // With nothing given, the mesh's Prometheus found in the cluster of the
    // kube context (and that cluster's objects, unless --no-cluster).
    let mut discovered = None;
    if args.prometheus.prometheus.is_none()
        && !wants_traces
        && args.config.files.is_empty()
        && !args.config.cluster
    {
        discovered = input::discover_prometheus(&args.config)?;
        if discovered.is_none() {
            anyhow::bail!(
                "nothing to record: give --prometheus URL, --jaeger/--tempo URL, -f PATH or --cluster (or point KUBECONFIG at a cluster whose Prometheus meshgraph can find)"
            );
        }
    }
    let recorder = Recorder::create(&args.dir)
        .with_context(|| format!("recording into {}", args.dir.display()))?;
    let scope = input::read_scope(&args.scope, None)?;
    let prometheus = args
        .prometheus
        .prometheus
        .clone()
        .map(|url| (url, None))
        .or_else(|| discovered.map(|(url, found_by)| (url, Some(found_by))));
    let through_cluster = prometheus
        .as_ref()
        .is_some_and(|(url, _)| url.starts_with("k8s://"));
    let mut collected = match &prometheus {
        Some((url, found_by)) => input::collect_prometheus(
            &args.prometheus,
            url,
            found_by.as_deref(),
            &args.config,
            &scope,
            Some(&recorder),
        )?,
        None => {
            let collected = input::Collected::for_traces_only(&scope);
            recorder.set_scope(collected.scope.recorded())?;
            collected
        }
    };
    input::collect_traces(
        &args.traces,
        &args.prometheus.query_timeout,
        &mut collected,
        Some(&recorder),
    )?;
    let cluster = args.config.cluster || (through_cluster && !args.config.no_cluster);
    input::collect_objects(&args.config, cluster, &[], &mut collected)?;
    if !collected.config.objects.is_empty() {
        // The objects as meshgraph read them (from -f and --cluster), so a
        // replay checks the same configuration with no cluster at hand.
        let values: Vec<serde_json::Value> = collected
            .config
            .objects
            .iter()
            .map(|o| o.to_value())
            .collect();
        recorder.record_objects(&values)?;
    }
    collected.report(global.quiet);
    if !global.quiet {
        eprintln!(
            "meshgraph: recorded {} series and {} objects into {}; replay with --replay {}",
            collected.observations.len(),
            collected.config.objects.len(),
            args.dir.display(),
            args.dir.display()
        );
    }
    Ok(Exit::Clean)
}
