//! Flags and subcommands.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use meshgraph_export::Format;
use meshgraph_model::GraphType;

#[derive(Debug, Parser)]
#[command(
    name = "meshgraph",
    version,
    about = "Turn an Istio mesh's telemetry into a correct service graph",
    long_about = "meshgraph reads Istio's standard metrics, keeps track of which proxy reported \
each series (sidecar, gateway, ztunnel, waypoint) and draws one edge per logical call.",
    after_help = "Examples:
  meshgraph snapshot --demo -o graph.svg
  meshgraph snapshot --demo bookinfo-ambient --graph-type versioned-app -o graph.json
  meshgraph explain --demo bookinfo-waypoint bookinfo/productpage-v1 bookinfo/reviews-v2"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The general flags, wherever they were given.
    pub fn global(&self) -> GlobalArgs {
        let after = match &self.command {
            Command::Snapshot(a) => Some(&a.global),
            Command::Explain(a) => Some(&a.global),
            Command::Check(a) => Some(&a.global),
            Command::Record(a) => Some(&a.global),
            Command::Report(a) => Some(&a.global),
            Command::Kiali(a) => Some(&a.global),
            Command::History(a) => Some(a.global()),
            Command::Scenario(ScenarioArgs {
                action: ScenarioAction::Export(a),
            }) => Some(&a.global),
            Command::Scenario(_) | Command::Diff(_) | Command::Completions { .. } => None,
        };
        self.global.merged(after)
    }
}

/// Settings file and verbosity: accepted before the command
/// (`meshgraph -q snapshot`) and after it by the commands that read a mesh.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "General")]
pub struct GlobalArgs {
    /// Settings file with connection defaults (default: ./meshgraph.toml, then
    /// ~/.config/meshgraph/meshgraph.toml); flags and variables win over it
    #[arg(long, value_name = "FILE", env = "MESHGRAPH_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// Print nothing on stderr but errors
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print notes from the reconciliation on stderr
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl GlobalArgs {
    /// These flags given before the command, merged with those given after it.
    pub fn merged(&self, after: Option<&GlobalArgs>) -> GlobalArgs {
        let Some(after) = after else {
            return self.clone();
        };
        GlobalArgs {
            config: after.config.clone().or_else(|| self.config.clone()),
            quiet: self.quiet || after.quiet,
            verbose: self.verbose || after.verbose,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect telemetry, build the graph and write it (SVG, DOT or JSON)
    #[command(after_help = "Examples:
  meshgraph snapshot --demo -o graph.svg
  meshgraph snapshot --demo bookinfo-sidecar --format dot -o -
  meshgraph snapshot --scenario my-mesh.toml --graph-type versioned-app -o graph.json")]
    Snapshot(SnapshotArgs),
    /// Show every raw series behind one edge and what the reconciliation did with it
    #[command(after_help = "Examples:
  meshgraph explain --demo bookinfo-waypoint bookinfo/productpage-v1 bookinfo/reviews-v2
  meshgraph explain --demo bookinfo-ambient istio-system/istio-ingressgateway bookinfo/productpage-v1 --format json")]
    Explain(ExplainArgs),
    /// Findings from the mesh configuration and its telemetry (exit 1 when any reach --fail-on)
    Check(crate::check::CheckArgs),
    /// Save the raw answers of a run (queries and their exact responses) for `--replay`
    #[command(after_help = "Examples:
  meshgraph record ./bundle --prometheus http://localhost:9090 --window 10m
  meshgraph snapshot --replay ./bundle -o graph.svg")]
    Record(RecordArgs),
    /// The mesh health report: one HTML page with the graph, the worst edges, the
    /// findings and the change since the last report (exit 1 when something broke)
    #[command(after_help = "Examples:
  meshgraph report --demo -o report.html
  meshgraph report --prometheus http://prometheus:9090 -f cluster.yaml \\
      --previous yesterday.json --json-out today.json -o report.html")]
    Report(Box<ReportArgs>),
    /// Edges and nodes that appeared, vanished or got worse between two JSON snapshots
    /// (exit 1 when something vanished or got worse)
    #[command(after_help = "Examples:
  meshgraph diff yesterday.json today.json
  meshgraph diff --format json --error-points 0.5 old.json new.json")]
    Diff(DiffArgs),
    /// Kiali's picture explained: every arrow Kiali draws mapped to the logical
    /// calls and series behind it, and why it is an extra arrow
    #[command(after_help = "Examples:
  meshgraph kiali --kiali-graph graph.json --prometheus http://prometheus:9090 --at 2026-11-25T02:00:00Z --window 10m
  meshgraph kiali --kiali-graph graph.json --replay ./bundle --format json -o kiali.json
  meshgraph kiali --kiali http://localhost:20001 --prometheus http://prometheus:9090 -n bookinfo
  (save graph.json from Kiali's UI, network tab: /api/namespaces/graph?...)")]
    Kiali(KialiArgs),
    /// Built-in and file scenarios: list them, or write one's telemetry as
    /// OpenMetrics to load into your own Prometheus
    #[command(after_help = "Examples:
  meshgraph scenario list
  meshgraph scenario export bookinfo-waypoint --openmetrics bookinfo.om
  promtool tsdb create-blocks-from openmetrics bookinfo.om ./prometheus-data")]
    Scenario(ScenarioArgs),
    /// The run history behind `report --history`: append runs, ingest archived
    /// JSON snapshots, show trends and regressions, prune old runs
    #[command(after_help = "Examples:
  meshgraph history ingest ./history archive/*.json
  meshgraph history show ./history --runs 14
  meshgraph history prune ./history --keep 90d")]
    History(crate::history::HistoryArgs),
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The built-in scenario a bare `--demo` runs.
pub const DEFAULT_DEMO: &str = "bookinfo-waypoint";

/// Where the telemetry comes from.
#[derive(Debug, Args)]
pub struct InputArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
    #[command(flatten)]
    pub traces: TraceArgs,
    /// Replay a recording made by `meshgraph record` instead of querying a server
    /// (its -n, --window and --at are used unless given again)
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["demo", "scenario"],
        help_heading = "Input"
    )]
    pub replay: Option<PathBuf>,
    /// Run on a built-in scenario instead of a mesh: bookinfo-sidecar, bookinfo-ambient,
    /// bookinfo-waypoint (default), bookinfo-mixed, multicluster. `--demo NAME` takes the next word
    /// only when it is one of these names; otherwise write `--demo=NAME`
    #[arg(
        long,
        value_name = "NAME",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = DEFAULT_DEMO,
        help_heading = "Input"
    )]
    pub demo: Option<String>,
    /// Run on a scenario file (TOML, see docs/scenarios.md)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "demo",
        help_heading = "Input"
    )]
    pub scenario: Option<PathBuf>,
    /// Exit 0 rather than 3 when the metrics input holds no Istio series
    #[arg(long, help_heading = "Input")]
    pub allow_empty: bool,
}

/// Where the Kubernetes and Istio objects come from.
#[derive(Debug, Args)]
#[command(next_help_heading = "Configuration (Kubernetes and Istio objects)")]
pub struct ConfigArgs {
    /// Kubernetes and Istio manifests or `kubectl get -o yaml` dumps (file, directory
    /// or `-`; repeatable): they name waypoints and ServiceEntry hosts, and feed the findings
    #[arg(long = "filename", short = 'f', value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Also read the objects from the live cluster of the current kubeconfig context
    /// (the default when Prometheus is found in the cluster or given as k8s://)
    #[arg(long, conflicts_with = "no_cluster")]
    pub cluster: bool,
    /// Do not read objects from the cluster, even when Prometheus is reached through it
    #[arg(long)]
    pub no_cluster: bool,
    /// Kubeconfig file (default: every file of KUBECONFIG merged, then ~/.kube/config,
    /// then the pod's service account)
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// What part of the mesh, at what time: shared by every source.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scope (every source)")]
pub struct ScopeArgs {
    /// Namespace to graph (repeatable); traffic entering it from elsewhere is kept
    #[arg(
        long,
        short = 'n',
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Vec<String>,
    /// Every namespace (the default when no -n is given)
    #[arg(long, short = 'A')]
    pub all_namespaces: bool,
    /// Evaluation time: RFC 3339 or unix seconds (default: now; a replay's recorded time)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Rate window, e.g. 10m (default: 10m; a replay's recorded window)
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
}

impl ScopeArgs {
    /// The rate window when none is given.
    pub const DEFAULT_WINDOW: &'static str = "10m";

    /// `--window`, or its default.
    pub fn window(&self) -> &str {
        self.window.as_deref().unwrap_or(Self::DEFAULT_WINDOW)
    }

    /// The namespaces asked for; empty means every namespace.
    pub fn namespaces(&self) -> &[String] {
        if self.all_namespaces {
            &[]
        } else {
            &self.namespace
        }
    }
}

/// Reading traces: Jaeger, Tempo, or a saved answer of either.
#[derive(Debug, Args)]
#[command(next_help_heading = "Traces (Jaeger, Tempo)")]
pub struct TraceArgs {
    /// Jaeger query base URL (Istio's addon serves it under /jaeger), or
    /// k8s://NAMESPACE/SERVICE:PORT[/PATH] to reach it through the API server
    #[arg(
        long,
        value_name = "URL",
        env = "MESHGRAPH_JAEGER_URL",
        conflicts_with = "tempo"
    )]
    pub jaeger: Option<String>,
    /// Tempo base URL, or k8s://NAMESPACE/SERVICE:PORT to reach it through the API server
    #[arg(long, value_name = "URL", env = "MESHGRAPH_TEMPO_URL")]
    pub tempo: Option<String>,
    /// `auto`: find the mesh's Jaeger or Tempo in the cluster of the kube
    /// context and query it through the API server's service proxy
    #[arg(
        long = "traces",
        value_name = "auto",
        value_parser = ["auto"],
        conflicts_with_all = ["jaeger", "tempo"]
    )]
    pub traces_auto: Option<String>,
    /// A saved trace file to read instead of a server (repeatable): Jaeger (v3, v1, UI download), Tempo, Zipkin v2, OTLP JSON or JSON lines, OTLP protobuf (.binpb, .pb; one, length-delimited, or the Collector's 4-byte lengths), recognised by content
    #[arg(long = "traces-file", value_name = "FILE")]
    pub traces_files: Vec<PathBuf>,
    /// Trace service to query (repeatable); default: every service the backend knows
    #[arg(long = "trace-service", value_name = "NAME")]
    pub trace_services: Vec<String>,
    /// File holding a bearer token for Jaeger/Tempo (or set MESHGRAPH_TRACES_TOKEN)
    #[arg(long, value_name = "FILE", env = "MESHGRAPH_TRACES_TOKEN_FILE")]
    pub traces_token_file: Option<PathBuf>,
    /// Extra request header for Jaeger/Tempo, NAME=VALUE (repeatable), e.g. X-Scope-OrgID=t1
    #[arg(long = "traces-header", value_name = "NAME=VALUE")]
    pub traces_headers: Vec<String>,
    /// PEM file with extra CA certificates for Jaeger/Tempo
    #[arg(long, value_name = "FILE", env = "MESHGRAPH_TRACES_CA")]
    pub traces_ca: Option<PathBuf>,
}

/// Reading Istio's metrics from anything that speaks the Prometheus HTTP API.
#[derive(Debug, Args)]
#[command(next_help_heading = "Metrics (Prometheus)")]
pub struct PrometheusArgs {
    /// Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL, or k8s://NAMESPACE/SERVICE:PORT
    /// to reach an in-cluster one through the API server (default: found in the cluster)
    #[arg(long, value_name = "URL", env = "MESHGRAPH_PROMETHEUS_URL")]
    pub prometheus: Option<String>,
    /// File holding a bearer token for Prometheus (or set MESHGRAPH_PROMETHEUS_TOKEN)
    #[arg(long, value_name = "FILE", env = "MESHGRAPH_PROMETHEUS_TOKEN_FILE")]
    pub prometheus_token_file: Option<PathBuf>,
    /// User for basic auth; the password comes from MESHGRAPH_PROMETHEUS_PASSWORD
    #[arg(long, value_name = "USER", env = "MESHGRAPH_PROMETHEUS_USER")]
    pub prometheus_user: Option<String>,
    /// Extra request header, NAME=VALUE (repeatable), e.g. X-Scope-OrgID=tenant-1
    #[arg(long = "prometheus-header", value_name = "NAME=VALUE")]
    pub prometheus_headers: Vec<String>,
    /// PEM file with extra CA certificates to trust (TLS is always verified)
    #[arg(long, value_name = "FILE", env = "MESHGRAPH_PROMETHEUS_CA")]
    pub prometheus_ca: Option<PathBuf>,
    /// Timeout of one query, e.g. 30s
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub query_timeout: String,
    /// Largest query answer accepted, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub max_response_mib: u64,
    /// Directory of .promql files overriding the built-in queries
    #[arg(long, value_name = "DIR", env = "MESHGRAPH_QUERIES_DIR")]
    pub queries_dir: Option<PathBuf>,
    /// Scrape label whose value `ztunnel` marks ztunnel series
    #[arg(long, value_name = "LABEL", default_value = "app")]
    pub ztunnel_label: String,
    /// Always compute each family's sum: do not read the series of
    /// docs/recording-rules.yaml even when the server has them
    #[arg(long)]
    pub no_recording_rules: bool,
    /// Scrape label naming the cluster of the emitting proxy (a federating Prometheus
    /// adds `cluster`); source_cluster/destination_cluster win, this fills in the rest
    #[arg(long, value_name = "LABEL", default_value = "cluster")]
    pub cluster_label: String,
    /// Kubernetes cluster domain services are spelled with (default: taken from the
    /// data's service names, else cluster.local)
    #[arg(long, value_name = "DOMAIN", value_parser = parse_cluster_domain)]
    pub cluster_domain: Option<String>,
}

/// `--cluster-domain`: DNS labels separated by dots, no leading or trailing dot.
fn parse_cluster_domain(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!(
            "{text:?} is not a DNS domain such as cluster.local"
        ))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphTypeArg {
    Workload,
    App,
    VersionedApp,
    Service,
}

impl From<GraphTypeArg> for GraphType {
    fn from(arg: GraphTypeArg) -> GraphType {
        match arg {
            GraphTypeArg::Workload => GraphType::Workload,
            GraphTypeArg::App => GraphType::App,
            GraphTypeArg::VersionedApp => GraphType::VersionedApp,
            GraphTypeArg::Service => GraphType::Service,
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct GraphArgs {
    /// Level of the graph's nodes
    #[arg(long, value_enum, default_value = "workload")]
    pub graph_type: GraphTypeArg,
    /// Draw calls through a waypoint as client -> waypoint -> server
    #[arg(long)]
    pub show_waypoints: bool,
    /// Keep infrastructure traffic (Prometheus scraping, collectors, probes)
    #[arg(long)]
    pub show_infra: bool,
    /// Leave the legend out of SVG, DOT and the report's graph
    #[arg(long)]
    pub no_legend: bool,
    /// Keep only calls from or to this cluster (repeatable) when the telemetry names
    /// several; -n still selects namespaces
    #[arg(long, value_name = "CLUSTER")]
    pub cluster_name: Vec<String>,
}

/// `--format` of `snapshot`: the names of [`Format`], listed in `--help`.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::NAMES).try_map(|name| name.parse::<Format>())
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Output file, written atomically; the format follows the extension (.svg, .dot,
    /// .json, .cy.json, .mmd). Default `-`: stdout, JSON unless --format says otherwise
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "-",
        help_heading = "Output"
    )]
    pub output: String,
    /// Output format, overriding the extension
    #[arg(long, value_parser = format_parser(), help_heading = "Output")]
    pub format: Option<Format>,
    /// Do not run the checks that put finding badges on nodes and edges
    #[arg(long, help_heading = "Output")]
    pub no_findings: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextOrJson {
    /// For people
    Text,
    /// For tools
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Source: namespace/workload, or `unknown`
    pub source: String,
    /// Destination: namespace/workload, `service:namespace/name`, or an external host
    pub destination: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format: the series grouped by reporter as text, or the same as JSON
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub format: TextOrJson,
    /// Output file, written atomically; default `-` (stdout)
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "-",
        help_heading = "Output"
    )]
    pub output: String,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// `meshgraph kiali --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KialiFormat {
    /// For people
    Text,
    /// For tools
    Json,
    /// Kiali's arrows thin and grey, the logical calls over them, every extra
    /// arrow labelled with its reason code
    Svg,
    /// One self-contained page: the summary, the SVG overlay and the table
    Html,
}

#[derive(Debug, Args)]
pub struct KialiArgs {
    /// Kiali's graph API answer saved to a file (`-` for stdin)
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Kiali",
        required_unless_present = "kiali",
        conflicts_with = "kiali"
    )]
    pub kiali_graph: Option<String>,
    /// Read the graph from a live Kiali (its base URL, e.g. http://kiali:20001),
    /// with the telemetry's namespaces (-n), window and time;
    /// `k8s://NAMESPACE/SERVICE:PORT[/PATH]` reaches it through the API server's
    /// service proxy, `auto` is Istio's addon (k8s://istio-system/kiali:20001/kiali)
    #[arg(long, value_name = "URL", help_heading = "Kiali")]
    pub kiali: Option<String>,
    /// File holding a bearer token for Kiali (or set MESHGRAPH_KIALI_TOKEN)
    #[arg(
        long,
        value_name = "FILE",
        env = "MESHGRAPH_KIALI_TOKEN_FILE",
        help_heading = "Kiali"
    )]
    pub kiali_token_file: Option<PathBuf>,
    /// The graph type asked of --kiali: workload, app, versionedApp, service
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "workload",
        value_parser = ["workload", "app", "versionedApp", "service"],
        help_heading = "Kiali"
    )]
    pub kiali_graph_type: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format: a table for people, JSON (docs/schema/kiali.schema.json),
    /// or an SVG of Kiali's arrows with the logical calls and reasons over them
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub format: KialiFormat,
    /// Output file, written atomically; default `-` (stdout)
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "-",
        help_heading = "Output"
    )]
    pub output: String,
    #[command(flatten)]
    pub global: GlobalArgs,
}

pub fn print_completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "meshgraph", &mut std::io::stdout());
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Directory to write the recording into (created; must be empty)
    pub dir: PathBuf,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
    #[command(flatten)]
    pub traces: TraceArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot (`meshgraph snapshot -o old.json`)
    pub old: PathBuf,
    /// The later snapshot
    pub new: PathBuf,
    /// Output format: one line per change as text, or the changes as JSON
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Output file, written atomically; default `-` (stdout)
    #[arg(long, short = 'o', value_name = "FILE", default_value = "-")]
    pub output: String,
    /// Error-share increase, in percentage points, that counts as worse
    #[arg(long, default_value_t = 1.0)]
    pub error_points: f64,
    /// p99 latency increase, as a fraction, that counts as worse (0.5 = 50% slower)
    #[arg(long, default_value_t = 0.5)]
    pub latency_increase: f64,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFailOn {
    Error,
    Warning,
    Info,
    /// Never exit 1 for findings (regressions since --previous still do)
    Never,
    /// Exit 1 only when a regression fired (--previous or a --history rule)
    Regression,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
    /// The HTML file to write, atomically; default `-` (stdout)
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "-",
        help_heading = "Output"
    )]
    pub output: String,
    /// The previous report's JSON snapshot, to show what changed
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Also write this run's JSON snapshot (the next report's --previous)
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<String>,
    /// Exit 1 when a finding has at least this severity
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: ReportFailOn,
    /// How many edges the worst-edges table lists
    #[arg(long, default_value_t = 10)]
    pub worst: usize,
    /// Also draw the worst (and regressed) edges over this range before --at,
    /// e.g. 24h: request and 5xx rates as sparklines, from two range queries
    /// to the live Prometheus
    #[arg(long, value_name = "DURATION", help_heading = "Range")]
    pub range: Option<String>,
    /// The range's step (default: the range / 96, at least 15s); at most
    /// 11,000 steps
    #[arg(long, value_name = "DURATION", help_heading = "Range")]
    pub step: Option<String>,
    /// How many edges --range draws
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Range")]
    pub range_edges: usize,
    #[command(flatten)]
    pub history: crate::history::ReportHistoryArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    pub action: ScenarioAction,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioAction {
    /// List the built-in scenarios
    List,
    /// Write a scenario's telemetry as OpenMetrics text (counters growing at the
    /// scenario's rates), ready for `promtool tsdb create-blocks-from openmetrics`
    Export(ScenarioExportArgs),
}

#[derive(Debug, Args)]
pub struct ScenarioExportArgs {
    /// A built-in scenario (see `meshgraph scenario list`)
    #[arg(required_unless_present = "scenario", conflicts_with = "scenario")]
    pub name: Option<String>,
    /// A scenario file (TOML, see docs/scenarios.md) instead of a built-in one
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// The OpenMetrics file to write, atomically; `-` is stdout
    #[arg(long, value_name = "FILE")]
    pub openmetrics: String,
    /// How much history to write before the scenario's time (at least the --window
    /// you will query with)
    #[arg(long, value_name = "DURATION", default_value = "20m")]
    pub duration: String,
    /// Time between two samples of a series
    #[arg(long, value_name = "DURATION", default_value = "15s")]
    pub step: String,
    /// When the counters end: RFC 3339, unix seconds or `now` (default: the
    /// scenario's own time). With `now`, a snapshot without --at sees the data
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    #[command(flatten)]
    pub global: GlobalArgs,
}
