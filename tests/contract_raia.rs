//! Answers raia's OpenAPI allows (specs/raia-external-api.openapi.json) that the sandbox does
//! not give by itself, served through armed faults: the adapter, and the binary where a person
//! meets it, must understand each one.
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff, setup};
use common::*;
use handoff::domain::{PlatformKind, Status};
use serde_json::{Value, json};

const STATES: &str = "/raia/external/conversations/states";

/// The sandbox's own states, as it serves them (an array).
async fn sandbox_states(h: &handoff::sandbox::SandboxHandle) -> Vec<Value> {
    common::http_client()
        .get(format!("{}/external/conversations/states", h.raia_base()))
        .header("Agent-Secret-Key", &h.keys().raia)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

fn named<'a>(states: &'a [Value], name: &str) -> &'a Value {
    states.iter().find(|s| s["name"] == name).unwrap()
}

/// `ExternalApiGetConversationStateResponseDTO` is one object in the spec, not an array: the
/// account still lists, and that state still means what the config says.
#[tokio::test]
async fn states_as_one_object_as_the_spec_describes() {
    let h = quiet(4).await;
    let id = create(
        &h,
        "raia",
        "Ann Lee",
        "needs_human",
        json!([{"author": "customer", "text": "a person"}]),
    )
    .await;
    let needs_human = named(&sandbox_states(&h).await, "Needs human").clone();
    arm(&h, "GET", STATES, json!({"status": 200, "body": needs_human})).await;

    let raia = adapter(settings(&h, PlatformKind::Raia));
    let listing = raia.list_conversations(None).await.expect("the account lists");
    let c = listing.conversations.iter().find(|c| c.key.id == id).unwrap();
    assert_eq!(c.status, Status::NeedsHuman);
}

/// The messages a thread answers with, the nullable and optional fields as `null`.
fn messages_with_nulls(id: &str) -> Value {
    json!({"messages": [
        {"id": "m1", "message": "my receipt", "rawMessage": null, "conversationId": id,
         "senderRole": "conversation_user", "conversationMessageId": "m1", "source": "live_chat",
         "createdAt": "2026-11-20T10:00:00.000Z", "isAnonymized": false,
         "files": null, "conversationMessageFeedbacks": null, "fullAIResponse": null,
         "subagentId": null, "expandedMessage": null},
        {"id": "m2", "message": "Thanks, got it", "conversationId": id,
         "senderRole": "assistant", "conversationMessageId": "m1", "source": "live_chat",
         "createdAt": "2026-11-20T10:01:00.000Z", "isAnonymized": false,
         "files": [{"id": "f1", "fileName": "receipt.pdf", "openAIFileId": "x", "size": null,
                    "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z"}]},
    ]})
}

/// The conversation with every optional field `null`.
fn conversation_with_nulls(id: &str) -> Value {
    json!({"id": id, "conversationUserId": "u1", "aiConversationId": "conv_1",
           "title": null, "score": null, "summary": null, "metadata": null, "aiCallId": null,
           "mode": null, "conversationStateId": null, "assignedUser": null, "feedbacks": null,
           "user": {"id": "u1", "firstName": "Ann", "lastName": "Lee", "email": null,
                    "phoneNumber": null, "source": null, "context": null, "metadata": null,
                    "isAnonymized": false},
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:01:00.000Z",
           "isAnonymized": false})
}

#[tokio::test]
async fn nulls_where_optional_do_not_fail_the_thread() {
    let h = quiet(4).await;
    let id = create(&h, "raia", "Ann Lee", "ai", json!([])).await;
    let path = format!("/conversations/{id}/messages");
    arm(
        &h,
        "GET",
        &path,
        json!({"status": 200, "body": messages_with_nulls(&id)}),
    )
    .await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    let messages = raia.list_messages(&id).await.expect("the thread reads");
    assert_eq!(messages.len(), 2);
    assert!(messages[0].attachments.is_empty());
    assert_eq!(messages[1].attachments[0].name, "receipt.pdf");

    arm(
        &h,
        "GET",
        &format!("/conversations/{id}"),
        json!({"status": 200, "body": conversation_with_nulls(&id)}),
    )
    .await;
    let c = raia.get_conversation(&id).await.expect("the conversation reads");
    assert_eq!(c.customer_name, "Ann Lee");
    assert_eq!(c.status, Status::Ai);
    assert_eq!(c.no_reply, None, "aiCallId: null is not a voice call");
}

#[tokio::test(flavor = "multi_thread")]
async fn show_reads_a_thread_with_nulls() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let id = create(&h, "raia", "Ann Lee", "ai", json!([])).await;
    arm(
        &h,
        "GET",
        &format!("/conversations/{id}/messages"),
        json!({"status": 200, "body": messages_with_nulls(&id)}),
    )
    .await;
    arm(
        &h,
        "GET",
        &format!("/conversations/{id}"),
        json!({"status": 200, "body": conversation_with_nulls(&id)}),
    )
    .await;
    let shown = handoff(&config, dir.path(), &["show", &format!("raia/{id}")], None).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains("my receipt"), "{}", shown.stdout);
    assert!(shown.stdout.contains("[attachment: receipt.pdf]"), "{}", shown.stdout);
}

/// `aiCallId` set marks a voice call, where raia refuses a manual message (platforms.md §7.6).
#[tokio::test]
async fn a_voice_call_says_why_it_takes_no_reply() {
    let h = quiet(4).await;
    let voice = control(
        &h,
        reqwest::Method::POST,
        "conversations",
        Some(json!({"platform": "raia", "customer_name": "Ann Lee", "status": "human", "channel": "voice"})),
    )
    .await;
    let voice = voice["id"].as_str().unwrap();
    let chat = create(&h, "raia", "Bo Chen", "human", json!([])).await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    let why = raia.get_conversation(voice).await.unwrap().no_reply;
    assert!(why.as_deref().is_some_and(|w| w.contains("voice call")), "{why:?}");
    assert_eq!(raia.get_conversation(&chat).await.unwrap().no_reply, None);
}

/// What raia's spec leaves optional (and not nullable) the sandbox leaves out when unset, as
/// raia does; `assignedUser`, nullable, stays `null`. The adapter reads both.
#[tokio::test]
async fn the_sandbox_leaves_out_what_the_spec_leaves_out() {
    let h = quiet(4).await;
    let id = create(&h, "raia", "Ann Lee", "ai", json!([])).await;
    let raw: Value = common::http_client()
        .get(format!("{}/external/conversations/{id}", h.raia_base()))
        .header("Agent-Secret-Key", &h.keys().raia)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in ["title", "summary", "aiCallId"] {
        assert!(raw.get(field).is_none(), "{field} left out, not null: {raw}");
    }
    assert_eq!(raw["assignedUser"], Value::Null, "nullable, so null: {raw}");
    let raia = adapter(settings(&h, PlatformKind::Raia));
    let c = raia.get_conversation(&id).await.expect("read without them");
    assert_eq!((c.customer_name.as_str(), c.no_reply), ("Ann Lee", None));
}
