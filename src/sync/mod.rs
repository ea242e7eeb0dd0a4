//! The sync engine: one poller task per account, and the runner of the network's commands
//! ([`Net`]) and of replies already in the outbox ([`Recorded`]) (design.md §2–§3). Nothing
//! here holds the Model: results go back to its owner as [`Msg`] over a channel, and
//! [`Engine::handle`] never waits for anything.
//!
//! - [`poller`]: lists, the thread on screen and needs-human threads, one request in flight per
//!   account, backoff and `Retry-After` on errors, a stop on a rejected key.
//! - [`effects`]: take over, hand back, resolve, mark read and send, each once.
//! - [`backoff`]: how long to wait after failures.

mod backoff;
mod cache;
pub mod effects;
mod notes;
mod pace;
mod poller;
mod switch;

pub use cache::CacheWriter;
pub use notes::RecordedNote;
pub use pace::describe;

use crate::app::{Connection, Msg, Net, Op};
use crate::domain::{Conversation, ConversationKey, Message, SendBaseline};
use crate::platform::Platform;
use crate::store::{Store, StoreError};
use poller::Control;
use std::collections::HashMap;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;
use switch::{Supervisor, Switch};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinSet;

/// How often to poll when all is well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intervals {
    /// Each account's conversation list.
    pub list: Duration,
    /// The conversation on screen.
    pub thread: Duration,
}

impl Intervals {
    /// A zero interval would poll in a busy loop, a huge one would overflow the clock.
    const MIN: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(24 * 3600);

    fn clamped(self) -> Intervals {
        Intervals {
            list: self.list.clamp(Self::MIN, Self::MAX),
            thread: self.thread.clamp(Self::MIN, Self::MAX),
        }
    }
}

/// A reply already in the outbox, the only thing [`Engine::send`] takes. Its fields are private
/// to this module and its one constructor, [`Recorded::write`], writes the outbox entry first:
/// no path, however it is called, sends a reply that is not on disk.
#[derive(Debug)]
pub struct Recorded {
    key: ConversationKey,
    client_id: u64,
    text: String,
}

impl Recorded {
    /// Writes the reply to the outbox as `Sending`, with what the thread held when it left.
    /// With no store at all (none could be opened) there is nothing to write to, and nothing is
    /// refused for it.
    pub fn write(
        store: Option<&Store>,
        key: ConversationKey,
        client_id: u64,
        baseline: &SendBaseline,
        text: String,
    ) -> Result<Recorded, StoreError> {
        if let Some(store) = store {
            store.outbox_send(client_id, &key, &text, baseline)?;
        }
        Ok(Recorded { key, client_id, text })
    }
}

/// The running engine. Dropping it stops every task, as [`Engine::shutdown`] does.
pub struct Engine {
    accounts: HashMap<String, Account>,
    tx: UnboundedSender<Msg>,
    /// Pollers and in-flight operations; dropping the set aborts them all.
    tasks: Mutex<JoinSet<()>>,
    /// Where tasks are spawned, so `handle` works from any thread.
    runtime: Option<Handle>,
    stopped: AtomicBool,
}

struct Account {
    /// The adapter once the account's key is read, or why it could not be.
    platform: Arc<OnceLock<Result<Arc<dyn Platform>, String>>>,
    control: UnboundedSender<Control>,
    /// Starts and stops its poller (team mode: only the lease holder polls).
    switch: UnboundedSender<Switch>,
}

/// An account's adapter, or why there is none (its key could not be read).
pub type Arriving = Pin<Box<dyn Future<Output = Result<Arc<dyn Platform>, String>> + Send>>;

/// An account whose adapter is on its way: its key is being read (a key command may take
/// seconds), so its poller starts when the adapter arrives, and never if it does not.
pub struct Pending {
    pub name: String,
    pub platform: Arriving,
    /// The model shows it as reading its key until the adapter arrives.
    pub reads_key: bool,
}

impl Pending {
    /// An adapter that is there already.
    pub fn ready(platform: Arc<dyn Platform>) -> Pending {
        Pending {
            name: platform.account().to_string(),
            platform: Box::pin(std::future::ready(Ok(platform))),
            reads_key: false,
        }
    }
}

impl Engine {
    /// Spawns one poller task per account and returns at once. Results go to `tx`.
    ///
    /// Must be called inside a tokio runtime; outside one it logs an error and the engine does
    /// nothing (operations are answered with an error).
    pub fn start(platforms: Vec<Arc<dyn Platform>>, intervals: Intervals, tx: UnboundedSender<Msg>) -> Engine {
        Engine::start_with_cache(platforms, intervals, tx, None)
    }

    /// As [`Engine::start`], with what the pollers learn also written to the local cache.
    pub fn start_with_cache(
        platforms: Vec<Arc<dyn Platform>>,
        intervals: Intervals,
        tx: UnboundedSender<Msg>,
        cache: Option<CacheWriter>,
    ) -> Engine {
        let pending = platforms.into_iter().map(Pending::ready).collect();
        Engine::start_pending(pending, intervals, tx, cache)
    }

    /// As [`Engine::start_with_cache`], for accounts whose adapters arrive later (their keys
    /// are being read): each poller starts once its adapter is there; an account whose key
    /// could not be read is reported as [`Connection::NoKey`] and never polled.
    pub fn start_pending(
        accounts: Vec<Pending>,
        intervals: Intervals,
        tx: UnboundedSender<Msg>,
        cache: Option<CacheWriter>,
    ) -> Engine {
        let runtime = Handle::try_current().ok();
        if runtime.is_none() {
            tracing::error!("sync engine started outside a tokio runtime: nothing will be polled");
        }
        let engine = Engine {
            accounts: HashMap::new(),
            tx,
            tasks: Mutex::new(JoinSet::new()),
            runtime,
            stopped: AtomicBool::new(false),
        };
        engine.with_pollers(accounts, intervals.clamped(), cache, true)
    }

    /// As [`Engine::start_pending`], but no account is polled until [`Engine::lead`] says so
    /// (team mode: the instance holding an account's lease polls it for the team). The
    /// adapters still arrive, so this operator's actions and sends work meanwhile.
    pub fn start_following(
        accounts: Vec<Pending>,
        intervals: Intervals,
        tx: UnboundedSender<Msg>,
        cache: Option<CacheWriter>,
    ) -> Engine {
        let engine = Engine::start_pending(vec![], intervals, tx, None);
        engine.with_pollers(accounts, intervals.clamped(), cache, false)
    }

    /// Starts the account's poller (if it is not running); what it learns is also sent to
    /// `tee` (the team store's writer).
    pub fn lead(&self, account: &str, tee: Option<UnboundedSender<Msg>>) {
        self.switch(account, Switch::Lead(tee));
    }

    /// Stops the account's poller: another instance polls it.
    pub fn follow(&self, account: &str) {
        self.switch(account, Switch::Follow);
    }

    /// The conversations of the account that other operators have open: while this instance
    /// polls it, their threads are kept fresh as held ones are.
    pub fn viewed_by_others(&self, account: &str, ids: HashSet<String>) {
        self.switch(account, Switch::Viewed(ids));
    }

    /// What a followed account's leader learnt (read from the team store): written to this
    /// instance's cache as its own poller's findings would be.
    pub fn learnt(
        &self,
        account: &str,
        changed: Vec<Conversation>,
        removed: Vec<ConversationKey>,
        threads: Vec<(ConversationKey, Vec<Message>)>,
    ) {
        self.switch(
            account,
            Switch::Learnt {
                changed,
                removed,
                threads,
            },
        );
    }

    fn switch(&self, account: &str, switch: Switch) {
        if let Some(a) = self.accounts.get(account) {
            let _ = a.switch.send(switch);
        }
    }

    fn with_pollers(
        mut self,
        accounts: Vec<Pending>,
        intervals: Intervals,
        cache: Option<CacheWriter>,
        poll_now: bool,
    ) -> Engine {
        for pending in accounts {
            let name = pending.name.clone();
            if self.accounts.contains_key(&name) {
                // Keys are `account/id`: two accounts with one name would mix their conversations.
                tracing::warn!(account = %name, "two accounts share this name; polling only the first");
                continue;
            }
            // Controls sent before the adapter arrives (the conversation on screen) wait in
            // the channel for the poller.
            let (control, control_rx) = mpsc::unbounded_channel();
            let (switch, switch_rx) = mpsc::unbounded_channel();
            if poll_now {
                let _ = switch.send(Switch::Lead(None));
            }
            let platform = Arc::new(OnceLock::new());
            let (slot, tx, cache) = (platform.clone(), self.tx.clone(), cache.clone());
            self.spawn(async move {
                let arrived = pending.platform.await;
                let _ = slot.set(arrived.clone());
                match arrived {
                    Ok(platform) => {
                        // Following, the account is as its leader's sync is (the team side
                        // says so); a poller started later says Connecting itself.
                        if pending.reads_key && poll_now {
                            let _ = tx.send(Msg::Connection {
                                account: pending.name,
                                state: Connection::Connecting,
                            });
                        }
                        let mut supervisor = Supervisor::new(platform, intervals, tx, control_rx, switch_rx);
                        supervisor.cache = cache;
                        supervisor.announce = !poll_now;
                        supervisor.run().await;
                    }
                    Err(reason) => {
                        tracing::warn!(account = %pending.name, %reason, "the account's key could not be read");
                        let _ = tx.send(Msg::Connection {
                            account: pending.name,
                            state: Connection::NoKey(reason),
                        });
                    }
                }
            });
            self.accounts.insert(
                name,
                Account {
                    platform,
                    control,
                    switch,
                },
            );
        }
        self
    }

    /// Carries out one network command from `update`: Act runs in a spawned task and reports
    /// `Msg::Done`; Watch tells the pollers which conversation is on screen; Refresh makes
    /// every poller poll now (also un-sticks a BadKey account); Reconcile reads the thread and
    /// reports `Msg::Reconciled`.
    pub fn handle(&self, cmd: Net) {
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        match cmd {
            Net::Act { key, op } => self.act(key, op),
            Net::Watch(key) => self.watch(key.as_ref()),
            Net::Held(keys) => self.held(&keys),
            Net::Refresh => {
                for account in self.accounts.values() {
                    let _ = account.control.send(Control::Refresh);
                }
            }
            Net::Reconcile {
                key,
                client_id,
                baseline,
                text,
            } => self.reconcile(key, client_id, baseline, text),
            Net::Notes(key) => self.notes(key),
        }
    }

    /// Stops every task: pollers and operations still in flight.
    pub fn shutdown(&self) {
        let mut tasks = self.tasks();
        self.stopped.store(true, Ordering::Relaxed);
        tasks.abort_all();
    }

    fn act(&self, key: ConversationKey, op: Op) {
        let (platform, control) = match self.account(&key.account) {
            Ok(account) => account,
            Err(error) => {
                let result = Err(error);
                let _ = self.tx.send(Msg::Done { key, op, result });
                return;
            }
        };
        let tx = self.tx.clone();
        self.spawn(async move {
            let result = effects::act(&*platform, &key.id, &op).await.map_err(|f| f.reason);
            let _ = tx.send(Msg::Done { key, op, result });
            // Done, or maybe done: the list shows the platform's state either way.
            let _ = control.send(Control::Nudge);
        });
    }

    /// Sends a reply already in the outbox, in a spawned task that reports `Msg::Sent`.
    pub fn send(&self, reply: Recorded) {
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        let Recorded { key, client_id, text } = reply;
        let (platform, control) = match self.account(&key.account) {
            Ok(account) => account,
            Err(reason) => {
                let result = Err(crate::app::SendFailure {
                    reason,
                    ambiguous: false,
                    accepted: false,
                });
                let _ = self.tx.send(Msg::Sent { key, client_id, result });
                return;
            }
        };
        let tx = self.tx.clone();
        self.spawn(async move {
            let result = effects::send(&*platform, &key.id, &text).await;
            let sent = result.is_ok();
            let _ = tx.send(Msg::Sent { key, client_id, result });
            if sent {
                let _ = control.send(Control::Nudge);
            }
        });
    }

    fn reconcile(&self, key: ConversationKey, client_id: u64, baseline: SendBaseline, text: String) {
        let platform = match self.account(&key.account) {
            Ok((platform, _)) => platform,
            Err(error) => {
                let _ = self.tx.send(Msg::Reconciled {
                    key,
                    client_id,
                    result: Err(error),
                });
                return;
            }
        };
        let tx = self.tx.clone();
        self.spawn(async move {
            // A server that timed out may still be storing the message: looking at once
            // would call it lost and offer the words back for a second, duplicate send.
            tokio::time::sleep(effects::RECONCILE_GRACE).await;
            let result = effects::arrived(&*platform, &key.id, &text, &baseline).await;
            let _ = tx.send(Msg::Reconciled { key, client_id, result });
        });
    }

    /// Every poller hears it: the one whose conversation is on screen watches it, the others
    /// stop watching theirs.
    fn watch(&self, key: Option<&ConversationKey>) {
        for (name, account) in &self.accounts {
            let id = key.filter(|k| *k.account == **name).map(|k| k.id.clone());
            let _ = account.control.send(Control::Watch(id));
        }
    }

    /// Every poller hears which of its conversations the operator holds.
    fn held(&self, keys: &[ConversationKey]) {
        for (name, account) in &self.accounts {
            let ids = keys
                .iter()
                .filter(|k| *k.account == **name)
                .map(|k| k.id.clone())
                .collect();
            let _ = account.control.send(Control::Held(ids));
        }
    }

    /// The account's adapter and its poller's control channel, or why an operation cannot run.
    fn account(&self, name: &str) -> Result<(Arc<dyn Platform>, UnboundedSender<Control>), String> {
        if self.runtime.is_none() {
            return Err("the sync engine is not running (no tokio runtime)".into());
        }
        let account = self.accounts.get(name).ok_or_else(|| unknown_account(name))?;
        match account.platform.get() {
            Some(Ok(platform)) => Ok((platform.clone(), account.control.clone())),
            Some(Err(reason)) => Err(format!("the key of account {name} could not be read: {reason}")),
            None => Err(format!("the key of account {name} is still being read")),
        }
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let Some(runtime) = &self.runtime else {
            return;
        };
        let mut tasks = self.tasks();
        // Checked under the lock, so nothing starts after `shutdown` aborted the rest.
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        // Reap finished operations so the set does not grow over a long shift.
        while tasks.try_join_next().is_some() {}
        tasks.spawn_on(task, runtime);
    }

    fn tasks(&self) -> MutexGuard<'_, JoinSet<()>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn unknown_account(name: &str) -> String {
    format!("unknown account {name:?}: it is not in the config")
}
