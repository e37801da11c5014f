//! `meshgraph explain SRC DST`.

use anyhow::{Context, bail};
use meshgraph_core::{Endpoint, explain, parse_endpoint};
use meshgraph_export::{explain_json, explain_text};

use crate::cli::{ExplainArgs, GlobalArgs, TextOrJson};
use crate::{Exit, input, output};

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<Exit> {
    output::refuse_overwriting(&[&args.output], &output::input_paths(&args.input, global))?;
    let collected = input::collect(&args.input, &[], false)?;
    collected.report(global.quiet);
    let classify = collected.classify_options(&args.input.prometheus);
    let rec = collected.reconcile(&classify);
    let (source, destination) = (
        parse_endpoint(&args.source),
        parse_endpoint(&args.destination),
    );
    let explanation = explain(&rec, &collected.observations, &source, &destination);
    if explanation.series.is_empty() {
        let hints = suggestions(&rec, &[&args.source, &args.destination]);
        if !hints.is_empty() {
            bail!(
                "no series from {} to {}; did you mean {}?",
                args.source,
                args.destination,
                hints.join(", ")
            );
        }
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
    output::write_output(&args.output, text.as_bytes()).context("writing the explanation")?;
    Ok(collected
        .empty_exit(args.input.allow_empty, global.quiet)
        .unwrap_or(Exit::Clean))
}

/// For a word without a namespace (`productpage-v1`), the ids of the graph's
/// endpoints with that name (`bookinfo/productpage-v1`); in a multi-cluster
/// mesh, for a name without a cluster (`bookinfo/reviews-v2`), the same
/// endpoint in each cluster (`east/bookinfo/reviews-v2`).
fn suggestions(rec: &meshgraph_core::Reconciliation, words: &[&str]) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    let multi = rec.classification.clusters.is_multi();
    for word in words.iter().filter(|w| **w != "unknown") {
        let parsed = parse_endpoint(word);
        for edge in &rec.edges {
            for end in [&edge.source, &edge.destination] {
                let matches = if word.contains('/') {
                    multi && parsed.cluster().is_empty() && end.without_cluster() == parsed
                } else {
                    match end {
                        Endpoint::Workload(w) => w.name == *word,
                        Endpoint::Service { name, .. } => name == word,
                        _ => false,
                    }
                };
                if matches {
                    out.insert(name(end));
                }
            }
        }
    }
    out.into_iter().collect()
}

fn name(e: &Endpoint) -> String {
    e.name()
}
