//! The poller's bookkeeping against a scripted platform, without timers: which `since` each
//! list asks for, what counts as a change, when removals are believed, which threads are
//! fetched. The behaviour over real HTTP and time is in tests/sync.rs.

use super::*;
use crate::domain::{Author, Capabilities, Delivery, PlatformKind};
use crate::platform;
use async_trait::async_trait;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Lists `conversations`. Answers `since` with the ones updated since then in an incomplete
/// listing, as raia does, or, when `always_complete`, ignores it, as Chatvolt does.
struct Scripted {
    conversations: Mutex<Vec<Conversation>>,
    always_complete: bool,
    sinces: Mutex<Vec<Option<DateTime<Utc>>>>,
    fetched: Mutex<Vec<String>>,
    /// The warning every listing carries.
    warning: Mutex<Option<String>>,
}

impl Scripted {
    fn new(conversations: Vec<Conversation>, always_complete: bool) -> Arc<Scripted> {
        Arc::new(Scripted {
            conversations: Mutex::new(conversations),
            always_complete,
            sinces: Mutex::default(),
            fetched: Mutex::default(),
            warning: Mutex::default(),
        })
    }

    fn set(&self, conversations: Vec<Conversation>) {
        *self.conversations.lock().unwrap() = conversations;
    }

    fn fetched(&self) -> Vec<String> {
        std::mem::take(&mut self.fetched.lock().unwrap())
    }
}

#[async_trait]
impl Platform for Scripted {
    fn account(&self) -> &str {
        "acct"
    }
    fn kind(&self) -> PlatformKind {
        PlatformKind::Raia
    }
    fn capabilities(&self) -> Capabilities {
        unimplemented!("not used by the poller")
    }
    async fn check(&self) -> platform::Result<()> {
        Ok(())
    }
    async fn list_conversations(&self, since: Option<DateTime<Utc>>) -> platform::Result<Listing> {
        self.sinces.lock().unwrap().push(since);
        let all = self.conversations.lock().unwrap().clone();
        if self.always_complete {
            return Ok(Listing {
                conversations: all,
                complete: true,
                warning: self.warning.lock().unwrap().clone(),
            });
        }
        let conversations = all
            .into_iter()
            .filter(|c| since.is_none_or(|s| c.updated_at >= s))
            .collect();
        Ok(Listing {
            conversations,
            complete: since.is_none(),
            warning: self.warning.lock().unwrap().clone(),
        })
    }
    async fn get_conversation(&self, id: &str) -> platform::Result<Conversation> {
        Err(PlatformError::NotFound { what: id.into() })
    }
    async fn list_messages(&self, id: &str) -> platform::Result<Vec<Message>> {
        self.fetched.lock().unwrap().push(id.to_string());
        Ok(vec![Message {
            id: "m1".into(),
            author: Author::Customer,
            author_name: None,
            text: format!("hello from {id}"),
            created_at: DateTime::UNIX_EPOCH,
            attachments: vec![],
            delivery: Delivery::Sent,
        }])
    }
    async fn take_over(&self, id: &str) -> platform::Result<Conversation> {
        self.get_conversation(id).await
    }
    async fn hand_back(&self, id: &str) -> platform::Result<Conversation> {
        self.get_conversation(id).await
    }
    async fn send(&self, id: &str, _text: &str) -> platform::Result<Message> {
        Err(PlatformError::NotFound { what: id.into() })
    }
    async fn resolve(&self, id: &str) -> platform::Result<Conversation> {
        self.get_conversation(id).await
    }
}

fn conversation(id: &str, status: Status, minutes_ago: i64) -> Conversation {
    let at = DateTime::UNIX_EPOCH + TimeDelta::days(20_000) - TimeDelta::minutes(minutes_ago);
    Conversation {
        key: ConversationKey::new("acct", id),
        platform: PlatformKind::Raia,
        customer_name: id.to_uppercase(),
        customer_contact: None,
        channel: None,
        status,
        assignee: None,
        unread: None,
        preview: None,
        created_at: at,
        updated_at: at,
        waiting_since: None,
        no_reply: None,
    }
}

fn poller(platform: Arc<Scripted>) -> (Poller, mpsc::UnboundedReceiver<Msg>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (_control, control_rx) = mpsc::unbounded_channel();
    let intervals = Intervals {
        list: Duration::from_secs(1),
        thread: Duration::from_secs(1),
    };
    (Poller::new(platform, intervals, tx, control_rx), rx)
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Vec<Msg> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// (changed ids, removed ids) of every `Synced` in `msgs`.
fn synced(msgs: &[Msg]) -> Vec<(Vec<String>, Vec<String>)> {
    msgs.iter()
        .filter_map(|m| match m {
            Msg::Synced { changed, removed, .. } => Some((
                changed.iter().map(|c| c.key.id.clone()).collect(),
                removed.iter().map(|k| k.id.clone()).collect(),
            )),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn lists_incrementally_with_a_full_list_every_twelfth_time() {
    let platform = Scripted::new(vec![conversation("a", Status::Ai, 10)], false);
    let (mut poller, _rx) = poller(platform.clone());
    for _ in 0..25 {
        assert!(poller.poll_list().await.is_ok());
    }
    let full: Vec<usize> = platform
        .sinces
        .lock()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(full, [0, 12, 24]);

    // A refresh asks for a full list at once.
    assert!(poller.refresh().is_ok());
    assert!(poller.poll_list().await.is_ok());
    assert_eq!(platform.sinces.lock().unwrap().last(), Some(&None));
}

#[tokio::test]
async fn sends_the_first_sync_then_only_changes() {
    let a = conversation("a", Status::Ai, 10);
    let platform = Scripted::new(vec![a.clone(), conversation("b", Status::Ai, 20)], true);
    let (mut poller, mut rx) = poller(platform.clone());

    assert!(poller.poll_list().await.is_ok());
    let first = drain(&mut rx);
    assert!(matches!(
        first[0],
        Msg::Connection {
            state: Connection::Ok,
            ..
        }
    ));
    assert_eq!(synced(&first).len(), 1);

    // What the model derives (preview, waiting time) is not a change.
    let mut derived = a.clone();
    derived.preview = Some("hi".into());
    derived.waiting_since = Some(Utc::now());
    platform.set(vec![derived.clone(), conversation("b", Status::Ai, 20)]);
    assert!(poller.poll_list().await.is_ok());
    let quiet = drain(&mut rx);
    assert!(quiet.is_empty(), "{quiet:#?}");

    // A new status is; a conversation missing from a complete listing is gone.
    let mut updated = derived;
    updated.status = Status::NeedsHuman;
    updated.updated_at = Utc::now();
    platform.set(vec![updated]);
    assert!(poller.poll_list().await.is_ok());
    assert_eq!(
        synced(&drain(&mut rx)),
        [(vec!["a".to_string()], vec!["b".to_string()])]
    );
}

#[tokio::test]
async fn an_incremental_listing_removes_nothing() {
    let platform = Scripted::new(vec![conversation("a", Status::Ai, 10)], false);
    let (mut poller, mut rx) = poller(platform.clone());
    assert!(poller.poll_list().await.is_ok());
    drain(&mut rx);
    platform.set(vec![]);
    assert!(poller.poll_list().await.is_ok());
    assert!(
        drain(&mut rx).is_empty(),
        "absent from an incremental answer is not gone"
    );
}

#[tokio::test]
async fn fetches_needs_human_threads_eight_at_a_time_oldest_first() {
    let waiting: Vec<Conversation> = (0..10)
        .map(|i| conversation(&format!("n{i}"), Status::NeedsHuman, 100 - i))
        .chain([conversation("ai", Status::Ai, 1)])
        .collect();
    let platform = Scripted::new(waiting.clone(), true);
    let (mut poller, mut rx) = poller(platform.clone());

    assert!(poller.poll_list().await.is_ok());
    assert_eq!(platform.fetched(), ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"]);
    let threads = drain(&mut rx)
        .iter()
        .filter(|m| matches!(m, Msg::Thread { .. }))
        .count();
    assert_eq!(threads, 8);

    assert!(poller.poll_list().await.is_ok());
    assert_eq!(platform.fetched(), ["n8", "n9"]);
    assert!(poller.poll_list().await.is_ok());
    assert!(platform.fetched().is_empty(), "nothing changed, nothing fetched");

    // An update is fetched again; the same messages are not sent again.
    let mut touched = waiting;
    touched[3].updated_at = Utc::now();
    platform.set(touched);
    drain(&mut rx);
    assert!(poller.poll_list().await.is_ok());
    assert_eq!(platform.fetched(), ["n3"]);
    assert!(!drain(&mut rx).iter().any(|m| matches!(m, Msg::Thread { .. })));
}

/// The connection states told to the UI in `msgs`.
fn connections(msgs: &[Msg]) -> Vec<Connection> {
    msgs.iter()
        .filter_map(|m| match m {
            Msg::Connection { state, .. } => Some(state.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_retry_after_of_days_holds_five_minutes_and_a_refresh_asks_now() {
    let platform = Scripted::new(vec![conversation("a", Status::Ai, 10)], true);
    let (mut poller, mut rx) = poller(platform.clone());
    let asked = PlatformError::RateLimited {
        retry_after: Some(Duration::from_secs(999_999)),
    };
    let before = Instant::now();
    assert!(poller.list_failed(&asked).is_ok());
    let hold = poller.hold_until.expect("the server's wait holds the account");
    assert!(
        hold <= Instant::now() + platform::MAX_SERVER_WAIT,
        "held for {:?}",
        hold - before
    );
    assert!(poller.next_list <= Instant::now() + platform::MAX_SERVER_WAIT);
    match connections(&drain(&mut rx)).as_slice() {
        [Connection::Retrying { error, .. }] => {
            assert!(error.contains("the server asked for 11d; waiting 5m"), "{error}");
        }
        other => panic!("{other:#?}"),
    }
    assert!(!poller.is_due(poller.next_list));

    // R: one request now, past the server's hold.
    assert!(poller.refresh().is_ok());
    assert_eq!(poller.hold_until, None);
    assert!(poller.is_due(poller.next_list));
    assert!(poller.poll_due().await.is_ok());
    assert_eq!(platform.sinces.lock().unwrap().len(), 1, "the refresh listed");
}

#[tokio::test]
async fn a_listing_with_a_warning_is_degraded_until_one_without() {
    let platform = Scripted::new(vec![conversation("a", Status::Ai, 10)], true);
    let (mut poller, mut rx) = poller(platform.clone());
    *platform.warning.lock().unwrap() = Some("the server repeated page 2".into());
    assert!(poller.poll_list().await.is_ok());
    assert_eq!(
        connections(&drain(&mut rx)),
        [Connection::Degraded("the server repeated page 2".into())]
    );
    *platform.warning.lock().unwrap() = None;
    assert!(poller.poll_list().await.is_ok());
    assert_eq!(connections(&drain(&mut rx)), [Connection::Ok]);
}
