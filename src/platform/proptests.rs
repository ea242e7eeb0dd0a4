//! Property tests (run by `cargo test`): the sanitiser and every adapter's parsing and mapping
//! meet arbitrary input. Whatever arrives, nothing panics, and no string that reaches the model
//! carries a terminal control.

use super::http::decode;
use super::json::Each;
use super::{Operator, chatdash, chatvolt, raia};
use crate::domain::sanitize::{sanitize, sanitize_line};
use crate::domain::{Conversation, Message};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Text weighted towards what attacks a terminal: escapes, C0/C1, bidi controls, tabs, wide
/// and combining characters, mixed with ordinary letters.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{1b}".to_string()),
        Just("\u{1b}[".to_string()),
        Just("\u{1b}]".to_string()),
        Just("\u{1b}P".to_string()),
        Just("\u{1b}\\".to_string()),
        Just("\u{7}".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{9c}".to_string()),
        Just("\u{9d}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("李👋🏽e\u{301}".to_string()),
        "[a-z0-9;:/ ]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(pieces, 0..24).prop_map(|p| p.concat())
}

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn clean(s: &str) -> bool {
    !s.chars().any(is_control)
}

fn conversation_is_clean(c: &Conversation) -> bool {
    [
        Some(&c.key.id),
        Some(&c.customer_name),
        c.customer_contact.as_ref(),
        c.channel.as_ref(),
        c.assignee.as_ref(),
    ]
    .into_iter()
    .flatten()
    .all(|s| clean(s) && !s.contains('\n'))
}

fn message_is_clean(m: &Message) -> bool {
    clean(&m.id) && clean(&m.text) && m.attachments.iter().all(|a| clean(&a.name))
}

/// A JSON value built from hostile strings, numbers, nulls, and nesting: the shape of nothing
/// in particular, to put where a field is expected.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        hostile_text().prop_map(Value::from),
        Just(json!("2026-11-22T10:00:00.000Z")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::hash_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `base` with each named field replaced by an arbitrary value (or kept).
fn mutate(base: Value, fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::collection::vec(proptest::option::of(any_json()), fields.len()).prop_map(move |values| {
        let mut v = base.clone();
        for (field, value) in fields.iter().zip(values) {
            if let Some(value) = value {
                v[*field] = value;
            }
        }
        v
    })
}

fn me() -> Operator {
    Operator {
        name: Some("Dana".into()),
        email: Some("dana@example.com".into()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sanitised_text_has_no_controls_and_is_stable(s in hostile_text()) {
        let once = sanitize(&s);
        prop_assert!(clean(&once), "{once:?}");
        prop_assert_eq!(sanitize(&once), once.clone());
        let line = sanitize_line(&s);
        prop_assert!(clean(&line) && !line.contains('\n'), "{line:?}");
    }

    #[test]
    fn sanitising_arbitrary_unicode_never_panics(s in any::<String>()) {
        prop_assert!(clean(&sanitize(&s)));
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode::<raia::WirePage>(&bytes);
        let _ = decode::<raia::WireMessages>(&bytes);
        let _ = decode::<Vec<chatvolt::WireConversation>>(&bytes);
        let _ = decode::<chatvolt::WireMessages>(&bytes);
        let _ = decode::<Each<chatdash::WireConversation>>(&bytes);
        let _ = decode::<Each<chatdash::WireMessage>>(&bytes);
    }

    #[test]
    fn raia_maps_whatever_parses_cleanly(v in mutate(json!({
        "id": "c1", "mode": "manual", "conversationStateId": "s",
        "user": {"firstName": "Ann", "lastName": "Lee", "email": "a@x", "source": "web"},
        "assignedUser": {"firstName": "Sam", "email": "s@x"},
        "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
    }), &["id", "mode", "conversationStateId", "user", "assignedUser", "title", "createdAt"]),
    m in mutate(json!({"id": "m", "message": "hi", "senderRole": "assistant", "createdAt": "2026-11-22T10:00:00Z"}),
        &["id", "message", "rawMessage", "senderRole", "files"])) {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        if let Ok(wire) = decode::<raia::WireConversation>(&bytes) {
            let c = raia::map_conversation(wire, "raia", &raia::States::default(), &me());
            prop_assert!(conversation_is_clean(&c), "{c:?}");
        }
        let bytes = serde_json::to_vec(&m).unwrap_or_default();
        if let Ok(wire) = decode::<raia::WireMessage>(&bytes) {
            let msg = raia::map_message(wire);
            prop_assert!(message_is_clean(&msg), "{msg:?}");
        }
    }

    #[test]
    fn chatvolt_maps_whatever_parses_cleanly(v in mutate(json!({
        "id": "c1", "status": "HUMAN_REQUESTED", "isAiEnabled": false, "channel": "whatsapp",
        "participantsContacts": [{"firstName": "Ann"}], "assignees": [{"id": "m", "email": "s@x"}],
        "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
    }), &["id", "title", "status", "isAiEnabled", "channel", "participantsContacts", "assignees", "visitorId", "aiUserIdentifier"]),
    m in mutate(json!({"id": "m", "text": "hi", "from": "human", "createdAt": "2026-11-22T10:00:00Z"}),
        &["id", "text", "html", "from", "userId", "attachments"])) {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        if let Ok(wire) = decode::<chatvolt::WireConversation>(&bytes) {
            let c = chatvolt::map_conversation(wire, "volt", &me());
            prop_assert!(conversation_is_clean(&c), "{c:?}");
        }
        let bytes = serde_json::to_vec(&m).unwrap_or_default();
        if let Ok(wire) = decode::<chatvolt::WireMessage>(&bytes) {
            let msg = chatvolt::map_message(wire);
            prop_assert!(message_is_clean(&msg), "{msg:?}");
        }
    }

    #[test]
    fn chatdash_maps_whatever_parses_cleanly(v in mutate(json!({
        "_id": "c1", "name": "Ann", "status": "human", "liveAgentName": "Sam", "channel": "Webchat",
        "phone": "+1", "read": false, "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z"
    }), &["_id", "name", "status", "liveAgentName", "liveAgentId", "channel", "phone", "instagramUsername", "endedAt", "isLive", "read",
        "createdAt", "updatedAt"]),
    m in mutate(json!({"sender": "user", "type": "text", "content": {"text": "hi"}, "createdAt": "2026-11-22T10:00:00Z"}),
        &["sender", "type", "content", "createdAt"])) {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        if let Ok(wire) = decode::<chatdash::WireConversation>(&bytes)
            && let Some(c) = chatdash::map_conversation(wire, "dash", "agent", &me())
        {
            prop_assert!(conversation_is_clean(&c), "{c:?}");
        }
        let bytes = serde_json::to_vec(&json!([m])).unwrap_or_default();
        if let Ok(wire) = decode::<Each<chatdash::WireMessage>>(&bytes) {
            for msg in chatdash::map_messages("agent:c1", wire.indexed("dash", "message")) {
                prop_assert!(message_is_clean(&msg), "{msg:?}");
            }
        }
    }
}
