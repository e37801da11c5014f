//! Turning the input flags into observations and trace calls.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use meshgraph_model::Observation;
use meshgraph_model::trace::TraceCall;
use meshgraph_prometheus::{Auth, PrometheusConfig, QueryPlan, Recorder, parse_at, parse_window};
use meshgraph_scenario::{Scenario, builtin, builtin_names};

use std::path::PathBuf;

use meshgraph_config::{Kind, LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, WorkloadRef};

use crate::cli::{ConfigArgs, InputArgs, PrometheusArgs, TraceArgs};

/// Observations plus what the output should say about where they came from.
pub struct Collected {
    /// Kubernetes and Istio objects: from `-f`, and a scenario's own objects.
    pub config: MeshConfig,
    /// Whether any telemetry source (metrics or traces) was given.
    pub has_telemetry: bool,
    pub observations: Vec<Observation>,
    /// `None` when no trace source was given.
    pub trace_calls: Option<Vec<TraceCall>>,
    pub source: String,
    pub at: i64,
    pub window_seconds: u64,
    pub warnings: Vec<String>,
    /// The collectors' one-line summaries (queries, series, time).
    pub summaries: Vec<String>,
}

impl Collected {
    /// A run with traces and no metrics: `--at` and `--window` still apply.
    pub fn for_traces_only(args: &PrometheusArgs) -> anyhow::Result<Collected> {
        let plan = query_plan(args, None)?;
        Ok(Collected::empty("traces".into(), plan.at, plan.window))
    }

    fn empty(source: String, at: f64, window: Duration) -> Collected {
        Collected {
            config: MeshConfig::default(),
            has_telemetry: true,
            observations: Vec::new(),
            trace_calls: None,
            source,
            at: at.round() as i64,
            window_seconds: window.as_secs(),
            warnings: Vec::new(),
            summaries: Vec::new(),
        }
    }

    /// The collectors' summaries and warnings on stderr, unless `quiet`.
    pub fn report(&self, quiet: bool) {
        if quiet {
            return;
        }
        for summary in &self.summaries {
            eprintln!("meshgraph: {summary}");
        }
        for warning in &self.warnings {
            eprintln!("meshgraph: warning: {warning}");
        }
    }

    /// What the configuration tells the classification: waypoints and
    /// ServiceEntry hosts (gateways and waypoints are also inferred).
    pub fn classify_options(&self, ztunnel_label: &str) -> ClassifyOptions {
        let service_entry_hosts = self
            .config
            .of_kind(Kind::ServiceEntry)
            .filter_map(|se| se.spec.get("hosts").and_then(|h| h.as_array()))
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect();
        ClassifyOptions {
            ztunnel_label: ztunnel_label.to_string(),
            waypoints: self
                .config
                .waypoints()
                .into_iter()
                .map(|w| WorkloadRef::new(w.namespace, w.name))
                .collect(),
            service_entry_hosts,
            ..ClassifyOptions::default()
        }
    }

    /// Reconciles the observations and merges the trace calls, if any.
    pub fn reconcile(&self, options: &ClassifyOptions) -> meshgraph_core::Reconciliation {
        let mut rec = meshgraph_core::reconcile(&self.observations, options);
        if let Some(calls) = &self.trace_calls {
            meshgraph_core::merge_traces(&mut rec, calls);
        }
        rec
    }
}

fn from_scenario(scenario: Scenario, source: String) -> Collected {
    let (config, _) = MeshConfig::from_values(scenario.objects());
    Collected {
        config,
        has_telemetry: true,
        observations: scenario.telemetry(),
        trace_calls: None,
        source,
        at: scenario.at,
        window_seconds: scenario.window_seconds,
        warnings: Vec::new(),
        summaries: Vec::new(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn has_live_traces(args: &TraceArgs) -> bool {
    args.jaeger.is_some() || args.tempo.is_some()
}

/// Collects metrics (demo, scenario, replay or Prometheus) and traces (files,
/// Jaeger, Tempo, or a replayed recording), whichever were asked for, plus
/// the manifests of `-f` and `extra_manifests`. Without any telemetry source
/// this is an error unless `telemetry_optional`.
pub fn collect(
    input: &InputArgs,
    extra_manifests: &[PathBuf],
    telemetry_optional: bool,
) -> anyhow::Result<Collected> {
    let mut collected = collect_telemetry(input, telemetry_optional || input.config.cluster)?;
    collect_objects(
        &input.config,
        &input.prometheus,
        extra_manifests,
        &mut collected,
    )?;
    Ok(collected)
}

/// Adds the objects of `-f` (and `extra_manifests`) and, with `--cluster`,
/// of the live cluster to the configuration.
pub fn collect_objects(
    config_args: &ConfigArgs,
    scope: &PrometheusArgs,
    extra_manifests: &[PathBuf],
    collected: &mut Collected,
) -> anyhow::Result<()> {
    let manifests: Vec<PathBuf> = config_args
        .files
        .iter()
        .chain(extra_manifests)
        .cloned()
        .collect();
    if !manifests.is_empty() {
        let (config, warnings) =
            MeshConfig::load(&manifests, &LoadOptions::default()).context("reading manifests")?;
        collected.config.extend(config);
        collected
            .warnings
            .extend(warnings.iter().map(|w| w.to_string()));
    }
    if config_args.cluster {
        read_cluster(config_args, scope, collected)?;
    }
    Ok(())
}

/// Reads the live cluster's objects into the configuration.
fn read_cluster(
    config_args: &ConfigArgs,
    scope: &PrometheusArgs,
    collected: &mut Collected,
) -> anyhow::Result<()> {
    let mut namespaces = if scope.all_namespaces {
        Vec::new()
    } else {
        scope.namespace.clone()
    };
    // Mesh-wide policies live in the root namespace.
    if !namespaces.is_empty() && !namespaces.iter().any(|n| n == "istio-system") {
        namespaces.push("istio-system".into());
    }
    let options = meshgraph_kube::ClusterOptions {
        kubeconfig: config_args.kubeconfig.clone(),
        context: config_args.context.clone(),
        namespaces,
        ..meshgraph_kube::ClusterOptions::default()
    };
    let read = runtime()?.block_on(meshgraph_kube::read_cluster(&options))?;
    collected.summaries.push(format!(
        "cluster: {} objects from context {} ({})",
        read.objects.len(),
        read.cluster.context.as_deref().unwrap_or("(in-cluster)"),
        read.cluster.server
    ));
    collected.warnings.extend(read.warnings);
    let (config, warnings) = MeshConfig::from_values(read.objects);
    collected
        .warnings
        .extend(warnings.iter().map(|w| w.to_string()));
    collected.config.extend(config);
    Ok(())
}

fn collect_telemetry(input: &InputArgs, telemetry_optional: bool) -> anyhow::Result<Collected> {
    let mut collected = if let Some(name) = &input.demo {
        let Some(scenario) = builtin(name) else {
            let names: Vec<&str> = builtin_names().collect();
            bail!(
                "no built-in scenario {name:?}; choose one of {}",
                names.join(", ")
            );
        };
        from_scenario(scenario?, format!("demo:{name}"))
    } else if let Some(path) = &input.scenario {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let scenario = Scenario::from_toml(&text, &path.display().to_string())?;
        from_scenario(scenario, format!("scenario:{}", path.display()))
    } else if let Some(dir) = &input.replay {
        replay(dir, &input.prometheus)?
    } else if input.prometheus.prometheus.is_some() {
        collect_prometheus(&input.prometheus, None)?
    } else if !input.traces.traces_files.is_empty() || has_live_traces(&input.traces) {
        Collected::for_traces_only(&input.prometheus)?
    } else if telemetry_optional {
        let plan = query_plan(&input.prometheus, None)?;
        let mut none = Collected::empty("manifests".into(), plan.at, plan.window);
        none.has_telemetry = false;
        none
    } else {
        bail!(
            "no input: give --prometheus URL, --replay DIR, --jaeger/--tempo URL, --traces-file FILE, --demo [NAME] or --scenario FILE"
        )
    };
    collect_traces(&input.traces, &input.prometheus, &mut collected, None)?;
    Ok(collected)
}

fn replay(dir: &std::path::Path, args: &PrometheusArgs) -> anyhow::Result<Collected> {
    let manifest = meshgraph_prometheus::Manifest::read(dir)?;
    let recorded_at = manifest.prometheus.first().map(|e| e.time);
    let plan = query_plan(args, recorded_at)?;
    let mut collected = Collected::empty(format!("replay:{}", dir.display()), plan.at, plan.window);
    if !manifest.prometheus.is_empty() {
        let metrics = meshgraph_prometheus::replay(dir, &plan)?;
        collected.summaries.push(metrics.stats.summary_line());
        collected.observations = metrics.observations;
        collected.warnings = metrics.warnings;
    }
    if let Some(entries) = manifest.other.get("objects").and_then(|v| v.as_array()) {
        for entry in entries {
            let file = entry
                .get("file")
                .and_then(|f| f.as_str())
                .unwrap_or_default();
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let values: Vec<serde_json::Value> = serde_json::from_str(&text)
                .with_context(|| format!("reading {}", path.display()))?;
            let (config, warnings) = MeshConfig::from_values(values);
            collected.summaries.push(format!(
                "objects: {} from the recording",
                config.objects.len()
            ));
            collected
                .warnings
                .extend(warnings.iter().map(|w| w.to_string()));
            collected.config.extend(config);
        }
    }
    if manifest.other.contains_key("traces") {
        let traces = meshgraph_traces::replay(dir)?;
        collected.summaries.push(traces.stats.summary_line());
        collected.warnings.extend(traces.warnings);
        collected.trace_calls = Some(traces.calls);
    }
    Ok(collected)
}

/// Adds trace calls from files or a live backend to `collected`.
pub fn collect_traces(
    args: &TraceArgs,
    window_args: &PrometheusArgs,
    collected: &mut Collected,
    recorder: Option<&Recorder>,
) -> anyhow::Result<()> {
    let mut calls: Vec<TraceCall> = Vec::new();
    let mut any = false;
    for path in &args.traces_files {
        let read = meshgraph_traces::read_file(path)?;
        collected.summaries.push(read.stats.summary_line());
        collected.warnings.extend(read.warnings);
        calls.extend(read.calls);
        any = true;
    }
    let backend = match (&args.jaeger, &args.tempo) {
        (Some(url), _) => Some(meshgraph_traces::TracesConfig::jaeger(url.clone())),
        (None, Some(url)) => Some(meshgraph_traces::TracesConfig::tempo(url.clone())),
        (None, None) => None,
    };
    if let Some(mut config) = backend {
        config.services = args.trace_services.clone();
        if let Some(path) = &args.traces_token_file {
            let token = std::fs::read_to_string(path)
                .with_context(|| format!("reading the traces token file {}", path.display()))?;
            config.auth = meshgraph_traces::Auth::Bearer(token.trim().to_string());
        } else if let Ok(token) = std::env::var("MESHGRAPH_TRACES_TOKEN") {
            config.auth = meshgraph_traces::Auth::Bearer(token.trim().to_string());
        }
        config.headers = parse_headers(&args.traces_headers, "--traces-header")?;
        config.ca_file = args.traces_ca.clone();
        if !window_args.all_namespaces {
            config.namespaces = window_args.namespace.clone();
        }
        config.timeout = parse_window(&window_args.query_timeout).context("--query-timeout")?;
        let window = parse_window(&window_args.window).context("--window")?;
        let time = meshgraph_traces::TimeWindow::ending_at(collected.at as f64, window)?;
        let sink = recorder.map(RecorderSink);
        let read = runtime()?.block_on(meshgraph_traces::collect(
            &config,
            time,
            sink.as_ref()
                .map(|s| s as &dyn meshgraph_traces::RecordSink),
        ));
        match read {
            Ok(read) => {
                collected.summaries.push(read.stats.summary_line());
                collected.warnings.extend(read.warnings);
                calls.extend(read.calls);
                any = true;
            }
            // A failed collector degrades the result when metrics are there:
            // a metrics-only graph, and a warning saying why.
            Err(error) if !collected.observations.is_empty() => {
                collected.warnings.push(format!("traces not used: {error}"));
            }
            Err(error) => return Err(error.into()),
        }
    }
    if any {
        collected
            .trace_calls
            .get_or_insert_with(Vec::new)
            .extend(calls);
    }
    Ok(())
}

/// Lets the traces collector write into the same recording as Prometheus.
struct RecorderSink<'a>(&'a Recorder);

impl meshgraph_traces::RecordSink for RecorderSink<'_> {
    fn write_file(
        &self,
        relative: &str,
        bytes: &[u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.write_file(relative, bytes).map_err(|e| e.into())
    }

    fn add_entry(
        &self,
        key: &str,
        entry: serde_json::Value,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.add_entry(key, entry).map_err(|e| e.into())
    }
}

/// Queries Prometheus, optionally recording every answer.
pub fn collect_prometheus(
    args: &PrometheusArgs,
    recorder: Option<&Recorder>,
) -> anyhow::Result<Collected> {
    let config = prometheus_config(args)?;
    let plan = query_plan(args, None)?;
    let collected = runtime()?.block_on(meshgraph_prometheus::collect(&config, &plan, recorder))?;
    let mut out = Collected::empty(redact_url(&config.url), plan.at, plan.window);
    out.summaries.push(collected.stats.summary_line());
    out.observations = collected.observations;
    out.warnings = collected.warnings;
    if out.observations.is_empty() {
        out.warnings.push(format!(
            "Prometheus has no Istio series at {} over {}s: check --at (instant queries see only the 5 minutes before it), --window, -n, and that the proxies are scraped",
            meshgraph_export::format_rfc3339(out.at),
            out.window_seconds
        ));
    }
    Ok(out)
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
    config.headers = parse_headers(&args.prometheus_headers, "--prometheus-header")?;
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

/// `NAME=VALUE` flags as header pairs.
fn parse_headers(flags: &[String], flag: &str) -> anyhow::Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|header| {
            let (name, value) = header.split_once('=').ok_or_else(|| {
                anyhow!(
                    "{flag} {:?} must be NAME=VALUE",
                    header.split('=').next().unwrap_or("")
                )
            })?;
            Ok((name.trim().to_string(), value.to_string()))
        })
        .collect()
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
