//! The ChatDash public API (platforms.md §1 and §7.1–7.3): agents, conversations per agent
//! (date window on `createdAt`, record/interacted filters), update (with the experimental live
//! agent fields), messages. Auth is checked in `api_gate`.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    routing::get,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{
    ApiError, ApiJson, ApiPath, Shared, body_object, opt_bool, opt_str, query_bool, query_map, query_time,
    world::{Author, Conversation, DashExt, DashStatus, DashWorld, World, fmt_ts, now, parse_ts},
};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/agents", get(agents))
        .route("/agents/{agent}/conversations", get(list))
        .route("/agents/{agent}/conversations/{id}", get(get_one).put(update))
        .route(
            "/agents/{agent}/conversations/{id}/messages",
            get(messages).post(add_messages),
        )
}

const NOT_FOUND: &str = "Conversation not found";
const AGENT_NOT_FOUND: &str = "Agent not found";

// ---------------------------------------------------------------------------------------------
// Wire types (absent optional fields are left out, the way a MongoDB document comes back)

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConversationDto {
    #[serde(rename = "_id")]
    id: String,
    agent_id: String,
    platform_id: String,
    name: String,
    read: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ended_at: Option<String>,
    record: bool,
    interacted: bool,
    channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country_code: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    live_agent_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live_agent_id: Option<String>,
    is_live: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtopic: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    os: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    browser: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<Value>,
    /// Spelled as the schema spells it.
    mistunderstood_queries: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
    metadata: Value,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageDto {
    sender: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    content: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
    created_at: String,
}

pub(super) fn conversation_json(c: &Conversation<DashExt>) -> Value {
    let e = &c.ext;
    let dto = ConversationDto {
        id: c.id.clone(),
        agent_id: e.agent_id.clone(),
        platform_id: e.platform_id.clone(),
        name: c.customer.full_name(),
        read: e.read,
        ended_at: e.ended_at.map(fmt_ts),
        record: e.record,
        interacted: e.interacted,
        channel: c.channel.clone(),
        phone: c.customer.phone.clone(),
        country_code: e.country_code.clone(),
        status: e.status.as_str(),
        live_agent_name: e.live_agent_name.clone(),
        live_agent_id: e.live_agent_id.clone(),
        is_live: e.is_live,
        topic: e.topic.clone(),
        summary: c.summary.clone(),
        subtopic: e.profile.subtopic,
        device: e.profile.device,
        os: e.profile.os,
        browser: e.profile.browser,
        evaluation: (e.profile.evaluation).map(|(ok, why)| json!({"isSuccess": ok, "reason": why})),
        mistunderstood_queries: (e.profile.misunderstood.iter())
            .map(|q| json!({ "question": q }))
            .collect(),
        note: e.profile.note,
        metadata: Value::Object(
            (e.profile.metadata.iter())
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect(),
        ),
        created_at: fmt_ts(c.created_at),
        updated_at: fmt_ts(c.updated_at),
    };
    serde_json::to_value(dto).unwrap_or(Value::Null)
}

pub(super) fn messages_json(c: &Conversation<DashExt>) -> Vec<Value> {
    c.messages
        .iter()
        .map(|m| {
            let dto = MessageDto {
                sender: match m.author {
                    Author::Customer => "user",
                    Author::Ai => "bot",
                    Author::Operator { .. } => "agent",
                },
                kind: "text",
                content: json!({ "text": m.text }),
                metadata: m.metadata.clone(),
                created_at: fmt_ts(m.created_at),
            };
            serde_json::to_value(dto).unwrap_or(Value::Null)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Handlers

fn check_agent(dash: &DashWorld, agent: &str) -> Result<(), ApiError> {
    if dash.agents.iter().any(|a| a.id == agent) {
        Ok(())
    } else {
        Err(ApiError::not_found(AGENT_NOT_FOUND))
    }
}

async fn agents(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.world();
    // The real response also carries each agent's platform credentials; never served here.
    let list = world
        .chatdash
        .agents
        .iter()
        .map(|a| json!({"_id": a.id, "name": a.name, "platform": a.platform, "clientId": a.client_id}))
        .collect();
    Json(Value::Array(list))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    ApiPath(agent): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(raw.as_deref());
    let start = query_time(&q, "startDate")?;
    let end = query_time(&q, "endDate")?;
    // By default only recorded conversations somebody interacted with.
    let record = query_bool(&q, "record")?.unwrap_or(true);
    let interacted = query_bool(&q, "interacted")?.unwrap_or(true);

    let world = shared.world();
    check_agent(&world.chatdash, &agent)?;
    // Newest first: the window is a range of the creation index, walked backwards.
    let list = &world.chatdash.conversations;
    let items = list
        .in_created_order(list.created_between(start, end))
        .rev()
        .filter(|c| c.ext.agent_id == agent)
        .filter(|c| c.ext.record == record && c.ext.interacted == interacted);
    Ok(Json(Value::Array(items.map(conversation_json).collect())))
}

/// The conversation `id` of `agent` (by `platformId` when `by_platform_id`).
fn locate<'a>(
    dash: &'a mut DashWorld,
    agent: &str,
    id: &str,
    by_platform_id: bool,
) -> Result<&'a mut Conversation<DashExt>, ApiError> {
    check_agent(dash, agent)?;
    let found = if by_platform_id {
        dash.conversations
            .iter_mut()
            .find(|c| c.ext.agent_id == agent && c.ext.platform_id == id)
    } else {
        dash.conversations.by_id_mut(id).filter(|c| c.ext.agent_id == agent)
    };
    found.ok_or_else(|| ApiError::not_found(NOT_FOUND))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    ApiPath((agent, id)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(raw.as_deref());
    let by_platform_id = query_bool(&q, "isPlatformId")?.unwrap_or(false);
    let mut world = shared.world();
    let c = locate(&mut world.chatdash, &agent, &id, by_platform_id)?;
    Ok(Json(conversation_json(c)))
}

/// A field that may be absent (leave it), null (clear it) or a value.
enum Change<T> {
    Keep,
    Clear,
    Set(T),
}

fn nullable_str(obj: &Map<String, Value>, key: &str) -> Result<Change<String>, ApiError> {
    match obj.get(key) {
        None => Ok(Change::Keep),
        Some(Value::Null) => Ok(Change::Clear),
        Some(Value::String(s)) => Ok(Change::Set(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
    }
}

fn apply<T>(field: &mut Option<T>, change: Change<T>) {
    match change {
        Change::Keep => {}
        Change::Clear => *field = None,
        Change::Set(v) => *field = Some(v),
    }
}

async fn update(
    State(shared): State<Arc<Shared>>,
    ApiPath((agent, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let read = opt_bool(obj, "read")?;
    let record = opt_bool(obj, "record")?;
    let interacted = opt_bool(obj, "interacted")?;
    let is_live = opt_bool(obj, "isLive")?;
    let ended_at = match nullable_str(obj, "endedAt")? {
        Change::Set(s) => {
            Change::Set(parse_ts(&s).ok_or_else(|| ApiError::bad_request("endedAt must be an ISO 8601 date"))?)
        }
        Change::Clear => Change::Clear,
        Change::Keep => Change::Keep,
    };
    // The experimental live-agent fields (§7.1).
    let status = match opt_str(obj, "status")? {
        None => None,
        Some(s) => Some(
            DashStatus::parse(s).ok_or_else(|| ApiError::bad_request("status must be one of: ai, pending, human"))?,
        ),
    };
    let live_agent_name = nullable_str(obj, "liveAgentName")?;
    let live_agent_id = nullable_str(obj, "liveAgentId")?;

    let mut world = shared.world();
    let c = locate(&mut world.chatdash, &agent, &id, false)?;
    let e = &mut c.ext;
    if let Some(v) = read {
        e.read = v;
    }
    if let Some(v) = record {
        e.record = v;
    }
    if let Some(v) = interacted {
        e.interacted = v;
    }
    if let Some(v) = is_live {
        e.is_live = v;
    }
    if let Some(v) = status {
        e.status = v;
    }
    apply(&mut e.ended_at, ended_at);
    apply(&mut e.live_agent_name, live_agent_name);
    apply(&mut e.live_agent_id, live_agent_id);
    c.updated_at = now();
    Ok(Json(json!({"message": "Conversation updated successfully"})))
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    ApiPath((agent, id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut world = shared.world();
    let c = locate(&mut world.chatdash, &agent, &id, false)?;
    Ok(Json(Value::Array(messages_json(c))))
}

/// One message of a `POST …/messages` body, validated.
struct Incoming {
    author: Author,
    text: String,
    metadata: Option<Value>,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn parse_incoming(v: &Value, index: usize) -> Result<Incoming, ApiError> {
    let bad = |what: &str| ApiError::bad_request(format!("messages[{index}]: {what}"));
    let obj = v.as_object().ok_or_else(|| bad("must be an object"))?;
    let author = match obj.get("sender").and_then(Value::as_str) {
        Some("user") => Author::Customer,
        Some("bot") => Author::Ai,
        Some("agent") => Author::Operator { user_id: None },
        _ => return Err(bad("sender must be one of: user, bot, agent")),
    };
    if obj.get("type").and_then(Value::as_str) != Some("text") {
        return Err(bad("type must be \"text\""));
    }
    let text = obj
        .get("content")
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("content.text must be a string"))?
        .to_owned();
    let metadata = match obj.get("metadata") {
        None | Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(_) => return Err(bad("metadata must be an object")),
    };
    let created_at = match obj.get("createdAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_ts(s).ok_or_else(|| bad("createdAt must be an ISO 8601 date"))?),
        Some(_) => return Err(bad("createdAt must be a string")),
    };
    Ok(Incoming {
        author,
        text,
        metadata,
        created_at,
    })
}

async fn add_messages(
    State(shared): State<Arc<Shared>>,
    ApiPath((agent, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let list = body_object(&body)?
        .get("messages")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::bad_request("messages must be a non-empty array"))?;
    let incoming = list
        .iter()
        .enumerate()
        .map(|(i, m)| parse_incoming(m, i))
        .collect::<Result<Vec<_>, _>>()?;

    let mut world = shared.world();
    let World { chatdash, rng, .. } = &mut *world;
    let c = locate(chatdash, &agent, &id, false)?;
    for m in incoming {
        let at = m.created_at.unwrap_or_else(now);
        let operator_id = c.ext.live_agent_id.clone();
        match m.author {
            // A customer message has the platform's effects (read = false, interacted).
            Author::Customer => c.customer_says(rng, m.text, false, at),
            Author::Operator { .. } => {
                c.push(rng, Author::Operator { user_id: operator_id }, m.text, at);
            }
            Author::Ai => {
                c.push(rng, Author::Ai, m.text, at);
            }
        }
        // Exactly the metadata that was sent (none invented for imported bot messages).
        if let Some(stored) = c.messages.last_mut() {
            stored.metadata = m.metadata;
        }
    }
    c.updated_at = now();
    Ok(Json(json!({"message": "Messages added successfully"})))
}
