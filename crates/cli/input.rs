//! Turning the input flags into observations.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use meshgraph_model::Observation;
use meshgraph_prometheus::{Auth, PrometheusConfig, QueryPlan, Recorder, parse_at, parse_window};
use meshgraph_scenario::{Scenario, builtin, builtin_names};

use crate::cli::{InputArgs, PrometheusArgs};

/// Observations plus what the output should say about where they came from.
pub struct Collected {
    pub observations: Vec<Observation>,
    pub source: String,
    pub at: i64,
    pub window_seconds: u64,
    pub warnings: Vec<String>,
    /// The collector's one-line summary (queries, series, time), if any.
    pub summary: Option<String>,
}

fn from_scenario(scenario: Scenario, source: String) -> Collected {
    Collected {
        observations: scenario.telemetry(),
        source,
        at: scenario.at,
        window_seconds: scenario.window_seconds,
        warnings: Vec::new(),
        summary: None,
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
    if let Some(dir) = &input.replay {
        let manifest = meshgraph_prometheus::Manifest::read(dir)?;
        let recorded_at = manifest.prometheus.first().map(|e| e.time);
        let plan = query_plan(&input.prometheus, recorded_at)?;
        let collected = meshgraph_prometheus::replay(dir, &plan)?;
        return Ok(Collected {
            source: format!("replay:{}", dir.display()),
            at: plan.at.round() as i64,
            window_seconds: plan.window.as_secs(),
            summary: Some(collected.stats.summary_line()),
            observations: collected.observations,
            warnings: collected.warnings,
        });
    }
    if input.prometheus.prometheus.is_some() {
        return collect_prometheus(&input.prometheus, None);
    }
    bail!("no input: give --prometheus URL, --replay DIR, --demo [NAME] or --scenario FILE")
}

/// Queries Prometheus, optionally recording every answer.
pub fn collect_prometheus(
    args: &PrometheusArgs,
    recorder: Option<&Recorder>,
) -> anyhow::Result<Collected> {
    let config = prometheus_config(args)?;
    let plan = query_plan(args, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let collected = runtime.block_on(meshgraph_prometheus::collect(&config, &plan, recorder))?;
    Ok(Collected {
        source: redact_url(&config.url),
        at: plan.at.round() as i64,
        window_seconds: plan.window.as_secs(),
        summary: Some(collected.stats.summary_line()),
        observations: collected.observations,
        warnings: collected.warnings,
    })
}

/// The URL without userinfo, for output and logs.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

fn prometheus_config(args: &PrometheusArgs) -> anyhow::Result<PrometheusConfig> {
    let url = args
        .prometheus
        .clone()
        .ok_or_else(|| anyhow!("no --prometheus URL given"))?;
    let mut config = PrometheusConfig::new(url);
    config.auth = if let Some(path) = &args.prometheus_token_file {
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("reading the Prometheus token file {}", path.display()))?;
        Auth::Bearer(token.trim().to_string())
    } else if let Ok(token) = std::env::var("MESHGRAPH_PROMETHEUS_TOKEN") {
        Auth::Bearer(token.trim().to_string())
    } else if let Some(user) = &args.prometheus_user {
        let password = std::env::var("MESHGRAPH_PROMETHEUS_PASSWORD").unwrap_or_default();
        Auth::Basic {
            user: user.clone(),
            password,
        }
    } else {
        Auth::None
    };
    for header in &args.prometheus_headers {
        let (name, value) = header.split_once('=').ok_or_else(|| {
            anyhow!(
                "--prometheus-header {name:?} must be NAME=VALUE",
                name = header.split('=').next().unwrap_or("")
            )
        })?;
        config
            .headers
            .push((name.trim().to_string(), value.to_string()));
    }
    config.ca_file = args.prometheus_ca.clone();
    config.timeout = parse_window(&args.query_timeout).context("--query-timeout")?;
    config.max_response_bytes = args.max_response_mib.saturating_mul(1024 * 1024);
    Ok(config)
}

fn query_plan(args: &PrometheusArgs, default_at: Option<f64>) -> anyhow::Result<QueryPlan> {
    let at = match (&args.at, default_at) {
        (Some(text), _) => parse_at(text).context("--at")?,
        (None, Some(recorded)) => recorded,
        (None, None) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64(),
    };
    let window = parse_window(&args.window).context("--window")?;
    let mut plan = QueryPlan::new(at, window);
    if !args.all_namespaces {
        plan.namespaces = args.namespace.clone();
    }
    plan.ztunnel_label = args.ztunnel_label.clone();
    plan.queries_dir = args.queries_dir.clone();
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn credentials_are_removed_from_urls() {
        assert_eq!(
            redact_url("https://user:secret@prom.example:9090/api"),
            "https://prom.example:9090/api"
        );
        assert_eq!(redact_url("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
    }
}
