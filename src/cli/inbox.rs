//! Starting the interactive inbox: on the configured accounts, or on the embedded demo.

use super::Failure;
use crate::app::Connection;
use crate::app::keymap::Keymap;
use crate::config::Config;
use crate::platform::{self, Platform};
use crate::store::{DirLock, LockError, Store};
use crate::sync::{Intervals, Pending};
use crate::tui::{Inbox, run};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The user's keymap, merged over the default; problems become start-up warnings.
fn keymap() -> (Keymap, Vec<String>) {
    let user = directories::ProjectDirs::from("", "", "handoff").map(|d| d.config_dir().join("keymap.toml"));
    Keymap::load(user.as_deref().filter(|p| p.exists()))
}

pub async fn from_config(path: &Path, state_dir: Option<PathBuf>, start_warnings: Vec<String>) -> Result<(), Failure> {
    let config = Config::load(path)?;
    if config.accounts.is_empty() {
        return Err(Failure::Usage(format!(
            "no accounts in {} — add one (see README)",
            path.display()
        )));
    }
    let state_dir = state_dir.or_else(crate::config::default_state_dir);
    let (keymap, mut warnings) = keymap();
    warnings.extend(start_warnings);
    // Held until the inbox ends; taken before the terminal or the store is touched. A
    // directory that cannot be locked at all (read-only) is said, not a reason to stop.
    let _lock = match state_dir.as_deref().map(DirLock::take) {
        Some(Ok(lock)) => Some(lock),
        Some(Err(held @ LockError::Held { .. })) => return Err(Failure::Usage(held.to_string())),
        Some(Err(e)) => {
            warnings.push(e.to_string());
            None
        }
        None => None,
    };
    let (accounts, platforms) = config.accounts.iter().map(read_key_later).unzip();
    warnings.extend(config.warnings.iter().cloned());
    let intervals = Intervals {
        list: config.list_interval,
        thread: config.thread_interval,
    };
    let (store, mut drafts) = open_store(state_dir.clone(), &mut warnings);
    if let (Some(store), Some(dir)) = (&store, &state_dir) {
        recover_editor_files(store, dir, &mut drafts, &mut warnings);
    }
    let read_marks = match &store {
        Some(s) => s.read_marks().unwrap_or_else(|e| {
            warnings.push(format!("could not read the read marks: {e}"));
            vec![]
        }),
        None => vec![],
    };
    let (outbox, next_client_id) = match &store {
        Some(s) => match (s.outbox_open(), s.outbox_last_id()) {
            (Ok(outbox), Ok(last)) => (outbox, last + 1),
            (Err(e), _) | (_, Err(e)) => {
                warnings.push(format!("could not read the outbox: {e}"));
                (vec![], 1)
            }
        },
        None => (vec![], 1),
    };
    start(Inbox {
        accounts,
        platforms,
        intervals,
        keymap,
        warnings,
        demo: false,
        store,
        drafts,
        outbox,
        next_client_id,
        read_marks,
        state_dir,
    })
    .await
}

/// An account as the inbox shows it at once, and its adapter, made when its key has been read
/// in a blocking task (a key command may run for its whole timeout); all accounts' keys are
/// read in parallel, and one that cannot be read stops only its own account.
fn read_key_later(account: &crate::config::Account) -> (crate::app::model::Account, Pending) {
    let settings = account.settings_without_key.clone();
    let client = platform::http::client(settings.timeout);
    // The adapter without its key answers what the account is and can do; it never polls.
    let keyless = platform::connect(settings, client.clone());
    let shown = crate::tui::account(&*keyless, account.label.clone(), Connection::ReadingKey);
    let account = account.clone();
    let adapter = async move {
        let settings = tokio::task::spawn_blocking(move || account.read_key())
            .await
            .map_err(|e| format!("reading the key stopped: {e}"))??;
        Ok(platform::connect(settings, client))
    };
    let pending = Pending {
        name: shown.name.clone(),
        platform: Box::pin(adapter),
        reads_key: true,
    };
    (shown, pending)
}

/// A reply being written in the editor when the program stopped (a crash, a dropped SSH
/// session) becomes its conversation's draft again; if that conversation has a different
/// draft, the file stays and the operator is told where.
fn recover_editor_files(
    store: &Store,
    dir: &Path,
    drafts: &mut Vec<(crate::domain::ConversationKey, String)>,
    warnings: &mut Vec<String>,
) {
    for (path, key, reply) in crate::editor::leftovers(dir) {
        let existing = drafts.iter().position(|(k, _)| *k == key);
        let other_draft = existing.is_some_and(|i| !drafts[i].1.trim().is_empty() && drafts[i].1 != reply);
        if reply.trim().is_empty() {
            let _ = std::fs::remove_file(&path);
        } else if other_draft {
            warnings.push(format!(
                "a reply you were writing in your editor for {key} is kept in {} (that conversation has another draft)",
                path.display()
            ));
        } else if store.save_draft(&key, &reply).is_ok() {
            let _ = std::fs::remove_file(&path);
            match existing {
                Some(i) => drafts[i].1 = reply,
                None => drafts.push((key.clone(), reply)),
            }
            warnings.push(format!("recovered the reply you were writing in your editor for {key}"));
        }
    }
}

/// The local store and the drafts in it. If it cannot be opened the inbox still runs, and says
/// that drafts are only kept in memory.
fn open_store(
    state_dir: Option<PathBuf>,
    warnings: &mut Vec<String>,
) -> (Option<Store>, Vec<(crate::domain::ConversationKey, String)>) {
    let Some(dir) = state_dir.or_else(crate::config::default_state_dir) else {
        warnings.push("no state directory: drafts are kept in memory only".into());
        return (None, vec![]);
    };
    match Store::open(&dir) {
        Ok((store, opened)) => {
            if let Some((aside, why)) = opened.moved_aside {
                warnings.push(format!(
                    "the local store could not be used ({why}); it was kept as {}",
                    aside.display()
                ));
            }
            let drafts = store.drafts().unwrap_or_else(|e| {
                warnings.push(format!("could not read saved drafts: {e}"));
                vec![]
            });
            (Some(store), drafts)
        }
        // The file is kept (only a corrupt one is moved aside): the next start uses it again.
        Err(e) => {
            warnings.push(format!(
                "{e}: the local store is not used this run, drafts are kept in memory only (those saved before are kept in {} for the next start)",
                dir.join("handoff.db").display()
            ));
            (None, vec![])
        }
    }
}

#[cfg(feature = "sandbox")]
pub async fn demo(start_warnings: Vec<String>) -> Result<(), Failure> {
    use crate::domain::{ApiKey, PlatformKind};
    use crate::platform::{AccountSettings, Operator};
    let world = crate::sandbox::start(crate::sandbox::SandboxOptions::default())
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the demo sandbox: {e}")))?;
    let keys = world.keys().clone();
    let operator = Operator {
        name: Some("You (demo)".into()),
        email: Some("you@demo.example".into()),
    };
    let accounts = [
        ("raia", PlatformKind::Raia, world.raia_base(), keys.raia),
        ("volt", PlatformKind::Chatvolt, world.chatvolt_base(), keys.chatvolt),
        ("dash", PlatformKind::Chatdash, world.chatdash_base(), keys.chatdash),
    ];
    let mut platforms: Vec<Arc<dyn Platform>> = Vec::new();
    for (name, kind, base, key) in accounts {
        let mut settings = AccountSettings::new(name, kind, &base, ApiKey::new(key));
        settings.operator = operator.clone();
        settings.agents = world.chatdash_agents();
        // The sandbox implements the experimental ChatDash takeover, so the demo shows it.
        settings.experimental_live_agent = true;
        platforms.push(platform::connect(
            settings,
            platform::http::client(Duration::from_secs(10)),
        ));
    }
    let labels = ["raia (demo)", "Chatvolt (demo)", "ChatDash (demo)"];
    let accounts = platforms
        .iter()
        .zip(labels)
        .map(|(p, label)| crate::tui::account(&**p, Some(label.into()), Connection::Connecting))
        .collect();
    let platforms = platforms.into_iter().map(Pending::ready).collect();
    let (keymap, mut warnings) = keymap();
    warnings.extend(start_warnings);
    let intervals = Intervals {
        list: Duration::from_secs(3),
        thread: Duration::from_secs(1),
    };
    // The demo's conversations are made up: nothing of it is kept.
    let inbox = Inbox {
        accounts,
        platforms,
        intervals,
        keymap,
        warnings,
        demo: true,
        store: None,
        drafts: vec![],
        outbox: vec![],
        next_client_id: 1,
        read_marks: vec![],
        state_dir: None,
    };
    let result = start(inbox).await;
    world.shutdown().await;
    result
}

#[cfg(not(feature = "sandbox"))]
pub async fn demo(_start_warnings: Vec<String>) -> Result<(), Failure> {
    Err(Failure::Usage(
        "no config file, and this build has no demo (built without the `sandbox` feature); see README".into(),
    ))
}

async fn start(inbox: Inbox) -> Result<(), Failure> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(Failure::Usage(
            "the inbox needs a terminal (stdout is not one); try `handoff list`".into(),
        ));
    }
    run(inbox)
        .await
        .map_err(|e| Failure::Platform(format!("the inbox stopped: {e}")))
}
