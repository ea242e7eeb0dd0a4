//! One sync for the team, the runner's side: each beat it takes or renews the lease of every
//! account it has (the holder polls it for everyone, `SyncRole::Lead`), writes what its poller
//! learns into the team store, and, for the accounts another instance polls, reads the rows
//! newer than the last it saw and sends them to the UI as its own poller would have.

use super::super::shared::{self, Write};
use super::super::store::{PeerRow, Shared};
use super::{LEASE_TTL, SyncRole, Task};
use crate::app::{Connection, Msg};
use crate::domain::ConversationKey;
use chrono::Utc;
use std::collections::{HashMap, HashSet};

impl Task {
    /// Takes or renews each account's lease; a change of holder starts or stops the poller.
    pub(super) async fn leases(&mut self) {
        let mut accounts: Vec<String> = self.fingerprints.values().cloned().collect();
        accounts.sort();
        accounts.dedup();
        if accounts.is_empty() {
            return;
        }
        let now = super::millis(Utc::now());
        let taken = self
            .blocking(
                move |s| {
                    accounts
                        .into_iter()
                        .map(|fp| Ok((s.store.take_lease(&fp, &s.me, now, LEASE_TTL)?, fp)))
                        .collect::<Result<Vec<_>, _>>()
                },
                "taking the accounts' leases",
            )
            .await;
        // A team store that cannot answer strands nobody: this instance polls for itself.
        let taken = taken.unwrap_or_else(|| self.fingerprints.values().map(|fp| (true, fp.clone())).collect());
        for (lead, fp) in taken {
            if lead && self.sync.leading.insert(fp.clone()) {
                self.sync.following.remove(&fp);
                self.sync.written.insert(fp.clone(), HashSet::new());
                self.sync.viewed.remove(&fp);
                tracing::info!(account = %fp, "this instance polls the account for the team");
                self.roles(&fp, |account| SyncRole::Lead { account });
            } else if !lead && self.sync.following.insert(fp.clone()) {
                self.sync.leading.remove(&fp);
                self.sync.synced.remove(&fp);
                tracing::info!(account = %fp, "another instance polls the account for the team");
                self.roles(&fp, |account| SyncRole::Follow { account });
                for account in self.names(&fp) {
                    // A live leader writes: the account is as well as its leader's connection.
                    let _ = self.tx.send(Msg::Connection {
                        account,
                        state: Connection::Ok,
                    });
                }
            }
        }
        self.read_shared().await;
    }

    /// Writes a leader poller's findings into the team store, one transaction per account.
    pub(super) async fn publish(&mut self, batch: Vec<Msg>) {
        let mut writes: HashMap<String, Vec<Write>> = HashMap::new();
        for msg in batch {
            let Some((fp, write)) = self.write(msg) else { continue };
            writes.entry(fp).or_default().extend(write);
        }
        for (fp, writes) in writes {
            let account = fp.clone();
            let seq = self
                .blocking(
                    move |s| s.store.publish(&account, &writes),
                    "sharing what the poller learnt",
                )
                .await;
            // What this instance wrote itself is not read back.
            if let Some(seq) = seq {
                self.sync.seen.insert(fp, seq);
            }
        }
    }

    /// The rows one message of a leader's poller stands for, and its account's fingerprint.
    fn write(&mut self, msg: Msg) -> Option<(String, Vec<Write>)> {
        let fp_of = |name: &str| self.fingerprints.get(name).cloned();
        let (fp, writes) = match msg {
            Msg::Synced {
                account,
                changed,
                removed,
            } => {
                let fp = fp_of(&account)?;
                let written = self.sync.written.entry(fp.clone()).or_default();
                let mut writes = Vec::new();
                for c in changed {
                    let json = serde_json::to_string(&c).ok()?;
                    written.insert(c.key.id.clone());
                    writes.push(Write::Conversation { id: c.key.id, json });
                }
                for key in removed {
                    written.remove(&key.id);
                    writes.push(Write::Removed(key.id));
                }
                (fp, writes)
            }
            Msg::Thread { key, messages } => {
                let fp = fp_of(&key.account)?;
                let json = serde_json::to_string(&messages).ok()?;
                (fp, vec![Write::Thread { id: key.id, json }])
            }
            Msg::Walked { account } => {
                let fp = fp_of(&account)?;
                let kept = self.sync.written.get(&fp).map(|w| w.iter().cloned().collect());
                (
                    fp,
                    vec![Write::Walked {
                        kept: kept.unwrap_or_default(),
                    }],
                )
            }
            _ => return None,
        };
        // A message of a poller that has just lost the lease is the new leader's to write.
        self.sync.leading.contains(&fp).then_some((fp, writes))
    }

    /// For the accounts another instance polls: what it wrote since the last read, to the UI.
    pub(super) async fn read_shared(&mut self) {
        let wanted: Vec<(String, i64)> = self
            .sync
            .following
            .iter()
            .map(|fp| (fp.clone(), self.sync.seen.get(fp).copied().unwrap_or(0)))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let read = self
            .blocking(
                move |s| {
                    wanted
                        .into_iter()
                        .map(|(fp, since)| Ok((s.store.shared_since(&fp, since)?, fp)))
                        .collect::<Result<Vec<_>, _>>()
                },
                "reading what the team's sync learnt",
            )
            .await;
        for (changes, fp) in read.unwrap_or_default() {
            // A lease lost meanwhile: its own poller reports now.
            if !self.sync.following.contains(&fp) {
                continue;
            }
            self.sync.seen.insert(fp.clone(), changes.last);
            let first = self.sync.synced.insert(fp.clone());
            for name in self.names(&fp) {
                self.deliver(&name, &changes, first);
            }
        }
    }

    /// One account's shared rows, sent as its own poller would send them.
    fn deliver(&self, name: &str, changes: &shared::Changes, first: bool) {
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        for (id, json) in &changes.conversations {
            match json {
                Some(json) => changed.extend(shared::conversation(name, id, json, &self.sync.me)),
                None if !id.chars().any(char::is_control) => removed.push(ConversationKey::new(name, id.clone())),
                None => {}
            }
        }
        let mut threads = Vec::new();
        for (id, json) in &changes.threads {
            if id.chars().any(char::is_control) {
                continue;
            }
            if let Some(messages) = shared::messages(json) {
                threads.push((ConversationKey::new(name, id.clone()), messages));
            }
        }
        if let Some(roles) = &self.sync.roles
            && (!changed.is_empty() || !removed.is_empty() || !threads.is_empty())
        {
            let _ = roles.send(SyncRole::Learnt {
                account: name.to_string(),
                changed: changed.clone(),
                removed: removed.clone(),
                threads: threads.clone(),
            });
        }
        if first || !changed.is_empty() || !removed.is_empty() {
            let _ = self.tx.send(Msg::Synced {
                account: name.to_string(),
                changed,
                removed,
            });
        }
        for (key, messages) in threads {
            let _ = self.tx.send(Msg::Thread { key, messages });
        }
        if changes.walked {
            let _ = self.tx.send(Msg::Walked {
                account: name.to_string(),
            });
        }
    }

    /// For the accounts this instance polls: the conversations the others have open join the
    /// ones whose threads its poller keeps fresh.
    pub(super) fn tell_viewed(&mut self, me: &str, peers: &[PeerRow]) {
        let leading: Vec<String> = self.sync.leading.iter().cloned().collect();
        for fp in leading {
            let ids: HashSet<String> = peers
                .iter()
                .filter(|p| p.id != me)
                .filter_map(|p| p.viewing.as_ref())
                .filter(|v: &&Shared| v.account == fp && !v.conversation.chars().any(char::is_control))
                .map(|v| v.conversation.clone())
                .collect();
            if self.sync.viewed.get(&fp) != Some(&ids) {
                self.sync.viewed.insert(fp.clone(), ids.clone());
                self.roles(&fp, |account| SyncRole::Viewed {
                    account,
                    ids: ids.clone(),
                });
            }
        }
    }

    fn roles(&self, fp: &str, role: impl Fn(String) -> SyncRole) {
        if let Some(roles) = &self.sync.roles {
            for name in self.names(fp) {
                let _ = roles.send(role(name));
            }
        }
    }

    /// The local accounts with this fingerprint.
    fn names(&self, fp: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .fingerprints
            .iter()
            .filter(|(_, f)| *f == fp)
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    }
}
