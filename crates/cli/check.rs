//! `meshgraph check`: findings from configuration and telemetry.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use meshgraph_checks::format::{TextOptions, render_json, render_junit, render_sarif, render_text};
use meshgraph_checks::{CheckOptions, Severity, Telemetry, check, registry};
use meshgraph_config::{LoadOptions, MeshConfig};
use meshgraph_core::{ClassifyOptions, WorkloadRef, reconcile};
use meshgraph_scenario::{builtin, builtin_names};

use crate::Exit;
use crate::cli::GlobalArgs;
use crate::output;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  meshgraph check manifests/
  kubectl get -A -o yaml ns,deploy,pods,svc,vs,dr,gw | meshgraph check -
  meshgraph check -f bookinfo.yaml --format sarif -o findings.sarif
  meshgraph check --demo bookinfo-mixed --fail-on warning")]
pub struct CheckArgs {
    /// Manifests, directories (read recursively) or `-` for stdin
    pub paths: Vec<PathBuf>,
    /// A manifest, directory or `-` (repeatable)
    #[arg(long = "filename", short = 'f', value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Exit 1 when a finding has at least this severity
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Finding codes not to run (repeatable or comma-separated), e.g. MG105,MG209
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Check a built-in scenario (its objects and its telemetry): bookinfo-sidecar,
    /// bookinfo-ambient, bookinfo-waypoint (default), bookinfo-mixed
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "bookinfo-waypoint")]
    pub demo: Option<String>,
    /// Namespace holding mesh-wide policies
    #[arg(long, value_name = "NAMESPACE", default_value = "istio-system")]
    pub root_namespace: String,
    /// Output file, written atomically; `-` is stdout
    #[arg(long, short = 'o', value_name = "FILE", default_value = "-")]
    pub output: String,
}

pub fn run(global: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<Exit> {
    let mut ignore = BTreeSet::new();
    for code in args.ignore.iter().map(|c| c.trim().to_ascii_uppercase()) {
        if code.is_empty() {
            continue;
        }
        if !registry::is_known_code(&code) {
            bail!("--ignore {code}: no such finding code (see docs/findings/README.md)");
        }
        ignore.insert(code);
    }
    let paths: Vec<PathBuf> = args.paths.iter().chain(&args.files).cloned().collect();
    if paths.is_empty() && args.demo.is_none() {
        bail!("nothing to check: give manifest paths, -f PATH, `-` for stdin, or --demo");
    }

    let (mut config, warnings) =
        MeshConfig::load(&paths, &LoadOptions::default()).context("reading manifests")?;
    let mut notes: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();

    let mut observations = Vec::new();
    let mut telemetry_source = None;
    if let Some(name) = &args.demo {
        let Some(scenario) = builtin(name) else {
            let names: Vec<&str> = builtin_names().collect();
            bail!(
                "no built-in scenario {name:?}; choose one of {}",
                names.join(", ")
            );
        };
        let scenario = scenario?;
        let (demo, demo_warnings) = MeshConfig::from_values(scenario.objects());
        notes.extend(demo_warnings.iter().map(|w| format!("warning: {w}")));
        config.extend(demo);
        observations = scenario.telemetry();
        telemetry_source = Some(format!("demo:{name}"));
    }
    config.settings.root_namespace = args.root_namespace.clone();

    let reconciliation = telemetry_source.as_ref().map(|_| {
        let classify = ClassifyOptions {
            waypoints: config
                .waypoints()
                .into_iter()
                .map(|w| WorkloadRef::new(w.namespace, w.name))
                .collect(),
            ..ClassifyOptions::default()
        };
        reconcile(&observations, &classify)
    });
    let telemetry = reconciliation.as_ref().map(|r| Telemetry {
        observations: &observations,
        reconciliation: r,
    });
    let options = CheckOptions { ignore, only: None };
    let report = check(&config, telemetry, &options);
    notes.extend(report.notes.iter().cloned());

    let fail_on: Severity = args.fail_on.into();
    let contents = match args.format {
        CheckFormat::Text => render_text(
            &report,
            &TextOptions {
                details: global.verbose,
            },
        ),
        CheckFormat::Json => render_json(&report),
        CheckFormat::Sarif => render_sarif(&report),
        CheckFormat::Junit => render_junit(&report, fail_on),
    };
    if !global.quiet {
        for note in &notes {
            eprintln!("meshgraph: {note}");
        }
    }
    output::write_output(&args.output, contents.as_bytes()).context("writing the findings")?;
    if !global.quiet && args.output != "-" {
        eprintln!(
            "meshgraph: wrote {} ({} findings)",
            args.output,
            report.findings.len()
        );
    }
    Ok(if report.worst().is_some_and(|w| w >= fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
