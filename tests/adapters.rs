//! The three adapters against the sandbox over real HTTP on loopback: every operation and
//! every error class an operator can meet.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use handoff::domain::{Author, Holder, PlatformKind, Status};
use handoff::platform::PlatformError;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

fn requests<'a>(log: &'a [serde_json::Value], method: &str, path_part: &str) -> Vec<&'a serde_json::Value> {
    log.iter()
        .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.contains(path_part)))
        .collect()
}

#[tokio::test]
async fn raia_follows_every_page() {
    let h = quiet(400).await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    let listing = raia.list_conversations(None).await.unwrap();
    assert!(listing.complete);
    let ids: HashSet<_> = listing.conversations.iter().map(|c| c.key.id.clone()).collect();
    assert_eq!(ids.len(), listing.conversations.len(), "no duplicates across pages");
    let log = received(&h).await;
    let pages = requests(&log, "GET", "/raia/external/conversations");
    assert!(pages.len() >= 2, "more than one page was read: {}", pages.len());
    // The sandbox's own count agrees with what the adapter gathered.
    let total = common::http_client()
        .get(format!("{}/external/conversations?pageSize=1", h.raia_base()))
        .header("Agent-Secret-Key", &h.keys().raia)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["totalItems"]
        .as_u64()
        .unwrap();
    assert_eq!(ids.len() as u64, total);
    // Incremental: only what changed since a moment ago (nothing, in a quiet world).
    let later = raia
        .list_conversations(Some(chrono::Utc::now() + chrono::TimeDelta::minutes(1)))
        .await
        .unwrap();
    assert!(!later.complete);
    assert!(later.conversations.is_empty());
}

#[tokio::test]
async fn raia_takeover_reply_handback_resolve() {
    let h = quiet(6).await;
    let id = create(
        &h,
        "raia",
        "Ann Lee",
        "needs_human",
        json!([{"author": "customer", "text": "I need a person"}]),
    )
    .await;
    let raia = adapter(settings(&h, PlatformKind::Raia));

    let c = raia.get_conversation(&id).await.unwrap();
    assert_eq!(c.status, Status::NeedsHuman);
    assert_eq!(c.customer_name, "Ann Lee");
    let messages = raia.list_messages(&id).await.unwrap();
    assert_eq!(messages.last().map(|m| m.text.as_str()), Some("I need a person"));
    assert_eq!(messages.last().map(|m| &m.author), Some(&Author::Customer));

    // Outside manual mode raia refuses a human reply with a 400: "not allowed now".
    let err = raia.send(&id, "hello").await.unwrap_err();
    assert!(matches!(err, PlatformError::NotAllowed { .. }), "{err:?}");
    assert!(err.to_string().contains("manual mode"), "{err}");

    clear_received(&h).await;
    let taken = raia.take_over(&id).await.unwrap();
    assert!(matches!(taken.status, Status::Human { .. }), "{:?}", taken.status);
    let sent = raia.send(&id, "Hi Ann, Dana here.").await.unwrap();
    assert_eq!(sent.text, "Hi Ann, Dana here.");
    assert_eq!(
        sent.author,
        Author::Operator {
            name: None,
            is_me: true
        }
    );
    let back = raia.hand_back(&id).await.unwrap();
    assert_eq!(back.status, Status::Ai);

    let log = received(&h).await;
    let modes = requests(&log, "PUT", "/mode");
    assert_eq!(modes.len(), 2);
    assert_eq!(modes[0]["body"], json!({"mode": "manual"}));
    assert_eq!(modes[1]["body"], json!({"mode": "ai"}));
    let sends = requests(&log, "POST", "/send-manual-message");
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0]["body"], json!({"message": "Hi Ann, Dana here."}));
    assert_eq!(sends[0]["headers"]["agent-secret-key"], "[redacted]");

    let thread = raia.list_messages(&id).await.unwrap();
    assert_eq!(thread.iter().filter(|m| m.text == "Hi Ann, Dana here.").count(), 1);
    let resolved = raia.resolve(&id).await.unwrap();
    assert_eq!(resolved.status, Status::Resolved);
}

#[tokio::test]
async fn raia_refuses_replies_on_voice_conversations_even_in_manual_mode() {
    let h = quiet(30).await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    let listing = raia.list_conversations(None).await.unwrap();
    let mut refused = 0;
    for c in &listing.conversations {
        let messages = raia.list_messages(&c.key.id).await.unwrap();
        if messages.is_empty() || c.channel.as_deref() != Some("voice") {
            continue;
        }
        raia.take_over(&c.key.id).await.unwrap();
        let err = raia.send(&c.key.id, "hello").await.unwrap_err();
        assert!(matches!(err, PlatformError::NotAllowed { .. }), "{err:?}");
        refused += 1;
    }
    assert!(refused >= 1, "the sandbox world has a voice conversation");
}

#[tokio::test]
async fn chatvolt_cursor_takeover_assign_reply_resolve() {
    let h = quiet(400).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let listing = volt.list_conversations(None).await.unwrap();
    let ids: HashSet<_> = listing.conversations.iter().map(|c| c.key.id.clone()).collect();
    assert_eq!(
        ids.len(),
        listing.conversations.len(),
        "no duplicates across cursor pages"
    );
    let log = received(&h).await;
    let pages = requests(&log, "GET", "/chatvolt/conversation");
    assert!(pages.len() >= 2, "more than one page: {}", pages.len());
    assert!(
        pages[1]["query"].as_str().unwrap_or_default().contains("cursor"),
        "{:?}",
        pages[1]
    );

    let id = create(
        &h,
        "chatvolt",
        "José Álvarez",
        "needs_human",
        json!([{"author": "customer", "text": "¿Hay alguien?"}]),
    )
    .await;
    assert_eq!(volt.get_conversation(&id).await.unwrap().status, Status::NeedsHuman);
    clear_received(&h).await;
    let taken = volt.take_over(&id).await.unwrap();
    assert_eq!(
        taken.status,
        Status::Human { by: Holder::Me },
        "assigned to the operator's email"
    );
    let sent = volt.send(&id, "Hola José").await.unwrap();
    assert!(matches!(sent.author, Author::Operator { is_me: true, .. }));
    let assigned = volt.assign(&id, "sam@example.com").await.unwrap();
    assert_eq!(
        assigned.status,
        Status::Human {
            by: Holder::Other("sam@example.com".into())
        }
    );
    let back = volt.hand_back(&id).await.unwrap();
    assert_eq!(
        back.status,
        Status::Ai,
        "the request for a human was answered by the takeover"
    );
    let done = volt.resolve(&id).await.unwrap();
    assert_eq!(done.status, Status::Resolved);

    let log = received(&h).await;
    let ai = requests(&log, "POST", "/set-ai-enabled");
    assert_eq!(ai.len(), 2);
    assert_eq!(ai[0]["body"], json!({"enabled": false}));
    assert_eq!(ai[1]["body"], json!({"enabled": true}));
    assert_eq!(
        requests(&log, "POST", "/conversation/message/conversationId/")[0]["body"],
        json!({"message": "Hola José"})
    );
    let statuses: Vec<_> = requests(&log, "POST", "/set-status")
        .iter()
        .map(|r| r["body"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![json!({"status": "UNRESOLVED"}), json!({"status": "RESOLVED"})]
    );
    assert_eq!(
        requests(&log, "POST", "/assign")[0]["body"],
        json!({"email": "dana@example.com"})
    );
    assert_eq!(ai[0]["headers"]["authorization"], "[redacted]");

    let messages = volt.list_messages(&id).await.unwrap();
    let mine: Vec<_> = messages.iter().filter(|m| m.text == "Hola José").collect();
    assert_eq!(mine.len(), 1);
    assert!(matches!(mine[0].author, Author::Operator { .. }));
    assert_eq!(messages.first().map(|m| &m.author), Some(&Author::Customer));
    assert!(
        volt.mark_read(&id)
            .await
            .unwrap_err()
            .to_string()
            .contains("no mark-as-read")
    );
}

#[tokio::test]
async fn chatdash_lists_every_agent_marks_read_and_keeps_takeover_off_by_default() {
    let h = quiet(30).await;
    let dash = adapter(settings(&h, PlatformKind::Chatdash));
    let listing = dash.list_conversations(None).await.unwrap();
    let agents: HashSet<_> = listing
        .conversations
        .iter()
        .filter_map(|c| c.key.id.split_once(':').map(|(a, _)| a.to_string()))
        .collect();
    assert_eq!(
        agents,
        h.chatdash_agents().into_iter().collect(),
        "every agent's conversations"
    );
    let c = &listing.conversations[0];
    let messages = dash.list_messages(&c.key.id).await.unwrap();
    let ids: HashSet<_> = messages.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), messages.len(), "synthesised ids are distinct");
    assert_eq!(dash.list_messages(&c.key.id).await.unwrap(), messages, "and stable");

    dash.mark_read(&c.key.id).await.unwrap();
    assert_eq!(dash.get_conversation(&c.key.id).await.unwrap().unread, Some(0));

    let caps = dash.capabilities();
    assert!(caps.take_over.reason().unwrap().contains("experimental_live_agent"));
    let err = dash.take_over(&c.key.id).await.unwrap_err();
    assert!(matches!(err, PlatformError::Unavailable(_)));
    assert!(dash.send(&c.key.id, "hi").await.is_err());
    let log = received(&h).await;
    assert!(
        requests(&log, "POST", "/messages").is_empty(),
        "nothing was sent while the switch is off"
    );
}

#[tokio::test]
async fn chatdash_experimental_live_agent() {
    let h = quiet(12).await;
    let mut s = settings(&h, PlatformKind::Chatdash);
    s.experimental_live_agent = true;
    s.bearer = true;
    let dash = adapter(s);
    let listing = dash.list_conversations(None).await.unwrap();
    let id = listing
        .conversations
        .iter()
        .find(|c| c.status != Status::Resolved)
        .unwrap()
        .key
        .id
        .clone();
    clear_received(&h).await;
    assert_eq!(
        dash.take_over(&id).await.unwrap().status,
        Status::Human { by: Holder::Me }
    );
    dash.send(&id, "A person here").await.unwrap();
    assert_eq!(dash.hand_back(&id).await.unwrap().status, Status::Ai);
    assert_eq!(dash.resolve(&id).await.unwrap().status, Status::Resolved);
    let log = received(&h).await;
    let puts = requests(&log, "PUT", "/conversations/");
    assert_eq!(puts[0]["body"]["status"], "human");
    assert_eq!(puts[0]["body"]["liveAgentName"], "Dana Reyes");
    assert_eq!(
        requests(&log, "POST", "/messages")[0]["body"],
        json!({"messages": [{"sender": "agent", "type": "text", "content": {"text": "A person here"}}]})
    );
    let messages = dash.list_messages(&id).await.unwrap();
    assert_eq!(messages.iter().filter(|m| m.text == "A person here").count(), 1);
}

#[tokio::test]
async fn every_error_class() {
    let h = quiet(9).await;
    for kind in PlatformKind::ALL {
        let good = settings(&h, kind);
        let name = kind.name();

        let mut bad = good.clone();
        bad.key = handoff::domain::ApiKey::new("wrong-key");
        let err = adapter(bad).list_conversations(None).await.unwrap_err();
        assert_eq!(err.class(), "bad_key", "{name}: {err}");

        let p = adapter(good.clone());
        let missing = if kind == PlatformKind::Chatdash {
            format!("{}:000000000000000000000000", h.chatdash_agents()[0])
        } else {
            "no-such-id".into()
        };
        assert_eq!(
            p.get_conversation(&missing).await.unwrap_err().class(),
            "not_found",
            "{name}"
        );

        let path = match kind {
            PlatformKind::Raia => "/raia/external/conversations",
            PlatformKind::Chatvolt => "/chatvolt/conversation",
            PlatformKind::Chatdash => "/conversations",
        };
        arm(&h, "GET", path, json!({"status": 429, "retry_after": 7})).await;
        let err = p.list_conversations(None).await.unwrap_err();
        assert_eq!(
            err,
            PlatformError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            },
            "{name}"
        );

        arm(&h, "GET", path, json!({"status": 500})).await;
        let err = p.list_conversations(None).await.unwrap_err();
        assert!(
            matches!(err, PlatformError::Server { status: 500, .. }),
            "{name}: {err:?}"
        );

        arm(&h, "GET", path, json!({"malformed": true})).await;
        assert_eq!(
            p.list_conversations(None).await.unwrap_err().class(),
            "malformed",
            "{name}"
        );

        let mut slow = good.clone();
        slow.timeout = Duration::from_millis(300);
        arm(&h, "GET", path, json!({"delay_ms": 2000})).await;
        assert_eq!(
            adapter(slow).list_conversations(None).await.unwrap_err().class(),
            "timeout",
            "{name}"
        );

        arm(&h, "GET", path, json!({"drop": "before"})).await;
        assert_eq!(
            p.list_conversations(None).await.unwrap_err().class(),
            "network",
            "{name}"
        );

        // And the account works again right after each fault.
        p.list_conversations(None).await.unwrap();
    }
}

#[tokio::test]
async fn a_server_that_is_not_there_is_network_down() {
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for kind in PlatformKind::ALL {
        let mut s = handoff::platform::AccountSettings::new(
            "x",
            kind,
            &format!("http://127.0.0.1:{port}"),
            handoff::domain::ApiKey::new("k"),
        );
        s.agents = vec!["a1".into()];
        let err = adapter(s).list_conversations(None).await.unwrap_err();
        assert_eq!(err.class(), "network", "{kind}: {err}");
        assert!(err.is_transient());
    }
}

#[tokio::test]
async fn rate_limit_knob_gives_429_with_retry_after() {
    let h = handoff::sandbox::start(handoff::sandbox::SandboxOptions {
        speed: 0.0,
        rate_limit: Some(2),
        ..Default::default()
    })
    .await
    .unwrap();
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let mut limited = None;
    for _ in 0..5 {
        if let Err(e) = volt.get_conversation("x").await
            && e.class() == "rate_limited"
        {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("the third request in a minute is limited");
    assert!(e.retry_after().is_some(), "{e}");
}

/// A resolved conversation of `platform` made in the sandbox, and its id as the adapter knows
/// it (ChatDash's is `agent:id`).
async fn resolved_one(h: &handoff::sandbox::SandboxHandle, kind: PlatformKind) -> (String, String) {
    let id = create(
        h,
        kind.name(),
        "Rae Reopen",
        "resolved",
        json!([{"author": "customer", "text": "one more thing"}]),
    )
    .await;
    let adapter_id = match kind {
        PlatformKind::Chatdash => {
            let dash = adapter(settings(h, kind));
            let listing = dash.list_conversations(None).await.unwrap();
            let found = listing
                .conversations
                .iter()
                .find(|c| c.key.id.ends_with(&format!(":{id}")));
            found.expect("listed").key.id.clone()
        }
        _ => id.clone(),
    };
    (id, adapter_id)
}

async fn handling(h: &handoff::sandbox::SandboxHandle, platform: &str, id: &str) -> String {
    let view = control(h, reqwest::Method::GET, &format!("conversations/{platform}/{id}"), None).await;
    view["handling"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn reopen_on_each_platform_to_its_contract() {
    let h = quiet(6).await;
    // What each platform is sent to reopen, and how the sandbox sees it afterwards.
    let cases = [
        (PlatformKind::Raia, "PUT", "/raia/external/conversations/", "ai"),
        (PlatformKind::Chatvolt, "POST", "/set-status", "ai"),
        (PlatformKind::Chatdash, "PUT", "/agents/", "ai"),
    ];
    for (kind, method, path, after) in cases {
        let (id, adapter_id) = resolved_one(&h, kind).await;
        let p = adapter(settings(&h, kind));
        assert!(p.capabilities().reopen.is_yes(), "{kind}");
        assert_eq!(p.get_conversation(&adapter_id).await.unwrap().status, Status::Resolved);
        clear_received(&h).await;
        let reopened = p.reopen(&adapter_id).await.unwrap();
        assert_eq!(reopened.status, Status::Ai, "{kind}");
        assert_eq!(
            handling(&h, kind.name(), &id).await,
            after,
            "{kind}: open on the platform"
        );
        let log = received(&h).await;
        let writes: Vec<_> = log.iter().filter(|r| r["method"] != "GET").collect();
        assert_eq!(writes.len(), 1, "{kind}: one write {writes:?}");
        assert_eq!(writes[0]["method"], method, "{kind}");
        assert!(
            writes[0]["path"].as_str().unwrap().contains(path),
            "{kind}: {}",
            writes[0]["path"]
        );
        let body = &writes[0]["body"];
        match kind {
            PlatformKind::Raia => {
                let states = common::http_client()
                    .get(format!("{}/external/conversations/states", h.raia_base()))
                    .header("Agent-Secret-Key", &h.keys().raia)
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap();
                let new = states.as_array().unwrap().iter().find(|s| s["name"] == "New").unwrap();
                assert_eq!(body, &json!({"conversationStateId": new["id"]}));
            }
            PlatformKind::Chatvolt => assert_eq!(body, &json!({"status": "UNRESOLVED"})),
            PlatformKind::Chatdash => assert_eq!(body, &json!({"isLive": true})),
        }
    }
}

#[tokio::test]
async fn a_reopen_whose_answer_cannot_be_read_is_settled_by_reading_the_conversation_back() {
    let h = quiet(6).await;
    let (id, _) = resolved_one(&h, PlatformKind::Chatvolt).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let path = format!("/chatvolt/conversations/{id}/set-status");
    // Applied, then the connection dropped: done, as the conversation read back shows.
    arm(&h, "POST", &path, json!({"drop": "after"})).await;
    let done = handoff::sync::effects::act(&*volt, &id, &handoff::app::Op::Reopen).await;
    assert_eq!(done.map(|c| c.map(|c| c.status)), Ok(Some(Status::Ai)));
    // Resolved again; a 502 that did not apply it: not reopened, and not unknown either.
    volt.resolve(&id).await.unwrap();
    arm(&h, "POST", &path, json!({"status": 502})).await;
    let failed = handoff::sync::effects::act(&*volt, &id, &handoff::app::Op::Reopen)
        .await
        .unwrap_err();
    assert!(!failed.unknown, "{failed:?}");
    // Dropped before it applied, and the read-back fails too: unknown, never failed.
    arm(&h, "POST", &path, json!({"drop": "before"})).await;
    arm(
        &h,
        "GET",
        &format!("/chatvolt/conversation/{id}"),
        json!({"status": 500}),
    )
    .await;
    let unknown = handoff::sync::effects::act(&*volt, &id, &handoff::app::Op::Reopen)
        .await
        .unwrap_err();
    assert!(unknown.unknown, "{unknown:?}");
    assert_eq!(handling(&h, "chatvolt", &id).await, "resolved");
}

#[tokio::test]
async fn raia_without_its_open_state_cannot_reopen_and_says_why() {
    let h = quiet(6).await;
    let (id, _) = resolved_one(&h, PlatformKind::Raia).await;
    let mut s = settings(&h, PlatformKind::Raia);
    s.open_state = Some("Reopened".into());
    let raia = adapter(s);
    clear_received(&h).await;
    let err = raia.reopen(&id).await.unwrap_err();
    assert!(matches!(err, PlatformError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("\"Reopened\""), "{err}");
    let log = received(&h).await;
    assert!(log.iter().all(|r| r["method"] == "GET"), "nothing written: {log:?}");
}

// ---- Notes (issue 13, point 3): Chatvolt's notes API ----

#[tokio::test]
async fn chatvolt_notes_are_created_private_and_listed_oldest_first_cleaned() {
    let h = quiet(0).await;
    let id = create(
        &h,
        "chatvolt",
        "Nora",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    assert!(volt.has_notes());
    assert!(volt.list_notes(&id).await.unwrap().is_empty());
    let first = volt.create_note(&id, "refund approved by Sam").await.unwrap();
    assert_eq!(first.text, "refund approved by Sam");
    assert_eq!(first.place, handoff::domain::NotePlace::Platform);
    assert_eq!(first.author.as_deref(), Some("staff@volt.example"));
    volt.create_note(&id, "second \u{1b}]0;pwned\u{7}line").await.unwrap();
    let notes = volt.list_notes(&id).await.unwrap();
    let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["refund approved by Sam", "second line"]);
    assert_eq!(notes[0].id, first.id);
    // What reached the notes endpoint: the documented body, private; never the messages.
    let log = received(&h).await;
    let posts = requests(&log, "POST", &format!("/chatvolt/conversations/{id}/notes"));
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[0]["body"],
        json!({"note": "refund approved by Sam", "isPrivate": true})
    );
    assert_eq!(count_on_server(&h, "chatvolt", &id, "refund approved").await, 0);
}

#[tokio::test]
async fn a_chatvolt_note_too_long_is_refused_before_anything_is_sent() {
    let h = quiet(0).await;
    let id = create(
        &h,
        "chatvolt",
        "Nora",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    clear_received(&h).await;
    let error = volt.create_note(&id, &"x".repeat(501)).await.unwrap_err();
    assert!(matches!(error, PlatformError::NotAllowed { .. }), "{error:?}");
    assert!(requests(&received(&h).await, "POST", "/notes").is_empty());
    // 500 is the limit, and fits.
    volt.create_note(&id, &"é".repeat(500)).await.unwrap();
}

#[tokio::test]
async fn a_chatvolt_note_whose_answer_is_lost_is_settled_by_reading_the_notes_and_unknown_when_that_fails() {
    let h = quiet(0).await;
    let id = create(
        &h,
        "chatvolt",
        "Nora",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let path = format!("/chatvolt/conversations/{id}/notes");
    // Applied, then the connection dropped: the notes read back show it, so it is saved.
    arm(&h, "POST", &path, json!({"drop": "after"})).await;
    let saved = handoff::sync::effects::note(&*volt, &id, "call back at 5", &[])
        .await
        .unwrap();
    assert_eq!(saved.text, "call back at 5");
    // The same words again, dropped before they were applied: the earlier note is not this one.
    arm(&h, "POST", &path, json!({"drop": "before"})).await;
    let failed = handoff::sync::effects::note(&*volt, &id, "call back at 5", std::slice::from_ref(&saved.id))
        .await
        .unwrap_err();
    assert!(!failed.ambiguous, "{failed:?}");
    // Dropped, and the notes cannot be read either: unknown, never failed.
    arm(&h, "POST", &path, json!({"drop": "before"})).await;
    arm(&h, "GET", &path, json!({"status": 500})).await;
    let unknown = handoff::sync::effects::note(&*volt, &id, "third", &[])
        .await
        .unwrap_err();
    assert!(unknown.ambiguous, "{unknown:?}");
    // A 2xx whose body is not a note: unknown until the notes show it.
    arm(&h, "POST", &path, json!({"applied_body": {"success": true}})).await;
    let taken = handoff::sync::effects::note(&*volt, &id, "fourth", &[]).await.unwrap();
    assert_eq!(taken.text, "fourth");
    assert_eq!(volt.list_notes(&id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn raia_and_chatdash_keep_no_notes_and_are_never_asked() {
    let h = quiet(2).await;
    for kind in [PlatformKind::Raia, PlatformKind::Chatdash] {
        let a = adapter(settings(&h, kind));
        assert!(!a.has_notes());
        assert!(matches!(a.list_notes("x").await, Err(PlatformError::Unavailable(_))));
    }
}
