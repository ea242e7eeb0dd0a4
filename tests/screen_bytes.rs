//! What reaches the terminal over a slow link: every frame the wire writes (`tui::Wire`:
//! scrolled rows, styles by difference, the cursor moved only when needed) leaves the screen
//! exactly as ratatui drew it, replayed through a terminal emulator (vt100) and compared cell
//! by cell with a full redraw; and the real binary on a PTY writes few bytes per list step and
//! per character typed.

mod common;

use chrono::TimeDelta;
use common::fixtures::{self, now};
use common::term::{Term, config, runtime};
use handoff::app::key::{Key, KeyCode};
use handoff::app::screen::{Scroll, Selection};
use handoff::app::{Model, Msg, update};
use handoff::domain::{Conversation, Holder, PlatformKind, Status};
use handoff::tui::Wire;
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;
use ratatui::style::{Color, Modifier};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the wire wrote, shared with the test.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn conversations(n: usize) -> Vec<Conversation> {
    let names = [
        "Ann Lee",
        "李小龙",
        "Bruno Díaz",
        "Gus 👩‍💻 Okafor",
        "Maximilian Alexander von Humboldt",
    ];
    (0..n)
        .map(|i| {
            let status = match i % 5 {
                0 => Status::NeedsHuman,
                1 => Status::Human { by: Holder::Me },
                2 => Status::Human {
                    by: Holder::Other("Sam Lee".into()),
                },
                _ => Status::Ai,
            };
            let account = ["raia", "volt"][i % 2];
            Conversation {
                customer_name: format!("{} {i}", names[i % names.len()]),
                unread: Some((i % 3) as u32),
                preview: Some(
                    [
                        "Where is my order?",
                        "我的订单在哪里？已经等了三天了",
                        "The AI suggested a refund 👍 but",
                    ][i % 3]
                        .into(),
                ),
                channel: Some(["web", "whatsapp"][i % 2].into()),
                updated_at: now() - TimeDelta::seconds(i as i64 * 37),
                waiting_since: (i % 5 == 0).then(|| now() - TimeDelta::seconds(i as i64 * 11)),
                ..fixtures::conversation(account, &format!("c{i:05}"), status)
            }
        })
        .collect()
}

fn inbox(n: usize, width: u16, height: u16) -> Model {
    let accounts = vec![
        fixtures::account("raia", PlatformKind::Raia),
        fixtures::account("volt", PlatformKind::Chatvolt),
    ];
    let mut model = fixtures::model(accounts);
    update(&mut model, Msg::Resize { width, height }, now());
    let (raia, volt): (Vec<_>, Vec<_>) = conversations(n).into_iter().partition(|c| &*c.key.account == "raia");
    for (account, changed) in [("raia", raia), ("volt", volt)] {
        let synced = Msg::Synced {
            account: account.into(),
            changed,
            removed: vec![],
        };
        update(&mut model, synced, now());
    }
    model
}

fn keys(script: &str) -> Vec<Key> {
    script
        .chars()
        .map(|c| match c {
            '\r' => Key::new(KeyCode::Enter),
            '\x1b' => Key::new(KeyCode::Esc),
            '>' => Key::new(KeyCode::PageDown),
            '<' => Key::new(KeyCode::PageUp),
            c => Key::new(KeyCode::Char(c)),
        })
        .collect()
}

/// The vt100 colour a ratatui colour is shown in.
fn shown_color(c: Color) -> vt100::Color {
    let named = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        c => vt100::Color::Idx(named.iter().position(|n| *n == c).unwrap() as u8),
    }
}

/// Every cell of the emulated screen against ratatui's full frame: text, colours, attributes;
/// and the cursor.
fn assert_same(step: &str, screen: &vt100::Screen, full: &TestBackend) {
    let buffer = full.buffer();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let want = &buffer[(x, y)];
            let Some(got) = screen.cell(y, x) else { continue };
            if got.is_wide_continuation() {
                continue;
            }
            let text = if got.contents().is_empty() { " " } else { got.contents() };
            let m = want.modifier;
            let at = format!("after {step:?}, at ({x}, {y})");
            assert_eq!(text, want.symbol(), "{at}: text\n{}", screen.contents());
            assert_eq!(got.bgcolor(), shown_color(want.bg), "{at}: background");
            assert_eq!(got.inverse(), m.contains(Modifier::REVERSED), "{at}: reverse");
            assert_eq!(got.underline(), m.contains(Modifier::UNDERLINED), "{at}: underline");
            if text == " " {
                // A space's colour, weight and slant do not show: it may be erased instead.
                continue;
            }
            assert_eq!(got.fgcolor(), shown_color(want.fg), "{at}: foreground");
            if !m.contains(Modifier::BOLD | Modifier::DIM) {
                // vt100 keeps one intensity: bold and dim together read back as dim alone.
                assert_eq!(got.bold(), m.contains(Modifier::BOLD), "{at}: bold");
                assert_eq!(got.dim(), m.contains(Modifier::DIM), "{at}: dim");
            }
            assert_eq!(got.italic(), m.contains(Modifier::ITALIC), "{at}: italic");
        }
    }
}

fn replay(width: u16, height: u16, theme: &Theme, selection: Selection, script: &str) {
    let mut model = inbox(300, width, height);
    model.selection = selection;
    let written = Written::default();
    let mut wire = Terminal::new(Wire::fixed(written.clone(), Size { width, height })).unwrap();
    let mut full = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(height).unwrap(),
        std::num::NonZeroU16::new(width).unwrap(),
        0,
    );
    let mut steps = vec![("first frame".to_string(), None)];
    for part in script.split_inclusive('#') {
        let (keys_in, cleared) = part.strip_suffix('#').map_or((part, false), |k| (k, true));
        steps.extend(keys(keys_in).into_iter().map(|k| (format!("{k:?}"), Some(k))));
        if cleared {
            steps.push(("the screen cleared".to_string(), None));
        }
    }
    for (name, key) in steps {
        match key {
            Some(key) => drop(update(&mut model, Msg::Key(key), now())),
            // As after a resize: the wire's pen and scroll region given back, all drawn again.
            None if name == "the screen cleared" => {
                wire.resize(ratatui::layout::Rect::new(0, 0, width, height)).unwrap()
            }
            None => {}
        }
        wire.draw(|f| view(f, &model, theme)).unwrap();
        // The reference: a fresh terminal each time, so the frame is drawn whole.
        full.clear().unwrap();
        full.draw(|f| view(f, &model, theme)).unwrap();
        parser.process(&std::mem::take(&mut *written.0.lock().unwrap()));
        assert_same(&name, parser.screen(), full.backend());
        let (screen, reference) = (parser.screen(), full.backend());
        assert_eq!(
            !screen.hide_cursor(),
            reference.cursor_visible(),
            "after {name}: the cursor shown"
        );
        if reference.cursor_visible() {
            let at = reference.cursor_position();
            assert_eq!(screen.cursor_position(), (at.y, at.x), "after {name}: the cursor");
        }
    }
}

/// Down past the page (scrolling), back up past its top, a page at a time, a conversation
/// opened and a reply typed, then back to the list; the screen cleared (`#`) while a region
/// and a pen are kept, and scrolled again.
const SCRIPT: &str = "3jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk>>><jjjjkk\rjjkkiHé 李 👋 ok\x1b\x1bjjjjk\
     #kjjjjjjjjjjjjjjjjjjjjjjjj";

#[test]
fn every_frame_written_is_the_frame_ratatui_drew() {
    for (width, height) in [(120, 40), (80, 24), (200, 60)] {
        for theme in [Theme::new(false), Theme::new(true)] {
            for selection in [Selection::Mark, Selection::Row] {
                replay(width, height, &theme, selection, SCRIPT);
            }
        }
    }
}

/// The bytes of the first frame the program finished after `offset`.
fn frame_bytes(t: &Term, offset: usize) -> Option<usize> {
    let bytes = t.bytes.lock().unwrap();
    let end = b"\x1b[?2026l";
    bytes[offset..]
        .windows(end.len())
        .position(|w| w == end)
        .map(|i| i + end.len())
}

/// Types `keys` and counts the bytes of the frame drawn in answer.
fn step(t: &mut Term, keys: &str) -> usize {
    let before = t.written();
    t.type_now(keys);
    let start = Instant::now();
    loop {
        if let Some(n) = frame_bytes(t, before) {
            return n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no frame after {keys:?}:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn median(mut v: Vec<usize>) -> usize {
    v.sort_unstable();
    v[v.len() / 2]
}

/// What a list step and a typed character cost on the real binary at 120×40: the bytes of 50
/// × `j` from the top of the All view (within a page, then scrolling), and of each character of
/// a reply typed in the compose box.
struct Costs {
    within: Vec<usize>,
    scrolling: Vec<usize>,
    typed: Vec<usize>,
    /// Scroll regions set during the steps.
    regions: usize,
}

fn costs(start: impl FnOnce(&str) -> Term) -> Costs {
    let rt = runtime();
    // About a hundred open conversations: enough to scroll.
    let h = rt.block_on(common::quiet(4_000));
    let mut t = start(&config(&h, ""));
    t.wait_for("volt ✓", Duration::from_secs(60));
    // The first sync settled: no frame for a while.
    let mut seen = t.written();
    let mut quiet = Instant::now();
    while quiet.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(50));
        if t.written() != seen {
            (seen, quiet) = (t.written(), Instant::now());
        }
    }
    step(&mut t, "3");
    let before = t.written();
    // 50 × `j` from the top, as the benchmark counts them: past the page's foot (17 or 18 rows)
    // every step scrolls the list, so the median is a scrolling step.
    let mut steps: Vec<usize> = (0..50).map(|_| step(&mut t, "j")).collect();
    let regions = regions_set(&t.bytes.lock().unwrap()[before..]);
    let scrolling = steps.split_off(16);
    step(&mut t, "\r");
    step(&mut t, "i");
    let typed = "Thanks, on it".chars().map(|c| step(&mut t, &c.to_string())).collect();
    Costs {
        within: steps,
        scrolling,
        typed,
        regions,
    }
}

/// How many times `bytes` set a scroll region (DECSTBM: `ESC [ top ; bottom r`).
fn regions_set(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == 0x1b)
        .filter_map(|s| s.strip_prefix(b"["))
        .filter(|s| {
            let params = s.iter().take_while(|b| b.is_ascii_digit() || **b == b';').count();
            s[..params].contains(&b';') && s.get(params) == Some(&b'r')
        })
        .count()
}

impl Costs {
    fn assert_few(&self) {
        let Costs { within, scrolling, .. } = self;
        let steps = [&within[..], scrolling].concat();
        assert!(
            median(steps) <= 150,
            "bytes per list step: within a page {within:?}, scrolling {scrolling:?}"
        );
        // The list's rows moved by the terminal, in a region set once and kept (a repaint of
        // the list is about 1,000 B).
        assert!(
            (1..=2).contains(&self.regions) && scrolling.iter().all(|&n| n < 300),
            "scrolling uses the terminal's scroll region: {} set; {scrolling:?}",
            self.regions
        );
        let typed = &self.typed;
        assert!(median(typed.clone()) <= 40, "bytes per typed character: {typed:?}");
    }
}

#[test]
fn a_list_step_and_a_typed_character_write_few_bytes() {
    // Before the wire: 355 B within a page and 1,000 B scrolling; before the selection's mark
    // (the whole row reversed) and the empty pane's hint out of the list's rows: 300 B.
    costs(|config| Term::start(config, 120, 40)).assert_few();
}

#[test]
fn in_colour_too_a_list_step_and_a_typed_character_write_few_bytes() {
    // Before the theme's colours were written by difference too: 173 B.
    costs(|config| Term::start_with_colour(config, 120, 40)).assert_few();
}

#[test]
fn scrolling_by_page_turns_the_list_a_page_at_a_time() {
    for scroll in [Scroll::Line, Scroll::Page] {
        let mut model = inbox(300, 120, 40);
        model.scroll = scroll;
        // 17 rows: the alert line takes a line.
        let page = model.list_capacity();
        assert_eq!(model.list_top, 0);
        while model.cursor < page {
            update(&mut model, Msg::Key(Key::new(KeyCode::Char('j'))), now());
        }
        let (past, back) = if scroll == Scroll::Page { (page, 0) } else { (1, 1) };
        assert_eq!(
            (model.cursor, model.list_top),
            (page, past),
            "{scroll:?}: one row past the page"
        );
        update(&mut model, Msg::Key(Key::new(KeyCode::Char('k'))), now());
        assert_eq!(model.list_top, back, "{scroll:?}: back above it");
    }
}

/// The screen `model` draws, whole.
fn drawn(model: &Model, theme: &Theme) -> ratatui::buffer::Buffer {
    let (width, height) = (model.width, model.height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view(f, model, theme)).unwrap();
    terminal.backend().buffer().clone()
}

/// The list's rows: between its pane's borders, two lines each.
fn list_lines(model: &Model) -> std::ops::Range<u16> {
    2..2 + 2 * model.list_capacity() as u16
}

#[test]
fn the_selection_is_a_bar_beside_its_row_or_the_row_reversed() {
    for theme in [Theme::new(false), Theme::new(true)] {
        let mut model = inbox(300, 120, 40);
        for key in keys("3gjjj") {
            update(&mut model, Msg::Key(key), now());
        }
        assert_eq!((model.cursor, model.list_top), (3, 0));
        let selected = 2 + 2 * 3;
        let screen = drawn(&model, &theme);
        for y in list_lines(&model) {
            let mark = screen[(1, y)].symbol();
            let want = if (selected..selected + 2).contains(&y) {
                "▌"
            } else {
                " "
            };
            assert_eq!(
                mark, want,
                "the bar on both lines of the selected row only, at line {y}"
            );
            for x in 1..48 {
                let reversed = screen[(x, y)].modifier.contains(Modifier::REVERSED);
                assert!(!reversed, "nothing reversed in the list with the mark, at ({x}, {y})");
            }
        }
        // The row's own marks keep their columns after the bar: the alert's `!`, the status.
        let row: String = (1..12).map(|x| screen[(x, selected)].symbol()).collect();
        assert_eq!(row, "▌! NEED Ann");

        model.selection = Selection::Row;
        let screen = drawn(&model, &theme);
        for y in list_lines(&model) {
            // (A wide character's second cell is drawn with its first.)
            let covered = |x: u16| unicode_width::UnicodeWidthStr::width(screen[(x - 1, y)].symbol()) > 1;
            let reversed = (1..47)
                .filter(|&x| !covered(x))
                .all(|x| screen[(x, y)].modifier.contains(Modifier::REVERSED));
            let want = (selected..selected + 2).contains(&y);
            assert_eq!(reversed, want, "`row`: the selected row reversed whole, at line {y}");
            assert_ne!(screen[(1, y)].symbol(), "▌", "`row`: no bar");
        }
    }
}

#[test]
fn nothing_is_drawn_beside_the_list_in_its_rows_while_nothing_is_open() {
    for (width, height) in [(120, 40), (100, 30), (200, 60)] {
        let model = inbox(300, width, height);
        let screen = drawn(&model, &Theme::new(false));
        let list = handoff::app::screen::list_width(width);
        for y in list_lines(&model) {
            let beside: String = (list..width).map(|x| screen[(x, y)].symbol()).collect();
            assert!(beside.trim().is_empty(), "{width}×{height}, line {y}: {beside:?}");
        }
        // The hint is still there, in the pane's bottom border.
        let bottom = height - 2 - u16::from(model.alert_line());
        let border: String = (list..width).map(|x| screen[(x, bottom)].symbol()).collect();
        assert!(
            border.contains("Enter opens the selected"),
            "{width}×{height}: {border:?}"
        );
    }
}
