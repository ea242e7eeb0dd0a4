//! The platforms behind one trait. Each adapter maps its platform's JSON to the common model
//! (platforms.md §4 and §7) and its HTTP answers to [`PlatformError`].

pub mod budget;
pub mod chatdash;
pub mod chatvolt;
mod details;
mod error;
pub mod http;
mod json;
#[cfg(test)]
mod proptests;
pub mod raia;
mod reads;

pub use error::{MAX_SERVER_WAIT, PlatformError, Result};
pub use reads::{HistoryPage, QueueRead};

use crate::domain::{ApiKey, Capabilities, Conversation, Holder, Message, Note, PlatformKind};
use async_trait::async_trait;
use budget::Budget;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// One account on one platform. Every method is one logical operation; adapters follow the
/// platform's paging to the end and never retry a send.
#[async_trait]
pub trait Platform: Send + Sync {
    /// The account's short handle (`store`), as in config.
    fn account(&self) -> &str;
    fn kind(&self) -> PlatformKind;
    fn capabilities(&self) -> Capabilities;

    /// A cheap authenticated request: proves the server answers and accepts the key.
    async fn check(&self) -> Result<()>;

    /// Conversations, all pages. With `since`, a platform that can filter by update time
    /// returns only what changed (then [`Listing::complete`] is false). For a one-off look
    /// (the command line); the inbox reads [`Platform::queue`] and [`Platform::history`].
    async fn list_conversations(&self, since: Option<DateTime<Utc>>) -> Result<Listing>;

    /// The reads that make up the account's queue. By default, the whole list on every poll,
    /// for a platform whose list is small.
    async fn queue(&self) -> Result<Vec<QueueRead>> {
        Ok(vec![QueueRead::new("conversations", "read", true)])
    }

    /// One queue read, all its pages (a set that can need the operator is small). `since` is
    /// when this read was last answered. [`Listing::complete`] is true when the answer is the
    /// whole set the read describes, so a conversation that was in it and is not any more has
    /// changed (the poller looks it up).
    async fn read_queue(&self, read: &QueueRead, since: Option<DateTime<Utc>>) -> Result<Listing> {
        let _ = read;
        let mut listing = self.list_conversations(since).await?;
        listing.complete = false;
        Ok(listing)
    }

    /// One page of the account's whole history, from `cursor` (the previous page's `next`;
    /// `None` for the first). By default, everything as one page.
    async fn history(&self, cursor: Option<&str>) -> Result<HistoryPage> {
        let _ = cursor;
        let listing = self.list_conversations(None).await?;
        Ok(HistoryPage {
            conversations: listing.conversations,
            next: None,
            warning: listing.warning,
        })
    }

    /// The account's request budget, when its requests go through one.
    fn budget(&self) -> Option<&Budget> {
        None
    }
    async fn get_conversation(&self, id: &str) -> Result<Conversation>;
    /// Messages, oldest first.
    async fn list_messages(&self, id: &str) -> Result<Vec<Message>>;

    /// Switches the conversation to a human (manual mode); returns it as the platform now has it.
    async fn take_over(&self, id: &str) -> Result<Conversation>;
    /// Gives the conversation back to the AI.
    async fn hand_back(&self, id: &str) -> Result<Conversation>;
    /// Sends `text` to the customer as the operator. Never retried here.
    async fn send(&self, id: &str, text: &str) -> Result<Message>;
    async fn resolve(&self, id: &str) -> Result<Conversation>;
    /// Opens a resolved conversation again; returns it as the platform now has it.
    async fn reopen(&self, id: &str) -> Result<Conversation> {
        let _ = id;
        Err(unavailable(self.capabilities().reopen.reason()))
    }
    async fn assign(&self, id: &str, email: &str) -> Result<Conversation> {
        let _ = (id, email);
        Err(unavailable(self.capabilities().assign.reason()))
    }
    /// Sets the conversation's priority; returns it as the platform now has it.
    async fn set_priority(&self, id: &str, priority: crate::domain::Priority) -> Result<Conversation> {
        let _ = (id, priority);
        Err(unavailable(self.capabilities().set_priority.reason()))
    }
    async fn mark_read(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(unavailable(self.capabilities().mark_read.reason()))
    }

    /// Whether the platform keeps notes itself (Chatvolt); the others' notes live in the team
    /// database or the operator's store, and their adapters are never asked.
    fn has_notes(&self) -> bool {
        false
    }
    /// The conversation's notes, oldest first.
    async fn list_notes(&self, id: &str) -> Result<Vec<Note>> {
        let _ = id;
        Err(unavailable(Some("this platform keeps no notes")))
    }
    /// Writes a private note on the conversation; never retried here.
    async fn create_note(&self, id: &str, text: &str) -> Result<Note> {
        let _ = (id, text);
        Err(unavailable(Some("this platform keeps no notes")))
    }
}

/// The error for an operation the platform does not offer, carrying the capability's reason.
pub fn unavailable(reason: Option<&str>) -> PlatformError {
    PlatformError::Unavailable(reason.unwrap_or("not supported by this platform").to_string())
}

/// The answer to [`Platform::list_conversations`].
#[derive(Debug)]
pub struct Listing {
    pub conversations: Vec<Conversation>,
    /// True when this is every conversation the account has (within the platform's window), so
    /// one missing from it is gone; false for an incremental answer, or one cut short.
    pub complete: bool,
    /// Answered, but something is off (a server that repeats its pages): said to the operator.
    pub warning: Option<String>,
}

/// A listing gathered page by page, each conversation once, stopping when the server repeats
/// itself: a cursor it ignores or a `hasNextPage` that is always true would otherwise page
/// (and list the same conversations) until the safety stop.
#[derive(Default)]
pub(crate) struct Pages {
    conversations: Vec<Conversation>,
    seen: HashSet<String>,
    cursors: HashSet<String>,
    warning: Option<String>,
}

impl Pages {
    /// Adds a page, keeping only conversations not seen before; false when it had none.
    pub(crate) fn add(&mut self, page: impl IntoIterator<Item = Conversation>) -> bool {
        let before = self.conversations.len();
        for conversation in page {
            if self.seen.insert(conversation.key.id.clone()) {
                self.conversations.push(conversation);
            }
        }
        self.conversations.len() > before
    }

    /// Page `number` was promised but added nothing new: paging stops.
    pub(crate) fn nothing_new(&mut self, number: usize) {
        self.stop(format!("the server repeated page {number} (nothing on it was new)"));
    }

    /// Whether `cursor`, for page `number`, was asked for already (then paging must stop).
    pub(crate) fn repeats(&mut self, number: usize, cursor: &str) -> bool {
        if self.cursors.insert(cursor.to_string()) {
            return false;
        }
        let cursor = http::server_text(cursor);
        self.stop(format!("the server repeated page {number} (cursor {cursor})"));
        true
    }

    /// Paging stopped early: the listing may lack conversations.
    pub(crate) fn stop(&mut self, why: String) {
        self.warning = Some(format!("{why}: stopped paging; the list may be incomplete"));
    }

    /// The listing; `complete` only when paging was not cut short.
    pub(crate) fn finish(self, complete: bool) -> Listing {
        Listing {
            conversations: self.conversations,
            complete: complete && self.warning.is_none(),
            warning: self.warning,
        }
    }
}

/// What an account may spend by default: Chatvolt is reported to allow about 60 requests a
/// minute per key; raia and ChatDash document no limit, and 60 is polite.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 60;

/// Who the operator is, to recognise their own conversations and messages.
#[derive(Clone, Debug, Default)]
pub struct Operator {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Operator {
    /// The operator's email, which is who they are to the platforms (Chatvolt's assignee,
    /// ChatDash's live agent); `None` when unset or blank: nobody can tell them apart.
    pub fn identity(&self) -> Option<&str> {
        self.email.as_deref().map(str::trim).filter(|e| !e.is_empty())
    }

    /// Whether a name, email or id the platform reports is this operator.
    pub fn is(&self, who: &str) -> bool {
        let who = who.trim();
        !who.is_empty()
            && (self.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(who))
                || self.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(who)))
    }

    /// The holder for a human-held conversation whose holder the platform names (or not).
    pub fn holder(&self, names: &[&str]) -> Holder {
        if names.iter().any(|n| self.is(n)) {
            Holder::Me
        } else {
            names
                .iter()
                .map(|n| n.trim())
                .find(|n| !n.is_empty())
                .map_or(Holder::Unknown, |n| Holder::Other(n.to_string()))
        }
    }
}

/// Everything an adapter needs, resolved from config (the key already read).
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub name: String,
    pub kind: PlatformKind,
    pub base_url: String,
    pub key: ApiKey,
    pub operator: Operator,
    pub timeout: Duration,
    /// raia: conversation-state names that mean "needs a human" / "resolved".
    pub needs_human_states: Vec<String>,
    pub resolved_states: Vec<String>,
    /// raia: the state a conversation is moved to when a human picks it up (clears the
    /// needs-human state); default "New" when the account has it.
    pub open_state: Option<String>,
    /// raia: the operator's platform-user id, sent as `authorId`.
    pub author_id: Option<String>,
    /// ChatDash: the agents to list; empty = ask `GET /agents`.
    pub agents: Vec<String>,
    /// ChatDash: the experimental takeover and reply (platforms.md §7.1).
    pub experimental_live_agent: bool,
    /// ChatDash: send `Bearer <key>` instead of the raw key.
    pub bearer: bool,
    /// ChatDash: how far back the conversation window reaches.
    pub lookback: Duration,
    /// The most requests a minute to this account, from everything this program does.
    pub requests_per_minute: u32,
    /// The budget's minute: sixty seconds, shorter only where a test compresses time.
    pub minute: Duration,
}

impl AccountSettings {
    /// Settings with the platform defaults, for tests and the demo.
    pub fn new(name: &str, kind: PlatformKind, base_url: &str, key: ApiKey) -> Self {
        AccountSettings {
            name: name.to_string(),
            kind,
            base_url: base_url.to_string(),
            key,
            operator: Operator::default(),
            timeout: Duration::from_secs(10),
            needs_human_states: vec!["Needs human".into()],
            resolved_states: vec!["Resolved".into()],
            open_state: None,
            author_id: None,
            agents: vec![],
            experimental_live_agent: false,
            bearer: false,
            lookback: Duration::from_secs(7 * 24 * 3600),
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            minute: Duration::from_secs(60),
        }
    }

    /// The account's request budget, shared by all it does.
    pub fn budget(&self) -> Arc<Budget> {
        Arc::new(Budget::new(self.requests_per_minute, self.minute))
    }

    /// The documented production base URL of each platform.
    pub fn default_base_url(kind: PlatformKind) -> &'static str {
        match kind {
            PlatformKind::Raia => "https://api.raia2.com",
            PlatformKind::Chatvolt => "https://api.chatvolt.ai",
            PlatformKind::Chatdash => "https://api.chat-dash.com/v1/public",
        }
    }
}

/// Builds the adapter for an account over a shared client.
pub fn connect(settings: AccountSettings, client: reqwest::Client) -> Arc<dyn Platform> {
    match settings.kind {
        PlatformKind::Raia => Arc::new(raia::Raia::new(settings, client)),
        PlatformKind::Chatvolt => Arc::new(chatvolt::Chatvolt::new(settings, client)),
        PlatformKind::Chatdash => Arc::new(chatdash::Chatdash::new(settings, client)),
    }
}

/// Joins a first and last name the way people write them, skipping empty parts.
pub(crate) fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(crate::domain::sanitize_line)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// A sanitised single-line field, or `None` when absent or blank.
pub(crate) fn field(raw: Option<&str>) -> Option<String> {
    raw.map(crate::domain::sanitize_line).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationKey, Status};

    fn conversation(id: &str) -> Conversation {
        Conversation {
            key: ConversationKey::new("acct", id),
            platform: PlatformKind::Raia,
            customer_name: id.into(),
            customer_contact: None,
            channel: None,
            status: Status::Ai,
            assignee: None,
            unread: None,
            preview: None,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            waiting_since: None,
            no_reply: None,
            details: None,
        }
    }

    fn ids(listing: &Listing) -> Vec<&str> {
        listing.conversations.iter().map(|c| c.key.id.as_str()).collect()
    }

    #[test]
    fn pages_keep_each_conversation_once_and_complete_when_not_cut_short() {
        let mut pages = Pages::default();
        assert!(pages.add(["a", "b"].map(conversation)));
        // An overlap (a conversation that moved between pages) is not a repeat.
        assert!(pages.add(["b", "c"].map(conversation)));
        assert!(!pages.repeats(2, "cursor-1"));
        let listing = pages.finish(true);
        assert_eq!(ids(&listing), ["a", "b", "c"]);
        assert!(listing.complete);
        assert_eq!(listing.warning, None);
    }

    #[test]
    fn a_repeated_page_or_cursor_cuts_the_listing_short_and_says_so() {
        let mut pages = Pages::default();
        assert!(pages.add(["a"].map(conversation)));
        assert!(!pages.add(["a"].map(conversation)));
        pages.nothing_new(2);
        let listing = pages.finish(true);
        assert!(!listing.complete, "nothing may be dropped as gone");
        assert_eq!(
            listing.warning.as_deref(),
            Some("the server repeated page 2 (nothing on it was new): stopped paging; the list may be incomplete")
        );

        let mut pages = Pages::default();
        // The cursor holds the server's ids: cleaned in the warning.
        let cursor = "{\"lastId\":\"c1\u{1b}]0;x\u{7}\"}";
        assert!(!pages.repeats(2, cursor));
        assert!(pages.repeats(3, cursor));
        let warning = pages.finish(true).warning.unwrap();
        assert!(
            warning.starts_with(r#"the server repeated page 3 (cursor {"lastId":"c1"}): stopped paging"#),
            "{warning}"
        );
    }
}
