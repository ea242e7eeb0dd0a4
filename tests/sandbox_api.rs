//! The sandbox as a black box over real HTTP on 127.0.0.1: the three vendor APIs (auth, paging,
//! filters, handoff operations, error shapes), the control API, faults and the rate limit.
#![cfg(feature = "sandbox")]

mod common;

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use handoff::sandbox::{self, SandboxHandle, SandboxKeys, SandboxOptions};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers

async fn quiet(conversations: usize) -> SandboxHandle {
    start(SandboxOptions {
        speed: 0.0,
        conversations,
        ..Default::default()
    })
    .await
}

async fn start(opts: SandboxOptions) -> SandboxHandle {
    sandbox::start(opts).await.expect("sandbox starts")
}

/// One client per test thread: building one costs ~30 ms (TLS roots), requests cost far less.
fn http() -> Client {
    handoff::platform::http::install_tls_provider();
    thread_local! {
        static CLIENT: Client = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client builds");
    }
    CLIENT.with(Client::clone)
}

fn raia(h: &SandboxHandle, method: Method, path: &str) -> RequestBuilder {
    http()
        .request(method, format!("{}{path}", h.raia_base()))
        .header("Agent-Secret-Key", &h.keys().raia)
}

fn volt(h: &SandboxHandle, method: Method, path: &str) -> RequestBuilder {
    http()
        .request(method, format!("{}{path}", h.chatvolt_base()))
        .bearer_auth(&h.keys().chatvolt)
}

fn dash(h: &SandboxHandle, method: Method, path: &str) -> RequestBuilder {
    http()
        .request(method, format!("{}{path}", h.chatdash_base()))
        .header("Authorization", &h.keys().chatdash)
}

/// Sends; returns the status, the headers and the body as JSON (Null if it is not JSON).
async fn call(req: RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp = req.send().await.expect("request gets an answer");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body is readable");
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn ok_json(req: RequestBuilder) -> Value {
    let (status, _, body) = call(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn control(h: &SandboxHandle, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = http().request(method, format!("{}/_sandbox/{path}", h.url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let (status, _, body) = call(req).await;
    (status, body)
}

async fn control_ok(h: &SandboxHandle, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, body) = control(h, method, path, body).await;
    assert_eq!(status, StatusCode::OK, "control {path}: {body}");
    body
}

async fn create(h: &SandboxHandle, spec: Value) -> String {
    let v = control_ok(h, Method::POST, "conversations", Some(spec)).await;
    v["id"].as_str().expect("an id").to_owned()
}

async fn view(h: &SandboxHandle, platform: &str, id: &str) -> Value {
    control_ok(h, Method::GET, &format!("conversations/{platform}/{id}"), None).await
}

async fn received(h: &SandboxHandle) -> Vec<Value> {
    let log = control_ok(h, Method::GET, "received", None).await;
    log.as_array().cloned().unwrap_or_default()
}

async fn arm(h: &SandboxHandle, method: &str, path: &str, action: Value) {
    control_ok(
        h,
        Method::POST,
        "faults",
        Some(json!({"method": method, "path": path, "action": action})),
    )
    .await;
}

/// All of a platform's conversations through its API (raia: one page of 100).
async fn everything(h: &SandboxHandle) -> Value {
    let raia_list = ok_json(raia(h, Method::GET, "/external/conversations?pageSize=100")).await;
    let volt_list = ok_json(volt(h, Method::GET, "/conversation?limit=100")).await;
    let mut dash_lists = Vec::new();
    for agent in h.chatdash_agents() {
        dash_lists.push(ok_json(dash(h, Method::GET, &format!("/agents/{agent}/conversations"))).await);
    }
    json!({"raia": raia_list, "volt": volt_list, "dash": dash_lists})
}

// ---------------------------------------------------------------------------------------------
// Auth

#[tokio::test]
async fn auth_failures_in_each_platforms_shape() {
    let h = quiet(6).await;
    let c = http();
    let forbidden = json!({"status":403,"name":"FORBIDDEN_ERROR","message":"INVALID_CREDENTIALS","details":[]});
    let (s, _, b) = call(c.get(format!("{}/external/conversations", h.raia_base()))).await;
    assert_eq!((s, b.clone()), (StatusCode::FORBIDDEN, forbidden.clone()));
    let (s, _, b) = call(
        c.get(format!("{}/external/conversations", h.raia_base()))
            .header("Agent-Secret-Key", "nope"),
    )
    .await;
    assert_eq!((s, b), (StatusCode::FORBIDDEN, forbidden));

    let unauthorized = json!({"success":false,"error":{"message":"Unauthorized","code":401}});
    for req in [
        c.get(format!("{}/conversation", h.chatvolt_base())),
        c.get(format!("{}/conversation", h.chatvolt_base())).bearer_auth("nope"),
        // The raw key without the Bearer scheme is not enough for Chatvolt.
        c.get(format!("{}/conversation", h.chatvolt_base()))
            .header("Authorization", &h.keys().chatvolt),
    ] {
        let (s, _, b) = call(req).await;
        assert_eq!((s, b), (StatusCode::UNAUTHORIZED, unauthorized.clone()));
    }

    let (s, _, b) = call(
        c.get(format!("{}/agents", h.chatdash_base()))
            .header("Authorization", "CD.nope"),
    )
    .await;
    assert_eq!((s, b), (StatusCode::UNAUTHORIZED, json!({"error":"Unauthorized"})));
    // ChatDash takes the raw key and the Bearer form.
    let (s, _, _) = call(
        c.get(format!("{}/agents", h.chatdash_base()))
            .header("Authorization", &h.keys().chatdash),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = call(
        c.get(format!("{}/agents", h.chatdash_base()))
            .bearer_auth(&h.keys().chatdash),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Rejected requests are logged too, with their status and without the secret.
    let log = received(&h).await;
    assert_eq!(log.len(), 8);
    assert_eq!(log[1]["status"], 403);
    assert_eq!(log[1]["headers"]["agent-secret-key"], "[redacted]");
    assert_eq!(log[6]["headers"]["authorization"], "[redacted]");
    assert!(!log.iter().any(|e| e.to_string().contains(&h.keys().chatdash)));
}

// ---------------------------------------------------------------------------------------------
// raia

#[tokio::test]
async fn raia_pages_through_everything_and_caps_page_size() {
    let h = quiet(60).await;
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let body = ok_json(raia(
            &h,
            Method::GET,
            &format!("/external/conversations?page={page}&pageSize=7"),
        ))
        .await;
        assert_eq!(body["currentPage"], page);
        assert_eq!(body["pageSize"], 7);
        assert_eq!(body["hasPreviousPage"], page > 1);
        let data = body["data"].as_array().cloned().unwrap_or_default();
        assert!(data.len() <= 7);
        for c in &data {
            assert!(c["feedbacks"].is_array());
            for field in [
                "id",
                "conversationUserId",
                "aiConversationId",
                "user",
                "createdAt",
                "updatedAt",
                "isAnonymized",
            ] {
                assert!(!c[field].is_null(), "required field {field} in {c}");
            }
            seen.push(c["id"].as_str().unwrap_or_default().to_owned());
        }
        if body["hasNextPage"] != true {
            assert_eq!(body["totalPages"], page);
            assert_eq!(body["totalItems"].as_u64(), Some(seen.len() as u64));
            break;
        }
        page += 1;
    }
    assert_eq!(seen.len(), 20);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "no duplicates");

    let bad =
        json!({"status":400,"name":"BAD_REQUEST_ERROR","message":"pageSize must not be greater than 100","details":[]});
    let (s, _, b) = call(raia(&h, Method::GET, "/external/conversations?pageSize=101")).await;
    assert_eq!((s, b), (StatusCode::BAD_REQUEST, bad));
    let (s, _, b) = call(raia(&h, Method::GET, "/external/conversations?page=0")).await;
    assert_eq!(
        (s, b["name"].clone()),
        (StatusCode::BAD_REQUEST, json!("BAD_REQUEST_ERROR"))
    );

    // updatedAt ordering and the inclusive startDate filter on updatedAt.
    let asc = ok_json(raia(
        &h,
        Method::GET,
        "/external/conversations?pageSize=100&orderBy=updatedAt&orderDirection=ASC",
    ))
    .await;
    let times: Vec<String> = asc["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|c| c["updatedAt"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let cut = &times[10];
    let after =
        ok_json(raia(&h, Method::GET, "/external/conversations?pageSize=100").query(&[("startDate", cut)])).await;
    let n = times.iter().filter(|t| *t >= cut).count() as u64;
    assert_eq!(after["totalItems"].as_u64(), Some(n));
    let found = ok_json(raia(
        &h,
        Method::GET,
        "/external/conversations?searchKeyword=%C3%A1lvarez",
    ))
    .await;
    assert!(
        found["data"]
            .as_array()
            .is_some_and(|d| d.iter().all(|c| c.to_string().to_lowercase().contains("álvarez")))
    );
}

#[tokio::test]
async fn raia_manual_messages_modes_and_states() {
    let h = quiet(12).await;
    let states = ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    let states = states.as_array().cloned().unwrap_or_default();
    let state = |name: &str| {
        states
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(state("Needs human")["color"], "#e5484d");
    assert_eq!(state("Resolved")["color"], "#30a46c");
    assert!(!state("New")["id"].is_null());
    for s in &states {
        for field in [
            "id",
            "name",
            "description",
            "color",
            "isPersistent",
            "createdAt",
            "updatedAt",
        ] {
            assert!(s.get(field).is_some(), "{field} in {s}");
        }
    }

    let id = create(
        &h,
        json!({"platform": "raia", "customer_name": "Ann Lee", "messages": [{"author": "customer", "text": "hi"}]}),
    )
    .await;
    let path = format!("/external/conversations/{id}/send-manual-message");
    let refused = json!({"status":400,"name":"BAD_REQUEST_ERROR","message":"Conversation must be in manual mode and not a voice conversation.","details":[]});
    let (s, _, b) = call(raia(&h, Method::POST, &path).json(&json!({"message": "Hello"}))).await;
    assert_eq!((s, b), (StatusCode::BAD_REQUEST, refused.clone()));

    let c =
        ok_json(raia(&h, Method::PUT, &format!("/external/conversations/{id}/mode")).json(&json!({"mode": "manual"})))
            .await;
    assert_eq!(c["mode"], "manual");
    assert!(c.get("feedbacks").is_none(), "PUT answers a plain Conversation");
    let (s, _, b) =
        call(raia(&h, Method::PUT, &format!("/external/conversations/{id}/mode")).json(&json!({"mode": "robot"})))
            .await;
    assert_eq!((s, b["status"].clone()), (StatusCode::BAD_REQUEST, json!(400)));
    for bad_body in [json!({}), json!({"message": ""}), json!({"message": 3})] {
        let (s, _, _) = call(raia(&h, Method::POST, &path).json(&bad_body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad_body}");
    }
    let (s, _, b) = call(
        raia(&h, Method::POST, &path)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(
        (s, b["name"].clone()),
        (StatusCode::BAD_REQUEST, json!("BAD_REQUEST_ERROR"))
    );

    let sent =
        ok_json(raia(&h, Method::POST, &path).json(&json!({"message": "Hi Ann, Dana here.", "authorId": "dana"})))
            .await;
    assert_eq!(sent["senderRole"], "manual_assistant");
    assert_eq!(sent["message"], "Hi Ann, Dana here.");
    assert_eq!(sent["conversationId"], id.as_str());
    let desc = ok_json(raia(
        &h,
        Method::GET,
        &format!("/external/conversations/{id}/messages?orderDirection=DESC"),
    ))
    .await;
    assert_eq!(desc["messages"][0]["id"], sent["id"]);
    assert_eq!(desc["messages"][1]["senderRole"], "conversation_user");
    assert_eq!(view(&h, "raia", &id).await["authors"][1]["operator_id"], "dana");

    // A voice conversation refuses manual messages even in manual mode.
    let all = ok_json(raia(&h, Method::GET, "/external/conversations?pageSize=100")).await;
    let voice = all["data"]
        .as_array()
        .and_then(|d| d.iter().find(|c| !c["aiCallId"].is_null()).cloned())
        .expect("a voice conversation");
    let vid = voice["id"].as_str().unwrap_or_default();
    ok_json(raia(&h, Method::PUT, &format!("/external/conversations/{vid}/mode")).json(&json!({"mode": "manual"})))
        .await;
    let (s, _, b) = call(
        raia(
            &h,
            Method::POST,
            &format!("/external/conversations/{vid}/send-manual-message"),
        )
        .json(&json!({"message": "Hello"})),
    )
    .await;
    assert_eq!((s, b), (StatusCode::BAD_REQUEST, refused));

    // Archiving reads back as the "Resolved" state; an unknown state id is a 400.
    let c =
        ok_json(raia(&h, Method::PUT, &format!("/external/conversations/{id}")).json(&json!({"status": "archived"})))
            .await;
    assert_eq!(c["conversationStateId"], state("Resolved")["id"]);
    let (s, _, _) = call(
        raia(&h, Method::PUT, &format!("/external/conversations/{id}")).json(&json!({"conversationStateId": "nope"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let c = ok_json(
        raia(&h, Method::PUT, &format!("/external/conversations/{id}"))
            .json(&json!({"conversationStateId": state("Needs human")["id"]})),
    )
    .await;
    assert_eq!(c["conversationStateId"], state("Needs human")["id"]);

    let missing =
        json!({"status":404,"name":"ENTITY_NOT_FOUND_ERROR","message":"Conversation not found.","details":[]});
    let (s, _, b) = call(raia(
        &h,
        Method::GET,
        "/external/conversations/00000000-0000-4000-8000-000000000000",
    ))
    .await;
    assert_eq!((s, b), (StatusCode::NOT_FOUND, missing));
    let agent = ok_json(raia(&h, Method::GET, "/external/agents/by-api-key")).await;
    for field in [
        "id",
        "name",
        "publicName",
        "organizationId",
        "organizationName",
        "avatarUrl",
        "status",
    ] {
        assert!(agent.get(field).is_some(), "{field}");
    }
}

#[tokio::test]
async fn raia_customer_asking_for_a_human_sets_the_state() {
    let h = quiet(6).await;
    let states = ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    let needs = states
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "Needs human"))
        .map(|s| s["id"].clone())
        .unwrap_or_default();
    let id = create(&h, json!({"platform": "raia", "customer_name": "Bo", "status": "ai"})).await;
    control_ok(
        &h,
        Method::POST,
        "say",
        Some(json!({"platform": "raia", "id": id, "text": "Can I talk to a person?", "asks_for_human": true})),
    )
    .await;
    let c = ok_json(raia(&h, Method::GET, &format!("/external/conversations/{id}"))).await;
    assert_eq!(c["conversationStateId"], needs);
    assert_eq!(c["mode"], "ai");
}

// ---------------------------------------------------------------------------------------------
// Chatvolt

#[tokio::test]
async fn chatvolt_cursor_pages_without_gaps_or_duplicates() {
    let h = quiet(90).await;
    // Same-millisecond conversations exercise the id tie-break.
    for i in 0..4 {
        create(
            &h,
            json!({"platform": "chatvolt", "customer_name": format!("Twin {i}")}),
        )
        .await;
    }
    let full = ok_json(volt(&h, Method::GET, "/conversation?limit=100")).await;
    let full: Vec<Value> = full.as_array().cloned().unwrap_or_default();
    assert_eq!(full.len(), 34);
    let key = |c: &Value| {
        (
            c["createdAt"].as_str().unwrap_or_default().to_owned(),
            c["id"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert!(
        full.windows(2).all(|w| key(&w[0]) > key(&w[1])),
        "newest first, id descending"
    );

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = volt(&h, Method::GET, "/conversation").query(&[("limit", "5")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page = ok_json(req).await;
        let page = page.as_array().cloned().unwrap_or_default();
        let Some(last) = page.last() else { break };
        cursor = Some(json!({"lastCreatedAt": last["createdAt"], "lastId": last["id"]}).to_string());
        paged.extend(page.iter().map(key));
    }
    assert_eq!(paged, full.iter().map(key).collect::<Vec<_>>());

    let too_many = ok_or_status(volt(&h, Method::GET, "/conversation?limit=101")).await;
    assert_eq!(too_many.0, StatusCode::BAD_REQUEST);
    assert_eq!(too_many.1["success"], false);
    assert_eq!(too_many.1["error"]["code"], 400);
    assert!(too_many.1["error"]["message"].is_string());
    let (s, _, _) = call(volt(&h, Method::GET, "/conversation?cursor=%7Bbroken")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    for c in &full {
        for field in [
            "id",
            "title",
            "unreadMessagesCount",
            "isAiEnabled",
            "channel",
            "status",
            "blocked",
            "metadata",
            "organizationId",
            "priority",
            "agentId",
            "userId",
            "visitorId",
            "isGroup",
            "frustration",
            "aiUserIdentifier",
            "createdAt",
            "updatedAt",
            "lastHumanInteractionAt",
            "participantsContacts",
            "assignees",
            "tags",
            "conversationVariables",
            "conversationContexts",
            "crmScenarioConversations",
            "ctwaAttributions",
        ] {
            assert!(c.get(field).is_some(), "{field} in {c}");
        }
    }
    assert!(
        full.iter()
            .any(|c| c["participantsContacts"].as_array().is_some_and(Vec::is_empty))
    );

    // Filters.
    let requested = ok_json(volt(&h, Method::GET, "/conversation?status=HUMAN_REQUESTED&limit=100")).await;
    let requested = requested.as_array().cloned().unwrap_or_default();
    assert!(!requested.is_empty() && requested.iter().all(|c| c["status"] == "HUMAN_REQUESTED"));
    let off = ok_json(volt(&h, Method::GET, "/conversation?ai=disabled&limit=100")).await;
    assert!(
        off.as_array()
            .is_some_and(|l| !l.is_empty() && l.iter().all(|c| c["isAiEnabled"] == false))
    );
    let cut = key(&full[10]).0;
    let since = ok_json(volt(&h, Method::GET, "/conversation?limit=100").query(&[("createdAt", &cut)])).await;
    let expected = full.iter().filter(|c| key(c).0 >= cut).count();
    assert!(expected >= 11 && expected < full.len());
    assert_eq!(since.as_array().map(Vec::len), Some(expected));
}

async fn ok_or_status(req: RequestBuilder) -> (StatusCode, Value) {
    let (s, _, b) = call(req).await;
    (s, b)
}

#[tokio::test]
async fn chatvolt_handoff_operations() {
    let h = quiet(9).await;
    let id = create(
        &h,
        json!({"platform": "chatvolt", "customer_name": "José Álvarez", "messages": [
            {"author": "customer", "text": "Hola"}, {"author": "ai", "text": "¡Hola! ¿En qué puedo ayudarte?"}
        ]}),
    )
    .await;
    let get = |h: &SandboxHandle| ok_json(volt(h, Method::GET, &format!("/conversation/{id}")));

    let unread = get(&h).await["unreadMessagesCount"].as_u64().unwrap_or_default();
    control_ok(
        &h,
        Method::POST,
        "say",
        Some(
            json!({"platform": "chatvolt", "id": id, "text": "Quiero hablar con una persona", "asks_for_human": true}),
        ),
    )
    .await;
    let c = get(&h).await;
    assert_eq!(
        (
            c["status"].clone(),
            c["isAiEnabled"].clone(),
            c["unreadMessagesCount"].clone()
        ),
        (json!("HUMAN_REQUESTED"), json!(true), json!(unread + 1))
    );

    let done = ok_json(
        volt(&h, Method::POST, &format!("/conversations/{id}/set-ai-enabled")).json(&json!({"enabled": false})),
    )
    .await;
    assert_eq!(done["success"], true);
    assert_eq!(
        get(&h).await["status"],
        "HUMAN_REQUESTED",
        "set-ai-enabled leaves the status alone"
    );

    let sent = ok_json(
        volt(&h, Method::POST, &format!("/conversation/message/conversationId/{id}"))
            .json(&json!({"message": "Hola José"})),
    )
    .await;
    assert_eq!(sent["success"], true);
    assert_eq!(sent["message"]["from"], "human");
    assert_eq!(sent["message"]["text"], "Hola José");
    assert!(sent["message"]["userId"].is_string());
    let c = get(&h).await;
    assert_eq!(
        (
            c["isAiEnabled"].clone(),
            c["status"].clone(),
            c["unreadMessagesCount"].clone()
        ),
        (json!(false), json!("HUMAN_REQUESTED"), json!(0))
    );

    let m = ok_json(volt(&h, Method::GET, &format!("/conversation/{id}/messages/3"))).await;
    assert_eq!(m["isAiEnabled"], false);
    let messages = m["messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(messages.len(), 3, "the newest 3, oldest first");
    assert_eq!(messages[0]["from"], "agent");
    assert!(messages[0]["agentId"].is_string());
    assert_eq!(messages[1]["from"], "human");
    assert!(
        messages[1]["userId"].is_null()
            && (messages[1]["contactId"].is_string() || messages[1]["visitorId"].is_string())
    );
    assert_eq!(messages[2]["id"], sent["message"]["id"]);
    assert_eq!(messages[2]["userId"], sent["message"]["userId"]);

    ok_json(volt(&h, Method::POST, &format!("/conversations/{id}/set-ai-enabled")).json(&json!({"enabled": true})))
        .await;
    assert_eq!(get(&h).await["status"], "HUMAN_REQUESTED");
    ok_json(volt(&h, Method::POST, &format!("/conversations/{id}/assign")).json(&json!({"email": "dana@example.com"})))
        .await;
    let assignees = get(&h).await["assignees"].clone();
    assert_eq!(assignees.as_array().map(Vec::len), Some(1));
    assert_eq!(assignees[0]["email"], "dana@example.com");
    ok_json(volt(&h, Method::POST, &format!("/conversations/{id}/set-status")).json(&json!({"status": "RESOLVED"})))
        .await;
    assert_eq!(get(&h).await["status"], "RESOLVED");

    for (path, body) in [
        (format!("/conversations/{id}/set-ai-enabled"), json!({"enabled": "no"})),
        (format!("/conversations/{id}/set-status"), json!({"status": "DONE"})),
        (format!("/conversations/{id}/assign"), json!({})),
        (
            format!("/conversation/message/conversationId/{id}"),
            json!({"text": "wrong field"}),
        ),
    ] {
        let (s, _, b) = call(volt(&h, Method::POST, &path).json(&body)).await;
        assert_eq!(
            (s, b["success"].clone(), b["error"]["code"].clone()),
            (StatusCode::BAD_REQUEST, json!(false), json!(400)),
            "{path}"
        );
    }
    let (s, _, b) = call(volt(&h, Method::GET, "/conversation/nope")).await;
    assert_eq!(
        (s, b),
        (
            StatusCode::NOT_FOUND,
            json!({"success":false,"error":{"message":"Conversation not found","code":404}})
        )
    );

    // count is capped at 100.
    let long: Vec<Value> = (0..120)
        .map(|i| json!({"author": if i % 2 == 0 { "customer" } else { "ai" }, "text": format!("m{i}")}))
        .collect();
    let long_id = create(
        &h,
        json!({"platform": "chatvolt", "customer_name": "Long", "messages": long}),
    )
    .await;
    let m = ok_json(volt(&h, Method::GET, &format!("/conversation/{long_id}/messages/1000"))).await;
    let m = m["messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        (m.len(), m[0]["text"].clone(), m[99]["text"].clone()),
        (100, json!("m20"), json!("m119"))
    );

    let agent_id = c["agentId"].as_str().unwrap_or_default().to_owned();
    let agent = ok_json(volt(&h, Method::GET, &format!("/agents/{agent_id}"))).await;
    assert_eq!(agent["id"], agent_id.as_str());
    assert!(agent["name"].is_string());
}

// ---------------------------------------------------------------------------------------------
// ChatDash

#[tokio::test]
async fn chatdash_window_filters_and_live_agent() {
    let h = quiet(30).await;
    let agents = ok_json(dash(&h, Method::GET, "/agents")).await;
    let agents = agents.as_array().cloned().unwrap_or_default();
    assert!(agents.len() >= 2);
    assert_eq!(
        agents
            .iter()
            .map(|a| a["_id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>(),
        h.chatdash_agents()
    );
    for a in &agents {
        assert!(a["name"].is_string() && a["platform"].is_string() && a["clientId"].is_string());
        assert!(!a.to_string().to_lowercase().contains("apikey"), "never an apiKey: {a}");
    }

    let mut all = Vec::new();
    let mut quiet_ones = Vec::new();
    for agent in h.chatdash_agents() {
        let list = ok_json(dash(&h, Method::GET, &format!("/agents/{agent}/conversations"))).await;
        let list = list.as_array().cloned().unwrap_or_default();
        assert!(
            list.iter()
                .all(|c| c["record"] == true && c["interacted"] == true && c["agentId"] == agent.as_str())
        );
        all.extend(list);
        let idle = ok_json(dash(
            &h,
            Method::GET,
            &format!("/agents/{agent}/conversations?interacted=false"),
        ))
        .await;
        quiet_ones.extend(idle.as_array().cloned().unwrap_or_default());
    }
    assert_eq!(quiet_ones.len(), 1, "one conversation nobody interacted with");
    assert_eq!(quiet_ones[0]["interacted"], false);
    assert_eq!(all.len() + 1, 10);

    // A window on createdAt, inclusive at both ends.
    let agent = all[0]["agentId"].as_str().unwrap_or_default().to_owned();
    let mut times: Vec<String> = all
        .iter()
        .filter(|c| c["agentId"] == agent.as_str())
        .map(|c| c["createdAt"].as_str().unwrap_or_default().to_owned())
        .collect();
    times.sort();
    assert!(times.len() >= 3, "{times:?}");
    let (from, until) = (&times[1], &times[times.len() - 2]);
    let window = ok_json(
        dash(&h, Method::GET, &format!("/agents/{agent}/conversations"))
            .query(&[("startDate", from), ("endDate", until)]),
    )
    .await;
    let inside = times.iter().filter(|t| *t >= from && *t <= until).count();
    assert!(inside >= 1 && inside < times.len(), "the window leaves some out");
    assert_eq!(window.as_array().map(Vec::len), Some(inside));
    let (s, _, b) = call(dash(
        &h,
        Method::GET,
        &format!("/agents/{agent}/conversations?startDate=yesterday"),
    ))
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["error"].is_string());
    let (s, _, b) = call(dash(&h, Method::GET, "/agents/nope/conversations")).await;
    assert_eq!((s, b), (StatusCode::NOT_FOUND, json!({"error": "Agent not found"})));

    // One conversation: by _id and by platformId.
    let c = &all[0];
    let id = c["_id"].as_str().unwrap_or_default();
    let one = ok_json(dash(&h, Method::GET, &format!("/agents/{agent}/conversations/{id}"))).await;
    assert_eq!(&one, c);
    let platform_id = c["platformId"].as_str().unwrap_or_default();
    let same = ok_json(dash(
        &h,
        Method::GET,
        &format!("/agents/{agent}/conversations/{platform_id}?isPlatformId=true"),
    ))
    .await;
    assert_eq!(same["_id"], id);
    let (s, _, b) = call(dash(
        &h,
        Method::GET,
        &format!("/agents/{agent}/conversations/{platform_id}"),
    ))
    .await;
    assert_eq!(
        (s, b),
        (StatusCode::NOT_FOUND, json!({"error": "Conversation not found"}))
    );

    // The experimental live agent: take over, reply, mark read, hand back.
    let conv = format!("/agents/{agent}/conversations/{id}");
    let updated = ok_json(
        dash(&h, Method::PUT, &conv)
            .json(&json!({"status": "human", "liveAgentName": "Dana Reyes", "liveAgentId": "dana", "read": true})),
    )
    .await;
    assert_eq!(updated, json!({"message": "Conversation updated successfully"}));
    let after = ok_json(dash(&h, Method::GET, &conv)).await;
    assert_eq!(
        (
            after["status"].clone(),
            after["liveAgentName"].clone(),
            after["read"].clone()
        ),
        (json!("human"), json!("Dana Reyes"), json!(true))
    );
    assert!(after["updatedAt"].as_str() >= c["updatedAt"].as_str());
    let added = ok_json(
        dash(&h, Method::POST, &format!("{conv}/messages"))
            .json(&json!({"messages": [{"sender": "agent", "type": "text", "content": {"text": "Hi, Dana here"}}]})),
    )
    .await;
    assert_eq!(added, json!({"message": "Messages added successfully"}));
    let messages = ok_json(dash(&h, Method::GET, &format!("{conv}/messages"))).await;
    let last = messages.as_array().and_then(|m| m.last()).cloned().unwrap_or_default();
    assert_eq!(
        (
            last["sender"].clone(),
            last["type"].clone(),
            last["content"]["text"].clone()
        ),
        (json!("agent"), json!("text"), json!("Hi, Dana here"))
    );
    assert!(last.get("id").is_none() && last["createdAt"].is_string());
    for bad in [
        json!({}),
        json!({"messages": []}),
        json!({"messages": [{"sender": "martian", "type": "text", "content": {"text": "x"}}]}),
        json!({"messages": [{"sender": "agent", "type": "text", "content": {}}]}),
    ] {
        let (s, _, b) = call(dash(&h, Method::POST, &format!("{conv}/messages")).json(&bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(b["error"].is_string());
    }
    let (s, _, b) = call(dash(&h, Method::PUT, &conv).json(&json!({"status": "robot"}))).await;
    assert_eq!((s, b["error"].is_string()), (StatusCode::BAD_REQUEST, true));

    // A customer asking for a human: pending, unread.
    control_ok(
        &h,
        Method::POST,
        "say",
        Some(json!({"platform": "chatdash", "id": id, "text": "hello?"})),
    )
    .await;
    assert_eq!(ok_json(dash(&h, Method::GET, &conv)).await["read"], false);
    let fresh = create(
        &h,
        json!({"platform": "chatdash", "customer_name": "Kai", "agent_id": agent}),
    )
    .await;
    control_ok(
        &h,
        Method::POST,
        "say",
        Some(json!({"platform": "chatdash", "id": fresh, "text": "a human please", "asks_for_human": true})),
    )
    .await;
    let fresh = ok_json(dash(&h, Method::GET, &format!("/agents/{agent}/conversations/{fresh}"))).await;
    assert_eq!(
        (fresh["status"].clone(), fresh["read"].clone()),
        (json!("pending"), json!(false))
    );
}

// ---------------------------------------------------------------------------------------------
// Control API

/// ESC/CSI, a C1 control, bidi overrides, NUL, an emoji and a combining accent.
const HOSTILE: &str = "\u{1b}[31mred\u{1b}[0m \u{9b}2J \u{202e}gnp.exe\u{202c} \u{0} 👩‍💻 e\u{301}";

#[tokio::test]
async fn control_stores_hostile_strings_byte_for_byte() {
    let h = quiet(3).await;
    let agent = h.chatdash_agents()[1].clone();
    for platform in ["raia", "chatvolt", "chatdash"] {
        let mut spec = json!({"platform": platform, "customer_name": HOSTILE, "status": "needs_human", "channel": "whatsapp",
            "messages": [{"author": "customer", "text": HOSTILE}, {"author": "ai", "text": "ok"}, {"author": "operator", "text": HOSTILE}]});
        if platform == "chatdash" {
            spec["agent_id"] = json!(agent);
        }
        let id = create(&h, spec).await;
        let v = view(&h, platform, &id).await;
        assert_eq!(v["platform"], platform);
        assert_eq!(
            v["authors"]
                .as_array()
                .map(|a| a.iter().map(|x| x["author"].clone()).collect::<Vec<_>>()),
            Some(vec![json!("customer"), json!("ai"), json!("operator")])
        );
        let (name, texts) = match platform {
            "raia" => {
                let c = ok_json(raia(&h, Method::GET, &format!("/external/conversations/{id}"))).await;
                let m = ok_json(raia(&h, Method::GET, &format!("/external/conversations/{id}/messages"))).await;
                (
                    c["user"]["firstName"].clone(),
                    m["messages"]
                        .as_array()
                        .map(|l| l.iter().map(|x| x["message"].clone()).collect::<Vec<_>>()),
                )
            }
            "chatvolt" => {
                let c = ok_json(volt(&h, Method::GET, &format!("/conversation/{id}"))).await;
                assert_eq!(c["status"], "HUMAN_REQUESTED");
                assert_eq!(c["channel"], "whatsapp");
                let m = ok_json(volt(&h, Method::GET, &format!("/conversation/{id}/messages/10"))).await;
                (
                    c["participantsContacts"][0]["firstName"].clone(),
                    m["messages"]
                        .as_array()
                        .map(|l| l.iter().map(|x| x["text"].clone()).collect::<Vec<_>>()),
                )
            }
            _ => {
                let c = ok_json(dash(&h, Method::GET, &format!("/agents/{agent}/conversations/{id}"))).await;
                assert_eq!(c["status"], "pending");
                let m = ok_json(dash(
                    &h,
                    Method::GET,
                    &format!("/agents/{agent}/conversations/{id}/messages"),
                ))
                .await;
                (
                    c["name"].clone(),
                    m.as_array()
                        .map(|l| l.iter().map(|x| x["content"]["text"].clone()).collect::<Vec<_>>()),
                )
            }
        };
        assert_eq!(name, HOSTILE, "{platform}");
        assert_eq!(
            texts,
            Some(vec![json!(HOSTILE), json!("ok"), json!(HOSTILE)]),
            "{platform}"
        );
    }

    let (s, b) = control(
        &h,
        Method::POST,
        "say",
        Some(json!({"platform": "raia", "id": "nope", "text": "x"})),
    )
    .await;
    assert_eq!((s, b["error"].is_string()), (StatusCode::NOT_FOUND, true));
    let (s, _) = control(&h, Method::GET, "conversations/raia/nope", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = control(
        &h,
        Method::POST,
        "conversations",
        Some(json!({"platform": "myspace", "customer_name": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = control(
        &h,
        Method::POST,
        "conversations",
        Some(json!({"platform": "raia", "customer_name": "x", "status": "sleepy"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = control(
        &h,
        Method::POST,
        "conversations",
        Some(json!({"platform": "chatdash", "customer_name": "x", "agent_id": "nope"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = control(&h, Method::POST, "say", None).await;
    assert_eq!((s, b["error"].is_string()), (StatusCode::BAD_REQUEST, true));
}

#[tokio::test]
async fn received_log_records_api_requests_only() {
    let h = quiet(3).await;
    let id = create(&h, json!({"platform": "chatvolt", "customer_name": "Ann"})).await;
    ok_json(volt(&h, Method::GET, "/conversation?limit=2&status=UNRESOLVED")).await;
    ok_json(volt(&h, Method::POST, &format!("/conversations/{id}/set-ai-enabled")).json(&json!({"enabled": false})))
        .await;
    call(volt(&h, Method::GET, "/conversation/nope")).await;
    call(raia(&h, Method::POST, "/external/conversations/x/mode").body("plain text")).await;
    view(&h, "chatvolt", &id).await;

    let log = received(&h).await;
    assert_eq!(log.len(), 4, "control requests are not recorded");
    let seqs: Vec<u64> = log.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        (
            log[0]["method"].clone(),
            log[0]["path"].clone(),
            log[0]["query"].clone()
        ),
        (
            json!("GET"),
            json!("/chatvolt/conversation"),
            json!("limit=2&status=UNRESOLVED")
        )
    );
    assert_eq!(log[0]["body"], Value::Null);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["body"], json!({"enabled": false}));
    assert_eq!(log[1]["path"], format!("/chatvolt/conversations/{id}/set-ai-enabled"));
    assert_eq!(log[1]["headers"]["authorization"], "[redacted]");
    assert_eq!(log[1]["headers"]["content-type"], "application/json");
    assert_eq!(log[2]["status"], 404);
    assert_eq!(log[3]["body"], "plain text");
    assert_eq!(log[3]["status"], 405);

    let cleared = control_ok(&h, Method::DELETE, "received", None).await;
    assert_eq!(cleared["cleared"], 4);
    assert!(received(&h).await.is_empty());
    ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    let log = received(&h).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["seq"], 5);
}

#[tokio::test]
async fn received_summary_counts_requests_by_endpoint_filters_and_key() {
    let h = quiet(24).await;
    let volt_ids: Vec<String> = ok_json(volt(&h, Method::GET, "/conversation?limit=2"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for _ in 0..3 {
        ok_json(volt(&h, Method::GET, "/conversation?status=HUMAN_REQUESTED&limit=100")).await;
    }
    ok_json(volt(&h, Method::GET, "/conversation?limit=100&ai=disabled")).await;
    for id in &volt_ids {
        ok_json(volt(&h, Method::GET, &format!("/conversation/{id}/messages/100"))).await;
    }
    let since = "2026-01-01T00:00:00.000Z";
    ok_json(raia(
        &h,
        Method::GET,
        &format!("/external/conversations?orderBy=updatedAt&orderDirection=DESC&startDate={since}&pageSize=100"),
    ))
    .await;
    let agent = &h.chatdash_agents()[0];
    for _ in 0..2 {
        ok_json(dash(
            &h,
            Method::GET,
            &format!("/agents/{agent}/conversations?startDate={since}"),
        ))
        .await;
    }
    let wrong_key = http()
        .get(format!("{}/conversation?limit=100&ai=disabled", h.chatvolt_base()))
        .bearer_auth("another-key");
    assert_eq!(call(wrong_key).await.0, StatusCode::UNAUTHORIZED);
    view(&h, "chatvolt", &volt_ids[0]).await; // the control API is not counted

    let s = common::summary(&h, None).await;
    let count = |platform, endpoint| common::endpoint_count(&s, platform, endpoint);
    assert_eq!(common::platform_count(&s, "chatvolt"), 1 + 3 + 2 + 2, "{s:#}");
    assert_eq!(count("chatvolt", "GET /conversation?limit"), 1);
    assert_eq!(count("chatvolt", "GET /conversation?limit&status=HUMAN_REQUESTED"), 3);
    assert_eq!(count("chatvolt", "GET /conversation?ai=disabled&limit"), 2);
    assert_eq!(count("chatvolt", "GET /conversation/{id}/messages/{count}"), 2);
    let raia_list = "GET /external/conversations?orderBy=updatedAt&orderDirection=DESC&pageSize&startDate";
    assert_eq!(count("raia", raia_list), 1);
    assert_eq!(count("chatdash", "GET /agents/{agent}/conversations?startDate"), 2);
    assert_eq!((s["total"].as_u64(), s["complete"].as_bool()), (Some(11), Some(true)));
    // Two keys on Chatvolt: counted apart, and only numbered (a key is never shown).
    let ai_off = &s["platforms"]["chatvolt"]["endpoints"]["GET /conversation?ai=disabled&limit"];
    assert_eq!(ai_off["keys"], json!({"key 1": 1, "key 2": 1}));
    assert_eq!(ai_off["statuses"], json!({"200": 1, "401": 1}));
    assert!(!s.to_string().contains("another-key") && !s.to_string().contains(&h.keys().chatvolt));
    assert!(s["platforms"]["raia"]["endpoints"][raia_list].get("keys").is_none());

    // A window: only what came after an earlier summary.
    let last = s["last_seq"].as_u64().unwrap();
    ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    let window = common::summary(&h, Some(last)).await;
    assert_eq!(window["total"], 1);
    assert_eq!(
        common::endpoint_count(&window, "raia", "GET /external/conversations/states"),
        1
    );
    assert_eq!(common::platform_count(&window, "chatvolt"), 0);

    assert_eq!(
        control(&h, Method::GET, "received/summary?since=soon", None).await.0,
        StatusCode::BAD_REQUEST
    );
    control_ok(&h, Method::DELETE, "received", None).await;
    assert_eq!(common::summary(&h, None).await["total"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_command_prints_a_summary_every_interval() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["sandbox", "--port", "0", "--speed", "0", "--summary", "1s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")) {
            base.get_or_insert_with(|| url.to_owned());
        }
        if line.contains("Press Ctrl+C") {
            break;
        }
    }
    let base = base.expect("it prints its address");
    for _ in 0..2 {
        let answer = http()
            .get(format!("{base}/raia/external/conversations?pageSize=100"))
            .header("Agent-Secret-Key", SandboxKeys::default().raia)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    // The two requests may fall in one interval or two: add up raia's lines until both are seen.
    let (mut seen, mut printed) = (0, String::new());
    for _ in 0..60 {
        let line = lines.next_line().await.unwrap().expect("it keeps printing");
        printed.push_str(&line);
        printed.push('\n');
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "raia") else {
            continue; // another platform's line
        };
        let count: u64 = words[at + 1].parse().unwrap();
        if count > 0 {
            assert!(
                line.contains(&format!("{count} GET /external/conversations?pageSize")),
                "{line}"
            );
        }
        seen += count;
        if seen >= 2 {
            break;
        }
    }
    assert_eq!(seen, 2, "{printed}");
    assert!(printed.contains("chatvolt      0 requests"), "{printed}");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn settings_change_latency_and_failures_at_run_time() {
    let h = quiet(3).await;
    let s = control_ok(&h, Method::GET, "settings", None).await;
    assert_eq!(
        s,
        json!({"latency_ms": 0, "latency_jitter_ms": 0, "fail_rate": 0.0, "rate_limit": null, "speed": 0.0})
    );
    control_ok(&h, Method::POST, "settings", Some(json!({"latency_ms": 300}))).await;
    let t = Instant::now();
    ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    control_ok(&h, Method::GET, "settings", None).await;
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "no latency on the control API"
    );

    let s = control_ok(
        &h,
        Method::POST,
        "settings",
        Some(json!({"latency_ms": 0, "fail_rate": 1.0})),
    )
    .await;
    assert_eq!(s["fail_rate"], 1.0);
    let mut seen = HashSet::new();
    let mut dropped = 0;
    for _ in 0..60 {
        let Ok(resp) = volt(&h, Method::GET, "/conversation").send().await else {
            dropped += 1;
            continue;
        };
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(matches!(status.as_u16(), 500 | 502 | 503), "{status}");
        assert_eq!(
            (body["success"].clone(), body["error"]["code"].clone()),
            (json!(false), json!(status.as_u16()))
        );
        let expected = (status == StatusCode::SERVICE_UNAVAILABLE).then(|| "1".to_string());
        assert_eq!(retry_after, expected, "only the 503 says when to come back");
        seen.insert(status);
    }
    assert_eq!(seen.len(), 3, "all of 500, 502 and 503");
    assert!(dropped > 0, "some connections are dropped");
    // The control API is never faulted.
    control_ok(&h, Method::GET, "settings", None).await;
    // raia's 5xx shape (some tries end in a dropped connection instead).
    let mut answered = None;
    for _ in 0..50 {
        if let Ok(resp) = raia(&h, Method::GET, "/external/conversations/states").send().await {
            answered = Some((resp.status(), resp.json::<Value>().await.unwrap_or(Value::Null)));
            break;
        }
    }
    let (status, body) = answered.expect("some raia request is answered");
    assert!(status.is_server_error());
    assert_eq!(body["status"], status.as_u16());
    assert!(body["message"].is_string());
    control_ok(&h, Method::POST, "settings", Some(json!({"fail_rate": 0}))).await;
    ok_json(volt(&h, Method::GET, "/conversation")).await;
    for bad in [
        json!({"fail_rate": 2}),
        json!({"speed": -1}),
        json!({"latency": 5}),
        json!({"latency_jitter_ms": -1}),
        json!({"rate_limit": "many"}),
    ] {
        let (s, b) = control(&h, Method::POST, "settings", Some(bad.clone())).await;
        assert_eq!((s, b["error"].is_string()), (StatusCode::BAD_REQUEST, true), "{bad}");
    }
}

#[tokio::test]
async fn random_failures_apply_a_write_only_when_the_connection_drops_after_it() {
    let h = quiet(3).await;
    let id = create(&h, json!({"platform": "chatvolt", "customer_name": "Cass Chaos"})).await;
    control_ok(
        &h,
        Method::POST,
        "settings",
        Some(json!({"fail_rate": 1.0, "latency_ms": 1, "latency_jitter_ms": 20})),
    )
    .await;
    let path = format!("/conversation/message/conversationId/{id}");
    let (mut refused, mut dropped) = (vec![], vec![]);
    for i in 0..40 {
        let text = format!("chaos {i}");
        let sent = volt(&h, Method::POST, &path)
            .json(&json!({"message": text}))
            .send()
            .await;
        match sent {
            Ok(resp) => {
                assert!(resp.status().is_server_error(), "{}", resp.status());
                refused.push(text);
            }
            Err(_) => dropped.push(text),
        }
    }
    control_ok(&h, Method::POST, "settings", Some(json!({"fail_rate": 0.0}))).await;
    let view = control_ok(&h, Method::GET, &format!("conversations/chatvolt/{id}"), None).await;
    let on_server: Vec<String> = view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .filter(|t| t.starts_with("chaos "))
        .collect();
    assert!(
        on_server.iter().all(|t| dropped.contains(t)),
        "an answered failure is never applied: {on_server:?}"
    );
    assert!(!on_server.is_empty(), "some dropped writes were applied first");
    assert!(
        on_server.len() < dropped.len(),
        "some dropped writes were not applied: {on_server:?} of {dropped:?}"
    );
    let log = received(&h).await;
    let zeros = log.iter().filter(|r| r["status"] == 0).count();
    assert_eq!(zeros, dropped.len(), "dropped connections are logged with status 0");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let h = start(SandboxOptions {
        speed: 0.0,
        conversations: 3,
        rate_limit: Some(3),
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        ok_json(volt(&h, Method::GET, "/conversation")).await;
    }
    let (s, headers, b) = call(volt(&h, Method::GET, "/conversation")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        (b["success"].clone(), b["error"]["code"].clone()),
        (json!(false), json!(429))
    );
    // Per key: the other platforms still have their budget; the control API has none.
    ok_json(raia(&h, Method::GET, "/external/conversations")).await;
    for _ in 0..5 {
        control_ok(&h, Method::GET, "settings", None).await;
    }
    let (s, _, b) = call(dash(&h, Method::GET, "/agents")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    control_ok(&h, Method::POST, "settings", Some(json!({"rate_limit": null}))).await;
    ok_json(volt(&h, Method::GET, "/conversation")).await;
    let log = received(&h).await;
    assert_eq!(log[3]["status"], 429);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn armed_status_delay_and_malformed_faults_fire_once() {
    let h = quiet(6).await;
    let list = "/raia/external/conversations";
    arm(&h, "GET", list, json!({"status": 429, "retry_after": 7})).await;
    arm(
        &h,
        "get",
        "/external/conversations",
        json!({"status": 502, "body": {"oops": true}}),
    )
    .await;
    let queued = control_ok(&h, Method::GET, "faults", None).await;
    assert_eq!(queued.as_array().map(Vec::len), Some(2));

    // Another path and method are not caught.
    ok_json(raia(&h, Method::GET, "/external/conversations/states")).await;
    let (s, headers, b) = call(raia(&h, Method::GET, "/external/conversations")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));
    assert_eq!(
        (b["status"].clone(), b["name"].clone()),
        (json!(429), json!("TOO_MANY_REQUESTS_ERROR"))
    );
    let (s, _, b) = call(raia(&h, Method::GET, "/external/conversations?page=2")).await;
    assert_eq!((s, b), (StatusCode::BAD_GATEWAY, json!({"oops": true})));
    ok_json(raia(&h, Method::GET, "/external/conversations")).await;

    arm(&h, "GET", "/agents", json!({"delay_ms": 300})).await;
    let t = Instant::now();
    ok_json(dash(&h, Method::GET, "/agents")).await;
    assert!(t.elapsed() >= Duration::from_millis(300));

    let id = create(&h, json!({"platform": "chatdash", "customer_name": "Mo"})).await;
    let agent = &h.chatdash_agents()[0];
    let path = format!("/agents/{agent}/conversations/{id}");
    arm(&h, "PUT", &path, json!({"malformed": true})).await;
    let resp = dash(&h, Method::PUT, &path)
        .json(&json!({"read": true}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap_or_default();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "not JSON: {text}");

    let (s, b) = control(
        &h,
        Method::POST,
        "faults",
        Some(json!({"method": "GET", "path": "/x", "action": {"explode": true}})),
    )
    .await;
    assert_eq!((s, b["error"].is_string()), (StatusCode::BAD_REQUEST, true));
    arm(&h, "GET", "/never", json!({"malformed": true})).await;
    control_ok(&h, Method::DELETE, "faults", None).await;
    assert_eq!(control_ok(&h, Method::GET, "faults", None).await, json!([]));
}

#[tokio::test]
async fn dropped_connections_are_transport_errors() {
    let h = quiet(6).await;
    let id = create(&h, json!({"platform": "chatvolt", "customer_name": "Ann"})).await;
    let path = format!("/chatvolt/conversation/message/conversationId/{id}");
    let send = |text: &str| {
        volt(&h, Method::POST, &format!("/conversation/message/conversationId/{id}")).json(&json!({"message": text}))
    };
    let count = |v: &Value, text: &str| {
        v["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["text"] == text).count())
    };

    arm(&h, "POST", &path, json!({"drop": "before"})).await;
    assert!(transport_error(send("before")).await, "drop before: no HTTP answer");
    assert_eq!(count(&view(&h, "chatvolt", &id).await, "before"), 0, "not applied");

    arm(&h, "POST", &path, json!({"drop": "after"})).await;
    assert!(transport_error(send("after")).await, "drop after: no HTTP answer");
    assert_eq!(
        count(&view(&h, "chatvolt", &id).await, "after"),
        1,
        "applied exactly once"
    );

    // A GET too, and the next request is normal again.
    arm(&h, "GET", "/conversation", json!({"drop": "before"})).await;
    assert!(transport_error(volt(&h, Method::GET, "/conversation")).await);
    ok_json(volt(&h, Method::GET, "/conversation")).await;

    let log = received(&h).await;
    let statuses: Vec<Value> = log.iter().map(|e| e["status"].clone()).collect();
    assert_eq!(statuses, vec![json!(0), json!(0), json!(0), json!(200)]);
}

#[tokio::test]
async fn a_write_can_be_seen_before_its_answer_comes() {
    let h = quiet(3).await;
    let id = create(&h, json!({"platform": "chatvolt", "customer_name": "Sal Slow"})).await;
    let path = format!("/conversation/message/conversationId/{id}");
    arm(&h, "POST", &path, json!({"delay_after_ms": 5000})).await;
    let send = volt(&h, Method::POST, &path).json(&json!({"message": "slow to answer"}));
    let answer = tokio::spawn(async move { call(send).await.0 });
    let seen = |v: &Value| {
        v["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["text"] == "slow to answer"))
    };
    while !seen(&view(&h, "chatvolt", &id).await) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!answer.is_finished(), "stored, not yet answered");
    assert_eq!(answer.await.unwrap(), StatusCode::OK);
}

/// True when the request fails without a complete HTTP answer (at send or while reading).
async fn transport_error(req: RequestBuilder) -> bool {
    match req.send().await {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation

#[tokio::test]
async fn speed_zero_changes_nothing() {
    let h = quiet(24).await;
    let before = everything(&h).await;
    let first_raia = before["raia"]["data"][0]["id"].as_str().unwrap_or_default().to_owned();
    let thread = view(&h, "raia", &first_raia).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(everything(&h).await, before);
    assert_eq!(view(&h, "raia", &first_raia).await, thread);
}

#[tokio::test]
async fn a_lively_world_answers_in_ai_mode_only() {
    let h = quiet(6).await;
    let open = create(
        &h,
        json!({"platform": "raia", "customer_name": "Open", "messages": [{"author": "customer", "text": "hello?"}]}),
    )
    .await;
    let held = create(&h, json!({"platform": "chatvolt", "customer_name": "Held", "status": "human", "messages": [{"author": "customer", "text": "hello?"}]})).await;
    let asked = create(&h, json!({"platform": "chatdash", "customer_name": "Asked", "status": "needs_human", "messages": [{"author": "customer", "text": "a person please"}]})).await;
    control_ok(&h, Method::POST, "settings", Some(json!({"speed": 40}))).await;
    let mut answered = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if view(&h, "raia", &open).await["authors"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["author"] == "ai"))
        {
            answered = true;
            break;
        }
    }
    assert!(answered, "the AI answers in AI mode");
    for (platform, id) in [("chatvolt", &held), ("chatdash", &asked)] {
        let v = view(&h, platform, id).await;
        assert!(
            !v["authors"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["author"] == "ai")),
            "{platform}: {v}"
        );
    }
    // The operator writes; the customer answers.
    ok_json(
        volt(
            &h,
            Method::POST,
            &format!("/conversation/message/conversationId/{held}"),
        )
        .json(&json!({"message": "Hi, Dana here"})),
    )
    .await;
    let mut replied = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let v = view(&h, "chatvolt", &held).await;
        if v["authors"]
            .as_array()
            .and_then(|a| a.last())
            .is_some_and(|x| x["author"] == "customer")
        {
            replied = true;
            break;
        }
    }
    assert!(replied, "the customer answers the operator");
    h.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Start, describe, shutdown

#[tokio::test]
async fn describe_prints_bases_keys_agents_and_a_valid_config() {
    let h = quiet(6).await;
    let text = sandbox::describe(&h);
    for needle in [
        h.raia_base(),
        h.chatvolt_base(),
        h.chatdash_base(),
        h.keys().raia.clone(),
        h.keys().chatvolt.clone(),
        h.keys().chatdash.clone(),
    ] {
        assert!(text.contains(&needle), "{needle} in\n{text}");
    }
    for agent in h.chatdash_agents() {
        assert!(text.contains(&agent));
    }
    assert!(text.contains("export HANDOFF_RAIA_KEY='sandbox-raia-key'"));
    assert!(text.contains("export HANDOFF_CHATVOLT_KEY="));
    assert!(text.contains("export HANDOFF_CHATDASH_KEY="));
    let config = text.split("config.toml:").nth(1).unwrap_or_default();
    let parsed: toml::Table = toml::from_str(config).expect("the snippet is valid TOML");
    let accounts = parsed["accounts"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = accounts.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["raia", "volt", "dash"]);
    assert_eq!(accounts[0]["needs_human_states"].as_array().map(Vec::len), Some(1));
    assert_eq!(accounts[0]["resolved_states"][0].as_str(), Some("Resolved"));
    assert_eq!(accounts[1]["api_key_env"].as_str(), Some("HANDOFF_CHATVOLT_KEY"));
    assert_eq!(
        accounts[2]["agents"].as_array().map(Vec::len),
        Some(h.chatdash_agents().len())
    );
    assert_eq!(accounts[2]["base_url"].as_str(), Some(h.chatdash_base().as_str()));
    // Who "you" are, one per login, so two operators pasting it are not one person.
    let email = parsed["operator"]["email"].as_str().unwrap_or_default();
    assert!(
        email.ends_with("@sandbox.example") && email.len() > "@sandbox.example".len(),
        "{email}"
    );
    assert!(parsed["operator"]["name"].as_str().is_some_and(|n| !n.is_empty()));
}

#[tokio::test]
async fn binds_loopback_and_shuts_down() {
    let h = quiet(3).await;
    assert!(h.addr().ip().is_loopback());
    assert_eq!(h.url(), format!("http://127.0.0.1:{}", h.addr().port()));
    let url = h.raia_base();
    ok_json(raia(&h, Method::GET, "/external/conversations")).await;
    h.shutdown().await;
    let after = http().get(format!("{url}/external/conversations")).send().await;
    assert!(after.is_err(), "nothing listens after shutdown");
}

#[tokio::test]
async fn unknown_routes_answer_in_the_platforms_shape() {
    let h = quiet(3).await;
    let (s, _, b) = call(raia(&h, Method::GET, "/external/nothing/here")).await;
    assert_eq!(
        (s, b["name"].clone()),
        (StatusCode::NOT_FOUND, json!("ENTITY_NOT_FOUND_ERROR"))
    );
    let (s, _, b) = call(volt(&h, Method::DELETE, "/conversation")).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, json!(405))
    );
    let (s, _, b) = call(dash(&h, Method::GET, "/projects")).await;
    assert_eq!((s, b["error"].is_string()), (StatusCode::NOT_FOUND, true));
}
