//! The command line: the headless commands that make every platform scriptable, and the
//! sandbox. Each command resolves only the accounts it uses.

mod inbox;
pub mod output;
#[cfg(feature = "sandbox")]
mod sandbox;

use crate::app::Op;
use crate::config::{Config, ConfigError};
use crate::domain::{Conversation, ConversationKey, Holder, SendBaseline, Status, queue_order, waiting_since};
use crate::platform::{self, Platform, PlatformError};
use crate::sync::effects;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use futures::StreamExt;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

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
    Release { conversation: String },
    /// Mark a conversation resolved
    Resolve { conversation: String },
    /// Assign a conversation to an operator by email (Chatvolt) [default: your email]
    Assign {
        conversation: String,
        email: Option<String>,
    },
    /// Mark a conversation read on the platform (ChatDash)
    Read { conversation: String },
    /// Send TEXT to the customer as the operator (`-` reads it from stdin)
    Send { conversation: String, text: String },
    /// Check every account: config, key, server, key accepted
    Doctor,
    /// Open the inbox on the embedded sandbox (what `handoff` does without a config)
    Demo,
    /// Serve the raia, Chatvolt and ChatDash APIs on loopback with a simulated world
    #[cfg(feature = "sandbox")]
    Sandbox(sandbox::SandboxArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum StatusFilter {
    Ai,
    NeedsHuman,
    Human,
    Resolved,
}

impl StatusFilter {
    fn matches(self, status: &Status) -> bool {
        matches!(
            (self, status),
            (StatusFilter::Ai, Status::Ai)
                | (StatusFilter::NeedsHuman, Status::NeedsHuman)
                | (StatusFilter::Human, Status::Human { .. })
                | (StatusFilter::Resolved, Status::Resolved)
        )
    }
}

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
    let result = match command {
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Demo => inbox::demo(warnings).await,
        Command::Doctor => doctor(cli.config).await,
        command => {
            let config = match load_config(cli.config) {
                Ok(config) => config,
                Err(failure) => return report(failure),
            };
            headless(&config, command).await
        }
    };
    finish(result)
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

pub(crate) fn config_path(flag: Option<PathBuf>) -> Result<PathBuf, Failure> {
    flag.or_else(crate::config::default_path)
        .ok_or_else(|| Failure::Usage("cannot find a config directory; pass --config PATH".into()))
}

fn load_config(flag: Option<PathBuf>) -> Result<Config, Failure> {
    let path = config_path(flag)?;
    if !path.exists() {
        return Err(Failure::Usage(format!(
            "no config file at {} — create one (see README, \"Connect real accounts\") or pass --config",
            path.display()
        )));
    }
    let config = Config::load(&path)?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(config)
}

fn connect(config: &Config, name: &str) -> Result<Arc<dyn Platform>, Failure> {
    let settings = find_account(config, name)?.resolve()?;
    Ok(adapter(settings))
}

fn find_account<'a>(config: &'a Config, name: &str) -> Result<&'a crate::config::Account, Failure> {
    config.account(name).ok_or_else(|| {
        let names: Vec<&str> = config.accounts.iter().map(|a| a.name()).collect();
        Failure::Usage(format!(
            "no account named `{name}` in {} (accounts: {})",
            config.path.display(),
            names.join(", ")
        ))
    })
}

fn adapter(settings: crate::platform::AccountSettings) -> Arc<dyn Platform> {
    let client = platform::http::client(settings.timeout);
    platform::connect(settings, client)
}

/// Why an account's key could not be read, where the account is named already.
fn key_problem<'a>(account: &crate::config::Account, e: &'a ConfigError) -> &'a str {
    let prefix = format!("account `{}`: ", account.name());
    e.message.strip_prefix(&prefix).unwrap_or(&e.message)
}

/// Reads an account's key off the async threads (a key command may run for its whole
/// timeout), so that several accounts' keys are read at once.
async fn resolve(account: &crate::config::Account) -> Result<crate::platform::AccountSettings, ConfigError> {
    let account = account.clone();
    let location = account.name().to_string();
    tokio::task::spawn_blocking(move || account.resolve())
        .await
        .unwrap_or_else(|e| {
            Err(ConfigError {
                location,
                message: format!("reading the key stopped: {e}"),
            })
        })
}

fn target(raw: &str) -> Result<ConversationKey, Failure> {
    ConversationKey::parse(raw)
        .ok_or_else(|| Failure::Usage(format!("`{raw}` is not ACCOUNT/ID (as `handoff list` prints it)")))
}

fn platform_failure(key: &ConversationKey, e: PlatformError) -> Failure {
    Failure::Platform(format!("{key}: {e}"))
}

/// Prints to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(json) => print(&format!("{json}\n")),
        Err(e) => eprintln!("handoff: cannot encode JSON: {e}"),
    }
}

async fn headless(config: &Config, command: Command) -> Result<(), Failure> {
    match command {
        Command::List { json, status, account } => list(config, json, status, account).await,
        Command::Show { conversation, json } => show(config, &conversation, json).await,
        Command::Take { conversation, force } => {
            let key = target(&conversation)?;
            let p = connect(config, &key.account)?;
            if !force {
                let current = p
                    .get_conversation(&key.id)
                    .await
                    .map_err(|e| platform_failure(&key, e))?;
                if let Status::Human { by: Holder::Other(who) } = &current.status {
                    return Err(Failure::Platform(format!(
                        "{key} is held by {who}; pass --force to take it over anyway"
                    )));
                }
            }
            operate(&*p, &key, Op::TakeOver).await
        }
        Command::Release { conversation } => {
            let key = target(&conversation)?;
            operate(&*connect(config, &key.account)?, &key, Op::HandBack).await
        }
        Command::Resolve { conversation } => {
            let key = target(&conversation)?;
            operate(&*connect(config, &key.account)?, &key, Op::Resolve).await
        }
        Command::Assign { conversation, email } => {
            let email = email
                .or_else(|| config.operator.email.clone())
                .ok_or_else(|| Failure::Usage("give an EMAIL or set [operator] email in the config".into()))?;
            assign(config, &conversation, &email).await
        }
        Command::Read { conversation } => {
            let key = target(&conversation)?;
            operate(&*connect(config, &key.account)?, &key, Op::MarkRead).await
        }
        Command::Send { conversation, text } => send(config, &conversation, text).await,
        Command::Doctor | Command::Demo => unreachable_command(),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(_) => unreachable_command(),
    }
}

/// `run` dispatches these before loading the config; reaching here is a bug in dispatch, not
/// something a user can cause, so say so rather than panic.
fn unreachable_command() -> Result<(), Failure> {
    Err(Failure::Usage("internal error: command dispatched twice".into()))
}

/// Takes over, hands back, resolves or marks read, as the inbox does: an answer that cannot be
/// read is settled by reading the conversation back, and one that cannot be settled is
/// reported as unknown (exit 3), never as a failure a script would simply retry.
async fn operate(p: &dyn Platform, key: &ConversationKey, op: Op) -> Result<(), Failure> {
    match effects::act(p, &key.id, op).await {
        Ok(Some(c)) => print(&format!(
            "{key}: {} — now {}\n",
            op.done(),
            crate::present::status_words(&c.status)
        )),
        Ok(None) => print(&format!("{key}: {}\n", op.done())),
        Err(f) if f.unknown => return Err(Failure::Unknown(format!("{key}: {}", f.reason))),
        Err(f) => return Err(Failure::Platform(format!("{key}: {}", f.reason))),
    }
    Ok(())
}

async fn assign(config: &Config, conversation: &str, email: &str) -> Result<(), Failure> {
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    match p.assign(&key.id, email).await {
        Ok(c) => {
            print(&format!(
                "{key}: assigned to {email} — now {}\n",
                crate::present::status_words(&c.status)
            ));
            Ok(())
        }
        Err(e) if effects::may_have_been_applied(&e) => Err(Failure::Unknown(format!(
            "{key}: {e} — it may have been assigned; look at the conversation before trying again"
        ))),
        Err(e) => Err(platform_failure(&key, e)),
    }
}

/// Sends as the inbox does: what the thread held first, so that a send whose answer is lost
/// is settled by the thread (newer than the send, not there before it), never by guessing. Sent:
/// exit 0; not sent: 1; unknown (the thread could not be read either): 3, check before retrying.
async fn send(config: &Config, conversation: &str, text: String) -> Result<(), Failure> {
    let key = target(conversation)?;
    let text = if text == "-" {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read the message from stdin: {e}")))?;
        buf.trim_end_matches('\n').to_string()
    } else {
        text
    };
    if text.trim().is_empty() {
        return Err(Failure::Usage("the message is empty; nothing was sent".into()));
    }
    let p = connect(config, &key.account)?;
    // Unreadable, the check still has the time of the send to go by.
    let before = p.list_messages(&key.id).await.unwrap_or_default();
    let baseline = SendBaseline::of(&before, &text, Utc::now());
    let failure = match effects::send(&*p, &key.id, &text).await {
        Ok(sent) => {
            print(&format!("{key}: sent (message {})\n", sent.id));
            return Ok(());
        }
        Err(failure) if !failure.ambiguous => return Err(Failure::Platform(format!("{key}: {}", failure.reason))),
        Err(failure) => failure.reason,
    };
    tokio::time::sleep(effects::RECONCILE_GRACE).await;
    match effects::arrived(&*p, &key.id, &text, &baseline).await {
        Ok(ids) if !ids.is_empty() => {
            print(&format!(
                "{key}: sent (the answer was lost — {failure} — but the thread has it: message {})\n",
                ids[0]
            ));
            Ok(())
        }
        Ok(_) => Err(Failure::Platform(format!(
            "{key}: not sent — {failure}, and it is not in the thread"
        ))),
        Err(check) => Err(Failure::Unknown(format!(
            "{key}: unknown whether it was sent — {failure}; reading the thread to check failed too ({check}). \
             Look at the conversation before sending again"
        ))),
    }
}

async fn list(
    config: &Config,
    json: bool,
    status: Option<StatusFilter>,
    account: Option<String>,
) -> Result<(), Failure> {
    let names: Vec<&str> = match &account {
        Some(name) => vec![name.as_str()],
        None => config.accounts.iter().map(|a| a.name()).collect(),
    };
    if names.is_empty() {
        return Err(Failure::Usage(format!("no accounts in {}", config.path.display())));
    }
    let accounts = names
        .iter()
        .map(|n| find_account(config, n))
        .collect::<Result<Vec<_>, _>>()?;
    // Every account at once; one whose key cannot be read, or that fails, is reported and the
    // others still print.
    let mut failed = Vec::new();
    let mut platforms = Vec::new();
    let mut unread_keys = Vec::new();
    for (account, settings) in accounts
        .iter()
        .zip(futures::future::join_all(accounts.iter().map(|a| resolve(a))).await)
    {
        match settings {
            Ok(settings) => platforms.push(adapter(settings)),
            Err(e) => {
                failed.push(format!(
                    "account {}: {} ({})",
                    account.name(),
                    key_problem(account, &e),
                    e.location
                ));
                unread_keys.push(e);
            }
        }
    }
    // No key could be read at all: nothing to list, the config is what needs fixing (exit 2).
    if platforms.is_empty()
        && let Some(first) = unread_keys.into_iter().next()
    {
        for f in &failed[1..] {
            eprintln!("handoff: {f}");
        }
        return Err(Failure::Config(first));
    }
    let answers = futures::future::join_all(platforms.iter().map(|p| p.list_conversations(None))).await;
    let mut conversations = Vec::new();
    for (p, answer) in platforms.iter().zip(answers) {
        match answer {
            Ok(listing) => {
                if let Some(warning) = &listing.warning {
                    eprintln!("handoff: {}: warning: {warning}", p.account());
                }
                conversations.extend(listing.conversations.into_iter().map(|c| (p.clone(), c)));
            }
            Err(e) => failed.push(format!("account {}: {e}", p.account())),
        }
    }
    conversations.retain(|(_, c)| status.map_or(!matches!(c.status, Status::Resolved), |s| s.matches(&c.status)));
    // The wait of a conversation that needs a human is in its messages: read those (only).
    let mut conversations: Vec<Conversation> = futures::stream::iter(conversations)
        .map(|(p, mut c)| async move {
            if c.status == Status::NeedsHuman
                && let Ok(messages) = p.list_messages(&c.key.id).await
            {
                c.waiting_since = waiting_since(&messages);
            }
            c
        })
        .buffered(4)
        .collect()
        .await;
    conversations.sort_by(queue_order);
    if json {
        let rows: Vec<output::ConversationJson> = conversations.iter().map(Into::into).collect();
        print_json(&rows);
    } else {
        print(&output::conversation_table(&conversations, Utc::now()));
    }
    for f in &failed {
        eprintln!("handoff: {f}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Platform(format!("{} account(s) failed", failed.len())))
    }
}

async fn show(config: &Config, conversation: &str, json: bool) -> Result<(), Failure> {
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    let (c, messages) = futures::future::join(p.get_conversation(&key.id), p.list_messages(&key.id)).await;
    let mut c = c.map_err(|e| platform_failure(&key, e))?;
    let messages = messages.map_err(|e| platform_failure(&key, e))?;
    c.waiting_since = waiting_since(&messages);
    if json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            conversation: output::ConversationJson<'a>,
            messages: Vec<output::MessageJson<'a>>,
        }
        print_json(&Shown {
            conversation: (&c).into(),
            messages: messages.iter().map(Into::into).collect(),
        });
    } else {
        print(&output::thread(&c, &messages, Utc::now()));
    }
    Ok(())
}

async fn doctor(flag: Option<PathBuf>) -> Result<(), Failure> {
    let path = config_path(flag)?;
    if !path.exists() {
        print(&format!(
            "config   no file at {} (`handoff` would open the demo; see README to connect accounts)\n",
            path.display()
        ));
        return Err(Failure::Platform("no config file".into()));
    }
    let config = Config::load(&path)?;
    print(&format!(
        "config   {} ok, {} account(s)\n",
        path.display(),
        config.accounts.len()
    ));
    for warning in &config.warnings {
        print(&format!("warning  {warning}\n"));
    }
    let mut problems = 0;
    for account in &config.accounts {
        let s = &account.settings_without_key;
        print(&format!("\n{} ({}, {})\n", account.name(), s.kind, s.base_url));
        let settings = match resolve(account).await {
            Ok(settings) => {
                print(&format!(
                    "  key      found ({})\n",
                    describe_source(&account.key_source)
                ));
                settings
            }
            Err(e) => {
                problems += 1;
                print(&format!("  key      MISSING: {}\n", key_problem(account, &e)));
                continue;
            }
        };
        let p = adapter(settings);
        let line = match p.check().await {
            Ok(()) => "  server   reachable, key accepted\n".to_string(),
            Err(e @ PlatformError::BadKey { .. }) => {
                problems += 1;
                format!("  server   reachable, KEY REJECTED: {e}\n")
            }
            Err(e @ (PlatformError::Network(_) | PlatformError::Timeout(_))) => {
                problems += 1;
                format!("  server   UNREACHABLE: {e}\n")
            }
            Err(e) => {
                problems += 1;
                format!("  server   reachable, but: {e}\n")
            }
        };
        print(&line);
        let caps = p.capabilities();
        let unavailable: Vec<String> = [
            ("take over", &caps.take_over),
            ("reply", &caps.send),
            ("resolve", &caps.resolve),
            ("assign", &caps.assign),
            ("mark read", &caps.mark_read),
        ]
        .iter()
        .filter_map(|(what, a)| a.reason().map(|why| format!("    {what}: {why}\n")))
        .collect();
        if !unavailable.is_empty() {
            print(&format!("  not available here:\n{}", unavailable.concat()));
        }
    }
    if problems == 0 {
        Ok(())
    } else {
        Err(Failure::Platform(format!("{problems} problem(s) found")))
    }
}

fn describe_source(source: &crate::config::KeySource) -> String {
    match source {
        crate::config::KeySource::Env(var) => format!("environment variable {var}"),
        crate::config::KeySource::Command(_) => "api_key_cmd".into(),
        crate::config::KeySource::File(path) => format!("file {}", path.display()),
    }
}
