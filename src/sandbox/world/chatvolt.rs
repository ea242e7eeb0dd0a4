//! Chatvolt's own conversation fields (`VoltExt`: status, AI switch, unread count, assignees,
//! tags), its agents, and how they map to `Handling`.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;

use super::{
    list::Conversations,
    model::{Handling, PlatformExt},
    platform::cuid,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sandbox) enum VoltStatus {
    Unresolved,
    Resolved,
    HumanRequested,
}

impl VoltStatus {
    pub(in crate::sandbox) fn as_str(self) -> &'static str {
        match self {
            VoltStatus::Unresolved => "UNRESOLVED",
            VoltStatus::Resolved => "RESOLVED",
            VoltStatus::HumanRequested => "HUMAN_REQUESTED",
        }
    }

    pub(in crate::sandbox) fn parse(s: &str) -> Option<Self> {
        [VoltStatus::Unresolved, VoltStatus::Resolved, VoltStatus::HumanRequested]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct VoltAssignee {
    pub id: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct VoltTag {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct VoltExt {
    pub agent_id: Option<String>,
    pub status: VoltStatus,
    pub ai_enabled: bool,
    pub unread: u32,
    pub priority: &'static str,
    pub visitor_id: String,
    /// The participant contact's id, when the customer is a known contact.
    pub contact_id: Option<String>,
    pub ai_user_identifier: Option<String>,
    /// A customer signed in as a Chatvolt user: their messages carry this `userId` (not staff).
    pub customer_user_id: Option<String>,
    pub assignees: Vec<VoltAssignee>,
    pub tags: Vec<VoltTag>,
    pub frustration: Option<f64>,
    pub last_human_interaction_at: Option<DateTime<Utc>>,
    /// The NPS survey's rating and comment, once answered.
    pub nps: Option<(u32, &'static str)>,
    /// The conversation's variables (`conversationVariables`), name and value.
    pub variables: Vec<(&'static str, String)>,
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
pub(in crate::sandbox) struct VoltAgent {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct VoltWorld {
    pub organization_id: String,
    pub agents: Vec<VoltAgent>,
    /// The staff user the API key belongs to: operator messages sent through the API carry it.
    pub staff_user_id: String,
    pub conversations: Conversations<VoltExt>,
    /// Each conversation's notes (the notes API), by conversation id, oldest first.
    pub notes: std::collections::HashMap<String, Vec<VoltNote>>,
}

/// One note on a conversation, as the notes API keeps it.
#[derive(Debug, Clone)]
pub(in crate::sandbox) struct VoltNote {
    pub id: String,
    pub conversation_id: String,
    pub note: String,
    pub is_private: bool,
    pub created_at: DateTime<Utc>,
}
