//! The command line's shape: the clap types (flags, commands and their arguments). Help text
//! is the doc comments here; what each command does lives in its own file.

use crate::domain::Status;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "handoff",
    version,
    about = "A terminal inbox for live-agent handoff (raia, Chatvolt, ChatDash)"
)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/handoff/config.toml]
    #[arg(long, global = true, env = "HANDOFF_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where logs (and local state) live [default: $XDG_STATE_HOME/handoff]
    #[arg(long, global = true, env = "HANDOFF_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List conversations of every account (or one), those needing a human first
    List {
        /// Print JSON (one object per conversation) instead of a table
        #[arg(long)]
        json: bool,
        /// Only the conversations in this state
        #[arg(long, value_enum)]
        status: Option<StatusFilter>,
        /// Only this account (its `name` in the config)
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Show one conversation and its messages
    Show {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// Print JSON (the conversation and its messages) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Take a conversation over from the AI (manual mode)
    Take {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// Take it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Hand a conversation back to the AI
    Release {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// Hand it back even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Mark a conversation resolved
    Resolve {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// Resolve it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Open a resolved conversation again (where the platform can)
    Reopen {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// Reopen it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Assign a conversation to an operator by email (Chatvolt) [default: your email]
    Assign {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// The operator's email on the platform [default: `[operator] email` in the config]
        email: Option<String>,
    },
    /// Set a conversation's priority (Chatvolt)
    Priority {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// The new priority
        #[arg(value_enum)]
        priority: PriorityArg,
    },
    /// Mark a conversation read on the platform (ChatDash)
    Read {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
    },
    /// Send TEXT to the customer as the operator (`-` reads it from stdin)
    Send {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        /// The reply; `-` reads it from stdin
        text: String,
        /// Send even if another operator holds the conversation
        #[arg(long)]
        force: bool,
    },
    /// Check every account: config, key, server, key accepted
    Doctor,
    /// Open the inbox on the embedded sandbox (what `handoff` does without a config)
    Demo,
    /// Serve the raia, Chatvolt and ChatDash APIs on loopback with a simulated world
    #[cfg(feature = "sandbox")]
    Sandbox(super::sandbox::SandboxArgs),
    /// List the snippets the inbox offers: name, source (personal or team) and text
    Snippets {
        /// Print JSON (name, source, text) instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `handoff completions bash > ~/.local/share/bash-completion/completions/handoff`)
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page in roff (`man -l <(handoff man)`), or write one page per command to DIR
    Man {
        /// Write handoff.1, handoff-list.1, … into this directory instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The shells `handoff completions` writes for.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `low`, `medium` or `high`, as Chatvolt has them.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum PriorityArg {
    Low,
    Medium,
    High,
}

impl From<PriorityArg> for crate::domain::Priority {
    fn from(p: PriorityArg) -> Self {
        match p {
            PriorityArg::Low => crate::domain::Priority::Low,
            PriorityArg::Medium => crate::domain::Priority::Medium,
            PriorityArg::High => crate::domain::Priority::High,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum StatusFilter {
    /// The AI answers
    Ai,
    /// Waiting for a human
    NeedsHuman,
    /// A human holds it
    Human,
    /// Resolved
    Resolved,
}

impl StatusFilter {
    pub(super) fn matches(self, status: &Status) -> bool {
        matches!(
            (self, status),
            (StatusFilter::Ai, Status::Ai)
                | (StatusFilter::NeedsHuman, Status::NeedsHuman)
                | (StatusFilter::Human, Status::Human { .. })
                | (StatusFilter::Resolved, Status::Resolved)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command and every option or argument, at every depth, says what it is for in
    /// `--help`, the completions and the man page.
    #[test]
    fn every_command_and_argument_has_a_help_text() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() && sub.get_long_about().is_none() {
                    missing.push(name.clone());
                }
                walk(sub, &name, missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "handoff", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
