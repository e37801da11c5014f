//! Turning the input flags into observations and trace calls.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use meshgraph_model::Observation;
use meshgraph_model::trace::TraceCall;
use meshgraph_prometheus::{
    Auth, PrometheusConfig, QueryPlan, RecordedScope, Recorder, parse_at, parse_window,
};
use meshgraph_scenario::{Scenario, builtin, builtin_names};

use std::path::PathBuf;

use meshgraph_config::{Kind, LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, WorkloadRef};

use crate::cli::{ConfigArgs, InputArgs, PrometheusArgs, ScopeArgs, TraceArgs};

/// Observations plus what the output should say about where they came from.
pub struct Collected {
    /// Kubernetes and Istio objects: from `-f`, and a scenario's own objects.
    pub config: MeshConfig,
    /// Whether any telemetry source (metrics or traces) was given.
    pub has_telemetry: bool,
    /// A metrics input was given and held no Istio series (after `-n`).
    pub metrics_empty: bool,
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
    pub fn for_traces_only(scope: &ScopeArgs) -> anyhow::Result<Collected> {
        let (at, window) = time_scope(scope, None)?;
        Ok(Collected::empty("traces".into(), at, window))
    }

    fn empty(source: String, at: f64, window: Duration) -> Collected {
        Collected {
            config: MeshConfig::default(),
            has_telemetry: true,
            metrics_empty: false,
            observations: Vec::new(),
            trace_calls: None,
            source,
            at: at.round() as i64,
            window_seconds: window.as_secs(),
            warnings: Vec::new(),
            summaries: Vec::new(),
        }
    }

    /// `Exit::Empty` when the metrics input held no Istio series and the user
    /// did not `--allow-empty`, with a line on stderr saying so.
    pub fn empty_exit(&self, allow_empty: bool, quiet: bool) -> Option<crate::Exit> {
        if !self.metrics_empty || allow_empty {
            return None;
        }
        if !quiet {
            eprintln!(
                "meshgraph: the metrics input holds no Istio series, so the output shows no traffic (exit 3; --allow-empty exits 0)"
            );
        }
        Some(crate::Exit::Empty)
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
        metrics_empty: false,
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
    collect_objects(&input.config, &input.scope, extra_manifests, &mut collected)?;
    Ok(collected)
}

/// Adds the objects of `-f` (and `extra_manifests`) and, with `--cluster`,
/// of the live cluster to the configuration.
pub fn collect_objects(
    config_args: &ConfigArgs,
    scope: &ScopeArgs,
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
    scope: &ScopeArgs,
    collected: &mut Collected,
) -> anyhow::Result<()> {
    let mut namespaces = scope.namespaces().to_vec();
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
    let scope = &input.scope;
    let mut collected = if let Some(name) = &input.demo {
        let Some(scenario) = builtin(name) else {
            let names: Vec<&str> = builtin_names().collect();
            bail!(
                "--demo {name}: no such built-in scenario; choose one of {}",
                names.join(", ")
            );
        };
        let mut collected = from_scenario(scenario?, format!("demo:{name}"));
        select_namespaces(&mut collected, scope.namespaces());
        collected
    } else if let Some(path) = &input.scenario {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let scenario = Scenario::from_toml(&text, &path.display().to_string())?;
        let mut collected = from_scenario(scenario, format!("scenario:{}", path.display()));
        select_namespaces(&mut collected, scope.namespaces());
        collected
    } else if let Some(dir) = &input.replay {
        replay(dir, scope)?
    } else if input.prometheus.prometheus.is_some() {
        collect_prometheus(&input.prometheus, scope, None)?
    } else if !input.traces.traces_files.is_empty() || has_live_traces(&input.traces) {
        Collected::for_traces_only(scope)?
    } else if telemetry_optional {
        let (at, window) = time_scope(scope, None)?;
        let mut none = Collected::empty("manifests".into(), at, window);
        none.has_telemetry = false;
        none
    } else {
        bail!(
            "no input: give --prometheus URL, --replay DIR, --jaeger/--tempo URL, --traces-file FILE, --demo[=NAME] or --scenario FILE"
        )
    };
    collect_traces(
        &input.traces,
        scope,
        &input.prometheus.query_timeout,
        &mut collected,
        None,
    )?;
    Ok(collected)
}

/// Keeps the series and objects of the selected namespaces, as `-n` does for a
/// live Prometheus (a series is kept when its source, destination workload or
/// destination service is in one) and for the cluster reader (namespaced
/// objects of those namespaces and of `istio-system`).
fn select_namespaces(collected: &mut Collected, namespaces: &[String]) {
    if namespaces.is_empty() {
        return;
    }
    let selected = |ns: &str| namespaces.iter().any(|n| n == ns);
    collected.observations.retain(|o| {
        selected(&o.source.namespace)
            || selected(&o.destination.namespace)
            || selected(&o.service.namespace)
    });
    collected
        .config
        .objects
        .retain(|o| match &o.metadata.namespace {
            Some(ns) => selected(ns) || ns == "istio-system",
            None if o.kind == Kind::Namespace => selected(&o.metadata.name),
            None => true,
        });
    if collected.observations.is_empty() {
        collected.metrics_empty = true;
        collected.warnings.push(format!(
            "no series in namespace(s) {}",
            namespaces.join(", ")
        ));
    }
}

/// Replays a recording with the scope it was made with; `-n`, `--at` and
/// `--window` given again override it, with a warning where the recorded
/// answers cannot honour the override.
fn replay(dir: &std::path::Path, scope: &ScopeArgs) -> anyhow::Result<Collected> {
    let manifest = meshgraph_prometheus::Manifest::read(dir)?;
    let recorded = manifest.recorded_scope();
    let (at, window) = time_scope(scope, recorded.as_ref().map(|(r, _)| r))?;
    let mut collected = Collected::empty(format!("replay:{}", dir.display()), at, window);
    if let Some((recorded, knows_namespaces)) = &recorded {
        collected.warnings.extend(replay_overrides(
            scope,
            recorded,
            *knows_namespaces,
            at,
            window,
        ));
    }
    if !manifest.prometheus.is_empty() {
        let metrics = meshgraph_prometheus::replay_recorded(dir)?;
        collected.summaries.push(metrics.stats.summary_line());
        collected.observations = metrics.observations;
        collected.warnings.extend(metrics.warnings);
        if collected.observations.is_empty() {
            collected.metrics_empty = true;
            collected.warnings.push(format!(
                "the recording {} holds no Istio series",
                dir.display()
            ));
        } else {
            select_namespaces(&mut collected, scope.namespaces());
        }
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

/// What a replay cannot do that the flags ask for: answers cannot be widened
/// to namespaces, times or windows that were not recorded.
fn replay_overrides(
    scope: &ScopeArgs,
    recorded: &RecordedScope,
    knows_namespaces: bool,
    at: f64,
    window: Duration,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let asked = scope.namespaces();
    let wider = if asked.is_empty() {
        scope.all_namespaces && !recorded.namespaces.is_empty()
    } else {
        !recorded.namespaces.is_empty() && asked.iter().any(|n| !recorded.namespaces.contains(n))
    };
    if knows_namespaces && wider {
        warnings.push(format!(
            "the recording holds only namespace(s) {}; {} cannot add others",
            recorded.namespaces.join(", "),
            if asked.is_empty() { "-A" } else { "-n" }
        ));
    }
    if scope.at.is_some() && (at - recorded.at).abs() >= 1.0 {
        warnings.push(format!(
            "the recording was made at {}; --at {} cannot change its answers",
            meshgraph_export::format_rfc3339(recorded.at.round() as i64),
            meshgraph_export::format_rfc3339(at.round() as i64)
        ));
    }
    if scope.window.is_some() && (window.as_secs_f64() - recorded.window_seconds).abs() >= 1.0 {
        warnings.push(format!(
            "the recorded rates are over {}s; --window {} cannot change them",
            recorded.window_seconds,
            scope.window()
        ));
    }
    warnings
}

/// Adds trace calls from files or a live backend to `collected`.
pub fn collect_traces(
    args: &TraceArgs,
    scope: &ScopeArgs,
    query_timeout: &str,
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
        config.namespaces = scope.namespaces().to_vec();
        config.timeout = parse_window(query_timeout).context("--query-timeout")?;
        let window = Duration::from_secs(collected.window_seconds);
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
    scope: &ScopeArgs,
    recorder: Option<&Recorder>,
) -> anyhow::Result<Collected> {
    let config = prometheus_config(args)?;
    let plan = query_plan(args, scope)?;
    if let Some(recorder) = recorder {
        recorder.set_scope(recorded_scope(&plan))?;
    }
    let collected = runtime()?.block_on(meshgraph_prometheus::collect(&config, &plan, recorder))?;
    let mut out = Collected::empty(redact_url(&config.url), plan.at, plan.window);
    out.summaries.push(collected.stats.summary_line());
    out.observations = collected.observations;
    out.warnings = collected.warnings;
    if out.observations.is_empty() {
        out.metrics_empty = true;
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

/// What a recording keeps of a plan, for its replay.
pub fn recorded_scope(plan: &QueryPlan) -> RecordedScope {
    RecordedScope {
        namespaces: plan.namespaces.clone(),
        at: plan.at,
        window_seconds: plan.window.as_secs_f64(),
    }
}

fn query_plan(args: &PrometheusArgs, scope: &ScopeArgs) -> anyhow::Result<QueryPlan> {
    let (at, window) = time_scope(scope, None)?;
    let mut plan = QueryPlan::new(at, window);
    plan.namespaces = scope.namespaces().to_vec();
    plan.ztunnel_label = args.ztunnel_label.clone();
    plan.queries_dir = args.queries_dir.clone();
    Ok(plan)
}

/// `--at` and `--window`, else the recorded ones, else now and the default window.
pub fn time_scope(
    scope: &ScopeArgs,
    recorded: Option<&RecordedScope>,
) -> anyhow::Result<(f64, Duration)> {
    let at = match (&scope.at, recorded) {
        (Some(text), _) => parse_at(text).context("--at")?,
        (None, Some(recorded)) => recorded.at,
        (None, None) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64(),
    };
    let window = match (&scope.window, recorded) {
        (None, Some(recorded)) if recorded.window_seconds.is_finite() => {
            Duration::try_from_secs_f64(recorded.window_seconds).context("the recorded window")?
        }
        _ => parse_window(scope.window()).context("--window")?,
    };
    Ok((at, window))
}

/// Input combinations that would silently ignore a flag: a flag given on the
/// command line that the chosen input cannot honour is an error. (Servers set
/// in the environment or `meshgraph.toml` are ignored by `--demo`, `--scenario`
/// and `--replay`, as documented.)
pub fn check_sources(matches: &ArgMatches) -> anyhow::Result<()> {
    let Some((_, m)) = matches.subcommand() else {
        return Ok(());
    };
    let on_command_line = |id: &str| {
        m.try_get_raw(id).ok().flatten().is_some()
            && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    let input = ["demo", "scenario", "replay"]
        .into_iter()
        .find(|id| on_command_line(id));
    let Some(input) = input else {
        return Ok(());
    };
    let flag = format!("--{input}");
    // Traces (files or a backend) add to any metrics input; a second
    // metrics input would be ignored.
    if on_command_line("prometheus") {
        bail!(
            "{flag} and --prometheus cannot be used together: both are metrics inputs; drop one of them"
        );
    }
    if input != "replay" {
        for (id, why) in [
            ("at", "its telemetry is for the scenario's own time"),
            ("window", "its rates are fixed by the scenario"),
        ] {
            if on_command_line(id) {
                bail!("--{id} does not apply to {flag}: {why}");
            }
        }
    }
    Ok(())
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
