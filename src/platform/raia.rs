//! raia's external API (platforms.md §2, §7.4–7.6): `Agent-Secret-Key`, paged conversations,
//! mode switches, manual messages. Needs-human and resolved come from conversation states
//! mapped by name in config.

use super::budget::Budget;
use super::http::{Auth, Http, segment};
use super::json::Each;
use super::{
    AccountSettings, HistoryPage, Listing, Operator, Pages, Platform, PlatformError, QueueRead, Result, field,
    full_name,
};
use crate::domain::{
    Attachment, Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Message, PlatformKind,
    Status, sanitize,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use reqwest::header::HeaderName;
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::Mutex;

/// The page size asked for first (the largest the docs suggest)...
const PAGE_SIZE: u32 = 100;
/// ...and raia's documented default, used once a server refuses the larger one (§7.6).
const DEFAULT_PAGE_SIZE: u32 = 20;
/// A safety stop for paging: 1000 pages of 100 is far beyond any agent's inbox.
const MAX_PAGES: u32 = 1000;
/// One queue read follows at most this many pages of changes; more is history's to read.
const MAX_QUEUE_PAGES: u32 = 10;
/// How far back the first queue read looks for changes.
const FIRST_LOOK: chrono::TimeDelta = chrono::TimeDelta::days(1);
/// Incremental polls ask from a little before the last sync, to cover clock skew.
const SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(5);
/// Why a voice conversation offers no reply: raia's `send-manual-message` refuses it.
const VOICE_CALL: &str = "a voice call — raia takes no text reply here";

pub struct Raia {
    http: Http,
    settings: AccountSettings,
    states: Mutex<Option<Arc<States>>>,
    page_size: AtomicU32,
}

/// The account's conversation states, resolved from the configured names to ids.
#[derive(Debug, Default)]
pub(crate) struct States {
    needs_human: HashSet<String>,
    resolved: HashSet<String>,
    /// Where a resolve moves a conversation.
    resolve_to: Option<String>,
    /// Where a takeover moves a conversation out of a needs-human state.
    open: Option<String>,
    /// Each state's name by id, for the details panel (cleaned).
    pub(super) names: HashMap<String, String>,
}

impl States {
    pub(crate) fn from_wire(wire: &[WireState], settings: &AccountSettings) -> States {
        let named = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .filter_map(|n| wire.iter().find(|s| s.name.trim().eq_ignore_ascii_case(n.trim())))
                .map(|s| s.id.clone())
                .collect()
        };
        let needs_human: HashSet<String> = named(&settings.needs_human_states).into_iter().collect();
        let resolved_list = named(&settings.resolved_states);
        let open = match &settings.open_state {
            Some(name) => named(std::slice::from_ref(name)).into_iter().next(),
            None => named(&["New".to_string()]).into_iter().next(),
        };
        States {
            needs_human,
            resolve_to: resolved_list.first().cloned(),
            resolved: resolved_list.into_iter().collect(),
            open,
            names: wire
                .iter()
                .map(|s| (s.id.clone(), crate::domain::sanitize_line(&s.name)))
                .collect(),
        }
    }
}

impl Raia {
    pub fn new(settings: AccountSettings, client: reqwest::Client) -> Self {
        let auth = Auth {
            header: HeaderName::from_static("agent-secret-key"),
            prefix: "",
            key: settings.key.clone(),
        };
        let http = Http::new(
            client,
            &settings.base_url,
            auth,
            "raia",
            settings.timeout,
            settings.budget(),
        );
        Raia {
            http,
            settings,
            states: Mutex::new(None),
            page_size: AtomicU32::new(PAGE_SIZE),
        }
    }

    /// The states, fetched once per run (and again after a failure).
    async fn states(&self) -> Result<Arc<States>> {
        let mut cached = self.states.lock().await;
        if let Some(states) = cached.as_ref() {
            return Ok(states.clone());
        }
        let wire: WireStates = self.http.get("/external/conversations/states", &[]).await?;
        let states = Arc::new(States::from_wire(&wire.into_list(), &self.settings));
        if states.needs_human.len() < self.settings.needs_human_states.len() {
            tracing::warn!(account = %self.settings.name, "a configured needs_human_states name is not a state of this raia agent");
        }
        *cached = Some(states.clone());
        Ok(states)
    }

    async fn to_conversation(&self, wire: WireConversation) -> Result<Conversation> {
        let states = self.states().await?;
        Ok(map_conversation(
            wire,
            &self.settings.name,
            &states,
            &self.settings.operator,
        ))
    }

    /// The conversation a write answered 2xx with, or, when that answer is not a conversation
    /// (another shape, not JSON), the conversation read back: the platform took the write.
    async fn written(&self, id: &str, answer: Result<WireConversation>) -> Result<WireConversation> {
        match answer {
            Err(PlatformError::Malformed(why)) => {
                tracing::debug!(why, "a 2xx answer that is not the conversation: read back");
                self.http
                    .get(&Self::path(id, ""), &[])
                    .await
                    .map_err(|e| e.after_write("reading the conversation back"))
            }
            answer => answer,
        }
    }

    /// `PUT {conversationStateId}`: the conversation as it now is.
    async fn move_to_state(&self, id: &str, state: &str, states: &States) -> Result<Conversation> {
        let answer = self
            .http
            .send(Method::PUT, &Self::path(id, ""), &json!({"conversationStateId": state}))
            .await;
        let wire = self.written(id, answer).await?;
        Ok(map_conversation(
            wire,
            &self.settings.name,
            states,
            &self.settings.operator,
        ))
    }

    fn path(id: &str, rest: &str) -> String {
        format!("/external/conversations/{}{rest}", segment(id))
    }

    /// Conversations updated since `from`, newest change first, at most `max_pages` pages.
    async fn changed_since(&self, from: DateTime<Utc>, max_pages: u32) -> Result<Listing> {
        let states = self.states().await?;
        let mut pages = Pages::default();
        for page in 1..=max_pages {
            let wire = self.page(page, "updatedAt", "DESC", Some(from)).await?;
            let more = wire.has_next_page;
            let fresh = pages.add(self.map_page(wire.data, &states));
            if !more {
                return Ok(pages.finish(false));
            }
            // A next page that added nothing: `hasNextPage` would stay true forever.
            if !fresh {
                pages.nothing_new(page as usize);
                return Ok(pages.finish(false));
            }
        }
        // More changed than the queue reads at once: the rest comes with the history.
        Ok(pages.finish(false))
    }

    /// Every conversation, as the history walk reads them (for the command line).
    async fn walk_all(&self) -> Result<Listing> {
        let states = self.states().await?;
        let mut pages = Pages::default();
        for page in 1..=MAX_PAGES {
            let wire = self.page(page, "createdAt", "ASC", None).await?;
            let more = wire.has_next_page;
            let fresh = pages.add(self.map_page(wire.data, &states));
            if !more {
                return Ok(pages.finish(true));
            }
            if !fresh {
                pages.nothing_new(page as usize);
                return Ok(pages.finish(false));
            }
        }
        pages.stop(format!("{MAX_PAGES} pages"));
        Ok(pages.finish(false))
    }

    /// One page of the list. The largest page size is not documented: 100 is asked for, and
    /// when a server answers that with a 400, its documented default from then on.
    async fn page(&self, page: u32, order: &str, direction: &str, from: Option<DateTime<Utc>>) -> Result<WirePage> {
        loop {
            let size = self.page_size.load(Ordering::Relaxed);
            let mut query = vec![
                ("page", page.to_string()),
                ("pageSize", size.to_string()),
                ("orderBy", order.to_string()),
                ("orderDirection", direction.to_string()),
            ];
            if let Some(from) = from {
                query.push(("startDate", from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
            }
            match self.http.get("/external/conversations", &query).await {
                Err(PlatformError::NotAllowed { reason }) if size != DEFAULT_PAGE_SIZE => {
                    tracing::info!(account = %self.settings.name, %reason, "pageSize {size} refused; using raia's default, {DEFAULT_PAGE_SIZE}");
                    self.page_size.store(DEFAULT_PAGE_SIZE, Ordering::Relaxed);
                }
                answer => return answer,
            }
        }
    }

    fn map_page(&self, data: Each<WireConversation>, states: &States) -> Vec<Conversation> {
        data.items(&self.settings.name, "conversation")
            .into_iter()
            .map(|c| map_conversation(c, &self.settings.name, states, &self.settings.operator))
            .collect()
    }
}

#[async_trait]
impl Platform for Raia {
    fn account(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> PlatformKind {
        PlatformKind::Raia
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            take_over: Availability::Yes,
            hand_back: Availability::Yes,
            send: Availability::Yes,
            resolve: if self.settings.resolved_states.is_empty() {
                Availability::No("no resolved state configured for this raia account (resolved_states)".into())
            } else {
                Availability::Yes
            },
            // Reopening moves it to the open state (`open_state`, "New" by default).
            reopen: if self.settings.resolved_states.is_empty() {
                Availability::No("no resolved state configured for this raia account (resolved_states)".into())
            } else {
                Availability::Yes
            },
            assign: Availability::No("raia's API has no assignment".into()),
            set_priority: Availability::No("raia's API has no priority".into()),
            mark_read: Availability::No("raia keeps no read state; read marks are kept locally".into()),
            unread_counts: false,
            needs_human_signal: !self.settings.needs_human_states.is_empty(),
        }
    }

    async fn check(&self) -> Result<()> {
        let _: serde_json::Value = self.http.get("/external/agents/by-api-key", &[]).await?;
        self.states().await.map(drop)
    }

    async fn list_conversations(&self, since: Option<DateTime<Utc>>) -> Result<Listing> {
        match since {
            Some(since) => self.changed_since(since - SKEW, MAX_PAGES).await,
            None => self.walk_all().await,
        }
    }

    /// raia filters by update time, so the queue is one read: what changed since the last
    /// look (at the first, in the last day; what waits longer comes with the history).
    async fn queue(&self) -> Result<Vec<QueueRead>> {
        Ok(vec![QueueRead::new("changed conversations", "read", true)])
    }

    async fn read_queue(&self, _read: &QueueRead, since: Option<DateTime<Utc>>) -> Result<Listing> {
        let from = since.map_or_else(|| Utc::now() - FIRST_LOOK, |since| since - SKEW);
        self.changed_since(from, MAX_QUEUE_PAGES).await
    }

    /// The history oldest first by creation: an order no update can reshuffle mid-walk (by
    /// `updatedAt`, a conversation updated while the walk is under way jumps to a page already
    /// read and is skipped), and one a new conversation only extends at the end.
    async fn history(&self, cursor: Option<&str>) -> Result<HistoryPage> {
        let page: u32 = cursor.and_then(|c| c.parse().ok()).unwrap_or(1);
        let wire = self.page(page, "createdAt", "ASC", None).await?;
        let states = self.states().await?;
        let more = wire.has_next_page && page < MAX_PAGES;
        Ok(HistoryPage {
            conversations: self.map_page(wire.data, &states),
            next: more.then(|| (page + 1).to_string()),
            warning: None,
        })
    }

    fn budget(&self) -> Option<&Budget> {
        Some(self.http.budget())
    }

    async fn get_conversation(&self, id: &str) -> Result<Conversation> {
        let wire = self.http.get(&Self::path(id, ""), &[]).await?;
        self.to_conversation(wire).await
    }

    async fn list_messages(&self, id: &str) -> Result<Vec<Message>> {
        let query = [("orderDirection", "ASC".to_string())];
        let wire: WireMessages = self.http.get(&Self::path(id, "/messages"), &query).await?;
        Ok(wire
            .messages
            .items(&self.settings.name, "message")
            .into_iter()
            .map(map_message)
            .collect())
    }

    async fn take_over(&self, id: &str) -> Result<Conversation> {
        let answer = self
            .http
            .send(Method::PUT, &Self::path(id, "/mode"), &json!({"mode": "manual"}))
            .await;
        let wire = self.written(id, answer).await?;
        // Manual from here on: what fails after it is not a refusal of the takeover.
        let applied = |e: PlatformError| e.after_write("finishing the takeover");
        let states = self.states().await.map_err(applied)?;
        // A human picked it up: move it out of the needs-human state, or it would still ask
        // for one (a needs-human state outranks manual mode, platforms.md §4.3).
        let picked_up = match (&wire.conversation_state_id, &states.open) {
            (Some(state), Some(open)) if states.needs_human.contains(state) => {
                let answer = self
                    .http
                    .send(Method::PUT, &Self::path(id, ""), &json!({"conversationStateId": open}))
                    .await;
                Some(self.written(id, answer).await.map_err(applied)?)
            }
            _ => None,
        };
        Ok(map_conversation(
            picked_up.unwrap_or(wire),
            &self.settings.name,
            &states,
            &self.settings.operator,
        ))
    }

    async fn hand_back(&self, id: &str) -> Result<Conversation> {
        let answer = self
            .http
            .send(Method::PUT, &Self::path(id, "/mode"), &json!({"mode": "ai"}))
            .await;
        let wire = self.written(id, answer).await?;
        self.to_conversation(wire)
            .await
            .map_err(|e| e.after_write("reading the states"))
    }

    async fn send(&self, id: &str, text: &str) -> Result<Message> {
        let mut body = json!({"message": text});
        if let Some(author) = &self.settings.author_id {
            body["authorId"] = json!(author);
        }
        let wire: WireMessage = self
            .http
            .send(Method::POST, &Self::path(id, "/send-manual-message"), &body)
            .await?;
        let mut message = map_message(wire);
        if let Author::Operator { is_me, .. } = &mut message.author {
            *is_me = true;
        }
        Ok(message)
    }

    async fn resolve(&self, id: &str) -> Result<Conversation> {
        let states = self.states().await?;
        let Some(resolved) = states.resolve_to.clone() else {
            return Err(PlatformError::Unavailable(
                "none of this account's resolved_states exists on the raia agent".into(),
            ));
        };
        self.move_to_state(id, &resolved, &states).await
    }

    /// A conversation is resolved by its state (platforms.md §7.4), so it is reopened by moving
    /// it to the open one: `PUT {conversationStateId}`, the spec's only writable handle on it.
    async fn reopen(&self, id: &str) -> Result<Conversation> {
        let states = self.states().await?;
        let Some(open) = states.open.clone() else {
            return Err(PlatformError::Unavailable(format!(
                "the raia agent has no state named {:?} to reopen it in (open_state)",
                self.settings.open_state.as_deref().unwrap_or("New")
            )));
        };
        self.move_to_state(id, &open, &states).await
    }
}

// ---- wire types: raia's JSON, tolerant of missing optional and unknown extra fields ----

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePage {
    pub data: Each<WireConversation>,
    #[serde(default)]
    pub has_next_page: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireConversation {
    #[serde(deserialize_with = "super::http::id")]
    pub id: String,
    pub title: Option<String>,
    pub mode: Option<String>,
    pub conversation_state_id: Option<String>,
    /// Set on a voice call, where raia refuses a manual text message (platforms.md §7.6).
    pub ai_call_id: Option<String>,
    pub user: Option<WireUser>,
    pub assigned_user: Option<WireUser>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    // Shown only (the details panel): a value of another type is absent.
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub score: Option<f64>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Only in the `...WithFeedbacks` answers.
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub feedbacks: Option<Vec<WireFeedback>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireFeedback {
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub vote_type: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub comment: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireUser {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub source: Option<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct WireMessages {
    pub messages: Each<WireMessage>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMessage {
    #[serde(deserialize_with = "super::http::id")]
    pub id: String,
    pub message: Option<String>,
    pub raw_message: Option<String>,
    pub sender_role: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub files: Vec<WireFile>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireFile {
    pub id: Option<String>,
    pub file_name: Option<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct WireState {
    pub id: String,
    pub name: String,
}

/// The states answer: the spec's schema is one state object
/// (`ExternalApiGetConversationStateResponseDTO`), while the endpoint "fetches all available
/// conversation states" — an array in practice (platforms.md §2.3). Either is understood.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub(crate) enum WireStates {
    Many(Vec<WireState>),
    One(WireState),
}

impl WireStates {
    pub(crate) fn into_list(self) -> Vec<WireState> {
        match self {
            WireStates::Many(list) => list,
            WireStates::One(state) => vec![state],
        }
    }
}

/// An optional list that may come as `null` (raia sends `files: null`): empty.
fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

pub(crate) fn map_conversation(wire: WireConversation, account: &str, states: &States, me: &Operator) -> Conversation {
    let details = super::details::raia(&wire, states);
    let user = wire.user.unwrap_or_default();
    let contact = field(user.email.as_deref()).or_else(|| field(user.phone_number.as_deref()));
    let customer_name = full_name(user.first_name.as_deref(), user.last_name.as_deref())
        .or_else(|| contact.clone())
        .or_else(|| field(wire.title.as_deref()))
        .unwrap_or_else(|| "Visitor".into());
    let assignee_email = wire.assigned_user.as_ref().and_then(|u| field(u.email.as_deref()));
    let assignee = wire
        .assigned_user
        .as_ref()
        .and_then(|u| full_name(u.first_name.as_deref(), u.last_name.as_deref()))
        .or_else(|| assignee_email.clone());
    let state = wire.conversation_state_id.as_deref().unwrap_or_default();
    let status = if states.resolved.contains(state) {
        Status::Resolved
    } else if states.needs_human.contains(state) {
        Status::NeedsHuman
    } else if wire.mode.as_deref() == Some("manual") {
        let names: Vec<&str> = assignee
            .iter()
            .chain(assignee_email.iter())
            .map(String::as_str)
            .collect();
        Status::Human { by: me.holder(&names) }
    } else {
        Status::Ai
    };
    Conversation {
        key: ConversationKey::new(account, wire.id),
        platform: PlatformKind::Raia,
        customer_name,
        customer_contact: contact,
        channel: field(user.source.as_deref()),
        status,
        assignee,
        unread: None,
        preview: None,
        created_at: wire.created_at,
        updated_at: wire.updated_at,
        waiting_since: None,
        // Only whether it is set matters; the id itself is never shown.
        no_reply: wire
            .ai_call_id
            .is_some_and(|id| !id.trim().is_empty())
            .then(|| VOICE_CALL.into()),
        details,
    }
}

pub(crate) fn map_message(wire: WireMessage) -> Message {
    let author = match wire.sender_role.as_str() {
        "conversation_user" => Author::Customer,
        "assistant" => Author::Ai,
        "manual_assistant" => Author::Operator {
            name: None,
            is_me: false,
        },
        _ => Author::System,
    };
    let text = wire
        .message
        .filter(|m| !m.is_empty())
        .or(wire.raw_message)
        .unwrap_or_default();
    Message {
        id: wire.id,
        author,
        author_name: None,
        text: sanitize(&text),
        created_at: wire.created_at,
        attachments: wire
            .files
            .into_iter()
            .map(|f| Attachment {
                name: field(f.file_name.as_deref()).unwrap_or_else(|| "file".into()),
                // Shown and copied like any text the server sends.
                reference: field(f.id.as_deref()),
            })
            .collect(),
        delivery: Delivery::Sent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Holder;
    use crate::platform::http::decode;

    const STATES: &str = r##"[
        {"id":"s-new","name":"New","description":null,"color":null,"isPersistent":false,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"},
        {"id":"s-need","name":"Needs human","description":null,"color":"#e5484d","isPersistent":true,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"},
        {"id":"s-done","name":"Resolved","description":null,"color":"#30a46c","isPersistent":true,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}
    ]"##;

    fn settings() -> AccountSettings {
        let mut s = AccountSettings::new("store", PlatformKind::Raia, "http://x", crate::domain::ApiKey::new("k"));
        s.operator = Operator {
            name: Some("Dana Reyes".into()),
            email: Some("dana@example.com".into()),
        };
        s
    }

    fn states() -> States {
        States::from_wire(&decode::<Vec<WireState>>(STATES.as_bytes()).unwrap(), &settings())
    }

    fn conversation(json: &str) -> Conversation {
        map_conversation(
            decode(json.as_bytes()).unwrap(),
            "store",
            &states(),
            &settings().operator,
        )
    }

    const FULL: &str = r#"{
        "id": "c1", "conversationUserId": "u1", "title": "Refund", "score": 4, "summary": "wants a refund",
        "aiConversationId": "conv_h435hi34h5i43i5sdfdfs", "metadata": {"customData": {}}, "aiCallId": null,
        "mode": "ai", "conversationStateId": "s-need",
        "user": {"id": "u1", "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "phoneNumber": "+1555", "source": "webchat", "isAnonymized": false},
        "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:05:00.000Z",
        "assignedUser": null, "isAnonymized": false, "feedbacks": [], "unknownExtra": [1, 2]
    }"#;

    #[test]
    fn maps_a_full_conversation() {
        let c = conversation(FULL);
        assert_eq!(c.key, ConversationKey::new("store", "c1"));
        assert_eq!(c.customer_name, "Ann Lee");
        assert_eq!(c.customer_contact.as_deref(), Some("ann@example.com"));
        assert_eq!(c.channel.as_deref(), Some("webchat"));
        assert_eq!(c.status, Status::NeedsHuman);
        assert_eq!(c.unread, None);
        assert_eq!(c.no_reply, None, "aiCallId: null is no voice call");
        let call = conversation(&FULL.replace(r#""aiCallId": null"#, r#""aiCallId": "call_1""#));
        assert_eq!(call.no_reply.as_deref(), Some(VOICE_CALL));
    }

    #[test]
    fn only_required_fields() {
        let c = conversation(
            r#"{"id":"c2","conversationUserId":"u","aiConversationId":"a","user":{"id":"u","firstName":"","lastName":"","isAnonymized":true},
            "createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z","isAnonymized":true}"#,
        );
        assert_eq!(c.customer_name, "Visitor");
        assert_eq!(c.status, Status::Ai);
        assert_eq!(c.channel, None);
        let err = decode::<WireConversation>(br#"{"id":"c3","updatedAt":"2026-11-20T10:00:00Z"}"#).unwrap_err();
        assert!(err.to_string().contains("createdAt"), "{err}");
    }

    #[test]
    fn status_rows_top_to_bottom() {
        let status = |mode: &str, state: &str, assigned: &str| {
            conversation(&format!(
                r#"{{"id":"c","mode":"{mode}","conversationStateId":"{state}","assignedUser":{assigned},
                "createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}}"#
            ))
            .status
        };
        let dana = r#"{"id":"p1","firstName":"Dana","lastName":"Reyes","email":"dana@example.com"}"#;
        let sam = r#"{"id":"p2","firstName":"Sam","lastName":"Ortiz","email":"sam@example.com"}"#;
        assert_eq!(status("manual", "s-done", "null"), Status::Resolved);
        assert_eq!(status("manual", "s-need", "null"), Status::NeedsHuman);
        assert_eq!(status("manual", "s-new", dana), Status::Human { by: Holder::Me });
        assert_eq!(
            status("manual", "s-new", sam),
            Status::Human {
                by: Holder::Other("Sam Ortiz".into())
            }
        );
        assert_eq!(status("manual", "", "null"), Status::Human { by: Holder::Unknown });
        assert_eq!(status("ai", "s-need", "null"), Status::NeedsHuman);
        assert_eq!(status("ai", "s-new", "null"), Status::Ai);
        assert_eq!(status("ai", "unknown-state", "null"), Status::Ai);
    }

    #[test]
    fn state_names_resolve_to_ids() {
        let s = states();
        assert!(s.needs_human.contains("s-need"));
        assert_eq!(s.resolve_to.as_deref(), Some("s-done"));
        assert_eq!(s.open.as_deref(), Some("s-new"));
    }

    #[test]
    fn message_roles_and_text() {
        let m = |role: &str, extra: &str| {
            map_message(
                decode(
                    format!(
                        r#"{{"id":"m","message":"hi","conversationId":"c","senderRole":"{role}","conversationMessageId":"q",
                        "source":"live_chat","createdAt":"2026-11-20T10:00:00Z","isAnonymized":false{extra}}}"#
                    )
                    .as_bytes(),
                )
                .unwrap(),
            )
        };
        assert_eq!(m("conversation_user", "").author, Author::Customer);
        assert_eq!(m("assistant", "").author, Author::Ai);
        assert_eq!(
            m("manual_assistant", "").author,
            Author::Operator {
                name: None,
                is_me: false
            }
        );
        assert_eq!(m("something_new", "").author, Author::System);
        let files = m(
            "conversation_user",
            r#","files":[{"id":"f1","fileName":"receipt.pdf","openAIFileId":"x"}]"#,
        );
        assert_eq!(
            files.attachments,
            vec![Attachment {
                name: "receipt.pdf".into(),
                reference: Some("f1".into())
            }]
        );
        let raw = map_message(
            decode(br#"{"id":"m","message":"","rawMessage":"\u001b[2Jraw \u202etext","senderRole":"assistant","createdAt":"2026-11-20T10:00:00Z"}"#)
                .unwrap(),
        );
        assert_eq!(raw.text, "raw text");
    }

    #[test]
    fn hostile_names_are_cleaned() {
        let c = conversation(
            r#"{"id":"c","user":{"firstName":"\u001b]8;;http://x\u001b\\Mallory\u001b]8;;\u001b\\","lastName":"\u009b2J","source":"web\u0007"},
            "createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}"#,
        );
        assert_eq!(c.customer_name, "Mallory");
        assert_eq!(c.channel.as_deref(), Some("web"));
    }
}
