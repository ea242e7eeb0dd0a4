//! ChatDash's public API (platforms.md §1, §7.1–7.3): the agency key in `Authorization`,
//! conversations listed per agent inside a `createdAt` window, messages without ids, and no
//! documented takeover — only an experimental one behind `experimental_live_agent`.

use super::budget::Budget;
use super::http::{Auth, Http, segment};
use super::json::Each;
use super::{
    AccountSettings, HistoryPage, Listing, Operator, Pages, Platform, PlatformError, QueueRead, Result, field,
    unavailable,
};
use crate::domain::{
    Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Holder, Message, PlatformKind, Status,
    sanitize, sanitize_line,
};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Why takeover and hand-back are off without the flag (platforms.md §7.1).
const NO_TAKEOVER: &str =
    "ChatDash's public API has no takeover; enable experimental_live_agent or use the ChatDash dashboard";
/// Why replies are off without the flag: they ride on the same experiment.
const NO_REPLY: &str =
    "ChatDash's public API cannot reply to the customer; enable experimental_live_agent or use the ChatDash dashboard";
const NO_ASSIGN: &str = "ChatDash's API has no assignment";

/// The window each poll reads: what was created lately.
const RECENT: Duration = Duration::from_secs(24 * 3600);

/// The window `check` asks for when agents are configured: small, so the answer is cheap.
const CHECK_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Escaped in the agent part of a conversation id, so the first `:` always ends the agent.
const AGENT_PART: &AsciiSet = &CONTROLS.add(b'%').add(b':');

pub struct Chatdash {
    http: Http,
    settings: AccountSettings,
    /// Agent ids from `GET /agents`, once per run (again after a failure or an empty answer).
    agents: Mutex<Option<Arc<Vec<String>>>>,
}

impl Chatdash {
    pub fn new(settings: AccountSettings, client: reqwest::Client) -> Self {
        let prefix = if settings.bearer { "Bearer " } else { "" };
        let auth = Auth {
            header: AUTHORIZATION,
            prefix,
            key: settings.key.clone(),
        };
        let http = Http::new(
            client,
            &settings.base_url,
            auth,
            "chatdash",
            settings.timeout,
            settings.budget(),
        );
        Chatdash {
            http,
            settings,
            agents: Mutex::new(None),
        }
    }

    /// The agents to list: from config, else from `GET /agents` (cached).
    async fn agents(&self) -> Result<Arc<Vec<String>>> {
        if !self.settings.agents.is_empty() {
            return Ok(Arc::new(usable_agents(self.settings.agents.iter().cloned())));
        }
        let mut cached = self.agents.lock().await;
        if let Some(agents) = cached.as_ref() {
            return Ok(agents.clone());
        }
        let agents = Arc::new(self.fetch_agents().await?);
        // An empty agency is asked again next time, so a newly created agent shows up.
        if !agents.is_empty() {
            *cached = Some(agents.clone());
        }
        Ok(agents)
    }

    async fn fetch_agents(&self) -> Result<Vec<String>> {
        // Decoded into ids only: the answer also carries each agent's platform API keys,
        // which must never be kept, shown or logged.
        let wire: Each<WireAgent> = self.http.get("/agents", &[]).await?;
        Ok(agent_ids(wire, &self.settings.name))
    }

    async fn fetch(&self, agent: &str, conversation: &str) -> Result<Conversation> {
        let wire = self.http.get(&path(agent, conversation, ""), &[]).await?;
        map_conversation(wire, &self.settings.name, agent, &self.settings.operator)
            .ok_or_else(|| PlatformError::Malformed(format!("the conversation has neither {NO_TIMES}")))
    }

    /// One agent's answer as conversations; an odd one is skipped (and logged), not the answer.
    fn conversations(&self, answer: Each<WireConversation>, agent: &str) -> Vec<Conversation> {
        let account = &self.settings.name;
        answer
            .items(account, "conversation")
            .into_iter()
            .filter_map(|wire| map_conversation(wire, account, agent, &self.settings.operator))
            .collect()
    }

    /// A `PUT` on the conversation, then the conversation as it now is: the PUT answers only
    /// `{message}`.
    async fn update(&self, id: &str, body: serde_json::Value) -> Result<Conversation> {
        let (agent, conversation) = split_id(id)?;
        self.http
            .send_unit(Method::PUT, &path(&agent, conversation, ""), &body)
            .await?;
        // Taken (a 2xx, whatever its body): a read-back that fails does not undo it.
        self.fetch(&agent, conversation)
            .await
            .map_err(|e| e.after_write("reading the conversation back"))
    }

    /// One agent's conversations created within `lookback`.
    async fn list_agent(&self, agent: &str, lookback: Duration) -> Result<Listing> {
        let query = window(Utc::now(), lookback);
        let answer = self.http.get(&conversations_path(agent), &query).await?;
        let mut pages = Pages::default();
        let mut repeated = 0;
        // ChatDash does not page, but an answer can still list one conversation twice.
        for conversation in self.conversations(answer, agent) {
            repeated += usize::from(!pages.add([conversation]));
        }
        let mut listing = pages.finish(true);
        if repeated > 0 {
            listing.warning = Some(format!(
                "the server listed {repeated} conversation(s) more than once: each is shown once"
            ));
        }
        Ok(listing)
    }

    fn live_agent(&self, reason: &str) -> Result<()> {
        if self.settings.experimental_live_agent {
            Ok(())
        } else {
            Err(unavailable(Some(reason)))
        }
    }
}

#[async_trait]
impl Platform for Chatdash {
    fn account(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> PlatformKind {
        PlatformKind::Chatdash
    }

    fn capabilities(&self) -> Capabilities {
        let live = |reason: &str| {
            if self.settings.experimental_live_agent {
                Availability::Yes
            } else {
                Availability::No(reason.into())
            }
        };
        Capabilities {
            take_over: live(NO_TAKEOVER),
            hand_back: live(NO_TAKEOVER),
            send: live(NO_REPLY),
            resolve: Availability::Yes,
            reopen: Availability::Yes,
            assign: Availability::No(NO_ASSIGN.into()),
            set_priority: Availability::No("ChatDash's public API has no priority".into()),
            mark_read: Availability::Yes,
            unread_counts: true,
            needs_human_signal: true,
        }
    }

    async fn check(&self) -> Result<()> {
        match usable_agents(self.settings.agents.iter().cloned()).first() {
            Some(agent) => {
                let query = window(Utc::now(), CHECK_WINDOW);
                let _: Vec<IgnoredAny> = self.http.get(&conversations_path(agent), &query).await?;
            }
            None => {
                // A real request every time (the cache would skip it), which also fills the cache.
                let agents = Arc::new(self.fetch_agents().await?);
                if !agents.is_empty() {
                    *self.agents.lock().await = Some(agents);
                }
            }
        }
        Ok(())
    }

    /// Every agent's conversations created within `lookback`. The window is on `createdAt`, so
    /// `since` cannot narrow it: the answer is always complete (within the window).
    async fn list_conversations(&self, _since: Option<DateTime<Utc>>) -> Result<Listing> {
        let agents = self.agents().await?;
        let mut pages = Pages::default();
        let mut warning = None;
        // One agent at a time: one request in flight per account (platforms.md §7.10). A failed
        // agent fails the listing, since a complete listing with an agent missing would read as
        // all its conversations gone.
        for agent in agents.iter() {
            let listing = self.list_agent(agent, self.settings.lookback).await?;
            warning = warning.or(listing.warning);
            pages.add(listing.conversations);
        }
        let mut listing = pages.finish(true);
        listing.warning = warning;
        Ok(listing)
    }

    /// ChatDash filters by creation time only: each poll reads one agent's recent window
    /// (what was created lately), agents in turn; each agent's whole lookback takes turns less
    /// often, for older conversations that change (§7.3). What was created before the lookback
    /// is never seen.
    async fn queue(&self) -> Result<Vec<QueueRead>> {
        let agents = self.agents().await?;
        let recent = agents
            .iter()
            .map(|agent| QueueRead::new(format!("agent {agent}, recent"), "agent", true).with("agent", agent.clone()));
        let whole = agents.iter().map(|agent| {
            QueueRead::new(format!("agent {agent}, whole lookback"), "agent", false)
                .with("agent", agent.clone())
                .with("whole", "1")
        });
        Ok(recent.chain(whole).collect())
    }

    async fn read_queue(&self, read: &QueueRead, _since: Option<DateTime<Utc>>) -> Result<Listing> {
        let agent = read.param("agent").unwrap_or_default();
        let whole = read.param("whole").is_some();
        let lookback = if whole {
            self.settings.lookback
        } else {
            self.settings.lookback.min(RECENT)
        };
        let mut listing = self.list_agent(agent, lookback).await?;
        // The whole lookback is the agent's whole set: one missing from it has changed.
        listing.complete = whole;
        Ok(listing)
    }

    /// One agent's whole lookback per page; the cursor is the next agent's place in the list.
    async fn history(&self, cursor: Option<&str>) -> Result<HistoryPage> {
        let agents = self.agents().await?;
        let index: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let Some(agent) = agents.get(index) else {
            return Ok(HistoryPage::default());
        };
        let listing = self.list_agent(agent, self.settings.lookback).await?;
        Ok(HistoryPage {
            conversations: listing.conversations,
            next: (index + 1 < agents.len()).then(|| (index + 1).to_string()),
            warning: listing.warning,
        })
    }

    fn budget(&self) -> Option<&Budget> {
        Some(self.http.budget())
    }

    async fn get_conversation(&self, id: &str) -> Result<Conversation> {
        let (agent, conversation) = split_id(id)?;
        self.fetch(&agent, conversation).await
    }

    async fn list_messages(&self, id: &str) -> Result<Vec<Message>> {
        let (agent, conversation) = split_id(id)?;
        let wire: Each<WireMessage> = self.http.get(&path(&agent, conversation, "/messages"), &[]).await?;
        Ok(map_messages(id, wire.indexed(&self.settings.name, "message")))
    }

    /// Experimental (platforms.md §7.1): the documented PUT body has no `status`.
    async fn take_over(&self, id: &str) -> Result<Conversation> {
        self.live_agent(NO_TAKEOVER)?;
        let me = &self.settings.operator;
        let mut body = json!({"status": "human"});
        // Blank ones are omitted like missing ones, so they cannot erase a name on the server.
        if let Some(name) = me.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            body["liveAgentName"] = json!(name);
        }
        if let Some(email) = me.identity() {
            body["liveAgentId"] = json!(email);
        }
        self.update(id, body).await
    }

    async fn hand_back(&self, id: &str) -> Result<Conversation> {
        self.live_agent(NO_TAKEOVER)?;
        self.update(id, json!({"status": "ai"})).await
    }

    /// Experimental (platforms.md §7.1): pushes an `agent` message; whether the widget user sees
    /// it is unconfirmed. The POST answers only `{message}`, so the message is built here.
    async fn send(&self, id: &str, text: &str) -> Result<Message> {
        self.live_agent(NO_REPLY)?;
        let (agent, conversation) = split_id(id)?;
        let body = json!({"messages": [{"sender": "agent", "type": "text", "content": {"text": text}}]});
        self.http
            .send_unit(Method::POST, &path(&agent, conversation, "/messages"), &body)
            .await?;
        Ok(sent_message(
            id,
            text,
            field(self.settings.operator.name.as_deref()),
            Utc::now(),
        ))
    }

    /// `endedAt` set and `isLive` false is what reads back as resolved (platforms.md §4.3).
    async fn resolve(&self, id: &str) -> Result<Conversation> {
        self.update(id, json!({"endedAt": iso(Utc::now()), "isLive": false}))
            .await
    }

    /// Resolved is `endedAt` set and `isLive` false (§4.3). The documented PUT fields cannot
    /// clear `endedAt` (a date, not nullable), but `isLive` is one of them: live again, an
    /// ended conversation reads back as open. A guess about its meaning, kept in this one place.
    async fn reopen(&self, id: &str) -> Result<Conversation> {
        self.update(id, json!({"isLive": true})).await
    }

    async fn mark_read(&self, id: &str) -> Result<()> {
        let (agent, conversation) = split_id(id)?;
        self.http
            .send_unit(Method::PUT, &path(&agent, conversation, ""), &json!({"read": true}))
            .await
    }
}

// ---- conversation ids ----
//
// Every ChatDash path needs the agent as well as the conversation, but the common model keys a
// conversation by one id. So the id is `"{agentId}:{_id}"` (the agent part percent-escapes `%`,
// `:` and control characters, which real ObjectIds never contain, so it reads as the raw ids),
// and every call splits it back. The first `:` separates the two.

pub(crate) fn conversation_id(agent: &str, conversation: &str) -> String {
    format!("{}:{conversation}", utf8_percent_encode(agent, AGENT_PART))
}

/// The agent and conversation in an id made by [`conversation_id`]; anything else is not a
/// ChatDash conversation of ours.
pub(crate) fn split_id(id: &str) -> Result<(String, &str)> {
    let not_found = || PlatformError::NotFound {
        what: format!(
            "ChatDash conversation `{}` (ids look like agentId:conversationId)",
            sanitize_line(id)
        ),
    };
    let (agent, conversation) = id.split_once(':').ok_or_else(not_found)?;
    let agent = percent_decode_str(agent).decode_utf8().map_err(|_| not_found())?;
    if agent.is_empty() || conversation.is_empty() {
        return Err(not_found());
    }
    Ok((agent.into_owned(), conversation))
}

fn conversations_path(agent: &str) -> String {
    format!("/agents/{}/conversations", segment(agent))
}

fn path(agent: &str, conversation: &str, rest: &str) -> String {
    format!("{}/{}{rest}", conversations_path(agent), segment(conversation))
}

/// Agent ids without blanks and repeats, in their first order.
fn usable_agents(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        if !id.is_empty() && !out.iter().any(|seen| seen == id) {
            out.push(id.to_string());
        }
    }
    out
}

/// `_id`, or `id` where the server names it so. An agent with neither cannot be listed, so it
/// is skipped (and logged); nothing of it was ever shown, so nothing is lost.
pub(crate) fn agent_ids(wire: Each<WireAgent>, account: &str) -> Vec<String> {
    let ids = wire.indexed(account, "agent").into_iter().filter_map(|(index, a)| {
        let id = a.mongo_id.or(a.id);
        if id.is_none() {
            tracing::warn!(account, item = index, "skipped an agent without `_id` or `id`");
        }
        id
    });
    usable_agents(ids)
}

/// ChatDash's date format, `YYYY-MM-DDTHH:mm:ss.sssZ`.
fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `startDate`/`endDate` reaching `lookback` back from `now`.
pub(crate) fn window(now: DateTime<Utc>, lookback: Duration) -> Vec<(&'static str, String)> {
    vec![("startDate", iso(window_start(now, lookback))), ("endDate", iso(now))]
}

/// The oldest `createdAt` the window reaches (never before 1970, so an absurd lookback cannot
/// produce a date the server rejects). `doctor` shows it: older conversations are never seen.
pub fn window_start(now: DateTime<Utc>, lookback: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(lookback)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::UNIX_EPOCH)
        .max(DateTime::UNIX_EPOCH)
}

// ---- wire types: ChatDash's JSON, tolerant of missing optional and unknown extra fields ----

#[derive(Deserialize, Debug)]
pub(crate) struct WireAgent {
    #[serde(rename = "_id", default, deserialize_with = "super::http::optional_id")]
    pub mongo_id: Option<String>,
    #[serde(default, deserialize_with = "super::http::optional_id")]
    pub id: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireConversation {
    #[serde(rename = "_id", deserialize_with = "super::http::id")]
    pub id: String,
    // Shown or defaulted only: a value of another type is absent, not a reason to skip.
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub instagram_username: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub channel: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub live_agent_name: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub live_agent_id: Option<String>,
    /// Only whether it is set matters, so any JSON value is accepted.
    pub ended_at: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub is_live: Option<bool>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub read: Option<bool>,
    pub created_at: Option<WireTime>,
    pub updated_at: Option<WireTime>,
    // Shown only (the details panel): a value of another type is absent.
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub device: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub os: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub browser: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub country_code: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub topic: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub subtopic: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub evaluation: Option<WireEvaluation>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub mistunderstood_queries: Option<Vec<serde_json::Value>>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

/// The AI's evaluation of the conversation.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireEvaluation {
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub is_success: Option<bool>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub reason: Option<String>,
}

/// The schema requires nothing: a message without `sender` or `createdAt` is still shown.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMessage {
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub sender: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "super::json::or_none")]
    pub kind: Option<String>,
    pub content: Option<WireContent>,
    pub created_at: Option<WireTime>,
}

/// `{text}` as documented; a bare string is taken as the text, anything else as none.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub(crate) enum WireContent {
    Object { text: Option<String> },
    Text(String),
    Other(IgnoredAny),
}

impl WireContent {
    fn text(self) -> Option<String> {
        match self {
            WireContent::Object { text } => text,
            WireContent::Text(text) => Some(text),
            WireContent::Other(_) => None,
        }
    }
}

/// A date as sent: readable, or something else, which counts as missing (and is logged).
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub(crate) enum WireTime {
    At(DateTime<Utc>),
    Unreadable(IgnoredAny),
}

impl WireTime {
    fn at(field: Option<&WireTime>) -> Option<DateTime<Utc>> {
        match field? {
            WireTime::At(t) => Some(*t),
            WireTime::Unreadable(_) => None,
        }
    }
}

// ---- mapping (platforms.md §4.2–4.4) ----

/// The fields a conversation needs one of, for the messages that say so.
const NO_TIMES: &str = "`createdAt` nor `updatedAt`";

/// `agent` is the agent the conversation was fetched under, which every later call needs.
/// `None` (and logged) for a conversation without a date: it cannot be placed in the list.
pub(crate) fn map_conversation(
    wire: WireConversation,
    account: &str,
    agent: &str,
    me: &Operator,
) -> Option<Conversation> {
    let (created_at, updated_at) = times(&wire, account)?;
    let details = super::details::chatdash(&wire);
    let phone = field(wire.phone.as_deref());
    let instagram = field(wire.instagram_username.as_deref());
    let contact = phone.or(instagram);
    let customer_name = field(wire.name.as_deref())
        .or_else(|| contact.clone())
        .unwrap_or_else(|| "Visitor".into());
    let assignee = field(wire.live_agent_name.as_deref());
    let status = map_status(&wire, assignee.as_deref(), me);
    Some(Conversation {
        key: ConversationKey::new(account, conversation_id(agent, &wire.id)),
        platform: PlatformKind::Chatdash,
        customer_name,
        customer_contact: contact,
        channel: field(wire.channel.as_deref()),
        status,
        assignee,
        // `read` is a boolean only; missing means unread (the spec's default is false).
        unread: Some(if wire.read.unwrap_or(false) { 0 } else { 1 }),
        preview: None,
        created_at,
        updated_at,
        waiting_since: None,
        no_reply: None,
        details,
    })
}

/// Created and updated: each stands in for the other when it is missing; `None` without both.
fn times(wire: &WireConversation, account: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let id = wire.id.as_str();
    match (
        WireTime::at(wire.created_at.as_ref()),
        WireTime::at(wire.updated_at.as_ref()),
    ) {
        (Some(created), Some(updated)) => Some((created, updated)),
        (Some(created), None) => {
            tracing::info!(
                account,
                conversation = id,
                field = "updatedAt",
                "missing or unreadable: createdAt stands in"
            );
            Some((created, created))
        }
        (None, Some(updated)) => {
            tracing::info!(
                account,
                conversation = id,
                field = "createdAt",
                "missing or unreadable: updatedAt stands in"
            );
            Some((updated, updated))
        }
        (None, None) => {
            tracing::warn!(
                account,
                conversation = id,
                "skipped a conversation with neither {NO_TIMES} readable"
            );
            None
        }
    }
}

/// Who holds a human-handled conversation. "You" comes only from the live-agent id (a takeover
/// here sends the operator's email as `liveAgentId`): a display name alone is not an identity,
/// two operators may share one. A holder named but not identified is shown by name.
fn live_agent(id: Option<String>, name: Option<&str>, me: &Operator) -> Holder {
    let mine = |id: &str| me.identity().is_some_and(|email| email.eq_ignore_ascii_case(id.trim()));
    match (id, name) {
        (Some(id), _) if mine(&id) => Holder::Me,
        (_, Some(name)) => Holder::Other(name.to_string()),
        (Some(id), None) => Holder::Other(id),
        (None, None) => Holder::Unknown,
    }
}

/// Top to bottom (platforms.md §4.3). `isLive` means the session is still running, so an ended
/// but still-live conversation is not resolved.
fn map_status(wire: &WireConversation, live_agent_name: Option<&str>, me: &Operator) -> Status {
    let ended = match &wire.ended_at {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    };
    if ended && !wire.is_live.unwrap_or(false) {
        return Status::Resolved;
    }
    let status = wire.status.as_deref().map(str::trim).unwrap_or_default();
    if status.eq_ignore_ascii_case("human") {
        Status::Human {
            by: live_agent(field(wire.live_agent_id.as_deref()), live_agent_name, me),
        }
    } else if status.eq_ignore_ascii_case("pending") {
        Status::NeedsHuman
    } else {
        Status::Ai
    }
}

/// Messages oldest first, each with an id synthesised from its place in the server's list
/// (`wire` carries each one's place, so one skipped does not move the others' ids).
pub(crate) fn map_messages(conversation_id: &str, wire: Vec<(usize, WireMessage)>) -> Vec<Message> {
    let times = message_times(conversation_id, &wire);
    let mut messages: Vec<Message> = wire
        .into_iter()
        .zip(times)
        .map(|((position, m), at)| map_message(conversation_id, position, m, at))
        .collect();
    // Stable, so messages with the same time keep the server's order.
    messages.sort_by_key(|m| m.created_at);
    messages
}

/// Each message's time. One without a readable `createdAt` takes the time of the message before
/// it (the first ones, of the first after them), so it stays where the server put it; the same
/// answer gives the same times, hence the same ids. A thread with no time at all is at the epoch.
fn message_times(conversation_id: &str, wire: &[(usize, WireMessage)]) -> Vec<DateTime<Utc>> {
    let own: Vec<Option<DateTime<Utc>>> = wire
        .iter()
        .map(|(position, m)| {
            let at = WireTime::at(m.created_at.as_ref());
            if at.is_none() {
                tracing::info!(conversation = %sanitize_line(conversation_id), item = position, field = "createdAt",
                    "missing or unreadable: the time of its neighbour");
            }
            at
        })
        .collect();
    let first = own.iter().flatten().next().copied().unwrap_or(DateTime::UNIX_EPOCH);
    let mut last = first;
    own.into_iter()
        .map(|at| {
            last = at.unwrap_or(last);
            last
        })
        .collect()
}

pub(crate) fn map_message(
    conversation_id: &str,
    position: usize,
    wire: WireMessage,
    created_at: DateTime<Utc>,
) -> Message {
    if wire.sender.is_none() {
        tracing::info!(conversation = %sanitize_line(conversation_id), item = position, field = "sender",
            "missing: shown as a system line");
    }
    let sender = wire.sender.as_deref().unwrap_or_default();
    let author = match sender {
        "user" => Author::Customer,
        "bot" => Author::Ai,
        "agent" => Author::Operator {
            name: None,
            is_me: false,
        },
        _ => Author::System,
    };
    let text = wire.content.and_then(WireContent::text).filter(|t| !t.is_empty());
    let text = match (text, wire.kind.as_deref().map(str::trim)) {
        (Some(text), _) => sanitize(&text),
        // Only `text` is documented; say that something else was there rather than show nothing.
        (None, Some(kind)) if !kind.is_empty() && kind != "text" => {
            format!("[{}]", sanitize_line(kind))
        }
        (None, _) => String::new(),
    };
    Message {
        id: message_id(conversation_id, position, sender, created_at),
        author,
        author_name: None,
        text,
        created_at,
        attachments: vec![],
        delivery: Delivery::Sent,
    }
}

/// ChatDash messages have no ids (platforms.md §7.3): one from (conversation id, createdAt,
/// sender, position in the list). The same input gives the same id on every run and build.
pub(crate) fn message_id(conversation_id: &str, position: usize, sender: &str, created_at: DateTime<Utc>) -> String {
    let millis = created_at.timestamp_millis().to_string();
    let position_text = position.to_string();
    let hash = fingerprint(&[conversation_id, &millis, sender, &position_text]);
    format!("{position}-{hash:016x}")
}

/// The operator's own message as sent, built locally. Its id is in its own `sent-` namespace:
/// the server's copy gets a position-based id once the thread is fetched again.
pub(crate) fn sent_message(conversation_id: &str, text: &str, operator: Option<String>, now: DateTime<Utc>) -> Message {
    let millis = now.timestamp_millis().to_string();
    let hash = fingerprint(&[conversation_id, &millis, "agent", text]);
    Message {
        id: format!("sent-{hash:016x}"),
        author: Author::Operator {
            name: operator,
            is_me: true,
        },
        author_name: None,
        text: sanitize(text),
        created_at: now,
        attachments: vec![],
        delivery: Delivery::Sent,
    }
}

/// FNV-1a over the parts, each ended by 0xFF (a byte UTF-8 never contains, so parts cannot run
/// into each other). Hand-written because std's hasher may change between Rust releases.
fn fingerprint(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests;
