//! `meshgraph record DIR`: save every query and its exact answer for `--replay`.

use anyhow::Context;
use meshgraph_prometheus::Recorder;

use crate::cli::{GlobalArgs, RecordArgs};
use crate::{Exit, input};

pub fn run(global: &GlobalArgs, args: &RecordArgs) -> anyhow::Result<Exit> {
    let recorder = Recorder::create(&args.dir)
        .with_context(|| format!("recording into {}", args.dir.display()))?;
    let mut collected = if args.prometheus.prometheus.is_some() {
        input::collect_prometheus(&args.prometheus, Some(&recorder))?
    } else {
        input::Collected::for_traces_only(&args.prometheus)?
    };
    input::collect_traces(
        &args.traces,
        &args.prometheus,
        &mut collected,
        Some(&recorder),
    )?;
    if collected.observations.is_empty()
        && collected.trace_calls.is_none()
        && args.prometheus.prometheus.is_none()
    {
        anyhow::bail!("nothing to record: give --prometheus URL and/or --jaeger/--tempo URL");
    }
    collected.report(global.quiet);
    if !global.quiet {
        eprintln!(
            "meshgraph: recorded {} series into {}; replay with --replay {}",
            collected.observations.len(),
            args.dir.display(),
            args.dir.display()
        );
    }
    Ok(Exit::Clean)
}
