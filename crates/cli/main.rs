//! `meshgraph`: the command-line interface. This binary parses flags and wires
//! the library crates together; the work happens in them.

mod check;
mod cli;
mod diff;
mod explain;
mod input;
mod output;
mod record;
mod report;
mod settings;
mod snapshot;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// Exit status: 0 clean, 1 findings at or above `--fail-on`, 2 the run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean,
    Findings,
    Failure,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Failure => 2,
        })
    }
}

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = settings::load(cli.global.config.as_deref())
        .map(|s| settings::apply(&s, &matches, &mut cli.command))
        .and_then(|()| run(&cli));
    match result {
        Ok(exit) => exit.into(),
        Err(error) => {
            if output::is_broken_pipe(&error) {
                return Exit::Clean.into();
            }
            // One clear line: the context chain, outermost first.
            let chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
            eprintln!("meshgraph: error: {}", chain.join(": "));
            Exit::Failure.into()
        }
    }
}

fn run(cli: &cli::Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        cli::Command::Snapshot(args) => snapshot::run(&cli.global, args),
        cli::Command::Explain(args) => explain::run(&cli.global, args),
        cli::Command::Check(args) => check::run(&cli.global, args),
        cli::Command::Record(args) => record::run(&cli.global, args),
        cli::Command::Diff(args) => diff::run(args),
        cli::Command::Report(args) => report::run(&cli.global, args),
        cli::Command::Completions { shell } => {
            cli::print_completions(*shell);
            Ok(Exit::Clean)
        }
    }
}
