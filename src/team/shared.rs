//! One sync for the team: what an account's leader (the instance holding its lease) learns is
//! written here, and the other instances read the rows newer than the last sequence number they
//! saw instead of polling the platform. Conversations and threads are kept as the domain's JSON,
//! keyed by account fingerprint and conversation id; a removed conversation keeps its row, with
//! no body, so a follower hears of the removal. Every write of one batch shares one sequence
//! number (one transaction), so a reader never sees half a batch.

use super::store::TeamError;
use crate::domain::{Author, Conversation, ConversationKey, Holder, Message, Status, sanitize, sanitize_line};
use rusqlite::{Connection, params};

/// One thing the leader learnt.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// A conversation as it now is (serialised `domain::Conversation`).
    Conversation {
        id: String,
        json: String,
    },
    Removed(String),
    /// A thread as fetched (serialised `Vec<domain::Message>`).
    Thread {
        id: String,
        json: String,
    },
    /// A walk of the history ended: of the account's conversations only these exist.
    Walked {
        kept: Vec<String>,
    },
}

/// What was written for an account after a sequence number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Each changed conversation's JSON, `None` when it was removed.
    pub conversations: Vec<(String, Option<String>)>,
    pub threads: Vec<(String, String)>,
    /// A walk of the history ended since.
    pub walked: bool,
    /// The newest sequence number read (the `since` of the next read).
    pub last: i64,
}

pub(super) fn publish(db: &mut Connection, account: &str, writes: &[Write]) -> Result<i64, TeamError> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let seq: i64 = tx.query_row("SELECT COALESCE(MAX(n), 0) + 1 FROM shared_seq", [], |r| r.get(0))?;
    tx.execute("INSERT OR REPLACE INTO shared_seq (id, n) VALUES (1, ?1)", [seq])?;
    for write in writes {
        match write {
            Write::Conversation { id, json } => tx.execute(
                "INSERT OR REPLACE INTO shared_conversations (account, id, seq, conversation) VALUES (?1, ?2, ?3, ?4)",
                params![account, id, seq, json],
            )?,
            Write::Removed(id) => tx.execute(
                "INSERT OR REPLACE INTO shared_conversations (account, id, seq, conversation) VALUES (?1, ?2, ?3, NULL)",
                params![account, id, seq],
            )?,
            Write::Thread { id, json } => tx.execute(
                "INSERT OR REPLACE INTO shared_threads (account, id, seq, messages) VALUES (?1, ?2, ?3, ?4)",
                params![account, id, seq, json],
            )?,
            Write::Walked { kept } => {
                let kept = serde_json::to_string(kept).map_err(|e| TeamError::new(e.to_string()))?;
                tx.execute(
                    "UPDATE shared_conversations SET conversation = NULL, seq = ?2
                     WHERE account = ?1 AND conversation IS NOT NULL
                       AND id NOT IN (SELECT value FROM json_each(?3))",
                    params![account, seq, kept],
                )?;
                tx.execute(
                    "INSERT OR REPLACE INTO shared_walks (account, seq) VALUES (?1, ?2)",
                    params![account, seq],
                )?
            }
        };
    }
    tx.commit()?;
    Ok(seq)
}

pub(super) fn since(db: &mut Connection, account: &str, since: i64) -> Result<Changes, TeamError> {
    // One read transaction: the three tables as of one moment.
    let tx = db.transaction()?;
    let mut changes = Changes {
        last: since,
        ..Changes::default()
    };
    {
        let mut query = tx.prepare_cached(
            "SELECT id, conversation, seq FROM shared_conversations WHERE account = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = query.query(params![account, since])?;
        while let Some(r) = rows.next()? {
            changes.conversations.push((r.get(0)?, r.get(1)?));
            changes.last = changes.last.max(r.get(2)?);
        }
        let mut query = tx.prepare_cached(
            "SELECT id, messages, seq FROM shared_threads WHERE account = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = query.query(params![account, since])?;
        while let Some(r) = rows.next()? {
            changes.threads.push((r.get(0)?, r.get(1)?));
            changes.last = changes.last.max(r.get(2)?);
        }
        let mut query = tx.prepare_cached("SELECT seq FROM shared_walks WHERE account = ?1 AND seq > ?2")?;
        let mut rows = query.query(params![account, since])?;
        while let Some(r) = rows.next()? {
            changes.walked = true;
            changes.last = changes.last.max(r.get(0)?);
        }
    }
    tx.commit()?;
    Ok(changes)
}

/// A conversation row read back for the local account `name`. The team dir is written by any
/// member of its group: its text is remote text, cleaned again here; an id with controls, or
/// one that is not the row's, is nobody's. `me`: this operator's name and email.
pub fn conversation(name: &str, id: &str, json: &str, me: &[String]) -> Option<Conversation> {
    let mut c: Conversation = serde_json::from_str(json).ok()?;
    if c.key.id != id || id.is_empty() || id.chars().any(char::is_control) {
        return None;
    }
    c.key = ConversationKey::new(name, id);
    c.customer_name = sanitize_line(&c.customer_name);
    for field in [
        &mut c.customer_contact,
        &mut c.channel,
        &mut c.assignee,
        &mut c.no_reply,
    ] {
        *field = field.as_deref().map(sanitize_line);
    }
    c.preview = c.preview.as_deref().map(sanitize);
    c.details = c.details.take().and_then(|d| d.cleaned().boxed());
    // Assigned to the leader is not assigned to the reader: said again in the reader's words.
    if let Some(d) = c.details.as_deref_mut() {
        d.assigned_to_me = d.assignees.iter().any(|a| me.iter().any(|m| m.eq_ignore_ascii_case(a)));
    }
    if let Status::Human { by } = &mut c.status {
        *by = holder(by, c.assignee.as_deref(), me);
    }
    Some(c)
}

/// "Me" in the leader's row is the leader's operator: who holds it is said again in the
/// reader's words (its own name or email is "me", anyone else by name).
fn holder(by: &Holder, assignee: Option<&str>, me: &[String]) -> Holder {
    let named = match by {
        Holder::Me => assignee.map(str::to_string),
        Holder::Other(name) => Some(sanitize_line(name)),
        Holder::Unknown => return Holder::Unknown,
    };
    match named {
        Some(name) if me.iter().any(|m| m.eq_ignore_ascii_case(&name)) => Holder::Me,
        Some(name) => Holder::Other(name),
        None => Holder::Unknown,
    }
}

/// A thread row read back, cleaned as a conversation is. The leader's "me" is not this
/// operator: an operator's message is nobody's own here.
pub fn messages(json: &str) -> Option<Vec<Message>> {
    let mut messages: Vec<Message> = serde_json::from_str(json).ok()?;
    for m in &mut messages {
        m.id = sanitize_line(&m.id);
        m.text = sanitize(&m.text);
        m.author_name = m.author_name.as_deref().map(sanitize_line);
        if let Author::Operator { name, is_me } = &mut m.author {
            *name = name.as_deref().map(sanitize_line);
            *is_me = false;
        }
        for a in &mut m.attachments {
            a.name = sanitize_line(&a.name);
            a.reference = a.reference.as_deref().map(sanitize_line);
        }
    }
    Some(messages)
}
