//! The raia "external" API (platforms.md §2, the vendor OpenAPI in specs/): conversations,
//! states, mode switch and manual messages. Auth is checked in `api_gate`.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    routing::{get, post, put},
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    ApiError, ApiJson, ApiPath, Shared, body_object, opt_str, query_bool, query_map, query_time, required_text,
    world::{
        Author, Conversation, Conversations, Message, RaiaExt, RaiaState, RaiaStateDef, RaiaWorld, World, find,
        find_mut, fmt_ts, now,
    },
};

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/external/conversations", get(list))
        .route("/external/conversations/states", get(states))
        .route("/external/conversations/{id}", get(get_one).put(update))
        .route("/external/conversations/{id}/mode", put(set_mode))
        .route(
            "/external/conversations/{id}/send-manual-message",
            post(send_manual_message),
        )
        .route("/external/conversations/{id}/messages", get(messages))
        .route("/external/agents/by-api-key", get(agent))
}

const NOT_FOUND: &str = "Conversation not found.";
const MAX_PAGE_SIZE: u64 = 100;

// ---------------------------------------------------------------------------------------------
// Wire types (ConversationResponseDTO, ConversationMessageResponseDTO, ...)

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserDto {
    id: String,
    first_name: String,
    last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    source: &'static str,
    is_anonymized: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConversationDto {
    id: String,
    conversation_user_id: String,
    // Optional and not nullable in the spec: left out when unset, never `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<u32>,
    ai_conversation_id: String,
    metadata: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai_call_id: Option<String>,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_state_id: Option<String>,
    user: UserDto,
    created_at: String,
    updated_at: String,
    /// Nullable in the spec: `null` when nobody is assigned.
    assigned_user: Option<Value>,
    is_anonymized: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    feedbacks: Option<Vec<Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageDto {
    id: String,
    message: String,
    raw_message: String,
    conversation_id: String,
    sender_role: &'static str,
    conversation_message_id: String,
    source: String,
    created_at: String,
    is_anonymized: bool,
    files: Vec<Value>,
}

/// `user.source` for a message source.
fn user_source(channel: &str) -> &'static str {
    match channel {
        "sms" => "sms",
        "email" => "email",
        "voice" => "voice",
        _ => "webchat",
    }
}

/// The conversation as raia serves it; `with_feedbacks` for the ...WithFeedbacks variant.
pub(super) fn conversation_json(states: &[RaiaStateDef], c: &Conversation<RaiaExt>, with_feedbacks: bool) -> Value {
    let dto = ConversationDto {
        id: c.id.clone(),
        conversation_user_id: c.ext.user_id.clone(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        score: c.ext.score,
        ai_conversation_id: c.ext.ai_conversation_id.clone(),
        metadata: json!({ "customData": custom_data(c) }),
        ai_call_id: c.ext.ai_call_id.clone(),
        mode: if c.ext.manual { "manual" } else { "ai" },
        conversation_state_id: states.iter().find(|s| s.state == c.ext.state).map(|s| s.id.clone()),
        user: UserDto {
            id: c.ext.user_id.clone(),
            first_name: c.customer.first_name.clone(),
            last_name: c.customer.last_name.clone(),
            email: c.customer.email.clone(),
            phone_number: c.customer.phone.clone(),
            source: user_source(&c.channel),
            is_anonymized: false,
        },
        created_at: fmt_ts(c.created_at),
        updated_at: fmt_ts(c.updated_at),
        assigned_user: None,
        is_anonymized: false,
        feedbacks: with_feedbacks.then(Vec::new),
    };
    serde_json::to_value(dto).unwrap_or(Value::Null)
}

/// `metadata.customData`: the fields the business attached to the conversation.
fn custom_data(c: &Conversation<RaiaExt>) -> Value {
    Value::Object(
        (c.ext.custom_data.iter())
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect(),
    )
}

pub(super) fn messages_json(c: &Conversation<RaiaExt>) -> Vec<Value> {
    c.messages.iter().map(|m| message_json(c, m)).collect()
}

fn message_json(c: &Conversation<RaiaExt>, m: &Message) -> Value {
    let dto = MessageDto {
        id: m.id.clone(),
        message: m.text.clone(),
        raw_message: m.text.clone(),
        conversation_id: c.id.clone(),
        sender_role: match m.author {
            Author::Customer => "conversation_user",
            Author::Ai => "assistant",
            Author::Operator { .. } => "manual_assistant",
        },
        conversation_message_id: m.reply_to.clone(),
        source: c.channel.clone(),
        created_at: fmt_ts(m.created_at),
        is_anonymized: false,
        files: Vec::new(),
    };
    serde_json::to_value(dto).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let q = query_map(raw.as_deref());
    let number = |key: &str, default: u64| -> Result<u64, ApiError> {
        match q.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiError::bad_request(format!("{key} must be a positive integer"))),
        }
    };
    let page = number("page", 1)?;
    let page_size = number("pageSize", 20)?;
    if page_size > MAX_PAGE_SIZE {
        return Err(ApiError::bad_request(format!(
            "pageSize must not be greater than {MAX_PAGE_SIZE}"
        )));
    }
    let by_updated = match q.get("orderBy").map(String::as_str) {
        None | Some("createdAt") => false,
        Some("updatedAt") => true,
        Some(_) => return Err(ApiError::bad_request("orderBy must be one of: createdAt, updatedAt")),
    };
    let descending = match q.get("orderDirection").map(String::as_str) {
        None | Some("DESC") => true,
        Some("ASC") => false,
        Some(_) => return Err(ApiError::bad_request("orderDirection must be one of: ASC, DESC")),
    };
    let start = query_time(&q, "startDate")?;
    let end = query_time(&q, "endDate")?;
    let feedbacks_only = query_bool(&q, "withFeedbacksOnly")?.unwrap_or(false);
    let keyword = q
        .get("searchKeyword")
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty());
    let user_id = q.get("userId");

    let world = shared.world();
    let raia = &world.raia;
    let agent_matches = keyword
        .as_ref()
        .is_some_and(|k| raia.agent.name.to_lowercase().contains(k));
    let matches = |c: &&Conversation<RaiaExt>| {
        start.is_none_or(|s| c.updated_at >= s)
            && end.is_none_or(|e| c.updated_at <= e)
            && user_id.is_none_or(|u| &c.ext.user_id == u)
            && !feedbacks_only // no conversation has feedbacks
            && (agent_matches || keyword.as_ref().is_none_or(|k| search_matches(c, k)))
    };
    let skip = usize::try_from((page - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let take = usize::try_from(page_size).unwrap_or(usize::MAX);
    let (total, items) = if by_updated {
        by_updated_page(
            raia.conversations.iter().filter(matches).collect(),
            descending,
            skip,
            take,
        )
    } else {
        by_created_page(&raia.conversations, matches, descending, skip, take)
    };
    let total = total as u64;
    let total_pages = total.div_ceil(page_size);
    let data: Vec<Value> = items
        .into_iter()
        .map(|c| conversation_json(&raia.states, c, true))
        .collect();
    Ok(Json(json!({
        "currentPage": page,
        "pageSize": page_size,
        "totalItems": total,
        "totalPages": total_pages,
        "hasNextPage": page < total_pages,
        "hasPreviousPage": page > 1,
        "data": data,
    })))
}

/// One page in creation order, from the index: no sort, one pass to count the matches.
fn by_created_page<'a>(
    list: &'a Conversations<RaiaExt>,
    matches: impl Fn(&&'a Conversation<RaiaExt>) -> bool,
    descending: bool,
    skip: usize,
    take: usize,
) -> (usize, Vec<&'a Conversation<RaiaExt>>) {
    let all = list.in_created_order(0..list.len());
    let ordered: Box<dyn Iterator<Item = _>> = if descending { Box::new(all.rev()) } else { Box::new(all) };
    let mut total = 0;
    let mut items = Vec::new();
    for c in ordered.filter(matches) {
        if total >= skip && items.len() < take {
            items.push(c);
        }
        total += 1;
    }
    (total, items)
}

/// One page in `updatedAt` order (which changes all the time, so it has no index): only the
/// matches up to the page's end are put in order.
fn by_updated_page(
    mut items: Vec<&Conversation<RaiaExt>>,
    descending: bool,
    skip: usize,
    take: usize,
) -> (usize, Vec<&Conversation<RaiaExt>>) {
    let total = items.len();
    let order = |a: &&Conversation<RaiaExt>, b: &&Conversation<RaiaExt>| {
        let order = (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id));
        if descending { order.reverse() } else { order }
    };
    let end = skip.saturating_add(take).min(total);
    if end < total {
        items.select_nth_unstable_by(end, order);
        items.truncate(end);
    }
    items.sort_unstable_by(order);
    (total, items.into_iter().skip(skip).collect())
}

/// searchKeyword: title, summary, user first/last name, email and phone.
fn search_matches(c: &Conversation<RaiaExt>, keyword: &str) -> bool {
    [
        c.title.as_deref(),
        c.summary.as_deref(),
        Some(c.customer.first_name.as_str()),
        Some(c.customer.last_name.as_str()),
        Some(c.customer.full_name().as_str()),
        c.customer.email.as_deref(),
        c.customer.phone.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(keyword))
}

async fn get_one(State(shared): State<Arc<Shared>>, ApiPath(id): ApiPath<String>) -> Result<Json<Value>, ApiError> {
    let world = shared.world();
    let c = find(&world.raia.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    Ok(Json(conversation_json(&world.raia.states, c, true)))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let title = opt_str(obj, "title")?;
    if title.is_some_and(|t| t.chars().count() > 255) {
        return Err(ApiError::bad_request(
            "title must be shorter than or equal to 255 characters",
        ));
    }
    let context = opt_str(obj, "context")?;
    let status = opt_str(obj, "status")?;
    if status.is_some_and(|s| !matches!(s, "active" | "inactive" | "archived")) {
        return Err(ApiError::bad_request(
            "status must be one of the following values: active, inactive, archived",
        ));
    }
    let state_id = opt_str(obj, "conversationStateId")?;

    let mut world = shared.world();
    let RaiaWorld {
        states, conversations, ..
    } = &mut world.raia;
    let state = match state_id {
        None => None,
        Some(sid) => Some(
            states
                .iter()
                .find(|s| s.id == sid)
                .map(|s| s.state)
                .ok_or_else(|| ApiError::bad_request("Conversation state not found."))?,
        ),
    };
    let c = find_mut(conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if let Some(title) = title {
        c.title = Some(title.to_owned());
    }
    if let Some(context) = context {
        c.ext.context = Some(context.to_owned());
    }
    if let Some(status) = status {
        c.ext.status = status.to_owned();
        if status == "archived" {
            // raia never returns `status`; the sandbox makes archiving visible as "Resolved".
            c.ext.state = RaiaState::Resolved;
        }
    }
    if let Some(state) = state {
        c.ext.state = state;
    }
    c.updated_at = now();
    Ok(Json(conversation_json(states, c, false)))
}

async fn states(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.world();
    let states: Vec<Value> = world
        .raia
        .states
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "color": s.color,
                "isPersistent": s.is_persistent,
                "createdAt": fmt_ts(s.created_at),
                "updatedAt": fmt_ts(s.created_at),
            })
        })
        .collect();
    Json(Value::Array(states))
}

async fn set_mode(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let manual = match opt_str(obj, "mode")? {
        Some("manual") => true,
        Some("ai") => false,
        _ => {
            return Err(ApiError::bad_request(
                "mode must be one of the following values: manual, ai",
            ));
        }
    };
    let mut world = shared.world();
    let RaiaWorld {
        states, conversations, ..
    } = &mut world.raia;
    let c = find_mut(conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    // The conversation state is left alone: raia knows nothing of what a state means.
    c.ext.manual = manual;
    c.updated_at = now();
    Ok(Json(conversation_json(states, c, false)))
}

async fn send_manual_message(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    let text = required_text(obj, "message")?.to_owned();
    let reply_to = opt_str(obj, "conversationMessageId")?.map(str::to_owned);
    let author_id = opt_str(obj, "authorId")?.map(str::to_owned);
    if obj.get("files").is_some_and(|f| !f.is_array() && !f.is_null()) {
        return Err(ApiError::bad_request("files must be an array"));
    }

    let mut world = shared.world();
    let World { raia, rng, .. } = &mut *world;
    let c = find_mut(&mut raia.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    if !c.ext.manual || c.ext.ai_call_id.is_some() {
        return Err(ApiError::bad_request(
            "Conversation must be in manual mode and not a voice conversation.",
        ));
    }
    c.push(rng, Author::Operator { user_id: author_id }, text, now());
    if let (Some(reply_to), Some(stored)) = (reply_to, c.messages.last_mut()) {
        stored.reply_to = reply_to;
    }
    let sent = c.messages.last().map(|m| message_json(c, m)).unwrap_or(Value::Null);
    Ok(Json(sent))
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(raw.as_deref());
    let descending = match q.get("orderDirection").map(String::as_str) {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(_) => return Err(ApiError::bad_request("orderDirection must be one of: ASC, DESC")),
    };
    query_bool(&q, "shouldIncludeFeedbacks")?;
    let world = shared.world();
    let c = find(&world.raia.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let mut list = messages_json(c);
    if descending {
        list.reverse();
    }
    Ok(Json(json!({ "messages": list })))
}

async fn agent(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.world();
    let a = &world.raia.agent;
    Json(json!({
        "id": a.id,
        "name": a.name,
        "publicName": a.public_name,
        "organizationId": a.organization_id,
        "organizationName": a.organization_name,
        "avatarUrl": null,
        "status": "active",
    }))
}
