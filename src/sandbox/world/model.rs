//! The platform-independent data model: conversations, their messages and customers, who is
//! handling them (`Handling`), the `PlatformExt` trait each platform's extra fields implement,
//! and `NewConversation`, the spec a conversation is created from.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::script::Script;

/// Who is handling a conversation, as far as the simulation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sandbox) enum Handling {
    Ai,
    HumanRequested,
    Human,
    Resolved,
}

impl Handling {
    /// The control API's spelling.
    pub(in crate::sandbox) fn parse(s: &str) -> Option<Self> {
        match s {
            "ai" => Some(Handling::Ai),
            "needs_human" => Some(Handling::HumanRequested),
            "human" => Some(Handling::Human),
            "resolved" => Some(Handling::Resolved),
            _ => None,
        }
    }

    /// The control API's spelling, as `parse` reads it.
    pub(in crate::sandbox) fn name(self) -> &'static str {
        match self {
            Handling::Ai => "ai",
            Handling::HumanRequested => "needs_human",
            Handling::Human => "human",
            Handling::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::sandbox) enum Author {
    Customer,
    Ai,
    /// A human operator; `user_id` is the platform's staff id when one is known.
    Operator {
        user_id: Option<String>,
    },
}

impl Author {
    pub(in crate::sandbox) fn label(&self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Ai => "ai",
            Author::Operator { .. } => "operator",
        }
    }
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct Message {
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
pub(in crate::sandbox) struct Customer {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Customer {
    pub(in crate::sandbox) fn full_name(&self) -> String {
        if self.last_name.is_empty() {
            self.first_name.clone()
        } else {
            format!("{} {}", self.first_name, self.last_name)
        }
    }
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct Conversation<E> {
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
    pub(super) script: Script,
}

/// What the simulation and the control API need to know about a platform's conversation.
pub(in crate::sandbox) trait PlatformExt {
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
    pub(in crate::sandbox) fn push(
        &mut self,
        rng: &mut StdRng,
        author: Author,
        text: String,
        at: DateTime<Utc>,
    ) -> &Message {
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

    pub(in crate::sandbox) fn last_customer_message_id(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.author == Author::Customer)
            .map(|m| m.id.clone())
    }

    /// The customer says `text`, with the platform's effects.
    pub(in crate::sandbox) fn customer_says(
        &mut self,
        rng: &mut StdRng,
        text: String,
        asks_for_human: bool,
        at: DateTime<Utc>,
    ) {
        self.push(rng, Author::Customer, text, at);
        self.ext.customer_wrote(asks_for_human);
        if asks_for_human {
            self.script.next_ai_line = None;
        }
    }
}

/// What the control API (or the simulation) asks for when it creates a conversation.
#[derive(Debug, Clone)]
pub(in crate::sandbox) struct NewConversation {
    pub customer: Customer,
    pub channel: Option<String>,
    pub handling: Handling,
    pub messages: Vec<(Author, String)>,
    pub agent_id: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub(super) topic: Option<usize>,
    pub(super) script_pos: usize,
    pub(super) next_ai_line: Option<String>,
}

impl NewConversation {
    pub(in crate::sandbox) fn new(customer_name: String, handling: Handling) -> Self {
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
