//! One sync for the team, headless: several inboxes (an engine and a team runner each, as the
//! terminal wires them) on one team dir against one sandbox. Only the instance holding an
//! account's lease polls it; the others get the same conversations from the team store. The
//! sandbox counts the requests (time compressed as in tests/scale.rs: a "minute" of 3 s, the
//! list every 250 ms, the thread every 100 ms), so what is checked is counts.
//!
//! `cargo test --release --test shared_sync -- --ignored --nocapture` runs 20 instances at
//! 10,000 conversations and prints the figures in the README.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use handoff::app::{Msg, Net, Op, Team};
use handoff::config::TeamSettings;
use handoff::domain::{Conversation, ConversationKey, Message, PlatformKind};
use handoff::sandbox::SandboxHandle;
use handoff::sync::{Engine, Intervals, Pending};
use handoff::team::{self, Fingerprinter, Runner, Starting, SyncRole};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const MINUTE: Duration = Duration::from_secs(3);
const BUDGET: u32 = 60;
const PLATFORMS: [&str; 3] = ["raia", "chatvolt", "chatdash"];
const ACCOUNTS: [&str; 3] = ["raia", "volt", "dash"];

/// One operator's inbox without a screen: what the UI would have been told.
struct Inbox {
    engine: Arc<Engine>,
    team: Option<Runner>,
    rx: UnboundedReceiver<Msg>,
    seen: HashMap<ConversationKey, Conversation>,
    walked: HashSet<String>,
    threads: HashMap<ConversationKey, Vec<Message>>,
    done: Vec<(ConversationKey, Op, Result<(), String>)>,
    /// The accounts this instance polls now (the roles the team runner gave the engine).
    leads: Arc<Mutex<HashSet<String>>>,
}

fn team_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o2770)).unwrap();
    dir
}

fn inbox(h: &SandboxHandle, dir: &Path, name: &str) -> Inbox {
    inbox_caching(h, dir, name, None)
}

/// An inbox whose engine writes what it learns to `cache` (the operator's own store).
fn inbox_caching(h: &SandboxHandle, dir: &Path, name: &str, cache: Option<handoff::sync::CacheWriter>) -> Inbox {
    let prepared = team::prepare(&TeamSettings {
        dir: dir.to_path_buf(),
        orphan_after: None,
    })
    .unwrap();
    let (fp_tx, fingerprints) = unbounded_channel();
    let fingerprinter = Fingerprinter {
        salt: prepared.salt.clone(),
        tx: fp_tx,
    };
    let pending = PlatformKind::ALL
        .into_iter()
        .map(|kind| {
            let mut s = settings(h, kind);
            s.requests_per_minute = BUDGET;
            s.minute = MINUTE;
            fingerprinter.send(&s);
            Pending::ready(adapter(s))
        })
        .collect();
    let identity = team::Identity::new(&handoff::platform::Operator {
        name: Some(name.into()),
        email: None,
    });
    let (tx, rx) = unbounded_channel();
    let mut runner = team::start(
        Starting {
            prepared,
            identity,
            fingerprints,
        },
        tx.clone(),
    );
    let intervals = Intervals {
        list: Duration::from_millis(250),
        thread: Duration::from_millis(100),
    };
    let engine = Arc::new(Engine::start_following(pending, intervals, tx, cache));
    // The roles pass through here on their way to the engine, to be seen.
    let leads = Arc::new(Mutex::new(HashSet::new()));
    let (roles_tx, roles_rx) = unbounded_channel();
    let mut roles = runner.roles().expect("the team runner runs");
    let noted = leads.clone();
    tokio::spawn(async move {
        while let Some(role) = roles.recv().await {
            match &role {
                SyncRole::Lead { account } => noted.lock().unwrap().insert(account.clone()),
                SyncRole::Follow { account } => noted.lock().unwrap().remove(account),
                SyncRole::Viewed { .. } | SyncRole::Learnt { .. } => false,
            };
            let _ = roles_tx.send(role);
        }
    });
    handoff::tui::share_sync(&engine, roles_rx, runner.tee());
    Inbox {
        engine,
        team: Some(runner),
        rx,
        seen: HashMap::new(),
        walked: HashSet::new(),
        threads: HashMap::new(),
        done: Vec::new(),
        leads,
    }
}

impl Inbox {
    fn drain(&mut self) {
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Walked { account } => {
                    self.walked.insert(account);
                }
                Msg::Synced { changed, removed, .. } => {
                    for c in changed {
                        self.seen.insert(c.key.clone(), c);
                    }
                    for key in removed {
                        self.seen.remove(&key);
                    }
                }
                Msg::Thread { key, messages } => {
                    self.threads.insert(key, messages);
                }
                Msg::Done { key, op, result } => self.done.push((key, op, result.map(|_| ()))),
                _ => {}
            }
        }
    }

    /// What it shows, comparable across instances: per conversation, its status and version.
    fn picture(&self) -> BTreeMap<ConversationKey, (String, i64)> {
        self.seen
            .iter()
            .map(|(k, c)| {
                (
                    k.clone(),
                    (c.status.name().to_string(), c.updated_at.timestamp_millis()),
                )
            })
            .collect()
    }

    fn quit(&mut self) {
        self.engine.shutdown();
        self.team = None;
    }
}

/// Requests each platform received since `since`; and the sequence number to count from next.
async fn count(h: &SandboxHandle, since: u64) -> ([u64; 3], u64) {
    let s = summary(h, Some(since)).await;
    let counts = PLATFORMS.map(|p| s["platforms"][p]["total"].as_u64().unwrap_or(0));
    (counts, s["last_seq"].as_u64().unwrap_or(since))
}

/// A team of `n` on one dir, on a sandbox of its own: each platform's requests per compressed
/// minute over the first `window` minutes, then on until every instance had each walk end.
struct TeamRun {
    h: SandboxHandle,
    _dir: tempfile::TempDir,
    inboxes: Vec<Inbox>,
    per_minute: Vec<[u64; 3]>,
}

async fn team_run(n: usize, conversations: usize, window: usize) -> TeamRun {
    let h = quiet(conversations).await;
    let dir = team_dir();
    let mut inboxes: Vec<Inbox> = (0..n).map(|i| inbox(&h, dir.path(), &format!("Op{i}"))).collect();
    let (mut per_minute, mut seq) = (Vec::new(), 0);
    while per_minute.len() < window || !inboxes.iter().all(|i| i.walked.len() == ACCOUNTS.len()) {
        assert!(per_minute.len() < window + 60, "not every instance heard each walk end");
        tokio::time::sleep(MINUTE).await;
        let (counts, next) = count(&h, seq).await;
        seq = next;
        per_minute.push(counts);
        inboxes.iter_mut().for_each(Inbox::drain);
    }
    per_minute.truncate(window);
    TeamRun {
        h,
        _dir: dir,
        inboxes,
        per_minute,
    }
}

impl Drop for TeamRun {
    fn drop(&mut self) {
        self.inboxes.iter_mut().for_each(Inbox::quit);
    }
}

fn mean(minutes: &[[u64; 3]]) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for m in minutes {
        for (s, n) in sum.iter_mut().zip(m) {
            *s += *n as f64;
        }
    }
    sum.map(|s| s / minutes.len().max(1) as f64)
}

/// Every instance shows what the first does: the same conversations, each at the same version.
fn same_everywhere(inboxes: &[Inbox]) {
    let first = inboxes[0].picture();
    assert!(!first.is_empty());
    for (i, other) in inboxes.iter().enumerate().skip(1) {
        let picture = other.picture();
        assert_eq!(picture.len(), first.len(), "instance {i} has a different count");
        assert!(picture == first, "instance {i} shows different conversations");
    }
}

fn leaders(inboxes: &[Inbox]) -> Vec<usize> {
    inboxes
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.leads.lock().unwrap().is_empty())
        .map(|(n, _)| n)
        .collect()
}

/// Requests per account per minute with `n` instances against one, over the same window from
/// the start (the walk of the history and what follows it).
async fn compare(n: usize, conversations: usize, window: usize) -> TeamRun {
    let alone = team_run(1, conversations, window).await;
    let a = mean(&alone.per_minute);
    let shown = alone.inboxes[0].seen.len();
    drop(alone);
    let team = team_run(n, conversations, window).await;
    let t = mean(&team.per_minute);
    println!(
        "{conversations} conversations, requests per account per minute: 1 instance {a:.1?}, {n} instances {t:.1?}"
    );
    for p in 0..3 {
        assert!(
            t[p] <= a[p] * 1.2,
            "{}: {:.1} a minute with {n} instances against {:.1} with one: {:?}",
            PLATFORMS[p],
            t[p],
            a[p],
            team.per_minute
        );
    }
    same_everywhere(&team.inboxes);
    assert_eq!(
        team.inboxes[0].seen.len(),
        shown,
        "as many conversations as one inbox alone shows"
    );
    assert_eq!(leaders(&team.inboxes).len(), 1, "one instance polls for the team");
    team
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_instances_share_one_sync_and_cost_what_one_does() {
    compare(5, 1_000, 8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leader_quits_another_polls_and_a_new_customer_reaches_the_rest() {
    let mut run = team_run(3, 50, 1).await;
    let leader = leaders(&run.inboxes);
    assert_eq!(leader.len(), 1, "one instance polls for the team");
    let mut gone = run.inboxes.remove(leader[0]);
    gone.quit();

    // Another instance takes the lease (a bound: the leader left, so at the next beat).
    let took = async {
        while leaders(&run.inboxes).is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), took)
        .await
        .expect("another instance polls within 10 s");

    let id = create(
        &run.h,
        "raia",
        "Nina Newcomer",
        "needs_human",
        json!([{"author": "customer", "text": "hello, anyone?"}]),
    )
    .await;
    let key = ConversationKey::new("raia", id);
    let reached = async {
        loop {
            run.inboxes.iter_mut().for_each(Inbox::drain);
            if run.inboxes.iter().all(|i| i.seen.contains_key(&key)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), reached)
        .await
        .expect("the new customer reaches every remaining instance");
    assert_eq!(leaders(&run.inboxes).len(), 1);
}

/// Drains `inbox` until `ok` holds of it (a bound, not a timing).
async fn until(inbox: &mut Inbox, what: &str, ok: impl Fn(&Inbox) -> bool) {
    let wait = async {
        loop {
            inbox.drain();
            if ok(inbox) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("{what}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_acts_with_its_own_key_and_the_thread_it_opens_is_kept_fresh() {
    let h = quiet(20).await;
    let id = create(
        &h,
        "raia",
        "Olga Open",
        "ai",
        json!([{"author": "customer", "text": "just browsing"}]),
    )
    .await;
    let key = ConversationKey::new("raia", &id);
    let dir = team_dir();
    let mut ann = inbox(&h, dir.path(), "Ann");
    until(&mut ann, "Ann polls every account", |i| {
        i.leads.lock().unwrap().len() == ACCOUNTS.len()
    })
    .await;
    let mut ben = inbox(&h, dir.path(), "Ben");
    until(&mut ben, "Ben has the conversation from the team store", |i| {
        i.seen.contains_key(&key)
    })
    .await;
    assert!(ben.leads.lock().unwrap().is_empty(), "Ben polls nothing");
    // Not waiting for a human, held by nobody: no poller reads its thread, until Ben opens it.
    assert!(!ben.threads.contains_key(&key));

    ben.team.as_ref().unwrap().handle(Team::Presence {
        viewing: Some(key.clone()),
        typing: false,
        watching: vec![],
    });
    ben.engine.handle(Net::Watch(Some(key.clone())));
    until(
        &mut ben,
        "the thread Ben opened reaches him through Ann's poller",
        |i| {
            i.threads
                .get(&key)
                .is_some_and(|m| m.iter().any(|m| m.text == "just browsing"))
        },
    )
    .await;
    // The leader reads the thread Ben has open as often as its own (every thread interval),
    // not only when its listing shows a change: the thread is read again while nothing changed.
    clear_received(&h).await;
    let path = format!("/raia/external/conversations/{id}/messages");
    let reads = async {
        loop {
            let log = received(&h).await;
            if log
                .iter()
                .filter(|r| r["method"] == "GET" && r["path"] == path.as_str())
                .count()
                >= 2
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reads)
        .await
        .expect("Ben's open thread is read again and again by Ann's poller");
    // The customer writes on: it reaches Ben.
    control(
        &h,
        reqwest::Method::POST,
        "say",
        Some(json!({"platform": "raia", "id": id, "text": "still browsing"})),
    )
    .await;
    until(&mut ben, "the new message reaches Ben through Ann's poller", |i| {
        i.threads
            .get(&key)
            .is_some_and(|m| m.iter().any(|m| m.text == "still browsing"))
    })
    .await;

    // His takeover goes with his own adapter, though his inbox polls nothing.
    ben.engine.handle(Net::Act {
        key: key.clone(),
        op: Op::TakeOver,
    });
    until(&mut ben, "Ben's takeover is answered", |i| !i.done.is_empty()).await;
    assert_eq!(ben.done, vec![(key.clone(), Op::TakeOver, Ok(()))]);
    until(&mut ben, "the takeover reaches Ben through Ann's sync", |i| {
        i.seen.get(&key).is_some_and(|c| c.status.name() != "ai")
    })
    .await;
    ann.quit();
    ben.quit();
}

/// A follower polls nothing, but what the leader learns reaches its own cache too: its next
/// start (and its search) has the conversations it heard of through the team.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_keeps_what_the_team_learns_in_its_own_cache() {
    let h = quiet(5).await;
    let dir = team_dir();
    let mut ann = inbox(&h, dir.path(), "Ann");
    until(&mut ann, "Ann polls every account", |i| {
        i.leads.lock().unwrap().len() == ACCOUNTS.len()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let (store, _) = handoff::store::Store::open(state.path()).unwrap();
    let cache = handoff::sync::CacheWriter::start(store.clone()).unwrap();
    let mut ben = inbox_caching(&h, dir.path(), "Ben", Some(cache));
    let id = create(
        &h,
        "raia",
        "Cora Cached",
        "needs_human",
        json!([{"author": "customer", "text": "remember me"}]),
    )
    .await;
    let key = ConversationKey::new("raia", &id);
    until(&mut ben, "Ben hears of Cora and her thread through the team", |i| {
        i.seen.contains_key(&key) && i.threads.contains_key(&key)
    })
    .await;
    assert!(ben.leads.lock().unwrap().is_empty(), "Ben polls nothing");
    let cached = async {
        loop {
            let cached = store.cache_load(&ACCOUNTS).unwrap();
            let has_thread = cached
                .threads
                .iter()
                .any(|(k, m)| *k == key && m.iter().any(|m| m.text == "remember me"));
            if cached.conversations.iter().any(|c| c.key == key) && has_thread {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), cached)
        .await
        .expect("Cora and her thread are in Ben's own cache");
    ann.quit();
    ben.quit();
}

/// 20 instances at 10,000 conversations: the figures in the README (requests per account per
/// minute, and the memory of the 20 in this one process).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "long: 20 instances at 10,000 conversations"]
async fn twenty_instances_at_ten_thousand_conversations() {
    let run = compare(20, 10_000, 20).await;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: unknown");
    println!("20 instances, {} conversations each: {rss}", run.inboxes[0].seen.len());
}
