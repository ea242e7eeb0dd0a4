//! The control API under `/_sandbox/` (no auth, JSON, never faulted or recorded): make a
//! customer speak, create conversations with exact strings, look at the server's own state,
//! read what the APIs received, change the knobs and arm one-shot faults.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::Arc,
    time::Duration,
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, RawQuery, State},
    http::request::Parts,
    routing::{get, post},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::{
    ApiError, ApiJson, ApiPath, Shared, body_object, chatdash, chatvolt,
    faults::{ArmedFault, clamp_speed},
    query_map, raia,
    summary::{Summary, Tallies},
    world::{Author, Conversation, Customer, Handling, NewConversation, Platform, PlatformExt, find, now},
};

/// Control requests may be large: a test builds a 50,000-message thread or a 10 MB message in
/// one call (loopback only, like the rest of the sandbox).
const MAX_CONTROL_BODY: usize = 64 * 1024 * 1024;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/say", post(say))
        .route("/conversations", post(create))
        .route("/conversations/{platform}/{id}", get(view))
        .route("/received", get(received).delete(clear_received))
        .route("/received/summary", get(received_summary))
        .route("/settings", get(settings).post(change_settings))
        .route("/faults", get(faults).post(arm_fault).delete(clear_faults))
        .layer(DefaultBodyLimit::max(MAX_CONTROL_BODY))
}

// ---------------------------------------------------------------------------------------------
// The log of received API requests

/// Headers whose values are secrets: kept by name, value replaced.
const REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "agent-secret-key",
    "organization-secret-key",
    "super-admin-secret-key",
    "proxy-authorization",
    "cookie",
    "x-api-key",
];

/// Enough for any test; a long demo does not grow without bound.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
struct Entry {
    seq: u64,
    method: String,
    /// Full path, prefix included, without the query.
    path: String,
    /// The raw query string as sent, if any.
    query: Option<String>,
    headers: BTreeMap<String, String>,
    /// The body as JSON if it parses, else as a string; null when empty.
    body: Value,
    /// The status answered; 0 for a dropped connection, null while in flight.
    status: Option<u16>,
}

#[derive(Debug, Default)]
pub(super) struct ReceivedLog {
    next_seq: u64,
    entries: VecDeque<Entry>,
    /// Every request, small, for the summary by endpoint.
    tallies: Tallies,
}

impl ReceivedLog {
    /// Records a request to `platform` as it arrives; returns its sequence number.
    pub(super) fn record(&mut self, platform: Platform, parts: &Parts, body: &Bytes) -> u64 {
        self.next_seq += 1;
        self.tallies.record(self.next_seq, platform, parts);
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &parts.headers {
            let name = name.as_str().to_owned();
            let value = if REDACTED_HEADERS.contains(&name.as_str()) {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            headers
                .entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        };
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            seq: self.next_seq,
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body,
            status: None,
        });
        self.next_seq
    }

    /// The requests received after sequence number `since`, by platform and endpoint.
    pub(super) fn summary(&self, since: u64) -> Summary {
        self.tallies.summary(since, self.next_seq)
    }

    pub(super) fn set_status(&mut self, seq: u64, status: u16) {
        self.tallies.set_status(seq, status);
        if let Ok(i) = self.entries.binary_search_by_key(&seq, |e| e.seq) {
            self.entries[i].status = Some(status);
        }
    }
}

async fn received(State(shared): State<Arc<Shared>>) -> Json<Vec<Entry>> {
    Json(shared.received().entries.iter().cloned().collect())
}

async fn clear_received(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let mut log = shared.received();
    let cleared = log.entries.len();
    log.entries.clear();
    log.tallies.clear();
    Json(json!({ "cleared": cleared }))
}

/// `?since=<seq>`: only the requests after that one (a summary's `last_seq` starts a window).
async fn received_summary(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let since = match query_map(raw.as_deref()).get("since") {
        None => 0,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| ApiError::bad_request("since must be a non-negative integer (a sequence number)"))?,
    };
    Ok(Json(shared.received().summary(since).to_json()))
}

// ---------------------------------------------------------------------------------------------
// The world

fn parse<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn platform(name: &str) -> Result<Platform, ApiError> {
    Platform::parse(name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown platform {name:?}: expected raia, chatvolt or chatdash"
        ))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Say {
    platform: String,
    id: String,
    text: String,
    #[serde(default)]
    asks_for_human: bool,
}

async fn say(State(shared): State<Arc<Shared>>, ApiJson(body): ApiJson) -> Result<Json<Value>, ApiError> {
    let say: Say = parse(body)?;
    let platform = platform(&say.platform)?;
    let found = shared
        .world()
        .say(platform, &say.id, say.text, say.asks_for_human, now());
    if !found {
        return Err(ApiError::not_found("conversation not found"));
    }
    Ok(Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageSpec {
    author: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    platform: String,
    customer_name: String,
    /// The customer's email and phone, as each platform carries them.
    email: Option<String>,
    phone: Option<String>,
    /// raia and Chatvolt: the conversation's title.
    title: Option<String>,
    channel: Option<String>,
    status: Option<String>,
    #[serde(default)]
    messages: Vec<MessageSpec>,
    agent_id: Option<String>,
}

async fn create(State(shared): State<Arc<Shared>>, ApiJson(body): ApiJson) -> Result<Json<Value>, ApiError> {
    let create: Create = parse(body)?;
    let platform = platform(&create.platform)?;
    let handling = match create.status.as_deref() {
        None => Handling::Ai,
        Some(s) => Handling::parse(s)
            .ok_or_else(|| ApiError::bad_request("status must be one of: ai, needs_human, human, resolved"))?,
    };
    let messages = create
        .messages
        .into_iter()
        .map(|m| {
            let author = match m.author.as_str() {
                "customer" => Author::Customer,
                "ai" => Author::Ai,
                "operator" => Author::Operator { user_id: None },
                _ => {
                    return Err(ApiError::bad_request(
                        "message author must be one of: customer, ai, operator",
                    ));
                }
            };
            Ok((author, m.text))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut spec = NewConversation::new(create.customer_name, handling);
    spec.customer.email = create.email;
    spec.customer.phone = create.phone;
    spec.title = create.title;
    spec.channel = create.channel;
    spec.messages = messages;
    spec.agent_id = create.agent_id;
    let id = shared
        .world()
        .create(platform, spec, now())
        .map_err(ApiError::bad_request)?;
    Ok(Json(json!({ "id": id })))
}

fn authors<E>(c: &Conversation<E>) -> Vec<Value> {
    c.messages
        .iter()
        .map(|m| {
            let operator = match &m.author {
                Author::Operator { user_id } => user_id.clone(),
                _ => None,
            };
            json!({"author": m.author.label(), "operator_id": operator})
        })
        .collect()
}

fn customer_json(c: &Customer) -> Value {
    json!({"first_name": c.first_name, "last_name": c.last_name, "email": c.email, "phone": c.phone})
}

/// The server's own view of one conversation: the API's JSON for it and all its messages,
/// plus what the APIs do not show (who wrote each message, raia's write-only status).
async fn view(
    State(shared): State<Arc<Shared>>,
    ApiPath((platform_name, id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let platform = platform(&platform_name)?;
    let world = shared.world();
    let not_found = || ApiError::not_found("conversation not found");
    let view = match platform {
        Platform::Raia => {
            let c = find(&world.raia.conversations, &id).ok_or_else(not_found)?;
            json!({
                "conversation": raia::conversation_json(&world.raia.states, c, true),
                "messages": raia::messages_json(c),
                "authors": authors(c),
                "customer": customer_json(&c.customer),
                "internal": {"status": c.ext.status, "context": c.ext.context},
                "handling": c.ext.handling().name(),
            })
        }
        Platform::Chatvolt => {
            let c = find(&world.chatvolt.conversations, &id).ok_or_else(not_found)?;
            json!({
                "conversation": chatvolt::conversation_json(&world.chatvolt.organization_id, c),
                "messages": chatvolt::messages_json(c),
                // The notes API's (issue 13, point 3): what was written, and whether private.
                "notes": world.chatvolt.notes.get(&id).map_or_else(Vec::new, |notes| notes
                    .iter()
                    .map(|n| json!({"id": n.id, "note": n.note, "isPrivate": n.is_private}))
                    .collect()),
                "authors": authors(c),
                "customer": customer_json(&c.customer),
                "internal": {},
                "handling": c.ext.handling().name(),
            })
        }
        Platform::Chatdash => {
            let c = find(&world.chatdash.conversations, &id).ok_or_else(not_found)?;
            json!({
                "conversation": chatdash::conversation_json(c),
                "messages": chatdash::messages_json(c),
                "authors": authors(c),
                "customer": customer_json(&c.customer),
                "internal": {},
                "handling": c.ext.handling().name(),
            })
        }
    };
    let mut view = view;
    if let Some(obj) = view.as_object_mut() {
        obj.insert("platform".into(), json!(platform.name()));
        obj.insert("id".into(), json!(id));
    }
    Ok(Json(view))
}

// ---------------------------------------------------------------------------------------------
// Knobs and faults

async fn settings(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.settings().to_json())
}

/// `{latency_ms?, latency_jitter_ms?, fail_rate?, rate_limit?, speed?}`; `rate_limit: null`
/// (or 0) turns it off.
async fn change_settings(State(shared): State<Arc<Shared>>, ApiJson(body): ApiJson) -> Result<Json<Value>, ApiError> {
    let obj = body_object(&body)?;
    if let Some(key) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "latency_ms" | "latency_jitter_ms" | "fail_rate" | "rate_limit" | "speed"
        )
    }) {
        return Err(ApiError::bad_request(format!("unknown setting {key:?}")));
    }
    let millis = |key: &str| -> Result<Option<Duration>, ApiError> {
        match obj.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(|ms| Some(Duration::from_millis(ms)))
                .ok_or_else(|| ApiError::bad_request(format!("{key} must be a non-negative integer"))),
        }
    };
    let latency = millis("latency_ms")?;
    let latency_jitter = millis("latency_jitter_ms")?;
    let fail_rate = match obj.get("fail_rate") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| ApiError::bad_request("fail_rate must be between 0 and 1"))?,
        ),
    };
    let rate_limit = match obj.get("rate_limit") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(|n| (n > 0).then_some(n))
                .ok_or_else(|| ApiError::bad_request("rate_limit must be a non-negative integer or null"))?,
        ),
    };
    let speed = match obj.get("speed") {
        None => None,
        Some(v) => {
            Some(clamp_speed(v.as_f64().filter(|s| *s >= 0.0).ok_or_else(|| {
                ApiError::bad_request("speed must be a non-negative number")
            })?))
        }
    };

    if rate_limit.is_some() {
        shared.faults().reset_rate_windows();
    }
    let mut settings = shared.settings();
    if let Some(latency) = latency {
        settings.latency = latency;
    }
    if let Some(jitter) = latency_jitter {
        settings.latency_jitter = jitter;
    }
    if let Some(rate) = fail_rate {
        settings.fail_rate = rate;
    }
    if let Some(limit) = rate_limit {
        settings.rate_limit = limit;
    }
    if let Some(speed) = speed {
        settings.speed = speed;
    }
    Ok(Json(settings.to_json()))
}

async fn faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(Value::Array(shared.faults().armed()))
}

async fn arm_fault(State(shared): State<Arc<Shared>>, ApiJson(body): ApiJson) -> Result<Json<Value>, ApiError> {
    let fault = ArmedFault::parse(&body).map_err(ApiError::bad_request)?;
    let queued = shared.faults().arm(fault);
    Ok(Json(json!({ "queued": queued })))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.faults().clear_armed();
    Json(json!({ "queued": 0 }))
}
