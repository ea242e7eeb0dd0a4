//! How the program says things about conversations, the same in the inbox and on the command
//! line: how long ago, status marks and words, who wrote a message, and text measured, cut and
//! padded by display width (`text`). Pure functions over `domain` types; it draws nothing and
//! knows neither `ui` nor `cli`, which both use it.

pub mod fold;
pub mod text;

pub use fold::{filter_fields, filter_text, fold, fold_into, folded_contains};

use crate::domain::{Author, Holder, Message, Status};
use chrono::{DateTime, FixedOffset, Utc};

/// What the marks on the list's rows mean, as the help explains them.
pub const MARKS: &[(&str, &str)] = &[
    ("▌", "the selected conversation"),
    ("NEED", "needs a human: the AI handed over"),
    ("YOU", "you hold it; the AI is paused"),
    ("HUM", "another human holds it"),
    ("AI", "the AI is answering"),
    ("DONE", "resolved"),
    ("●", "unread messages"),
    ("!", "an alert waits for you"),
    ("▲", "a frustrated customer"),
    ("waits 4m", "how long the customer has waited"),
    ("due 12m", "yours, and your reply is overdue"),
    ("◆ found", "the message a search opened"),
];

/// The short status mark used in tables and the inbox: readable without colour.
pub fn status_mark(status: &Status) -> &'static str {
    match status {
        Status::Ai => "AI",
        Status::NeedsHuman => "NEED",
        Status::Human { by: Holder::Me } => "YOU",
        Status::Human { .. } => "HUM",
        Status::Resolved => "DONE",
    }
}

/// "now", "3m", "2h", "5d": how long ago, for a glance. Minutes are the finest unit, so a
/// screen showing these changes at most once a minute (the inbox wakes only for that).
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "now".to_string(),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// "14:02", or "30 Nov 14:02" when that is not today: `at` on the operator's clock (`offset`
/// from UTC). The instant stays UTC everywhere else; only what is shown is local.
pub fn clock(at: DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let (at, now) = (at.with_timezone(&offset), now.with_timezone(&offset));
    let format = if at.date_naive() == now.date_naive() {
        "%H:%M"
    } else {
        "%-d %b %H:%M"
    };
    at.format(format).to_string()
}

/// The status in words, as a thread header or a command's answer says it.
pub fn status_words(status: &Status) -> String {
    match status {
        Status::Ai => "AI is answering".into(),
        Status::NeedsHuman => "NEEDS A HUMAN".into(),
        Status::Human { by: Holder::Me } => "held by you".into(),
        Status::Human { by: Holder::Other(who) } => format!("held by {who}"),
        Status::Human { by: Holder::Unknown } => "held by a human".into(),
        Status::Resolved => "resolved".into(),
    }
}

/// Who wrote `message`, as its label: the customer by the name the message carries.
pub fn author_label(message: &Message) -> String {
    author_named(&message.author, message.author_name.as_deref().unwrap_or("Customer"))
}

/// Who wrote a message, as its label, the customer called `customer` (the editor file names
/// them as the conversation does).
pub fn author_named(author: &Author, customer: &str) -> String {
    match author {
        Author::Customer => customer.to_string(),
        Author::Ai => "AI".into(),
        Author::Operator { is_me: true, .. } => "You".into(),
        Author::Operator { name: Some(name), .. } => name.clone(),
        Author::Operator { .. } => "Operator".into(),
        Author::System => "System".into(),
    }
}

/// Who wrote a message, within a sentence ("the latest, from the customer").
pub fn author_in_sentence(author: &Author) -> String {
    match author {
        Author::Customer => "the customer".to_string(),
        Author::Ai => "the AI".to_string(),
        Author::Operator { name: Some(name), .. } => name.clone(),
        Author::Operator { .. } => "another operator".to_string(),
        Author::System => "the platform".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_reads_at_a_glance() {
        let now = Utc::now();
        assert_eq!(ago(now - chrono::TimeDelta::seconds(5), now), "now");
        assert_eq!(ago(now - chrono::TimeDelta::minutes(7), now), "7m");
        assert_eq!(ago(now - chrono::TimeDelta::hours(3), now), "3h");
        assert_eq!(ago(now - chrono::TimeDelta::days(2), now), "2d");
        assert_eq!(ago(now + chrono::TimeDelta::seconds(5), now), "now");
    }

    #[test]
    fn every_author_has_one_label() {
        let them = |name: Option<&str>| Author::Operator {
            name: name.map(Into::into),
            is_me: false,
        };
        let me = Author::Operator {
            name: None,
            is_me: true,
        };
        assert_eq!(author_named(&Author::Customer, "Ana"), "Ana");
        assert_eq!(author_named(&Author::Ai, "Ana"), "AI");
        assert_eq!(author_named(&me, "Ana"), "You");
        assert_eq!(author_named(&them(Some("Bo")), "Ana"), "Bo");
        assert_eq!(author_named(&them(None), "Ana"), "Operator");
        assert_eq!(author_named(&Author::System, "Ana"), "System");
        let message = |author_name: Option<&str>| Message {
            id: "1".into(),
            author: Author::Customer,
            author_name: author_name.map(Into::into),
            text: String::new(),
            created_at: Utc::now(),
            attachments: vec![],
            delivery: crate::domain::Delivery::Sent,
        };
        assert_eq!(author_label(&message(Some("Ana"))), "Ana");
        assert_eq!(author_label(&message(None)), "Customer");
        let in_sentence = [
            Author::Customer,
            Author::Ai,
            them(Some("Bo")),
            them(None),
            Author::System,
        ]
        .map(|a| author_in_sentence(&a));
        assert_eq!(
            in_sentence,
            ["the customer", "the AI", "Bo", "another operator", "the platform"]
        );
    }
}
