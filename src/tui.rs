//! The terminal: set up and restore it symmetrically, turn its events into `Msg`, run the loop
//! that owns the `Model`, and draw — only after something changed.

use crate::app::key::{Key, KeyCode};
use crate::app::keymap::Keymap;
use crate::app::model::Account;
use crate::app::{Cmd, Model, Msg, update};
use crate::platform::Platform;
use crate::sync::{Engine, Intervals, Pending};
use crate::ui::{Theme, view};
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, EnableBracketedPaste, EnableFocusChange, Event, EventStream,
    KeyCode as CtKey, KeyEvent, KeyEventKind, KeyModifiers,
};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, Write, stdout};

/// Everything the inbox needs to start.
pub struct Inbox {
    /// The accounts as the model shows them, built from the config (no key needed), and
    /// their adapters, which arrive as their keys are read.
    pub accounts: Vec<Account>,
    pub platforms: Vec<Pending>,
    pub intervals: Intervals,
    pub keymap: Keymap,
    /// Said once in the status bar at start (keymap conflicts, config warnings).
    pub warnings: Vec<String>,
    pub demo: bool,
    /// Where drafts are kept across runs (none in the demo), and the drafts found there.
    pub store: Option<crate::store::Store>,
    pub drafts: Vec<(crate::domain::ConversationKey, String)>,
    /// The state directory (none in the demo): the editor's draft file is written there.
    pub state_dir: Option<std::path::PathBuf>,
    /// Outgoing messages whose fate was not settled, and where client ids continue from.
    pub outbox: Vec<crate::store::OutboxEntry>,
    pub next_client_id: u64,
    /// What the store remembers of the last run: the read marks. (The cached conversations are
    /// read from the store once the loop runs, so the first frame does not wait for them.)
    pub read_marks: Vec<(crate::domain::ConversationKey, crate::domain::ReadMark)>,
}

/// An account as the model first shows it: what it is and can do needs no key (capabilities
/// come from the settings), only its connection waits.
pub fn account(platform: &dyn Platform, label: Option<String>, connection: crate::app::Connection) -> Account {
    Account {
        name: platform.account().to_string(),
        label,
        kind: platform.kind(),
        capabilities: platform.capabilities(),
        connection,
        synced: false,
        cached_at: None,
    }
}

/// xterm's title stack: the title is pushed at start and popped at exit, so the window gets its
/// own title back (terminals without the stack ignore both).
const PUSH_TITLE: &str = "\x1b[22;0t";
const POP_TITLE: &str = "\x1b[23;0t";

/// Puts the terminal in the state the inbox needs. Every step here has its undo in
/// [`restore`], in reverse order.
fn setup() -> std::io::Result<Terminal<CrosstermBackend<Stdout>>> {
    enter()?;
    Terminal::new(CrosstermBackend::new(stdout()))
}

fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    let mut out = stdout();
    out.write_all(PUSH_TITLE.as_bytes())?;
    crossterm::execute!(out, EnterAlternateScreen, EnableBracketedPaste, EnableFocusChange)
}

/// Gives the terminal back as it was. Safe to call more than once (panic hook, then exit).
pub fn restore() {
    let mut out = stdout();
    let _ = crossterm::execute!(
        out,
        EndSynchronizedUpdate,
        DisableFocusChange,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.write_all(POP_TITLE.as_bytes()).and_then(|_| out.flush());
    let _ = disable_raw_mode();
}

/// Restores the terminal before any panic report is printed (after color-eyre's hook is in).
fn install_panic_restore() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

pub async fn run(inbox: Inbox) -> color_eyre::Result<()> {
    install_panic_restore();
    let mut terminal = setup()?;
    let result = event_loop(&mut terminal, inbox).await;
    restore();
    result
}

async fn event_loop(terminal: &mut Terminal<CrosstermBackend<Stdout>>, inbox: Inbox) -> color_eyre::Result<()> {
    let theme = Theme::new(std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()));
    let now = chrono::Utc::now();
    let mut model = Model::new(inbox.accounts, inbox.keymap, inbox.demo, now);
    for (key, text) in inbox.drafts {
        model
            .drafts
            .insert(key, crate::app::compose::Composer::with_text(&text));
    }
    let store = inbox.store;
    // What was on its way when the program last stopped, and what was not sent and not yet
    // put back: shown in its thread, never re-sent on its own.
    for entry in inbox.outbox {
        model.restore_outgoing(entry.id, entry.key, entry.text, entry.state, entry.baseline);
    }
    model.next_client_id = inbox.next_client_id.max(1);
    model.read_marks = inbox.read_marks.into_iter().collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    // The last run's picture, read off the loop (100k conversations take a third of a second
    // to read) and shown, marked as cached, as soon as it is there; an account that answered
    // meanwhile keeps its live data.
    if let Some(store) = store.clone() {
        let names: Vec<String> = model.accounts.iter().map(|a| a.name.clone()).collect();
        let tx = tx.clone();
        tokio::task::spawn_blocking(move || {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            match store.cache_load(&names) {
                Ok(cached) => {
                    let _ = tx.send(Msg::Cached {
                        conversations: cached.conversations,
                        threads: cached.threads,
                        synced_at: cached.synced_at.into_iter().collect(),
                    });
                }
                Err(e) => tracing::warn!(error = %e, "the cache could not be read; starting without it"),
            }
        });
    }
    let cache = match store.clone().map(crate::sync::CacheWriter::start).transpose() {
        Ok(cache) => cache,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the cache writer");
            None
        }
    };
    let engine = Engine::start_pending(inbox.platforms, inbox.intervals, tx, cache);
    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut shown_title = String::new();
    let editor_dir = inbox
        .state_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("handoff-{}", std::process::id())));

    let size = terminal.size()?;
    let mut pending = vec![Msg::Resize {
        width: size.width,
        height: size.height,
    }];
    if !inbox.warnings.is_empty() {
        tracing::warn!(warnings = ?inbox.warnings, "starting with warnings");
        model.notice = Some(crate::app::model::Notice {
            text: inbox.warnings.join("; "),
            error: true,
            until: now + chrono::TimeDelta::seconds(20),
        });
    }
    loop {
        // Apply everything that is waiting, then draw once.
        while let Ok(msg) = rx.try_recv() {
            pending.push(msg);
        }
        let changed = !pending.is_empty();
        let mut later = Vec::new();
        for msg in pending.drain(..) {
            for cmd in update(&mut model, msg, chrono::Utc::now()) {
                match cmd {
                    Cmd::Quit => {}
                    Cmd::Bell => {
                        let mut out = stdout();
                        let _ = out.write_all(b"\x07").and_then(|_| out.flush());
                    }
                    // A small SQLite write, done here so a draft is on disk before the loop
                    // moves on (and before it exits on quit).
                    Cmd::SaveDraft { key, text } => match store.as_ref().map(|s| s.save_draft(&key, &text)) {
                        Some(Err(e)) => {
                            tracing::error!(error = %e, "saving a draft failed");
                            later.push(Msg::StoreFailed(e.to_string()));
                        }
                        // Said when writing works again after a failure, not on every save.
                        Some(Ok(())) if model.store_failing => later.push(Msg::StoreSaved),
                        _ => {}
                    },
                    Cmd::Copy(text) => {
                        // OSC 52; the text is the model's (sanitised), and base64 cannot
                        // end the sequence early.
                        use base64::Engine as _;
                        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                        let mut out = stdout();
                        let _ = write!(out, "\x1b]52;c;{encoded}\x07").and_then(|_| out.flush());
                    }
                    Cmd::Edit { key, draft, context } => {
                        let (outcome, file) = edit(terminal, &mut events, &editor_dir, &key, &draft, &context).await;
                        keep_reply(store.as_ref(), &key, &outcome, file);
                        later.push(outcome.into_msg(key));
                        // The window may have changed size while the editor had it.
                        if let Ok(size) = terminal.size() {
                            later.push(Msg::Resize {
                                width: size.width,
                                height: size.height,
                            });
                        }
                    }
                    Cmd::SaveReadMark { key, mark } => {
                        if let Some(Err(e)) = store.as_ref().map(|s| s.save_read_mark(&key, &mark)) {
                            tracing::warn!(error = %e, "saving a read mark failed");
                        }
                    }
                    Cmd::Outbox {
                        client_id,
                        key,
                        text,
                        state,
                    } => {
                        if let Some(Err(e)) = store.as_ref().map(|s| s.outbox_put(client_id, &key, &text, &state)) {
                            tracing::error!(error = %e, "recording the outbox failed");
                            later.push(Msg::StoreFailed(e.to_string()));
                        }
                    }
                    // Durable before it leaves: a message is in the outbox before the request
                    // is made, or it is not sent at all.
                    Cmd::Send {
                        key,
                        client_id,
                        baseline,
                        text,
                    } => {
                        let recorded = store.as_ref().map(|s| s.outbox_send(client_id, &key, &text, &baseline));
                        match recorded {
                            Some(Err(e)) => {
                                let reason = format!("could not record it locally first, so it was not sent ({e})");
                                let result = Err(crate::app::SendFailure {
                                    reason,
                                    ambiguous: false,
                                });
                                later.push(Msg::Sent { key, client_id, result });
                            }
                            _ => engine.handle(Cmd::Send {
                                key,
                                client_id,
                                baseline,
                                text,
                            }),
                        }
                    }
                    other => engine.handle(other),
                }
            }
        }
        pending.append(&mut later);
        if model.quit {
            break;
        }
        if changed {
            let title = crate::ui::window_title(&model);
            let shown = draw(terminal, &model, &theme).and_then(|_| {
                if title != shown_title {
                    crossterm::execute!(stdout(), crossterm::terminal::SetTitle(&title))?;
                }
                Ok(())
            });
            match shown {
                Ok(()) => shown_title = title,
                // The terminal is gone (SSH dropped): end as on a hangup, drafts saved first.
                Err(e) => {
                    tracing::warn!(error = %e, "cannot draw; the terminal is gone");
                    pending.push(Msg::Terminate);
                }
            }
        }
        // Results of this round's commands (an edited reply, a store failure): applied now,
        // not when the next event happens to wake the loop.
        if !pending.is_empty() {
            continue;
        }
        let deadline = model.next_deadline();
        let sleep = async {
            match deadline {
                Some(at) => {
                    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => pending.extend(translate(event)),
                // The terminal is gone (SSH dropped): nothing more can be shown or typed.
                Some(Err(_)) | None => pending.push(Msg::Terminate),
            },
            msg = rx.recv() => pending.extend(msg),
            _ = sleep => pending.push(Msg::Tick),
            // Through `update`, like `q`: what was typed in the last second is saved first.
            _ = signals.recv() => pending.push(Msg::Terminate),
        }
    }
    engine.shutdown();
    Ok(())
}

/// What came back from the operator's editor.
enum Edited {
    /// It exited normally: the reply as it left it.
    Reply(String),
    /// It exited abnormally, but had saved a reply that differs from the draft.
    Salvaged { reply: String, why: String },
    /// Nothing came back: why, in words (the draft is as it was).
    Failed(String),
}

impl Edited {
    fn into_msg(self, key: crate::domain::ConversationKey) -> Msg {
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
fn keep_reply(
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
async fn edit(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
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
    restore();
    let ran = editor::run(&editor::command(), &path).await;
    // A fresh terminal object redraws everything on the next frame (`Terminal::clear` would
    // ask the terminal for the cursor position, and some never answer).
    let back = enter()
        .and_then(|_| {
            crossterm::execute!(
                stdout(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
            )
        })
        .and_then(|_| Terminal::new(CrosstermBackend::new(stdout())))
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

fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, model: &Model, theme: &Theme) -> std::io::Result<()> {
    // Synchronized output: the terminal shows the frame whole (ignored where unsupported).
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view(frame, model, theme))?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// A terminal event as the app understands it; `None` for what it ignores (key releases,
/// mouse, focus).
fn translate(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => to_key(key).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

fn to_key(key: KeyEvent) -> Option<Key> {
    let code = match key.code {
        CtKey::Char(c) => KeyCode::Char(c),
        CtKey::Enter => KeyCode::Enter,
        CtKey::Esc => KeyCode::Esc,
        CtKey::Tab => KeyCode::Tab,
        CtKey::BackTab => KeyCode::BackTab,
        CtKey::Backspace => KeyCode::Backspace,
        CtKey::Delete => KeyCode::Delete,
        CtKey::Up => KeyCode::Up,
        CtKey::Down => KeyCode::Down,
        CtKey::Left => KeyCode::Left,
        CtKey::Right => KeyCode::Right,
        CtKey::Home => KeyCode::Home,
        CtKey::End => KeyCode::End,
        CtKey::PageUp => KeyCode::PageUp,
        CtKey::PageDown => KeyCode::PageDown,
        CtKey::Insert => KeyCode::Insert,
        CtKey::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let m = key.modifiers;
    Some(
        Key::from_parts(
            code,
            m.contains(KeyModifiers::CONTROL),
            m.contains(KeyModifiers::ALT),
            m.contains(KeyModifiers::SHIFT),
        )
        .normalized(),
    )
}

/// SIGTERM and SIGHUP end the program cleanly, like a forced `q`: drafts saved, the terminal
/// restored.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
