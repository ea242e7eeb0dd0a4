//! `handoff completions SHELL` and `handoff man`: generated from the clap types, so they list
//! exactly the commands and options there are.

use super::Failure;
use super::args::{Cli, Shell};
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;

pub(super) fn completions(shell: Shell) {
    let mut out = Vec::new();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "handoff", &mut out);
    write_out(&out);
}

/// The man page in roff on stdout (`man -l <(handoff man)`); with `dir`, one page per command
/// written there (`handoff.1`, `handoff-list.1`, …), the pages the main one refers to.
pub(super) fn man(dir: Option<PathBuf>) -> Result<(), Failure> {
    let failed = |e: std::io::Error| Failure::Usage(format!("cannot write the man page: {e}"));
    match dir {
        Some(dir) => {
            clap_mangen::generate_to(Cli::command(), &dir).map_err(failed)?;
            eprintln!("man pages written to {}", dir.display());
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out).map_err(failed)?;
            write_out(&out);
        }
    }
    Ok(())
}

/// To stdout; a closed pipe ends it quietly.
fn write_out(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes).and_then(|_| stdout.flush());
}
