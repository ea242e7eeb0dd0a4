//! Input: where the keys go (`context`, the `Place`), each key to its action, the actions
//! dispatched to their owners with the conversation they apply to, the overlays' keys and
//! confirmations, the filter line, paste, and quitting.

use super::key::{Key, KeyCode};
use super::keymap::{Action, Context, Place};
use super::model::{Confirm, Focus, Leaving, MUTE_CHOICES, Model, Overlay, View};
use super::msg::{Cmd, Net, Op};
use super::{alerts, details, drafts, inbox, log, notes, notice, outbox, reminder, search, snippets, thread};
use crate::domain::{ConversationKey, Holder, OnHangup, OnQuit, Status};
use std::collections::HashSet;

fn context(model: &Model) -> Place {
    match (&model.overlay, &model.filter_input, model.focus) {
        // The accounts overlay closes like the help; it scrolls with the list's keys. The mute
        // overlay too, and takes a digit.
        (Some(Overlay::Help { .. } | Overlay::Accounts { .. } | Overlay::Mute), _, _) => Place::Help,
        // Their keys are read before any keymap (`details::on_key`).
        (Some(Overlay::Assign { .. } | Overlay::Priority { .. }), _, _) => Place::Help,
        (Some(Overlay::Confirm(_)), _, _) => Place::Confirm,
        // The snippet picker has its own keys (`snippets::on_key`); it sits over the compose box.
        (Some(Overlay::Snippets(_)), _, _) => Place::Compose,
        // The search view and the log: a query typed, like the filter line; a log scrolled.
        (Some(Overlay::Search(_)), _, _) => Place::Filter,
        (Some(Overlay::Log { .. }), _, _) => Place::Help,
        (None, Some(_), _) => Place::Filter,
        (None, None, Focus::Compose) => Place::Compose,
        (None, None, Focus::Thread) => Place::Thread,
        (None, None, Focus::List) => Place::List,
    }
}

pub(super) fn on_key(model: &mut Model, key: Key) -> Vec<Cmd> {
    if let Some(cmds) = details::on_key(model, key) {
        return cmds;
    }
    if matches!(model.overlay, Some(Overlay::Snippets(_))) {
        return snippets::on_key(model, key);
    }
    let place = context(model);
    let action = model.keymap.action(place.into(), key);
    match place {
        Place::Help if matches!(model.overlay, Some(Overlay::Accounts { .. })) => on_accounts_key(model, key, action),
        Place::Help if model.overlay == Some(Overlay::Mute) => on_mute_key(model, key, action),
        Place::Help if matches!(model.overlay, Some(Overlay::Log { .. })) => log::on_key(model, key, action),
        Place::Filter if matches!(model.overlay, Some(Overlay::Search(_))) => search::on_key(model, key, action),
        Place::Help => {
            if matches!(action, Some(Action::Back | Action::Help)) {
                model.overlay = None;
            }
            if action == Some(Action::ForceQuit) {
                return quit(model, true);
            }
            super::help::scroll(model, key);
            vec![]
        }
        Place::Confirm => match action {
            Some(Action::Yes) => confirmed(model),
            Some(Action::No | Action::Back) => {
                model.overlay = None;
                vec![]
            }
            Some(Action::ForceQuit) => quit(model, true),
            Some(Action::Keep) if matches!(model.overlay, Some(Overlay::Confirm(Confirm::QuitHolding { .. }))) => {
                model.overlay = None;
                model.quit = true;
                vec![]
            }
            Some(Action::Review) if matches!(model.overlay, Some(Overlay::Confirm(Confirm::StillHolding { .. }))) => {
                model.overlay = None;
                reminder::review_held(model)
            }
            _ => vec![],
        },
        Place::Filter => on_filter_key(model, key, action),
        Place::Compose => match action {
            Some(Action::Send) => match model.open.clone() {
                Some(key) if notes::writing_note(model, &key) => notes::save(model, key),
                Some(key) => outbox::send(model, key, false),
                None => vec![],
            },
            Some(Action::ToggleNote) => notes::toggle(model),
            Some(Action::NewLine) => {
                if let Some(d) = drafts::open_draft(model) {
                    d.newline();
                    drafts::draft_changed(model);
                }
                vec![]
            }
            Some(Action::LeaveCompose | Action::Back) => {
                model.focus = Focus::Thread;
                vec![]
            }
            Some(Action::ForceQuit) => quit(model, true),
            Some(Action::FocusNext) => {
                model.focus = Focus::List;
                vec![]
            }
            Some(Action::Editor) => on_target(model, drafts::edit_in_editor),
            Some(Action::Snippets) => snippets::open(model),
            _ if key.code == KeyCode::Char('/') && !key.ctrl && !key.alt && snippets::slash(model) => vec![],
            _ => {
                if let Some(d) = drafts::open_draft(model) {
                    d.input(key);
                    drafts::draft_changed(model);
                }
                vec![]
            }
        },
        Place::List | Place::Thread => match action {
            Some(action) => act(model, action),
            None => vec![],
        },
    }
}

/// The accounts overlay: Esc (or `L` again) closes it, the list's movement keys scroll it.
fn on_accounts_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Back | Action::Help | Action::Accounts) => {
            model.overlay = None;
            return vec![];
        }
        Some(Action::ForceQuit) => return quit(model, true),
        _ => {}
    }
    let Some(Overlay::Accounts { top }) = &mut model.overlay else {
        return vec![];
    };
    let page = usize::from(model.height).saturating_sub(6).max(1);
    let last = model.accounts.len().saturating_sub(page);
    *top = scrolled(*top, model.keymap.action(Context::List, key), page, last);
    vec![]
}

/// Where an overlay that scrolls (the accounts, the help, the log) stands after one of the
/// list's movement keys: a line, a page, either end; never past its last page.
pub(super) fn scrolled(top: usize, moved: Option<Action>, page: usize, last: usize) -> usize {
    match moved {
        Some(Action::Down) => top + 1,
        Some(Action::Up) => top.saturating_sub(1),
        Some(Action::PageDown) => top + page,
        Some(Action::PageUp) => top.saturating_sub(page),
        Some(Action::First) => 0,
        Some(Action::Last) => last,
        _ => top,
    }
    .min(last)
}

/// The mute overlay: a digit picks how long (0 unmutes), Esc leaves it as it was.
fn on_mute_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    if action == Some(Action::ForceQuit) {
        return quit(model, true);
    }
    let minutes = match key.code {
        KeyCode::Char('0') => Some(0),
        KeyCode::Char(c @ '1'..='9') => MUTE_CHOICES.get(usize::from(c as u8 - b'1')).copied(),
        _ => None,
    };
    if let Some(minutes) = minutes {
        model.overlay = None;
        return alerts::mute(model, minutes);
    }
    if matches!(action, Some(Action::Back | Action::Help | Action::Mute)) {
        model.overlay = None;
    }
    vec![]
}

/// The filter line filters as it is typed: each change applies at once. Enter keeps the
/// filter and closes the line; Esc clears it; Ctrl+U empties the line.
fn on_filter_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Open) => {
            model.filter_input = None;
            model.select_index(0);
            return vec![];
        }
        Some(Action::Back) => {
            model.filter_input = None;
            model.filter.clear();
            model.refresh_rows();
            return vec![];
        }
        Some(Action::ForceQuit) => return quit(model, true),
        _ => {}
    }
    let input = model.filter_input.get_or_insert_with(String::new);
    let before = input.len();
    match key.code {
        KeyCode::Char('u') if key.ctrl => input.clear(),
        KeyCode::Char(c) if !key.ctrl && !key.alt => input.push(c),
        KeyCode::Backspace => {
            input.pop();
        }
        _ => {}
    }
    if input.len() != before {
        apply_filter(model);
    }
    vec![]
}

/// The line as typed becomes the list's filter, the top row selected.
fn apply_filter(model: &mut Model) {
    model.filter = model.filter_input.as_deref().unwrap_or_default().trim().to_string();
    model.refresh_rows();
    model.select_index(0);
}

pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    // Pasted text is remote-ish (anything can be on a clipboard): the same sanitiser.
    let clean = crate::domain::sanitize(text);
    if matches!(model.overlay, Some(Overlay::Search(_))) {
        return search::on_paste(model, &clean);
    }
    if matches!(model.overlay, Some(Overlay::Snippets(_))) {
        snippets::on_paste(model, &clean);
    } else if let Some(input) = &mut model.filter_input {
        input.push_str(&crate::domain::sanitize_line(&clean));
        apply_filter(model);
    } else if model.open.is_some() {
        // A paste outside the compose box lands in it (whole), never sends anything.
        model.focus = Focus::Compose;
        if let Some(d) = drafts::open_draft(model) {
            d.insert(&clean);
            drafts::draft_changed(model);
        }
    }
    vec![]
}

fn act(model: &mut Model, action: Action) -> Vec<Cmd> {
    let in_thread = model.focus == Focus::Thread;
    match action {
        Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::First | Action::Last if in_thread => {
            thread::scroll_thread(model, action);
            vec![]
        }
        Action::JumpLatest => {
            thread::jump_latest(model);
            vec![]
        }
        Action::Down => inbox::move_cursor(model, 1),
        Action::Up => inbox::move_cursor(model, -1),
        Action::PageDown => inbox::move_cursor(model, model.list_capacity().max(1) as isize),
        Action::PageUp => inbox::move_cursor(model, -(model.list_capacity().max(1) as isize)),
        Action::First => {
            model.select_index(0);
            vec![]
        }
        Action::Last => {
            model.select_index(model.rows.len().saturating_sub(1));
            vec![]
        }
        Action::Open => match model.selected.clone() {
            Some(key) => thread::open(model, key),
            None => vec![],
        },
        Action::Back => {
            if model.focus != Focus::List {
                thread::leave_thread(model);
                model.focus = Focus::List;
            } else if !model.filter.is_empty() {
                model.filter.clear();
                model.refresh_rows();
            }
            vec![]
        }
        Action::FocusNext => {
            model.focus = match (model.focus, model.open.is_some()) {
                (Focus::List, true) => Focus::Thread,
                (Focus::Thread, true) => Focus::Compose,
                _ => Focus::List,
            };
            vec![]
        }
        Action::Compose => {
            if model.open.is_none()
                && let Some(key) = model.selected.clone()
            {
                let mut cmds = thread::open(model, key);
                model.focus = Focus::Compose;
                cmds.extend(notes::reply_if_empty(model));
                return cmds;
            }
            if model.open.is_some() {
                model.focus = Focus::Compose;
            }
            notes::reply_if_empty(model)
        }
        Action::TakeOver => on_target(model, |m, key| inbox::take_over(m, key, false)),
        Action::HandBack => on_target(model, |m, key| inbox::guarded(m, key, Op::HandBack)),
        Action::Resolve => on_target(model, |m, key| inbox::guarded(m, key, Op::Resolve)),
        Action::Undo => inbox::undo(model),
        Action::NextNeedingHuman => inbox::next_needing_human(model),
        Action::ViewNeedsYou => inbox::switch_view(model, View::NeedsYou),
        Action::ViewMine => inbox::switch_view(model, View::Mine),
        Action::ViewAll => inbox::switch_view(model, View::All),
        Action::ViewResolved => inbox::switch_view(model, View::Resolved),
        Action::Filter => {
            // Starts empty each time: the old filter is not appended to.
            model.filter_input = Some(String::new());
            if !model.filter.is_empty() {
                model.filter.clear();
                model.refresh_rows();
            }
            vec![]
        }
        Action::Help => super::help::open(model),
        Action::Accounts => {
            model.overlay = Some(Overlay::Accounts { top: 0 });
            vec![]
        }
        Action::Acknowledge => alerts::acknowledge_all(model),
        Action::Mute => {
            model.overlay = Some(Overlay::Mute);
            vec![]
        }
        Action::Quit => quit(model, false),
        Action::ForceQuit => quit(model, true),
        Action::Editor => on_target(model, drafts::edit_in_editor),
        Action::Copy => thread::copy_message(model),
        Action::RestoreUnsent => on_target(model, outbox::restore_unsent),
        Action::Refresh => {
            // Past any backoff and a server's Retry-After (one request), and a rejected key is
            // tried again: the operator may have fixed it on the platform's side.
            notice(model, "asking every account now…".into(), false);
            let mut cmds = vec![Cmd::Net(Net::Refresh)];
            // The open conversation's notes too: they are read only as it opens otherwise.
            if let Some(key) = &model.open {
                cmds.push(notes::load(model, key));
            }
            cmds
        }
        // Point 2 and 5: the details panel; Chatvolt's assign and priority.
        Action::Details => details::toggle(model),
        Action::Assign => on_target(model, details::ask_assign),
        Action::Priority => on_target(model, details::ask_priority),
        Action::Snippets => snippets::open(model),
        Action::Note => on_target(model, notes::start),
        Action::Search => search::open_search(model),
        Action::MessageLog => log::open(model),
        Action::Send
        | Action::ToggleNote
        | Action::NewLine
        | Action::LeaveCompose
        | Action::Yes
        | Action::No
        | Action::Keep
        | Action::Review => vec![],
    }
}

fn confirmed(model: &mut Model) -> Vec<Cmd> {
    match model.overlay.take() {
        // Acts on the conversation that was asked about, whatever moved meanwhile.
        Some(Overlay::Confirm(Confirm::TakeFrom { key, .. } | Confirm::TakeAnonymous { key })) => {
            inbox::take_over(model, key, true)
        }
        Some(Overlay::Confirm(Confirm::SendOver { key, .. })) if model.open.as_ref() == Some(&key) => {
            outbox::send(model, key, true)
        }
        Some(Overlay::Confirm(Confirm::Guarded { key, op, .. })) => inbox::start(model, key, op),
        Some(Overlay::Confirm(Confirm::Quit)) => quit_holding(model),
        Some(Overlay::Confirm(Confirm::QuitHolding { .. })) => {
            let held = held(model);
            leave(model, held)
        }
        Some(Overlay::Confirm(Confirm::StillHolding { keys, .. })) => reminder::hand_back_all(model, keys),
        _ => vec![],
    }
}

/// Runs an action on the conversation it applies to (see `Model::target`); none, nothing.
fn on_target(model: &mut Model, action: impl FnOnce(&mut Model, ConversationKey) -> Vec<Cmd>) -> Vec<Cmd> {
    match model.target() {
        Some(key) => action(model, key),
        None => vec![],
    }
}

/// `q`: asks while messages are on their way, then about the conversations held (as
/// `[session] on_quit` says). Forced (`Ctrl+C`): now, keeping them.
pub(super) fn quit(model: &mut Model, force: bool) -> Vec<Cmd> {
    if !force && model.sends.in_flight() > 0 {
        model.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return vec![];
    }
    if force {
        model.quit = true;
        return vec![];
    }
    quit_holding(model)
}

/// Quitting with the conversations held in mind: their customers would wait for nobody.
fn quit_holding(model: &mut Model) -> Vec<Cmd> {
    let held = held(model);
    match model.on_quit {
        _ if held.is_empty() => {
            model.quit = true;
            vec![]
        }
        OnQuit::Ask => {
            model.overlay = Some(Overlay::Confirm(Confirm::QuitHolding { count: held.len() }));
            vec![]
        }
        OnQuit::HandBack => leave(model, held),
        OnQuit::Keep => {
            model.quit = true;
            vec![]
        }
    }
}

/// SIGHUP (the SSH session dropped) and SIGTERM: as `[session] on_hangup` says, every
/// conversation held is handed back to the AI before the program ends.
pub(super) fn hang_up(model: &mut Model) -> Vec<Cmd> {
    if model.leaving.is_some() {
        return vec![];
    }
    let held = held(model);
    if model.on_hangup == OnHangup::Keep || held.is_empty() {
        model.quit = true;
        return vec![];
    }
    leave(model, held)
}

/// How long quitting waits for the hand-backs (and a reply still on its way) before it ends
/// anyway: a dropped session must not keep the program for long.
const LEAVE_WITHIN: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

/// Hands back every conversation in `held`, then quits (see `Leaving`).
fn leave(model: &mut Model, held: Vec<ConversationKey>) -> Vec<Cmd> {
    let count = held.len();
    model.leaving = Some(Leaving {
        waiting: HashSet::new(),
        later: held,
        deadline: model.now + LEAVE_WITHIN,
    });
    notice(
        model,
        format!("handing {count} conversation(s) back to the AI, then quitting…"),
        false,
    );
    leave_progress(model)
}

/// Called after every message while leaving: the hand-backs go once no reply is on its way,
/// and the program ends when all are answered or the time is up.
pub(super) fn leave_progress(model: &mut Model) -> Vec<Cmd> {
    let Some(leaving) = model.leaving.as_mut() else {
        return vec![];
    };
    let mut cmds = Vec::new();
    if model.sends.in_flight() == 0 && !leaving.later.is_empty() {
        let later = std::mem::take(&mut leaving.later);
        for key in later {
            let asked = inbox::start(model, key.clone(), Op::HandBack);
            if !asked.is_empty()
                && let Some(leaving) = model.leaving.as_mut()
            {
                leaving.waiting.insert(key);
            }
            cmds.extend(asked);
        }
    }
    if let Some(leaving) = &model.leaving
        && ((leaving.later.is_empty() && leaving.waiting.is_empty()) || model.now >= leaving.deadline)
    {
        model.quit = true;
    }
    cmds
}

/// The conversations this operator holds.
fn held(model: &Model) -> Vec<ConversationKey> {
    let mut held: Vec<ConversationKey> = model
        .conversations
        .values()
        .filter(|c| c.status == Status::Human { by: Holder::Me })
        .map(|c| c.key.clone())
        .collect();
    held.sort();
    held
}
