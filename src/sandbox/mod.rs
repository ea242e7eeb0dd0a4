//! `handoff sandbox`: an embedded stand-in for the raia, Chatvolt and ChatDash APIs.
//!
//! One axum server on loopback serves the three vendor APIs, each under its own path prefix
//! (`/raia`, `/chatvolt`, `/chatdash/v1/public`), plus a small control API under `/_sandbox/`
//! for tests and demos. A simulated world (world.rs) answers them and, when `speed > 0`, lives
//! on its own: customers write, the AI answers, some customers ask for a human.
//!
//! The sandbox shares no types with `domain` or `platform` on purpose: it plays the remote
//! servers, with its own serde types, so a parsing bug in the adapters cannot hide in both.
//!
//! Every API request goes through one middleware (`api_gate`) that records it for
//! `/_sandbox/received`, applies armed faults, latency (and jitter), authentication, the rate
//! limit and the random failures, and renders handler errors in the platform's own error shape.
//! The control API passes through untouched: it never fails and never waits.

mod chatdash;
mod chatvolt;
mod control;
mod faults;
mod raia;
mod summary;
mod world;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{FromRequest, FromRequestParts, Path, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use control::ReceivedLog;
use faults::{Action, Failure, Faults, Settings};
use world::{Platform, World};

/// How the sandbox is started (see `handoff sandbox --help`).
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of the generated world and of the random failures.
    pub seed: u64,
    /// 0 = nothing happens on its own; 1 = lively demo pace; higher = faster.
    pub speed: f64,
    /// Conversations at start, in total across the three platforms.
    pub conversations: usize,
    /// Added to every API request (not to the control API).
    pub latency: Duration,
    /// Up to this much more per API request, uniformly drawn (from the seed).
    pub latency_jitter: Duration,
    /// Share (0.0..=1.0) of API requests that fail: 500/502 or 503 with `Retry-After` (not
    /// applied), or a connection dropped before or after the request is applied.
    pub fail_rate: f64,
    /// Requests per minute per key; above it, 429 with `Retry-After`.
    pub rate_limit: Option<u32>,
    pub keys: SandboxKeys,
}

/// The API keys the sandbox accepts, one per platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxKeys {
    pub raia: String,
    pub chatvolt: String,
    pub chatdash: String,
}

impl Default for SandboxKeys {
    fn default() -> Self {
        SandboxKeys {
            raia: "sandbox-raia-key".into(),
            chatvolt: "sandbox-chatvolt-key".into(),
            chatdash: "CD.sandbox-chatdash-key".into(),
        }
    }
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            seed: 42,
            speed: 1.0,
            conversations: 24,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            fail_rate: 0.0,
            rate_limit: None,
            keys: SandboxKeys::default(),
        }
    }
}

/// A running sandbox. Dropping it stops the server and the simulation too; `shutdown` does it
/// gracefully.
pub struct SandboxHandle {
    addr: SocketAddr,
    keys: SandboxKeys,
    chatdash_agents: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    simulation: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl SandboxHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn raia_base(&self) -> String {
        self.url() + Platform::Raia.prefix()
    }

    pub fn chatvolt_base(&self) -> String {
        self.url() + Platform::Chatvolt.prefix()
    }

    pub fn chatdash_base(&self) -> String {
        self.url() + Platform::Chatdash.prefix()
    }

    /// The ChatDash agent ids in the world (for the `agents = [...]` config).
    pub fn chatdash_agents(&self) -> Vec<String> {
        self.chatdash_agents.clone()
    }

    pub fn keys(&self) -> &SandboxKeys {
        &self.keys
    }

    /// The requests received after sequence number `since`, one line per platform by
    /// endpoint (what `--summary` prints), and the sequence number the next window starts at.
    pub fn summary_lines(&self, since: u64) -> (u64, Vec<String>) {
        let summary = self.shared.received().summary(since);
        (summary.last_seq(), summary.lines())
    }

    /// Stops the simulation, then the server (waiting up to 2 s for open requests).
    pub async fn shutdown(mut self) {
        if let Some(simulation) = self.simulation.take() {
            simulation.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut server).await.is_err()
        {
            server.abort();
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        for task in [self.simulation.take(), self.server.take()].into_iter().flatten() {
            task.abort();
        }
    }
}

/// Binds 127.0.0.1 (never another interface), then spawns the server and the simulation.
pub async fn start(opts: SandboxOptions) -> std::io::Result<SandboxHandle> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).await?;
    let addr = listener.local_addr()?;
    let world = World::generate(opts.seed, opts.conversations, world::now());
    let chatdash_agents = world.chatdash.agents.iter().map(|a| a.id.clone()).collect();
    let settings = Settings {
        latency: opts.latency,
        latency_jitter: opts.latency_jitter,
        fail_rate: faults::clamp_rate(opts.fail_rate),
        rate_limit: opts.rate_limit.filter(|n| *n > 0),
        speed: faults::clamp_speed(opts.speed),
    };
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        settings: Mutex::new(settings),
        faults: Mutex::new(Faults::new(opts.seed)),
        received: Mutex::new(ReceivedLog::default()),
        keys: opts.keys.clone(),
    });

    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(shared.clone());
    let server = tokio::spawn(async move {
        let graceful = async {
            let _ = stopped.await;
        };
        if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(graceful).await {
            tracing::warn!(%error, "sandbox server stopped");
        }
    });
    let simulation = tokio::spawn(world::simulate(shared.clone()));
    tracing::info!(%addr, "sandbox listening");
    Ok(SandboxHandle {
        addr,
        keys: opts.keys,
        chatdash_agents,
        stop: Some(stop),
        server: Some(server),
        simulation: Some(simulation),
        shared,
    })
}

/// The text `handoff sandbox` prints: where the APIs are, the keys, and a config to paste.
pub fn describe(handle: &SandboxHandle) -> String {
    let keys = handle.keys();
    let agents = handle.chatdash_agents();
    let agent_list = agents.iter().map(|a| toml_string(a)).collect::<Vec<_>>().join(", ");
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "handoff sandbox on {} (loopback only; stand-ins, not the real services)",
        handle.url()
    ));
    line(String::new());
    line(format!("  raia      {}", handle.raia_base()));
    line(format!("            Agent-Secret-Key: {}", keys.raia));
    line(format!("  Chatvolt  {}", handle.chatvolt_base()));
    line(format!("            Authorization: Bearer {}", keys.chatvolt));
    line(format!("  ChatDash  {}", handle.chatdash_base()));
    line(format!(
        "            Authorization: {}   (or Bearer {})",
        keys.chatdash, keys.chatdash
    ));
    line(format!("            agents: {}", agents.join(", ")));
    line(format!(
        "  control   {}/_sandbox/  (say, conversations, received, received/summary, settings, faults)",
        handle.url()
    ));
    line(String::new());
    line("Keys, for your shell:".into());
    line(String::new());
    for (var, key) in [
        ("HANDOFF_RAIA_KEY", &keys.raia),
        ("HANDOFF_CHATVOLT_KEY", &keys.chatvolt),
        ("HANDOFF_CHATDASH_KEY", &keys.chatdash),
    ] {
        line(format!("export {var}={}", shell_quote(key)));
    }
    line(String::new());
    line("config.toml:".into());
    line(String::new());
    // Who "you" are: the platforms record a takeover by this email, so each operator needs
    // their own. The login name makes one that differs per person on a shared server.
    let login: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let login = if login.is_empty() {
        "operator".to_string()
    } else {
        login
    };
    line("[operator]".into());
    line("# Who you are: each operator sets their own (the platforms record takeovers by email).".into());
    line(format!("name = \"{login}\""));
    line(format!("email = \"{login}@sandbox.example\""));
    line(String::new());
    let accounts = [
        (
            "raia",
            "raia (sandbox)",
            "raia",
            handle.raia_base(),
            "HANDOFF_RAIA_KEY",
            vec![
                "needs_human_states = [\"Needs human\"]".to_owned(),
                "resolved_states = [\"Resolved\"]".to_owned(),
            ],
        ),
        (
            "volt",
            "Chatvolt (sandbox)",
            "chatvolt",
            handle.chatvolt_base(),
            "HANDOFF_CHATVOLT_KEY",
            vec![],
        ),
        (
            "dash",
            "ChatDash (sandbox)",
            "chatdash",
            handle.chatdash_base(),
            "HANDOFF_CHATDASH_KEY",
            vec![
                format!("agents = [{agent_list}]"),
                "# experimental_live_agent = true   # the sandbox accepts the experimental takeover".to_owned(),
            ],
        ),
    ];
    for (i, (name, label, platform, base, env, extra)) in accounts.into_iter().enumerate() {
        if i > 0 {
            line(String::new());
        }
        line("[[accounts]]".into());
        line(format!("name = {}", toml_string(name)));
        line(format!("label = {}", toml_string(label)));
        line(format!("platform = {}", toml_string(platform)));
        line(format!("base_url = {}", toml_string(&base)));
        line(format!("api_key_env = {}", toml_string(env)));
        for e in extra {
            line(e);
        }
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A POSIX-shell single-quoted word.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

// ---------------------------------------------------------------------------------------------
// Shared state

struct Shared {
    world: Mutex<World>,
    settings: Mutex<Settings>,
    faults: Mutex<Faults>,
    received: Mutex<ReceivedLog>,
    keys: SandboxKeys,
}

/// Locks without panicking: a panic elsewhere must not take the whole sandbox down with it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    fn settings(&self) -> MutexGuard<'_, Settings> {
        lock(&self.settings)
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    fn received(&self) -> MutexGuard<'_, ReceivedLog> {
        lock(&self.received)
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest(Platform::Raia.prefix(), raia::routes())
        .nest(Platform::Chatvolt.prefix(), chatvolt::routes())
        .nest(Platform::Chatdash.prefix(), chatdash::routes())
        .nest("/_sandbox", control::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), api_gate))
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
}

// ---------------------------------------------------------------------------------------------
// The API middleware

/// Bodies above this are refused (nothing legitimate comes close).
const MAX_BODY: usize = 1 << 20;

enum Outcome {
    Respond(Response),
    /// Close the connection without a response.
    Drop,
}

async fn api_gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(platform) = Platform::from_path(req.uri().path()) else {
        // The control API: no recording, no faults, no auth.
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let (bytes, too_large) = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => (bytes, false),
        Err(_) => (Bytes::new(), true),
    };
    let seq = shared.received().record(platform, &parts, &bytes);
    let outcome = if too_large {
        Outcome::Respond(error_response(
            platform,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
        ))
    } else {
        serve_api(&shared, platform, parts, bytes, next).await
    };
    let (status, response) = match outcome {
        Outcome::Respond(response) => (response.status().as_u16(), response),
        Outcome::Drop => (0, dropped_connection()),
    };
    shared.received().set_status(seq, status);
    response
}

/// Faults, latency, auth, rate limit and failure rate, then the handler.
async fn serve_api(shared: &Shared, platform: Platform, parts: Parts, body: Bytes, next: Next) -> Outcome {
    let armed = shared.faults().take_armed(parts.method.as_str(), parts.uri.path());
    let mut after_handler = None;
    match armed {
        Some(Action::Status {
            status,
            retry_after,
            body,
            raw,
            headers,
        }) => {
            let mut response = match (body, raw) {
                (_, Some(raw)) => (status, [(header::CONTENT_TYPE, "application/json")], raw).into_response(),
                (Some(body), None) => (status, Json(body)).into_response(),
                (None, None) => error_response(platform, status, "Injected fault"),
            };
            if let Some(secs) = retry_after {
                set_retry_after(&mut response, secs);
            }
            response.headers_mut().extend(headers);
            return Outcome::Respond(response);
        }
        Some(Action::DropBefore) => return Outcome::Drop,
        Some(Action::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(
            action @ (Action::Malformed
            | Action::AppliedBody(_)
            | Action::DropAfter
            | Action::DelayAfter(_)
            | Action::Pad { .. }),
        ) => after_handler = Some(action),
        None => {}
    }

    let settings = shared.settings().clone();
    let latency = settings.latency + shared.faults().jitter(settings.latency_jitter);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(key) = authenticate(platform, &parts.headers, &shared.keys) else {
        let (status, message) = match platform {
            Platform::Raia => (StatusCode::FORBIDDEN, "INVALID_CREDENTIALS"),
            Platform::Chatvolt | Platform::Chatdash => (StatusCode::UNAUTHORIZED, "Unauthorized"),
        };
        return Outcome::Respond(error_response(platform, status, message));
    };
    if let Some(limit) = settings.rate_limit {
        let verdict = shared.faults().check_rate(&format!("{}:{key}", platform.name()), limit);
        if let Err(retry_after) = verdict {
            let mut response = error_response(platform, StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            set_retry_after(&mut response, retry_after);
            return Outcome::Respond(response);
        }
    }
    let failure = shared.faults().roll_failure(settings.fail_rate);
    match failure {
        Some(Failure::Status(status)) => {
            return Outcome::Respond(error_response(platform, status, faults::failure_message(status)));
        }
        Some(Failure::Unavailable) => {
            let status = StatusCode::SERVICE_UNAVAILABLE;
            let mut response = error_response(platform, status, faults::failure_message(status));
            set_retry_after(&mut response, 1);
            return Outcome::Respond(response);
        }
        Some(Failure::DropBefore) => return Outcome::Drop,
        // An armed fault on the same request has the last word on how it ends.
        Some(Failure::DropAfter) => {
            after_handler.get_or_insert(Action::DropAfter);
        }
        None => {}
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let response = render_api_error(platform, response);
    match after_handler {
        Some(Action::DropAfter) => Outcome::Drop,
        Some(Action::Malformed) => Outcome::Respond(malformed_response()),
        // A request the handler refused keeps its refusal: only what was applied is re-worded.
        Some(Action::AppliedBody(body)) if response.status().is_success() => {
            Outcome::Respond((StatusCode::OK, Json(body)).into_response())
        }
        Some(Action::Pad { to, chunked }) => Outcome::Respond(padded(response, to, chunked).await),
        Some(Action::DelayAfter(delay)) => {
            tokio::time::sleep(delay).await;
            Outcome::Respond(response)
        }
        _ => Outcome::Respond(response),
    }
}

/// The response with spaces after its JSON up to `to` bytes in all (JSON allows trailing
/// whitespace, so it still parses). The padding is generated as hyper sends it, so a body of
/// any size costs the sandbox no memory; `chunked` leaves out the `Content-Length`.
async fn padded(response: Response, to: u64, chunked: bool) -> Response {
    const CHUNK: usize = 64 * 1024;
    static SPACES: [u8; CHUNK] = [b' '; CHUNK];
    let (mut parts, body) = response.into_parts();
    let head = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let total = to.max(head.len() as u64);
    let padding = futures::stream::unfold(total - head.len() as u64, |left| async move {
        (left > 0).then(|| {
            let n = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            (
                Ok::<Bytes, std::io::Error>(Bytes::from_static(&SPACES[..n])),
                left - n as u64,
            )
        })
    });
    let stream = futures::StreamExt::chain(futures::stream::once(async move { Ok(head) }), padding);
    parts.headers.remove(header::CONTENT_LENGTH);
    if !chunked {
        // A streamed body with a declared length: hyper sends exactly this many bytes.
        parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    }
    Response::from_parts(parts, Body::from_stream(stream))
}

/// The key the request presented, if it is the platform's key.
fn authenticate<'k>(platform: Platform, headers: &HeaderMap, keys: &'k SandboxKeys) -> Option<&'k str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let authorization = text(header::AUTHORIZATION.as_str());
    let bearer = authorization
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let (key, presented) = match platform {
        Platform::Raia => (&keys.raia, text("agent-secret-key") == Some(keys.raia.as_str())),
        Platform::Chatvolt => (&keys.chatvolt, bearer == Some(keys.chatvolt.as_str())),
        // ChatDash: the raw key, or the same with a Bearer scheme (§7.2).
        Platform::Chatdash => {
            let key = Some(keys.chatdash.as_str());
            (&keys.chatdash, authorization == key || bearer == key)
        }
    };
    presented.then_some(key.as_str())
}

fn set_retry_after(response: &mut Response, secs: u64) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
}

/// 200 with a body that is not valid JSON (a truncated list).
fn malformed_response() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"data":["#,
    )
        .into_response()
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without flushing the head, so the client sees a transport error and no status.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox: connection dropped on purpose"))
    });
    Response::new(Body::from_stream(failing))
}

// ---------------------------------------------------------------------------------------------
// Errors in each platform's shape

/// An error from a handler or extractor. Its own body is `{"error": message}` (the control
/// API's shape); for API requests `api_gate` re-renders it in the platform's shape.
#[derive(Debug, Clone)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.message }))).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

fn render_api_error(platform: Platform, mut response: Response) -> Response {
    match response.extensions_mut().remove::<ApiError>() {
        Some(error) => error_response(platform, error.status, &error.message),
        None => response,
    }
}

/// An error response with the platform's documented error body.
fn error_response(platform: Platform, status: StatusCode, message: &str) -> Response {
    (status, Json(error_body(platform, status, message))).into_response()
}

fn error_body(platform: Platform, status: StatusCode, message: &str) -> Value {
    let code = status.as_u16();
    match platform {
        // raia: `{status, name, message, details}`; 5xx bodies are `{status, message}`.
        Platform::Raia if status.is_server_error() => json!({"status": code, "message": message}),
        Platform::Raia => {
            let name = match code {
                400 => "BAD_REQUEST_ERROR",
                401 => "UNAUTHORIZED_ERROR",
                403 => "FORBIDDEN_ERROR",
                404 => "ENTITY_NOT_FOUND_ERROR",
                405 => "METHOD_NOT_ALLOWED_ERROR",
                409 => "CONFLICT_ERROR",
                413 => "PAYLOAD_TOO_LARGE_ERROR",
                429 => "TOO_MANY_REQUESTS_ERROR",
                _ => "ERROR",
            };
            json!({"status": code, "name": name, "message": message, "details": []})
        }
        Platform::Chatvolt => json!({"success": false, "error": {"message": message, "code": code}}),
        Platform::Chatdash => json!({ "error": message }),
    }
}

// ---------------------------------------------------------------------------------------------
// Extractors and small helpers shared by the handlers

/// `Path<T>` whose rejection is an `ApiError` (so it comes out in the platform's shape).
struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
        }
    }
}

/// A JSON body (any value; `Null` when the body is empty), or a 400 in the platform's shape.
struct ApiJson(pub Value);

impl<S> FromRequest<S> for ApiJson
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJson(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
    }
}

/// Query parameters (the last one wins when repeated).
fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn body_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object"))
}

/// An optional string field: absent or null is `None`, another type is a 400.
fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
    }
}

/// An optional boolean field: absent or null is `None`, another type is a 400.
fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a boolean"))),
    }
}

/// A required, non-blank string field.
fn required_text<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match opt_str(obj, key)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ApiError::bad_request(format!("{key} should not be empty"))),
    }
}

/// A boolean query parameter (`true`/`false`), if present.
fn query_bool(q: &HashMap<String, String>, key: &str) -> Result<Option<bool>, ApiError> {
    match q.get(key).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_request(format!(
            "{key} must be true or false, not {other:?}"
        ))),
    }
}

/// A timestamp query parameter, if present.
fn query_time(q: &HashMap<String, String>, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    match q.get(key) {
        None => Ok(None),
        Some(s) => world::parse_ts(s)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("{key} must be an ISO 8601 date"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes() {
        let raia = error_body(Platform::Raia, StatusCode::FORBIDDEN, "INVALID_CREDENTIALS");
        assert_eq!(
            raia,
            json!({"status":403,"name":"FORBIDDEN_ERROR","message":"INVALID_CREDENTIALS","details":[]})
        );
        let raia500 = error_body(Platform::Raia, StatusCode::INTERNAL_SERVER_ERROR, "x");
        assert_eq!(raia500, json!({"status":500,"message":"x"}));
        let volt = error_body(Platform::Chatvolt, StatusCode::UNAUTHORIZED, "Unauthorized");
        assert_eq!(
            volt,
            json!({"success":false,"error":{"message":"Unauthorized","code":401}})
        );
        let dash = error_body(Platform::Chatdash, StatusCode::UNAUTHORIZED, "Unauthorized");
        assert_eq!(dash, json!({"error":"Unauthorized"}));
    }

    #[test]
    fn auth_headers() {
        let keys = SandboxKeys::default();
        let mut h = HeaderMap::new();
        assert!(authenticate(Platform::Chatdash, &h, &keys).is_none());
        h.insert("authorization", HeaderValue::from_static("CD.sandbox-chatdash-key"));
        assert!(authenticate(Platform::Chatdash, &h, &keys).is_some());
        assert!(authenticate(Platform::Chatvolt, &h, &keys).is_none());
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer CD.sandbox-chatdash-key"),
        );
        assert!(authenticate(Platform::Chatdash, &h, &keys).is_some());
        h.insert("authorization", HeaderValue::from_static("Bearer sandbox-chatvolt-key"));
        assert!(authenticate(Platform::Chatvolt, &h, &keys).is_some());
        assert!(authenticate(Platform::Raia, &h, &keys).is_none());
        h.insert("agent-secret-key", HeaderValue::from_static("sandbox-raia-key"));
        assert!(authenticate(Platform::Raia, &h, &keys).is_some());
    }

    #[test]
    fn quoting() {
        assert_eq!(toml_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
