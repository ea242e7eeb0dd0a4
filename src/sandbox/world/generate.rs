//! Building the world: the seeded start state (`World::generate`: agents, states, a mix of
//! conversations in every handling, the odd cases the adapters must cope with) and inserting
//! a conversation from a `NewConversation`, for generation, the control API and the simulation.

use chrono::{DateTime, TimeDelta, Utc};
use rand::{
    Rng, SeedableRng,
    rngs::StdRng,
    seq::{IndexedRandom, SliceRandom},
};

use super::{
    World,
    chatdash::{DashAgent, DashExt, DashProfile, DashStatus, DashWorld},
    chatvolt::{VoltAgent, VoltAssignee, VoltExt, VoltStatus, VoltTag, VoltWorld},
    list::Conversations,
    model::{Author, Conversation, Customer, Handling, NewConversation, PlatformExt},
    platform::{Platform, base36, cuid, object_id, uuid},
    raia::{RaiaAgent, RaiaExt, RaiaState, RaiaStateDef, RaiaWorld},
    script::{
        AI_GREETING, HUMAN_ASKS, NAMES, OTHER_OPERATOR_EMAIL, OTHER_OPERATOR_NAME, Script, TOPICS, operator_greeting,
    },
    simulate::MAX_WAITING,
};

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

/// Worlds of up to this many conversations are generated as they always were: the demo's and
/// the tests' worlds (and their snapshots) depend on every id and timestamp.
const SMALL_WORLD: usize = 100;

/// How far back a large world's history goes.
const HISTORY_DAYS: i64 = 365;

/// A large world's queue: (needs a human, held by a human), in all.
pub(super) fn queue_size(conversations: usize) -> (usize, usize) {
    (10 + conversations / 2000, 5 + conversations / 5000)
}

/// `n` spread over the three platforms.
fn split(n: usize) -> [usize; 3] {
    [n.div_ceil(3), (n + 1) / 3, n / 3]
}

pub(super) fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

impl World {
    /// A world of `conversations` conversations spread over the three platforms, the same for the
    /// same `seed` (timestamps are relative to `now`).
    pub(in crate::sandbox) fn generate(seed: u64, conversations: usize, now: DateTime<Utc>) -> World {
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
            conversations: Conversations::default(),
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
            conversations: Conversations::default(),
            notes: Default::default(),
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
            conversations: Conversations::default(),
        };
        let mut world = World {
            raia,
            chatvolt,
            chatdash,
            rng,
            max_conversations: conversations + 40,
            max_waiting: MAX_WAITING,
        };
        if conversations <= SMALL_WORLD {
            world.raia.states = world.raia_states(now - TimeDelta::days(90));
            for (platform, count) in Platform::ALL.into_iter().zip(split(conversations)) {
                let plan = handling_plan(count, &mut world.rng);
                for (index, handling) in plan.into_iter().enumerate() {
                    let spec = world.scripted(platform, handling, index);
                    let at = world.end_time(handling, now);
                    world.add(platform, spec, at);
                }
            }
        } else {
            world.raia.states = world.raia_states(now - TimeDelta::days(HISTORY_DAYS + 1));
            world.max_waiting = queue_size(conversations).0 + MAX_WAITING;
            world.generate_history(conversations, now);
        }
        world.decorate_special_cases();
        world
    }

    /// A large world as a real account has it: a year of history, mostly resolved, and a queue
    /// of realistic size (half of it in conversations that began long ago).
    fn generate_history(&mut self, conversations: usize, now: DateTime<Utc>) {
        let (needs, held) = queue_size(conversations);
        let [raia, volt, dash] = split(conversations);
        self.raia.conversations.reserve(raia);
        self.chatvolt.conversations.reserve(volt);
        self.chatdash.conversations.reserve(dash);
        let counts = split(conversations).into_iter().zip(split(needs)).zip(split(held));
        for (platform, ((count, needs), held)) in Platform::ALL.into_iter().zip(counts) {
            let mut plan = vec![Some(Handling::HumanRequested); needs];
            plan.extend(std::iter::repeat_n(Some(Handling::Human), held));
            plan.resize(count, None);
            plan.shuffle(&mut self.rng);
            // Oldest first, so each conversation lands at the end of the creation index.
            let mut ages: Vec<i64> = (0..plan.len())
                .map(|_| self.rng.random_range(1_800..HISTORY_DAYS * 86_400))
                .collect();
            ages.sort_unstable_by(|a, b| b.cmp(a));
            for (index, (queued, age)) in plan.into_iter().zip(ages).enumerate() {
                let age = secs(age);
                let handling = queued.unwrap_or_else(|| self.settled_handling(age));
                let spec = self.scripted(platform, handling, index);
                if queued.is_some() && self.rng.random_bool(0.5) {
                    // Asked for a person just now: a conversation of today.
                    let at = self.end_time(handling, now);
                    self.add(platform, spec, at);
                } else {
                    let recent = now - secs(self.rng.random_range(60..300));
                    self.add_spread(platform, spec, now - age, recent);
                }
            }
        }
    }

    /// What became of a conversation begun `age` ago that is not in the queue: the recent ones
    /// mostly still with the AI, the older ones mostly resolved.
    fn settled_handling(&mut self, age: TimeDelta) -> Handling {
        let with_ai = match age.num_days() {
            0 => 0.85,
            1..=6 => 0.4,
            _ => 0.03,
        };
        if self.rng.random_bool(with_ai) {
            Handling::Ai
        } else {
            Handling::Resolved
        }
    }

    /// Adds a conversation begun at `created`: its dialogue follows from there, but in a queued
    /// one the customer's request for a person (and what followed it) is recent, ending at
    /// `recent`, as when a customer comes back to an old conversation.
    fn add_spread(&mut self, platform: Platform, spec: NewConversation, created: DateTime<Utc>, recent: DateTime<Utc>) {
        let mut gaps: Vec<i64> = spec.messages.iter().map(|_| self.rng.random_range(15..90)).collect();
        let tail = match spec.handling {
            Handling::HumanRequested => 1, // the request
            Handling::Human => 3,          // the request, the operator, the customer's thanks
            Handling::Ai | Handling::Resolved => 0,
        };
        let k = gaps.len().saturating_sub(tail);
        if tail > 0 && k > 0 {
            // Message `k` (the request) comes after a pause that ends the tail at `recent`.
            let history: i64 = gaps[1..k].iter().sum();
            let tail_span: i64 = gaps[k + 1..].iter().sum();
            let pause = (recent - secs(tail_span) - (created + secs(history))).num_seconds();
            gaps[k] = pause.max(gaps[k]);
        }
        self.insert(platform, spec, created, &gaps);
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
    pub(super) fn scripted(&mut self, platform: Platform, handling: Handling, index: usize) -> NewConversation {
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
    pub(super) fn insert(
        &mut self,
        platform: Platform,
        spec: NewConversation,
        created: DateTime<Utc>,
        gaps: &[i64],
    ) -> String {
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
                    score: (spec.handling == Handling::Resolved).then_some(4),
                    custom_data: if self.raia.conversations.len().is_multiple_of(2) {
                        vec![("plan", "pro"), ("order", "A-2041")]
                    } else {
                        Vec::new()
                    },
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
                    customer_user_id: None,
                    assignees: Vec::new(),
                    tags: Vec::new(),
                    frustration: None,
                    last_human_interaction_at: None,
                    nps: (spec.handling == Handling::Resolved).then_some((9, "Quick and kind.")),
                    variables: vec![("order_id", format!("A-{}", 1000 + self.chatvolt.conversations.len()))],
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
                let profile = DashProfile::nth(
                    self.chatdash.conversations.len(),
                    spec.handling == Handling::Resolved,
                    matches!(spec.handling, Handling::HumanRequested | Handling::Human),
                );
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
                    profile,
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
                3 => {
                    // A customer signed in as a Chatvolt user: `from:"human"` with a `userId`.
                    c.ext.customer_user_id = Some(cuid(rng));
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
                // Every other one is frustrated enough to be marked in the list.
                c.ext.frustration = Some(if i % 2 == 0 { 0.85 } else { 0.6 });
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
