//! Conversations, messages and what each platform can do, in one shape for all platforms.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

/// Which platform an account talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PlatformKind {
    Raia,
    Chatvolt,
    Chatdash,
}

impl PlatformKind {
    pub const ALL: [PlatformKind; 3] = [PlatformKind::Raia, PlatformKind::Chatvolt, PlatformKind::Chatdash];

    /// The name used in config files and on screen.
    pub fn name(self) -> &'static str {
        match self {
            PlatformKind::Raia => "raia",
            PlatformKind::Chatvolt => "chatvolt",
            PlatformKind::Chatdash => "chatdash",
        }
    }

    pub fn parse(s: &str) -> Option<PlatformKind> {
        PlatformKind::ALL.into_iter().find(|p| p.name() == s)
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A conversation's identity. Ids are only unique inside one account, so the account's short
/// handle is part of the key. Written `account/id` on screen and in commands.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConversationKey {
    /// Shared by every key of the account (see [`account_name`]).
    #[serde(deserialize_with = "shared_account")]
    pub account: Arc<str>,
    pub id: String,
}

impl ConversationKey {
    pub fn new(account: impl AsRef<str>, id: impl Into<String>) -> Self {
        ConversationKey {
            account: account_name(account.as_ref()),
            id: id.into(),
        }
    }

    /// Parses `account/id`; the id may itself contain `/`.
    pub fn parse(s: &str) -> Option<ConversationKey> {
        let (account, id) = s.split_once('/')?;
        (!account.is_empty() && !id.is_empty()).then(|| ConversationKey::new(account, id))
    }
}

/// The one shared copy of an account's name. Every conversation's key names its account, and
/// keys are copied into the list's rows, alerts and holds: with 100,000 conversations a string
/// apiece was megabytes of the same few names. Accounts are few (the config's), so the set
/// only grows by a name a file or a platform invents, each kept once.
pub fn account_name(name: &str) -> Arc<str> {
    static NAMES: LazyLock<Mutex<HashSet<Arc<str>>>> = LazyLock::new(Mutex::default);
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(shared) = names.get(name) {
        return shared.clone();
    }
    let shared: Arc<str> = Arc::from(name);
    names.insert(shared.clone());
    shared
}

fn shared_account<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    Ok(account_name(&name))
}

impl fmt::Display for ConversationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.id)
    }
}

/// Who holds a conversation that a human has taken over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// The operator running this program (matched by name, email or platform user id).
    Me,
    /// Another operator, by the name or email the platform gives.
    Other(String),
    /// A human holds it, but the platform does not say who.
    Unknown,
}

/// Where a conversation stands in the handoff, derived per platform (platforms.md §4.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Ai,
    NeedsHuman,
    Human { by: Holder },
    Resolved,
}

impl Status {
    /// The stable name used in JSON output and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Ai => "ai",
            Status::NeedsHuman => "needs_human",
            Status::Human { .. } => "human",
            Status::Resolved => "resolved",
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Author {
    Customer,
    Ai,
    Operator { name: Option<String>, is_me: bool },
    System,
}

impl Author {
    pub fn name(&self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Ai => "ai",
            Author::Operator { .. } => "operator",
            Author::System => "system",
        }
    }
}

/// Whether a message reached the platform. Only the operator's own messages are ever anything
/// but `Sent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    Sent,
    Pending,
    /// No answer came (timeout, dropped connection, crash): it may or may not have arrived,
    /// and the thread is checked before anything is offered.
    Unknown(String),
    Failed(String),
}

/// Where an outgoing message stands, as the outbox records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxState {
    Sending,
    Sent,
    Unknown(String),
    /// Not sent, and its words are kept here (shown in the thread) until put back.
    Failed(String),
    /// Not sent, and its words went back into the draft: nothing left to show.
    Restored,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    /// A platform file id or link; never fetched automatically.
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The platform's id, or one synthesised where the platform has none (ChatDash).
    pub id: String,
    pub author: Author,
    /// The customer's, AI's or operator's display name where the platform gives one.
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
    pub delivery: Delivery,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub key: ConversationKey,
    pub platform: PlatformKind,
    pub customer_name: String,
    /// Email, phone or handle, where the platform gives one.
    pub customer_contact: Option<String>,
    pub channel: Option<String>,
    pub status: Status,
    /// The human assigned or holding it, as the platform names them.
    pub assignee: Option<String>,
    /// `None` where the platform cannot tell (raia).
    pub unread: Option<u32>,
    pub preview: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Since when the customer has been waiting for a human answer; known once messages are.
    pub waiting_since: Option<DateTime<Utc>>,
    /// Why no text reply can be sent here although the account sends elsewhere (a raia voice
    /// call), in the operator's words. Defaulted so an older cache still loads.
    #[serde(default)]
    pub no_reply: Option<String>,
    /// What else the platform says (the details panel); `None` when it says nothing.
    #[serde(default)]
    pub details: Option<Box<super::Details>>,
}

/// How far apart our clock and a platform's may be when judging whether a message was written
/// after a send: a copy stamped earlier than this before the send is an older message.
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// What the thread held when a reply was sent, so that an unanswered send can be settled by
/// what is newer than it: the ids of the operator messages already carrying its text (an
/// earlier "Thanks!" is not this one, even once it has dropped out of a platform's window) and
/// when it was sent. Counting copies cannot tell the two apart at a window's edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendBaseline {
    pub sent_at: DateTime<Utc>,
    pub earlier: Vec<String>,
}

impl SendBaseline {
    pub fn of(messages: &[Message], text: &str, now: DateTime<Utc>) -> SendBaseline {
        let text = reply_text(text);
        SendBaseline {
            sent_at: now,
            earlier: messages
                .iter()
                .filter(|m| is_copy(m, &text))
                .map(|m| m.id.clone())
                .collect(),
        }
    }

    /// The ids of the messages in `messages` that can be this reply having arrived: operator
    /// messages with its text that were not there before the send and are not older than it.
    pub fn arrivals(&self, messages: &[Message], text: &str) -> Vec<String> {
        let text = reply_text(text);
        let not_before = self.sent_at - CLOCK_SKEW;
        messages
            .iter()
            .filter(|m| is_copy(m, &text) && m.created_at >= not_before && !self.earlier.contains(&m.id))
            .map(|m| m.id.clone())
            .collect()
    }
}

/// A reply's text as the sanitiser leaves it, trimmed: how the thread will show it.
fn reply_text(text: &str) -> String {
    crate::domain::sanitize(text).trim().to_string()
}

fn is_copy(message: &Message, text: &str) -> bool {
    matches!(message.author, Author::Operator { .. }) && message.text.trim() == text
}

/// The last message an operator has seen in a conversation: later ones are "new". Kept by id,
/// with its time for when the id is no longer in the thread (older messages dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMark {
    pub message_id: String,
    pub at: DateTime<Utc>,
}

impl ReadMark {
    pub fn of(message: &Message) -> ReadMark {
        ReadMark {
            message_id: message.id.clone(),
            at: message.created_at,
        }
    }

    /// How many of `messages` this mark says were seen: up to the marked message, or, when it
    /// is not among them, every message not newer than it.
    pub fn seen_in(&self, messages: &[Message]) -> usize {
        match messages.iter().rposition(|m| m.id == self.message_id) {
            Some(i) => i + 1,
            None => messages.iter().take_while(|m| m.created_at <= self.at).count(),
        }
    }
}

/// Since when the customer has been waiting (design.md §4): the first customer message with
/// no AI or human reply after it. A conversation where the AI answered last is not waiting;
/// one where the customer asked for a person and got no answer waits from that question.
pub fn waiting_since(messages: &[Message]) -> Option<DateTime<Utc>> {
    let after_last_reply = messages
        .iter()
        .rposition(|m| matches!(m.author, Author::Operator { .. } | Author::Ai))
        .map_or(0, |i| i + 1);
    messages[after_last_reply..]
        .iter()
        .find(|m| m.author == Author::Customer)
        .map(|m| m.created_at)
}

/// The inbox's default order: needs a human (longest waiting first), then held by a human
/// (mine first), then AI by latest activity, then resolved (latest first).
pub fn queue_order(a: &Conversation, b: &Conversation) -> std::cmp::Ordering {
    queue_rank(a).cmp(&queue_rank(b)).then_with(|| a.key.cmp(&b.key))
}

/// Where a conversation stands in [`queue_order`], as a value that sorts by itself (cheap to
/// compute once per conversation when sorting many): the group, then a time in milliseconds.
pub fn queue_rank(c: &Conversation) -> (u8, i64) {
    match &c.status {
        Status::NeedsHuman => (0, c.waiting_since.unwrap_or(c.updated_at).timestamp_millis()),
        Status::Human { by: Holder::Me } => (1, -c.updated_at.timestamp_millis()),
        Status::Human { .. } => (2, -c.updated_at.timestamp_millis()),
        Status::Ai => (3, -c.updated_at.timestamp_millis()),
        Status::Resolved => (4, -c.updated_at.timestamp_millis()),
    }
}

/// Whether an operation is offered, and if not, why — in words the operator can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    Yes,
    No(String),
}

impl Availability {
    pub fn is_yes(&self) -> bool {
        matches!(self, Availability::Yes)
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Availability::Yes => None,
            Availability::No(why) => Some(why),
        }
    }
}

/// What an account's platform can do. The UI offers only these and shows the reason otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub take_over: Availability,
    pub hand_back: Availability,
    pub send: Availability,
    pub resolve: Availability,
    /// Whether a resolved conversation can be opened again (to undo a resolve, or to take it
    /// over), and if not, why.
    pub reopen: Availability,
    pub assign: Availability,
    /// Setting the conversation's priority (Chatvolt).
    pub set_priority: Availability,
    pub mark_read: Availability,
    /// The platform reports unread counts (otherwise they are kept locally).
    pub unread_counts: bool,
    /// The platform can say that a customer asked for a human.
    pub needs_human_signal: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn msg(author: Author, minute: u32) -> Message {
        Message {
            id: minute.to_string(),
            author,
            author_name: None,
            text: String::new(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 12, minute, 0).unwrap(),
            attachments: vec![],
            delivery: Delivery::Sent,
        }
    }

    #[test]
    fn waiting_since_follows_the_last_reply() {
        let op = || Author::Operator {
            name: None,
            is_me: true,
        };
        let t = |m| Some(Utc.with_ymd_and_hms(2026, 1, 1, 12, m, 0).unwrap());
        assert_eq!(waiting_since(&[]), None);
        assert_eq!(
            waiting_since(&[msg(Author::Customer, 1), msg(Author::Customer, 2)]),
            t(1)
        );
        assert_eq!(waiting_since(&[msg(Author::Customer, 1), msg(Author::Ai, 2)]), None);
        assert_eq!(waiting_since(&[msg(Author::Customer, 1), msg(op(), 2)]), None);
        assert_eq!(
            waiting_since(&[
                msg(Author::Customer, 1),
                msg(op(), 2),
                msg(Author::Ai, 3),
                msg(Author::Customer, 4)
            ]),
            t(4)
        );
        assert_eq!(
            waiting_since(&[msg(Author::Ai, 1), msg(Author::Customer, 2), msg(Author::System, 3)]),
            t(2)
        );
    }

    #[test]
    fn queue_order_puts_the_longest_waiting_handoff_first() {
        let at = |m| Utc.with_ymd_and_hms(2026, 1, 1, 12, m, 0).unwrap();
        let conv = |id: &str, status: Status, minute: u32| Conversation {
            key: ConversationKey::new("a", id),
            platform: PlatformKind::Raia,
            customer_name: id.into(),
            customer_contact: None,
            channel: None,
            status,
            assignee: None,
            unread: None,
            preview: None,
            created_at: at(0),
            updated_at: at(minute),
            waiting_since: None,
            no_reply: None,
            details: None,
        };
        let mut list = [
            conv("done", Status::Resolved, 50),
            conv("ai-old", Status::Ai, 10),
            conv("ai-new", Status::Ai, 40),
            conv(
                "theirs",
                Status::Human {
                    by: Holder::Other("Sam".into()),
                },
                45,
            ),
            conv("mine", Status::Human { by: Holder::Me }, 5),
            conv("need-recent", Status::NeedsHuman, 30),
            conv("need-long", Status::NeedsHuman, 20),
        ];
        list.sort_by(queue_order);
        let ids: Vec<&str> = list.iter().map(|c| c.key.id.as_str()).collect();
        assert_eq!(
            ids,
            ["need-long", "need-recent", "mine", "theirs", "ai-new", "ai-old", "done"]
        );
    }

    #[test]
    fn keys_round_trip() {
        let k = ConversationKey::parse("store/abc/def").unwrap();
        assert_eq!(k, ConversationKey::new("store", "abc/def"));
        assert_eq!(k.to_string(), "store/abc/def");
        assert_eq!(ConversationKey::parse("store/"), None);
        assert_eq!(ConversationKey::parse("nokey"), None);
    }

    #[test]
    fn a_send_is_settled_by_what_is_newer_than_it_not_by_a_count() {
        let op = |id: &str, text: &str, minute: u32| Message {
            id: id.into(),
            text: text.into(),
            ..msg(
                Author::Operator {
                    name: None,
                    is_me: false,
                },
                minute,
            )
        };
        let at = |minute| Utc.with_ymd_and_hms(2026, 1, 1, 12, minute, 0).unwrap();
        // A window of three messages whose oldest is an earlier, identical "Thanks!".
        let before = vec![
            op("t1", "Thanks!", 1),
            msg(Author::Customer, 2),
            msg(Author::Customer, 3),
        ];
        let baseline = SendBaseline::of(&before, " Thanks!\u{1b}[0m ", at(30));
        assert_eq!(baseline.earlier, ["t1"]);
        assert_eq!(baseline.arrivals(&before, "Thanks!"), Vec::<String>::new());
        // It arrived, and the old one fell out of the window: still one copy, but a new one.
        let after = vec![
            msg(Author::Customer, 2),
            msg(Author::Customer, 3),
            op("t2", "Thanks!", 31),
        ];
        assert_eq!(baseline.arrivals(&after, "Thanks!"), ["t2"]);
        // An older identical message the baseline never saw (beyond its window) is not it.
        let older = vec![op("t0", "Thanks!", 5), msg(Author::Customer, 6)];
        assert_eq!(baseline.arrivals(&older, "Thanks!"), Vec::<String>::new());
        // A platform clock a little behind ours still counts.
        let skewed = vec![op("t3", "Thanks!", 25)];
        assert_eq!(baseline.arrivals(&skewed, "Thanks!"), ["t3"]);
        // Only the operator's: the customer quoting it is not it arriving.
        let quoted = vec![Message {
            id: "c9".into(),
            text: "Thanks!".into(),
            ..msg(Author::Customer, 40)
        }];
        assert_eq!(baseline.arrivals(&quoted, "Thanks!"), Vec::<String>::new());
    }
}

/// What `q` does while the operator holds conversations: a customer held by someone who has
/// gone waits for nobody.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnQuit {
    /// Ask: hand them all back to the AI, keep them, or stay.
    #[default]
    Ask,
    HandBack,
    Keep,
}

/// What a dropped session (SIGHUP) or SIGTERM does while the operator holds conversations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnHangup {
    /// Hand them all back to the AI before the program ends (within a few seconds).
    #[default]
    HandBack,
    Keep,
}
