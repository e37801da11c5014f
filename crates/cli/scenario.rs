//! `meshgraph scenario`: the built-in scenarios, and any scenario's telemetry
//! as OpenMetrics text, so the same mesh can be graphed from a real Prometheus.

use anyhow::{Context, bail};
use meshgraph_prometheus::openmetrics::{RateSeries, openmetrics_from_rates};
use meshgraph_scenario::{Scenario, builtin, builtin_names};
use meshgraph_source::{parse_at, parse_window};

use crate::cli::{GlobalArgs, ScenarioAction, ScenarioArgs, ScenarioExportArgs};
use crate::{Exit, output};

pub fn run(global: &GlobalArgs, args: &ScenarioArgs) -> anyhow::Result<Exit> {
    match &args.action {
        ScenarioAction::List => {
            let mut text = String::new();
            for name in builtin_names() {
                let scenario = builtin(name).expect("a listed name is built in")?;
                text.push_str(&format!("{name}\t{}\n", scenario.description.trim()));
            }
            output::write_output("-", text.as_bytes())?;
        }
        ScenarioAction::Export(export) => export_openmetrics(global, export)?,
    }
    Ok(Exit::Clean)
}

fn load(args: &ScenarioExportArgs) -> anyhow::Result<Scenario> {
    if let Some(path) = &args.scenario {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Scenario::from_toml(&text, &path.display().to_string())?);
    }
    let name = args.name.as_deref().unwrap_or_default();
    match builtin(name) {
        Some(scenario) => Ok(scenario?),
        None => bail!(
            "no built-in scenario {name:?}; choose one of {}",
            builtin_names().collect::<Vec<_>>().join(", ")
        ),
    }
}

fn export_openmetrics(global: &GlobalArgs, args: &ScenarioExportArgs) -> anyhow::Result<()> {
    let scenario = load(args)?;
    let duration = parse_window(&args.duration).context("--duration")?;
    let step = parse_window(&args.step).context("--step")?;
    if step.as_secs() == 0 || step.subsec_nanos() != 0 {
        bail!("--step {}: give whole seconds, at least 1s", args.step);
    }
    if duration.as_secs() < scenario.window_seconds {
        bail!(
            "--duration {} is shorter than the scenario's {}s window: a rate over the window would see too little",
            args.duration,
            scenario.window_seconds
        );
    }
    let end = match args.end.as_deref() {
        None => scenario.at,
        Some("now") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        Some(text) => parse_at(text).context("--end")?.as_second(),
    };
    let series: Vec<RateSeries> = scenario
        .telemetry()
        .into_iter()
        .map(|o| (o.metric.series_name().to_string(), o.labels(), o.value))
        .collect();
    let text = openmetrics_from_rates(
        &series,
        end,
        duration.as_secs() as i64,
        step.as_secs() as i64,
    );
    output::write_output(&args.openmetrics, text.as_bytes())
        .context("writing the OpenMetrics file")?;
    if !global.quiet {
        let at = meshgraph_export::format_rfc3339(end);
        eprintln!(
            "meshgraph: wrote {} ({} series, counters ending at {at}); load it with `promtool tsdb create-blocks-from openmetrics {} DATA_DIR`, start Prometheus on DATA_DIR, then `meshgraph snapshot --prometheus URL --at {at} --window {}s`",
            args.openmetrics,
            series.len(),
            args.openmetrics,
            scenario.window_seconds
        );
    }
    Ok(())
}
