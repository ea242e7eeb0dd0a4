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
            assign: Availability::No(NO_ASSIGN.into()),
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
mod tests {
    use super::super::http::decode;
    use super::*;
    use crate::domain::{ApiKey, Holder};
    use chrono::TimeZone;

    fn me() -> Operator {
        Operator {
            name: Some("Dana Ops".into()),
            email: Some("dana@example.com".into()),
        }
    }

    fn conv(json: &str) -> Conversation {
        let wire: WireConversation = decode(json.as_bytes()).unwrap();
        map_conversation(wire, "dash", "agent1", &me()).expect("a conversation with a date")
    }

    /// A messages answer as the adapter maps it, for conversation `id`.
    fn thread(id: &str, json: &[u8]) -> Vec<Message> {
        let wire: Each<WireMessage> = decode(json).unwrap();
        map_messages(id, wire.indexed("dash", "message"))
    }

    fn status_of(fields: &str) -> Status {
        let json = format!(
            r#"{{"_id":"c1","createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z"{fields}}}"#
        );
        conv(&json).status
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, minute, 0).unwrap()
    }

    fn adapter(experimental: bool) -> Chatdash {
        let mut settings = AccountSettings::new(
            "dash",
            PlatformKind::Chatdash,
            "http://127.0.0.1:9/chatdash/v1/public",
            ApiKey::new("CD.k"),
        );
        settings.experimental_live_agent = experimental;
        Chatdash::new(settings, reqwest::Client::new())
    }

    #[test]
    fn maps_a_full_conversation() {
        let c = conv(
            r#"{
              "_id": "665f1c2e9b1d4a0012ab34cd", "agentId": "agent1", "platformId": "vf-123",
              "leadId": "l1", "campaignId": "k1", "name": "Ann Lee", "read": true,
              "browser": "Firefox", "device": "desktop", "os": "Linux", "countryCode": "PT",
              "ipAddress": "192.0.2.1", "record": true, "interacted": true, "channel": "WhatsApp",
              "phone": "+351900000000", "phoneSecondary": "+351911111111",
              "instagramId": "ig1", "instagramUsername": "ann.lee", "cost": 0.12, "duration": 3.5,
              "url": "https://example.com/rec", "noAnswer": false, "status": "human",
              "liveAgentName": "Bob", "liveAgentId": "bob@example.com", "isLive": true,
              "note": "n", "topic": "t", "subtopic": "s", "summary": "sum",
              "evaluation": {"isSuccess": true, "reason": "ok"},
              "mistunderstoodQueries": [{"question": "q"}], "customAnalysis": {}, "metadata": {"k": 1},
              "createdAt": "2026-03-01T10:00:00.000Z", "updatedAt": "2026-03-01T10:05:00.000Z"
            }"#,
        );
        assert_eq!(c.key, ConversationKey::new("dash", "agent1:665f1c2e9b1d4a0012ab34cd"));
        assert_eq!(c.platform, PlatformKind::Chatdash);
        assert_eq!(c.customer_name, "Ann Lee");
        assert_eq!(c.customer_contact.as_deref(), Some("+351900000000"));
        assert_eq!(c.channel.as_deref(), Some("WhatsApp"));
        assert_eq!(
            c.status,
            Status::Human {
                by: Holder::Other("Bob".into())
            }
        );
        assert_eq!(c.assignee.as_deref(), Some("Bob"));
        assert_eq!(c.unread, Some(0));
        assert_eq!(c.preview, None);
        assert_eq!(c.created_at, at(0));
        assert_eq!(c.updated_at, at(5));
    }

    #[test]
    fn required_fields_alone_default_sensibly() {
        let c = conv(r#"{"_id":"c1","createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00Z"}"#);
        assert_eq!(c.key.id, "agent1:c1");
        assert_eq!(c.customer_name, "Visitor");
        assert_eq!(c.customer_contact, None);
        assert_eq!(c.channel, None);
        assert_eq!(c.status, Status::Ai);
        assert_eq!(c.assignee, None);
        assert_eq!(c.unread, Some(1), "missing read is unread (spec default false)");
    }

    #[test]
    fn unknown_fields_are_ignored_and_nulls_are_absent() {
        let c = conv(
            r#"{"_id":"c1","brandNew":{"x":[1,2]},"name":null,"phone":null,"endedAt":null,"read":null,
                "instagramUsername":"  ann.ig ","status":"pending","__v":0,
                "createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z"}"#,
        );
        assert_eq!(c.customer_name, "ann.ig");
        assert_eq!(c.customer_contact.as_deref(), Some("ann.ig"));
        assert_eq!(c.status, Status::NeedsHuman);
        assert_eq!(c.unread, Some(1));
    }

    #[test]
    fn shown_fields_of_another_type_are_absent_not_the_conversation() {
        let c = conv(
            r#"{"_id":"c1","name":{"first":"Ann"},"phone":351900000000,"instagramUsername":"ann.ig",
                "channel":7,"status":["pending"],"read":"true","isLive":1,"liveAgentName":false,
                "createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z"}"#,
        );
        assert_eq!(c.customer_name, "ann.ig");
        assert_eq!(c.channel, None);
        assert_eq!(c.status, Status::Ai);
        assert_eq!(c.unread, Some(1));
    }

    #[test]
    fn customer_name_falls_back_through_phone_and_instagram() {
        let c = conv(
            r#"{"_id":"c1","name":"  ","phone":"+1555","instagramUsername":"ig",
                "createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z"}"#,
        );
        assert_eq!(c.customer_name, "+1555");
        assert_eq!(c.customer_contact.as_deref(), Some("+1555"));
    }

    #[test]
    fn status_rows_top_to_bottom() {
        let ended = r#","endedAt":"2026-03-01T10:04:00.000Z""#;
        assert_eq!(status_of(ended), Status::Resolved, "ended, isLive missing = false");
        assert_eq!(
            status_of(&format!(r#"{ended},"isLive":false,"status":"human""#)),
            Status::Resolved
        );
        assert_eq!(
            status_of(&format!(r#"{ended},"isLive":false,"status":"pending""#)),
            Status::Resolved
        );
        assert_eq!(
            status_of(&format!(r#"{ended},"isLive":true"#)),
            Status::Ai,
            "still live: not resolved"
        );
        assert_eq!(
            status_of(&format!(r#"{ended},"isLive":true,"status":"pending""#)),
            Status::NeedsHuman
        );
        assert_eq!(status_of(r#","isLive":false"#), Status::Ai, "not ended: not resolved");
        assert_eq!(status_of(r#","endedAt":"""#), Status::Ai, "an empty endedAt is not set");
        assert_eq!(status_of(r#","status":"human""#), Status::Human { by: Holder::Unknown });
        assert_eq!(status_of(r#","status":"pending""#), Status::NeedsHuman);
        assert_eq!(status_of(r#","status":"ai""#), Status::Ai);
        assert_eq!(status_of(r#","status":"something-new""#), Status::Ai);
    }

    #[test]
    fn holder_is_me_other_or_unknown() {
        let human = |extra: &str| status_of(&format!(r#","status":"human"{extra}"#));
        // The operator's display name alone is not them: another may share it.
        assert_eq!(
            human(r#","liveAgentName":"dana ops""#),
            Status::Human {
                by: Holder::Other("dana ops".into())
            }
        );
        assert_eq!(
            human(r#","liveAgentId":"DANA@example.com""#),
            Status::Human { by: Holder::Me }
        );
        assert_eq!(
            human(r#","liveAgentName":"Bob","liveAgentId":"dana@example.com""#),
            Status::Human { by: Holder::Me }
        );
        assert_eq!(
            human(r#","liveAgentName":"Bob""#),
            Status::Human {
                by: Holder::Other("Bob".into())
            }
        );
        assert_eq!(
            human(r#","liveAgentId":"u-77""#),
            Status::Human {
                by: Holder::Other("u-77".into())
            }
        );
        assert_eq!(human(r#","liveAgentName":" ""#), Status::Human { by: Holder::Unknown });
        assert_eq!(human(""), Status::Human { by: Holder::Unknown });
    }

    #[test]
    fn hostile_strings_are_removed() {
        let c = conv(
            r#"{"_id":"c1","name":"\u001b]52;c;ZWNobyBwd25lZA==\u0007Ann \u202eeL\u202c\u001b[2J",
                "channel":"\u001b]0;pwned\u0007Web\u001b[31mchat","status":"human",
                "liveAgentName":"\u001b]8;;https://evil.example\u001b\\Bob\u001b]8;;\u001b\\",
                "createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z"}"#,
        );
        assert_eq!(c.customer_name, "Ann eL");
        assert_eq!(c.channel.as_deref(), Some("Webchat"));
        assert_eq!(c.assignee.as_deref(), Some("Bob"));
        assert_eq!(
            c.status,
            Status::Human {
                by: Holder::Other("Bob".into())
            }
        );

        let messages = thread(
            "agent1:c1",
            br#"[{"sender":"user","type":"text","createdAt":"2026-03-01T10:00:00.000Z",
                  "content":{"text":"hi\u001b]52;c;cm0gLXJmIH4=\u0007 there\n\u2067evil\u2069\u001b[1A"}}]"#,
        );
        assert_eq!(messages[0].text, "hi there\nevil");
    }

    #[test]
    fn one_date_stands_in_for_the_other_and_without_both_there_is_no_conversation() {
        let c = conv(r#"{"_id":"c1","updatedAt":"2026-03-01T10:05:00.000Z","createdAt":null}"#);
        assert_eq!((c.created_at, c.updated_at), (at(5), at(5)));
        let c = conv(r#"{"_id":"c1","createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"soon"}"#);
        assert_eq!(
            (c.created_at, c.updated_at),
            (at(0), at(0)),
            "an unreadable date is a missing one"
        );
        for dateless in [
            r#"{"_id":"c1"}"#,
            r#"{"_id":"c1","createdAt":7,"updatedAt":{"$date":1}}"#,
        ] {
            let wire: WireConversation = decode(dateless.as_bytes()).unwrap();
            assert!(map_conversation(wire, "dash", "agent1", &me()).is_none(), "{dateless}");
        }
    }

    #[test]
    fn a_list_sets_aside_only_the_conversations_it_cannot_address() {
        let list = br#"[{"_id":"c1","createdAt":"2026-03-01T10:00:00.000Z"},{"name":"no id"},
                        {"_id":"\u001b]0;x\u0007c3","createdAt":"2026-03-01T10:00:00.000Z"},[],
                        {"_id":"c5","updatedAt":"2026-03-01T10:05:00.000Z"}]"#;
        let each: Each<WireConversation> = decode(list).unwrap();
        let skipped: Vec<String> = each.skipped().iter().map(ToString::to_string).collect();
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        assert!(
            skipped[0].contains("item [1]") && skipped[0].contains("`_id`"),
            "{skipped:?}"
        );
        assert!(
            skipped[1].contains("item [2], field `_id`: an id with terminal control"),
            "{skipped:?}"
        );
        let ids: Vec<String> = each.items("dash", "conversation").into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["c1", "c5"]);
    }

    #[test]
    fn messages_without_sender_or_time_are_degraded_in_place() {
        let json = br#"[
          {"type":"text","content":{"text":"a"},"createdAt":"2026-03-01T10:01:00.000Z"},
          {"sender":"user","content":"bare text","createdAt":"2026-03-01T10:02:00.000Z"},
          {"sender":"bot","content":{"text":"b"}},
          {"sender":"bot","content":{"text":"c"},"createdAt":"not a date"},
          {"sender":7,"type":["text"],"content":{"text":"d"}},
          "not a message",
          {"sender":"user","content":[1],"createdAt":"2026-03-01T10:03:00.000Z"}
        ]"#;
        let messages = thread("agent1:c1", json);
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            ["a", "bare text", "b", "c", "d", ""],
            "the odd one set aside, the rest in order"
        );
        assert_eq!(messages[0].author, Author::System, "no sender: a system line");
        assert_eq!(messages[4].author, Author::System, "a sender of another type is none");
        assert_eq!(
            messages.iter().map(|m| m.created_at).collect::<Vec<_>>(),
            [at(1), at(2), at(2), at(2), at(2), at(3)],
            "without a time, the time of the message before"
        );
        assert!(
            messages[5].id.starts_with("6-"),
            "positions are the server's: {}",
            messages[5].id
        );

        let first_untimed = thread(
            "agent1:c1",
            br#"[{"sender":"user","content":{"text":"x"}},{"sender":"bot","createdAt":"2026-03-01T10:04:00.000Z"}]"#,
        );
        assert_eq!(
            first_untimed[0].created_at,
            at(4),
            "the first ones take the first time after them"
        );
        let untimed = thread("agent1:c1", br#"[{"sender":"user","content":{"text":"x"}}]"#);
        assert_eq!(untimed[0].created_at, DateTime::UNIX_EPOCH);
    }

    #[test]
    fn messages_map_authors_and_sort_oldest_first() {
        let messages = thread(
            "agent1:c1",
            br#"[
              {"sender":"bot","type":"text","content":{"text":"second"},"createdAt":"2026-03-01T10:02:00.000Z","metadata":{"model":"m","total":3}},
              {"sender":"user","type":"text","content":{"text":"first"},"createdAt":"2026-03-01T10:01:00.000Z"},
              {"sender":"agent","type":"text","content":{"text":"third"},"createdAt":"2026-03-01T10:03:00.000Z"},
              {"sender":"webhook","type":"text","content":{"text":"fourth"},"createdAt":"2026-03-01T10:03:00.000Z"},
              {"sender":"user","type":"image","createdAt":"2026-03-01T10:04:00.000Z"}
            ]"#,
        );
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["first", "second", "third", "fourth", "[image]"]);
        let authors: Vec<Author> = messages.iter().map(|m| m.author.clone()).collect();
        assert_eq!(
            authors,
            [
                Author::Customer,
                Author::Ai,
                Author::Operator {
                    name: None,
                    is_me: false
                },
                Author::System,
                Author::Customer
            ]
        );
        assert_eq!(messages[0].created_at, at(1));
        assert!(
            messages
                .iter()
                .all(|m| m.delivery == Delivery::Sent && m.attachments.is_empty())
        );
    }

    #[test]
    fn synthesised_ids_are_stable_and_distinct() {
        let json = br#"[
          {"sender":"user","type":"text","content":{"text":"ok"},"createdAt":"2026-03-01T10:01:00.000Z"},
          {"sender":"user","type":"text","content":{"text":"ok"},"createdAt":"2026-03-01T10:01:00.000Z"}
        ]"#;
        let first = thread("agent1:c1", json);
        let again = thread("agent1:c1", json);
        assert_ne!(first[0].id, first[1].id, "identical messages at different positions");
        assert_eq!(first[0].id, again[0].id);
        assert_eq!(first[1].id, again[1].id);
        // Pinned, so a change to the scheme (which would duplicate stored messages) is noticed.
        assert_eq!(first[0].id, "0-bf7c0016f4d378a8");
        assert!(first[0].id.starts_with("0-") && first[1].id.starts_with("1-"));
        let other = thread("agent1:c2", json);
        assert_ne!(first[0].id, other[0].id, "another conversation");
        assert_ne!(message_id("c", 0, "user", at(1)), message_id("c", 0, "bot", at(1)));
        assert_ne!(message_id("c", 0, "user", at(1)), message_id("c", 0, "user", at(2)));
        assert_eq!(fingerprint(&["ab", "c"]), fingerprint(&["ab", "c"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }

    #[test]
    fn sent_message_is_mine_and_sanitised() {
        let m = sent_message("agent1:c1", "hello\u{1b}[2J there", Some("Dana Ops".into()), at(9));
        assert_eq!(
            m.author,
            Author::Operator {
                name: Some("Dana Ops".into()),
                is_me: true
            }
        );
        assert_eq!(m.text, "hello there");
        assert_eq!(m.created_at, at(9));
        assert_eq!(m.delivery, Delivery::Sent);
        assert!(m.id.starts_with("sent-"));
        assert_eq!(m.id, sent_message("agent1:c1", "hello\u{1b}[2J there", None, at(9)).id);
    }

    #[test]
    fn conversation_ids_round_trip() {
        assert_eq!(conversation_id("a1", "c1"), "a1:c1");
        assert_eq!(split_id("a1:c1").unwrap(), ("a1".to_string(), "c1"));
        let odd = conversation_id("ag:ent%1", "c:2");
        assert_eq!(split_id(&odd).unwrap(), ("ag:ent%1".to_string(), "c:2"));
        for bad in ["noagent", ":c1", "a1:", "", "%FF:c1"] {
            assert_eq!(split_id(bad).unwrap_err().class(), "not_found", "{bad:?}");
        }
    }

    #[test]
    fn agents_accept_either_id_field() {
        let wire: Each<WireAgent> = decode(
            br#"[{"_id":"a1","name":"Shop","apiKey":"sk-secret","platform":"voiceflow"},
                 {"id":"a2","name":"Desk"},{"_id":"a1","id":"ignored"},{"_id":" "}]"#,
        )
        .unwrap();
        assert_eq!(agent_ids(wire, "dash"), ["a1", "a2"]);
        let wire: Each<WireAgent> =
            decode(br#"[{"_id":"a1"},{"name":"nameless"},{"_id":null,"name":null},{"_id":5},"a9"]"#).unwrap();
        assert_eq!(wire.skipped().len(), 2, "a number for an id, a string for an agent");
        assert_eq!(
            agent_ids(wire, "dash"),
            ["a1"],
            "one without an id is skipped, not the agency"
        );
    }

    #[test]
    fn window_is_iso_with_millis() {
        let now = Utc.with_ymd_and_hms(2026, 3, 8, 12, 0, 0).unwrap();
        let q = window(now, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(
            q,
            [
                ("startDate", "2026-03-01T12:00:00.000Z".to_string()),
                ("endDate", "2026-03-08T12:00:00.000Z".to_string())
            ]
        );
        let q = window(now, Duration::MAX);
        assert_eq!(q[0].1, "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn capabilities_follow_the_flag() {
        let off = adapter(false).capabilities();
        assert_eq!(off.take_over, Availability::No(NO_TAKEOVER.into()));
        assert_eq!(off.hand_back, Availability::No(NO_TAKEOVER.into()));
        assert!(!off.send.is_yes());
        assert!(off.resolve.is_yes() && off.mark_read.is_yes());
        assert_eq!(off.assign, Availability::No(NO_ASSIGN.into()));
        assert!(off.unread_counts && off.needs_human_signal);
        let on = adapter(true).capabilities();
        assert!(on.take_over.is_yes() && on.hand_back.is_yes() && on.send.is_yes());
        assert!(!on.assign.is_yes());
        assert_eq!(
            NO_TAKEOVER,
            "ChatDash's public API has no takeover; enable experimental_live_agent or use the ChatDash dashboard"
        );
    }

    #[tokio::test]
    async fn gated_operations_fail_before_any_request() {
        // The base URL points at a closed port: an attempted request would be a network error.
        let dash = adapter(false);
        assert_eq!(
            dash.take_over("a1:c1").await.unwrap_err(),
            PlatformError::Unavailable(NO_TAKEOVER.into())
        );
        assert_eq!(
            dash.hand_back("a1:c1").await.unwrap_err(),
            PlatformError::Unavailable(NO_TAKEOVER.into())
        );
        assert_eq!(
            dash.send("a1:c1", "hi").await.unwrap_err(),
            PlatformError::Unavailable(NO_REPLY.into())
        );
        assert_eq!(
            dash.assign("a1:c1", "x@example.com").await.unwrap_err(),
            PlatformError::Unavailable(NO_ASSIGN.into())
        );
        assert_eq!(
            dash.get_conversation("no-agent").await.unwrap_err().class(),
            "not_found"
        );
        assert_eq!(dash.mark_read("no-agent").await.unwrap_err().class(), "not_found");
        assert_eq!(
            adapter(true).send("no-agent", "hi").await.unwrap_err().class(),
            "not_found"
        );
    }
}
