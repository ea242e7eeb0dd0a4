//! The details panel's data and Chatvolt's operations (issue 13, points 2 and 5), through the
//! adapters over loopback HTTP against the sandbox: each platform's fields as the sandbox
//! serves them, a hostile string cleaned and an odd type tolerated (an answer armed on the
//! server), assign and priority read back after the write — also when the answer is lost.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use handoff::app::Op;
use handoff::domain::{Conversation, PlatformKind, Priority, Status};
use handoff::sync::effects;
use serde_json::json;

fn detail<'a>(c: &'a Conversation, label: &str) -> Option<&'a str> {
    c.details.as_deref().and_then(|d| d.get(label))
}

async fn all(h: &handoff::sandbox::SandboxHandle, kind: PlatformKind) -> Vec<Conversation> {
    adapter(settings(h, kind))
        .list_conversations(None)
        .await
        .unwrap()
        .conversations
}

async fn server_conversation(h: &handoff::sandbox::SandboxHandle, platform: &str, id: &str) -> serde_json::Value {
    control(h, reqwest::Method::GET, &format!("conversations/{platform}/{id}"), None).await["conversation"].clone()
}

#[tokio::test]
async fn chatvolt_details_are_what_the_sandbox_serves() {
    let h = quiet(24).await;
    let list = all(&h, PlatformKind::Chatvolt).await;
    // The sandbox marks customers asking for a human as frustrated, every other one over 0.7.
    let frustrated = list
        .iter()
        .find(|c| c.details.as_ref().is_some_and(|d| d.frustrated()))
        .expect("a frustrated customer");
    let d = frustrated.details.as_deref().unwrap();
    let served = server_conversation(&h, "chatvolt", &frustrated.key.id).await;
    assert_eq!(d.frustration, served["frustration"].as_f64().map(|f| f as f32));
    assert_eq!(d.tags, ["needs-attention"]);
    assert_eq!(d.priority.map(|p| p.wire()), served["priority"].as_str(), "{served}");
    assert_eq!(detail(frustrated, "Channel"), served["channel"].as_str());
    let variable = &served["conversationVariables"][0];
    assert_eq!(
        detail(frustrated, "Variables"),
        Some(format!("order_id: {}", variable["value"].as_str().unwrap()).as_str())
    );
    assert!(list.iter().any(|c| detail(c, "Contacts").is_some()));
    // A resolved one carries the NPS answer.
    let resolved = list.iter().find(|c| c.status == Status::Resolved).unwrap();
    assert_eq!(detail(resolved, "NPS"), Some("9 — Quick and kind."));
}

#[tokio::test]
async fn chatvolt_details_clean_hostile_strings_and_tolerate_odd_types() {
    let h = quiet(6).await;
    let id = create(&h, "chatvolt", "Eve", "ai", json!([])).await;
    let body = json!({
        "id": id, "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:05:00.000Z",
        "status": "UNRESOLVED", "isAiEnabled": true,
        // Odd types: a frustration in words, a priority as a number, a variable without a name.
        "frustration": "very", "priority": 3, "npsRating": "ten",
        "tags": [{"id": "t1", "name": "vip\u{1b}[31m"}, "plain", 7, {"name": ""}],
        "conversationVariables": [{"name": "plan\u{202e}", "value": {"tier": "pro", "seats": [1, 2]}}, {"value": "x"}],
        "assignees": [{"id": "m1", "email": "sam@example.com\u{7}"}],
        "lastHumanInteractionAt": 12,
    });
    arm(
        &h,
        "GET",
        &format!("/chatvolt/conversation/{id}"),
        json!({"status": 200, "body": body}),
    )
    .await;
    let c = adapter(settings(&h, PlatformKind::Chatvolt))
        .get_conversation(&id)
        .await
        .unwrap();
    let d = c.details.as_deref().expect("details");
    assert_eq!(d.frustration, None);
    assert_eq!(d.priority, None);
    assert_eq!(d.tags, ["vip", "plain"]);
    assert_eq!(d.assignees, ["sam@example.com"]);
    assert_eq!(detail(&c, "Variables"), Some(r#"plan: {"seats":[1,2],"tier":"pro"}"#));
    assert_eq!(detail(&c, "NPS"), None);
    assert_eq!(detail(&c, "Last human interaction"), None);
}

#[tokio::test]
async fn chatdash_details_are_what_the_sandbox_serves() {
    let h = quiet(24).await;
    let list = all(&h, PlatformKind::Chatdash).await;
    let c = list
        .iter()
        .find(|c| detail(c, "Metadata").is_some() && detail(c, "Summary").is_some())
        .expect("a conversation with metadata and a summary");
    let id = c.key.id.split_once(':').map_or(c.key.id.as_str(), |(_, id)| id);
    let served = server_conversation(&h, "chatdash", id).await;
    assert_eq!(detail(c, "Country"), served["countryCode"].as_str());
    assert_eq!(detail(c, "Summary"), served["summary"].as_str());
    assert_eq!(detail(c, "Device"), served["device"].as_str());
    assert_eq!(detail(c, "OS"), served["os"].as_str());
    assert_eq!(detail(c, "Browser"), served["browser"].as_str());
    assert_eq!(
        detail(c, "Topic"),
        Some(
            format!(
                "{} › {}",
                served["topic"].as_str().unwrap(),
                served["subtopic"].as_str().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(detail(c, "Metadata"), Some("plan: pro\nutm_source: newsletter"));
    let resolved = list.iter().find(|c| c.status == Status::Resolved).unwrap();
    assert_eq!(
        detail(resolved, "Evaluation"),
        Some("success — The customer's question was answered.")
    );
    assert!(
        list.iter()
            .any(|c| detail(c, "Misunderstood") == Some("Can I talk to a person?"))
    );
}

#[tokio::test]
async fn chatdash_details_clean_hostile_strings_and_tolerate_odd_types() {
    let h = quiet(6).await;
    let id = create(&h, "chatdash", "Eve", "ai", json!([])).await;
    let agent = h.chatdash_agents()[0].clone();
    let body = json!({
        "_id": id, "agentId": agent, "name": "Eve", "createdAt": "2026-11-20T10:00:00.000Z",
        "updatedAt": "2026-11-20T10:05:00.000Z", "status": "ai",
        "countryCode": "ES\u{1b}]0;pwned\u{7}", "device": 42, "browser": ["Firefox"],
        "summary": "Line one\u{1b}[2J\nline two", "evaluation": {"isSuccess": "yes", "reason": "Solved\u{9b}31m"},
        "mistunderstoodQueries": [{"question": "¿qué?\u{200f}"}, {"question": 5}, "bare"],
        "metadata": "not an object", "instagramUsername": "@eve\u{8}",
    });
    arm(
        &h,
        "GET",
        &format!("/agents/{agent}/conversations/{id}"),
        json!({"status": 200, "body": body}),
    )
    .await;
    let c = adapter(settings(&h, PlatformKind::Chatdash))
        .get_conversation(&format!("{agent}:{id}"))
        .await
        .unwrap();
    assert_eq!(detail(&c, "Country"), Some("ES"));
    assert_eq!(detail(&c, "Device"), None);
    assert_eq!(detail(&c, "Browser"), None);
    assert_eq!(detail(&c, "Summary"), Some("Line one\nline two"));
    assert_eq!(detail(&c, "Evaluation"), Some("Solved"));
    assert_eq!(detail(&c, "Misunderstood"), Some("¿qué?\nbare"));
    assert_eq!(detail(&c, "Metadata"), None);
    assert_eq!(detail(&c, "Instagram"), Some("@eve"));
}

#[tokio::test]
async fn raia_details_are_what_the_sandbox_serves_and_odd_ones_are_tolerated() {
    let h = quiet(24).await;
    let list = all(&h, PlatformKind::Raia).await;
    let c = list
        .iter()
        .find(|c| detail(c, "Custom data").is_some() && detail(c, "Score").is_some())
        .or_else(|| list.iter().find(|c| detail(c, "Custom data").is_some()))
        .expect("a conversation with custom data");
    let served = server_conversation(&h, "raia", &c.key.id).await;
    assert_eq!(detail(c, "Email"), served["user"]["email"].as_str());
    assert_eq!(detail(c, "Source"), served["user"]["source"].as_str());
    assert_eq!(detail(c, "Summary"), served["summary"].as_str());
    assert_eq!(detail(c, "Custom data"), Some("order: A-2041\nplan: pro"));
    assert!(detail(c, "State").is_some(), "the state by name");
    let rated = list.iter().find(|c| c.status == Status::Resolved).unwrap();
    assert_eq!(detail(rated, "Score"), Some("4"));

    let id = create(&h, "raia", "Eve", "ai", json!([])).await;
    let mut body = server_conversation(&h, "raia", &id).await;
    body["score"] = json!("four");
    body["summary"] = json!("wants\u{1b}[5m a refund");
    body["metadata"] = json!({"customData": {"vip": true, "note\u{1b}[1m": "x\u{7}y", "nested": {"a": null}}});
    body["assignedUser"] = json!({"firstName": "Sam", "email": "sam@example.com"});
    body["feedbacks"] = json!([{"voteType": "down", "comment": "slow\u{1b}[0m"}, {"voteType": 1}]);
    arm(
        &h,
        "GET",
        &format!("/raia/external/conversations/{id}"),
        json!({"status": 200, "body": body}),
    )
    .await;
    let c = adapter(settings(&h, PlatformKind::Raia))
        .get_conversation(&id)
        .await
        .unwrap();
    assert_eq!(detail(&c, "Score"), None);
    assert_eq!(detail(&c, "Summary"), Some("wants a refund"));
    assert_eq!(
        detail(&c, "Custom data"),
        Some("nested: {\"a\":null}\nnote: xy\nvip: true")
    );
    assert_eq!(detail(&c, "Assigned to"), Some("Sam · sam@example.com"));
    assert_eq!(detail(&c, "Feedback"), Some("👎 slow"));
}

#[tokio::test]
async fn chatvolt_assign_and_priority_are_read_back_and_mine_knows_it() {
    let h = quiet(6).await;
    let id = create(&h, "chatvolt", "Ann Lee", "ai", json!([])).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));

    let assigned = effects::act(&*volt, &id, &Op::Assign(me().email.unwrap()))
        .await
        .unwrap()
        .unwrap();
    let d = assigned.details.as_deref().unwrap();
    assert_eq!(d.assignees, [me().email.unwrap()]);
    assert!(d.assigned_to_me, "Mine lists it");
    let served = server_conversation(&h, "chatvolt", &id).await;
    assert_eq!(served["assignees"][0]["email"], json!(me().email.unwrap()));

    let c = effects::act(&*volt, &id, &Op::SetPriority(Priority::High))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.details.as_deref().and_then(|d| d.priority), Some(Priority::High));
    assert_eq!(server_conversation(&h, "chatvolt", &id).await["priority"], "HIGH");
    let log = received(&h).await;
    let posted: Vec<_> = log
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/set-priority")))
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["body"], json!({"priority": "HIGH"}));
}

#[tokio::test]
async fn a_lost_answer_to_an_assignment_is_settled_by_reading_it_back() {
    let h = quiet(6).await;
    let id = create(&h, "chatvolt", "Ann Lee", "ai", json!([])).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    // Applied, then the connection drops: the assignees read back say it happened.
    arm(
        &h,
        "POST",
        &format!("/chatvolt/conversations/{id}/assign"),
        json!({"drop": "after"}),
    )
    .await;
    let c = effects::act(&*volt, &id, &Op::Assign("sam@example.com".into()))
        .await
        .expect("settled by the read-back")
        .unwrap();
    assert_eq!(c.details.as_deref().unwrap().assignees, ["sam@example.com"]);
    // Dropped before it was applied: the read-back shows no priority change, and says so.
    let before = server_conversation(&h, "chatvolt", &id).await["priority"].clone();
    let other = Priority::ALL
        .into_iter()
        .find(|p| Some(p.wire()) != before.as_str())
        .unwrap();
    arm(
        &h,
        "POST",
        &format!("/chatvolt/conversations/{id}/set-priority"),
        json!({"drop": "before"}),
    )
    .await;
    let failure = effects::act(&*volt, &id, &Op::SetPriority(other)).await.unwrap_err();
    assert!(!failure.unknown, "{failure:?}");
    assert_eq!(server_conversation(&h, "chatvolt", &id).await["priority"], before);
}

#[tokio::test]
async fn raia_and_chatdash_say_why_they_cannot_assign_or_set_a_priority() {
    let h = quiet(6).await;
    for kind in [PlatformKind::Raia, PlatformKind::Chatdash] {
        let p = adapter(settings(&h, kind));
        let c = p.list_conversations(None).await.unwrap().conversations.remove(0);
        let caps = p.capabilities();
        assert!(
            caps.assign.reason().is_some() && caps.set_priority.reason().is_some(),
            "{kind}"
        );
        clear_received(&h).await;
        for op in [Op::Assign("sam@example.com".into()), Op::SetPriority(Priority::Low)] {
            let failure = effects::act(&*p, &c.key.id, &op).await.unwrap_err();
            assert!(
                !failure.unknown && (failure.reason.contains("priority") || failure.reason.contains("assign")),
                "{kind}: {failure:?}"
            );
        }
        let writes = received(&h).await.into_iter().filter(|r| r["method"] != "GET").count();
        assert_eq!(writes, 0, "{kind}: nothing was sent");
    }
}
