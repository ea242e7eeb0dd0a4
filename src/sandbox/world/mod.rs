//! The simulated world behind the three fake APIs: conversations, messages, and the little
//! simulation that makes customers write and the AI answer.
//!
//! Each platform keeps its own conversation list with its own extra fields (`RaiaExt`,
//! `VoltExt`, `DashExt`); what the simulation needs from them is the small `PlatformExt`
//! trait (who is handling the conversation, what a customer message does to it).
//! The HTTP handlers (raia.rs, chatvolt.rs, chatdash.rs) turn this state into each vendor's JSON.
//!
//! Where each part lives: `platform` (platforms, clock, id formats), `model` (conversations and
//! messages, `PlatformExt`), `raia`/`chatvolt`/`chatdash` (each platform's extra fields),
//! `script` (what is said), `generate` (the seeded start and inserting conversations),
//! `simulate` (the ticking simulation); this file holds `World` and the control API's changes.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;

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

// After `with_list!`: a `macro_rules!` macro is only visible to modules declared below it.
mod chatdash;
mod chatvolt;
mod generate;
mod list;
mod model;
mod platform;
mod raia;
mod script;
mod simulate;
#[cfg(test)]
mod tests;

use self::generate::secs;
pub(super) use self::{
    chatdash::{DashExt, DashStatus, DashWorld},
    chatvolt::{VoltAssignee, VoltExt, VoltNote, VoltStatus, VoltWorld},
    list::{Conversations, find, find_mut},
    model::{Author, Conversation, Customer, Handling, Message, NewConversation, PlatformExt},
    platform::{Platform, cuid, fmt_ts, now, parse_ts},
    raia::{RaiaExt, RaiaState, RaiaStateDef, RaiaWorld},
    simulate::simulate,
};

#[derive(Debug)]
pub(super) struct World {
    pub raia: RaiaWorld,
    pub chatvolt: VoltWorld,
    pub chatdash: DashWorld,
    /// The world's random source (also for handlers that add messages: ids).
    pub rng: StdRng,
    /// The simulation stops opening new conversations beyond this many.
    max_conversations: usize,
    /// No more customers ask for a human while this many already wait.
    max_waiting: usize,
}

impl World {
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
}
