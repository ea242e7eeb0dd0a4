use clap::Parser;
use handoff::cli::{Cli, run};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log = handoff::logging::init(cli.state_dir.clone());
    run(cli).await
}
