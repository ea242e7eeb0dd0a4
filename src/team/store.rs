//! The team store: what the team's instances share, behind a small trait so that a networked
//! store (PostgreSQL with LISTEN/NOTIFY, ARCHITECTURE.md "Beyond one server") could replace the
//! SQLite file for a team on several servers. Every method is blocking: the runner calls them
//! off the loop. Accounts are named by their fingerprint, never by a local name or a key.

use super::shared::{Changes, Write};
use rusqlite::{Connection, OptionalExtension, params};

/// Milliseconds since the epoch (UTC).
pub type Millis = i64;

/// An instance is live while its last beat is younger than this.
pub const LIVE_FOR: Millis = 10_000;

#[derive(Debug, thiserror::Error)]
#[error("team database: {0}")]
pub struct TeamError(String);

impl TeamError {
    pub fn new(why: impl Into<String>) -> TeamError {
        TeamError(why.into())
    }
}

impl From<rusqlite::Error> for TeamError {
    fn from(e: rusqlite::Error) -> Self {
        TeamError(e.to_string())
    }
}

/// A conversation of an account, as the team names it: (account fingerprint, conversation id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shared {
    pub account: String,
    pub conversation: String,
}

/// This instance, as its heartbeat publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub id: String,
    pub operator_name: Option<String>,
    pub operator_email: Option<String>,
    /// How the others name this operator.
    pub display_name: String,
    pub started_at: Millis,
    /// The fingerprints of the accounts whose keys it has read.
    pub accounts: Vec<String>,
    pub viewing: Option<Shared>,
    pub typing: bool,
    /// The handoffs it alerted its operator to.
    pub watching: Vec<Watching>,
}

/// A handoff an instance alerted on: since when, and whether its operator answered it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Watching {
    #[serde(rename = "a")]
    pub conversation: Shared,
    #[serde(rename = "s")]
    pub since: Millis,
    #[serde(rename = "k")]
    pub answered: bool,
}

/// A live instance as the store has it.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerRow {
    pub id: String,
    pub display_name: String,
    pub started_at: Millis,
    pub beat_at: Millis,
    pub viewing: Option<Shared>,
    pub typing: bool,
    pub watching: Vec<Watching>,
}

/// A claim as the store has it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRow {
    pub conversation: Shared,
    pub instance: String,
    pub name: String,
    pub since: Millis,
    /// Its holder is not live: since its last beat (or when it left).
    pub orphaned_since: Option<Millis>,
}

/// How a claim ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Claimed {
    Made,
    HeldBy(ClaimRow),
}

pub trait TeamStore: Send {
    /// Publishes `me` as live now (its presence included); instances whose beat has stopped
    /// are removed, their claims kept as orphans.
    fn heartbeat(&mut self, me: &Instance, now: Millis) -> Result<(), TeamError>;
    /// Every live instance, `me` included, oldest first.
    fn peers(&mut self, now: Millis) -> Result<Vec<PeerRow>, TeamError>;
    /// Claims the conversation for `me`, in one transaction: refused when another live instance
    /// holds it, unless `force`. An orphaned claim is anyone's.
    fn claim(&mut self, me: &Instance, what: &Shared, force: bool, now: Millis) -> Result<Claimed, TeamError>;
    /// `me`'s claim on it, if it has one, is gone.
    fn release(&mut self, me: &Instance, what: &Shared) -> Result<(), TeamError>;
    /// Every claim, each marked orphaned or not.
    fn claims(&mut self, now: Millis) -> Result<Vec<ClaimRow>, TeamError>;
    /// Removes the claims orphaned since `before` or earlier on the accounts of which `me` is
    /// the oldest live instance (one instance acts on each orphan), and returns them.
    fn release_orphans(&mut self, me: &Instance, before: Millis, now: Millis) -> Result<Vec<ClaimRow>, TeamError>;
    /// `me` ends: its row and leases go, its claims stay (orphans from now on).
    fn leave(&mut self, me: &Instance, now: Millis) -> Result<(), TeamError>;
    /// Takes or renews the account's lease until `now + ttl`; false while another holds it.
    fn take_lease(&mut self, account: &str, me: &Instance, now: Millis, ttl: Millis) -> Result<bool, TeamError>;
    /// Writes what the account's leader learnt, in one transaction; returns its sequence number.
    fn publish(&mut self, account: &str, writes: &[Write]) -> Result<i64, TeamError>;
    /// What was written for the account after the sequence number `since`.
    fn shared_since(&mut self, account: &str, since: i64) -> Result<Changes, TeamError>;
    /// Keeps a team note by `me` on the conversation (issue 13, point 3).
    fn add_note(
        &mut self,
        me: &Instance,
        what: &Shared,
        text: &str,
        now: Millis,
    ) -> Result<crate::domain::Note, TeamError>;
    /// The conversation's team notes, oldest first.
    fn notes(&mut self, what: &Shared) -> Result<Vec<crate::domain::Note>, TeamError>;
}

/// The team store in one SQLite file in the team dir.
pub struct SqliteTeam {
    db: Connection,
}

impl SqliteTeam {
    pub fn new(db: Connection) -> SqliteTeam {
        SqliteTeam { db }
    }
}

/// The claims with their holders' liveness; `?1` is now.
const CLAIMS: &str = "SELECT c.account, c.conversation, c.instance, c.name, c.since,
        CASE WHEN i.id IS NULL OR i.beat_at < ?1 - ?2 THEN COALESCE(c.left_at, i.beat_at, c.since) END
     FROM claims c LEFT JOIN instances i ON i.id = c.instance";

fn claim_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRow> {
    Ok(ClaimRow {
        conversation: Shared {
            account: r.get(0)?,
            conversation: r.get(1)?,
        },
        instance: r.get(2)?,
        name: r.get(3)?,
        since: r.get(4)?,
        orphaned_since: r.get(5)?,
    })
}

impl SqliteTeam {
    fn immediate(&mut self) -> Result<rusqlite::Transaction<'_>, TeamError> {
        Ok(self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }
}

impl TeamStore for SqliteTeam {
    fn heartbeat(&mut self, me: &Instance, now: Millis) -> Result<(), TeamError> {
        let tx = self.immediate()?;
        let (account, conversation) = me
            .viewing
            .as_ref()
            .map(|v| (v.account.as_str(), v.conversation.as_str()))
            .unzip();
        tx.execute(
            "INSERT INTO instances (id, operator_name, operator_email, display_name, started_at, beat_at,
                 viewing_account, viewing_conversation, typing, watching)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, display_name = excluded.display_name,
                 viewing_account = excluded.viewing_account,
                 viewing_conversation = excluded.viewing_conversation, typing = excluded.typing,
                 watching = excluded.watching",
            params![
                me.id,
                me.operator_name,
                me.operator_email,
                me.display_name,
                me.started_at,
                now,
                account,
                conversation,
                me.typing,
                serde_json::to_string(&me.watching).unwrap_or_else(|_| "[]".into())
            ],
        )?;
        tx.execute("DELETE FROM instance_accounts WHERE instance = ?1", [&me.id])?;
        for account in &me.accounts {
            tx.execute(
                "INSERT INTO instance_accounts (instance, account) VALUES (?1, ?2)",
                params![me.id, account],
            )?;
        }
        // Back after a pause long enough to be taken for dead: its claims are its own again.
        tx.execute(
            "UPDATE claims SET left_at = NULL WHERE instance = ?1 AND left_at IS NOT NULL",
            [&me.id],
        )?;
        // The dead: their claims remember when they stopped, then their rows go.
        tx.execute(
            "UPDATE claims SET left_at = (SELECT beat_at FROM instances WHERE id = claims.instance)
             WHERE left_at IS NULL AND instance IN (SELECT id FROM instances WHERE beat_at < ?1 - ?2)",
            params![now, LIVE_FOR],
        )?;
        tx.execute(
            "DELETE FROM instance_accounts WHERE instance IN (SELECT id FROM instances WHERE beat_at < ?1 - ?2)",
            params![now, LIVE_FOR],
        )?;
        tx.execute("DELETE FROM instances WHERE beat_at < ?1 - ?2", params![now, LIVE_FOR])?;
        tx.commit()?;
        Ok(())
    }

    fn peers(&mut self, now: Millis) -> Result<Vec<PeerRow>, TeamError> {
        let mut query = self.db.prepare_cached(
            "SELECT id, display_name, started_at, beat_at, viewing_account, viewing_conversation, typing, watching
             FROM instances WHERE beat_at >= ?1 - ?2 ORDER BY started_at, id",
        )?;
        let rows = query.query_map(params![now, LIVE_FOR], |r| {
            let account: Option<String> = r.get(4)?;
            let conversation: Option<String> = r.get(5)?;
            Ok(PeerRow {
                id: r.get(0)?,
                display_name: r.get(1)?,
                started_at: r.get(2)?,
                beat_at: r.get(3)?,
                viewing: account
                    .zip(conversation)
                    .map(|(account, conversation)| Shared { account, conversation }),
                typing: r.get(6)?,
                // Written by any member of the group: what does not read is nothing watched.
                watching: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn claim(&mut self, me: &Instance, what: &Shared, force: bool, now: Millis) -> Result<Claimed, TeamError> {
        let tx = self.immediate()?;
        let held = tx
            .query_row(
                &format!("{CLAIMS} WHERE c.account = ?3 AND c.conversation = ?4"),
                params![now, LIVE_FOR, what.account, what.conversation],
                claim_row,
            )
            .optional()?;
        match held {
            Some(held) if held.instance == me.id => return Ok(Claimed::Made),
            Some(held) if held.orphaned_since.is_none() && !force => return Ok(Claimed::HeldBy(held)),
            _ => {}
        }
        tx.execute(
            "INSERT OR REPLACE INTO claims (account, conversation, instance, name, since, left_at)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![what.account, what.conversation, me.id, me.display_name, now],
        )?;
        tx.commit()?;
        Ok(Claimed::Made)
    }

    fn release(&mut self, me: &Instance, what: &Shared) -> Result<(), TeamError> {
        self.db.execute(
            "DELETE FROM claims WHERE account = ?1 AND conversation = ?2 AND instance = ?3",
            params![what.account, what.conversation, me.id],
        )?;
        Ok(())
    }

    fn claims(&mut self, now: Millis) -> Result<Vec<ClaimRow>, TeamError> {
        let mut query = self.db.prepare_cached(&format!("{CLAIMS} ORDER BY c.since"))?;
        let rows = query.query_map(params![now, LIVE_FOR], claim_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn release_orphans(&mut self, me: &Instance, before: Millis, now: Millis) -> Result<Vec<ClaimRow>, TeamError> {
        let tx = self.immediate()?;
        let orphans: Vec<ClaimRow> = {
            let mut query = tx.prepare(&format!("{CLAIMS} ORDER BY c.since"))?;
            let rows = query.query_map(params![now, LIVE_FOR], claim_row)?;
            let mut oldest = tx.prepare(
                "SELECT i.id FROM instances i JOIN instance_accounts a ON a.instance = i.id
                 WHERE a.account = ?1 AND i.beat_at >= ?2 - ?3 ORDER BY i.started_at, i.id LIMIT 1",
            )?;
            let mut mine = Vec::new();
            for c in rows {
                let c = c?;
                if c.orphaned_since.is_none_or(|at| at > before) {
                    continue;
                }
                let first: Option<String> = oldest
                    .query_row(params![c.conversation.account, now, LIVE_FOR], |r| r.get(0))
                    .optional()?;
                if first.as_deref() == Some(me.id.as_str()) {
                    mine.push(c);
                }
            }
            mine
        };
        for c in &orphans {
            tx.execute(
                "DELETE FROM claims WHERE account = ?1 AND conversation = ?2 AND instance = ?3",
                params![c.conversation.account, c.conversation.conversation, c.instance],
            )?;
        }
        tx.commit()?;
        Ok(orphans)
    }

    fn leave(&mut self, me: &Instance, now: Millis) -> Result<(), TeamError> {
        let tx = self.immediate()?;
        tx.execute(
            "UPDATE claims SET left_at = ?2 WHERE instance = ?1 AND left_at IS NULL",
            params![me.id, now],
        )?;
        tx.execute("DELETE FROM instances WHERE id = ?1", [&me.id])?;
        tx.execute("DELETE FROM instance_accounts WHERE instance = ?1", [&me.id])?;
        tx.execute("DELETE FROM leases WHERE instance = ?1", [&me.id])?;
        tx.commit()?;
        Ok(())
    }

    fn take_lease(&mut self, account: &str, me: &Instance, now: Millis, ttl: Millis) -> Result<bool, TeamError> {
        let changed = self.db.execute(
            "INSERT INTO leases (account, instance, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (account) DO UPDATE SET instance = excluded.instance, until = excluded.until
             WHERE leases.instance = excluded.instance OR leases.until < ?4",
            params![account, me.id, now + ttl, now],
        )?;
        Ok(changed == 1)
    }

    fn publish(&mut self, account: &str, writes: &[Write]) -> Result<i64, TeamError> {
        super::shared::publish(&mut self.db, account, writes)
    }

    fn shared_since(&mut self, account: &str, since: i64) -> Result<Changes, TeamError> {
        super::shared::since(&mut self.db, account, since)
    }

    fn add_note(
        &mut self,
        me: &Instance,
        what: &Shared,
        text: &str,
        now: Millis,
    ) -> Result<crate::domain::Note, TeamError> {
        super::notes::add(&mut self.db, what, &me.display_name, text, now)
    }

    fn notes(&mut self, what: &Shared) -> Result<Vec<crate::domain::Note>, TeamError> {
        super::notes::list(&mut self.db, what)
    }
}
