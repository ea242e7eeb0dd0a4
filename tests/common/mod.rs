//! Shared by the integration tests: a sandbox on loopback and adapters pointed at it, the
//! binary run against it (run) or on a pseudo-terminal (term), the inbox fed by the adapters
//! and drawn without a terminal (inbox), the corpus of hostile strings (hostile), and the test
//! data itself (fixtures, shared with the benches).
#![allow(dead_code)]

pub mod fixtures;
pub mod hostile;
pub mod inbox;
pub mod run;
pub mod term;

use handoff::domain::{ApiKey, PlatformKind};
use handoff::platform::{self, AccountSettings, Operator, Platform};
use handoff::sandbox::{self, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};
use std::sync::Arc;

/// A quiet world (speed 0): nothing changes unless a test makes it.
pub async fn quiet(conversations: usize) -> SandboxHandle {
    sandbox::start(SandboxOptions {
        speed: 0.0,
        conversations,
        ..Default::default()
    })
    .await
    .expect("sandbox starts")
}

pub fn me() -> Operator {
    Operator {
        name: Some(fixtures::OPERATOR_NAME.into()),
        email: Some(fixtures::OPERATOR_EMAIL.into()),
    }
}

pub fn settings(h: &SandboxHandle, kind: PlatformKind) -> AccountSettings {
    let (name, _, base, key) = fixtures::sandbox_account(h, kind);
    let mut s = AccountSettings::new(name, kind, &base, ApiKey::new(key));
    s.operator = me();
    // Tests poll every few hundred milliseconds: the budget is not what they test (tests/scale.rs is).
    s.requests_per_minute = fixtures::FAST_BUDGET;
    s
}

pub fn adapter(settings: AccountSettings) -> Arc<dyn Platform> {
    let client = platform::http::client(settings.timeout);
    platform::connect(settings, client)
}

/// Adapters for the sandbox's three accounts, in [`PlatformKind::ALL`]'s order.
pub fn adapters(h: &SandboxHandle) -> Vec<Arc<dyn Platform>> {
    PlatformKind::ALL
        .into_iter()
        .map(|kind| adapter(settings(h, kind)))
        .collect()
}

pub async fn control(h: &SandboxHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let client = http_client();
    let mut req = client.request(method, format!("{}/_sandbox/{path}", h.url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("control API answers");
    assert!(resp.status().is_success(), "control {path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

/// Makes a conversation with exactly these strings; returns its platform id.
pub async fn create(h: &SandboxHandle, platform: &str, name: &str, status: &str, messages: Value) -> String {
    let v = control(
        h,
        reqwest::Method::POST,
        "conversations",
        Some(json!({"platform": platform, "customer_name": name, "status": status, "messages": messages})),
    )
    .await;
    v["id"].as_str().expect("control API returns the id").to_string()
}

pub async fn received(h: &SandboxHandle) -> Vec<Value> {
    control(h, reqwest::Method::GET, "received", None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn clear_received(h: &SandboxHandle) {
    control(h, reqwest::Method::DELETE, "received", None).await;
}

pub async fn arm(h: &SandboxHandle, method: &str, path: &str, action: Value) {
    control(
        h,
        reqwest::Method::POST,
        "faults",
        Some(json!({"method": method, "path": path, "action": action})),
    )
    .await;
}

/// How many of the messages the server holds for a conversation contain `text`.
pub async fn count_on_server(h: &SandboxHandle, platform: &str, id: &str, text: &str) -> usize {
    let state = control(h, reqwest::Method::GET, &format!("conversations/{platform}/{id}"), None).await;
    state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.to_string().contains(text))
        .count()
}

/// [`count_on_server`], for tests that drive the sandbox's runtime from outside.
pub fn copies_on_server(
    rt: &tokio::runtime::Runtime,
    h: &SandboxHandle,
    platform: &str,
    id: &str,
    text: &str,
) -> usize {
    rt.block_on(count_on_server(h, platform, id, text))
}

/// The path of a platform's conversation list, for arming a fault on it.
pub fn list_path(kind: PlatformKind) -> &'static str {
    match kind {
        PlatformKind::Raia => "/raia/external/conversations",
        PlatformKind::Chatvolt => "/chatvolt/conversation",
        PlatformKind::Chatdash => "/conversations",
    }
}

/// The control API's summary of the API requests received (`GET /_sandbox/received/summary`),
/// after sequence number `since` if given (an earlier summary's `last_seq` starts a window).
pub async fn summary(h: &SandboxHandle, since: Option<u64>) -> Value {
    let path = match since {
        Some(seq) => format!("received/summary?since={seq}"),
        None => "received/summary".to_owned(),
    };
    control(h, reqwest::Method::GET, &path, None).await
}

/// How many requests of a summary `platform` received at `endpoint`, a template such as
/// `GET /conversation?limit&status=HUMAN_REQUESTED` (0 if none).
pub fn endpoint_count(summary: &Value, platform: &str, endpoint: &str) -> u64 {
    summary["platforms"][platform]["endpoints"][endpoint]["count"]
        .as_u64()
        .unwrap_or(0)
}

/// All the requests of a summary to `platform`.
pub fn platform_count(summary: &Value, platform: &str) -> u64 {
    summary["platforms"][platform]["total"].as_u64().unwrap_or(0)
}

/// A plain HTTP client for what the tests ask the sandbox themselves, with the process's TLS
/// provider installed first (reqwest is built without one of its own; `platform::http`).
pub fn http_client() -> reqwest::Client {
    handoff::platform::http::install_tls_provider();
    reqwest::Client::new()
}
