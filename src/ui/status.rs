//! The title bar (views with counts, the filter, the demo banner) and the status bar (mode, key
//! hints or the current notice, each account's connection). Both shorten themselves to fit.

use super::Theme;
use super::layout::{self, gap, spans_width, styled};
use crate::app::Connection;
use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Model, Overlay, View};
use crate::domain::{Holder, Status};
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Longest first; the shortest always keeps the word DEMO.
const DEMO_BANNERS: [&str; 4] = [
    "DEMO — sandbox data · connect real accounts: see README",
    "DEMO — sandbox data · see README",
    "DEMO · see README",
    "DEMO",
];

pub fn title_bar(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let width = usize::from(area.width);
    let brand = vec![styled("handoff", theme.title), gap(1)];
    let filter = if model.filter.is_empty() {
        Vec::new()
    } else {
        vec![gap(1), styled(format!("filter: \"{}\"", model.filter), theme.warn)]
    };
    let offline = offline_banners(model, theme);
    let banners: Vec<Option<&str>> = if model.demo {
        DEMO_BANNERS.iter().copied().map(Some).collect()
    } else if !offline.is_empty() {
        offline.iter().map(|b| Some(b.as_str())).collect()
    } else {
        vec![None]
    };
    // The first arrangement that fits: full tabs before a full banner, the brand goes last.
    let mut chosen = None;
    'search: for with_brand in [true, false] {
        for compact in [false, true] {
            for banner in &banners {
                let mut left = if with_brand { brand.clone() } else { Vec::new() };
                left.extend(tabs(model, theme, compact));
                left.extend(filter.iter().cloned());
                let right = banner.map(|b| styled(format!(" {b} "), theme.demo));
                let right_width = right.as_ref().map_or(0, |r| text::width(&r.content) + 1);
                if spans_width(&left) + right_width <= width {
                    chosen = Some((left, right));
                    break 'search;
                }
            }
        }
    }
    let (left, right) = chosen.unwrap_or_else(|| {
        // Nothing fits whole: the shortest banner first (DEMO, OFFLINE must show), then
        // whatever fits of the tabs.
        let right = banners
            .last()
            .copied()
            .flatten()
            .map(|b| styled(format!(" {b} "), theme.demo));
        let room = width.saturating_sub(right.as_ref().map_or(0, |r| text::width(&r.content) + 1));
        let mut left = tabs(model, theme, true);
        left.extend(filter.iter().cloned());
        (layout::fit_line(left, room).spans, right)
    });
    frame.render_widget(Paragraph::new(Line::from(left)), area);
    if let Some(right) = right {
        let w = u16::try_from(text::width(&right.content))
            .unwrap_or(u16::MAX)
            .min(area.width);
        let rect = Rect {
            x: area.right().saturating_sub(w),
            width: w,
            ..area
        };
        frame.render_widget(Paragraph::new(Line::from(right)), rect);
    }
}

/// While what is on screen comes from the cache: that it is a copy, and, when no account has
/// answered and none is still trying for the first time, that the inbox is offline and
/// read-only. Longest first, like the demo banner.
fn offline_banners(model: &Model, theme: &Theme) -> Vec<String> {
    let cached: Vec<_> = model
        .accounts
        .iter()
        .filter(|a| !a.synced)
        .filter_map(|a| a.cached_at)
        .collect();
    let Some(oldest) = cached.iter().min() else {
        return Vec::new();
    };
    let at = oldest.with_timezone(&theme.offset).format("%H:%M");
    let offline = model.accounts.iter().all(|a| !a.synced && !a.connection.is_pending());
    if offline {
        vec![
            format!("OFFLINE — cached copy from {at}, read-only"),
            format!("OFFLINE — cached {at}"),
            "OFFLINE".into(),
        ]
    } else {
        vec![
            format!("cached copy from {at} — syncing…"),
            format!("cached {at}"),
            "cached".into(),
        ]
    }
}

/// The four views with their key and count; the active one emphasised. `compact` keeps the
/// names of the active view only.
fn tabs(model: &Model, theme: &Theme, compact: bool) -> Vec<Span<'static>> {
    View::ALL
        .into_iter()
        .map(|view| {
            let action = match view {
                View::NeedsYou => Action::ViewNeedsYou,
                View::Mine => Action::ViewMine,
                View::All => Action::ViewAll,
                View::Resolved => Action::ViewResolved,
            };
            let key = model.keymap.hint(Context::List, action);
            let count = model.counts.get(&view).copied().unwrap_or(0);
            // While the rest of the cache is read, the counts are of what is in so far.
            let count = format!("{count}{}", if model.cache_reading { "+" } else { "" });
            let active = view == model.view;
            let label = if compact && !active {
                format!(" {key} ({count}) ")
            } else {
                format!(" {key} {} ({count}) ", view.title())
            };
            styled(label, if active { theme.tab_active } else { theme.tab })
        })
        .collect()
}

pub fn status_bar(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let width = usize::from(area.width);
    if let Some(input) = &model.filter_input {
        filter_line(frame, area, model, theme, input);
        return;
    }
    let mut left = vec![styled(format!(" {} ", mode(model)), theme.mode), gap(1)];
    match &model.notice {
        Some(n) => left.push(styled(n.text.clone(), if n.error { theme.error } else { theme.notice })),
        None => {
            for (i, (key, word)) in hints(model).into_iter().enumerate() {
                if i > 0 {
                    left.push(gap(2));
                }
                left.push(styled(key, theme.key));
                left.push(Span::raw(format!(" {word}")));
            }
        }
    }
    let left_width = spans_width(&left);
    // The accounts keep at most half the bar when the left needs the room, and give way to an
    // error entirely while it shows (it is gone in seconds; the accounts come back) — all but
    // the count of failing ones, which is never hidden.
    let urgent = model.notice.as_ref().is_some_and(|n| n.error);
    let left_claim = if urgent { left_width } else { left_width.min(width / 2) };
    let right = accounts_that_fit(model, theme, left_width, width.saturating_sub(left_claim + 2), width);
    let right_width = spans_width(&right);
    let left = match &model.notice {
        _ if left_width + 2 + right_width <= width => left,
        Some(n) => cut_notice(model, theme, n, width.saturating_sub(right_width + 2)),
        None => drop_to_fit(left, width.saturating_sub(right_width + 2)),
    };
    frame.render_widget(Paragraph::new(Line::from(left)), area);
    let w = u16::try_from(right_width).unwrap_or(u16::MAX).min(area.width);
    let rect = Rect {
        x: area.right().saturating_sub(w),
        width: w,
        ..area
    };
    frame.render_widget(Paragraph::new(Line::from(right)), rect);
}

/// Cuts the left side to `max` cells: whole hints are dropped from the end before anything is
/// cut mid-word (a notice is cut with `…`).
fn drop_to_fit(mut spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    // Hints come as [mode, gap, key, word, (gap, key, word)…]: drop groups of three.
    while spans.len() > 5 && spans_width(&spans) > max {
        spans.truncate(spans.len() - 3);
    }
    layout::fit_line(spans, max).spans
}

/// A notice too long for the bar: cut, and said where to read it whole (`…  L`).
fn cut_notice(model: &Model, theme: &Theme, n: &crate::app::model::Notice, max: usize) -> Vec<Span<'static>> {
    let mode = format!(" {} ", mode(model));
    let log = model.keymap.hint(Context::Global, Action::MessageLog);
    let room = max.saturating_sub(text::width(&mode) + 1 + 2 + text::width(&log));
    let style = if n.error { theme.error } else { theme.notice };
    let cut = text::truncate(&n.text, room);
    let spans = vec![
        styled(mode, theme.mode),
        gap(1),
        styled(cut, style),
        gap(2),
        styled(log, theme.key),
    ];
    layout::fit_line(spans, max).spans
}

fn mode(model: &Model) -> &'static str {
    match (&model.overlay, model.focus) {
        (Some(Overlay::Help { .. }), _) => "HELP",
        (Some(Overlay::Confirm(_)), _) => "CONFIRM",
        (Some(Overlay::Accounts { .. }), _) => "ACCOUNTS",
        (Some(Overlay::Mute), _) => "MUTE",
        (Some(Overlay::Assign { .. }), _) => "ASSIGN",
        (Some(Overlay::Priority { .. }), _) => "PRIORITY",
        (Some(Overlay::Snippets(_)), _) => "SNIPPETS",
        (Some(Overlay::Search(_)), _) => "SEARCH",
        (Some(Overlay::Log { .. }), _) => "MESSAGES",
        (None, Focus::List) => "LIST",
        (None, Focus::Thread) => "THREAD",
        (None, Focus::Compose) if writing_note(model) => "NOTE",
        (None, Focus::Compose) => "REPLY",
    }
}

/// The few keys worth knowing right now, from the live keymap (unbound ones are left out).
fn hints(model: &Model) -> Vec<(String, &'static str)> {
    let (context, wanted): (Context, Vec<(Action, &'static str)>) = match (&model.overlay, model.focus) {
        (Some(Overlay::Help { .. }), _) => (Context::Help, vec![(Action::Back, "close help")]),
        (Some(Overlay::Accounts { .. } | Overlay::Mute | Overlay::Log { .. }), _) => {
            (Context::Help, vec![(Action::Back, "close")])
        }
        (Some(Overlay::Assign { .. } | Overlay::Priority { .. }), _) => (Context::Help, vec![(Action::Back, "cancel")]),
        (Some(Overlay::Search(_)), _) => (Context::Filter, vec![(Action::Open, "open"), (Action::Back, "leave")]),
        (Some(Overlay::Confirm(_)), _) => (Context::Confirm, vec![(Action::Yes, "yes"), (Action::No, "no")]),
        (Some(Overlay::Snippets(_)), _) => (Context::Filter, vec![(Action::Open, "insert"), (Action::Back, "close")]),
        (None, Focus::List) => {
            let mut w = vec![(Action::Help, "help")];
            if model.selected.is_some() {
                w.push((Action::Open, "open"));
            }
            w.extend(holding_hint(model));
            w.extend([(Action::NextNeedingHuman, "next waiting"), (Action::Filter, "filter")]);
            (Context::List, w)
        }
        (None, Focus::Thread) => {
            let mut w = vec![(Action::Help, "help")];
            let target = model.target();
            if target.as_ref().is_some_and(|k| model.can_send(k).is_ok()) {
                w.push((Action::Compose, "reply"));
            }
            w.extend(holding_hint(model));
            if model
                .open
                .as_ref()
                .and_then(|k| model.threads.get(k))
                .is_some_and(|t| t.scroll > 0)
            {
                w.push((Action::JumpLatest, "latest"));
            }
            w.push((Action::Back, "back"));
            (Context::Thread, w)
        }
        (None, Focus::Compose) => (
            Context::Compose,
            vec![
                (Action::Help, "help"),
                (Action::Send, if writing_note(model) { "save note" } else { "send" }),
                (Action::NewLine, "newline"),
                (Action::LeaveCompose, "leave"),
            ],
        ),
    };
    wanted
        .into_iter()
        .filter_map(|(action, word)| model.keymap.keys(context, action).first().map(|k| (k.label(), word)))
        .collect()
}

/// Point 3: the open conversation's box writes a note.
fn writing_note(model: &Model) -> bool {
    model
        .open
        .as_ref()
        .is_some_and(|k| crate::app::notes::writing_note(model, k))
}

/// Take over or hand back, whichever applies to the conversation the keys act on.
fn holding_hint(model: &Model) -> Option<(Action, &'static str)> {
    let c = model.target().and_then(|k| model.conversations.get(&k))?;
    match &c.status {
        Status::Human { by: Holder::Me } => Some((Action::HandBack, "hand back")),
        Status::Resolved => None,
        _ => Some((Action::TakeOver, "take over")),
    }
}

/// The accounts side of the bar in `room` cells: each account by name (in words when the left
/// leaves room for that, else in symbols) while they all fit, else a summary of the counts.
/// With accounts failing, their count shows even when there is no room (the left gives way).
fn accounts_that_fit(model: &Model, theme: &Theme, left_width: usize, room: usize, width: usize) -> Vec<Span<'static>> {
    let full = accounts(model, theme, false);
    if left_width + 2 + spans_width(&full) <= width {
        return full;
    }
    let mut forms = vec![accounts(model, theme, true)];
    forms.extend(summaries(model, theme));
    // However short the bar, muted alerts and a missing identity stay said.
    if let Some(left) = muted_for(model) {
        for form in &mut forms {
            form.insert(0, gap(2));
            form.insert(0, styled(format!("muted {left}m"), theme.warn));
        }
    }
    if model.anonymous {
        for form in &mut forms {
            form.insert(0, gap(2));
            form.insert(0, styled("⚠ no [operator]", theme.warn));
        }
    }
    let failing = model.accounts.iter().filter(|a| failing(&a.connection)).count();
    match forms.iter().position(|f| spans_width(f) <= room) {
        Some(i) => forms.swap_remove(i),
        None if failing > 0 => {
            let shortest = forms.pop().unwrap_or_default();
            layout::fit_line(shortest, width).spans
        }
        None => layout::fit_line(forms.swap_remove(0), room).spans,
    }
}

/// Whether an account needs the operator's attention: anything but answering or not having
/// answered yet (a rejected key, retrying, a key that could not be read…).
pub(super) fn failing(connection: &Connection) -> bool {
    !(*connection == Connection::Ok || connection.is_pending())
}

/// The accounts counted rather than named (`✓ 197  ✗ 3 failing — L for details`), longest
/// first; the last one is the failing count alone, when there is one.
fn summaries(model: &Model, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let count = |f: fn(&Connection) -> bool| model.accounts.iter().filter(|a| f(&a.connection)).count();
    let ok = count(|c| *c == Connection::Ok);
    let connecting = count(Connection::is_pending);
    let failing = count(failing);
    let details = model.keymap.hint(Context::Global, Action::Accounts);
    let failing_words = [
        format!("✗ {failing} failing — {details} for details"),
        format!("✗ {failing} failing — {details}"),
        format!("✗ {failing}"),
    ];
    let mut forms: Vec<Vec<Span<'static>>> = failing_words
        .iter()
        .enumerate()
        .map(|(i, words)| {
            let mut parts = Vec::new();
            if ok > 0 {
                parts.push(styled(format!("✓ {ok}"), theme.ok));
            }
            if failing > 0 {
                parts.push(styled(words.clone(), theme.error));
            }
            if connecting > 0 {
                let words = if i == 0 { " connecting" } else { "" };
                parts.push(styled(format!("… {connecting}{words}"), theme.dim));
            }
            with_gaps(parts)
        })
        .collect();
    if failing > 0 {
        forms.push(with_gaps(vec![styled(failing_words[2].clone(), theme.error)]));
    }
    forms.dedup();
    forms
}

/// Parts two cells apart, and one cell before the edge (as the named accounts end).
fn with_gaps(parts: Vec<Span<'static>>) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(gap(2));
        }
        spans.push(part);
    }
    if !spans.is_empty() {
        spans.push(gap(1));
    }
    spans
}

/// Each account's connection in symbols and words (`raia ✓  volt ⟳ 12s  dash ✗ key rejected`).
/// `short` drops the words but keeps the symbols.
fn accounts(model: &Model, theme: &Theme, short: bool) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if let Some(left) = muted_for(model).filter(|_| !short) {
        spans.push(styled(format!("alerts muted for {left} min"), theme.warn));
        spans.push(gap(2));
    }
    // Who "you" are is what the platforms record on a takeover: without it, say so.
    if model.anonymous && !short {
        spans.push(styled(
            "⚠ no [operator] email set: nobody can tell who holds what",
            theme.warn,
        ));
        spans.push(gap(2));
    }
    for (i, a) in model.accounts.iter().enumerate() {
        if i > 0 {
            spans.push(gap(2));
        }
        spans.push(Span::raw(format!("{} ", a.name)));
        let (words, style) = connection_words(a, model, theme, short);
        spans.push(styled(words, style));
    }
    if !spans.is_empty() {
        spans.push(gap(1));
    }
    spans
}

/// While alerts are muted, the minutes left (rounded up).
fn muted_for(model: &Model) -> Option<i64> {
    let until = model.alerts.muted_until.filter(|u| *u > model.now)?;
    Some(((until - model.now).num_seconds() + 59) / 60)
}

/// An account's connection in a symbol and (unless `short`) words, and how it is styled.
pub(super) fn connection_words(
    a: &crate::app::model::Account,
    model: &Model,
    theme: &Theme,
    short: bool,
) -> (String, Style) {
    match &a.connection {
        // Not answered yet, but its cached copy is on screen: say how old it is.
        Connection::Connecting if a.cached_at.is_some() && !short => match a.cached_at {
            Some(at) => (
                format!("… cached {}", at.with_timezone(&theme.offset).format("%H:%M")),
                theme.warn,
            ),
            None => ("…".into(), theme.dim),
        },
        Connection::Connecting => ("…".into(), theme.dim),
        // Answering, but its request budget sets the pace (many ChatDash agents): say how.
        Connection::Ok if a.paced.is_some() && short => ("✓ ⧗".into(), theme.warn),
        Connection::Ok => match &a.paced {
            Some(note) => (format!("✓ {note}"), theme.warn),
            None => ("✓".into(), theme.ok),
        },
        Connection::Retrying { at, .. } => {
            let secs = (*at - model.now).num_seconds().max(0);
            (format!("⟳ {secs}s"), theme.warn)
        }
        Connection::ReadingKey if short => ("…".into(), theme.dim),
        Connection::ReadingKey => ("… reading key".into(), theme.dim),
        Connection::NoKey(_) | Connection::BadKey(_) if short => ("✗".into(), theme.error),
        Connection::NoKey(why) => (format!("✗ {why}"), theme.error),
        Connection::BadKey(_) => ("✗ key rejected".into(), theme.error),
        // Answered, but something is off (a server that repeats its pages): L says what.
        Connection::Degraded(_) => ("⚠".into(), theme.warn),
    }
}

fn filter_line(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, input: &str) {
    let width = usize::from(area.width);
    let apply = model.keymap.hint(Context::Filter, Action::Open);
    let cancel = model.keymap.hint(Context::Filter, Action::Back);
    let right = vec![
        styled(apply, theme.key),
        Span::raw(" keep  "),
        styled(cancel, theme.key),
        Span::raw(" clear "),
    ];
    let right_width = spans_width(&right);
    let room = width.saturating_sub(right_width + 2);
    // Long input: show its end, where the typing happens.
    let shown = text::tail(input, room.saturating_sub(2));
    let left = vec![styled("/", theme.key), Span::raw(shown), styled("▏", theme.bold)];
    frame.render_widget(Paragraph::new(Line::from(left)), area);
    if right_width + 2 <= width {
        let w = u16::try_from(right_width).unwrap_or(u16::MAX);
        let rect = Rect {
            x: area.right().saturating_sub(w),
            width: w,
            ..area
        };
        frame.render_widget(Paragraph::new(Line::from(right)), rect);
    }
}
