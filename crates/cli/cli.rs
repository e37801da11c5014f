//! Flags and subcommands.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
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

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print nothing on stderr but errors
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Print notes from the reconciliation on stderr
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
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
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where the telemetry comes from.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Run on a built-in scenario instead of a mesh: bookinfo-sidecar, bookinfo-ambient,
    /// bookinfo-waypoint (default), bookinfo-mixed
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "bookinfo-waypoint")]
    pub demo: Option<String>,
    /// Run on a scenario file (TOML, see docs/scenarios.md)
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub scenario: Option<PathBuf>,
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
pub struct GraphArgs {
    /// Level of the graph's nodes
    #[arg(long, value_enum, default_value = "workload")]
    pub graph_type: GraphTypeArg,
    /// Draw calls through a waypoint as client -> waypoint -> server
    #[arg(long)]
    pub show_waypoints: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Output file; the format follows the extension (.svg, .dot, .json). `-` is stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: String,
    /// Output format, overriding the extension
    #[arg(long, value_parser = ["json", "dot", "svg"])]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
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
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
}

pub fn print_completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "meshgraph", &mut std::io::stdout());
}
