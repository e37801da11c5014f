//! Turning the input flags into observations and trace calls: build each
//! source, absorb its outcome.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use meshgraph_config::{ConfigWarning, Kind, LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, WorkloadRef};
use meshgraph_model::escape_controls;
use meshgraph_model::trace::TraceCall;
use meshgraph_model::{ExemplarSeries, Observation};
use meshgraph_prometheus::QueryPlan;
use meshgraph_scenario::{Scenario, builtin, builtin_names};
use meshgraph_source::{
    Auth, Manifest, Outcome, RecordedScope, Recorder, Scope, ServerConfig, from_unix_seconds,
    parse_at, parse_window, parse_window_range, round_to_second,
};
use meshgraph_traces::{Backend, TimeWindow, TracesConfig};

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
    /// Exemplars of the latency buckets (live Prometheus or a replay).
    pub exemplars: Vec<ExemplarSeries>,
    /// `None` when no trace source was given.
    pub trace_calls: Option<Vec<TraceCall>>,
    pub source: String,
    /// The evaluation time (to the second), the window (whole seconds) and
    /// the namespaces of the run.
    pub scope: Scope,
    pub warnings: Vec<String>,
    /// The sources' one-line summaries (queries, series, time).
    pub summaries: Vec<String>,
    /// Manifest documents or files skipped as malformed or unreadable.
    pub manifests_skipped: usize,
}

impl Collected {
    /// A run with traces and no metrics: `--at` and `--window` still apply.
    pub fn for_traces_only(scope: &Scope) -> Collected {
        Collected::empty("traces".into(), scope)
    }

    fn empty(source: String, scope: &Scope) -> Collected {
        Collected {
            config: MeshConfig::default(),
            has_telemetry: true,
            metrics_empty: false,
            observations: Vec::new(),
            exemplars: Vec::new(),
            trace_calls: None,
            source,
            scope: scope.whole_seconds(),
            warnings: Vec::new(),
            summaries: Vec::new(),
            manifests_skipped: 0,
        }
    }

    /// Takes a source's summary and warnings, in that order, and returns its
    /// data.
    pub fn absorb<T>(&mut self, outcome: Outcome<T>) -> T {
        self.summaries.extend(outcome.summary);
        self.warnings.extend(outcome.warnings);
        outcome.data
    }

    /// Adds objects read by a source to the configuration.
    fn absorb_config(&mut self, outcome: Outcome<MeshConfig>) {
        let config = self.absorb(outcome);
        self.config.extend(config);
    }

    /// Takes a metrics source's observations; when there are none, says so
    /// with `why_empty`.
    fn absorb_metrics(
        &mut self,
        outcome: meshgraph_prometheus::Collected,
        why_empty: impl FnOnce(&Collected) -> String,
    ) {
        let metrics = self.absorb(outcome);
        self.observations = metrics.observations;
        self.exemplars = metrics.exemplars;
        if self.observations.is_empty() {
            self.metrics_empty = true;
            let warning = why_empty(self);
            self.warnings.push(warning);
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
            eprintln!("meshgraph: {}", escape_controls(summary));
        }
        for warning in &self.warnings {
            eprintln!("meshgraph: warning: {}", escape_controls(warning));
        }
    }

    /// What the configuration tells the classification: waypoints and
    /// ServiceEntry hosts (gateways and waypoints are also inferred).
    pub fn classify_options(&self, prometheus: &crate::cli::PrometheusArgs) -> ClassifyOptions {
        let service_entry_hosts = self
            .config
            .of_kind(Kind::ServiceEntry)
            .filter_map(|se| se.spec.get("hosts").and_then(|h| h.as_array()))
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect();
        ClassifyOptions {
            ztunnel_label: prometheus.ztunnel_label.clone(),
            cluster_label: prometheus.cluster_label.clone(),
            cluster_domain: prometheus.cluster_domain.clone(),
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

    /// Reconciles the observations and places the exemplars and the trace
    /// calls, if any.
    pub fn reconcile(&self, options: &ClassifyOptions) -> meshgraph_core::Reconciliation {
        let mut rec = meshgraph_core::reconcile(&self.observations, options);
        if !self.exemplars.is_empty() {
            meshgraph_core::attach_exemplars(
                &mut rec,
                &self.observations,
                &self.exemplars,
                options,
            );
        }
        if let Some(calls) = &self.trace_calls {
            meshgraph_core::merge_traces(&mut rec, calls);
        }
        rec
    }
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn has_live_traces(args: &TraceArgs) -> bool {
    args.jaeger.is_some() || args.tempo.is_some() || args.traces_auto.is_some()
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
    let (mut collected, through_cluster) =
        collect_telemetry(input, telemetry_optional || input.config.cluster)?;
    // Prometheus reached through the cluster: its objects too, by default.
    let cluster = input.config.cluster || (through_cluster && !input.config.no_cluster);
    collect_objects(&input.config, cluster, extra_manifests, &mut collected)?;
    Ok(collected)
}

/// Adds the objects of `-f` (and `extra_manifests`) and, with `--cluster`,
/// of the live cluster to the configuration.
pub fn collect_objects(
    config_args: &ConfigArgs,
    cluster: bool,
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
        collected.manifests_skipped += warnings
            .iter()
            .filter(|w| {
                matches!(
                    w,
                    ConfigWarning::Malformed { .. } | ConfigWarning::Unreadable { .. }
                )
            })
            .count();
        collected.absorb_config(config_outcome(config, &warnings, None));
    }
    if cluster {
        read_cluster(config_args, collected)?;
    }
    Ok(())
}

/// Objects as a source's outcome: the configuration, its warnings.
fn config_outcome(
    config: MeshConfig,
    warnings: &[ConfigWarning],
    summary: Option<String>,
) -> Outcome<MeshConfig> {
    Outcome {
        data: config,
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
        summary,
    }
}

/// Reads the live cluster's objects into the configuration.
fn read_cluster(config_args: &ConfigArgs, collected: &mut Collected) -> anyhow::Result<()> {
    let mut namespaces = collected.scope.namespaces.clone();
    // Mesh-wide policies live in the root namespace.
    if !namespaces.is_empty() && !namespaces.iter().any(|n| n == "istio-system") {
        namespaces.push("istio-system".into());
    }
    let options = meshgraph_kube::ClusterOptions {
        namespaces,
        ..cluster_options(config_args)
    };
    let read = runtime()?.block_on(async {
        let cluster = load_cluster(&options).await?;
        meshgraph_kube::read_cluster_with(&cluster, &options)
            .await
            .with_context(|| {
                format!(
                    "reading the objects of the cluster of {}",
                    cluster.context_display()
                )
            })
    })?;
    let read = collected.absorb(read);
    let (config, warnings) = MeshConfig::from_values(read.objects);
    collected.absorb_config(config_outcome(config, &warnings, None));
    Ok(())
}

/// The cluster reader's options from the flags.
fn cluster_options(config_args: &ConfigArgs) -> meshgraph_kube::ClusterOptions {
    meshgraph_kube::ClusterOptions {
        kubeconfig: config_args.kubeconfig.clone(),
        context: config_args.context.clone(),
        ..meshgraph_kube::ClusterOptions::default()
    }
}

/// The kubeconfig context (or service account) of the flags.
async fn load_cluster(
    options: &meshgraph_kube::ClusterOptions,
) -> anyhow::Result<meshgraph_kube::ClusterConfig> {
    Ok(meshgraph_kube::ClusterConfig::load(options).await?)
}

/// With no metrics flag: the mesh's Prometheus, found in the cluster of the
/// kube context, as a `k8s://` URL and how it was found. `Ok(None)` when there
/// is no kubeconfig and meshgraph does not run in a pod; an error when the
/// cluster cannot be asked or holds no Prometheus meshgraph knows.
pub fn discover_prometheus(config_args: &ConfigArgs) -> anyhow::Result<Option<(String, String)>> {
    let options = cluster_options(config_args);
    runtime()?.block_on(async {
        let cluster = match meshgraph_kube::ClusterConfig::load(&options).await {
            Ok(cluster) => cluster,
            Err(meshgraph_kube::KubeError::NoConfig { .. }) => return Ok(None),
            Err(e) => return Err(anyhow::Error::new(e).context("no metrics input given; looking for Prometheus in the cluster")),
        };
        let found = meshgraph_kube::discover_prometheus(&cluster, &options)
            .await
            .with_context(|| {
                format!(
                    "no metrics input given; looking for Prometheus in the cluster of {}",
                    cluster.context_display()
                )
            })?;
        match found {
            Some(found) => Ok(Some((found.service.k8s_url(), found.found_by))),
            None => bail!(
                "no metrics input given, and no Prometheus found in the cluster of {} (looked for {}); give --prometheus URL, --prometheus k8s://NAMESPACE/SERVICE:PORT, --replay DIR, --demo[=NAME] or --scenario FILE",
                cluster.context_display(),
                meshgraph_kube::PROMETHEUS_LOOKED_FOR.join(", ")
            ),
        }
    })
}

/// Whether any telemetry input flag was given (metrics or traces).
pub fn has_telemetry_flags(input: &InputArgs) -> bool {
    input.demo.is_some()
        || input.scenario.is_some()
        || input.replay.is_some()
        || input.prometheus.prometheus.is_some()
        || !input.traces.traces_files.is_empty()
        || has_live_traces(&input.traces)
}

/// With no input flag at all: the objects of the kube context's cluster and
/// the telemetry of the Prometheus found there, like `snapshot`. `Ok(None)`
/// when there is no kubeconfig and meshgraph does not run in a pod. When no
/// Prometheus can be found the objects are still read, and a warning says
/// the telemetry checks saw nothing.
pub fn collect_from_cluster(
    input: &InputArgs,
    extra_manifests: &[PathBuf],
) -> anyhow::Result<Option<Collected>> {
    let scope = read_scope(&input.scope, None)?;
    let mut collected = match discover_prometheus(&input.config) {
        Ok(None) => return Ok(None),
        Ok(Some((url, found_by))) => collect_prometheus(
            &input.prometheus,
            &url,
            Some(&found_by),
            &input.config,
            &scope,
            None,
        )?,
        Err(error) => {
            let mut none = Collected::empty("cluster".into(), &scope);
            none.has_telemetry = false;
            none.warnings
                .push(format!("telemetry checks skipped: {error:#}"));
            none
        }
    };
    collect_objects(
        &input.config,
        !input.config.no_cluster,
        extra_manifests,
        &mut collected,
    )?;
    Ok(Some(collected))
}

/// `--traces auto`: the mesh's Jaeger or Tempo, found in the cluster of
/// the kube context, as a `k8s://` URL and how it was found; an error when
/// there is no cluster or no tracing backend meshgraph knows.
pub fn discover_traces(config_args: &ConfigArgs) -> anyhow::Result<(Backend, String, String)> {
    let options = cluster_options(config_args);
    runtime()?.block_on(async {
        let cluster = meshgraph_kube::ClusterConfig::load(&options)
            .await
            .context("--traces auto: looking for Jaeger or Tempo in the cluster")?;
        let found = meshgraph_kube::discover_traces(&cluster, &options)
            .await
            .with_context(|| {
                format!(
                    "--traces auto: looking for Jaeger or Tempo in the cluster of {}",
                    cluster.context_display()
                )
            })?;
        match found {
            Some(found) => Ok((
                match found.kind {
                    meshgraph_kube::TracingKind::Jaeger => Backend::Jaeger,
                    meshgraph_kube::TracingKind::Tempo => Backend::Tempo,
                },
                found.found.service.k8s_url(),
                found.found.found_by,
            )),
            None => bail!(
                "--traces auto: no Jaeger or Tempo found in the cluster of {} (looked for {}); give --jaeger URL or --tempo URL (a k8s://NAMESPACE/SERVICE:PORT URL reaches one through the API server)",
                cluster.context_display(),
                meshgraph_kube::TRACES_LOOKED_FOR.join(", ")
            ),
        }
    })
}

/// The telemetry, and whether Prometheus is reached through the cluster
/// (`k8s://`, given or found), whose objects are then read too by default.
fn collect_telemetry(
    input: &InputArgs,
    telemetry_optional: bool,
) -> anyhow::Result<(Collected, bool)> {
    let scope = &input.scope;
    let mut through_cluster = false;
    let mut collected = if let Some(name) = &input.demo {
        let Some(scenario) = builtin(name) else {
            let names: Vec<&str> = builtin_names().collect();
            bail!(
                "--demo {name}: no such built-in scenario; choose one of {}",
                names.join(", ")
            );
        };
        from_scenario(scenario?, format!("demo:{name}"), scope.namespaces())
    } else if let Some(path) = &input.scenario {
        let text =
            read_text(path, MIB_256).with_context(|| format!("reading {}", path.display()))?;
        let scenario = Scenario::from_toml(&text, &path.display().to_string())?;
        from_scenario(
            scenario,
            format!("scenario:{}", path.display()),
            scope.namespaces(),
        )
    } else if let Some(dir) = &input.replay {
        replay(dir, scope)?
    } else if let Some(url) = &input.prometheus.prometheus {
        through_cluster = url.starts_with("k8s://");
        collect_prometheus(
            &input.prometheus,
            url,
            None,
            &input.config,
            &read_scope(scope, None)?,
            None,
        )?
    } else if !input.traces.traces_files.is_empty() || has_live_traces(&input.traces) {
        Collected::for_traces_only(&read_scope(scope, None)?)
    } else if telemetry_optional {
        let mut none = Collected::empty("manifests".into(), &read_scope(scope, None)?);
        none.has_telemetry = false;
        none
    } else if let Some((url, found_by)) = discover_prometheus(&input.config)? {
        through_cluster = true;
        collect_prometheus(
            &input.prometheus,
            &url,
            Some(&found_by),
            &input.config,
            &read_scope(scope, None)?,
            None,
        )?
    } else {
        bail!(
            "no input: give --prometheus URL, --replay DIR, --jaeger/--tempo URL, --traces-file FILE, --demo[=NAME] or --scenario FILE (or point KUBECONFIG at a cluster whose Prometheus meshgraph can find)"
        )
    };
    collect_traces(
        &input.traces,
        &input.prometheus.query_timeout,
        &input.config,
        &mut collected,
        None,
    )?;
    Ok((collected, through_cluster))
}

/// A scenario's telemetry and objects, at its own time and window, with the
/// series and objects of the selected namespaces.
fn from_scenario(scenario: Scenario, source: String, namespaces: &[String]) -> Collected {
    let (config, _) = MeshConfig::from_values(scenario.objects());
    let mut collected = Collected {
        config,
        has_telemetry: true,
        metrics_empty: false,
        observations: scenario.telemetry(),
        exemplars: Vec::new(),
        trace_calls: None,
        source,
        scope: Scope {
            at: jiff::Timestamp::from_second(scenario.at).unwrap_or_default(),
            window: Duration::from_secs(scenario.window_seconds),
            namespaces: namespaces.to_vec(),
        },
        warnings: Vec::new(),
        summaries: Vec::new(),
        manifests_skipped: 0,
    };
    select_namespaces(&mut collected);
    collected
}

/// Keeps the series and objects of the selected namespaces, as `-n` does for a
/// live Prometheus (a series is kept when its source, destination workload or
/// destination service is in one) and for the cluster reader (namespaced
/// objects of those namespaces and of `istio-system`).
fn select_namespaces(collected: &mut Collected) {
    let namespaces = collected.scope.namespaces.clone();
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
fn replay(dir: &Path, scope_args: &ScopeArgs) -> anyhow::Result<Collected> {
    let manifest = Manifest::read(dir)?;
    let recorded = manifest.recorded_scope();
    let scope = read_scope(scope_args, recorded.as_ref().map(|(r, _)| r))?;
    let mut collected = Collected::empty(format!("replay:{}", dir.display()), &scope);
    if let Some((recorded, knows_namespaces)) = &recorded {
        collected.warnings.extend(replay_overrides(
            scope_args,
            recorded,
            *knows_namespaces,
            &scope,
        ));
    }
    if !manifest.prometheus.is_empty() {
        let metrics = meshgraph_prometheus::replay_recorded(dir)?;
        collected.absorb_metrics(metrics, |_| {
            format!("the recording {} holds no Istio series", dir.display())
        });
        if !collected.metrics_empty {
            select_namespaces(&mut collected);
        }
    }
    for entry in manifest.objects.iter().flatten() {
        let path = dir.join(&entry.file);
        let bytes = meshgraph_source::record::read_entry(dir, &entry.file, "an objects entry")?;
        let values: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        let (config, warnings) = MeshConfig::from_values(values);
        let summary = format!("objects: {} from the recording", config.objects.len());
        collected.absorb_config(config_outcome(config, &warnings, Some(summary)));
    }
    if manifest.traces.is_some() {
        let traces = collected.absorb(meshgraph_traces::replay(dir)?);
        collected.trace_calls = Some(traces.calls);
    }
    Ok(collected)
}

/// What a replay cannot do that the flags ask for: answers cannot be widened
/// to namespaces, times or windows that were not recorded.
fn replay_overrides(
    scope_args: &ScopeArgs,
    recorded: &RecordedScope,
    knows_namespaces: bool,
    scope: &Scope,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let asked = scope_args.namespaces();
    let wider = if asked.is_empty() {
        scope_args.all_namespaces && !recorded.namespaces.is_empty()
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
    if scope_args.at.is_some()
        && (scope.at_seconds() - recorded.at).abs() >= 1.0
        && let Some(recorded_at) = from_unix_seconds(recorded.at)
    {
        warnings.push(format!(
            "the recording was made at {}; --at {} cannot change its answers",
            round_to_second(recorded_at),
            round_to_second(scope.at)
        ));
    }
    if scope_args.window.is_some()
        && (scope.window.as_secs_f64() - recorded.window_seconds).abs() >= 1.0
    {
        warnings.push(format!(
            "the recorded rates are over {}s; --window {} cannot change them",
            recorded.window_seconds,
            scope_args.window()
        ));
    }
    warnings
}

/// Adds trace calls from files or a live backend to `collected`, over its
/// scope.
pub fn collect_traces(
    args: &TraceArgs,
    query_timeout: &str,
    config_args: &ConfigArgs,
    collected: &mut Collected,
    recorder: Option<&Recorder>,
) -> anyhow::Result<()> {
    let mut calls: Vec<TraceCall> = Vec::new();
    let mut any = false;
    for path in &args.traces_files {
        let read = collected.absorb(meshgraph_traces::read_file(path)?);
        calls.extend(read.calls);
        any = true;
    }
    // `--traces auto`: the backend found in the cluster, as a k8s:// URL.
    let mut found: Option<(Backend, String, String)> = None;
    if args.traces_auto.is_some() {
        let (backend, url, found_by) = discover_traces(config_args)?;
        found = Some((backend, url, found_by));
    }
    let server = match &found {
        Some((backend, url, _)) => Some((*backend, args.server_flags_for(url, query_timeout))),
        None => args.server_flags(query_timeout),
    };
    if let Some((backend, flags)) = server {
        let (server, _ca) = match meshgraph_kube::ServiceRef::parse_k8s_url(flags.url) {
            Some(service) => {
                let flag = match backend {
                    Backend::Jaeger => "--jaeger",
                    Backend::Tempo => "--tempo",
                };
                let service = service.map_err(|e| anyhow!("{flag}: {e}"))?;
                let ReachedServer {
                    config,
                    reached,
                    ca_file: ca,
                    ..
                } = through_service_proxy(&flags, &service, config_args)?;
                let backend_name = match backend {
                    Backend::Jaeger => "Jaeger",
                    Backend::Tempo => "Tempo",
                };
                if let Some(reached) = reached {
                    let line = match &found {
                        Some((_, _, found_by)) => {
                            format!("traces: found {backend_name} ({found_by}); {reached}")
                        }
                        None => format!("traces: {backend_name}, {reached}"),
                    };
                    collected.summaries.push(line);
                }
                (config, ca)
            }
            None => (server_config(&flags)?, None),
        };
        let mut config = TracesConfig::with_server(backend, server);
        config.services = args.trace_services.clone();
        config.namespaces = collected.scope.namespaces.clone();
        let time = TimeWindow::of_scope(&collected.scope)?;
        let read = runtime()?.block_on(meshgraph_traces::collect(&config, time, recorder));
        match read {
            Ok(read) => {
                calls.extend(collected.absorb(read).calls);
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

/// Queries the Prometheus at `url` (a `k8s://` URL is reached through the
/// API server of the kube context; `found_by` says how discovery found it)
/// over `scope`, optionally recording every answer.
pub fn collect_prometheus(
    args: &PrometheusArgs,
    url: &str,
    found_by: Option<&str>,
    config_args: &ConfigArgs,
    scope: &Scope,
    recorder: Option<&Recorder>,
) -> anyhow::Result<Collected> {
    let ReachedServer {
        config,
        source,
        reached,
        ca_file: _ca,
    } = prometheus_server(args, url, config_args)?;
    let mut plan = QueryPlan::for_scope(scope);
    plan.ztunnel_label = args.ztunnel_label.clone();
    if let Some(dir) = &args.queries_dir
        && !dir.is_dir()
    {
        bail!(
            "--queries-dir {}: no such folder; give the folder holding the *.promql overrides",
            dir.display()
        );
    }
    plan.queries_dir = args.queries_dir.clone();
    plan.recordings = !args.no_recording_rules;
    // Through the service proxy a GET needs only `get` on services/proxy.
    plan.use_get = reached.is_some();
    if let Some(recorder) = recorder {
        recorder.set_scope(scope.recorded())?;
    }
    let metrics = runtime()?.block_on(meshgraph_prometheus::collect(&config, &plan, recorder))?;
    let mut out = Collected::empty(source, scope);
    if let Some(reached) = reached {
        out.summaries.push(match found_by {
            Some(found_by) => format!("Prometheus: found {found_by}; {reached}"),
            None => format!("Prometheus: {reached}"),
        });
    }
    out.absorb_metrics(metrics, |out| {
        format!(
            "Prometheus has no Istio series at {} over {}s: check --at (instant queries see only the 5 minutes before it), --window, -n, and that the proxies are scraped",
            out.scope.at,
            out.scope.window.as_secs()
        )
    });
    Ok(out)
}

/// A server as meshgraph reaches it.
pub struct ReachedServer {
    pub config: ServerConfig,
    /// The source label (credentials redacted).
    pub source: String,
    /// How it is reached, when through the API server's service proxy.
    pub reached: Option<String>,
    /// The temporary CA file `config` names: keep it while `config` is used.
    pub ca_file: Option<tempfile::NamedTempFile>,
}

/// The settings of the Prometheus at `url` (a `k8s://` URL is reached
/// through the API server of the kube context).
pub fn prometheus_server(
    args: &PrometheusArgs,
    url: &str,
    config_args: &ConfigArgs,
) -> anyhow::Result<ReachedServer> {
    let flags = args.server_flags_for(url);
    match meshgraph_kube::ServiceRef::parse_k8s_url(url) {
        Some(service) => {
            let service = service.map_err(|e| anyhow!("--prometheus: {e}"))?;
            through_service_proxy(&flags, &service, config_args)
        }
        None => {
            let config = server_config(&flags)?;
            let source = redact_url(&config.url);
            Ok(ReachedServer {
                config,
                source,
                reached: None,
                ca_file: None,
            })
        }
    }
}

/// A Prometheus Service reached through the API server's service proxy:
/// the settings (the proxy URL, the kube context's bearer token and CA, the
/// flags' headers and limits), the source label, the line saying how it is
/// reached, and the temporary CA file the settings name.
pub fn through_service_proxy(
    flags: &ServerFlags<'_>,
    service: &meshgraph_kube::ServiceRef,
    config_args: &ConfigArgs,
) -> anyhow::Result<ReachedServer> {
    let options = cluster_options(config_args);
    let (cluster, endpoint) = runtime()?.block_on(async {
        let cluster = load_cluster(&options).await?;
        let endpoint = meshgraph_kube::proxy_endpoint(&cluster, service)
            .await
            .with_context(|| {
                format!(
                    "reaching {} through the API server of {}",
                    service.k8s_url(),
                    cluster.context_display()
                )
            })?;
        anyhow::Ok((cluster, endpoint))
    })?;
    let context = cluster.context_display();
    if endpoint.accept_invalid_certs {
        bail!(
            "{context} turns TLS verification off (insecure-skip-tls-verify), which meshgraph does not do for {what} through the service proxy; give a URL (with `kubectl port-forward`) instead",
            what = flags.what
        );
    }
    let mut config = server_config(flags)?;
    config.url = endpoint.url.clone();
    config.auth = match endpoint.bearer {
        Some(token) => Auth::Bearer(token),
        None => Auth::None,
    };
    // A client-certificate user presents its certificate to the API server.
    if config.auth == Auth::None {
        config.identity_pem = endpoint.identity_pem.clone();
    }
    let mut ca = None;
    if let Some(pem) = &endpoint.ca_pem {
        let mut file = tempfile::NamedTempFile::new()
            .context("writing the cluster's CA to a temporary file")?;
        std::io::Write::write_all(&mut file, pem)
            .context("writing the cluster's CA to a temporary file")?;
        config.ca_file = Some(file.path().to_path_buf());
        ca = Some(file);
    }
    let reached = format!(
        "querying {} through the API server's service proxy ({}, {})",
        service.k8s_url(),
        context,
        endpoint.url
    );
    Ok(ReachedServer {
        config,
        source: service.k8s_url(),
        reached: Some(reached),
        ca_file: ca,
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

/// One backend's connection flags, as its flag group gives them.
pub struct ServerFlags<'a> {
    /// How messages name the backend: `Prometheus`, `traces`.
    pub what: &'static str,
    pub url: &'a str,
    pub token_file: Option<&'a Path>,
    /// The variable holding the token itself.
    pub token_env: &'static str,
    /// Basic auth user, where the backend has the flag.
    pub user: Option<&'a str>,
    /// The variable holding the basic auth password.
    pub password_env: &'static str,
    /// `NAME=VALUE` flags, and the flag's name for messages.
    pub headers: &'a [String],
    pub header_flag: &'static str,
    pub ca_file: Option<&'a Path>,
    /// `--query-timeout`.
    pub timeout: &'a str,
    pub max_response_bytes: u64,
}

impl PrometheusArgs {
    /// The connection flags, for the Prometheus at `url`.
    pub fn server_flags_for<'a>(&'a self, url: &'a str) -> ServerFlags<'a> {
        ServerFlags {
            what: "Prometheus",
            url,
            token_file: self.prometheus_token_file.as_deref(),
            token_env: "MESHGRAPH_PROMETHEUS_TOKEN",
            user: self.prometheus_user.as_deref(),
            password_env: "MESHGRAPH_PROMETHEUS_PASSWORD",
            headers: &self.prometheus_headers,
            header_flag: "--prometheus-header",
            ca_file: self.prometheus_ca.as_deref(),
            timeout: &self.query_timeout,
            max_response_bytes: self.max_response_mib.saturating_mul(1024 * 1024),
        }
    }
}

impl TraceArgs {
    /// The backend and its connection flags, when `--jaeger` or `--tempo` is
    /// given; requests time out after `query_timeout`.
    pub fn server_flags<'a>(
        &'a self,
        query_timeout: &'a str,
    ) -> Option<(Backend, ServerFlags<'a>)> {
        let (backend, url) = match (&self.jaeger, &self.tempo) {
            (Some(url), _) => (Backend::Jaeger, url),
            (None, Some(url)) => (Backend::Tempo, url),
            (None, None) => return None,
        };
        Some((backend, self.server_flags_for(url, query_timeout)))
    }

    /// The connection flags, for the Jaeger or Tempo at `url`.
    pub fn server_flags_for<'a>(&'a self, url: &'a str, query_timeout: &'a str) -> ServerFlags<'a> {
        ServerFlags {
            what: "traces",
            url,
            token_file: self.traces_token_file.as_deref(),
            token_env: "MESHGRAPH_TRACES_TOKEN",
            user: None,
            password_env: "MESHGRAPH_TRACES_PASSWORD",
            headers: &self.traces_headers,
            header_flag: "--traces-header",
            ca_file: self.traces_ca.as_deref(),
            timeout: query_timeout,
            max_response_bytes: meshgraph_traces::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// A backend's connection settings from its flags: a bearer token from the
/// token file, else from the token variable, else basic auth (password from
/// the environment), else none (credentials in the URL still work); headers,
/// CA file, timeout and size cap.
pub fn server_config(flags: &ServerFlags<'_>) -> anyhow::Result<ServerConfig> {
    let auth = if let Some(path) = flags.token_file {
        let token = read_text(path, 64 * 1024)
            .with_context(|| format!("reading the {} token file {}", flags.what, path.display()))?;
        let token = token.trim();
        check_token(token).map_err(|problem| {
            anyhow!(
                "the {} token file {} {problem}; it must hold the token alone on one line",
                flags.what,
                path.display()
            )
        })?;
        Auth::Bearer(token.to_string())
    } else if let Ok(token) = std::env::var(flags.token_env) {
        Auth::Bearer(token.trim().to_string())
    } else if let Some(user) = flags.user {
        Auth::Basic {
            user: user.to_string(),
            password: std::env::var(flags.password_env).unwrap_or_default(),
        }
    } else {
        Auth::None
    };
    Ok(ServerConfig {
        url: flags.url.to_string(),
        auth,
        headers: parse_headers(flags.headers, flags.header_flag)?,
        ca_file: flags.ca_file.map(Path::to_path_buf),
        timeout: parse_window(flags.timeout).context("--query-timeout")?,
        max_response_bytes: flags.max_response_bytes,
        ..ServerConfig::default()
    })
}

/// The scope of a run: `--at` and `--window`, else the recorded ones, else
/// now and the default window; `-n`.
pub fn read_scope(args: &ScopeArgs, recorded: Option<&RecordedScope>) -> anyhow::Result<Scope> {
    let at = match (&args.at, recorded) {
        (Some(text), _) => parse_at(text).context("--at")?,
        (None, Some(recorded)) => {
            from_unix_seconds(recorded.at).context("the recorded time is not a time")?
        }
        (None, None) => jiff::Timestamp::now(),
    };
    let window = match (&args.window, recorded) {
        (None, Some(recorded)) if recorded.window_seconds.is_finite() => {
            Duration::try_from_secs_f64(recorded.window_seconds).context("the recorded window")?
        }
        _ => parse_window_range(args.window()).context("--window")?,
    };
    if args.namespaces().iter().any(|n| n.trim().is_empty()) {
        bail!("-n: an empty namespace name; give a namespace, or -A for all of them");
    }
    Ok(Scope {
        at,
        window,
        namespaces: args.namespaces().to_vec(),
    })
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

/// What is wrong with a token (never the token itself): empty, or a
/// character that cannot be in an HTTP header.
fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("is empty".into());
    }
    match token
        .char_indices()
        .find(|(_, c)| c.is_control() || !c.is_ascii())
    {
        Some((at, c)) => Err(format!(
            "holds {} (U+{:04X}) at byte {at}",
            if c.is_control() {
                "a control character"
            } else {
                "a non-ASCII character"
            },
            c as u32
        )),
        None => Ok(()),
    }
}

/// `NAME=VALUE` flags as header pairs. A malformed flag is named by its
/// header name only: the value is a credential more often than not.
fn parse_headers(flags: &[String], flag: &str) -> anyhow::Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|header| {
            let Some((name, value)) = header.split_once('=') else {
                let name: String = header
                    .split([':', ' ', '\t'])
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(64)
                    .collect();
                let colon = if header.contains(':') {
                    format!(" (not \"{name}: value\")")
                } else {
                    String::new()
                };
                bail!(
                    "{flag} for header {name:?} must be NAME=VALUE{colon}; the value is not shown"
                );
            };
            Ok((name.trim().to_string(), value.to_string()))
        })
        .collect()
}

/// 256 MiB, the cap on a scenario file (like a manifest file).
pub const MIB_256: u64 = 256 * 1024 * 1024;
/// 512 MiB, the cap on an answer read from a file or stdin.
pub const MIB_512: u64 = 512 * 1024 * 1024;

/// At most `cap` bytes from `reader`; more is an error that says the cap.
pub fn read_capped(reader: impl std::io::Read, cap: u64) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        let size = if cap >= 1024 * 1024 {
            format!("{} MiB", cap / (1024 * 1024))
        } else if cap >= 1024 {
            format!("{} KiB", cap / 1024)
        } else {
            format!("{cap} bytes")
        };
        bail!("larger than the {size} this input may hold");
    }
    Ok(bytes)
}

/// The UTF-8 text of the file `path`, at most `cap` bytes.
pub fn read_text(path: &Path, cap: u64) -> anyhow::Result<String> {
    let bytes = read_capped(std::fs::File::open(path)?, cap)?;
    String::from_utf8(bytes).map_err(|_| anyhow!("not UTF-8 text"))
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn inputs_over_their_cap_are_refused() {
        assert_eq!(read_capped(&b"abcd"[..], 4).unwrap(), b"abcd");
        let e = read_capped(&b"abcde"[..], 4).unwrap_err().to_string();
        assert!(e.contains("larger than the 4 bytes"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, vec![b'a'; 64 * 1024 + 1]).unwrap();
        let e = format!("{:#}", read_text(&token, 64 * 1024).unwrap_err());
        assert!(e.contains("64 KiB"), "{e}");
    }

    #[test]
    fn a_malformed_header_flag_never_echoes_its_value() {
        let e = parse_headers(
            &["Authorization: Bearer s3cret-token-value".into()],
            "--prometheus-header",
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("s3cret") && !e.contains("Bearer"), "{e}");
        assert!(
            e.contains("\"Authorization\"") && e.contains("NAME=VALUE"),
            "{e}"
        );
    }

    #[test]
    fn token_problems_are_named_without_the_token() {
        assert_eq!(check_token(""), Err("is empty".into()));
        let e = check_token("abc\u{7}def-secret").unwrap_err();
        assert_eq!(e, "holds a control character (U+0007) at byte 3");
        assert!(check_token("eyJhbGciOi.x_y-z").is_ok());
    }
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
