//! How conversations and messages look on the command line: aligned tables for people, JSON
//! for scripts, and writing them to stdout. Everything printed here was sanitised when it
//! entered the model. What the inbox says the same way (marks, times, labels, widths) comes
//! from `present`.

use crate::domain::{Author, Conversation, Holder, Message, Status};
use crate::present::{ago, author_label, status_mark, status_words};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Cuts `text` to at most `width` terminal columns (with an ellipsis) and pads it to exactly
/// `width`. The inbox's own measure, so a table and the screen agree on every emoji sequence.
pub fn fit(text: &str, width: usize) -> String {
    crate::present::text::pad(text, width)
}

pub fn conversation_table(conversations: &[Conversation], now: DateTime<Utc>) -> String {
    let mut out = format!(
        "{} {} {} {} {} {} {}\n",
        fit("STATUS", 6),
        fit("CUSTOMER", 22),
        fit("CHANNEL", 10),
        fit("ASSIGNEE", 16),
        fit("UNREAD", 6),
        fit("WAIT/LAST", 10),
        "CONVERSATION"
    );
    for c in conversations {
        let when = match (&c.status, c.waiting_since) {
            (Status::NeedsHuman, Some(since)) => format!("waits {}", ago(since, now)),
            _ => ago(c.updated_at, now),
        };
        let unread = c.unread.map_or("-".to_string(), |n| n.to_string());
        out.push_str(&format!(
            "{} {} {} {} {} {} {}\n",
            fit(status_mark(&c.status), 6),
            fit(&c.customer_name, 22),
            fit(c.channel.as_deref().unwrap_or("-"), 10),
            fit(c.assignee.as_deref().unwrap_or("-"), 16),
            fit(&unread, 6),
            fit(&when, 10),
            c.key
        ));
    }
    out
}

pub fn thread(conversation: &Conversation, messages: &[Message], now: DateTime<Utc>) -> String {
    let c = conversation;
    let mut out = format!(
        "{} · {} · {} ({}) · {}\n",
        c.customer_name,
        c.channel.as_deref().unwrap_or("no channel"),
        c.key,
        c.platform,
        status_words(&c.status)
    );
    if let Some(contact) = &c.customer_contact {
        out.push_str(&format!("contact: {contact}\n"));
    }
    if let Some(assignee) = &c.assignee {
        out.push_str(&format!("assigned: {assignee}\n"));
    }
    if let Some(why) = &c.no_reply {
        out.push_str(&format!("no reply: {why}\n"));
    }
    if let (Status::NeedsHuman, Some(since)) = (&c.status, c.waiting_since) {
        out.push_str(&format!("waiting for {}\n", ago(since, now)));
    }
    out.push('\n');
    let mut day = None;
    for m in messages {
        let date = m.created_at.date_naive();
        if day != Some(date) {
            out.push_str(&format!("── {} ──\n", date.format("%a %Y-%m-%d")));
            day = Some(date);
        }
        let label = format!("{} {}", m.created_at.format("%H:%M"), author_label(m));
        let mut lines = m.text.lines();
        out.push_str(&format!("{label}: {}\n", lines.next().unwrap_or("")));
        for line in lines {
            out.push_str(&format!("{:width$}  {line}\n", "", width = label.width()));
        }
        for a in &m.attachments {
            out.push_str(&format!(
                "{:width$}  [attachment: {}]\n",
                "",
                a.name,
                width = label.width()
            ));
        }
    }
    if messages.is_empty() {
        out.push_str("(no messages)\n");
    }
    out
}

/// The JSON shape of a conversation (stable: scripts depend on it).
#[derive(Serialize)]
pub struct ConversationJson<'a> {
    /// `account/id`, as `show`, `take`, `send` and the rest take it.
    key: String,
    account: &'a str,
    id: &'a str,
    platform: &'static str,
    status: &'static str,
    held_by: Option<String>,
    /// Whether the operator of this config holds it (`held_by` is then "me").
    held_by_me: bool,
    customer_name: &'a str,
    customer_contact: Option<&'a str>,
    channel: Option<&'a str>,
    assignee: Option<&'a str>,
    unread: Option<u32>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    waiting_since: Option<DateTime<Utc>>,
    /// Why no reply can be sent there (a raia voice call); `null` where one can.
    no_reply: Option<&'a str>,
}

impl<'a> From<&'a Conversation> for ConversationJson<'a> {
    fn from(c: &'a Conversation) -> Self {
        ConversationJson {
            key: c.key.to_string(),
            account: &c.key.account,
            id: &c.key.id,
            platform: c.platform.name(),
            status: c.status.name(),
            held_by: match &c.status {
                Status::Human { by: Holder::Me } => Some("me".into()),
                Status::Human { by: Holder::Other(who) } => Some(who.clone()),
                _ => None,
            },
            held_by_me: matches!(c.status, Status::Human { by: Holder::Me }),
            customer_name: &c.customer_name,
            customer_contact: c.customer_contact.as_deref(),
            channel: c.channel.as_deref(),
            assignee: c.assignee.as_deref(),
            unread: c.unread,
            created_at: c.created_at,
            updated_at: c.updated_at,
            waiting_since: c.waiting_since,
            no_reply: c.no_reply.as_deref(),
        }
    }
}

/// The JSON shape of a message.
#[derive(Serialize)]
pub struct MessageJson<'a> {
    id: &'a str,
    author: &'static str,
    author_name: Option<String>,
    text: &'a str,
    created_at: DateTime<Utc>,
    attachments: Vec<AttachmentJson<'a>>,
}

/// The JSON shape of an attachment: its name and the platform's file id or link (sanitised at
/// ingestion like any remote text; never fetched).
#[derive(Serialize)]
pub struct AttachmentJson<'a> {
    name: &'a str,
    reference: Option<&'a str>,
}

impl<'a> From<&'a Message> for MessageJson<'a> {
    fn from(m: &'a Message) -> Self {
        let author_name = match &m.author {
            Author::Operator { name, .. } => name.clone(),
            _ => m.author_name.clone(),
        };
        MessageJson {
            id: &m.id,
            author: m.author.name(),
            author_name,
            text: &m.text,
            created_at: m.created_at,
            attachments: m
                .attachments
                .iter()
                .map(|a| AttachmentJson {
                    name: &a.name,
                    reference: a.reference.as_deref(),
                })
                .collect(),
        }
    }
}

/// Prints to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

pub fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(json) => print(&format!("{json}\n")),
        Err(e) => eprintln!("handoff: cannot encode JSON: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_measures_wide_characters() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("李小龙", 6), "李小龙");
        assert_eq!(fit("李小龙x", 6), "李小… ");
        assert_eq!(fit("abcdefgh", 5), "abcd…");
        assert_eq!(fit("", 2), "  ");
        // A ZWJ family is one glyph two cells wide, as the terminal draws it.
        assert_eq!(fit("👩\u{200d}💻x", 4), "👩\u{200d}💻x ");
    }
}
