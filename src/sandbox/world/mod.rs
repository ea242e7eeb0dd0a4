//! The simulated world behind the three fake APIs: conversations, messages, and the little
//! simulation that makes customers write and the AI answer.
//!
//! Each platform keeps its own conversation list with its own extra fields (`RaiaExt`,
//! `VoltExt`, `DashExt`); what the simulation needs from them is the small `PlatformExt`
//! trait (who is handling the conversation, what a customer message does to it).
//! The HTTP handlers (raia.rs, chatvolt.rs, chatdash.rs) turn this state into each vendor's JSON.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};
use rand::{
    Rng, SeedableRng,
    rngs::StdRng,
    seq::{IndexedRandom, SliceRandom},
};
use serde_json::{Value, json};

use super::Shared;

// ---------------------------------------------------------------------------------------------
// Platforms, time, ids

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Platform {
    Raia,
    Chatvolt,
    Chatdash,
}

impl Platform {
    pub(super) const ALL: [Platform; 3] = [Platform::Raia, Platform::Chatvolt, Platform::Chatdash];

    pub(super) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Platform::Raia => "raia",
            Platform::Chatvolt => "chatvolt",
            Platform::Chatdash => "chatdash",
        }
    }

    pub(super) fn prefix(self) -> &'static str {
        match self {
            Platform::Raia => "/raia",
            Platform::Chatvolt => "/chatvolt",
            Platform::Chatdash => "/chatdash/v1/public",
        }
    }

    /// Which platform an incoming request path belongs to (`None` for the control API).
    pub(super) fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| {
            let prefix = p.prefix();
            path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// Now, truncated to milliseconds: every timestamp is served with millisecond precision, so
/// storing more would make keyset cursors (which echo a served timestamp) skip or repeat items.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// ISO 8601 UTC with milliseconds and `Z`, the way all three vendors write timestamps.
pub(super) fn fmt_ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses a timestamp from a query string: RFC 3339, a naive date-time (taken as UTC) or a date.
pub(super) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Chatvolt documents 'YYYY-MM-DD HH:mm:ss' and 'YYYY-MM-DD HH:mm' too.
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn hex(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

fn base36(rng: &mut StdRng, len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| char::from(DIGITS[rng.random_range(0..DIGITS.len())]))
        .collect()
}

/// A version-4 UUID (raia ids).
pub(super) fn uuid(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A cuid-like id (Chatvolt): `c` + 24 base-36 characters.
pub(super) fn cuid(rng: &mut StdRng) -> String {
    format!("c{}", base36(rng, 24))
}

/// A MongoDB ObjectId-like id (ChatDash): 24 hex digits.
pub(super) fn object_id(rng: &mut StdRng) -> String {
    hex(rng, 24)
}

// ---------------------------------------------------------------------------------------------
// Conversations and messages, common part

/// Who is handling a conversation, as far as the simulation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Handling {
    Ai,
    HumanRequested,
    Human,
    Resolved,
}

impl Handling {
    /// The control API's spelling.
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "ai" => Some(Handling::Ai),
            "needs_human" => Some(Handling::HumanRequested),
            "human" => Some(Handling::Human),
            "resolved" => Some(Handling::Resolved),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Author {
    Customer,
    Ai,
    /// A human operator; `user_id` is the platform's staff id when one is known.
    Operator {
        user_id: Option<String>,
    },
}

impl Author {
    pub(super) fn label(&self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Ai => "ai",
            Author::Operator { .. } => "operator",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Message {
    pub id: String,
    pub author: Author,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// raia `conversationMessageId`: the customer message this one answers (its own id for
    /// customer messages).
    pub reply_to: String,
    /// ChatDash message `metadata` (`{model,total}` on bot messages).
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Customer {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Customer {
    pub(super) fn full_name(&self) -> String {
        if self.last_name.is_empty() {
            self.first_name.clone()
        } else {
            format!("{} {}", self.first_name, self.last_name)
        }
    }
}

/// Where the scripted dialogue of a conversation stands.
#[derive(Debug, Clone, Default)]
pub(super) struct Script {
    topic: Option<usize>,
    /// Index of the next customer line in the topic's script (always even).
    pos: usize,
    /// What the AI says next, set when the customer speaks.
    next_ai_line: Option<String>,
    nudges: u8,
}

#[derive(Debug, Clone)]
pub(super) struct Conversation<E> {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub customer: Customer,
    /// The platform's own channel string (raia: the message `source`).
    pub channel: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub messages: Vec<Message>,
    pub ext: E,
    script: Script,
}

/// What the simulation and the control API need to know about a platform's conversation.
pub(super) trait PlatformExt {
    fn handling(&self) -> Handling;
    /// The effects of a customer message (unread counters, the needs-human signal).
    fn customer_wrote(&mut self, asks_for_human: bool);
    /// Puts the conversation into `h` (used when generating and by the control API).
    fn set_handling(&mut self, h: Handling, at: DateTime<Utc>);
    fn new_message_id(rng: &mut StdRng) -> String;
    fn new_conversation_id(rng: &mut StdRng) -> String;
    /// Whether the simulation may make this conversation move (not for a finished voice call).
    fn simulated(&self) -> bool {
        true
    }
}

impl<E: PlatformExt> Conversation<E> {
    /// Appends a message and bumps `updatedAt`.
    pub(super) fn push(&mut self, rng: &mut StdRng, author: Author, text: String, at: DateTime<Utc>) -> &Message {
        let id = E::new_message_id(rng);
        let reply_to = match author {
            Author::Customer => id.clone(),
            _ => self.last_customer_message_id().unwrap_or_else(|| id.clone()),
        };
        let metadata = (author == Author::Ai)
            .then(|| json!({"model": "gpt-4o-mini", "total": 40 + text.chars().count() as u64 / 3}));
        self.updated_at = self.updated_at.max(at);
        let index = self.messages.len();
        self.messages.push(Message {
            id,
            author,
            text,
            created_at: at,
            reply_to,
            metadata,
        });
        &self.messages[index]
    }

    pub(super) fn last_customer_message_id(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.author == Author::Customer)
            .map(|m| m.id.clone())
    }

    /// The customer says `text`, with the platform's effects.
    pub(super) fn customer_says(&mut self, rng: &mut StdRng, text: String, asks_for_human: bool, at: DateTime<Utc>) {
        self.push(rng, Author::Customer, text, at);
        self.ext.customer_wrote(asks_for_human);
        if asks_for_human {
            self.script.next_ai_line = None;
        }
    }

    fn next_customer_line(&mut self, rng: &mut StdRng) -> String {
        if let Some(topic) = self.script.topic.and_then(|t| TOPICS.get(t))
            && let Some(line) = topic.lines.get(self.script.pos)
        {
            self.script.next_ai_line = topic.lines.get(self.script.pos + 1).map(|s| (*s).to_owned());
            self.script.pos += 2;
            return (*line).to_owned();
        }
        let (question, answer) = FILLERS.choose(rng).copied().unwrap_or(FILLERS_DEFAULT);
        self.script.next_ai_line = Some(answer.to_owned());
        question.to_owned()
    }

    fn ai_answers(&mut self, rng: &mut StdRng, at: DateTime<Utc>) {
        let line = self
            .script
            .next_ai_line
            .take()
            .unwrap_or_else(|| AI_FALLBACK.to_owned());
        self.push(rng, Author::Ai, line, at);
    }
}

pub(super) fn find<'a, E>(list: &'a [Conversation<E>], id: &str) -> Option<&'a Conversation<E>> {
    list.iter().find(|c| c.id == id)
}

pub(super) fn find_mut<'a, E>(list: &'a mut [Conversation<E>], id: &str) -> Option<&'a mut Conversation<E>> {
    list.iter_mut().find(|c| c.id == id)
}

// ---------------------------------------------------------------------------------------------
// raia

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RaiaState {
    New,
    NeedsHuman,
    Resolved,
}

#[derive(Debug, Clone)]
pub(super) struct RaiaStateDef {
    pub id: String,
    pub state: RaiaState,
    pub name: &'static str,
    pub description: &'static str,
    pub color: &'static str,
    pub is_persistent: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(super) struct RaiaAgent {
    pub id: String,
    pub name: String,
    pub public_name: String,
    pub organization_id: String,
    pub organization_name: String,
}

#[derive(Debug, Clone)]
pub(super) struct RaiaExt {
    pub user_id: String,
    pub ai_conversation_id: String,
    pub manual: bool,
    pub state: RaiaState,
    /// `active` | `inactive` | `archived`: writable but never returned by raia.
    pub status: String,
    pub context: Option<String>,
    pub ai_call_id: Option<String>,
}

impl PlatformExt for RaiaExt {
    fn handling(&self) -> Handling {
        match (self.state, self.manual) {
            (RaiaState::Resolved, _) => Handling::Resolved,
            (_, true) => Handling::Human,
            (RaiaState::NeedsHuman, false) => Handling::HumanRequested,
            (RaiaState::New, false) => Handling::Ai,
        }
    }

    fn customer_wrote(&mut self, asks_for_human: bool) {
        if asks_for_human {
            self.state = RaiaState::NeedsHuman;
        }
    }

    fn set_handling(&mut self, h: Handling, _at: DateTime<Utc>) {
        (self.manual, self.state) = match h {
            Handling::Ai => (false, RaiaState::New),
            Handling::HumanRequested => (false, RaiaState::NeedsHuman),
            Handling::Human => (true, RaiaState::New),
            Handling::Resolved => (false, RaiaState::Resolved),
        };
        if h == Handling::Resolved {
            self.status = "archived".into();
        }
    }

    fn new_message_id(rng: &mut StdRng) -> String {
        uuid(rng)
    }

    fn new_conversation_id(rng: &mut StdRng) -> String {
        uuid(rng)
    }

    fn simulated(&self) -> bool {
        self.ai_call_id.is_none()
    }
}

#[derive(Debug, Clone)]
pub(super) struct RaiaWorld {
    pub agent: RaiaAgent,
    pub states: Vec<RaiaStateDef>,
    pub conversations: Vec<Conversation<RaiaExt>>,
}

// ---------------------------------------------------------------------------------------------
// Chatvolt

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VoltStatus {
    Unresolved,
    Resolved,
    HumanRequested,
}

impl VoltStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            VoltStatus::Unresolved => "UNRESOLVED",
            VoltStatus::Resolved => "RESOLVED",
            VoltStatus::HumanRequested => "HUMAN_REQUESTED",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        [VoltStatus::Unresolved, VoltStatus::Resolved, VoltStatus::HumanRequested]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub(super) struct VoltAssignee {
    pub id: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub(super) struct VoltTag {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(super) struct VoltExt {
    pub agent_id: Option<String>,
    pub status: VoltStatus,
    pub ai_enabled: bool,
    pub unread: u32,
    pub priority: &'static str,
    pub visitor_id: String,
    /// The participant contact's id, when the customer is a known contact.
    pub contact_id: Option<String>,
    pub ai_user_identifier: Option<String>,
    pub assignees: Vec<VoltAssignee>,
    pub tags: Vec<VoltTag>,
    pub frustration: Option<f64>,
    pub last_human_interaction_at: Option<DateTime<Utc>>,
}

impl PlatformExt for VoltExt {
    fn handling(&self) -> Handling {
        match (self.status, self.ai_enabled) {
            (VoltStatus::Resolved, _) => Handling::Resolved,
            (_, false) => Handling::Human,
            (VoltStatus::HumanRequested, true) => Handling::HumanRequested,
            (VoltStatus::Unresolved, true) => Handling::Ai,
        }
    }

    fn customer_wrote(&mut self, asks_for_human: bool) {
        self.unread = self.unread.saturating_add(1);
        if asks_for_human {
            self.status = VoltStatus::HumanRequested;
        }
    }

    fn set_handling(&mut self, h: Handling, at: DateTime<Utc>) {
        (self.ai_enabled, self.status) = match h {
            Handling::Ai => (true, VoltStatus::Unresolved),
            Handling::HumanRequested => (true, VoltStatus::HumanRequested),
            Handling::Human => (false, VoltStatus::Unresolved),
            Handling::Resolved => (true, VoltStatus::Resolved),
        };
        if h == Handling::Human {
            self.last_human_interaction_at = Some(at);
        }
    }

    fn new_message_id(rng: &mut StdRng) -> String {
        cuid(rng)
    }

    fn new_conversation_id(rng: &mut StdRng) -> String {
        cuid(rng)
    }
}

#[derive(Debug, Clone)]
pub(super) struct VoltAgent {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(super) struct VoltWorld {
    pub organization_id: String,
    pub agents: Vec<VoltAgent>,
    /// The staff user the API key belongs to: operator messages sent through the API carry it.
    pub staff_user_id: String,
    pub conversations: Vec<Conversation<VoltExt>>,
}

// ---------------------------------------------------------------------------------------------
// ChatDash

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DashStatus {
    Ai,
    Pending,
    Human,
}

impl DashStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            DashStatus::Ai => "ai",
            DashStatus::Pending => "pending",
            DashStatus::Human => "human",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        [DashStatus::Ai, DashStatus::Pending, DashStatus::Human]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub(super) struct DashExt {
    pub agent_id: String,
    pub platform_id: String,
    pub read: bool,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: DashStatus,
    pub live_agent_name: Option<String>,
    pub live_agent_id: Option<String>,
    pub is_live: bool,
    pub record: bool,
    pub interacted: bool,
    pub country_code: Option<String>,
    pub topic: Option<String>,
}

impl PlatformExt for DashExt {
    fn handling(&self) -> Handling {
        if self.ended_at.is_some() && !self.is_live {
            return Handling::Resolved;
        }
        match self.status {
            DashStatus::Human => Handling::Human,
            DashStatus::Pending => Handling::HumanRequested,
            DashStatus::Ai => Handling::Ai,
        }
    }

    fn customer_wrote(&mut self, asks_for_human: bool) {
        self.read = false;
        self.interacted = true;
        if asks_for_human && self.status == DashStatus::Ai {
            self.status = DashStatus::Pending;
        }
    }

    fn set_handling(&mut self, h: Handling, at: DateTime<Utc>) {
        self.status = match h {
            Handling::Ai | Handling::Resolved => DashStatus::Ai,
            Handling::HumanRequested => DashStatus::Pending,
            Handling::Human => DashStatus::Human,
        };
        self.is_live = h != Handling::Resolved;
        self.ended_at = (h == Handling::Resolved).then_some(at);
    }

    fn new_message_id(rng: &mut StdRng) -> String {
        // ChatDash messages have no id on the wire; this one only lives inside the sandbox.
        object_id(rng)
    }

    fn new_conversation_id(rng: &mut StdRng) -> String {
        object_id(rng)
    }
}

#[derive(Debug, Clone)]
pub(super) struct DashAgent {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub client_id: String,
}

#[derive(Debug, Clone)]
pub(super) struct DashWorld {
    pub agents: Vec<DashAgent>,
    pub conversations: Vec<Conversation<DashExt>>,
}

// ---------------------------------------------------------------------------------------------
// Scripted text

struct Topic {
    title: &'static str,
    summary: &'static str,
    /// Customer and AI lines, alternating, customer first.
    lines: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        title: "Order status",
        summary: "The customer asks where their order is.",
        lines: &[
            "Hi, where is my order #48213? It was supposed to arrive yesterday.",
            "Let me check. Order #48213 left our warehouse on Monday and is now with the courier.",
            "Can you tell me when it will arrive?",
            "The courier expects to deliver it by Thursday before 6 pm. The tracking link is in your confirmation email.",
            "I can't find that email anywhere.",
            "I've just sent it again to the address on your account. It can take a few minutes to arrive.",
        ],
    },
    Topic {
        title: "Refund request",
        summary: "The customer wants a refund for a blender that stopped working.",
        lines: &[
            "I'd like a refund for the blender I bought last week, it stopped working.",
            "I'm sorry to hear that! Items under warranty can be refunded or replaced. Do you still have the order number?",
            "Yes, it's #51877.",
            "Thanks. I can see order #51877. Would you prefer a refund to your card or a replacement?",
            "A refund please.",
            "I've started the refund. You'll get a return label by email; the money arrives 3–5 days after we receive the blender.",
        ],
    },
    Topic {
        title: "Password reset",
        summary: "The customer cannot log in; the reset email does not arrive.",
        lines: &[
            "I can't log in, the password reset email never arrives.",
            "Sorry about that. Could you check your spam folder? The email comes from no-reply@shop.example.",
            "Not there either.",
            "I've sent a new reset link. It is valid for 30 minutes.",
            "Still nothing…",
            "Sometimes company mail filters hold our emails. Is there another address we could use?",
        ],
    },
    Topic {
        title: "Change delivery address",
        summary: "The customer wants to change the delivery address of an order.",
        lines: &[
            "Can I change the delivery address for my order? I'm moving on Friday.",
            "Of course, as long as the order hasn't shipped yet. What's the order number?",
            "#49930",
            "Order #49930 hasn't shipped yet. What's the new address?",
            "Calle Mayor 12, 3º B, 28013 Madrid",
            "Thanks! I've updated the address. You'll get a confirmation email shortly.",
        ],
    },
    Topic {
        title: "Charged twice",
        summary: "The customer was charged twice for the monthly subscription.",
        lines: &[
            "I was charged twice for my subscription this month.",
            "I'm sorry! I can see two payments of €14.99 on the 3rd. One of them is a pending authorisation.",
            "So will I get the money back?",
            "Pending authorisations are released by your bank within 5 business days.",
            "It's been 8 days already.",
            "Thanks for letting me know. I'll flag it for our billing team.",
        ],
    },
    Topic {
        title: "Headset compatibility",
        summary: "The customer asks whether the X200 headset works with a PlayStation.",
        lines: &[
            "Does the X200 headset work with a PlayStation 5?",
            "Yes! The X200 works with the PS5 over USB-C or the 3.5 mm jack. Wireless mode needs the included dongle.",
            "Does the microphone work too?",
            "Yes, the microphone works in all three modes.",
            "Great. Is it in stock in white?",
            "The white X200 is in stock and ships within one business day.",
        ],
    },
    Topic {
        title: "Cancel subscription",
        summary: "The customer wants to cancel their subscription.",
        lines: &[
            "How do I cancel my subscription?",
            "You can cancel any time under Account → Subscription → Cancel. Would you like me to do it for you?",
            "Yes please, cancel it.",
            "Before I do: you have 2 months left at the discounted price. Would you like to pause instead?",
            "No, just cancel.",
            "Done. Your subscription ends on the 30th and you won't be charged again.",
        ],
    },
    Topic {
        title: "Damaged item",
        summary: "The customer received a damaged item.",
        lines: &[
            "My parcel arrived today and the mug inside is broken.",
            "Oh no, I'm sorry! Could you send a photo of the damage?",
            "Sent it by email just now.",
            "Thank you. I'll arrange a free replacement. It will ship tomorrow.",
            "Do I need to send the broken one back?",
            "No need, please dispose of it safely.",
        ],
    },
    Topic {
        title: "Discount code",
        summary: "A discount code is rejected at checkout.",
        lines: &[
            "The code SPRING20 doesn't work at checkout.",
            "SPRING20 applies to orders over €50. Is your basket above that amount?",
            "It's €62.",
            "Then it should work. Some sale items are excluded: do you have any in your basket?",
            "The jacket is on sale, yes.",
            "That's why: the code doesn't apply to sale items. It will work on the rest of your basket.",
        ],
    },
];

const HUMAN_ASKS: &[&str] = &[
    "Can I talk to a person?",
    "I'd like to speak to a human, please.",
    "This isn't helping. Is there a real agent I can talk to?",
    "Agent please",
    "¿Puedo hablar con una persona?",
];

const NUDGES: &[&str] = &["Hello? Is anyone there?", "Still waiting…", "Anyone? 🙁"];

const AFTER_OPERATOR: &[&str] = &[
    "Thanks, that helps!",
    "OK, I'll wait for the email.",
    "Great, thank you so much!",
    "Could you double-check that, please?",
    "Perfect 👍",
    "What's the reference number?",
];

const FILLERS_DEFAULT: (&str, &str) = (
    "One more question: do you ship abroad?",
    "Yes, we ship to most EU countries, the UK and Switzerland.",
);

const FILLERS: &[(&str, &str)] = &[
    FILLERS_DEFAULT,
    (
        "What are your opening hours?",
        "Our support team is available Monday to Friday, 8 am to 8 pm CET.",
    ),
    (
        "Can I pay with PayPal?",
        "Yes, we accept PayPal, cards and bank transfer.",
    ),
    (
        "Is there a phone number I can call?",
        "You can reach us on +34 910 000 000, Monday to Friday.",
    ),
];

const AI_FALLBACK: &str = "Thanks for your message! Let me look into that for you.";
const AI_GREETING: &str = "Hi! 👋 How can I help you today?";

/// Customer names: plenty of non-ASCII on purpose, the inbox must render them.
const NAMES: &[(&str, &str)] = &[
    ("José", "Álvarez"),
    ("李小龙", ""),
    ("Amara", "Okafor"),
    ("Lukas", "Müller"),
    ("🌻 Sunny", ""),
    ("Sofia", "Rossi"),
    ("Noah", "Williams"),
    ("Fatima", "Zahra"),
    ("Émile", "Dubois"),
    ("Priya", "Patel"),
    ("Ahmed", "Hassan"),
    ("Zoë", "Kowalski"),
    ("Søren", "Nielsen"),
    ("Ana", "Souza"),
    ("Yuki", "Tanaka"),
    ("Kai 🚀", ""),
    ("Chloé", "Martin"),
    ("Diego", "Fernández"),
    ("Ingrid", "Berg"),
    ("Oluwaseun", "Adeyemi"),
    ("Liam", "O'Connor"),
    ("Hana", "Nováková"),
    ("Ολυμπία", "Παπαδοπούλου"),
    ("Mateus", "Araújo"),
];

/// Another operator holding some conversations at start (not the key's own staff user).
const OTHER_OPERATOR_NAME: &str = "Sam Lee";
const OTHER_OPERATOR_EMAIL: &str = "sam.lee@example.com";

fn operator_greeting(customer: &Customer) -> String {
    format!(
        "Hi {}, this is Sam from the support team. I'm taking over from here.",
        customer.first_name
    )
}

// ---------------------------------------------------------------------------------------------
// The world

/// What the control API (or the simulation) asks for when it creates a conversation.
#[derive(Debug, Clone)]
pub(super) struct NewConversation {
    pub customer: Customer,
    pub channel: Option<String>,
    pub handling: Handling,
    pub messages: Vec<(Author, String)>,
    pub agent_id: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    topic: Option<usize>,
    script_pos: usize,
    next_ai_line: Option<String>,
}

impl NewConversation {
    pub(super) fn new(customer_name: String, handling: Handling) -> Self {
        NewConversation {
            customer: Customer {
                first_name: customer_name,
                ..Customer::default()
            },
            channel: None,
            handling,
            messages: Vec::new(),
            agent_id: None,
            title: None,
            summary: None,
            topic: None,
            script_pos: 0,
            next_ai_line: None,
        }
    }
}

#[derive(Debug)]
pub(super) struct World {
    pub raia: RaiaWorld,
    pub chatvolt: VoltWorld,
    pub chatdash: DashWorld,
    /// The world's random source (also for handlers that add messages: ids).
    pub rng: StdRng,
    /// The simulation stops opening new conversations beyond this many.
    max_conversations: usize,
}

/// Runs `$body` with `$list` bound to `$platform`'s conversation list. The three lists have
/// different types, so this is a macro; the world's other fields stay borrowable in `$body`.
macro_rules! with_list {
    ($world:expr, $platform:expr, $list:ident => $body:expr) => {
        match $platform {
            Platform::Raia => {
                let $list = &mut $world.raia.conversations;
                $body
            }
            Platform::Chatvolt => {
                let $list = &mut $world.chatvolt.conversations;
                $body
            }
            Platform::Chatdash => {
                let $list = &mut $world.chatdash.conversations;
                $body
            }
        }
    };
}

/// How many conversations of each handling a platform starts with.
fn handling_plan(n: usize, rng: &mut StdRng) -> Vec<Handling> {
    let needs = if n >= 2 { (n / 4).max(1) } else { 0 };
    let human = if n >= 4 { (n / 8).max(1) } else { 0 };
    let resolved = if n >= 5 { (n / 8).max(1) } else { 0 };
    let mut plan = Vec::with_capacity(n);
    plan.extend(std::iter::repeat_n(Handling::HumanRequested, needs));
    plan.extend(std::iter::repeat_n(Handling::Human, human));
    plan.extend(std::iter::repeat_n(Handling::Resolved, resolved));
    plan.resize(n, Handling::Ai);
    plan.shuffle(rng);
    plan
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

impl World {
    /// A world of `conversations` conversations spread over the three platforms, the same for the
    /// same `seed` (timestamps are relative to `now`).
    pub(super) fn generate(seed: u64, conversations: usize, now: DateTime<Utc>) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let raia = RaiaWorld {
            agent: RaiaAgent {
                id: uuid(&mut rng),
                name: "Store assistant".into(),
                public_name: "Aria from Shop Example".into(),
                organization_id: uuid(&mut rng),
                organization_name: "Shop Example (sandbox)".into(),
            },
            states: Vec::new(),
            conversations: Vec::new(),
        };
        let chatvolt = VoltWorld {
            organization_id: cuid(&mut rng),
            agents: vec![
                VoltAgent {
                    id: cuid(&mut rng),
                    name: "Volt support bot".into(),
                },
                VoltAgent {
                    id: cuid(&mut rng),
                    name: "Volt sales bot".into(),
                },
            ],
            staff_user_id: cuid(&mut rng),
            conversations: Vec::new(),
        };
        let chatdash = DashWorld {
            agents: vec![
                DashAgent {
                    id: object_id(&mut rng),
                    name: "Dash web assistant".into(),
                    platform: "voiceflow".into(),
                    client_id: object_id(&mut rng),
                },
                DashAgent {
                    id: object_id(&mut rng),
                    name: "Dash WhatsApp agent".into(),
                    platform: "custom".into(),
                    client_id: object_id(&mut rng),
                },
            ],
            conversations: Vec::new(),
        };
        let mut world = World {
            raia,
            chatvolt,
            chatdash,
            rng,
            max_conversations: conversations + 40,
        };
        world.raia.states = world.raia_states(now - TimeDelta::days(90));

        let per_platform = [conversations.div_ceil(3), (conversations + 1) / 3, conversations / 3];
        for (platform, count) in Platform::ALL.into_iter().zip(per_platform) {
            let plan = handling_plan(count, &mut world.rng);
            for (index, handling) in plan.into_iter().enumerate() {
                let spec = world.scripted(platform, handling, index);
                let at = world.end_time(handling, now);
                world.add(platform, spec, at);
            }
        }
        world.decorate_special_cases();
        world
    }

    fn raia_states(&mut self, created_at: DateTime<Utc>) -> Vec<RaiaStateDef> {
        let defs = [
            (RaiaState::New, "New", "Handled by the AI agent", "#8e8c99", true),
            (
                RaiaState::NeedsHuman,
                "Needs human",
                "The customer asked for a person",
                "#e5484d",
                false,
            ),
            (RaiaState::Resolved, "Resolved", "Nothing left to do", "#30a46c", false),
        ];
        defs.into_iter()
            .map(|(state, name, description, color, is_persistent)| RaiaStateDef {
                id: uuid(&mut self.rng),
                state,
                name,
                description,
                color,
                is_persistent,
                created_at,
            })
            .collect()
    }

    /// When the last message of a generated conversation was written.
    fn end_time(&mut self, handling: Handling, now: DateTime<Utc>) -> DateTime<Utc> {
        let ago = match handling {
            Handling::HumanRequested => self.rng.random_range(60..480),
            Handling::Human => self.rng.random_range(30..300),
            Handling::Ai => self.rng.random_range(120..3 * 86_400),
            Handling::Resolved => self.rng.random_range(3_600..4 * 86_400),
        };
        now - secs(ago)
    }

    /// A generated conversation: a customer, a topic and a dialogue that fits `handling`.
    fn scripted(&mut self, platform: Platform, handling: Handling, index: usize) -> NewConversation {
        let rng = &mut self.rng;
        let (first, last) = NAMES.choose(rng).copied().unwrap_or(("Alex", "Doe"));
        let topic_index = rng.random_range(0..TOPICS.len());
        let topic = &TOPICS[topic_index];
        let mut customer = Customer {
            first_name: first.into(),
            last_name: last.into(),
            email: None,
            phone: None,
        };
        let channel = match platform {
            Platform::Raia => ["live_chat", "live_chat", "sms", "email"].choose(rng),
            Platform::Chatvolt => ["website", "website", "whatsapp", "dashboard", "telegram"].choose(rng),
            Platform::Chatdash => ["Webchat", "Webchat", "WhatsApp", "Instagram"].choose(rng),
        }
        .copied()
        .unwrap_or("live_chat");
        if rng.random_bool(0.6) || channel == "email" {
            let local: String = first
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            let local = if local.is_empty() {
                format!("customer{index}")
            } else {
                local
            };
            customer.email = Some(format!("{local}.{}@example.com", rng.random_range(10..99)));
        }
        if matches!(channel, "sms" | "whatsapp" | "WhatsApp") || rng.random_bool(0.3) {
            customer.phone = Some(format!(
                "+34 6{:02} {:03} {:03}",
                rng.random_range(0..100),
                rng.random_range(0..1000),
                rng.random_range(0..1000)
            ));
        }

        // Whole customer/AI pairs from the script, then what the handling needs at the end.
        let pairs = topic.lines.len() / 2;
        let used_pairs = match handling {
            Handling::Resolved => pairs,
            Handling::Ai => rng.random_range(1..=pairs),
            Handling::HumanRequested | Handling::Human => rng.random_range(0..pairs),
        };
        let mut messages: Vec<(Author, String)> = topic.lines[..used_pairs * 2]
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let author = if i % 2 == 0 { Author::Customer } else { Author::Ai };
                (author, (*line).to_owned())
            })
            .collect();
        if used_pairs == 0 {
            messages.push((Author::Customer, topic.lines[0].to_owned()));
        }
        if matches!(handling, Handling::HumanRequested | Handling::Human) {
            let ask = HUMAN_ASKS.choose(rng).copied().unwrap_or("Can I talk to a person?");
            messages.push((Author::Customer, ask.to_owned()));
        }
        if handling == Handling::Human {
            // Held by another operator; the customer's answer is the last word, so nothing is due.
            messages.push((Author::Operator { user_id: None }, operator_greeting(&customer)));
            messages.push((Author::Customer, "Thank you!".to_owned()));
        }

        let mut spec = NewConversation::new(String::new(), handling);
        spec.customer = customer;
        spec.channel = Some(channel.to_owned());
        spec.messages = messages;
        spec.title = Some(topic.title.to_owned());
        spec.summary = Some(topic.summary.to_owned());
        spec.topic = Some(topic_index);
        spec.script_pos = (used_pairs * 2).max(2);
        spec.next_ai_line = (used_pairs == 0).then(|| topic.lines[1].to_owned());
        spec.agent_id = match platform {
            Platform::Chatvolt => self.chatvolt.agents.choose(&mut self.rng).map(|a| a.id.clone()),
            Platform::Chatdash => self.chatdash.agents.choose(&mut self.rng).map(|a| a.id.clone()),
            Platform::Raia => None,
        };
        spec
    }

    /// Adds a conversation whose last message is at `end`, messages spaced back from there.
    fn add(&mut self, platform: Platform, spec: NewConversation, end: DateTime<Utc>) -> String {
        let gaps: Vec<i64> = spec.messages.iter().map(|_| self.rng.random_range(15..90)).collect();
        let total: i64 = gaps.iter().skip(1).sum();
        let created = end - secs(total + self.rng.random_range(1..20));
        self.insert(platform, spec, created, &gaps)
    }

    /// Inserts a conversation created at `created`, message `i` at `created + gaps[1..=i]`.
    fn insert(&mut self, platform: Platform, spec: NewConversation, created: DateTime<Utc>, gaps: &[i64]) -> String {
        let rng = &mut self.rng;
        let operator_id = match platform {
            Platform::Raia => None,
            Platform::Chatvolt => Some(format!("c{}", base36(rng, 24))),
            Platform::Chatdash => Some("sam".to_owned()),
        };
        match platform {
            Platform::Raia => {
                let channel = spec.channel.clone().unwrap_or_else(|| "live_chat".into());
                let ext = RaiaExt {
                    user_id: uuid(rng),
                    ai_conversation_id: format!("conv_{}", base36(rng, 24)),
                    manual: false,
                    state: RaiaState::New,
                    status: "active".into(),
                    context: None,
                    ai_call_id: (channel == "voice").then(|| format!("call_{}", base36(rng, 20))),
                };
                let conv = build(rng, spec, channel, ext, created, gaps, operator_id);
                let id = conv.id.clone();
                self.raia.conversations.push(conv);
                id
            }
            Platform::Chatvolt => {
                let channel = spec.channel.clone().unwrap_or_else(|| "website".into());
                let agent_id = spec
                    .agent_id
                    .clone()
                    .or_else(|| self.chatvolt.agents.first().map(|a| a.id.clone()));
                let ext = VoltExt {
                    agent_id,
                    status: VoltStatus::Unresolved,
                    ai_enabled: true,
                    unread: 0,
                    priority: ["LOW", "MEDIUM", "MEDIUM", "HIGH"]
                        .choose(rng)
                        .copied()
                        .unwrap_or("MEDIUM"),
                    visitor_id: cuid(rng),
                    contact_id: Some(cuid(rng)),
                    ai_user_identifier: None,
                    assignees: Vec::new(),
                    tags: Vec::new(),
                    frustration: None,
                    last_human_interaction_at: None,
                };
                let mut conv = build(rng, spec, channel, ext, created, gaps, operator_id);
                // Unread: the customer messages nobody answered yet.
                let waiting = conv
                    .messages
                    .iter()
                    .rev()
                    .take_while(|m| m.author == Author::Customer)
                    .count();
                conv.ext.unread = u32::try_from(waiting).unwrap_or(u32::MAX);
                let id = conv.id.clone();
                self.chatvolt.conversations.push(conv);
                id
            }
            Platform::Chatdash => {
                let channel = spec.channel.clone().unwrap_or_else(|| "Webchat".into());
                let agent_id = spec
                    .agent_id
                    .clone()
                    .or_else(|| self.chatdash.agents.first().map(|a| a.id.clone()))
                    .unwrap_or_default();
                let ext = DashExt {
                    agent_id,
                    platform_id: uuid(rng),
                    read: true,
                    ended_at: None,
                    status: DashStatus::Ai,
                    live_agent_name: None,
                    live_agent_id: None,
                    is_live: true,
                    record: true,
                    interacted: true,
                    country_code: ["ES", "DE", "FR", "GB", "US", "BR"]
                        .choose(rng)
                        .map(|s| (*s).to_owned()),
                    topic: spec.title.clone(),
                };
                let mut conv = build(rng, spec, channel, ext, created, gaps, operator_id);
                conv.ext.read = conv.messages.last().is_none_or(|m| m.author != Author::Customer);
                let id = conv.id.clone();
                self.chatdash.conversations.push(conv);
                id
            }
        }
    }

    /// The odd ones the adapters must cope with: a raia voice call, Chatvolt conversations
    /// without a contact, a ChatDash conversation nobody interacted with, held conversations
    /// assigned to another operator.
    fn decorate_special_cases(&mut self) {
        let rng = &mut self.rng;
        let voice = self
            .raia
            .conversations
            .iter()
            .position(|c| c.ext.handling() == Handling::Ai)
            .or((!self.raia.conversations.is_empty()).then_some(0));
        if let Some(c) = voice.and_then(|i| self.raia.conversations.get_mut(i)) {
            c.channel = "voice".into();
            c.ext.ai_call_id = Some(format!("call_{}", base36(rng, 20)));
            c.customer.phone.get_or_insert_with(|| "+1 415 555 0142".into());
        }

        for (i, c) in self.chatvolt.conversations.iter_mut().enumerate() {
            match i {
                1 => {
                    // No contact: the name lives in the title.
                    c.ext.contact_id = None;
                    c.title = Some(c.customer.full_name());
                }
                2 => {
                    // No contact and no title: only the AI's user identifier.
                    c.ext.contact_id = None;
                    c.title = None;
                    c.ext.ai_user_identifier =
                        Some(c.customer.email.clone().unwrap_or_else(|| "+34 612 000 111".into()));
                }
                _ => {}
            }
            if c.ext.handling() == Handling::Human {
                c.ext.assignees = vec![VoltAssignee {
                    id: cuid(rng),
                    email: OTHER_OPERATOR_EMAIL.into(),
                }];
            }
            if c.ext.handling() == Handling::HumanRequested {
                c.ext.frustration = Some(0.6);
                c.ext.tags = vec![VoltTag {
                    id: cuid(rng),
                    name: "needs-attention".into(),
                }];
            }
        }

        for c in &mut self.chatdash.conversations {
            if c.ext.handling() == Handling::Human {
                c.ext.live_agent_name = Some(OTHER_OPERATOR_NAME.into());
                c.ext.live_agent_id = Some("sam".into());
            }
        }
        let quiet = self
            .chatdash
            .conversations
            .iter()
            .position(|c| c.ext.handling() == Handling::Ai);
        if self.chatdash.conversations.len() >= 2
            && let Some(c) = quiet.and_then(|i| self.chatdash.conversations.get_mut(i))
        {
            // The visitor opened the widget and left: only the greeting, interacted = false.
            c.ext.interacted = false;
            c.messages.truncate(1);
            if let Some(m) = c.messages.first_mut() {
                m.author = Author::Ai;
                m.text = AI_GREETING.into();
            }
            c.updated_at = c.messages.first().map_or(c.created_at, |m| m.created_at);
            c.ext.read = true;
            c.script = Script::default();
        }
    }

    /// Creates a conversation from the control API; returns its id.
    pub(super) fn create(
        &mut self,
        platform: Platform,
        spec: NewConversation,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        if let Some(agent) = &spec.agent_id {
            let known = match platform {
                Platform::Raia => true,
                Platform::Chatvolt => self.chatvolt.agents.iter().any(|a| &a.id == agent),
                Platform::Chatdash => self.chatdash.agents.iter().any(|a| &a.id == agent),
            };
            if !known {
                return Err(format!("unknown agent_id {agent:?}"));
            }
        }
        // Messages one second apart, the last one a second ago.
        let n = i64::try_from(spec.messages.len()).unwrap_or(0);
        let gaps = vec![1; spec.messages.len()];
        Ok(self.insert(platform, spec, at - secs(n + 1), &gaps))
    }

    /// The customer of conversation `id` says `text`; false if there is no such conversation.
    pub(super) fn say(
        &mut self,
        platform: Platform,
        id: &str,
        text: String,
        asks_for_human: bool,
        at: DateTime<Utc>,
    ) -> bool {
        let rng = &mut self.rng;
        with_list!(self, platform, list => find_mut(list, id)
            .map(|c| c.customer_says(rng, text, asks_for_human, at))
            .is_some())
    }

    fn count(&self, h: Handling) -> usize {
        fn of<E: PlatformExt>(list: &[Conversation<E>], h: Handling) -> usize {
            list.iter().filter(|c| c.ext.handling() == h).count()
        }
        of(&self.raia.conversations, h) + of(&self.chatvolt.conversations, h) + of(&self.chatdash.conversations, h)
    }

    fn total(&self) -> usize {
        self.raia.conversations.len() + self.chatvolt.conversations.len() + self.chatdash.conversations.len()
    }

    // -----------------------------------------------------------------------------------------
    // Simulation

    /// Advances the simulation by `dt` of wall time at `speed` (> 0).
    pub(super) fn tick(&mut self, at: DateTime<Utc>, dt: Duration, speed: f64) {
        for platform in Platform::ALL {
            with_list!(self, platform, list => due_replies(list, &mut self.rng, at, speed));
        }

        let p = 1.0 - (-dt.as_secs_f64() * speed / MEAN_SECS_BETWEEN_EVENTS).exp();
        if p.is_finite() && self.rng.random_bool(p.clamp(0.0, 1.0)) {
            self.random_event(at, speed);
        }
    }

    fn random_event(&mut self, at: DateTime<Utc>, speed: f64) {
        let roll = self.rng.random_range(0..100);
        if roll < 15 && self.total() < self.max_conversations {
            self.open_new_conversation(at);
        } else if roll < 25 {
            self.nudge(at, speed);
        } else {
            self.customer_writes(at);
        }
    }

    /// A customer in an AI conversation (whose last word was the AI's) writes again; sometimes
    /// they ask for a human.
    fn customer_writes(&mut self, at: DateTime<Utc>) {
        let idle =
            |h: Handling, last: Option<&Message>| h == Handling::Ai && last.is_some_and(|m| m.author == Author::Ai);
        let Some((platform, index)) = self.pick(|h, last, _| idle(h, last)) else {
            return;
        };
        // Customers ask for a person now and then, but the queue does not grow without end
        // while nobody works it.
        let waiting = self.count(Handling::HumanRequested);
        let asks = self.rng.random_bool(ASK_FOR_HUMAN) && waiting < MAX_WAITING;
        let rng = &mut self.rng;
        with_list!(self, platform, list => if let Some(c) = list.get_mut(index) {
            speak(c, rng, asks, at);
        });
    }

    /// A customer who asked for a human and has waited a while says so again (at most twice).
    fn nudge(&mut self, at: DateTime<Utc>, speed: f64) {
        let waited = |last: Option<&Message>| {
            last.is_some_and(|m| {
                m.author == Author::Customer
                    && (at - m.created_at).num_milliseconds() as f64 / 1000.0 * speed >= NUDGE_AFTER_SECS
            })
        };
        let Some((platform, index)) =
            self.pick(|h, last, nudges| h == Handling::HumanRequested && nudges < 2 && waited(last))
        else {
            return;
        };
        let text = NUDGES.choose(&mut self.rng).copied().unwrap_or("Hello?").to_owned();
        let rng = &mut self.rng;
        with_list!(self, platform, list => if let Some(c) = list.get_mut(index) {
            c.script.nudges += 1;
            c.customer_says(rng, text, false, at);
        });
    }

    fn open_new_conversation(&mut self, at: DateTime<Utc>) {
        let platform = Platform::ALL.choose(&mut self.rng).copied().unwrap_or(Platform::Raia);
        let index = self.total();
        let mut spec = self.scripted(platform, Handling::Ai, index);
        // Only the opening line: the AI answers it after its usual delay.
        if let Some(topic) = spec.topic.and_then(|t| TOPICS.get(t)) {
            spec.messages = vec![(Author::Customer, topic.lines[0].to_owned())];
            spec.script_pos = 2;
            spec.next_ai_line = Some(topic.lines[1].to_owned());
        }
        self.insert(platform, spec, at, &[0]);
    }

    /// A random conversation (platform, index) among those matching `pred`.
    fn pick(&mut self, pred: impl Fn(Handling, Option<&Message>, u8) -> bool) -> Option<(Platform, usize)> {
        let mut candidates = Vec::new();
        collect(&mut candidates, Platform::Raia, &self.raia.conversations, &pred);
        collect(&mut candidates, Platform::Chatvolt, &self.chatvolt.conversations, &pred);
        collect(&mut candidates, Platform::Chatdash, &self.chatdash.conversations, &pred);
        candidates.choose(&mut self.rng).copied()
    }
}

/// Simulated seconds (wall seconds × speed) before the AI answers a customer.
const AI_DELAY_SECS: f64 = 2.5;
/// ... before a customer answers an operator.
const CUSTOMER_DELAY_SECS: f64 = 6.0;
/// ... before a waiting customer asks again.
const NUDGE_AFTER_SECS: f64 = 45.0;
/// Chance that a customer who writes asks for a human.
const ASK_FOR_HUMAN: f64 = 0.15;
/// No more customers ask for a human while this many already wait.
const MAX_WAITING: usize = 8;
/// Mean simulated seconds between random events (a customer writes, a conversation opens).
const MEAN_SECS_BETWEEN_EVENTS: f64 = 4.0;

fn collect<E: PlatformExt>(
    out: &mut Vec<(Platform, usize)>,
    platform: Platform,
    list: &[Conversation<E>],
    pred: &impl Fn(Handling, Option<&Message>, u8) -> bool,
) {
    out.extend(
        list.iter()
            .enumerate()
            .filter(|(_, c)| c.ext.simulated() && pred(c.ext.handling(), c.messages.last(), c.script.nudges))
            .map(|(i, _)| (platform, i)),
    );
}

fn speak<E: PlatformExt>(c: &mut Conversation<E>, rng: &mut StdRng, asks: bool, at: DateTime<Utc>) {
    let text = if asks {
        HUMAN_ASKS
            .choose(rng)
            .copied()
            .unwrap_or("Can I talk to a person?")
            .to_owned()
    } else {
        c.next_customer_line(rng)
    };
    c.customer_says(rng, text, asks, at);
}

/// Answers that are due: the AI answers customers in AI conversations, customers answer
/// operators. The AI never speaks in human mode or while a human was requested.
fn due_replies<E: PlatformExt>(list: &mut [Conversation<E>], rng: &mut StdRng, at: DateTime<Utc>, speed: f64) {
    for c in list.iter_mut().filter(|c| c.ext.simulated()) {
        let Some(last) = c.messages.last() else {
            continue;
        };
        let waited = (at - last.created_at).num_milliseconds() as f64 / 1000.0 * speed;
        match (&last.author, c.ext.handling()) {
            (Author::Customer, Handling::Ai) if waited >= AI_DELAY_SECS => c.ai_answers(rng, at),
            (Author::Operator { .. }, h) if h != Handling::Resolved && waited >= CUSTOMER_DELAY_SECS => {
                let text = AFTER_OPERATOR.choose(rng).copied().unwrap_or("Thanks!").to_owned();
                c.customer_says(rng, text, false, at);
            }
            _ => {}
        }
    }
}

/// Builds a conversation from a spec; message `i` is written `gaps[1..=i]` seconds after
/// `created`.
fn build<E: PlatformExt>(
    rng: &mut StdRng,
    spec: NewConversation,
    channel: String,
    ext: E,
    created: DateTime<Utc>,
    gaps: &[i64],
    operator_id: Option<String>,
) -> Conversation<E> {
    let id = E::new_conversation_id(rng);
    let script = Script {
        topic: spec.topic,
        pos: spec.script_pos,
        next_ai_line: spec.next_ai_line,
        nudges: 0,
    };
    let mut conv = Conversation {
        id,
        created_at: created,
        updated_at: created,
        customer: spec.customer,
        channel,
        title: spec.title,
        summary: spec.summary,
        messages: Vec::new(),
        ext,
        script,
    };
    let mut at = created;
    for (i, (author, text)) in spec.messages.into_iter().enumerate() {
        if i > 0 {
            at += secs(gaps.get(i).copied().unwrap_or(1));
        }
        let author = match author {
            Author::Operator { user_id: None } => Author::Operator {
                user_id: operator_id.clone(),
            },
            other => other,
        };
        conv.push(rng, author, text, at);
    }
    conv.ext.set_handling(spec.handling, conv.updated_at);
    conv
}

/// The simulation task: ticks the world while `speed > 0`; at speed 0 it changes nothing.
pub(super) async fn simulate(shared: Arc<Shared>) {
    const TICK: Duration = Duration::from_millis(200);
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        let now_instant = tokio::time::Instant::now();
        let dt = now_instant - last;
        last = now_instant;
        let speed = shared.settings().speed;
        if speed > 0.0 {
            shared.world().tick(now(), dt, speed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_now() -> DateTime<Utc> {
        parse_ts("2026-03-01T12:00:00.000Z").unwrap_or_default()
    }

    #[test]
    fn same_seed_same_world() {
        let a = World::generate(7, 24, fixed_now());
        let b = World::generate(7, 24, fixed_now());
        let ids = |w: &World| {
            let mut v: Vec<String> = w.raia.conversations.iter().map(|c| c.id.clone()).collect();
            v.extend(w.chatvolt.conversations.iter().map(|c| c.id.clone()));
            v.extend(w.chatdash.conversations.iter().map(|c| c.id.clone()));
            v
        };
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(ids(&a).len(), 24);
        let c = World::generate(8, 24, fixed_now());
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn mix_of_states_and_special_cases() {
        let w = World::generate(42, 24, fixed_now());
        let count = |h| w.count(h);
        assert!(count(Handling::HumanRequested) >= 3);
        assert!(count(Handling::Human) >= 2);
        assert!(count(Handling::Resolved) >= 2);
        assert!(count(Handling::Ai) > count(Handling::HumanRequested));
        assert!(w.raia.conversations.iter().any(|c| c.ext.ai_call_id.is_some()));
        assert!(w.chatvolt.conversations.iter().any(|c| c.ext.contact_id.is_none()));
        assert!(w.chatdash.conversations.iter().any(|c| !c.ext.interacted));
        assert!(w.chatdash.agents.len() >= 2);
        assert_eq!(w.raia.states.len(), 3);
    }

    #[test]
    fn nothing_is_due_at_start() {
        // A fresh world is at rest: no AI answer or customer reply is pending, so the first
        // simulation ticks do not all fire at once.
        let mut w = World::generate(42, 24, fixed_now());
        let before = w.total_messages();
        let rng = &mut w.rng;
        due_replies(&mut w.raia.conversations, rng, fixed_now(), 1.0);
        due_replies(&mut w.chatvolt.conversations, rng, fixed_now(), 1.0);
        due_replies(&mut w.chatdash.conversations, rng, fixed_now(), 1.0);
        assert_eq!(before, w.total_messages());
    }

    #[test]
    fn ai_answers_only_in_ai_mode() {
        let mut w = World::generate(1, 6, fixed_now());
        let t = fixed_now();
        let id = w.raia.conversations[0].id.clone();
        let mut spec = NewConversation::new("X".into(), Handling::Human);
        spec.messages = vec![(Author::Customer, "hello".into())];
        let held = w.create(Platform::Raia, spec, t).unwrap_or_default();
        let mut spec = NewConversation::new("Y".into(), Handling::Ai);
        spec.messages = vec![(Author::Customer, "hello".into())];
        let open = w.create(Platform::Raia, spec, t).unwrap_or_default();
        let later = t + secs(60);
        w.tick(later, Duration::ZERO, 1.0);
        let last = |w: &World, id: &str| {
            find(&w.raia.conversations, id)
                .and_then(|c| c.messages.last())
                .map(|m| m.author.clone())
        };
        assert_eq!(last(&w, &held), Some(Author::Customer));
        assert_eq!(last(&w, &open), Some(Author::Ai));
        assert!(find(&w.raia.conversations, &id).is_some());
    }

    #[test]
    fn asking_for_a_human_sets_each_platforms_signal() {
        let mut w = World::generate(3, 9, fixed_now());
        let t = fixed_now();
        for p in Platform::ALL {
            let spec = NewConversation::new("Z".into(), Handling::Ai);
            let id = w.create(p, spec, t).unwrap_or_default();
            assert!(w.say(p, &id, "person please".into(), true, t));
        }
        let last_raia = w.raia.conversations.last().map(|c| c.ext.handling());
        let last_volt = w
            .chatvolt
            .conversations
            .last()
            .map(|c| (c.ext.status, c.ext.ai_enabled, c.ext.unread));
        let last_dash = w.chatdash.conversations.last().map(|c| (c.ext.status, c.ext.read));
        assert_eq!(last_raia, Some(Handling::HumanRequested));
        assert_eq!(last_volt, Some((VoltStatus::HumanRequested, true, 1)));
        assert_eq!(last_dash, Some((DashStatus::Pending, false)));
    }

    #[test]
    fn ten_lively_minutes_stay_sane() {
        let mut t = fixed_now();
        let mut w = World::generate(42, 24, t);
        let before = w.total_messages();
        for _ in 0..3000 {
            t += TimeDelta::milliseconds(200);
            w.tick(t, Duration::from_millis(200), 1.0);
        }
        assert!(w.total() > 24 && w.total() <= w.max_conversations);
        assert!(w.total_messages() > before + 100, "{}", w.total_messages());
        assert!(w.count(Handling::HumanRequested) <= MAX_WAITING.max(6));
        // Held conversations end with the customer: the AI never spoke after the operator.
        for c in &w.raia.conversations {
            if c.ext.handling() == Handling::Human {
                let last_human = c
                    .messages
                    .iter()
                    .rposition(|m| matches!(m.author, Author::Operator { .. }));
                assert!(last_human.is_none_or(|i| c.messages[i..].iter().all(|m| m.author != Author::Ai)));
            }
        }
    }

    #[test]
    fn scripts_are_customer_ai_pairs() {
        // Generation indexes lines 0 and 1 and takes whole pairs.
        assert!(TOPICS.iter().all(|t| t.lines.len() >= 2 && t.lines.len() % 2 == 0));
    }

    #[test]
    fn timestamps_and_paths() {
        assert_eq!(fmt_ts(fixed_now()), "2026-03-01T12:00:00.000Z");
        assert!(parse_ts("2026-03-01").is_some());
        assert!(parse_ts("2026-03-01T12:00:00").is_some());
        assert_eq!(parse_ts("2026-03-01 12:00"), Some(fixed_now()));
        assert_eq!(parse_ts("2026-03-01 12:00:00"), Some(fixed_now()));
        assert!(parse_ts("yesterday").is_none());
        assert_eq!(Platform::from_path("/raia/external/x"), Some(Platform::Raia));
        assert_eq!(Platform::from_path("/raiax"), None);
        assert_eq!(
            Platform::from_path("/chatdash/v1/public/agents"),
            Some(Platform::Chatdash)
        );
        assert_eq!(Platform::from_path("/_sandbox/say"), None);
    }

    impl World {
        fn total_messages(&self) -> usize {
            self.raia.conversations.iter().map(|c| c.messages.len()).sum::<usize>()
                + self
                    .chatvolt
                    .conversations
                    .iter()
                    .map(|c| c.messages.len())
                    .sum::<usize>()
                + self
                    .chatdash
                    .conversations
                    .iter()
                    .map(|c| c.messages.len())
                    .sum::<usize>()
        }
    }
}
