//! The scripted side of the simulation: what customers, the AI and the other operator say
//! (topics with their dialogue, names, fillers), and where each conversation stands in its
//! dialogue (`Script`).

use chrono::{DateTime, Utc};
use rand::{rngs::StdRng, seq::IndexedRandom};

use super::model::{Author, Conversation, Customer, PlatformExt};

/// Where the scripted dialogue of a conversation stands.
#[derive(Debug, Clone, Default)]
pub(in crate::sandbox) struct Script {
    pub(super) topic: Option<usize>,
    /// Index of the next customer line in the topic's script (always even).
    pub(super) pos: usize,
    /// What the AI says next, set when the customer speaks.
    pub(super) next_ai_line: Option<String>,
    pub(super) nudges: u8,
}

impl<E: PlatformExt> Conversation<E> {
    pub(super) fn next_customer_line(&mut self, rng: &mut StdRng) -> String {
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

    pub(super) fn ai_answers(&mut self, rng: &mut StdRng, at: DateTime<Utc>) {
        let line = self
            .script
            .next_ai_line
            .take()
            .unwrap_or_else(|| AI_FALLBACK.to_owned());
        self.push(rng, Author::Ai, line, at);
    }
}

pub(super) struct Topic {
    pub(super) title: &'static str,
    pub(super) summary: &'static str,
    /// Customer and AI lines, alternating, customer first.
    pub(super) lines: &'static [&'static str],
}

pub(super) const TOPICS: &[Topic] = &[
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

pub(super) const HUMAN_ASKS: &[&str] = &[
    "Can I talk to a person?",
    "I'd like to speak to a human, please.",
    "This isn't helping. Is there a real agent I can talk to?",
    "Agent please",
    "¿Puedo hablar con una persona?",
];

pub(super) const NUDGES: &[&str] = &["Hello? Is anyone there?", "Still waiting…", "Anyone? 🙁"];

pub(super) const AFTER_OPERATOR: &[&str] = &[
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
pub(super) const AI_GREETING: &str = "Hi! 👋 How can I help you today?";

/// Customer names: plenty of non-ASCII on purpose, the inbox must render them.
pub(super) const NAMES: &[(&str, &str)] = &[
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
pub(super) const OTHER_OPERATOR_NAME: &str = "Sam Lee";
pub(super) const OTHER_OPERATOR_EMAIL: &str = "sam.lee@example.com";

pub(super) fn operator_greeting(customer: &Customer) -> String {
    format!(
        "Hi {}, this is Sam from the support team. I'm taking over from here.",
        customer.first_name
    )
}
