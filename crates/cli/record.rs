//! `meshgraph record DIR`: save every query and its exact answer, the trace
//! answers and the objects read, for `--replay`.

use std::path::Path;

use anyhow::Context;
use meshgraph_source::Recorder;

use crate::cli::{GlobalArgs, RecordArgs};
use crate::{Exit, input, output};

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
    // The recording is made in a hidden folder beside DIR and renamed to DIR
    // only when it is complete: a failed or interrupted run leaves nothing
    // that could replay as a healthy, empty mesh.
    let staging = staging_dir(&args.dir)?;
    let recorder = Recorder::create(staging.path())
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
        &args.config,
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
    drop(recorder);
    publish(staging, &args.dir)?;
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

/// A new hidden folder beside `dir` for the recording in progress; `dir`
/// itself must not exist yet or be an empty folder.
fn staging_dir(dir: &Path) -> anyhow::Result<tempfile::TempDir> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!(
                    "cannot record into {}: the folder is not empty; choose a new one",
                    dir.display()
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            anyhow::bail!("cannot record into {}: it is a file", dir.display())
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", dir.display()))),
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    output::remove_stale(parent);
    let staging = tempfile::Builder::new()
        .prefix(&format!(
            "{}{}-record-",
            output::TEMP_PREFIX,
            std::process::id()
        ))
        .suffix(output::TEMP_SUFFIX)
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    output::track_pending(staging.path());
    Ok(staging)
}

/// Moves the finished recording to `dir` (replacing an empty folder).
fn publish(staging: tempfile::TempDir, dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        std::fs::remove_dir(dir)
            .with_context(|| format!("cannot replace the empty folder {}", dir.display()))?;
    }
    let path = staging.keep();
    std::fs::rename(&path, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    output::forget_pending(&path);
    Ok(())
}
