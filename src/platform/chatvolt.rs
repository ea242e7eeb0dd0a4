//! Chatvolt's API (platforms.md §3, §7.7–7.9): Bearer key, keyset-paged conversation list,
//! AI on/off per conversation, assignment by email, messages as "the newest N".

use super::budget::Budget;
use super::http::{Auth, Http, segment, server_text};
use super::json::Each;
use super::{
    AccountSettings, HistoryPage, Listing, Operator, Pages, Platform, PlatformError, QueueRead, Result, field,
    full_name,
};
use crate::domain::{
    Attachment, Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Message, PlatformKind,
    Priority, Status, sanitize,
};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

mod notes;
pub use notes::MAX_NOTE_CHARS;

const PAGE_SIZE: usize = 100;
/// A safety stop for a whole walk (the command line's list): 2,000 pages of 100.
const MAX_PAGES: usize = 2000;
/// One filter read follows at most this many pages; a queue larger than that is not a queue.
const MAX_QUEUE_PAGES: usize = 10;
/// The most messages Chatvolt returns in one call (§7.8).
const MESSAGE_COUNT: u32 = 100;

pub struct Chatvolt {
    http: Http,
    settings: AccountSettings,
    /// The operator's membership id, once seen (see `learn_member_id`).
    member: std::sync::Mutex<Option<String>>,
    /// The server's page length, when it caps `limit` lower than asked.
    page_size: AtomicUsize,
    /// A short history page and the cursor after it, until the next page says whether it
    /// was the last.
    short_page: std::sync::Mutex<Option<(String, usize)>>,
    /// The user id Chatvolt stamped on a reply this adapter sent (the key's own user).
    learned_user: std::sync::Mutex<Option<String>>,
}

impl Chatvolt {
    pub fn new(settings: AccountSettings, client: reqwest::Client) -> Self {
        let auth = Auth {
            header: AUTHORIZATION,
            prefix: "Bearer ",
            key: settings.key.clone(),
        };
        let http = Http::new(
            client,
            &settings.base_url,
            auth,
            "chatvolt",
            settings.timeout,
            settings.budget(),
        );
        Chatvolt {
            http,
            settings,
            member: std::sync::Mutex::new(None),
            page_size: AtomicUsize::new(PAGE_SIZE),
            short_page: std::sync::Mutex::new(None),
            learned_user: std::sync::Mutex::new(None),
        }
    }

    /// POSTs an action whose answer is `{success, message}`, then reads the conversation back
    /// so the caller sees the platform's state, not a guess.
    async fn act(&self, id: &str, action: &str, body: serde_json::Value) -> Result<Conversation> {
        self.post_action(&format!("/conversations/{}/{action}", segment(id)), body)
            .await?;
        self.read_back(id).await
    }

    /// One page of `GET /conversation` with `filters`, from `cursor`; and the cursor after it.
    async fn page(
        &self,
        filters: &[(&str, String)],
        cursor: Option<&str>,
    ) -> Result<(Vec<Conversation>, Option<String>)> {
        let mut query = vec![("limit", PAGE_SIZE.to_string())];
        query.extend(filters.iter().cloned());
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_string()));
        }
        let answer: Each<WireConversation> = self.http.get("/conversation", &query).await?;
        let page = answer.items(&self.settings.name, "conversation");
        let next = page.last().map(|last| {
            json!({
                "lastCreatedAt": last.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                "lastId": last.id,
            })
            .to_string()
        });
        self.learn_member_id(&page);
        let me = &self.settings.operator;
        let conversations = page
            .into_iter()
            .map(|c| map_conversation(c, &self.settings.name, me))
            .collect();
        Ok((conversations, next))
    }

    /// The operator's membership id, which `assigneeId` filters by: learnt from a conversation
    /// assigned to their email.
    fn learn_member_id(&self, page: &[WireConversation]) {
        let Some(email) = self.settings.operator.identity() else {
            return;
        };
        let mine = page
            .iter()
            .flat_map(|c| c.assignees.iter().flatten())
            .find(|a| a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .and_then(|a| a.id.as_deref())
            // It goes back to the server in a query: one with controls in it is not used.
            .filter(|id| !id.is_empty() && crate::domain::sanitize_line(id) == *id)
            .map(str::to_string);
        if let Some(id) = mine {
            *self.member.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(id);
        }
    }

    fn member_id(&self) -> Option<String> {
        self.member
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// A server that caps `limit` below what is asked answers shorter pages that are not the
    /// last. Once a short page is followed by more, its length is the server's page: queue
    /// reads then page on pages of that length.
    fn learn_page_size(&self, cursor: Option<&str>, len: usize, next: Option<&str>) {
        let mut short = self
            .short_page
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some((after, short_len)), Some(cursor)) = (short.as_ref(), cursor)
            && after == cursor
            && len > 0
        {
            self.page_size.fetch_min(*short_len, Ordering::Relaxed);
        }
        *short = match next {
            Some(next) if len > 0 && len < PAGE_SIZE => Some((next.to_string(), len)),
            _ => None,
        };
    }

    /// The conversation after a write the platform took: a read that fails does not undo it.
    async fn read_back(&self, id: &str) -> Result<Conversation> {
        self.get_conversation(id)
            .await
            .map_err(|e| e.after_write("reading the conversation back"))
    }

    /// Only an explicit `success:false` (or a 4xx) is a refusal: any other 2xx answer, in
    /// whatever shape (a string, `{}`, not JSON at all), means the platform took it.
    async fn post_action(&self, path: &str, body: serde_json::Value) -> Result<()> {
        match self.http.send::<serde_json::Value>(Method::POST, path, &body).await {
            Ok(answer) => refusal(&answer).map_or(Ok(()), Err),
            Err(PlatformError::Malformed(why)) => {
                tracing::debug!(path, why, "a 2xx answer that is not JSON: taken");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// After the AI is off: the request for a human is answered, and the conversation ours.
    async fn finish_take_over(&self, id: &str, path: &impl Fn(&str) -> String) -> Result<()> {
        // Chatvolt keeps HUMAN_REQUESTED until told otherwise (§7.9); left set, the
        // conversation would ask for a human again as soon as it is handed back.
        let wire: WireConversation = self.http.get(&format!("/conversation/{}", segment(id)), &[]).await?;
        if wire.status.as_deref() == Some("HUMAN_REQUESTED") {
            self.post_action(&path("set-status"), json!({"status": "UNRESOLVED"}))
                .await?;
        }
        // Assigning is what tells other operators who holds it; without an email we cannot.
        if let Some(email) = &self.settings.operator.email {
            self.post_action(&path("assign"), json!({"email": email})).await?;
        }
        Ok(())
    }

    /// The user ids that are this operator's: the configured one, and the one Chatvolt put on
    /// the replies this adapter sent.
    fn my_user_ids(&self) -> Vec<String> {
        let mut mine: Vec<String> = self.settings.author_id.iter().cloned().collect();
        mine.extend(self.learned_user.lock().ok().and_then(|l| l.clone()));
        mine
    }
}

/// The refusal in a 2xx answer: `success:false`, with its reason (`message` or
/// `error.message`) when it gives one.
fn refusal(answer: &serde_json::Value) -> Option<PlatformError> {
    if answer.get("success") != Some(&serde_json::Value::Bool(false)) {
        return None;
    }
    let said = answer
        .get("message")
        .and_then(serde_json::Value::as_str)
        .or_else(|| answer.pointer("/error/message").and_then(serde_json::Value::as_str));
    let reason = said
        .map(server_text)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "Chatvolt refused it".into());
    Some(PlatformError::NotAllowed { reason })
}

#[async_trait]
impl Platform for Chatvolt {
    fn account(&self) -> &str {
        &self.settings.name
    }

    fn kind(&self) -> PlatformKind {
        PlatformKind::Chatvolt
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            take_over: Availability::Yes,
            hand_back: Availability::Yes,
            send: Availability::Yes,
            resolve: Availability::Yes,
            reopen: Availability::Yes,
            assign: Availability::Yes,
            set_priority: Availability::Yes,
            mark_read: Availability::No("Chatvolt's API has no mark-as-read".into()),
            unread_counts: true,
            needs_human_signal: true,
        }
    }

    async fn check(&self) -> Result<()> {
        let _: Vec<serde_json::Value> = self.http.get("/conversation", &[("limit", "1".into())]).await?;
        Ok(())
    }

    /// Every conversation, for a one-off look (the command line): the whole walk.
    async fn list_conversations(&self, _since: Option<DateTime<Utc>>) -> Result<Listing> {
        let mut pages = Pages::default();
        let mut cursor: Option<String> = None;
        for number in 1..=MAX_PAGES {
            let page = self.history(cursor.as_deref()).await?;
            if !pages.add(page.conversations) && page.next.is_some() {
                pages.nothing_new(number);
                return Ok(pages.finish(false));
            }
            match page.next {
                None => return Ok(pages.finish(true)),
                Some(next) if pages.repeats(number + 1, &next) => return Ok(pages.finish(false)),
                Some(next) => cursor = Some(next),
            }
        }
        pages.stop(format!("{MAX_PAGES} pages"));
        Ok(pages.finish(false))
    }

    /// Chatvolt filters by creation time only, so "what changed" cannot be asked; what can need
    /// the operator is asked by its documented filters instead (§3.5). Asking for a human, and
    /// a customer writing in a held conversation, are read on every poll; the rest take turns.
    async fn queue(&self) -> Result<Vec<QueueRead>> {
        let mut reads = vec![
            QueueRead::new("asking for a human", "filter", true).with("status", "HUMAN_REQUESTED"),
            // A customer writing to someone who holds the conversation.
            QueueRead::new("unread, held by humans", "filter", true)
                .with("ai", "disabled")
                .with("unread", "true"),
            QueueRead::new("held by humans", "filter", false).with("ai", "disabled"),
            QueueRead::new("unread", "filter", false).with("unread", "true"),
        ];
        if let Some(member) = self.member_id() {
            reads.push(QueueRead::new("assigned to you", "filter", false).with("assigneeId", member));
        }
        reads.push(QueueRead::new("newest", "filter", false).with("newest", "1"));
        Ok(reads)
    }

    async fn read_queue(&self, read: &QueueRead, _since: Option<DateTime<Utc>>) -> Result<Listing> {
        let newest = read.param("newest").is_some();
        let filters: Vec<(&str, String)> = read
            .params
            .iter()
            .filter(|(name, _)| *name != "newest")
            .map(|(name, value)| (*name, value.clone()))
            .collect();
        let mut pages = Pages::default();
        let mut cursor: Option<String> = None;
        for number in 1..=MAX_QUEUE_PAGES {
            let (page, next) = self.page(&filters, cursor.as_deref()).await?;
            let full = page.len() >= self.page_size.load(Ordering::Relaxed);
            let fresh = pages.add(page);
            // A filtered set is paged only while it fills a page; "newest" is one page.
            if newest || !full {
                return Ok(pages.finish(!newest));
            }
            if !fresh {
                pages.nothing_new(number);
                return Ok(pages.finish(false));
            }
            match next {
                Some(next) if !pages.repeats(number + 1, &next) => cursor = Some(next),
                _ => return Ok(pages.finish(false)),
            }
        }
        pages.stop(format!("{MAX_QUEUE_PAGES} pages of one filter"));
        Ok(pages.finish(false))
    }

    /// Newest first, a page at a time. Paging goes on while a page has anything (a server
    /// that caps `limit` lower answers shorter pages that are not the last); the poller stops
    /// on a cursor it has asked for before.
    async fn history(&self, cursor: Option<&str>) -> Result<HistoryPage> {
        let (page, next) = self.page(&[], cursor).await?;
        self.learn_page_size(cursor, page.len(), next.as_deref());
        Ok(HistoryPage {
            next: if page.is_empty() { None } else { next },
            conversations: page,
            warning: None,
        })
    }

    fn budget(&self) -> Option<&Budget> {
        Some(self.http.budget())
    }

    async fn get_conversation(&self, id: &str) -> Result<Conversation> {
        let wire: WireConversation = self.http.get(&format!("/conversation/{}", segment(id)), &[]).await?;
        Ok(map_conversation(wire, &self.settings.name, &self.settings.operator))
    }

    async fn list_messages(&self, id: &str) -> Result<Vec<Message>> {
        let path = format!("/conversation/{}/messages/{MESSAGE_COUNT}", segment(id));
        let wire: WireMessages = self.http.get(&path, &[]).await?;
        let members = Members {
            me: self.my_user_ids(),
            customer: field(wire.user_id.as_deref()),
        };
        let name = &self.settings.operator.name;
        let listed = wire
            .messages
            .map(|m| m.items(&self.settings.name, "message"))
            .unwrap_or_default();
        let mut messages: Vec<Message> = (listed.into_iter())
            .map(|m| map_message_as(m, &members, name))
            .collect();
        messages.sort_by_key(|m| m.created_at);
        Ok(messages)
    }

    async fn take_over(&self, id: &str) -> Result<Conversation> {
        let path = |action: &str| format!("/conversations/{}/{action}", segment(id));
        self.post_action(&path("set-ai-enabled"), json!({"enabled": false}))
            .await?;
        // Taken over from here on: what fails after it is not a refusal of the takeover.
        self.finish_take_over(id, &path)
            .await
            .map_err(|e| e.after_write("finishing the takeover"))?;
        self.read_back(id).await
    }

    async fn hand_back(&self, id: &str) -> Result<Conversation> {
        self.act(id, "set-ai-enabled", json!({"enabled": true})).await
    }

    async fn send(&self, id: &str, text: &str) -> Result<Message> {
        let path = format!("/conversation/message/conversationId/{}", segment(id));
        let answer: serde_json::Value = self.http.send(Method::POST, &path, &json!({"message": text})).await?;
        if let Some(refused) = refusal(&answer) {
            return Err(refused);
        }
        // Taken (a 2xx). Without the stored message in the answer it is settled by the thread.
        let wire = answer
            .get("message")
            .filter(|m| m.is_object())
            .and_then(|m| WireMessage::deserialize(m).ok())
            .ok_or_else(|| PlatformError::Unconfirmed("its answer did not include the message".into()))?;
        if let (Some(user), Ok(mut learned)) = (field(wire.user_id.as_deref()), self.learned_user.lock()) {
            *learned = Some(user);
        }
        let mut message = map_message(wire);
        message.author = Author::Operator {
            name: self.settings.operator.name.clone(),
            is_me: true,
        };
        Ok(message)
    }

    async fn resolve(&self, id: &str) -> Result<Conversation> {
        self.act(id, "set-status", json!({"status": "RESOLVED"})).await
    }

    /// `set-status` changes only the status (§7.9): whether the AI is on stays as it was.
    async fn reopen(&self, id: &str) -> Result<Conversation> {
        self.act(id, "set-status", json!({"status": "UNRESOLVED"})).await
    }

    fn has_notes(&self) -> bool {
        true
    }

    async fn list_notes(&self, id: &str) -> Result<Vec<crate::domain::Note>> {
        self.notes(id).await
    }

    async fn create_note(&self, id: &str, text: &str) -> Result<crate::domain::Note> {
        self.note(id, text).await
    }

    async fn assign(&self, id: &str, email: &str) -> Result<Conversation> {
        self.act(id, "assign", json!({"email": email})).await
    }

    async fn set_priority(&self, id: &str, priority: Priority) -> Result<Conversation> {
        self.act(id, "set-priority", json!({"priority": priority.wire()})).await
    }
}

// ---- wire types: Chatvolt's JSON, tolerant of missing optional and unknown extra fields ----

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireConversation {
    #[serde(deserialize_with = "super::http::id")]
    pub id: String,
    pub title: Option<String>,
    pub status: Option<String>,
    pub is_ai_enabled: Option<bool>,
    pub unread_messages_count: Option<u32>,
    pub channel: Option<String>,
    pub visitor_id: Option<String>,
    pub ai_user_identifier: Option<String>,
    #[serde(default)]
    pub participants_contacts: Option<Vec<WireContact>>,
    #[serde(default)]
    pub assignees: Option<Vec<WireAssignee>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    // Shown only (the details panel): a value of another type is absent.
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub tags: Option<Vec<serde_json::Value>>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub frustration: Option<f64>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub nps_rating: Option<f64>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub nps_comment: Option<String>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub conversation_variables: Option<Vec<serde_json::Value>>,
    #[serde(default, deserialize_with = "super::json::or_none")]
    pub last_human_interaction_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireContact {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct WireAssignee {
    pub id: Option<String>,
    pub email: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMessages {
    pub messages: Option<Each<WireMessage>>,
    /// The conversation's own signed-in user: the customer, when they are signed in (§3.2).
    pub user_id: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireMessage {
    #[serde(deserialize_with = "super::http::id")]
    pub id: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub from: Option<String>,
    pub user_id: Option<String>,
    pub contact_id: Option<String>,
    pub visitor_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub attachments: Option<Vec<WireAttachment>>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct WireAttachment {
    pub name: Option<String>,
    pub url: Option<String>,
}

pub(crate) fn map_conversation(wire: WireConversation, account: &str, me: &Operator) -> Conversation {
    let details = super::details::chatvolt(&wire, me);
    let contact = wire.participants_contacts.as_ref().and_then(|c| c.first());
    let contact_detail = contact.and_then(|c| field(c.email.as_deref()).or_else(|| field(c.phone_number.as_deref())));
    let customer_name = contact
        .and_then(|c| full_name(c.first_name.as_deref(), c.last_name.as_deref()))
        .or_else(|| field(wire.title.as_deref()))
        .or_else(|| field(wire.ai_user_identifier.as_deref()))
        .unwrap_or_else(|| format!("Visitor #{}", id_tail(wire.visitor_id.as_deref().unwrap_or(&wire.id))));
    let assignees: Vec<String> = wire
        .assignees
        .unwrap_or_default()
        .iter()
        .filter_map(|a| field(a.email.as_deref()))
        .collect();
    let status = match (wire.status.as_deref(), wire.is_ai_enabled.unwrap_or(true)) {
        (Some("RESOLVED"), _) => Status::Resolved,
        (_, false) => Status::Human {
            by: me.holder(&assignees.iter().map(String::as_str).collect::<Vec<_>>()),
        },
        (Some("HUMAN_REQUESTED"), true) => Status::NeedsHuman,
        _ => Status::Ai,
    };
    Conversation {
        key: ConversationKey::new(account, wire.id),
        platform: PlatformKind::Chatvolt,
        customer_name,
        customer_contact: contact_detail,
        channel: field(wire.channel.as_deref()),
        status,
        assignee: (!assignees.is_empty()).then(|| assignees.join(", ")),
        unread: Some(wire.unread_messages_count.unwrap_or(0)),
        preview: None,
        created_at: wire.created_at,
        updated_at: wire.updated_at,
        waiting_since: None,
        no_reply: None,
        details,
    }
}

/// The last four characters of an id, to tell anonymous visitors apart.
fn id_tail(id: &str) -> String {
    let chars: Vec<char> = crate::domain::sanitize_line(id).chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// What a thread's answer says of who is who, to tell an operator's `userId` from a signed-in
/// customer's (both are `from:"human"` with a `userId`).
#[derive(Default)]
pub(crate) struct Members {
    /// This operator's own user ids (the configured `user_id`, the one on our sends).
    pub me: Vec<String>,
    /// The conversation's own signed-in user (the messages answer's `userId`, §3.2): the
    /// customer.
    pub customer: Option<String>,
}

impl Members {
    /// The conversation's own user is the customer; this operator is "me"; any other user is
    /// staff. (Chatvolt lists no user ids of its members — assignees carry membership ids — so
    /// "only a known member is staff" would make every reply, the operator's own included, the
    /// customer's, and a reply whose answer was lost could never be found in its thread.)
    fn author(&self, user: &str, operator_name: &Option<String>) -> Author {
        if self.customer.as_deref().map(str::trim) == Some(user) {
            Author::Customer
        } else if self.me.iter().any(|id| id.trim() == user) {
            Author::Operator {
                name: operator_name.clone(),
                is_me: true,
            }
        } else {
            Author::Operator {
                name: None,
                is_me: false,
            }
        }
    }
}

/// `from:"agent"` is the AI; `from:"human"` is an operator or the customer by its `userId`
/// ([`Members::author`]); without one, the customer (§7.7). A `from` that is missing, `null` or
/// unknown goes by `userId`, `contactId` or `visitorId`, else it is the system's.
pub(crate) fn map_message(wire: WireMessage) -> Message {
    map_message_as(wire, &Members::default(), &None)
}

fn map_message_as(wire: WireMessage, members: &Members, operator_name: &Option<String>) -> Message {
    let user = field(wire.user_id.as_deref()).map(|u| members.author(&u, operator_name));
    let customer = (field(wire.contact_id.as_deref()).is_some() || field(wire.visitor_id.as_deref()).is_some())
        .then_some(Author::Customer);
    let author = match wire.from.as_deref() {
        Some("agent") => Author::Ai,
        Some("human") => user.unwrap_or(Author::Customer),
        _ => user.or(customer).unwrap_or(Author::System),
    };
    let text = wire.text.filter(|t| !t.is_empty()).or(wire.html).unwrap_or_default();
    Message {
        id: wire.id,
        author,
        author_name: None,
        text: sanitize(&text),
        created_at: wire.created_at,
        attachments: wire
            .attachments
            .unwrap_or_default()
            .into_iter()
            .map(|a| Attachment {
                name: field(a.name.as_deref()).unwrap_or_else(|| "file".into()),
                reference: a.url.as_deref().map(crate::domain::sanitize_line),
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

    fn me() -> Operator {
        Operator {
            name: Some("Dana Reyes".into()),
            email: Some("dana@example.com".into()),
        }
    }

    fn conversation(json: &str) -> Conversation {
        map_conversation(decode(json.as_bytes()).unwrap(), "volt", &me())
    }

    const FULL: &str = r#"{
        "id": "clx1", "title": "Order help", "unreadMessagesCount": 3, "isAiEnabled": true,
        "channel": "whatsapp", "status": "HUMAN_REQUESTED", "blocked": false, "metadata": null,
        "organizationId": "org1", "priority": "HIGH", "agentId": "ag1", "visitorId": null,
        "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:05:00.000Z",
        "participantsContacts": [{"id": "ct1", "firstName": "José", "lastName": "Álvarez", "phoneNumber": "+34600000000"}],
        "assignees": [], "tags": [], "npsStep": 0, "someFutureField": {"x": 1}
    }"#;

    #[test]
    fn maps_a_full_conversation() {
        let c = conversation(FULL);
        assert_eq!(c.key, ConversationKey::new("volt", "clx1"));
        assert_eq!(c.customer_name, "José Álvarez");
        assert_eq!(c.customer_contact.as_deref(), Some("+34600000000"));
        assert_eq!(c.channel.as_deref(), Some("whatsapp"));
        assert_eq!(c.status, Status::NeedsHuman);
        assert_eq!(c.unread, Some(3));
        assert_eq!(c.assignee, None);
    }

    #[test]
    fn minimal_conversation_falls_back_sensibly() {
        let c =
            conversation(r#"{"id":"abcdef123","createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}"#);
        assert_eq!(c.customer_name, "Visitor #f123");
        assert_eq!(c.status, Status::Ai);
        assert_eq!(c.unread, Some(0));
        let titled = conversation(
            r#"{"id":"a","title":"Guest 7","participantsContacts":[],"createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}"#,
        );
        assert_eq!(titled.customer_name, "Guest 7");
    }

    #[test]
    fn status_rows_top_to_bottom() {
        let status = |status: &str, ai: bool, assignee: &str| {
            conversation(&format!(
                r#"{{"id":"a","status":"{status}","isAiEnabled":{ai},"assignees":[{{"id":"m","email":"{assignee}"}}],
                "createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}}"#
            ))
            .status
        };
        assert_eq!(status("RESOLVED", false, ""), Status::Resolved);
        assert_eq!(
            status("UNRESOLVED", false, "dana@example.com"),
            Status::Human { by: Holder::Me }
        );
        assert_eq!(
            status("HUMAN_REQUESTED", false, "sam@example.com"),
            Status::Human {
                by: Holder::Other("sam@example.com".into())
            }
        );
        assert_eq!(status("UNRESOLVED", false, ""), Status::Human { by: Holder::Unknown });
        assert_eq!(status("HUMAN_REQUESTED", true, ""), Status::NeedsHuman);
        assert_eq!(status("UNRESOLVED", true, ""), Status::Ai);
    }

    #[test]
    fn message_authorship() {
        let m = |json: &str| map_message(decode(json.as_bytes()).unwrap());
        let t = r#""createdAt":"2026-11-20T10:00:00.000Z""#;
        assert_eq!(
            m(&format!(
                r#"{{"id":"1","text":"hi","from":"human","visitorId":"v",{t}}}"#
            ))
            .author,
            Author::Customer
        );
        assert_eq!(
            m(&format!(
                r#"{{"id":"1","text":"hi","from":"human","contactId":"c",{t}}}"#
            ))
            .author,
            Author::Customer
        );
        assert_eq!(
            m(&format!(r#"{{"id":"1","text":"hi","from":"agent","agentId":"a",{t}}}"#)).author,
            Author::Ai
        );
        assert_eq!(
            m(&format!(r#"{{"id":"1","text":"hi","from":"human","userId":"u",{t}}}"#)).author,
            Author::Operator {
                name: None,
                is_me: false
            }
        );
        assert_eq!(
            m(&format!(r#"{{"id":"1","html":"<b>x</b>","from":"bot",{t}}}"#)).author,
            Author::System
        );
    }

    #[test]
    fn hostile_strings_are_cleaned() {
        let c = conversation(
            r#"{"id":"a","channel":"web\u001b[31m","participantsContacts":[{"firstName":"\u001b]0;pwned\u0007Eve\u202e"}],
            "createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"}"#,
        );
        assert_eq!(c.customer_name, "Eve");
        assert_eq!(c.channel.as_deref(), Some("web"));
        let m = map_message(
            decode(br#"{"id":"1","text":"\u001b]52;c;aGk=\u0007copy \u009b31mme","from":"human","createdAt":"2026-11-20T10:00:00Z"}"#)
                .unwrap(),
        );
        assert_eq!(m.text, "copy me");
    }

    #[test]
    fn malformed_answers_name_the_field() {
        let err = decode::<Vec<WireConversation>>(br#"[{"id":"a","createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z"},{"id":"b","updatedAt":"2026-11-20T10:00:00Z"}]"#)
            .unwrap_err();
        assert!(err.to_string().contains("createdAt"), "{err}");
        let err = decode::<Vec<WireConversation>>(
            br#"[{"id":"a","createdAt":"yesterday","updatedAt":"2026-11-20T10:00:00Z"}]"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("[0].createdAt"), "{err}");
    }
}
