//! The loop that owns the `Model`, in the shape of yazi's `app.rs`: wait for the next event
//! (a key, a message from the network or the cache, a deadline, a signal), hand it to
//! `dispatch`, and draw — only after something changed.

use super::Signals;
use super::Tty;
use super::runner::{Runner, Screen};
use crate::app::key::{Key, KeyCode};
use crate::app::mouse::{Mouse, MouseKind};
use crate::app::{Model, Msg, update};
use crate::ui::{Theme, view};
use crossterm::event::{Event, KeyCode as CtKey, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use std::io::stdout;
use tokio::sync::mpsc::UnboundedReceiver;

pub(super) struct App<'a> {
    pub model: Model,
    pub screen: Screen<'a>,
    pub runner: Runner,
    /// What the network and the cache load send.
    pub rx: UnboundedReceiver<Msg>,
    pub signals: Signals,
    pub theme: Theme,
    /// The window title last set, so it is set again only when it changes.
    pub shown_title: String,
    /// The terminal is gone (the SSH session dropped): nothing more is drawn or read from it,
    /// while the program hands back what the operator held and ends.
    pub gone: bool,
    /// Conversations brought in since freed memory was last given back.
    pub carried: usize,
}

impl App<'_> {
    /// Runs until the model quits; the first round applies `pending` (the first size).
    pub async fn serve(mut self, mut pending: Vec<Msg>) {
        loop {
            // Apply everything that is waiting, then draw once.
            while let Ok(msg) = self.rx.try_recv() {
                pending.push(msg);
            }
            let changed = !pending.is_empty();
            self.carried += pending.iter().map(Msg::conversations_carried).sum::<usize>();
            pending = self.dispatch(pending).await;
            // Quitting is model state: checked only after every command of the round was
            // carried out, so the drafts `update` saves on quitting are on disk before the end.
            if self.model.quit {
                break;
            }
            if changed
                && !self.gone
                && let Err(e) = self.render()
            {
                // The terminal is gone (SSH dropped): end as on a hangup, drafts saved first.
                tracing::warn!(error = %e, "cannot draw; the terminal is gone");
                self.gone = true;
                pending.push(Msg::Terminate);
            }
            // After the frame: what parsing and absorbing listings freed goes back, once they
            // add up (a history walk brings a page at a time).
            if self.carried >= crate::memory::BULK {
                crate::memory::give_back();
                self.carried = 0;
            }
            // Results of this round's commands (an edited reply, a store failure): applied
            // now, not when the next event happens to wake the loop.
            if pending.is_empty() {
                pending.extend(self.next().await);
            }
        }
        self.runner.shutdown();
    }

    /// Each message through `update`, each command it returns to the runner; what the
    /// commands answer is for the next round.
    async fn dispatch(&mut self, msgs: Vec<Msg>) -> Vec<Msg> {
        let mut later = Vec::new();
        for msg in msgs {
            for cmd in update(&mut self.model, msg, chrono::Utc::now()) {
                let store_failing = self.model.store_failing;
                self.runner.run(cmd, store_failing, &mut self.screen, &mut later).await;
            }
        }
        later
    }

    /// The next thing that happens, as a message (`None`: an event the app ignores).
    async fn next(&mut self) -> Option<Msg> {
        let deadline = self.model.next_deadline();
        let sleep = async {
            match deadline {
                Some(at) => {
                    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await
                }
                None => std::future::pending().await,
            }
        };
        let gone = self.gone;
        tokio::select! {
            event = self.screen.events.next(), if !gone => match event {
                Some(Ok(event)) => translate(event),
                // The terminal is gone (SSH dropped): nothing more can be shown or typed.
                Some(Err(_)) | None => {
                    self.gone = true;
                    Some(Msg::Terminate)
                }
            },
            msg = self.rx.recv() => msg,
            _ = sleep => Some(Msg::Tick),
            // Through `update`, like `q`: what was typed in the last second is saved first.
            _ = self.signals.recv() => Some(Msg::Terminate),
        }
    }

    /// The frame, and the window title when it changed.
    fn render(&mut self) -> std::io::Result<()> {
        let title = crate::ui::window_title(&self.model);
        draw(self.screen.terminal, &self.model, &self.theme)?;
        if title != self.shown_title {
            crossterm::execute!(stdout(), crossterm::terminal::SetTitle(&title))?;
        }
        self.shown_title = title;
        Ok(())
    }
}

fn draw(terminal: &mut Tty, model: &Model, theme: &Theme) -> std::io::Result<()> {
    // Synchronized output, around what the frame writes (nothing, when nothing changed).
    terminal.backend_mut().begin_frame();
    terminal.draw(|frame| view(frame, model, theme))?;
    terminal.backend_mut().end_frame()
}

/// A terminal event as the app understands it; `None` for what it ignores (key releases,
/// focus, mouse moves, drags and other buttons).
fn translate(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => to_key(key).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        Event::Mouse(mouse) => to_mouse(mouse).map(Msg::Mouse),
        _ => None,
    }
}

fn to_mouse(mouse: crossterm::event::MouseEvent) -> Option<Mouse> {
    use crossterm::event::{MouseButton, MouseEventKind};
    let kind = match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::WheelUp,
        MouseEventKind::ScrollDown => MouseKind::WheelDown,
        _ => return None,
    };
    Some(Mouse {
        kind,
        column: mouse.column,
        row: mouse.row,
    })
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
