//! `meshgraph report --range`: the worst and the regressed edges over a
//! range before `--at` (request rate and 5xx rate from two range queries),
//! drawn as sparklines in the page's Range section and edge panel.

use std::time::Duration;

use anyhow::{Context, bail};
use meshgraph_export::{RangeEdgeSeries, RangeView, worst_edges};
use meshgraph_history::record::edge_resource;
use meshgraph_model::NodeKind;
use meshgraph_prometheus::range::{RangeEdge, RangePlan, check_range, collect_range};
use meshgraph_source::parse_window;

use crate::cli::{InputArgs, ReportArgs};
use crate::input::{prometheus_server, runtime};
use crate::snapshot::Built;

/// The shortest default step.
const MIN_DEFAULT_STEP: Duration = Duration::from_secs(15);
/// The default step divides the range into this many steps.
const DEFAULT_STEPS: u32 = 96;

/// The range and step asked for, checked; `None` without `--range`. Called
/// before anything is collected, so that a bad range fails at once.
pub fn parse(args: &ReportArgs) -> anyhow::Result<Option<(Duration, Duration)>> {
    let Some(text) = &args.range else {
        if args.step.is_some() {
            bail!("--step is the step of --range; give --range too (e.g. --range 24h --step 15m)");
        }
        return Ok(None);
    };
    let range = parse_window(text).context("--range")?;
    let step = match &args.step {
        Some(text) => parse_window(text).context("--step")?,
        None => (range / DEFAULT_STEPS).max(MIN_DEFAULT_STEP),
    };
    // A range shorter than the default's minimum step is one step.
    let step = if args.step.is_none() {
        step.min(range)
    } else {
        step
    };
    check_range(range, step).map_err(anyhow::Error::msg)?;
    live_only(&args.input)?;
    Ok(Some((range, step)))
}

/// Range series come from a live Prometheus only: a recording holds
/// instant answers, a scenario has no past.
fn live_only(input: &InputArgs) -> anyhow::Result<()> {
    let other = if input.replay.is_some() {
        Some("--replay")
    } else if input.demo.is_some() {
        Some("--demo")
    } else if input.scenario.is_some() {
        Some("--scenario")
    } else {
        None
    };
    if let Some(other) = other {
        bail!(
            "--range queries a live Prometheus (query_range) and cannot be used with {other}: a recording and a scenario hold one instant; drop --range, or give --prometheus URL"
        );
    }
    if input.prometheus.prometheus.is_none() {
        bail!("--range needs --prometheus URL (the range series are queried live)");
    }
    Ok(())
}

/// The edges to draw: the regressed ones first (edge rules of `--history`,
/// as `SOURCE -> TARGET`), then the worst by error share and p99, at most
/// `n`, workload to workload only (the range queries select on workloads).
pub fn select(
    built: &Built,
    regressed: &[String],
    n: usize,
) -> (Vec<(String, String, RangeEdge)>, usize) {
    let workload = |node: &meshgraph_core::graph::Node| {
        node.id.starts_with("workload:")
            && matches!(
                node.kind,
                NodeKind::Workload | NodeKind::Gateway | NodeKind::Waypoint
            )
            && node.namespace.is_some()
    };
    let ranked = worst_edges(&built.graph);
    let mut skipped = 0;
    let mut out: Vec<(String, String, RangeEdge)> = Vec::new();
    let is_regressed =
        |from: &str, to: &str| regressed.iter().any(|r| *r == edge_resource(from, to));
    let ordered = ranked
        .iter()
        .filter(|(a, b, _)| is_regressed(&a.id, &b.id))
        .chain(
            ranked
                .iter()
                .filter(|(a, b, _)| !is_regressed(&a.id, &b.id)),
        );
    for (from, to, _) in ordered {
        if out.len() == n {
            break;
        }
        if !(workload(from) && workload(to)) {
            skipped += 1;
            continue;
        }
        out.push((
            from.id.to_string(),
            to.id.to_string(),
            RangeEdge {
                source_workload: from.name.clone(),
                source_namespace: from.namespace.clone().unwrap_or_default(),
                source_cluster: from.cluster.clone(),
                destination_workload: to.name.clone(),
                destination_namespace: to.namespace.clone().unwrap_or_default(),
                destination_cluster: to.cluster.clone(),
            },
        ));
    }
    (out, skipped)
}

/// Queries the range series of the selected edges.
pub fn collect(
    args: &ReportArgs,
    built: &Built,
    regressed: &[String],
    (range, step): (Duration, Duration),
    quiet: bool,
) -> anyhow::Result<RangeView> {
    let end = built.collected.scope.at_seconds();
    let start = end - range.as_secs_f64();
    let (selected, skipped) = select(built, regressed, args.range_edges);
    let mut view = RangeView {
        start,
        end,
        step_seconds: step.as_secs_f64(),
        edges: Vec::new(),
    };
    if !quiet && skipped > 0 {
        eprintln!(
            "meshgraph: --range: {skipped} of the worst edges have an end that is not a workload (a service, an unknown or external peer, or an app-level graph) and are not drawn over the range"
        );
    }
    if selected.is_empty() {
        return Ok(view);
    }
    let url = args
        .input
        .prometheus
        .prometheus
        .as_deref()
        .context("--range needs --prometheus URL")?;
    let crate::input::ReachedServer {
        config,
        reached,
        ca_file: _ca,
        ..
    } = prometheus_server(&args.input.prometheus, url, &args.input.config)?;
    let plan = RangePlan {
        edges: selected.iter().map(|(_, _, e)| e.clone()).collect(),
        start,
        end,
        step,
        window: built.collected.scope.window,
        queries_dir: args.input.prometheus.queries_dir.clone(),
        use_get: reached.is_some(),
    };
    let result = runtime()?
        .block_on(collect_range(&config, &plan))
        .context("--range")?;
    if !quiet {
        for warning in &result.warnings {
            eprintln!(
                "meshgraph: warning: --range: {}",
                meshgraph_model::escape_controls(warning)
            );
        }
        eprintln!(
            "meshgraph: --range: {} queries, {} series, {} edges, {:.2}s",
            result.queries,
            result.series,
            selected.len(),
            result.wall_time.as_secs_f64()
        );
    }
    for ((from, to, _), (_, series)) in selected.into_iter().zip(result.edges) {
        view.edges.push(RangeEdgeSeries {
            from,
            to,
            requests: series.requests,
            errors: series.errors,
        });
    }
    Ok(view)
}
