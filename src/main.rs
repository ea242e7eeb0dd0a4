use clap::Parser;
use handoff::cli::{Cli, run};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    handoff::memory::limit_arenas();
    let cli = Cli::parse();
    let log = handoff::logging::init(cli.state_dir.clone());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("handoff: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(cli, log.warning.into_iter().collect()));
    // Blocking work still running (a key command being waited for) must not hold up the exit;
    // key commands are killed with their process group as the program leaves.
    runtime.shutdown_timeout(Duration::from_millis(200));
    handoff::config::kill_key_commands();
    drop(log.guard);
    code
}
