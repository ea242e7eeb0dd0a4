//! The Chatvolt API (platforms.md §3 and §7.7–7.9): conversation list with a keyset cursor,
//! the last N messages, AI switch, status, assignment and sending as an operator.
//! Auth is checked in `api_gate`.

mod notes;

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    ApiError, ApiJson, ApiPath, Shared, body_object, opt_bool, opt_str, query_bool, query_map, query_time,
    required_text,
    world::{
        Author, Conversation, VoltAssignee, VoltExt, VoltStatus, World, cuid, find, find_mut, fmt_ts, now, parse_ts,
    },
};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/conversation", get(list))
        .route("/conversation/{id}", get(get_one))
        .route("/conversation/{id}/messages/{count}", get(messages))
        .route("/conversations/{id}/set-ai-enabled", post(set_ai_enabled))
        .route("/conversations/{id}/set-status", post(set_status))
        .route("/conversations/{id}/assign", post(assign))
        .route("/conversations/{id}/set-priority", post(set_priority))
        .route("/conversation/message/{kind}/{value}", post(send_message))
        .route("/conversations/{id}/notes", get(notes::list).post(notes::create))
        .route("/agents/{id}", get(agent))
}

const NOT_FOUND: &str = "Conversation not found";
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
const MAX_MESSAGES: usize = 100;

// ---------------------------------------------------------------------------------------------
// Wire types

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContactDto {
    id: String,
    first_name: String,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConversationDto {
    id: String,
    title: Option<String>,
    unread_messages_count: u32,
    is_ai_enabled: bool,
    channel: String,
    status: &'static str,
    blocked: bool,
    metadata: Option<Value>,
    channel_external_id: Option<String>,
    channel_credentials_id: Option<String>,
    organization_id: String,
    mail_inbox_id: Option<String>,
    priority: &'static str,
    form_id: Option<String>,
    agent_id: Option<String>,
    user_id: Option<String>,
    visitor_id: Option<String>,
    is_group: bool,
    frustration: Option<f64>,
    ai_user_identifier: Option<String>,
    whatsapp_chat_lid: Option<String>,
    nps_step: u32,
    nps_rating: Option<u32>,
    nps_comment: Option<String>,
    nps_started_at: Option<String>,
    nps_completed_at: Option<String>,
    created_at: String,
    updated_at: String,
    last_human_interaction_at: Option<String>,
    participants_contacts: Vec<ContactDto>,
    ctwa_attributions: Vec<Value>,
    conversation_variables: Vec<Value>,
    conversation_contexts: Vec<Value>,
    assignees: Vec<Value>,
    tags: Vec<Value>,
    crm_scenario_conversations: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageDto {
    id: String,
    text: String,
    from: &'static str,
    conversation_id: String,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    visitor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<String>,
    read: bool,
    attachments: Vec<Value>,
}

pub(super) fn conversation_json(organization_id: &str, c: &Conversation<VoltExt>) -> Value {
    let e = &c.ext;
    let contacts = e
        .contact_id
        .iter()
        .map(|id| ContactDto {
            id: id.clone(),
            first_name: c.customer.first_name.clone(),
            last_name: Some(c.customer.last_name.clone()).filter(|l| !l.is_empty()),
            email: c.customer.email.clone(),
            phone_number: c.customer.phone.clone(),
        })
        .collect();
    let dto = ConversationDto {
        id: c.id.clone(),
        title: c.title.clone(),
        unread_messages_count: e.unread,
        is_ai_enabled: e.ai_enabled,
        channel: c.channel.clone(),
        status: e.status.as_str(),
        blocked: false,
        metadata: None,
        channel_external_id: None,
        channel_credentials_id: None,
        organization_id: organization_id.to_owned(),
        mail_inbox_id: None,
        priority: e.priority,
        form_id: None,
        agent_id: e.agent_id.clone(),
        user_id: e.customer_user_id.clone(),
        visitor_id: Some(e.visitor_id.clone()),
        is_group: false,
        frustration: e.frustration,
        ai_user_identifier: e.ai_user_identifier.clone(),
        whatsapp_chat_lid: None,
        nps_step: if e.nps.is_some() { 3 } else { 0 },
        nps_rating: e.nps.map(|(rating, _)| rating),
        nps_comment: e.nps.map(|(_, comment)| comment.to_owned()),
        nps_started_at: None,
        nps_completed_at: None,
        created_at: fmt_ts(c.created_at),
        updated_at: fmt_ts(c.updated_at),
        last_human_interaction_at: e.last_human_interaction_at.map(fmt_ts),
        participants_contacts: contacts,
        ctwa_attributions: Vec::new(),
        conversation_variables: (e.variables.iter())
            .enumerate()
            .map(|(i, (name, value))| json!({"id": format!("{}-v{i}", c.id), "name": name, "value": value}))
            .collect(),
        conversation_contexts: Vec::new(),
        assignees: e
            .assignees
            .iter()
            .map(|a| json!({"id": a.id, "email": a.email}))
            .collect(),
        tags: e.tags.iter().map(|t| json!({"id": t.id, "name": t.name})).collect(),
        crm_scenario_conversations: Vec::new(),
    };
    serde_json::to_value(dto).unwrap_or(Value::Null)
}

/// The messages (all of them, oldest first). Customer messages count as unread while they
/// are among the last `unreadMessagesCount` ones.
pub(super) fn messages_json(c: &Conversation<VoltExt>) -> Vec<Value> {
    let mut unread_left = c.ext.unread;
    let mut out: Vec<Value> = c
        .messages
        .iter()
        .rev()
        .map(|m| {
            let (from, user_id, agent_id) = match &m.author {
                Author::Customer => ("human", c.ext.customer_user_id.clone(), None),
                Author::Ai => ("agent", None, c.ext.agent_id.clone()),
                Author::Operator { user_id } => ("human", user_id.clone(), None),
            };
            let customer = m.author == Author::Customer;
            let read = !(customer && unread_left > 0);
            if !read {
                unread_left -= 1;
            }
            let dto = MessageDto {
                id: m.id.clone(),
                text: m.text.clone(),
                from,
                conversation_id: c.id.clone(),
                created_at: fmt_ts(m.created_at),
                user_id,
                // A signed-in customer is known by their user id alone.
                contact_id: c
                    .ext
                    .contact_id
                    .clone()
                    .filter(|_| customer && c.ext.customer_user_id.is_none()),
                visitor_id: Some(c.ext.visitor_id.clone())
                    .filter(|_| customer && c.ext.contact_id.is_none() && c.ext.customer_user_id.is_none()),
                agent_id,
                read,
                attachments: Vec::new(),
            };
            serde_json::to_value(dto).unwrap_or(Value::Null)
        })
        .collect();
    out.reverse();
    out
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The list cursor: the last item of the previous page.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    last_created_at: String,
    last_id: String,
}

fn parse_cursor(raw: &str) -> Result<(DateTime<Utc>, String), ApiError> {
    let bad = || ApiError::bad_request("Invalid cursor");
    let cursor: Cursor = serde_json::from_str(raw).map_err(|_| bad())?;
    let at = parse_ts(&cursor.last_created_at).ok_or_else(bad)?;
    Ok((at, cursor.last_id))
}

/// The list filters of `GET /conversation`.
struct Filters {
    agent_id: Option<String>,
    channel: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    status: Option<VoltStatus>,
    priority: Option<String>,
    assignee: Option<String>,
    unread: Option<bool>,
    tag: Option<String>,
    ai: Option<bool>,
    frustration_min: Option<f64>,
    frustration_max: Option<f64>,
}

impl Filters {
    fn parse(q: &HashMap<String, String>) -> Result<Filters, ApiError> {
        let status = match q.get("status") {
            None => None,
            Some(s) => Some(VoltStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("status must be one of: RESOLVED, UNRESOLVED, HUMAN_REQUESTED")
            })?),
        };
        let priority = q.get("priority").cloned();
        if priority
            .as_deref()
            .is_some_and(|p| !matches!(p, "LOW" | "MEDIUM" | "HIGH"))
        {
            return Err(ApiError::bad_request("priority must be one of: LOW, MEDIUM, HIGH"));
        }
        let ai = match q.get("ai").map(String::as_str) {
            None => None,
            Some("enabled") => Some(true),
            Some("disabled") => Some(false),
            Some(_) => return Err(ApiError::bad_request("ai must be one of: enabled, disabled")),
        };
        let number = |key: &str| -> Result<Option<f64>, ApiError> {
            q.get(key)
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| ApiError::bad_request(format!("{key} must be a number")))
                })
                .transpose()
        };
        Ok(Filters {
            agent_id: q.get("agentId").cloned(),
            channel: q.get("channel").cloned(),
            from: query_time(q, "createdAt")?,
            until: query_time(q, "endDate")?,
            status,
            priority,
            assignee: q.get("assigneeId").cloned(),
            unread: query_bool(q, "unread")?,
            tag: q.get("tag").cloned(),
            ai,
            frustration_min: number("frustrationMin")?,
            frustration_max: number("frustrationMax")?,
        })
    }

    fn accepts(&self, c: &Conversation<VoltExt>) -> bool {
        let e = &c.ext;
        let agent_ok = match self.agent_id.as_deref() {
            None => true,
            Some("null") => e.agent_id.is_none(),
            Some(id) => e.agent_id.as_deref() == Some(id),
        };
        let assignee_ok = match self.assignee.as_deref() {
            None => true,
            Some("unassigned") => e.assignees.is_empty(),
            Some(id) => e.assignees.iter().any(|a| a.id == id),
        };
        let frustration = e.frustration.unwrap_or(0.0);
        agent_ok
            && assignee_ok
            && self.channel.as_ref().is_none_or(|ch| &c.channel == ch)
            && self.from.is_none_or(|t| c.created_at >= t)
            && self.until.is_none_or(|t| c.created_at <= t)
            && self.status.is_none_or(|s| e.status == s)
            && self.priority.as_deref().is_none_or(|p| e.priority == p)
            && self.unread.is_none_or(|u| (e.unread > 0) == u)
            && self
                .tag
                .as_ref()
                .is_none_or(|t| e.tags.iter().any(|tag| &tag.name == t || &tag.id == t))
            && self.ai.is_none_or(|ai| e.ai_enabled == ai)
            && self.frustration_min.is_none_or(|m| frustration >= m)
            && self.frustration_max.is_none_or(|m| frustration <= m)
    }
}

async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let q = query_map(raw.as_deref());
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be an integer between 1 and {MAX_LIMIT}")))?,
    };
    let cursor = q.get("cursor").map(|c| parse_cursor(c)).transpose()?;
    let filters = Filters::parse(&q)?;

    let world = shared.world();
    let volt = &world.chatvolt;
    let list = &volt.conversations;
    // Newest first, id descending as the tie-break; the cursor keeps what comes strictly after.
    // The creation index gives the date window and the cursor's place without a sort.
    let mut window = list.created_between(filters.from, filters.until);
    if let Some((at, id)) = &cursor {
        let before = list.created_position(|c| (c.created_at, c.id.as_str()) < (*at, id.as_str()));
        window.end = window.end.min(before).max(window.start);
    }
    let page: Vec<Value> = list
        .in_created_order(window)
        .rev()
        .filter(|c| filters.accepts(c))
        .take(limit)
        .map(|c| conversation_json(&volt.organization_id, c))
        .collect();
    Ok(Json(Value::Array(page)))
}

async fn get_one(State(shared): State<Arc<Shared>>, ApiPath(id): ApiPath<String>) -> Result<Json<Value>, ApiError> {
    let world = shared.world();
    let volt = &world.chatvolt;
    let c = find(&volt.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    Ok(Json(conversation_json(&volt.organization_id, c)))
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    ApiPath((id, count)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let count = count
        .parse::<usize>()
        .map_err(|_| ApiError::bad_request("count must be a non-negative integer"))?
        .min(MAX_MESSAGES);
    let world = shared.world();
    let volt = &world.chatvolt;
    let c = find(&volt.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let all = messages_json(c);
    let newest = all[all.len().saturating_sub(count)..].to_vec();
    Ok(Json(json!({
        "status": c.ext.status.as_str(),
        "isAiEnabled": c.ext.ai_enabled,
        "userId": c.ext.customer_user_id,
        "organizationId": volt.organization_id,
        "messages": newest,
    })))
}

fn ok(message: &str) -> Json<Value> {
    Json(json!({"success": true, "message": message}))
}

/// Runs `change` on conversation `id` and bumps its `updatedAt`.
fn update(shared: &Shared, id: &str, change: impl FnOnce(&mut Conversation<VoltExt>)) -> Result<(), ApiError> {
    let mut world = shared.world();
    let c = find_mut(&mut world.chatvolt.conversations, id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    change(c);
    c.updated_at = now();
    Ok(())
}

async fn set_ai_enabled(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let enabled =
        opt_bool(body_object(&body)?, "enabled")?.ok_or_else(|| ApiError::bad_request("enabled must be a boolean"))?;
    // Only the switch: the status (HUMAN_REQUESTED included) stays as it is (§7.9).
    update(&shared, &id, |c| {
        c.ext.ai_enabled = enabled;
        if !enabled {
            c.ext.last_human_interaction_at = Some(now());
        }
    })?;
    Ok(ok(if enabled { "AI enabled" } else { "AI disabled" }))
}

async fn set_status(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let status = opt_str(body_object(&body)?, "status")?
        .and_then(VoltStatus::parse)
        .ok_or_else(|| ApiError::bad_request("status must be one of: RESOLVED, UNRESOLVED, HUMAN_REQUESTED"))?;
    update(&shared, &id, |c| c.ext.status = status)?;
    Ok(ok("Status updated"))
}

async fn assign(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let email = required_text(obj, "email")?.to_owned();
    let membership = opt_str(obj, "membershipId")?.or(opt_str(obj, "id")?).map(str::to_owned);
    let mut world = shared.world();
    let World { chatvolt, rng, .. } = &mut *world;
    let c = find_mut(&mut chatvolt.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    // The same member keeps the same membership id.
    let known = c.ext.assignees.iter().find(|a| a.email == email).map(|a| a.id.clone());
    let member_id = membership.or(known).unwrap_or_else(|| cuid(rng));
    c.ext.assignees = vec![VoltAssignee { id: member_id, email }];
    c.updated_at = now();
    Ok(ok("Conversation assigned"))
}

/// `{priority: LOW|MEDIUM|HIGH}` (the set-priority page); anything else is a 400.
async fn set_priority(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let priority = opt_str(body_object(&body)?, "priority")?
        .and_then(|p| PRIORITIES.into_iter().find(|known| *known == p))
        .ok_or_else(|| ApiError::bad_request("priority must be one of: LOW, MEDIUM, HIGH"))?;
    update(&shared, &id, |c| c.ext.priority = priority)?;
    Ok(ok("Priority updated"))
}

const PRIORITIES: [&str; 3] = ["LOW", "MEDIUM", "HIGH"];

async fn send_message(
    State(shared): State<Arc<Shared>>,
    ApiPath((kind, value)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let text = required_text(obj, "message")?.to_owned();
    opt_str(obj, "agentId")?;
    opt_str(obj, "channel")?;
    if obj.get("attachments").is_some_and(|a| !a.is_array() && !a.is_null()) {
        return Err(ApiError::bad_request("attachments must be an array"));
    }
    if kind != "conversationId" {
        return Err(ApiError::bad_request(
            "The sandbox only supports sending by conversationId",
        ));
    }
    let mut world = shared.world();
    let World { chatvolt, rng, .. } = &mut *world;
    let staff = chatvolt.staff_user_id.clone();
    let c = find_mut(&mut chatvolt.conversations, &value).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let at = now();
    let author = Author::Operator {
        user_id: Some(staff.clone()),
    };
    let id = c.push(rng, author, text, at).id.clone();
    // An operator message marks the conversation read; AI switch and status are untouched (§7.8).
    c.ext.unread = 0;
    c.ext.last_human_interaction_at = Some(at);
    let sent = c.messages.last().map(|m| m.text.clone()).unwrap_or_default();
    Ok(Json(json!({
        "success": true,
        "message": {
            "id": id,
            "text": sent,
            "from": "human",
            "conversationId": c.id,
            "createdAt": fmt_ts(at),
            "userId": staff,
        }
    })))
}

async fn agent(State(shared): State<Arc<Shared>>, ApiPath(id): ApiPath<String>) -> Result<Json<Value>, ApiError> {
    let world = shared.world();
    let agent = world
        .chatvolt
        .agents
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found("Agent not found"))?;
    Ok(Json(json!({"id": agent.id, "name": agent.name})))
}
