//! The `$EDITOR` hand-over: the terminal is given to the operator's editor on a file with the
//! draft and taken back, and what came back is kept (the store first, then the file goes).

use super::{Tty, Wire};
use crate::app::Msg;
use crossterm::event::EventStream;
use ratatui::Terminal;
use std::io::stdout;

/// What came back from the operator's editor.
pub(super) enum Edited {
    /// It exited normally: the reply as it left it.
    Reply(String),
    /// It exited abnormally, but had saved a reply that differs from the draft.
    Salvaged { reply: String, why: String },
    /// Nothing came back: why, in words (the draft is as it was).
    Failed(String),
}

impl Edited {
    pub(super) fn into_msg(self, key: crate::domain::ConversationKey) -> Msg {
        match self {
            Edited::Reply(text) => Msg::Edited { key, result: Ok(text) },
            Edited::Salvaged { reply, why } => Msg::Salvaged { key, reply, why },
            Edited::Failed(why) => Msg::Edited { key, result: Err(why) },
        }
    }
}

/// The draft file holds a customer's words and, until the reply is in the store, the only copy
/// of it: it is deleted once the reply is saved (or when there is nothing to keep). A hangup
/// usually ends the program right after the editor, so the reply is saved here, not a loop
/// round later.
pub(super) fn keep_reply(
    store: Option<&crate::store::Store>,
    key: &crate::domain::ConversationKey,
    outcome: &Edited,
    file: Option<std::path::PathBuf>,
) {
    let Some(file) = file else { return };
    let saved = match (outcome, store) {
        (Edited::Reply(reply) | Edited::Salvaged { reply, .. }, Some(store)) => store.save_draft(key, reply),
        _ => Ok(()),
    };
    match saved {
        Ok(()) => {
            let _ = std::fs::remove_file(&file);
        }
        // Kept: the next start finds it (`editor::leftovers`).
        Err(e) => tracing::error!(error = %e, "saving the editor's reply failed; its file is kept"),
    }
}

/// Hands the terminal to the operator's editor on a file with the draft, and takes it back:
/// the reply as the editor left it, or why not, and the file to delete once the reply is safe
/// (`None`: keep it). The event stream is dropped first, or its reader thread would take the
/// keys meant for the editor.
pub(super) async fn edit(
    terminal: &mut Tty,
    events: &mut EventStream,
    dir: &std::path::Path,
    key: &crate::domain::ConversationKey,
    draft: &str,
    context: &str,
) -> (Edited, Option<std::path::PathBuf>) {
    use crate::editor;
    let written = editor::file_text(draft, context);
    let path = match editor::write_file(dir, key, &written) {
        Ok(path) => path,
        Err(e) => {
            let why = format!("could not write the draft file in {}: {e}", dir.display());
            return (Edited::Failed(why), None);
        }
    };
    drop(std::mem::replace(events, EventStream::new()));
    let mouse = super::mouse_on();
    super::restore();
    let ran = editor::run(&editor::command(), &path).await;
    // A fresh terminal object redraws everything on the next frame (`Terminal::clear` would
    // ask the terminal for the cursor position, and some never answer).
    let back = super::enter(mouse)
        .and_then(|_| {
            crossterm::execute!(
                stdout(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
            )
        })
        .and_then(|_| Terminal::new(Wire::handed_over(stdout())))
        .map(|fresh| *terminal = fresh);
    if let Err(e) = back {
        tracing::error!(error = %e, "could not take the terminal back from the editor");
    }
    let text = match std::fs::read(&path) {
        // Whatever the encoding the editor saved in, the words are kept.
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            let why = ran.err().map_or_else(String::new, |why| format!("; {why}"));
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                format!("it left no file, so the draft is unchanged{why}")
            } else {
                // Left for the next start to recover (`editor::leftovers`); the path first, so
                // a narrow status bar still shows it.
                tracing::warn!(path = %path.display(), error = %e, "the editor's file could not be read back; kept");
                format!(
                    "its file is kept as {} (unreadable: {e}; the next start recovers it){why}",
                    path.display()
                )
            };
            return (Edited::Failed(why), None);
        }
    };
    let reply = editor::reply_from(&text);
    let outcome = match ran {
        Ok(()) => Edited::Reply(reply),
        // A hangup (SSH dropped) kills the editor after it may have saved: what it saved is
        // kept, unless it is the draft it was given or nothing (a half-written file).
        Err(why) if reply.trim().is_empty() || reply == editor::reply_from(&written) => {
            Edited::Failed(format!("{why}; the draft is unchanged"))
        }
        Err(why) => Edited::Salvaged { reply, why },
    };
    (outcome, Some(path))
}
