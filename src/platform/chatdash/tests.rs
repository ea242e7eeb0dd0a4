//! ChatDash's mapping, ids, windows and the experimental live agent, without a server.

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
    crate::platform::http::install_tls_provider();
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
