//! The sync engine against the sandbox over loopback: first sync, a quiet world that stays
//! quiet, the thread on screen, errors and backoff, a rejected key, operations and sends.
#![cfg(feature = "sandbox")]

mod common;

use chrono::{TimeDelta, Utc};
use common::*;
use handoff::app::{Connection, Msg, Net, Op};
use handoff::domain::{ApiKey, Conversation, ConversationKey, PlatformKind, SendBaseline, Status};
use handoff::platform::Platform;
use handoff::sandbox::SandboxHandle;
use handoff::sync::{Engine, Intervals, Recorded};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::time::{Instant, timeout};

const LIST: Duration = Duration::from_millis(200);
const THREAD: Duration = Duration::from_millis(100);
/// Room for a loaded test machine on top of the intervals under test.
const SLACK: Duration = Duration::from_millis(500);
const ACCOUNTS: [&str; 3] = ["raia", "volt", "dash"];

fn intervals() -> Intervals {
    Intervals {
        list: LIST,
        thread: THREAD,
    }
}

fn start(platforms: Vec<Arc<dyn Platform>>, intervals: Intervals) -> (Engine, UnboundedReceiver<Msg>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Engine::start(platforms, intervals, tx), rx)
}

/// Every message that arrives during `period`.
async fn collect(rx: &mut UnboundedReceiver<Msg>, period: Duration) -> Vec<Msg> {
    let deadline = Instant::now() + period;
    let mut seen = Vec::new();
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        seen.push(msg);
    }
    seen
}

/// The first message `pick` accepts within `within`, and the ones passed over on the way.
/// Fails the test (listing what did arrive) when none does.
async fn wait_for<T>(
    rx: &mut UnboundedReceiver<Msg>,
    within: Duration,
    what: &str,
    mut pick: impl FnMut(&Msg) -> Option<T>,
) -> (T, Vec<Msg>) {
    let deadline = Instant::now() + within;
    let mut passed = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => match pick(&msg) {
                Some(found) => return (found, passed),
                None => passed.push(msg),
            },
            Ok(None) => panic!("channel closed while waiting for {what}; saw {passed:#?}"),
            Err(_) => panic!("no {what} within {within:?}; saw {passed:#?}"),
        }
    }
}

/// Waits until each account has walked its whole history once (the queue comes first, the
/// history after); returns every conversation each delivered on the way (the latest version
/// of each) and every message seen until then.
async fn first_syncs(
    rx: &mut UnboundedReceiver<Msg>,
    accounts: &[&str],
    within: Duration,
) -> (HashMap<String, Vec<Conversation>>, Vec<Msg>) {
    let deadline = Instant::now() + within;
    let mut synced: HashMap<String, Vec<Conversation>> = HashMap::new();
    let mut walked: HashSet<String> = HashSet::new();
    let mut seen = Vec::new();
    while accounts.iter().any(|a| !walked.contains(*a)) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                match &msg {
                    Msg::Synced { account, changed, .. } => {
                        let list = synced.entry(account.clone()).or_default();
                        for c in changed {
                            list.retain(|old| old.key != c.key);
                            list.push(c.clone());
                        }
                    }
                    Msg::Walked { account } => {
                        walked.insert(account.clone());
                    }
                    _ => {}
                }
                seen.push(msg);
            }
            _ => panic!("not every account walked its history within {within:?}; saw {seen:#?}"),
        }
    }
    (synced, seen)
}

fn connection_of<'a>(msg: &'a Msg, of: &str) -> Option<&'a Connection> {
    match msg {
        Msg::Connection { account, state } if account == of => Some(state),
        _ => None,
    }
}

fn requests_to(log: &[Value], prefix: &str) -> usize {
    log.iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with(prefix)))
        .count()
}

async fn say(h: &SandboxHandle, platform: &str, id: &str, text: &str) {
    control(
        h,
        reqwest::Method::POST,
        "say",
        Some(json!({"platform": platform, "id": id, "text": text})),
    )
    .await;
}

#[tokio::test]
async fn first_sync_delivers_every_conversation_of_every_account() {
    let h = quiet(24).await;
    let (_engine, mut rx) = start(adapters(&h), intervals());
    let (synced, mut seen) = first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;
    seen.extend(collect(&mut rx, LIST * 2).await);

    for (platform, account) in adapters(&h).into_iter().zip(ACCOUNTS) {
        let listing = timeout(Duration::from_secs(5), platform.list_conversations(None))
            .await
            .expect("the adapter answers")
            .expect("the adapter lists");
        let by_id = |list: &[Conversation]| -> HashMap<String, Conversation> {
            list.iter().map(|c| (c.key.id.clone(), c.clone())).collect()
        };
        assert!(!listing.conversations.is_empty(), "{account} has conversations");
        assert_eq!(by_id(&synced[account]), by_id(&listing.conversations), "{account}");

        let states: Vec<&Connection> = seen.iter().filter_map(|m| connection_of(m, account)).collect();
        assert_eq!(states, [&Connection::Ok], "{account}: one Ok, nothing else");
        let ok_at = seen.iter().position(|m| connection_of(m, account).is_some());
        let synced_at = seen
            .iter()
            .position(|m| matches!(m, Msg::Synced { account: a, .. } if a == account));
        assert!(ok_at < synced_at, "{account}: Ok comes before the first Synced");
    }
}

#[tokio::test]
async fn a_quiet_world_produces_no_messages() {
    let h = quiet(24).await;
    let (_engine, mut rx) = start(adapters(&h), intervals());
    first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;

    // The threads of conversations that need a human follow the first lists; let them land.
    let mut settling = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let batch = collect(&mut rx, LIST * 2).await;
        if batch.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still busy after 3 s: {batch:#?}");
        settling.extend(batch);
    }
    assert!(
        settling.iter().all(|m| matches!(m, Msg::Thread { .. })),
        "only needs-human threads follow the first sync: {settling:#?}"
    );

    clear_received(&h).await;
    let quiet_period = collect(&mut rx, LIST * 5).await;
    assert!(quiet_period.is_empty(), "a quiet world is silent: {quiet_period:#?}");
    // …while polling goes on.
    let log = received(&h).await;
    for prefix in ["/raia", "/chatvolt", "/chatdash"] {
        assert!(requests_to(&log, prefix) >= 3, "{prefix} kept polling: {}", log.len());
    }
    // raia can answer only what changed: after the first full list, it is asked for that.
    let raia_lists: Vec<&Value> = log
        .iter()
        .filter(|r| r["path"] == "/raia/external/conversations")
        .collect();
    assert!(
        raia_lists
            .iter()
            .all(|r| r["query"].as_str().is_some_and(|q| q.contains("startDate="))),
        "{raia_lists:#?}"
    );
}

#[tokio::test]
async fn the_watched_thread_follows_the_customer_without_any_command() {
    let h = quiet(6).await;
    let id = create(
        &h,
        "raia",
        "Ann Lee",
        "ai",
        json!([{"author": "customer", "text": "Where is my order?"}]),
    )
    .await;
    let key = ConversationKey::new("raia", &id);
    let (engine, mut rx) = start(adapters(&h), intervals());
    first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;

    engine.handle(Net::Watch(Some(key.clone())));
    let (messages, _) = wait_for(&mut rx, THREAD + SLACK, "the watched thread", |m| match m {
        Msg::Thread { key: k, messages } if *k == key => Some(messages.clone()),
        _ => None,
    })
    .await;
    assert_eq!(messages.last().map(|m| m.text.as_str()), Some("Where is my order?"));

    say(&h, "raia", &id, "Hello? Anyone there?").await;
    let said = Instant::now();
    let (mut thread_in, mut listed_in) = (None, None);
    while thread_in.is_none() || listed_in.is_none() {
        let (msg, _) = wait_for(&mut rx, LIST + SLACK, "the new message", |m| Some(m.clone())).await;
        match msg {
            Msg::Thread { key: k, messages } if k == key => {
                assert_eq!(messages.last().map(|m| m.text.as_str()), Some("Hello? Anyone there?"));
                thread_in.get_or_insert(said.elapsed());
            }
            Msg::Synced { changed, .. } if changed.iter().any(|c| c.key == key) => {
                listed_in.get_or_insert(said.elapsed());
            }
            _ => {}
        }
    }
    let (thread_in, listed_in) = (thread_in.unwrap_or_default(), listed_in.unwrap_or_default());
    assert!(thread_in <= THREAD + SLACK, "thread after {thread_in:?}");
    assert!(listed_in <= LIST + SLACK, "list after {listed_in:?}");
}

/// A customer writing in a conversation the operator holds is heard without opening it: the
/// poller reads held threads when they change (as it does for waiting customers), and only
/// once it is told they are held.
#[tokio::test]
async fn a_held_thread_is_read_when_it_changes_and_only_once_told() {
    let h = quiet(6).await;
    let mut held = Vec::new();
    // ChatDash's sandbox conversations are held only by its own live agents.
    for (platform, account) in [("raia", "raia"), ("chatvolt", "volt")] {
        let id = create(
            &h,
            platform,
            "Hana",
            "human",
            json!([{"author": "customer", "text": "hi"}]),
        )
        .await;
        held.push((platform, ConversationKey::new(account, &id)));
    }
    let (engine, mut rx) = start(adapters(&h), intervals());
    first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;
    collect(&mut rx, LIST * 3).await;

    // Not told: a customer's message there is listed, but its thread is not read.
    for (platform, key) in &held {
        say(&h, platform, &key.id, "still there?").await;
    }
    let seen = collect(&mut rx, LIST * 3 + SLACK).await;
    let threads = |msgs: &[Msg]| -> Vec<ConversationKey> {
        msgs.iter()
            .filter_map(|m| match m {
                Msg::Thread { key, messages } if messages.last().is_some_and(|m| m.text == "are you there?") => {
                    Some(key.clone())
                }
                _ => None,
            })
            .collect()
    };
    assert!(threads(&seen).is_empty());

    let keys: Vec<ConversationKey> = held.iter().map(|(_, key)| key.clone()).collect();
    engine.handle(Net::Held(keys.clone()));
    for (platform, key) in &held {
        say(&h, platform, &key.id, "are you there?").await;
    }
    let mut heard: HashSet<ConversationKey> = HashSet::new();
    let deadline = Instant::now() + (LIST + THREAD) * 4 + SLACK * 2;
    while heard.len() < keys.len() && Instant::now() < deadline {
        let (msg, _) = wait_for(&mut rx, deadline - Instant::now(), "a held thread", |m| Some(m.clone())).await;
        heard.extend(threads(&[msg]));
    }
    assert_eq!(
        heard,
        keys.into_iter().collect::<HashSet<_>>(),
        "each held thread is read"
    );
}

#[tokio::test]
async fn a_server_error_backs_off_and_recovers_while_others_go_on() {
    let h = quiet(12).await;
    let (_engine, mut rx) = start(adapters(&h), intervals());
    let (synced, _) = first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;
    let volt_id = synced["volt"].first().expect("volt has conversations").key.id.clone();

    arm(&h, "GET", "/raia/external/conversations", json!({"status": 500})).await;
    let (state, _) = wait_for(&mut rx, LIST + SLACK, "raia retrying", |m| {
        connection_of(m, "raia").cloned()
    })
    .await;
    let Connection::Retrying { at, error } = state else {
        panic!("expected Retrying, got {state:?}");
    };
    assert!(error.contains("500"), "{error}");
    assert!(
        at > Utc::now() + TimeDelta::milliseconds(500),
        "backs off about a second: {at}"
    );

    // Chatvolt does not wait for raia. (A customer writing to the AI shows in Chatvolt's
    // "unread" read, which takes its turn with three others, every other list interval.)
    say(&h, "chatvolt", &volt_id, "still there?").await;
    let (_, passed) = wait_for(&mut rx, LIST * 8 + SLACK, "volt's change", |m| match m {
        Msg::Synced { account, changed, .. } if account == "volt" && changed.iter().any(|c| c.key.id == volt_id) => {
            Some(())
        }
        _ => None,
    })
    .await;
    assert!(
        !passed.iter().any(|m| connection_of(m, "raia") == Some(&Connection::Ok)),
        "volt delivered while raia was still backing off"
    );

    wait_for(&mut rx, Duration::from_secs(2), "raia ok again", |m| {
        (connection_of(m, "raia") == Some(&Connection::Ok)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_rejected_key_stops_polling_until_refresh() {
    let h = quiet(6).await;
    let mut volt = settings(&h, PlatformKind::Chatvolt);
    volt.key = ApiKey::new("wrong-key".to_string());
    let platforms = vec![adapter(settings(&h, PlatformKind::Raia)), adapter(volt)];
    let (engine, mut rx) = start(platforms, intervals());

    let (state, _) = wait_for(&mut rx, Duration::from_secs(3), "volt's verdict", |m| {
        connection_of(m, "volt").cloned()
    })
    .await;
    assert!(
        matches!(state, Connection::BadKey(ref e) if e.contains("key")),
        "{state:?}"
    );

    clear_received(&h).await;
    let later = collect(&mut rx, LIST * 5).await;
    assert!(!later.iter().any(|m| connection_of(m, "volt").is_some()), "{later:#?}");
    let log = received(&h).await;
    assert_eq!(
        requests_to(&log, "/chatvolt"),
        0,
        "no request with a rejected key: {log:#?}"
    );
    assert!(requests_to(&log, "/raia") > 0, "the other account goes on");

    engine.handle(Net::Refresh);
    let (state, _) = wait_for(&mut rx, SLACK, "volt reconnecting", |m| {
        connection_of(m, "volt").cloned()
    })
    .await;
    assert_eq!(state, Connection::Connecting);
    let (state, _) = wait_for(&mut rx, Duration::from_secs(3), "volt's new verdict", |m| {
        connection_of(m, "volt").cloned()
    })
    .await;
    assert!(matches!(state, Connection::BadKey(_)), "{state:?}");
    let log = received(&h).await;
    assert!(requests_to(&log, "/chatvolt") >= 1, "Refresh tried again");
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let h = quiet(6).await;
    arm(
        &h,
        "GET",
        "/chatvolt/conversation",
        json!({"status": 429, "retry_after": 3}),
    )
    .await;
    let started = Utc::now();
    let (_engine, mut rx) = start(vec![adapter(settings(&h, PlatformKind::Chatvolt))], intervals());

    let (state, _) = wait_for(&mut rx, Duration::from_secs(3), "volt rate limited", |m| {
        connection_of(m, "volt").cloned()
    })
    .await;
    let Connection::Retrying { at, .. } = state else {
        panic!("expected Retrying, got {state:?}");
    };
    assert!(
        at >= started + TimeDelta::seconds(3),
        "retry at {at}, started {started}"
    );

    // Well past the usual first backoff (≤ 1.2 s), nothing is asked of the server.
    clear_received(&h).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(requests_to(&received(&h).await, "/chatvolt"), 0);
}

#[tokio::test]
async fn an_unreachable_account_does_not_hold_up_the_others() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let h = quiet(6).await;
    let mut down = settings(&h, PlatformKind::Raia);
    down.name = "down".into();
    down.base_url = format!("http://127.0.0.1:{closed_port}/raia");
    let mut platforms = vec![adapter(down)];
    platforms.extend(adapters(&h));
    let (_engine, mut rx) = start(platforms, intervals());

    let (_, seen) = first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(2)).await;
    let seen = if seen.iter().any(|m| connection_of(m, "down").is_some()) {
        seen
    } else {
        collect(&mut rx, SLACK).await
    };
    let state = seen.iter().find_map(|m| connection_of(m, "down"));
    assert!(
        matches!(state, Some(Connection::Retrying { error, .. }) if error.contains("unreachable")),
        "{state:?}"
    );
}

#[tokio::test]
async fn take_over_and_send_once_each() {
    let h = quiet(6).await;
    let id = create(
        &h,
        "raia",
        "Ann Lee",
        "needs_human",
        json!([{"author": "customer", "text": "I need a person"}]),
    )
    .await;
    let key = ConversationKey::new("raia", &id);
    // Slow polling, so what follows an operation is the engine's nudge, not the next tick.
    let slow = Intervals {
        list: Duration::from_secs(30),
        thread: Duration::from_secs(30),
    };
    let (engine, mut rx) = start(vec![adapter(settings(&h, PlatformKind::Raia))], slow);
    first_syncs(&mut rx, &["raia"], Duration::from_secs(5)).await;

    // Not in manual mode yet: the platform refuses, and the send is not tried again.
    clear_received(&h).await;
    engine.send(reply(key.clone(), 1, "Hi, Dana here"));
    let (result, _) = wait_for(&mut rx, Duration::from_secs(3), "the refused send", |m| match m {
        Msg::Sent {
            client_id: 1, result, ..
        } => Some(result.clone()),
        _ => None,
    })
    .await;
    let error = result.expect_err("raia refuses outside manual mode");
    assert!(error.reason.contains("manual mode") && !error.ambiguous, "{error:?}");

    engine.handle(Net::Act {
        key: key.clone(),
        op: Op::TakeOver,
    });
    let (result, _) = wait_for(&mut rx, Duration::from_secs(3), "the takeover", |m| match m {
        Msg::Done {
            key: k,
            op: Op::TakeOver,
            result,
        } if *k == key => Some(result.clone()),
        _ => None,
    })
    .await;
    let taken = result.expect("takeover succeeds").expect("with the conversation");
    assert!(matches!(taken.status, Status::Human { .. }), "{:?}", taken.status);
    wait_for(
        &mut rx,
        Duration::from_secs(2),
        "the list after the takeover",
        |m| match m {
            Msg::Synced { changed, .. } => changed
                .iter()
                .any(|c| c.key == key && matches!(c.status, Status::Human { .. }))
                .then_some(()),
            _ => None,
        },
    )
    .await;

    engine.send(reply(key.clone(), 2, "Hi, Dana here"));
    let (result, _) = wait_for(&mut rx, Duration::from_secs(3), "the send", |m| match m {
        Msg::Sent {
            client_id: 2, result, ..
        } => Some(result.clone()),
        _ => None,
    })
    .await;
    let message = result.expect("the send succeeds");
    assert_eq!(message.text, "Hi, Dana here");

    let log = received(&h).await;
    let sends: Vec<&Value> = log
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/send-manual-message")))
        .collect();
    let statuses: HashSet<u64> = sends.iter().filter_map(|r| r["status"].as_u64()).collect();
    assert_eq!(sends.len(), 2, "one request per send, no retry: {sends:#?}");
    assert_eq!(statuses, HashSet::from([400, 200]), "{sends:#?}");
}

#[tokio::test]
async fn commands_for_an_unknown_account_are_answered() {
    let h = quiet(3).await;
    let (engine, mut rx) = start(adapters(&h), intervals());
    let key = ConversationKey::new("nope", "1");
    engine.handle(Net::Act {
        key: key.clone(),
        op: Op::Resolve,
    });
    engine.send(reply(key.clone(), 7, "hi"));
    let (done, _) = wait_for(&mut rx, SLACK, "Done", |m| match m {
        Msg::Done { result, .. } => Some(result.clone()),
        _ => None,
    })
    .await;
    assert!(done.is_err_and(|e| e.contains("unknown account")));
    let (sent, _) = wait_for(&mut rx, SLACK, "Sent", |m| match m {
        Msg::Sent {
            client_id: 7, result, ..
        } => Some(result.clone()),
        _ => None,
    })
    .await;
    assert!(sent.is_err_and(|e| e.reason.contains("unknown account")));

    // Shutdown stops every task; with the engine gone, nothing holds the channel open.
    engine.shutdown();
    drop(engine);
    let closed = timeout(Duration::from_secs(2), async { while rx.recv().await.is_some() {} }).await;
    assert!(closed.is_ok(), "every task let go of the channel");
}

#[tokio::test]
async fn what_the_pollers_learn_is_cached_for_the_next_start() {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = handoff::store::Store::open(dir.path()).unwrap();
    let cache = handoff::sync::CacheWriter::start(store.clone()).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start_with_cache(adapters(&h), intervals(), tx, Some(cache));
    let (synced, _) = first_syncs(&mut rx, &ACCOUNTS, Duration::from_secs(5)).await;
    let watched = synced["volt"][0].key.clone();
    engine.handle(Net::Watch(Some(watched.clone())));
    let (messages, _) = wait_for(&mut rx, Duration::from_secs(5), "the watched thread", |m| match m {
        Msg::Thread { key, messages } if *key == watched => Some(messages.clone()),
        _ => None,
    })
    .await;
    engine.shutdown();
    drop(engine);

    // The writer works on its own thread: give it a moment, then read what the next start sees.
    let want: usize = synced.values().map(Vec::len).sum();
    let mut cached = store.cache_load(&ACCOUNTS).unwrap();
    for _ in 0..50 {
        if cached.conversations.len() == want && cached.threads.iter().any(|(k, _)| *k == watched) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        cached = store.cache_load(&ACCOUNTS).unwrap();
    }
    let mut keys: Vec<ConversationKey> = cached.conversations.iter().map(|c| c.key.clone()).collect();
    keys.sort();
    let mut listed: Vec<ConversationKey> = synced.values().flatten().map(|c| c.key.clone()).collect();
    listed.sort();
    assert_eq!(keys, listed, "every listed conversation, once");
    let thread = cached.threads.iter().find(|(k, _)| *k == watched).map(|(_, m)| m);
    assert_eq!(thread, Some(&messages), "the watched thread as fetched");
    let mut accounts: Vec<&String> = cached.synced_at.keys().collect();
    accounts.sort();
    assert_eq!(accounts, ["dash", "raia", "volt"]);
}

#[tokio::test]
async fn an_earlier_identical_reply_is_not_taken_for_this_one_arriving() {
    let h = quiet(3).await;
    let id = create(
        &h,
        "raia",
        "Tess Thanks",
        "human",
        json!([
            {"author": "customer", "text": "got it"},
            {"author": "operator", "text": "Thanks!"}
        ]),
    )
    .await;
    let key = ConversationKey::new("raia", &id);
    let (engine, mut rx) = start(vec![adapter(settings(&h, PlatformKind::Raia))], intervals());
    first_syncs(&mut rx, &["raia"], Duration::from_secs(5)).await;
    let thanks: Vec<String> = adapter(settings(&h, PlatformKind::Raia))
        .list_messages(&id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.text == "Thanks!")
        .map(|m| m.id)
        .collect();
    assert_eq!(thanks.len(), 1);
    let check = |client_id: u64, earlier: Vec<String>| {
        engine.handle(Net::Reconcile {
            key: key.clone(),
            client_id,
            baseline: SendBaseline {
                sent_at: Utc::now() - TimeDelta::minutes(1),
                earlier,
            },
            text: "Thanks!".into(),
        });
    };
    let result_of = |client_id: u64| {
        move |m: &Msg| match m {
            Msg::Reconciled {
                client_id: c, result, ..
            } if *c == client_id => Some(result.clone()),
            _ => None,
        }
    };
    // The thread had this "Thanks!" when the second was sent: it is not the second arriving.
    check(1, thanks.clone());
    let (arrived, _) = wait_for(&mut rx, Duration::from_secs(10), "the check", result_of(1)).await;
    assert_eq!(arrived, Ok(vec![]));
    // Before the first one was sent there was none: it is there.
    check(0, vec![]);
    let (arrived, _) = wait_for(&mut rx, Duration::from_secs(10), "the check", result_of(0)).await;
    assert_eq!(arrived, Ok(thanks));
}

/// What a send's thread held when nothing was in it yet, a moment ago.
fn before_now() -> SendBaseline {
    SendBaseline {
        sent_at: Utc::now() - TimeDelta::seconds(5),
        earlier: vec![],
    }
}

/// A reply as the engine takes it: recorded first (here there is no store to record it in).
fn reply(key: ConversationKey, client_id: u64, text: &str) -> Recorded {
    Recorded::write(None, key, client_id, &before_now(), text.into()).expect("no store, nothing to fail")
}
