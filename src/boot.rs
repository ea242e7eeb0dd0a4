//! The composition root: the config (or the demo's sandbox) becomes one list of accounts, the
//! store with its lock, the keymap and what the last run left (drafts, the editor's leftovers,
//! the outbox, read marks), and from them the `Model` and what the runners start from. It does
//! no terminal work and starts nothing; `tui::run` does.

use crate::app::keymap::Keymap;
use crate::app::model::{Account, Notice};
use crate::app::{Connection, Model};
use crate::config::{Config, ConfigError};
use crate::domain::{ConversationKey, ReadMark};
use crate::platform::{self, Platform};
use crate::store::{DirLock, LockError, OutboxEntry, Store};
use crate::sync::{Intervals, Pending};
use std::path::{Path, PathBuf};

/// Where the inbox's accounts come from.
pub enum Source<'a> {
    /// The config file, and the state directory given on the command line (else the default).
    Config { path: &'a Path, state_dir: Option<PathBuf> },
    /// The demo: the running sandbox's three accounts; nothing of it is kept.
    #[cfg(feature = "sandbox")]
    Demo(&'a crate::sandbox::SandboxHandle),
}

/// Why the inbox does not start.
pub enum Stop {
    Config(ConfigError),
    Usage(String),
}

impl From<ConfigError> for Stop {
    fn from(e: ConfigError) -> Self {
        Stop::Config(e)
    }
}

/// One account: as the model first shows it (name, label, kind, capabilities; none of it
/// needs the key), and how its adapter arrives (at once, or once its key is read).
pub struct AccountEntry {
    pub shown: Account,
    pub adapter: Pending,
}

/// The inbox, built: the Model, and what the runners start from.
pub struct Booted {
    pub model: Model,
    /// For the sync engine: each account's adapter as it arrives, and how often to poll.
    pub pending: Vec<Pending>,
    pub intervals: Intervals,
    /// Where drafts, the outbox, read marks and the cache are kept (none in the demo).
    pub store: Option<Store>,
    /// The state directory (none in the demo): the editor's draft file is written there.
    pub state_dir: Option<PathBuf>,
    /// The state directory's lock: held until the inbox ends.
    pub lock: Option<DirLock>,
    /// Team mode (`[team]`, its dir usable): what the team runner starts from.
    pub team: Option<crate::team::Starting>,
    /// The demo's store lives here for the run and goes with it (its conversations are made
    /// up, so nothing of them is kept; search and local notes still work while it runs).
    pub scratch: Option<tempfile::TempDir>,
}

/// What the last run left in the store, and the store itself.
#[derive(Default)]
struct Restored {
    lock: Option<DirLock>,
    store: Option<Store>,
    drafts: Vec<(ConversationKey, String)>,
    outbox: Vec<OutboxEntry>,
    /// Notes not settled when the last run stopped (issue 13, point 3).
    notes: Vec<crate::store::OpenNote>,
    /// The conversations whose draft is a note.
    note_modes: Vec<ConversationKey>,
    next_client_id: u64,
    read_marks: Vec<(ConversationKey, ReadMark)>,
    /// The conversations this operator held when the last run stopped.
    holds: Vec<(ConversationKey, chrono::DateTime<chrono::Utc>)>,
}

/// Config or demo → accounts, store, keymap, restored state → the built inbox. `start_warnings`
/// (what start-up could not do) are said in the status bar with the others.
pub fn boot(source: Source, start_warnings: Vec<String>) -> Result<Booted, Stop> {
    match source {
        Source::Config { path, state_dir } => from_config(path, state_dir, start_warnings),
        #[cfg(feature = "sandbox")]
        Source::Demo(world) => Ok(demo(world, start_warnings)),
    }
}

fn from_config(path: &Path, state_dir: Option<PathBuf>, start_warnings: Vec<String>) -> Result<Booted, Stop> {
    let config = Config::load(path)?;
    if config.accounts.is_empty() {
        return Err(Stop::Usage(format!(
            "no accounts in {} — add one (see README)",
            path.display()
        )));
    }
    let state_dir = state_dir.or_else(crate::config::default_state_dir);
    let (keymap, mut warnings) = keymap();
    warnings.extend(start_warnings);
    // Held until the inbox ends; taken before the terminal or the store is touched. A
    // directory that cannot be locked at all (read-only) is said, not a reason to stop.
    let lock = match state_dir.as_deref().map(DirLock::take) {
        Some(Ok(lock)) => Some(lock),
        Some(Err(held @ LockError::Held { .. })) => return Err(Stop::Usage(held.to_string())),
        Some(Err(e)) => {
            warnings.push(e.to_string());
            None
        }
        None => None,
    };
    let (team, fingerprinter) = team(&config, &mut warnings);
    let accounts = config
        .accounts
        .iter()
        .map(|a| read_key_later(a, fingerprinter.clone()))
        .collect();
    warnings.extend(config.warnings.iter().cloned());
    let intervals = Intervals {
        list: config.list_interval,
        thread: config.thread_interval,
    };
    let restored = Restored {
        lock,
        ..restore(state_dir.clone(), &mut warnings)
    };
    let team_dir = config.team.as_ref().map(|t| t.dir.as_path());
    let snippets = snippets(team_dir, config.operator.name.clone(), &mut warnings);
    let mut booted = assemble(accounts, intervals, keymap, warnings, false, restored, state_dir);
    booted.model.snippets = snippets;
    booted.model.anonymous = config.operator.identity().is_none();
    booted.model.me = config.operator.identity().map(str::to_string);
    booted.model.on_quit = config.on_quit;
    booted.model.mouse = config.mouse;
    booted.model.on_hangup = config.on_hangup;
    if config.scroll_by_page {
        booted.model.scroll = crate::app::screen::Scroll::Page;
    }
    if config.selection_row {
        booted.model.selection = crate::app::screen::Selection::Row;
    }
    booted.model.alerts = crate::app::alerts::Alerts::new(config.alerts.clone());
    booted.model.team_notes = team.is_some();
    booted.team = team;
    Ok(booted)
}

/// Team mode: the team dir checked and opened now (a refusal is a start-up warning, and the
/// inbox works alone), and where each account's fingerprint goes once its key is read.
fn team(
    config: &Config,
    warnings: &mut Vec<String>,
) -> (Option<crate::team::Starting>, Option<crate::team::Fingerprinter>) {
    let Some(settings) = &config.team else {
        return (None, None);
    };
    match crate::team::prepare(settings) {
        Ok(prepared) => {
            let (tx, fingerprints) = tokio::sync::mpsc::unbounded_channel();
            let fingerprinter = crate::team::Fingerprinter {
                salt: prepared.salt.clone(),
                tx,
            };
            let starting = crate::team::Starting {
                prepared,
                identity: crate::team::Identity::new(&config.operator),
                fingerprints,
            };
            (Some(starting), Some(fingerprinter))
        }
        Err(why) => {
            tracing::warn!(%why, "team mode is off");
            warnings.push(why);
            (None, None)
        }
    }
}

#[cfg(feature = "sandbox")]
fn demo(world: &crate::sandbox::SandboxHandle, start_warnings: Vec<String>) -> Booted {
    use crate::domain::{ApiKey, PlatformKind};
    use crate::platform::{AccountSettings, Operator};
    use std::time::Duration;
    let keys = world.keys().clone();
    let operator = Operator {
        name: Some("You (demo)".into()),
        email: Some("you@demo.example".into()),
    };
    let accounts = [
        ("raia", PlatformKind::Raia, world.raia_base(), keys.raia, "raia (demo)"),
        (
            "volt",
            PlatformKind::Chatvolt,
            world.chatvolt_base(),
            keys.chatvolt,
            "Chatvolt (demo)",
        ),
        (
            "dash",
            PlatformKind::Chatdash,
            world.chatdash_base(),
            keys.chatdash,
            "ChatDash (demo)",
        ),
    ];
    let accounts = accounts
        .into_iter()
        .map(|(name, kind, base, key, label)| {
            let mut settings = AccountSettings::new(name, kind, &base, ApiKey::new(key));
            settings.operator = operator.clone();
            settings.agents = world.chatdash_agents();
            // The sandbox implements the experimental ChatDash takeover, so the demo shows it.
            settings.experimental_live_agent = true;
            // The demo's platforms are in this process: its faster polling spends nobody's budget.
            settings.requests_per_minute = 600;
            let adapter = platform::connect(settings, platform::http::client(Duration::from_secs(10)));
            AccountEntry {
                shown: account(&*adapter, Some(label.into()), Connection::Connecting),
                adapter: Pending::ready(adapter),
            }
        })
        .collect();
    let (keymap, mut warnings) = keymap();
    warnings.extend(start_warnings);
    let intervals = Intervals {
        list: Duration::from_secs(3),
        thread: Duration::from_secs(1),
    };
    // The demo's conversations are made up: nothing of it is kept after the run. A throwaway
    // store (removed as the inbox ends) gives it search and local notes meanwhile.
    let scratch = tempfile::Builder::new().prefix("handoff-demo-").tempdir().ok();
    let store = scratch.as_ref().and_then(|dir| match Store::open(dir.path()) {
        Ok((store, _)) => Some(store),
        Err(e) => {
            tracing::warn!(error = %e, "the demo runs without a store: search finds nothing");
            None
        }
    });
    let restored = Restored {
        next_client_id: 1,
        store,
        ..Restored::default()
    };
    // The operator's own snippets, to try them on the made-up customers.
    let snippets = snippets(None, operator.name.clone(), &mut warnings);
    let mut booted = assemble(accounts, intervals, keymap, warnings, true, restored, None);
    booted.model.me = operator.email.clone();
    booted.model.snippets = snippets;
    booted.scratch = scratch;
    booted
}

/// The Model with what the last run left put back, and the start-up warnings in its status bar.
fn assemble(
    accounts: Vec<AccountEntry>,
    intervals: Intervals,
    keymap: Keymap,
    warnings: Vec<String>,
    demo: bool,
    restored: Restored,
    state_dir: Option<PathBuf>,
) -> Booted {
    let now = chrono::Utc::now();
    let (shown, pending) = accounts.into_iter().map(|a| (a.shown, a.adapter)).unzip();
    let mut model = Model::new(shown, keymap, demo, now);
    for (key, text) in restored.drafts {
        model
            .drafts
            .insert(key, crate::app::compose::Composer::with_text(&text));
    }
    // What was on its way when the program last stopped, and what was not sent and not yet
    // put back: shown in its thread, never re-sent on its own.
    for entry in restored.outbox {
        model.restore_outgoing(entry.id, entry.key, entry.text, entry.state, entry.baseline);
    }
    model.note_mode = restored.note_modes.into_iter().collect();
    for note in restored.notes {
        model.restore_note(note.id, note.key, note.text, note.place, note.reason, note.created_at);
    }
    model.sends = crate::app::outgoing::Sends::starting_at(restored.next_client_id);
    model.read_marks = restored.read_marks.into_iter().collect();
    model.restore_holds(restored.holds);
    if !warnings.is_empty() {
        tracing::warn!(warnings = ?warnings, "starting with warnings");
        // Each in the message log too (`L`): joined, they are often cut in the status bar.
        for warning in &warnings {
            model.log.push(now, warning, true);
        }
        model.notice = Some(Notice {
            text: warnings.join("; "),
            error: true,
            until: now + chrono::TimeDelta::seconds(20),
        });
    }
    Booted {
        model,
        pending,
        intervals,
        store: restored.store,
        state_dir,
        lock: restored.lock,
        team: None,
        scratch: None,
    }
}

/// The snippets (the personal file over the team dir's); a file that cannot be used is a
/// start-up warning naming file, line and field, and the inbox goes on without it.
fn snippets(
    team_dir: Option<&Path>,
    operator: Option<String>,
    warnings: &mut Vec<String>,
) -> crate::app::snippets::Snippets {
    let personal = crate::config::snippets::personal_path();
    let (list, errors) = crate::config::snippets::load_all(personal.as_deref(), team_dir);
    warnings.extend(errors.iter().map(|e| format!("snippets not loaded: {e}")));
    crate::app::snippets::Snippets {
        list,
        operator,
        file: personal.map(|p| p.display().to_string()),
    }
}

/// The user's keymap, merged over the default; problems become start-up warnings.
fn keymap() -> (Keymap, Vec<String>) {
    let user = directories::ProjectDirs::from("", "", "handoff").map(|d| d.config_dir().join("keymap.toml"));
    Keymap::load(user.as_deref().filter(|p| p.exists()))
}

/// An account as the model first shows it: what it is and can do needs no key (capabilities
/// come from the settings), only its connection waits.
pub fn account(platform: &dyn Platform, label: Option<String>, connection: Connection) -> Account {
    Account {
        name: platform.account().to_string(),
        label,
        kind: platform.kind(),
        capabilities: platform.capabilities(),
        connection,
        synced: false,
        cached_at: None,
        unconfirmed: Default::default(),
        paced: None,
    }
}

/// An account as the inbox shows it at once, and its adapter, made when its key has been read
/// in a blocking task (a key command may run for its whole timeout); all accounts' keys are
/// read in parallel, and one that cannot be read stops only its own account. In team mode the
/// account's fingerprint is made from the key here and sent to the team runner.
fn read_key_later(account: &crate::config::Account, team: Option<crate::team::Fingerprinter>) -> AccountEntry {
    let settings = account.settings_without_key.clone();
    let client = platform::http::client(settings.timeout);
    // The adapter without its key answers what the account is and can do; it never polls.
    let keyless = platform::connect(settings, client.clone());
    let shown = self::account(&*keyless, account.label.clone(), Connection::ReadingKey);
    let account = account.clone();
    let adapter = async move {
        let settings = tokio::task::spawn_blocking(move || account.read_key())
            .await
            .map_err(|e| format!("reading the key stopped: {e}"))??;
        if let Some(team) = team {
            team.send(&settings);
        }
        Ok(platform::connect(settings, client))
    };
    let pending = Pending {
        name: shown.name.clone(),
        platform: Box::pin(adapter),
        reads_key: true,
    };
    AccountEntry {
        shown,
        adapter: pending,
    }
}

/// The store and what the last run left in it: drafts (with the editor's leftovers), read
/// marks, the outbox. Each that cannot be read is a warning, not a reason to stop.
fn restore(state_dir: Option<PathBuf>, warnings: &mut Vec<String>) -> Restored {
    let (store, mut drafts) = open_store(state_dir.clone(), warnings);
    if let (Some(store), Some(dir)) = (&store, &state_dir) {
        recover_editor_files(store, dir, &mut drafts, warnings);
    }
    let read_marks = match &store {
        Some(s) => s.read_marks().unwrap_or_else(|e| {
            warnings.push(format!("could not read the read marks: {e}"));
            vec![]
        }),
        None => vec![],
    };
    let holds = match &store {
        Some(s) => s.holds().unwrap_or_else(|e| {
            warnings.push(format!("could not read which conversations you hold: {e}"));
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
    let note_modes = store.as_ref().and_then(|s| s.note_modes().ok()).unwrap_or_default();
    let notes = match store.as_ref().map(|s| s.outbox_open_notes()) {
        Some(Ok(notes)) => notes,
        Some(Err(e)) => {
            warnings.push(format!("could not read the notes in the outbox: {e}"));
            vec![]
        }
        None => vec![],
    };
    Restored {
        lock: None,
        store,
        drafts,
        outbox,
        notes,
        note_modes,
        next_client_id,
        read_marks,
        holds,
    }
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
