//! Chatvolt's notes (docs: create-note; the list as platforms.md §7 decides): `POST` takes
//! `{note (required, at most 500 characters), isPrivate?, isJustify?, notificationDateTime?}`
//! and answers 201 with the note; `GET` answers the conversation's notes, oldest first.

use std::sync::Arc;

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::super::{
    ApiError, ApiJson, ApiPath, Shared, body_object, opt_bool, opt_str, required_text,
    world::{VoltNote, cuid, find, fmt_ts, now},
};
use super::NOT_FOUND;

/// The email of the staff user the sandbox's API key belongs to.
const STAFF_EMAIL: &str = "staff@volt.example";
/// The longest note the docs allow.
const MAX_CHARS: usize = 500;

fn note_json(organization_id: &str, staff: &str, n: &VoltNote) -> Value {
    json!({
        "id": n.id,
        "note": n.note,
        "isPrivate": n.is_private,
        "isJustification": false,
        "conversationId": n.conversation_id,
        "organizationId": organization_id,
        "userId": staff,
        "userEmail": STAFF_EMAIL,
        "notificationDateTime": null,
        "sendDesktopNotification": false,
        "createdAt": fmt_ts(n.created_at),
        "updatedAt": fmt_ts(n.created_at),
    })
}

pub(in crate::sandbox) async fn list(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let world = shared.world();
    let volt = &world.chatvolt;
    find(&volt.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let notes = volt.notes.get(&id).map(Vec::as_slice).unwrap_or_default();
    let listed: Vec<Value> = notes
        .iter()
        .map(|n| note_json(&volt.organization_id, &volt.staff_user_id, n))
        .collect();
    Ok(Json(Value::Array(listed)))
}

pub(in crate::sandbox) async fn create(
    State(shared): State<Arc<Shared>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let obj = body_object(&body)?;
    let text = required_text(obj, "note")?.to_owned();
    if text.chars().count() > MAX_CHARS {
        return Err(ApiError::bad_request(
            "note must be shorter than or equal to 500 characters",
        ));
    }
    let is_private = opt_bool(obj, "isPrivate")?.unwrap_or(false);
    opt_bool(obj, "isJustify")?;
    opt_str(obj, "notificationDateTime")?;
    let mut world = shared.world();
    let world = &mut *world;
    find(&world.chatvolt.conversations, &id).ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let note = VoltNote {
        id: cuid(&mut world.rng),
        conversation_id: id.clone(),
        note: text,
        is_private,
        created_at: now(),
    };
    let volt = &mut world.chatvolt;
    let answer = note_json(&volt.organization_id, &volt.staff_user_id, &note);
    volt.notes.entry(id).or_default().push(note);
    Ok((StatusCode::CREATED, Json(answer)))
}
