//! The loop's runners: each `Cmd` group goes to its one runner — `Net` to the sync engine,
//! `Store` to the store runner (drafts, read marks, the outbox), `Term` to the terminal runner
//! (notifications, the clipboard, the editor). The store runner is the one place where a reply goes
//! into the outbox before it is sent: the engine takes only a `sync::Recorded`, which nothing
//! can make without writing the outbox first.

mod notes;

use super::Tty;
use super::editor::{edit, keep_reply};
use crate::app::{self, Cmd, Msg, SendFailure, Term};
use crate::domain::ConversationKey;
use crate::store::Store;
use crate::sync::{Engine, Recorded};
use crossterm::event::EventStream;
use std::io::{Write, stdout};
use std::path::PathBuf;

/// The terminal as the loop holds it: what is drawn on, and where its events come from (the
/// editor hand-over replaces both).
pub(super) struct Screen<'a> {
    pub terminal: &'a mut Tty,
    pub events: EventStream,
}

pub(super) struct Runner {
    pub store: Option<Store>,
    pub engine: std::sync::Arc<Engine>,
    /// Where the editor's draft file is written: the state directory, else a private temp one.
    pub editor_dir: PathBuf,
    /// How a notification is written (`[alerts] notify`, tmux).
    pub notify: super::notify::Notify,
    /// In team mode, the team runner; alone, none (and the model asks it nothing).
    pub team: Option<crate::team::Runner>,
    /// The accounts configured: the cache's pages are of these.
    pub accounts: Vec<String>,
}

impl Runner {
    /// Carries out `cmd` by its group's runner; what it answers (an edited reply, a store
    /// failure) goes to `later`. `store_failing`: the model's, so that a save that works again
    /// is said once.
    pub async fn run(&mut self, cmd: Cmd, store_failing: bool, screen: &mut Screen<'_>, later: &mut Vec<Msg>) {
        match cmd {
            Cmd::Net(cmd) => self.engine.handle(cmd),
            Cmd::Store(cmd) => self.store(cmd, store_failing, later),
            Cmd::Term(cmd) => self.term(cmd, screen, later).await,
            Cmd::Team(cmd) => {
                if let Some(team) = &self.team {
                    team.handle(cmd);
                }
            }
        }
    }

    /// The store runner: small SQLite writes, done here so they are on disk before the loop
    /// moves on (and before it exits on quit).
    fn store(&self, cmd: app::Store, store_failing: bool, later: &mut Vec<Msg>) {
        match cmd {
            app::Store::Send {
                key,
                client_id,
                baseline,
                text,
            } => match Recorded::write(self.store.as_ref(), key.clone(), client_id, &baseline, text) {
                Ok(reply) => self.engine.send(reply),
                Err(e) => later.push(not_recorded(key, client_id, &e)),
            },
            app::Store::SaveDraft { key, text } => self.save_draft(&key, &text, store_failing, later),
            app::Store::Note {
                key,
                client_id,
                text,
                place,
                earlier,
            } => self.note(key, client_id, text, place, earlier, later),
            app::Store::LoadNotes(key) => self.load_notes(key, later),
            app::Store::LoadThread(key) => self.load_thread(key, later),
            app::Store::NoteMode { key, note } => {
                if let Some(Err(e)) = self.store.as_ref().map(|s| s.save_note_mode(&key, note)) {
                    tracing::warn!(error = %e, "recording that a draft is a note failed");
                }
            }
            app::Store::Holds { held, released } => {
                if let Some(Err(e)) = self.store.as_ref().map(|s| s.save_holds(&held, &released)) {
                    tracing::warn!(error = %e, "recording the conversations held failed");
                }
            }
            app::Store::SaveReadMark { key, mark } => {
                if let Some(Err(e)) = self.store.as_ref().map(|s| s.save_read_mark(&key, &mark)) {
                    tracing::warn!(error = %e, "saving a read mark failed");
                }
            }
            app::Store::Outbox {
                client_id,
                key,
                text,
                state,
            } => {
                if let Some(Err(e)) = self
                    .store
                    .as_ref()
                    .map(|s| s.outbox_put(client_id, &key, &text, &state))
                {
                    tracing::error!(error = %e, "recording the outbox failed");
                    later.push(Msg::StoreFailed(e.to_string()));
                }
            }
            app::Store::Search { query, seq } => later.push(Msg::SearchHits {
                seq,
                hits: self.search(&query),
            }),
            app::Store::Resolved {
                seq,
                filter,
                after,
                limit,
            } => later.push(self.resolved(seq, &filter, after.as_ref(), limit)),
            app::Store::LoadConversation { key, message } => {
                let conversation = match self.store.as_ref().map(|s| s.cached_conversation(&key)) {
                    Some(Ok(c)) => c.map(Box::new),
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "reading a cached conversation failed");
                        None
                    }
                    None => None,
                };
                later.push(Msg::CachedConversation {
                    key,
                    conversation,
                    message,
                });
            }
        }
    }

    /// A page of the cache's resolved conversations. A store that cannot answer gives an empty
    /// last page (logged): the view shows what is held, as without a cache.
    fn resolved(&self, seq: u64, filter: &str, after: Option<&crate::store::After>, limit: usize) -> Msg {
        let names: Vec<&str> = self.accounts.iter().map(String::as_str).collect();
        let page = match self
            .store
            .as_ref()
            .map(|s| s.cache_resolved(&names, filter, after, limit))
        {
            Some(Ok(page)) => page,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "reading resolved conversations from the cache failed");
                Default::default()
            }
            None => Default::default(),
        };
        Msg::ResolvedPage {
            seq,
            conversations: page.conversations,
            total: page.total,
            more: page.more,
        }
    }

    /// A released thread from the cache; nothing when there is no store or it cannot answer
    /// (the platform's copy is on its way anyway).
    fn load_thread(&self, key: ConversationKey, later: &mut Vec<Msg>) {
        let messages = match self.store.as_ref().map(|s| s.cached_thread(&key)) {
            Some(Ok(messages)) => messages,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "reading a cached thread failed");
                Vec::new()
            }
            None => Vec::new(),
        };
        later.push(Msg::CachedThread { key, messages });
    }

    /// The search's hits; a store that cannot answer finds nothing (logged, never an error on
    /// the operator's screen: the query line is for typing, not for SQL).
    fn search(&self, query: &str) -> Vec<app::search::SearchHit> {
        let Some(store) = &self.store else {
            return vec![];
        };
        match store.search(query, app::search::HITS) {
            Ok(hits) => hits
                .into_iter()
                .map(|h| app::search::SearchHit {
                    key: h.key,
                    message: h.message,
                    snippet: h.snippet,
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "searching the cache failed");
                vec![]
            }
        }
    }

    fn save_draft(&self, key: &ConversationKey, text: &str, store_failing: bool, later: &mut Vec<Msg>) {
        match self.store.as_ref().map(|s| s.save_draft(key, text)) {
            Some(Err(e)) => {
                tracing::error!(error = %e, "saving a draft failed");
                later.push(Msg::StoreFailed(e.to_string()));
            }
            // Said when writing works again after a failure, not on every save.
            Some(Ok(())) if store_failing => later.push(Msg::StoreSaved),
            _ => {}
        }
    }

    /// The terminal runner.
    async fn term(&self, cmd: Term, screen: &mut Screen<'_>, later: &mut Vec<Msg>) {
        match cmd {
            Term::Notify(n) => write_now(&self.notify.bytes(&n)),
            Term::Copy(text) => copy(text),
            Term::Edit { key, draft, context } => self.edit(screen, key, &draft, &context, later).await,
        }
    }

    async fn edit(
        &self,
        screen: &mut Screen<'_>,
        key: ConversationKey,
        draft: &str,
        context: &str,
        later: &mut Vec<Msg>,
    ) {
        let (outcome, file) = edit(
            screen.terminal,
            &mut screen.events,
            &self.editor_dir,
            &key,
            draft,
            context,
        )
        .await;
        keep_reply(self.store.as_ref(), &key, &outcome, file);
        later.push(outcome.into_msg(key));
        // The window may have changed size while the editor had it.
        if let Ok(size) = screen.terminal.size() {
            later.push(Msg::Resize {
                width: size.width,
                height: size.height,
            });
        }
    }

    pub fn shutdown(&self) {
        self.engine.shutdown();
    }
}

/// A reply that could not be put in the outbox was not sent: a definite failure.
fn not_recorded(key: ConversationKey, client_id: u64, e: &crate::store::StoreError) -> Msg {
    let reason = format!("could not record it locally first, so it was not sent ({e})");
    let result = Err(SendFailure {
        reason,
        ambiguous: false,
        accepted: false,
    });
    Msg::Sent { key, client_id, result }
}

fn write_now(bytes: &[u8]) {
    let mut out = stdout();
    let _ = out.write_all(bytes).and_then(|_| out.flush());
}

/// OSC 52; the text is the model's (sanitised), and base64 cannot end the sequence early.
fn copy(text: String) {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07").and_then(|_| out.flush());
}
