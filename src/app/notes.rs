//! Notes (issue 13, point 3) as the model sees them: where a conversation's notes live, the
//! compose box switched between a reply and a note, a note through the outbox (recorded, its
//! answer, an unknown one kept as unknown, a failure's words put back), and the notes read
//! when the thread is opened. A note is never a message: it is not seen, not news, not a
//! reply, and it never changes who is waiting.

use super::compose::Composer;
use super::drafts::flush_drafts;
use super::model::{DRAFT_SAVE_DELAY, Focus, Model};
use super::msg::{Cmd, Net, OutboxState, SendFailure, Store, Team};
use super::{notice, thread};
use crate::domain::{ConversationKey, Note, NotePlace, NoteState, PlatformKind};

/// Where this conversation's notes live: Chatvolt keeps its own; the others' go to the team
/// database in team mode, and stay on this machine otherwise.
pub fn place(model: &Model, key: &ConversationKey) -> NotePlace {
    match model.account(&key.account).map(|a| a.kind) {
        Some(PlatformKind::Chatvolt) => NotePlace::Platform,
        _ if model.team_notes => NotePlace::Team,
        _ => NotePlace::Local,
    }
}

/// Whether the open conversation's compose box writes a note.
pub fn writing_note(model: &Model, key: &ConversationKey) -> bool {
    model.note_mode.contains(key)
}

/// The command that reads the conversation's notes where they live (once, as it is opened).
pub(super) fn load(model: &Model, key: &ConversationKey) -> Cmd {
    match place(model, key) {
        NotePlace::Platform => Cmd::Net(Net::Notes(key.clone())),
        NotePlace::Team => Cmd::Team(Team::Notes(key.clone())),
        NotePlace::Local => Cmd::Store(Store::LoadNotes(key.clone())),
    }
}

/// `N`: the compose box of the conversation (opened if it is not) as a note.
pub(super) fn start(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    let cmds = if model.open.as_ref() == Some(&key) {
        vec![]
    } else {
        thread::open(model, key.clone())
    };
    let mut cmds = cmds;
    if model.note_mode.insert(key.clone()) {
        cmds.push(Cmd::Store(Store::NoteMode { key, note: true }));
    }
    model.focus = Focus::Compose;
    cmds
}

/// `i` (write a reply): an empty note box becomes a reply box; one holding a note's words stays
/// a note, so they are never sent by mistake (`Ctrl+n` switches it).
pub(super) fn reply_if_empty(model: &mut Model) -> Vec<Cmd> {
    let Some(key) = model.open.clone() else {
        return vec![];
    };
    let empty = model.drafts.get(&key).is_none_or(Composer::is_empty);
    if empty && model.note_mode.remove(&key) {
        return vec![Cmd::Store(Store::NoteMode { key, note: false })];
    }
    vec![]
}

/// `Ctrl+n` in the compose box: a reply becomes a note and back; the words stay.
pub(super) fn toggle(model: &mut Model) -> Vec<Cmd> {
    let Some(key) = model.open.clone() else {
        return vec![];
    };
    let note = !model.note_mode.remove(&key);
    if note {
        model.note_mode.insert(key.clone());
    }
    vec![Cmd::Store(Store::NoteMode { key, note })]
}

/// Enter on a note: recorded in the outbox, then written where the conversation's notes live.
/// Shown at once as being saved; the draft empties.
pub(super) fn save(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    let text = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
    if text.trim().is_empty() {
        return vec![];
    }
    let place = place(model, &key);
    if place == NotePlace::Platform
        && let Some(why) = model.account(&key.account).and_then(|a| a.read_only())
    {
        notice(model, format!("note not saved: {why}"), true);
        return vec![];
    }
    let client_id = model.sends.claim();
    let thread = model.threads.entry(key.clone()).or_default();
    let earlier = thread
        .notes
        .iter()
        .filter(|n| n.state == NoteState::Saved && n.text.trim() == text.trim())
        .map(|n| n.id.clone())
        .collect();
    thread.notes.push(Note {
        id: local_id(client_id),
        text: text.clone(),
        author: None,
        created_at: model.now,
        place,
        state: NoteState::Saving,
    });
    thread.scroll = 0;
    if let Some(d) = model.drafts.get_mut(&key) {
        d.clear();
    }
    // The saved words must not come back as a draft after a crash.
    model.unsaved.insert(key.clone());
    let mut cmds = flush_drafts(model);
    // One note per `N`: the empty box is a reply again (nothing in it can reach the customer).
    model.note_mode.remove(&key);
    cmds.push(Cmd::Store(Store::NoteMode {
        key: key.clone(),
        note: false,
    }));
    cmds.push(Cmd::Store(Store::Note {
        key,
        client_id,
        text,
        place,
        earlier,
    }));
    cmds
}

fn local_id(client_id: u64) -> String {
    format!("local-{client_id}")
}

impl Model {
    /// A note the outbox recorded in an earlier run without learning its fate: shown as
    /// unknown, settled when the notes read back show it, never written again on its own.
    pub fn restore_note(
        &mut self,
        client_id: u64,
        key: ConversationKey,
        text: String,
        place: NotePlace,
        reason: String,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let thread = self.threads.entry(key).or_default();
        thread.notes.push(Note {
            id: local_id(client_id),
            text,
            author: None,
            created_at: at,
            place,
            state: NoteState::Unknown(reason),
        });
        thread.notes.sort_by_key(|n| n.created_at);
    }
}

/// The conversation's notes as `place` has them: they replace what was read before, and a note
/// of ours still on its way stays until its copy is there.
pub(super) fn on_notes(
    model: &mut Model,
    key: ConversationKey,
    place: NotePlace,
    result: Result<Vec<Note>, String>,
) -> Vec<Cmd> {
    let listed = match result {
        Ok(listed) => listed,
        Err(error) => {
            notice(model, format!("could not read the notes: {error}"), true);
            return vec![];
        }
    };
    let thread = model.threads.entry(key.clone()).or_default();
    let mut cmds = vec![];
    let mut ours = vec![];
    for note in std::mem::take(&mut thread.notes) {
        let listed_now = listed.iter().any(|l| l.text.trim() == note.text.trim());
        match &note.state {
            // Read again below.
            NoteState::Saved if note.place == place => {}
            NoteState::Saved => ours.push(note),
            // One whose answer was lost, there after all: settled in the outbox too.
            NoteState::Unknown(_) if listed_now && note.place == place => {
                if let Some(client_id) = note.id.strip_prefix("local-").and_then(|n| n.parse().ok()) {
                    cmds.push(Cmd::Store(Store::Outbox {
                        client_id,
                        key: key.clone(),
                        text: note.text,
                        state: OutboxState::Sent,
                    }));
                }
            }
            // On its way: its answer replaces it.
            _ => ours.push(note),
        }
    }
    thread.notes = listed;
    thread.notes.extend(ours);
    thread.notes.sort_by_key(|n| n.created_at);
    cmds
}

/// The answer to a note: kept (it replaces ours), unknown (shown as such, never written again on
/// its own), or not kept (its words go back to the draft, after what the draft holds).
pub(super) fn on_saved(
    model: &mut Model,
    key: ConversationKey,
    client_id: u64,
    result: Result<Note, SendFailure>,
) -> Vec<Cmd> {
    model.sends.answered();
    let mut cmds = vec![];
    let local = local_id(client_id);
    let thread = model.threads.entry(key.clone()).or_default();
    let Some(at) = thread.notes.iter().position(|n| n.id == local) else {
        return vec![];
    };
    let text = thread.notes[at].text.clone();
    let state = match result {
        Ok(note) => {
            thread.notes.remove(at);
            if !thread.notes.iter().any(|n| n.id == note.id) {
                thread.notes.push(note);
                thread.notes.sort_by_key(|n| n.created_at);
            }
            notice(model, "note saved — not sent to the customer".into(), false);
            OutboxState::Sent
        }
        Err(SendFailure {
            reason,
            ambiguous: true,
            ..
        }) => {
            thread.notes[at].state = NoteState::Unknown(reason.clone());
            notice(
                model,
                format!("no readable answer — the note may be saved; look before writing it again ({reason})"),
                true,
            );
            OutboxState::Unknown(reason)
        }
        Err(SendFailure { reason, .. }) => {
            thread.notes.remove(at);
            let draft = model.drafts.entry(key.clone()).or_default();
            draft.append(&text);
            if model.note_mode.insert(key.clone()) {
                cmds.push(Cmd::Store(Store::NoteMode {
                    key: key.clone(),
                    note: true,
                }));
            }
            model.unsaved.insert(key.clone());
            model.save_due.get_or_insert(model.now + DRAFT_SAVE_DELAY);
            notice(
                model,
                format!("note not saved — {reason} (your text is back in the box)"),
                true,
            );
            OutboxState::Restored
        }
    };
    cmds.push(Cmd::Store(Store::Outbox {
        client_id,
        key,
        text,
        state,
    }));
    cmds
}
