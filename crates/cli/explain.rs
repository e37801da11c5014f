//! `meshgraph explain SRC DST`.

use anyhow::bail;
use meshgraph_core::{Endpoint, explain, parse_endpoint};
use meshgraph_export::{explain_json, explain_text};

use crate::cli::{ExplainArgs, GlobalArgs, TextOrJson};
use crate::{Exit, input, output};

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<Exit> {
    let collected = input::collect(&args.input, &[], false)?;
    collected.report(global.quiet);
    let classify = collected.classify_options(&args.input.prometheus.ztunnel_label);
    let rec = collected.reconcile(&classify);
    let (source, destination) = (
        parse_endpoint(&args.source),
        parse_endpoint(&args.destination),
    );
    let explanation = explain(&rec, &collected.observations, &source, &destination);
    if explanation.series.is_empty() {
        let from_source: Vec<String> = rec
            .edges
            .iter()
            .filter(|e| e.source == source)
            .map(|e| name(&e.destination))
            .collect();
        if from_source.is_empty() {
            bail!(
                "no series from {} to {}, and no edge from {}",
                args.source,
                args.destination,
                args.source
            );
        }
        bail!(
            "no series from {} to {}; edges from it go to: {}",
            args.source,
            args.destination,
            from_source.join(", ")
        );
    }
    let text = match args.format {
        TextOrJson::Text => explain_text(&rec, &collected.observations, &explanation),
        TextOrJson::Json => explain_json(&rec, &collected.observations, &explanation)?,
    };
    output::write_output("-", text.as_bytes())?;
    Ok(Exit::Clean)
}

fn name(e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(w) => w.to_string(),
        Endpoint::Service { namespace, name } => format!("service:{namespace}/{name}"),
        Endpoint::External { host } => format!("external:{host}"),
        Endpoint::Unknown => "unknown".into(),
    }
}
