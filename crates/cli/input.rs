//! Turning the input flags into observations.

use anyhow::{Context, bail};
use meshgraph_model::Observation;
use meshgraph_scenario::{Scenario, builtin, builtin_names};

use crate::cli::InputArgs;

/// Observations plus what the output should say about where they came from.
pub struct Collected {
    pub observations: Vec<Observation>,
    pub source: String,
    pub at: i64,
    pub window_seconds: u64,
    pub warnings: Vec<String>,
}

fn from_scenario(scenario: Scenario, source: String) -> Collected {
    Collected {
        observations: scenario.telemetry(),
        source,
        at: scenario.at,
        window_seconds: scenario.window_seconds,
        warnings: Vec::new(),
    }
}

pub fn collect(input: &InputArgs) -> anyhow::Result<Collected> {
    if let Some(name) = &input.demo {
        let Some(scenario) = builtin(name) else {
            let names: Vec<&str> = builtin_names().collect();
            bail!(
                "no built-in scenario {name:?}; choose one of {}",
                names.join(", ")
            );
        };
        return Ok(from_scenario(scenario?, format!("demo:{name}")));
    }
    if let Some(path) = &input.scenario {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let scenario = Scenario::from_toml(&text, &path.display().to_string())?;
        return Ok(from_scenario(
            scenario,
            format!("scenario:{}", path.display()),
        ));
    }
    bail!("no input: give --demo [NAME] or --scenario FILE")
}
