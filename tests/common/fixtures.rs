//! The one home of test data, for `tests/` and `benches/`: the fixed clock, capabilities,
//! accounts, conversations, messages, models and the config the binary starts with. Each
//! builder fills in the ordinary; a caller overrides (struct update) only what its test is about.
//! It uses nothing but the library, so a bench can include it with `#[path]`; it must not
//! reach the rest of `tests/common` (a bench does not have it).
#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use handoff::app::keymap::Keymap;
use handoff::app::model::Account;
use handoff::app::{Connection, Model};
use handoff::domain::{
    Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Message, PlatformKind, Status,
};
use handoff::sandbox::SandboxHandle;
use std::fmt::Write;
use std::path::Path;

/// The operator every config, adapter and thread speaks as.
pub const OPERATOR_NAME: &str = "Dana Reyes";
pub const OPERATOR_EMAIL: &str = "dana@example.com";

/// The fixed clock of the models built here: a screen or a table changes only when the code does.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

/// Everything possible.
pub fn capabilities() -> Capabilities {
    Capabilities {
        take_over: Availability::Yes,
        hand_back: Availability::Yes,
        send: Availability::Yes,
        resolve: Availability::Yes,
        reopen: Availability::Yes,
        assign: Availability::Yes,
        set_priority: Availability::Yes,
        mark_read: Availability::Yes,
        unread_counts: true,
        needs_human_signal: true,
    }
}

/// A platform without a live agent: taking over, handing back and sending are refused, each
/// for its reason; the rest as [`capabilities`].
pub fn without_live_agent(take_over: &str, hand_back: &str, send: &str) -> Capabilities {
    Capabilities {
        take_over: Availability::No(take_over.into()),
        hand_back: Availability::No(hand_back.into()),
        send: Availability::No(send.into()),
        ..capabilities()
    }
}

/// An account that can do everything, connected and synced.
pub fn account(name: &str, kind: PlatformKind) -> Account {
    Account {
        name: name.into(),
        label: None,
        kind,
        capabilities: capabilities(),
        connection: Connection::Ok,
        synced: true,
        cached_at: None,
        unconfirmed: Default::default(),
        paced: None,
    }
}

/// A raia conversation with "Customer ID" on webchat: created an hour before [`now`], updated
/// at it, nothing unread, no preview, nobody waiting.
pub fn conversation(account: &str, id: &str, status: Status) -> Conversation {
    Conversation {
        key: ConversationKey::new(account, id),
        platform: PlatformKind::Raia,
        customer_name: format!("Customer {id}"),
        customer_contact: None,
        channel: Some("webchat".into()),
        status,
        assignee: None,
        unread: Some(0),
        preview: None,
        created_at: now() - TimeDelta::hours(1),
        updated_at: now(),
        waiting_since: None,
        no_reply: None,
        details: None,
    }
}

/// A sent message without a name or attachments.
pub fn message(id: &str, author: Author, text: &str, at: DateTime<Utc>) -> Message {
    Message {
        id: id.into(),
        author,
        author_name: None,
        text: text.into(),
        created_at: at,
        attachments: vec![],
        delivery: Delivery::Sent,
    }
}

/// The operator as the author of a message.
pub fn me() -> Author {
    Author::Operator {
        name: Some(OPERATOR_NAME.into()),
        is_me: true,
    }
}

/// A model at [`now`] with these accounts and the default keys (80×24, not the demo).
pub fn model(accounts: Vec<Account>) -> Model {
    Model::new(accounts, Keymap::defaults(), false, now())
}

/// The request budget of accounts polled every few hundred milliseconds in tests.
pub const FAST_BUDGET: u32 = 10_000;

/// What differs between the configs the binary is started with; [`config`] writes it.
pub struct Config<'a> {
    /// The sandbox's accounts, in this order, named `raia`, `volt` and `dash`.
    pub accounts: &'a [PlatformKind],
    /// Keys from the files `NAME.key` in this directory (the caller writes them); otherwise
    /// `api_key_cmd = "echo KEY"`.
    pub key_files: Option<&'a Path>,
    /// Polling every few hundred milliseconds, for tests that wait for the screen to change.
    pub fast_sync: bool,
    /// `experimental_live_agent` on the ChatDash account, when it is set.
    pub experimental: Option<bool>,
    /// Written after the accounts: more accounts, or settings.
    pub extra: &'a str,
}

/// The config text for the sandbox `h`.
pub fn config(h: &SandboxHandle, c: &Config) -> String {
    let mut text = format!("\n[operator]\nname = \"{OPERATOR_NAME}\"\nemail = \"{OPERATOR_EMAIL}\"\n");
    if c.fast_sync {
        text.push_str("\n[sync]\nlist_interval = \"400ms\"\nthread_interval = \"300ms\"\n");
    }
    for &kind in c.accounts {
        let (name, platform, base, key) = sandbox_account(h, kind);
        let key = match c.key_files {
            Some(dir) => format!("api_key_file = \"{}/{name}.key\"", dir.display()),
            None => format!("api_key_cmd = \"echo {key}\""),
        };
        write!(
            text,
            "\n[[accounts]]\nname = \"{name}\"\nplatform = \"{platform}\"\nbase_url = \"{base}\"\n{key}\n"
        )
        .unwrap();
        if c.fast_sync {
            writeln!(text, "requests_per_minute = {FAST_BUDGET}").unwrap();
        }
        if let (PlatformKind::Chatdash, Some(on)) = (kind, c.experimental) {
            writeln!(text, "experimental_live_agent = {on}").unwrap();
        }
    }
    text + c.extra
}

/// The sandbox's account of this kind: its name in the configs, platform, base URL and key.
pub fn sandbox_account(h: &SandboxHandle, kind: PlatformKind) -> (&'static str, &'static str, String, String) {
    let keys = h.keys();
    let name = account_name(kind);
    match kind {
        PlatformKind::Raia => (name, "raia", h.raia_base(), keys.raia.clone()),
        PlatformKind::Chatvolt => (name, "chatvolt", h.chatvolt_base(), keys.chatvolt.clone()),
        PlatformKind::Chatdash => (name, "chatdash", h.chatdash_base(), keys.chatdash.clone()),
    }
}

/// The name of the sandbox's account of this kind in the configs and the adapters' settings.
pub fn account_name(kind: PlatformKind) -> &'static str {
    match kind {
        PlatformKind::Raia => "raia",
        PlatformKind::Chatvolt => "volt",
        PlatformKind::Chatdash => "dash",
    }
}
