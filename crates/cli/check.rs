//! `meshgraph check`: findings from configuration and telemetry.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use meshgraph_checks::format::{TextOptions, render_json, render_junit, render_sarif, render_text};
use meshgraph_checks::{CheckOptions, Code, Severity, Telemetry, check, registry};

use crate::Exit;
use crate::cli::{GlobalArgs, InputArgs};
use crate::{input, output};

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
    /// Telemetry (same flags as `snapshot`) and `-f` manifests
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub format: CheckFormat,
    /// Exit 1 when a finding has at least this severity
    #[arg(long, value_enum, default_value = "error", help_heading = "Findings")]
    pub fail_on: FailOn,
    /// Finding codes not to run (repeatable or comma-separated), e.g. MG105,MG209
    #[arg(
        long,
        value_name = "CODE",
        value_delimiter = ',',
        help_heading = "Findings"
    )]
    pub ignore: Vec<String>,
    /// Run only the checks that implement these `istioctl analyze` analyzers
    /// (e.g. virtualservice.DestinationRuleAnalyzer), to compare with istioctl
    #[arg(
        long = "istio-analyzer",
        value_name = "NAME",
        help_heading = "Findings"
    )]
    pub istio_analyzers: Vec<String>,
    /// Run only these checks (MG codes, or IST codes for their MG equivalents;
    /// repeatable or comma-separated)
    #[arg(
        long,
        value_name = "CODE",
        value_delimiter = ',',
        help_heading = "Findings"
    )]
    pub select: Vec<String>,
    /// Namespace holding mesh-wide policies
    #[arg(
        long,
        value_name = "NAMESPACE",
        default_value = "istio-system",
        help_heading = "Findings"
    )]
    pub root_namespace: String,
    /// Istio MeshConfig (YAML, the `mesh` key of the `istio` ConfigMap); by
    /// default the `istio` ConfigMap of the input, else Istio's defaults
    #[arg(long, value_name = "FILE", help_heading = "Findings")]
    pub mesh_config: Option<PathBuf>,
    /// Istio MeshNetworks (YAML); by default the `meshNetworks` key of the
    /// input's `istio` ConfigMap
    #[arg(long, value_name = "FILE", help_heading = "Findings")]
    pub mesh_networks: Option<PathBuf>,
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

pub fn run(global: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<Exit> {
    let mut inputs = output::input_paths(&args.input, global);
    inputs.extend(args.paths.iter().map(PathBuf::as_path));
    output::refuse_overwriting(&[&args.output], &inputs)?;
    let mut ignore = BTreeSet::new();
    for code in args.ignore.iter().map(|c| c.trim().to_ascii_uppercase()) {
        if code.is_empty() {
            continue;
        }
        if !registry::is_known_code(&code) {
            bail!("--ignore {code}: no such finding code (see docs/findings/README.md)");
        }
        // A reserved code has no check yet: nothing to ignore.
        if let Ok(code) = code.parse::<Code>() {
            ignore.insert(code);
        }
    }
    // Flags are validated before any input is read.
    let only = selected_checks(args)?;
    let no_input = args.paths.is_empty()
        && args.input.config.files.is_empty()
        && !args.input.config.cluster
        && !input::has_telemetry_flags(&args.input);
    // No argument at all: the cluster of the kube context, like `snapshot`.
    let from_cluster = if no_input {
        input::collect_from_cluster(&args.input, &args.paths)?
    } else {
        None
    };
    let read_cluster = from_cluster.is_some() && !args.input.config.no_cluster;
    let collected = match from_cluster {
        Some(collected) => collected,
        None => input::collect(&args.input, &args.paths, true)?,
    };
    if !collected.has_telemetry
        && args.paths.is_empty()
        && args.input.config.files.is_empty()
        && !args.input.config.cluster
        && !read_cluster
    {
        bail!(
            "nothing to check: give manifest paths, -f PATH, `-` for stdin, telemetry flags or --demo (or point KUBECONFIG at a cluster)"
        );
    }
    collected.report(global.quiet);
    // Only malformed or unreadable manifests: "no issues" would read as a
    // clean configuration.
    if !collected.has_telemetry
        && collected.config.objects.is_empty()
        && collected.manifests_skipped > 0
    {
        bail!(
            "nothing usable was read: {} malformed or unreadable manifest document(s) or file(s), no object (see the warnings above)",
            collected.manifests_skipped
        );
    }
    let mut notes: Vec<String> = Vec::new();
    let reconciliation = collected
        .has_telemetry
        .then(|| collected.reconcile(&collected.classify_options(&args.input.prometheus)));
    let mut config = collected.config.clone();
    config.settings = mesh_settings(args, &config, &mut notes)?;
    let telemetry = reconciliation.as_ref().map(|r| Telemetry {
        observations: &collected.observations,
        reconciliation: r,
    });
    let options = CheckOptions { ignore, only };
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
            eprintln!("meshgraph: {}", meshgraph_model::escape_controls(note));
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
    // No telemetry means the telemetry checks saw nothing: that is said
    // before "no findings" could be read as a healthy mesh.
    if let Some(empty) = collected.empty_exit(args.input.allow_empty, global.quiet) {
        return Ok(empty);
    }
    Ok(if report.worst().is_some_and(|w| w >= fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// The largest mesh config or mesh networks file read: 16 MiB.
const MESH_FILE_MAX_BYTES: u64 = 16 * 1024 * 1024;

fn read_mesh_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MESH_FILE_MAX_BYTES + 1).read_to_string(&mut text))
        .with_context(|| format!("reading {}", path.display()))?;
    if text.len() as u64 > MESH_FILE_MAX_BYTES {
        bail!(
            "{}: larger than the 16 MiB a mesh configuration may hold",
            path.display()
        );
    }
    Ok(text)
}

/// Mesh settings: `--mesh-config`/`--mesh-networks`, else the input's
/// `istio` ConfigMap, else Istio's defaults; `--root-namespace` as given.
fn mesh_settings(
    args: &CheckArgs,
    config: &meshgraph_config::MeshConfig,
    notes: &mut Vec<String>,
) -> anyhow::Result<meshgraph_config::MeshSettings> {
    use meshgraph_config::MeshSettings;
    let from_input = config.settings_from_configmap(&args.root_namespace);
    let mut settings = match (&args.mesh_config, from_input) {
        (Some(path), _) => {
            let text = read_mesh_file(path)?;
            MeshSettings::from_mesh_config_text(&text, &path.display().to_string())
                .map_err(anyhow::Error::msg)?
        }
        (None, Some((settings, warnings))) => {
            notes.extend(warnings);
            settings
        }
        (None, None) => MeshSettings::default(),
    };
    settings.root_namespace = args.root_namespace.clone();
    if let Some(path) = &args.mesh_networks {
        let text = read_mesh_file(path)?;
        settings = settings
            .with_mesh_networks_text(&text, &path.display().to_string())
            .map_err(anyhow::Error::msg)?;
    }
    Ok(settings)
}

/// `--select` and `--istio-analyzer` as the set of checks to run (`None`: all).
fn selected_checks(args: &CheckArgs) -> anyhow::Result<Option<BTreeSet<Code>>> {
    if args.select.is_empty() && args.istio_analyzers.is_empty() {
        return Ok(None);
    }
    let mut only = BTreeSet::new();
    for code in args
        .select
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
    {
        if code.starts_with("IST") {
            let checks = registry::checks_for_istio_codes(&[code.as_str()]);
            if checks.is_empty() {
                bail!(
                    "--select {code}: no check maps to this istioctl code (see docs/findings/README.md)"
                );
            }
            only.extend(checks);
        } else if registry::is_known_code(&code) {
            // A reserved code has no check yet: it selects nothing.
            only.extend(code.parse::<Code>().ok());
        } else {
            bail!("--select {code}: no such finding code (see docs/findings/README.md)");
        }
    }
    for analyzer in &args.istio_analyzers {
        let checks = registry::checks_for_istio_analyzer(analyzer).ok_or_else(|| {
            let names: Vec<&str> = registry::ISTIO_ANALYZERS.iter().map(|(n, _)| *n).collect();
            anyhow::anyhow!(
                "--istio-analyzer {analyzer}: no meshgraph check implements this analyzer; known analyzers: {}",
                names.join(", ")
            )
        })?;
        only.extend(checks.iter().copied());
    }
    Ok(Some(only))
}
