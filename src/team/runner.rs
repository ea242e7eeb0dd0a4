//! The team runner: one task owns the team store (its calls run on the blocking pool), takes
//! `Team` commands, heartbeats, and sends `Msg::Team` when the picture changes. It hears of the
//! others' writes by watching the team dir, with a slow poll in case a notification is missed.

mod lead;
mod notes;

use super::store::{ClaimRow, Claimed, Instance, Millis, PeerRow, Shared, TeamError, TeamStore, Watching};
use super::{Starting, millis};
use crate::app::{Msg, Team};
use crate::domain::team::{Claim, ClaimRefused, Peer, TeamView, Watch};
use crate::domain::{Conversation, ConversationKey, Message, sanitize_line};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How often this instance says it is alive (it counts as gone after `LIVE_FOR`).
const BEAT: Duration = Duration::from_secs(2);
/// The fallback when a change notification is missed (another file system, a full queue).
const POLL: Duration = Duration::from_secs(5);
/// Writes come in bursts (the database, its WAL, its index): one read after the burst.
const SETTLE: Duration = Duration::from_millis(100);
/// An account's lease lasts this long unless renewed (every beat): when its holder quits or
/// dies, another instance polls the account within it.
const LEASE_TTL: Millis = 10_000;

/// Who polls a shared account, as the team store's lease decides, for the engine (the
/// terminal's start wires it: `team` does not know `sync`).
#[derive(Clone, Debug, PartialEq)]
pub enum SyncRole {
    /// This instance holds the lease: poll the account, its findings going to [`Runner::tee`].
    Lead { account: String },
    /// Another instance polls it: no poller here; its findings arrive from the team store.
    Follow { account: String },
    /// What the other operators have open on an account this instance polls.
    Viewed { account: String, ids: HashSet<String> },
    /// A followed account's findings, read from the team store: this operator's own cache
    /// keeps them too (for the next start, and what is searched).
    Learnt {
        account: String,
        changed: Vec<Conversation>,
        removed: Vec<ConversationKey>,
        threads: Vec<(ConversationKey, Vec<Message>)>,
    },
}

/// The loop's handle on the team runner: commands go down a channel to the task that owns the
/// team store (SQLite is blocking; the loop never waits on it). Dropped as the loop ends: this
/// instance leaves the team then (its claims stay, as orphans).
pub struct Runner {
    tx: UnboundedSender<Team>,
    core: Option<Arc<Core>>,
    tee: UnboundedSender<Msg>,
    roles: Option<UnboundedReceiver<SyncRole>>,
}

impl Runner {
    pub fn handle(&self, cmd: Team) {
        let _ = self.tx.send(cmd);
    }

    /// Where a leader's poller copies what it learns (`Synced`, `Thread`, `Walked`), to be
    /// written into the team store for the others.
    pub fn tee(&self) -> UnboundedSender<Msg> {
        self.tee.clone()
    }

    /// Who polls which account, as leases are taken and lost (once: the engine's wiring owns it).
    pub fn roles(&mut self) -> Option<UnboundedReceiver<SyncRole>> {
        self.roles.take()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        // Here rather than at the end of the task: the runtime may stop before the task runs again.
        if let Some(core) = &self.core {
            core.leave();
        }
    }
}

/// Who this instance is to the others.
#[derive(Clone, Debug)]
pub struct Identity {
    pub name: Option<String>,
    pub email: Option<String>,
    /// `[operator] name`, else the email, else the login.
    pub display_name: String,
}

impl Identity {
    pub fn new(operator: &crate::platform::Operator) -> Identity {
        let clean = |s: &Option<String>| {
            s.as_deref()
                .map(crate::domain::sanitize_line)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let (name, email) = (clean(&operator.name), clean(&operator.email));
        let login = ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
            .map(|s| crate::domain::sanitize_line(&s));
        let display_name = name
            .clone()
            .or_else(|| email.clone())
            .or(login)
            .unwrap_or_else(|| "an operator".into());
        Identity {
            name,
            email,
            display_name,
        }
    }
}

/// What the task and the handle share: the store and this instance, under one lock.
struct Core {
    state: Mutex<State>,
}

struct State {
    store: Box<dyn TeamStore>,
    me: Instance,
    /// Left the team: nothing more is written.
    left: bool,
}

impl Core {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> Result<T, TeamError>) -> Result<T, TeamError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.left {
            return Err(TeamError::new("this instance has left the team"));
        }
        f(&mut state)
    }

    fn leave(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.left {
            return;
        }
        state.left = true;
        let State { store, me, .. } = &mut *state;
        if let Err(e) = store.leave(me, millis(Utc::now())) {
            tracing::warn!(error = %e, "could not leave the team; the others will see this instance expire");
        }
    }
}

/// Starts the team runner. `starting.fingerprints`: each account's `(name, fingerprint)` as its
/// key is read; until then nothing of that account is shared. Must be called inside a tokio
/// runtime.
pub fn start(starting: Starting, tx: UnboundedSender<Msg>) -> Runner {
    let Starting {
        prepared,
        identity,
        fingerprints,
    } = starting;
    let (cmd_tx, cmd_rx) = unbounded_channel();
    let (tee, published) = unbounded_channel();
    let (roles_tx, roles) = unbounded_channel();
    let me_names: Vec<String> = [identity.name.clone(), identity.email.clone()]
        .into_iter()
        .flatten()
        .collect();
    let now = Utc::now();
    let me = Instance {
        id: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
        operator_name: identity.name,
        operator_email: identity.email,
        display_name: identity.display_name,
        started_at: millis(now),
        accounts: vec![],
        viewing: None,
        typing: false,
        watching: Vec::new(),
    };
    let core = Arc::new(Core {
        state: Mutex::new(State {
            store: Box::new(prepared.store),
            me,
            left: false,
        }),
    });
    if tokio::runtime::Handle::try_current().is_err() {
        tracing::error!("the team runner needs a tokio runtime; this inbox works alone");
        return Runner {
            tx: cmd_tx,
            core: None,
            tee,
            roles: None,
        };
    }
    let task = Task {
        core: core.clone(),
        orphan_after: prepared.settings.orphan_after,
        fingerprints: HashMap::new(),
        viewing: None,
        typing: false,
        watching: Vec::new(),
        last: None,
        tx,
        sync: SyncState {
            me: me_names,
            roles: Some(roles_tx),
            ..SyncState::default()
        },
    };
    let dir = prepared.settings.dir.clone();
    tokio::spawn(task.run(cmd_rx, fingerprints, published, dir));
    Runner {
        tx: cmd_tx,
        core: Some(core),
        tee,
        roles: Some(roles),
    }
}

/// The one sync for the team, per account fingerprint: which accounts this instance polls for
/// everyone, and how far it has read the others' findings.
#[derive(Default)]
struct SyncState {
    /// This operator's name and email (who "me" is in the shared rows).
    me: Vec<String>,
    leading: HashSet<String>,
    following: HashSet<String>,
    /// The last sequence number read (or written) per account.
    seen: HashMap<String, i64>,
    /// Read at least once since following (the first read is a sync, even an empty one).
    synced: HashSet<String>,
    /// The ids the poller has reported since this instance took the lease (a walk's end keeps
    /// only them).
    written: HashMap<String, HashSet<String>>,
    /// What the others have open, as last told to the engine.
    viewed: HashMap<String, HashSet<String>>,
    roles: Option<UnboundedSender<SyncRole>>,
}

/// At most this many handoffs per instance are read (a row any member of the group can write
/// is bounded before it is believed).
const MAX_WATCHING: usize = crate::app::alerts::MAX_WATCHING;

struct Task {
    core: Arc<Core>,
    orphan_after: Option<Duration>,
    /// Local account name → fingerprint, as keys are read.
    fingerprints: HashMap<String, String>,
    /// What this operator has on screen, in this inbox's words.
    viewing: Option<ConversationKey>,
    typing: bool,
    /// The handoffs alerted on here (team escalation), in this inbox's words.
    watching: Vec<Watch>,
    /// The picture last sent, with beat times left out (a beat alone changes nothing on screen).
    last: Option<TeamView>,
    tx: UnboundedSender<Msg>,
    sync: SyncState,
}

impl Task {
    async fn run(
        mut self,
        mut cmds: UnboundedReceiver<Team>,
        mut fingerprints: UnboundedReceiver<(String, String)>,
        mut published: UnboundedReceiver<Msg>,
        dir: std::path::PathBuf,
    ) {
        let (changed_tx, mut changed) = unbounded_channel();
        let _watcher = watch(&dir, changed_tx);
        let mut beat = tokio::time::interval(BEAT);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut keys_open = true;
        loop {
            tokio::select! {
                // A fingerprint before a command: a claim made once its key is read finds it.
                biased;
                fp = fingerprints.recv(), if keys_open => match fp {
                    Some((name, fp)) => {
                        self.fingerprints.insert(name, fp);
                        self.leases().await;
                        self.beat().await;
                    }
                    None => keys_open = false,
                },
                cmd = cmds.recv() => match cmd {
                    Some(cmd) => self.command(cmd).await,
                    None => break,
                },
                _ = beat.tick() => {
                    self.leases().await;
                    self.beat().await;
                    self.release_orphans().await;
                }
                Some(msg) = published.recv() => {
                    let mut batch = vec![msg];
                    while let Ok(msg) = published.try_recv() {
                        batch.push(msg);
                    }
                    self.publish(batch).await;
                }
                _ = poll.tick() => self.refresh().await,
                Some(()) = changed.recv() => {
                    tokio::time::sleep(SETTLE).await;
                    while changed.try_recv().is_ok() {}
                    self.refresh().await;
                }
            }
        }
        let core = self.core.clone();
        let _ = tokio::task::spawn_blocking(move || core.leave()).await;
    }

    async fn command(&mut self, cmd: Team) {
        match cmd {
            Team::Presence {
                viewing,
                typing,
                watching,
            } => {
                self.viewing = viewing;
                self.typing = typing;
                self.watching = watching;
                self.beat().await;
            }
            Team::Claim { key, force } => {
                let result = self.claim(&key, force).await;
                let _ = self.tx.send(Msg::Claimed { key, result });
                self.refresh().await;
            }
            Team::Release(key) => {
                if let Some(what) = self.shared(&key) {
                    self.blocking(move |s| s.store.release(&s.me, &what), "releasing a claim")
                        .await;
                }
                self.refresh().await;
            }
            Team::Note { key, client_id, text } => self.note(key, client_id, text).await,
            Team::Notes(key) => self.notes(key).await,
        }
    }

    async fn claim(&self, key: &ConversationKey, force: bool) -> Result<(), ClaimRefused> {
        let what = self.shared(key).ok_or_else(|| {
            ClaimRefused::Failed("the team cannot be asked yet: this account's key is still being read".into())
        })?;
        let now = millis(Utc::now());
        let core = self.core.clone();
        let answer = tokio::task::spawn_blocking(move || core.with(|s| s.store.claim(&s.me, &what, force, now)))
            .await
            .map_err(|e| ClaimRefused::Failed(e.to_string()))?;
        match answer {
            Ok(Claimed::Made) => Ok(()),
            // Held by another instance, never this one.
            Ok(Claimed::HeldBy(row)) => Err(ClaimRefused::HeldBy(claim(key.clone(), &row, ""))),
            Err(e) => {
                tracing::warn!(error = %e, "claiming a conversation failed");
                Err(ClaimRefused::Failed(e.to_string()))
            }
        }
    }

    /// Publishes this instance (and its presence) and reads the picture back.
    async fn beat(&mut self) {
        let viewing = self.viewing.as_ref().and_then(|k| self.shared(k));
        let typing = self.typing && viewing.is_some();
        let watching: Vec<Watching> = self
            .watching
            .iter()
            .filter_map(|w| {
                Some(Watching {
                    conversation: self.shared(&w.key)?,
                    since: millis(w.since),
                    answered: w.answered,
                })
            })
            .collect();
        let mut accounts: Vec<String> = self.fingerprints.values().cloned().collect();
        accounts.sort();
        accounts.dedup();
        let now = millis(Utc::now());
        self.blocking(
            move |s| {
                s.me.accounts = accounts;
                s.me.viewing = viewing;
                s.me.typing = typing;
                s.me.watching = watching;
                s.store.heartbeat(&s.me, now)
            },
            "the team heartbeat",
        )
        .await;
        self.refresh().await;
    }

    /// Orphans that have waited `orphan_after` are released by the oldest live instance that
    /// has their account (the store decides, so exactly one does).
    async fn release_orphans(&mut self) {
        let Some(after) = self.orphan_after else { return };
        // Only the orphans this inbox can see (its accounts') are ever its to release.
        if !self.last.as_ref().is_some_and(|v| v.claims.iter().any(|c| c.orphaned)) {
            return;
        }
        let now = millis(Utc::now());
        let before = now - i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
        let released = self
            .blocking(
                move |s| s.store.release_orphans(&s.me, before, now),
                "releasing orphaned claims",
            )
            .await
            .unwrap_or_default();
        if !released.is_empty() {
            let keys: Vec<ConversationKey> = released.iter().flat_map(|c| self.keys(&c.conversation)).collect();
            // This instance's to hand back to the AI on the platform (the app holds the
            // operations, with this operator's key).
            tracing::info!(conversations = ?keys, "orphaned claims released after orphan_after");
            let _ = self.tx.send(Msg::Orphans(keys));
            self.refresh().await;
        }
    }

    /// Reads the team's picture and sends it if it changed.
    async fn refresh(&mut self) {
        let now = millis(Utc::now());
        let read = self
            .blocking(
                move |s| Ok((s.me.id.clone(), s.store.peers(now)?, s.store.claims(now)?)),
                "reading the team",
            )
            .await;
        let Some((me, peers, claims)) = read else { return };
        self.tell_viewed(&me, &peers);
        self.read_shared().await;
        let view = self.view(&me, &peers, &claims);
        let mut seen = view.clone();
        seen.peers.iter_mut().for_each(|p| p.beat_at = DateTime::UNIX_EPOCH);
        if self.last.as_ref() != Some(&seen) {
            self.last = Some(seen);
            let _ = self.tx.send(Msg::Team(view));
        }
    }

    /// The store's rows in this inbox's words: the others, and the claims on accounts it shares.
    /// The team dir is written by every member of its group: its text is remote text, cleaned
    /// here, and a conversation id with controls in it is nobody's.
    fn view(&self, me: &str, peers: &[PeerRow], claims: &[ClaimRow]) -> TeamView {
        let peers = peers
            .iter()
            .filter(|p| p.id != me)
            .map(|p| {
                let viewing = p.viewing.as_ref().and_then(|v| self.keys(v).into_iter().next());
                Peer {
                    instance: sanitize_line(&p.id),
                    name: sanitize_line(&p.display_name),
                    typing: p.typing && viewing.is_some(),
                    viewing,
                    watching: p
                        .watching
                        .iter()
                        .take(MAX_WATCHING)
                        .flat_map(|w| {
                            self.keys(&w.conversation).into_iter().map(|key| Watch {
                                key,
                                since: at(w.since),
                                answered: w.answered,
                            })
                        })
                        .collect(),
                    beat_at: at(p.beat_at),
                }
            })
            .collect();
        let claims = claims
            .iter()
            .flat_map(|row| {
                self.keys(&row.conversation)
                    .into_iter()
                    .map(move |key| claim(key, row, me))
            })
            .collect();
        TeamView { peers, claims }
    }

    /// The team's name for one of this inbox's conversations, once its account's key is read.
    fn shared(&self, key: &ConversationKey) -> Option<Shared> {
        self.fingerprints.get(&*key.account).map(|fp| Shared {
            account: fp.clone(),
            conversation: key.id.clone(),
        })
    }

    /// This inbox's conversations the team's name stands for (one per local account with that
    /// fingerprint: usually one, none when it is not shared).
    fn keys(&self, shared: &Shared) -> Vec<ConversationKey> {
        if shared.conversation.chars().any(char::is_control) || shared.conversation.is_empty() {
            return vec![];
        }
        let mut names: Vec<&String> = self
            .fingerprints
            .iter()
            .filter(|(_, fp)| **fp == shared.account)
            .map(|(name, _)| name)
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| ConversationKey::new(name.clone(), shared.conversation.clone()))
            .collect()
    }

    /// Runs `f` on the store off the loop; a failure is logged (`what`) and the team goes on.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, TeamError> + Send + 'static,
        what: &'static str,
    ) -> Option<T> {
        let core = self.core.clone();
        match tokio::task::spawn_blocking(move || core.with(f)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "{what} failed");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "{what} stopped");
                None
            }
        }
    }
}

fn claim(key: ConversationKey, row: &ClaimRow, me: &str) -> Claim {
    Claim {
        key,
        instance: sanitize_line(&row.instance),
        name: sanitize_line(&row.name),
        since: at(row.since),
        mine: row.instance == me,
        orphaned: row.orphaned_since.is_some(),
    }
}

fn at(ms: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

/// Watches the team dir: every write another instance makes (the database, its WAL) wakes the
/// runner. `None` (logged) when the system cannot watch it: the slow poll is left.
fn watch(dir: &std::path::Path, changed: UnboundedSender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let handler = move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
            )
        {
            let _ = changed.send(());
        }
    };
    let watched = notify::recommended_watcher(handler).and_then(|mut w| {
        w.watch(dir, RecursiveMode::NonRecursive)?;
        Ok(w)
    });
    match watched {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "cannot watch the team dir; reading it every 5 s");
            None
        }
    }
}
