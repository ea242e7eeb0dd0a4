//! raia's own conversation fields (`RaiaExt`: manual mode and states), its agent and state
//! definitions, and how they map to `Handling`.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;

use super::{
    list::Conversations,
    model::{Handling, PlatformExt},
    platform::uuid,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sandbox) enum RaiaState {
    New,
    NeedsHuman,
    Resolved,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct RaiaStateDef {
    pub id: String,
    pub state: RaiaState,
    pub name: &'static str,
    pub description: &'static str,
    pub color: &'static str,
    pub is_persistent: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct RaiaAgent {
    pub id: String,
    pub name: String,
    pub public_name: String,
    pub organization_id: String,
    pub organization_name: String,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct RaiaExt {
    pub user_id: String,
    pub ai_conversation_id: String,
    pub manual: bool,
    pub state: RaiaState,
    /// `active` | `inactive` | `archived`: writable but never returned by raia.
    pub status: String,
    pub context: Option<String>,
    pub ai_call_id: Option<String>,
    /// The conversation's score (1–5), once rated.
    pub score: Option<u32>,
    /// `metadata.customData`.
    pub custom_data: Vec<(&'static str, &'static str)>,
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
pub(in crate::sandbox) struct RaiaWorld {
    pub agent: RaiaAgent,
    pub states: Vec<RaiaStateDef>,
    pub conversations: Conversations<RaiaExt>,
}
