//! ChatDash's own conversation fields (`DashExt`: status, live agent, read flag, end time), its
//! agents, and how they map to `Handling`.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;

use super::{
    list::Conversations,
    model::{Handling, PlatformExt},
    platform::object_id,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sandbox) enum DashStatus {
    Ai,
    Pending,
    Human,
}

impl DashStatus {
    pub(in crate::sandbox) fn as_str(self) -> &'static str {
        match self {
            DashStatus::Ai => "ai",
            DashStatus::Pending => "pending",
            DashStatus::Human => "human",
        }
    }

    pub(in crate::sandbox) fn parse(s: &str) -> Option<Self> {
        [DashStatus::Ai, DashStatus::Pending, DashStatus::Human]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct DashExt {
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
    /// What ChatDash's analytics and the widget say about the visitor (§1.3).
    pub profile: DashProfile,
}

/// The visitor's device and the AI's analysis of the conversation, as ChatDash serves them.
#[derive(Debug, Clone, Default)]
pub(in crate::sandbox) struct DashProfile {
    pub device: Option<&'static str>,
    pub os: Option<&'static str>,
    pub browser: Option<&'static str>,
    pub subtopic: Option<&'static str>,
    /// `evaluation`: whether it went well, and why.
    pub evaluation: Option<(bool, &'static str)>,
    pub misunderstood: Vec<&'static str>,
    pub note: Option<&'static str>,
    /// Custom fields from the widget (`metadata`).
    pub metadata: Vec<(&'static str, &'static str)>,
}

impl DashProfile {
    /// The `n`th conversation's profile: a few combinations in turn (no randomness, so the
    /// seeded world keeps its ids).
    pub(in crate::sandbox) fn nth(n: usize, resolved: bool, asked_for_human: bool) -> DashProfile {
        const DEVICES: [(&str, &str, &str); 3] = [
            ("desktop", "macOS", "Safari"),
            ("mobile", "Android", "Chrome"),
            ("tablet", "iOS", "Safari"),
        ];
        let (device, os, browser) = DEVICES[n % DEVICES.len()];
        DashProfile {
            device: Some(device),
            os: Some(os),
            browser: Some(browser),
            subtopic: Some(["status", "billing", "account"][n % 3]),
            evaluation: resolved.then_some((true, "The customer's question was answered.")),
            misunderstood: if asked_for_human {
                vec!["Can I talk to a person?"]
            } else {
                Vec::new()
            },
            note: None,
            metadata: if n.is_multiple_of(2) {
                vec![("plan", "pro"), ("utm_source", "newsletter")]
            } else {
                Vec::new()
            },
        }
    }
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
pub(in crate::sandbox) struct DashAgent {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub client_id: String,
}

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct DashWorld {
    pub agents: Vec<DashAgent>,
    pub conversations: Conversations<DashExt>,
}
