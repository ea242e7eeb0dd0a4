//! Writes what the pollers learn into the local cache, on a thread of its own: SQLite calls
//! block, and neither the pollers nor the UI should wait for a disk. Writes are queued and
//! applied in order; several versions of one thread waiting in the queue collapse into the
//! latest. A failing write is logged (once per kind of failure) and the inbox carries on: the
//! cache is a head start for the next run, never the source of truth.

use crate::domain::{Conversation, ConversationKey, Message};
use crate::store::{CACHED_MESSAGES, Store};
use chrono::{DateTime, Utc};
use std::sync::mpsc::{Receiver, Sender, channel};

enum Write {
    Conversations {
        account: String,
        changed: Vec<Conversation>,
        removed: Vec<ConversationKey>,
        at: DateTime<Utc>,
    },
    Thread {
        key: ConversationKey,
        messages: Vec<Message>,
    },
    KeepOnly {
        account: String,
    },
}

/// A handle to the writer thread; cheap to clone (one per poller). The thread ends when every
/// handle is dropped, after writing what was queued.
#[derive(Clone)]
pub struct CacheWriter {
    tx: Sender<Write>,
}

impl CacheWriter {
    pub fn start(store: Store) -> std::io::Result<CacheWriter> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("cache-writer".into())
            .spawn(move || write_all(&store, &rx))?;
        Ok(CacheWriter { tx })
    }

    /// What a sync changed.
    pub fn conversations(&self, account: &str, changed: &[Conversation], removed: &[ConversationKey]) {
        let _ = self.tx.send(Write::Conversations {
            account: account.to_string(),
            changed: changed.to_vec(),
            removed: removed.to_vec(),
            at: Utc::now(),
        });
    }

    /// A walk of the account's whole history ended: of its cached conversations, only those
    /// heard of in this run still exist.
    pub fn keep_only(&self, account: &str) {
        let _ = self.tx.send(Write::KeepOnly {
            account: account.to_string(),
        });
    }

    /// A thread as fetched; only its latest messages are copied and kept.
    pub fn thread(&self, key: ConversationKey, messages: &[Message]) {
        let recent = messages[messages.len().saturating_sub(CACHED_MESSAGES)..].to_vec();
        let _ = self.tx.send(Write::Thread { key, messages: recent });
    }
}

fn write_all(store: &Store, rx: &Receiver<Write>) {
    let mut last_error: Option<String> = None;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let written: usize = (batch.iter())
            .map(|w| match w {
                Write::Conversations { changed, .. } => changed.len(),
                _ => 0,
            })
            .sum();
        for (i, write) in batch.iter().enumerate() {
            let result = match write {
                Write::Conversations {
                    account,
                    changed,
                    removed,
                    at,
                } => store.cache_conversations(account, changed, removed, *at),
                Write::KeepOnly { account } => store.cache_keep_only(account),
                // An older version of a thread with a newer one behind it in the batch is skipped.
                Write::Thread { key, .. } if superseded(&batch[i + 1..], key) => Ok(()),
                Write::Thread { key, messages } => store.cache_thread(key, messages),
            };
            if let Err(e) = result {
                let error = e.to_string();
                if last_error.as_ref() != Some(&error) {
                    tracing::warn!(%error, "writing the local cache failed");
                    last_error = Some(error);
                }
            }
        }
        // The copies of a large sync were this thread's to free, after the loop gave its own
        // memory back: handed back here (`memory`).
        drop(batch);
        if written >= crate::memory::BULK {
            crate::memory::give_back();
        }
    }
}

fn superseded(later: &[Write], key: &ConversationKey) -> bool {
    later
        .iter()
        .any(|w| matches!(w, Write::Thread { key: k, .. } if k == key))
}
