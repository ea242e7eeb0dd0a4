//! The poller's bookkeeping against a scripted platform, without timers: which request comes
//! next, what counts as a change, when a conversation is believed gone, which threads are
//! fetched. The behaviour over real HTTP and time is in tests/sync.rs and tests/scale.rs.

use super::*;
use crate::domain::{Author, Capabilities, Delivery, Message, PlatformKind, Status};
use crate::platform;
use async_trait::async_trait;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// A queue of one urgent read (the conversations needing a human, read whole) and one read in
/// turn; a history of `pages`; conversations looked up by id in `all`.
struct Scripted {
    all: Mutex<Vec<Conversation>>,
    pages: Mutex<Vec<(Vec<&'static str>, Option<&'static str>)>>,
    fetched: Mutex<Vec<String>>,
    asked: Mutex<Vec<String>>,
    /// The warning every queue answer carries.
    warning: Mutex<Option<String>>,
}

impl Scripted {
    fn new(all: Vec<Conversation>) -> Arc<Scripted> {
        Arc::new(Scripted {
            all: Mutex::new(all),
            pages: Mutex::default(),
            fetched: Mutex::default(),
            asked: Mutex::default(),
            warning: Mutex::default(),
        })
    }

    fn set(&self, all: Vec<Conversation>) {
        *self.all.lock().unwrap() = all;
    }

    fn fetched(&self) -> Vec<String> {
        std::mem::take(&mut self.fetched.lock().unwrap())
    }

    fn asked(&self) -> Vec<String> {
        std::mem::take(&mut self.asked.lock().unwrap())
    }

    fn find(&self, id: &str) -> Option<Conversation> {
        self.all.lock().unwrap().iter().find(|c| c.key.id == id).cloned()
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
    async fn list_conversations(&self, _since: Option<DateTime<Utc>>) -> platform::Result<Listing> {
        unimplemented!("the poller reads the queue and the history")
    }
    async fn queue(&self) -> platform::Result<Vec<QueueRead>> {
        Ok(vec![
            QueueRead::new("needs a human", "filter", true),
            QueueRead::new("the rest", "filter", false),
        ])
    }
    async fn read_queue(&self, read: &QueueRead, _since: Option<DateTime<Utc>>) -> platform::Result<Listing> {
        self.asked.lock().unwrap().push(read.label.clone());
        let urgent = read.urgent;
        let conversations = self
            .all
            .lock()
            .unwrap()
            .iter()
            .filter(|c| (c.status == Status::NeedsHuman) == urgent)
            .cloned()
            .collect();
        Ok(Listing {
            conversations,
            complete: urgent,
            warning: self.warning.lock().unwrap().clone(),
        })
    }
    async fn history(&self, cursor: Option<&str>) -> platform::Result<HistoryPage> {
        self.asked
            .lock()
            .unwrap()
            .push(format!("history {}", cursor.unwrap_or("start")));
        let pages = self.pages.lock().unwrap().clone();
        let index = cursor.and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
        let (ids, next) = pages.get(index).cloned().unwrap_or_default();
        Ok(HistoryPage {
            conversations: ids.iter().filter_map(|id| self.find(id)).collect(),
            next: next.map(str::to_string),
            warning: None,
        })
    }
    async fn get_conversation(&self, id: &str) -> platform::Result<Conversation> {
        self.asked.lock().unwrap().push(format!("get {id}"));
        self.find(id).ok_or(PlatformError::NotFound { what: id.into() })
    }
    async fn list_messages(&self, id: &str) -> platform::Result<Vec<Message>> {
        self.fetched.lock().unwrap().push(id.to_string());
        if self.find(id).is_none() {
            return Err(PlatformError::NotFound { what: id.into() });
        }
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
        details: None,
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

/// Makes the requests the plan says, as the loop would, without waiting for their times.
async fn step(poller: &mut Poller, n: usize) -> Vec<Task> {
    let mut done = Vec::new();
    for _ in 0..n {
        let Some((task, _)) = poller.plan() else { break };
        done.push(task.clone());
        assert!(poller.perform(task).await.is_ok());
    }
    done
}

#[tokio::test]
async fn the_queue_comes_first_then_the_history_and_only_changes_are_sent() {
    let platform = Scripted::new(vec![
        conversation("a", Status::Ai, 10),
        conversation("n", Status::NeedsHuman, 5),
    ]);
    *platform.pages.lock().unwrap() = vec![(vec!["a"], Some("1")), (vec!["n"], None)];
    let (mut poller, mut rx) = poller(platform.clone());
    step(&mut poller, 3).await;
    // The reads, then the urgent one, then the one in turn: the queue before any history.
    assert_eq!(platform.asked(), ["needs a human", "the rest"]);
    let first = drain(&mut rx);
    assert_eq!(connections(&first), [Connection::Ok]);
    assert_eq!(
        synced(&first),
        [(vec!["n".to_string()], vec![]), (vec!["a".to_string()], vec![])]
    );

    // Nothing due in the queue now: the preview of the waiting customer, then the history.
    assert_eq!(step(&mut poller, 3).await[1..], [Task::History, Task::History]);
    assert_eq!(platform.fetched(), ["n"]);
    let msgs = drain(&mut rx);
    assert!(synced(&msgs).is_empty(), "the history held nothing new: {msgs:#?}");
    assert!(msgs.iter().any(|m| matches!(m, Msg::Walked { .. })));
    assert_eq!(platform.asked(), ["history start", "history 1"]);
}

#[tokio::test]
async fn what_the_model_derives_is_not_a_change() {
    let a = conversation("a", Status::NeedsHuman, 10);
    let platform = Scripted::new(vec![a.clone()]);
    let (mut poller, mut rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    drain(&mut rx);
    let mut derived = a;
    derived.preview = Some("hi".into());
    derived.waiting_since = Some(Utc::now());
    platform.set(vec![derived]);
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    let quiet = drain(&mut rx);
    assert!(quiet.is_empty(), "{quiet:#?}");
}

#[tokio::test]
async fn a_conversation_that_leaves_a_set_read_whole_is_looked_up_and_gone_on_404() {
    let platform = Scripted::new(vec![
        conversation("x", Status::NeedsHuman, 10),
        conversation("y", Status::NeedsHuman, 9),
    ]);
    let (mut poller, mut rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    drain(&mut rx);
    platform.asked();

    // x was taken by a colleague (still there, held); y was deleted.
    let mut held = conversation(
        "x",
        Status::Human {
            by: crate::domain::Holder::Unknown,
        },
        1,
    );
    held.updated_at = Utc::now();
    platform.set(vec![held]);
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    let mut lookups: Vec<String> = poller.lookups.iter().cloned().collect();
    lookups.sort();
    assert_eq!(lookups, ["x", "y"]);
    while let Some(id) = poller.lookups.front().cloned() {
        assert!(poller.perform(Task::Lookup(id)).await.is_ok());
    }
    let mut seen = synced(&drain(&mut rx));
    seen.sort();
    assert_eq!(seen, [(vec![], vec!["y".to_string()]), (vec!["x".to_string()], vec![])]);
}

#[tokio::test]
async fn a_walk_cut_short_believes_nothing_gone_and_a_whole_one_looks_up_the_unheard() {
    let platform = Scripted::new(vec![
        conversation("a", Status::Ai, 10),
        conversation("b", Status::Ai, 9),
    ]);
    // A server that repeats its cursor: the walk stops, nothing is believed gone.
    *platform.pages.lock().unwrap() = vec![(vec!["a"], Some("0"))];
    let (mut poller, mut rx) = poller(platform.clone());
    poller.absorb(vec![conversation("b", Status::Ai, 9)], vec![]).ok();
    assert!(poller.perform(Task::History).await.is_ok());
    assert!(poller.perform(Task::History).await.is_ok());
    assert!(poller.walk.is_none(), "the walk ended");
    assert!(poller.lookups.is_empty());
    assert!(!drain(&mut rx).iter().any(|m| matches!(m, Msg::Walked { .. })));

    // A whole walk that never mentions b: b is looked up, not dropped.
    *platform.pages.lock().unwrap() = vec![(vec!["a"], None)];
    assert!(poller.perform(Task::History).await.is_ok());
    assert_eq!(poller.lookups, ["b"]);
    assert!(drain(&mut rx).iter().any(|m| matches!(m, Msg::Walked { .. })));
}

#[tokio::test]
async fn previews_of_waiting_customers_oldest_first_and_again_only_after_a_change() {
    let waiting: Vec<Conversation> = (0..3)
        .map(|i| conversation(&format!("n{i}"), Status::NeedsHuman, 100 - i))
        .collect();
    let platform = Scripted::new(waiting.clone());
    let (mut poller, _rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    while let Some((id, version)) = poller.preview_due() {
        assert!(poller.perform(Task::Preview(id, version)).await.is_ok());
    }
    assert_eq!(platform.fetched(), ["n0", "n1", "n2"]);

    let mut touched = waiting;
    touched[1].updated_at = Utc::now();
    platform.set(touched);
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    assert_eq!(poller.preview_due().map(|(id, _)| id).as_deref(), Some("n1"));
}

#[tokio::test]
async fn the_open_thread_goes_before_previews_and_history_but_after_the_queue() {
    let platform = Scripted::new(vec![conversation("n", Status::NeedsHuman, 5)]);
    let (mut poller, _rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    poller.watch(Some("other".into()));
    let order = step(&mut poller, 3).await;
    assert_eq!(order, [Task::Urgent(0), Task::Turn, Task::Thread]);
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
    let platform = Scripted::new(vec![conversation("a", Status::Ai, 10)]);
    let (mut poller, mut rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    let asked = PlatformError::RateLimited {
        retry_after: Some(Duration::from_secs(999_999)),
    };
    let before = Instant::now();
    assert!(poller.queue_failed(&asked).is_ok());
    let hold = poller.hold_until.expect("the server's wait holds the account");
    assert!(
        hold <= Instant::now() + platform::MAX_SERVER_WAIT,
        "held for {:?}",
        hold - before
    );
    match connections(&drain(&mut rx)).as_slice() {
        [Connection::Retrying { error, .. }] => {
            assert!(error.contains("the server asked for 11d; waiting 5m"), "{error}");
        }
        other => panic!("{other:#?}"),
    }
    let (_, at) = poller.plan().unwrap();
    assert!(at > Instant::now() + Duration::from_secs(60), "nothing before the hold");

    // R: one round now, past the server's hold.
    assert!(poller.refresh().is_ok());
    assert_eq!(poller.hold_until, None);
    assert_eq!(step(&mut poller, 1).await, [Task::Urgent(0)]);
}

#[tokio::test]
async fn a_queue_answer_with_a_warning_is_degraded_until_one_without() {
    let platform = Scripted::new(vec![conversation("a", Status::NeedsHuman, 10)]);
    let (mut poller, mut rx) = poller(platform.clone());
    assert!(poller.perform(Task::Reads).await.is_ok());
    *platform.warning.lock().unwrap() = Some("the server repeated page 2".into());
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    assert_eq!(
        connections(&drain(&mut rx)),
        [Connection::Degraded("the server repeated page 2".into())]
    );
    *platform.warning.lock().unwrap() = None;
    assert!(poller.perform(Task::Urgent(0)).await.is_ok());
    assert_eq!(connections(&drain(&mut rx)), [Connection::Ok]);
}

/// Many urgent reads held back by the budget (thirty ChatDash agents): each comes round in
/// turn, the longest due first, never the first ones again and again.
#[tokio::test]
async fn urgent_reads_held_back_take_turns() {
    let platform = Scripted::new(vec![]);
    let (mut poller, _rx) = poller(platform);
    poller.reads = (0..5)
        .map(|i| QueueRead::new(format!("agent {i}"), "agent", true))
        .collect();
    poller.read_state = (0..5).map(|_| ReadState::default()).collect();
    poller.next_reads = None;
    let now = Instant::now();
    // Agent 0 was read last, a moment ago; the others are all due, the older first.
    for (i, ago) in [(0, 0), (1, 40), (2, 30), (3, 50), (4, 10)] {
        poller.read_state[i].next_at = Some(now - Duration::from_secs(ago));
    }
    let order: Vec<Task> = (0..5)
        .map(|_| {
            let (task, _) = poller.plan().unwrap();
            if let Task::Urgent(i) = task {
                poller.read_state[i].next_at = Some(now + Duration::from_secs(5));
            }
            task
        })
        .collect();
    assert_eq!(order, [3, 1, 2, 4, 0].map(Task::Urgent), "the longest due first");
}

#[tokio::test]
async fn a_conversation_whose_thread_answers_404_is_looked_up_and_forgotten_if_gone() {
    let platform = Scripted::new(vec![
        conversation("kept", Status::Ai, 5),
        conversation("gone", Status::Ai, 4),
    ]);
    let (mut poller, mut rx) = poller(platform.clone());
    poller.absorb(platform.all.lock().unwrap().clone(), vec![]).ok();
    platform.set(vec![conversation("kept", Status::Ai, 5)]);
    drain(&mut rx);
    poller.watch(Some("gone".into()));
    assert!(poller.perform(Task::Thread).await.is_ok());
    assert_eq!(poller.lookups, ["gone"]);
    assert!(poller.perform(Task::Lookup("gone".into())).await.is_ok());
    assert_eq!(synced(&drain(&mut rx)), [(vec![], vec!["gone".to_string()])]);
}
