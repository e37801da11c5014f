//! `meshgraph diff OLD NEW`.

use anyhow::Context;
use meshgraph_export::{DiffOptions, diff_snapshots, diff_text};

use crate::cli::{DiffArgs, TextOrJson};
use crate::{Exit, output};

pub fn run(args: &DiffArgs) -> anyhow::Result<Exit> {
    output::refuse_overwriting(&[&args.output], &[args.old.as_path(), args.new.as_path()])?;
    let read = |p: &std::path::Path| {
        crate::input::read_text(p, crate::input::MIB_512)
            .with_context(|| format!("reading {}", p.display()))
    };
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let options = DiffOptions {
        error_points: args.error_points,
        latency_increase: args.latency_increase,
    };
    let origins = (
        args.old.display().to_string(),
        args.new.display().to_string(),
    );
    let diff = diff_snapshots(&old, &new, (&origins.0, &origins.1), &options)?;
    let text = match args.format {
        TextOrJson::Text => diff_text(&diff),
        TextOrJson::Json => format!("{}\n", serde_json::to_string_pretty(&diff)?),
    };
    output::write_output(&args.output, text.as_bytes()).context("writing the differences")?;
    Ok(if diff.has_regressions() {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
