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
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum)]
        status: Option<StatusFilter>,
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Show one conversation and its messages
    Show {
        /// ACCOUNT/ID, as `list` prints it
        conversation: String,
        #[arg(long)]
        json: bool,
    },
    /// Take a conversation over from the AI (manual mode)
    Take {
        conversation: String,
        /// Take it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Hand a conversation back to the AI
    Release {
        conversation: String,
        /// Hand it back even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Mark a conversation resolved
    Resolve {
        conversation: String,
        /// Resolve it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Open a resolved conversation again (where the platform can)
    Reopen {
        conversation: String,
        /// Reopen it even if another operator holds it
        #[arg(long)]
        force: bool,
    },
    /// Assign a conversation to an operator by email (Chatvolt) [default: your email]
    Assign {
        conversation: String,
        email: Option<String>,
    },
    /// Set a conversation's priority (Chatvolt)
    Priority {
        conversation: String,
        #[arg(value_enum)]
        priority: PriorityArg,
    },
    /// Mark a conversation read on the platform (ChatDash)
    Read { conversation: String },
    /// Send TEXT to the customer as the operator (`-` reads it from stdin)
    Send {
        conversation: String,
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
    Ai,
    NeedsHuman,
    Human,
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
