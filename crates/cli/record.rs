//! `meshgraph record DIR`: save every query and its exact answer for `--replay`.

use anyhow::Context;
use meshgraph_prometheus::Recorder;

use crate::cli::{GlobalArgs, RecordArgs};
use crate::{Exit, input};

pub fn run(global: &GlobalArgs, args: &RecordArgs) -> anyhow::Result<Exit> {
    let recorder = Recorder::create(&args.dir)
        .with_context(|| format!("recording into {}", args.dir.display()))?;
    let collected = input::collect_prometheus(&args.prometheus, Some(&recorder))?;
    if !global.quiet {
        if let Some(summary) = &collected.summary {
            eprintln!("meshgraph: {summary}");
        }
        eprintln!(
            "meshgraph: recorded {} series into {}; replay with --replay {}",
            collected.observations.len(),
            args.dir.display(),
            args.dir.display()
        );
    }
    Ok(Exit::Clean)
}
