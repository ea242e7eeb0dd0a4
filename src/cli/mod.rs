//! The command line: the headless commands that make every platform scriptable, and the
//! sandbox. Each command resolves only the accounts it uses. This file dispatches (once, over
//! every command) and turns a `Failure` into its message and exit status.

mod accounts;
mod act;
mod args;
mod completions;
mod conversation;
mod doctor;
mod inbox;
mod output;
#[cfg(feature = "sandbox")]
mod sandbox;
mod send;
mod snippets;

pub use args::{Cli, Command, StatusFilter};

use crate::app::Op;
use crate::config::ConfigError;
use accounts::{config_path, load_config};
use std::path::PathBuf;
use std::process::ExitCode;

/// Why a command failed, and so its exit status: 2 for configuration and usage, 1 for what
/// a platform answered, 3 when a write may or may not have happened (check before retrying).
pub enum Failure {
    Usage(String),
    Config(ConfigError),
    Platform(String),
    Unknown(String),
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Config(e)
    }
}

/// Runs the command. `warnings`: what start-up (the log) could not do; the inbox shows them on
/// screen, the other commands print them on stderr.
pub async fn run(cli: Cli, warnings: Vec<String>) -> ExitCode {
    let Some(command) = cli.command else {
        // No command: the inbox, on the config if there is one, else on the demo.
        let path = match config_path(cli.config) {
            Ok(path) => path,
            Err(failure) => return report(failure),
        };
        if path.exists() {
            return finish(inbox::from_config(&path, cli.state_dir, warnings).await);
        }
        return finish(inbox::demo(warnings).await);
    };
    if !matches!(command, Command::Demo) {
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
    }
    finish(dispatch(command, cli.config, warnings).await)
}

/// Each command to its own file; only the commands that use accounts load the config.
async fn dispatch(command: Command, flag: Option<PathBuf>, warnings: Vec<String>) -> Result<(), Failure> {
    match command {
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Demo => inbox::demo(warnings).await,
        Command::Doctor => doctor::run(flag).await,
        Command::List { json, status, account } => conversation::list(&load_config(flag)?, json, status, account).await,
        Command::Show { conversation, json } => conversation::show(&load_config(flag)?, &conversation, json).await,
        Command::Take { conversation, force } => {
            act::act(&load_config(flag)?, &conversation, Op::TakeOver, force).await
        }
        Command::Release { conversation, force } => {
            act::act(&load_config(flag)?, &conversation, Op::HandBack, force).await
        }
        Command::Resolve { conversation, force } => {
            act::act(&load_config(flag)?, &conversation, Op::Resolve, force).await
        }
        Command::Reopen { conversation, force } => {
            act::act(&load_config(flag)?, &conversation, Op::Reopen, force).await
        }
        Command::Assign { conversation, email } => act::assign(&load_config(flag)?, &conversation, email).await,
        Command::Priority { conversation, priority } => {
            act::priority(&load_config(flag)?, &conversation, priority.into()).await
        }
        Command::Read { conversation } => act::act(&load_config(flag)?, &conversation, Op::MarkRead, false).await,
        Command::Send {
            conversation,
            text,
            force,
        } => send::send(&load_config(flag)?, &conversation, text, force).await,
        Command::Snippets { json } => snippets::list(flag, json),
        Command::Completions { shell } => {
            completions::completions(shell);
            Ok(())
        }
        Command::Man { dir } => completions::man(dir),
    }
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn report(failure: Failure) -> ExitCode {
    let (message, code) = match failure {
        Failure::Usage(m) => (m, 2),
        Failure::Config(e) => (e.to_string(), 2),
        Failure::Platform(m) => (m, 1),
        Failure::Unknown(m) => (m, 3),
    };
    eprintln!("handoff: {message}");
    ExitCode::from(code)
}
