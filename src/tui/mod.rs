//! The terminal: set it up and restore it symmetrically (also on a panic), start what feeds
//! the loop (the cache load, the cache writer, the sync engine, the team runner), then run the loop
//! (`event_loop`), whose commands the runner carries out (`runner`, `editor`).

mod editor;
mod event_loop;
mod notify;
mod runner;
mod wire;

use crate::app::Msg;
use crate::boot::Booted;
use crate::store::Store;
use crate::sync::{CacheWriter, Engine};
use crate::team::SyncRole;
use crate::ui::Theme;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste, EnableFocusChange,
    EnableMouseCapture, EventStream,
};
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use event_loop::App;
use ratatui::Terminal;
use runner::{Runner, Screen};
use std::io::{Stdout, Write, stdout};
pub use wire::Wire;

/// The terminal the loop draws on.
type Tty = Terminal<Wire<Stdout>>;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// `boot` owns it; kept at this path for the tests that name it.
pub use crate::boot::account;

/// xterm's title stack: the title is pushed at start and popped at exit, so the window gets its
/// own title back (terminals without the stack ignore both).
const PUSH_TITLE: &str = "\x1b[22;0t";
const POP_TITLE: &str = "\x1b[23;0t";

/// Puts the terminal in the state the inbox needs. Every step here has its undo in
/// [`restore`], in reverse order.
fn setup(mouse: bool) -> std::io::Result<Tty> {
    enter(mouse)?;
    Terminal::new(Wire::handed_over(stdout()))
}

/// Whether mouse capture is on, so that [`restore`] (from the panic hook too) turns it off.
static MOUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether mouse capture is on now (the editor hand-over turns it back on after).
fn mouse_on() -> bool {
    MOUSE.load(std::sync::atomic::Ordering::SeqCst)
}

fn enter(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    let mut out = stdout();
    out.write_all(PUSH_TITLE.as_bytes())?;
    crossterm::execute!(out, EnterAlternateScreen, EnableBracketedPaste, EnableFocusChange)?;
    // `[ui] mouse = true` only: capture takes the terminal's own text selection away.
    if mouse {
        MOUSE.store(true, std::sync::atomic::Ordering::SeqCst);
        crossterm::execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Gives the terminal back as it was. Safe to call more than once (panic hook, then exit).
pub fn restore() {
    let mut out = stdout();
    if MOUSE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        let _ = crossterm::execute!(out, DisableMouseCapture);
    }
    let _ = crossterm::execute!(out, EndSynchronizedUpdate);
    // The wire leaves its pen and scroll region set between frames (`wire.rs`): back to the
    // defaults, for the shell or the editor.
    let _ = out.write_all(b"\x1b[m\x1b[r");
    let _ = crossterm::execute!(
        out,
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

pub async fn run(mut booted: Booted) -> color_eyre::Result<()> {
    // Released only once the terminal is given back.
    let _lock = booted.lock.take();
    install_panic_restore();
    let mut terminal = setup(booted.model.mouse)?;
    let result = start(&mut terminal, booted).await;
    restore();
    result
}

/// What feeds the loop, started now that the terminal is there; then the loop, until it ends.
async fn start(terminal: &mut Tty, booted: Booted) -> color_eyre::Result<()> {
    let theme = Theme::new(std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()));
    let Booted {
        mut model,
        pending,
        intervals,
        store,
        state_dir,
        lock: _,
        team,
        scratch: _scratch,
    } = booted;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let cache = match store.clone().map(CacheWriter::start).transpose() {
        Ok(cache) => cache,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the cache writer");
            None
        }
    };
    // What the cache keeps, the model need not hold: resolved conversations stay on disk.
    if cache.is_some() {
        model.archive = Some(Default::default());
    }
    if let Some(store) = store.clone() {
        load_cache(store, &model, tx.clone());
    }
    let mut team = team.map(|starting| crate::team::start(starting, tx.clone()));
    let engine = match team.as_mut().and_then(|t| Some((t.roles()?, t.tee()))) {
        // Team mode: an account is polled only while this instance holds its lease.
        Some((roles, tee)) => {
            let engine = Arc::new(Engine::start_following(pending, intervals, tx, cache));
            share_sync(&engine, roles, tee);
            engine
        }
        None => Arc::new(Engine::start_pending(pending, intervals, tx, cache)),
    };
    let events = EventStream::new();
    let signals = Signals::new()?;
    let editor_dir = state_dir.unwrap_or_else(|| std::env::temp_dir().join(format!("handoff-{}", std::process::id())));
    let size = terminal.size()?;
    let first = vec![Msg::Resize {
        width: size.width,
        height: size.height,
    }];
    let notify = notify::Notify::new(&model.alerts.settings, std::env::var_os("TMUX").is_some());
    let accounts = model.accounts.iter().map(|a| a.name.clone()).collect();
    let app = App {
        model,
        screen: Screen { terminal, events },
        runner: Runner {
            store,
            engine,
            editor_dir,
            notify,
            team,
            accounts,
        },
        rx,
        signals,
        theme,
        shown_title: String::new(),
        gone: false,
        carried: 0,
    };
    app.serve(first).await;
    Ok(())
}

/// One sync for the team: the team runner says which accounts this instance polls (it holds
/// their lease) and what the others have open on them; the engine starts and stops those
/// pollers, whose findings go to `tee` (the team store) as well as to the UI. Must be called
/// inside a tokio runtime; ends with the team runner or the engine.
pub fn share_sync(engine: &Arc<Engine>, mut roles: UnboundedReceiver<SyncRole>, tee: UnboundedSender<Msg>) {
    let engine = Arc::downgrade(engine);
    tokio::spawn(async move {
        while let Some(role) = roles.recv().await {
            let Some(engine) = engine.upgrade() else { return };
            match role {
                SyncRole::Lead { account } => engine.lead(&account, Some(tee.clone())),
                SyncRole::Follow { account } => engine.follow(&account),
                SyncRole::Viewed { account, ids } => engine.viewed_by_others(&account, ids),
                SyncRole::Learnt {
                    account,
                    changed,
                    removed,
                    threads,
                } => engine.learnt(&account, changed, removed, threads),
            }
        }
    });
}

/// The cache's rows read before the rest: more than any screen shows in any view but Resolved.
const FIRST_ROWS: usize = 1000;

/// The last run's picture, read off the loop and shown, marked as cached: its first rows in the
/// queue's order at once, then everything (100k conversations take a third of a second to read,
/// more on a busy machine); an account that answered meanwhile keeps its live data.
fn load_cache(store: Store, model: &crate::app::Model, tx: UnboundedSender<Msg>) {
    let names: Vec<String> = model.accounts.iter().map(|a| a.name.clone()).collect();
    tokio::task::spawn_blocking(move || {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        // The first screen's rows first: milliseconds, where the whole cache takes a second.
        let first = match store.cache_load_first(&names, FIRST_ROWS) {
            Ok(first) if !first.conversations.is_empty() => {
                let _ = tx.send(Msg::CachedFirst {
                    conversations: first.conversations,
                    synced_at: first.synced_at.into_iter().collect(),
                });
                true
            }
            _ => false,
        };
        match store.cache_load(&names) {
            Ok(cached) => {
                let _ = tx.send(Msg::Cached {
                    conversations: cached.conversations,
                    threads: cached.threads,
                    synced_at: cached.synced_at.into_iter().collect(),
                    resolved: cached.resolved,
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "the cache could not be read; starting without it");
                // The counts stop saying "at least": what was shown is all there is.
                if first {
                    let _ = tx.send(Msg::Cached {
                        conversations: vec![],
                        threads: vec![],
                        synced_at: vec![],
                        resolved: vec![],
                    });
                }
            }
        }
    });
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
