//! `meshgraph`: the command-line interface. This binary parses flags and wires
//! the library crates together; the work happens in them.

mod argv;
mod check;
mod cli;
mod diff;
mod explain;
mod history;
mod input;
mod kiali;
mod output;
mod range;
mod record;
mod report;
mod scenario;
mod settings;
mod snapshot;

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

/// Exit status: 0 clean, 1 findings at or above `--fail-on` (or regressions),
/// 2 the run failed, 3 the metrics input held no Istio series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean,
    Findings,
    Failure,
    /// The output was written, but the metrics input had nothing in it: a
    /// Prometheus that does not scrape the mesh, or a window without traffic.
    Empty,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Failure => 2,
            Exit::Empty => 3,
        })
    }
}

/// Every line meshgraph writes about a failure starts with this.
const ERROR_PREFIX: &str = "meshgraph: error:";

fn command() -> clap::Command {
    // Flags shared through `InputArgs` whose meaning differs by command.
    cli::Cli::command()
        .mut_subcommand("check", |c| {
            c.mut_arg("namespace", |a| {
                a.help(
                    "Namespace whose telemetry and cluster objects are checked (repeatable); \
                     manifests given as paths are always checked whole",
                )
            })
        })
        .mut_subcommand("record", |c| {
            c.mut_arg("namespace", |a| {
                a.help(
                    "Namespace whose traffic is recorded (repeatable; traffic entering it \
                     from elsewhere is kept); a replay uses the same ones",
                )
            })
        })
}

fn main() -> ExitCode {
    // kube-rs's rustls needs the process-wide CryptoProvider chosen when
    // more than one is compiled in (reqwest's and kube's): once, here.
    meshgraph_kube::install_crypto_provider();
    let args = argv::normalize(std::env::args_os());
    if let Some(message) = argv::record_misuse(&args) {
        eprintln!("{ERROR_PREFIX} {message}");
        return Exit::Failure.into();
    }
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => return clap_error(e),
    };
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let global = cli.global();
    output::install_signal_cleanup();
    let result = input::check_sources(&matches)
        .and_then(|()| settings::load(global.config.as_deref()))
        .map(|s| settings::apply(&s, &matches, &mut cli.command))
        .and_then(|()| run(&cli, &global));
    match result {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("{ERROR_PREFIX} {}", error_line(&error));
            Exit::Failure.into()
        }
    }
}

/// Help and version go to stdout as clap writes them; usage errors get the
/// same prefix as every other error.
fn clap_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit()
    }
    let text = error.render().to_string();
    let text = text.strip_prefix("error:").unwrap_or(&text).trim_start();
    eprint!("{ERROR_PREFIX} {}", meshgraph_model::escape_controls(text));
    Exit::Failure.into()
}

/// The error and its causes on one line, outermost first; a cause whose text
/// the line already holds (an OS error quoted by its wrapper) is said once.
fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    // Causes quote label values, file contents and server answers.
    meshgraph_model::escape_controls(&line)
}

fn run(cli: &cli::Cli, global: &cli::GlobalArgs) -> anyhow::Result<Exit> {
    match &cli.command {
        cli::Command::Snapshot(args) => snapshot::run(global, args),
        cli::Command::Explain(args) => explain::run(global, args),
        cli::Command::Check(args) => check::run(global, args),
        cli::Command::Record(args) => record::run(global, args),
        cli::Command::Diff(args) => diff::run(args),
        cli::Command::Report(args) => report::run(global, args),
        cli::Command::Kiali(args) => kiali::run(global, args),
        cli::Command::Scenario(args) => scenario::run(global, args),
        cli::Command::History(args) => history::run(global, args),
        cli::Command::Completions { shell } => {
            cli::print_completions(*shell);
            Ok(Exit::Clean)
        }
    }
}

/// The subcommand's own matches.
pub fn subcommand_matches(matches: &ArgMatches) -> Option<&ArgMatches> {
    matches.subcommand().map(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_os_error_quoted_by_its_wrapper_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file (os error 2)");
        let wrapped = anyhow::Error::new(io).context("reading a.yaml: No such file (os error 2)");
        let error = wrapped.context("reading manifests");
        assert_eq!(
            error_line(&error),
            "reading manifests: reading a.yaml: No such file (os error 2)"
        );
    }

    #[test]
    fn the_command_line_definition_is_valid() {
        command().debug_assert();
    }
}
