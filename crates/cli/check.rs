//! `meshgraph check`: findings from configuration and telemetry.
//! (Being written; see issue 5.)

use clap::Args;

use crate::Exit;
use crate::cli::GlobalArgs;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Manifests, directories or `-` for stdin
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_global: &GlobalArgs, _args: &CheckArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("meshgraph check is not implemented yet")
}
