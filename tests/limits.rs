//! Sizes and odd input, over real HTTP where a body is involved: 10 MB answers and the cap on
//! what is read, 50,000-message threads, 1 MB messages (and a 1 MB paste), text that is hard to
//! measure (zero-width, combining, Zalgo, wide, emoji sequences, right-to-left), and JSON that
//! is malformed, incomplete or of the wrong type. Each gives a correct screen or a clear
//! message: never a panic, never unbounded work or memory. Behaviour and counts only; costs are
//! measured in benches/inbox.rs, not timed here.
//!
//! What bounds memory:
//! - every response: `http::MAX_BODY` (32 MiB). A `Content-Length` over it is refused before a
//!   byte of the body is read; a chunked body is read until it passes the cap, then dropped, so
//!   at most the cap plus one chunk is held (a 1 TiB answer ends in `too_large`, not a timeout);
//! - threads: raia and ChatDash return a whole thread in one answer (so under the cap: ~95,000
//!   short raia messages), Chatvolt only the newest 100; nothing else holds messages;
//! - the screen: the thread view wraps only what fits (a slice of a huge message, grown until it
//!   fills the pane), the list keeps a 120-character preview per conversation;
//! - error details: 200 characters of an error body at most.
#![cfg(feature = "sandbox")]

mod common;

use chrono::{FixedOffset, TimeDelta};
use common::fixtures::now;
use common::inbox::{self, draw, feed, open, press, screen};
use common::run::{handoff, setup};
use common::*;
use handoff::app::Msg;
use handoff::app::key::KeyCode;
use handoff::app::model::{Focus, Model, Thread};
use handoff::domain::{Author, Conversation, ConversationKey, Message, PlatformKind, Status};
use handoff::platform::http::MAX_BODY;
use handoff::platform::{Platform, PlatformError};
use handoff::sandbox::SandboxHandle;
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

/// The path suffix of a conversation's messages, for arming a fault on it.
fn messages_path(kind: PlatformKind, id: &str) -> String {
    let id = id.rsplit(':').next().unwrap();
    match kind {
        PlatformKind::Raia => format!("/external/conversations/{id}/messages"),
        PlatformKind::Chatvolt => format!("/conversation/{id}/messages/100"),
        PlatformKind::Chatdash => format!("/conversations/{id}/messages"),
    }
}

/// Creates a conversation with these messages (author, text) and returns the adapter's key
/// for it (ChatDash's carries its agent).
async fn create_thread(h: &SandboxHandle, p: &dyn Platform, name: &str, messages: &[(&str, &str)]) -> ConversationKey {
    let messages: Vec<Value> = messages
        .iter()
        .map(|(author, text)| json!({"author": author, "text": text}))
        .collect();
    let id = create(h, p.kind().name(), name, "needs_human", Value::Array(messages)).await;
    let listing = p.list_conversations(None).await.unwrap();
    listing
        .conversations
        .into_iter()
        .map(|c| c.key)
        .find(|k| k.id == id || k.id.ends_with(&format!(":{id}")))
        .unwrap_or_else(|| panic!("{}: {id} is listed", p.kind()))
}

// ---------------------------------------------------------------------------------------------
// 10 MB answers and the cap

#[tokio::test(flavor = "multi_thread")]
async fn ten_megabyte_answers_parse_and_bigger_ones_are_refused_unread() {
    let h = quiet(6).await;
    let text = format!("BEGIN{}END", "0123456789".repeat(MIB));
    for p in adapters(&h) {
        let kind = p.kind();
        // A 10 MB message (raia sends its text twice: a 20 MB answer).
        let key = create_thread(&h, p.as_ref(), "Big Talker", &[("customer", &text)]).await;
        let messages = p.list_messages(&key.id).await.unwrap();
        assert_eq!(messages.len(), 1, "{kind}");
        assert!(messages[0].text == text, "{kind}: the 10 MB text arrives whole");

        // A 10 MiB listing, declared or chunked, parses to the same conversations.
        let mut plain: Vec<String> = p
            .list_conversations(None)
            .await
            .unwrap()
            .conversations
            .into_iter()
            .map(|c| c.key.id)
            .collect();
        plain.sort();
        for chunked in [false, true] {
            arm(
                &h,
                "GET",
                list_path(kind),
                json!({"pad_to": 10 * MIB, "chunked": chunked}),
            )
            .await;
            let mut padded: Vec<String> = p
                .list_conversations(None)
                .await
                .unwrap()
                .conversations
                .into_iter()
                .map(|c| c.key.id)
                .collect();
            padded.sort();
            assert_eq!(padded, plain, "{kind}: chunked {chunked}");
        }
        // Exactly the cap is read; one byte more is refused, whether the length is declared (then
        // nothing is read) or not (then reading stops at the cap). A 1 TiB chunked answer ends
        // the same way: the read stops (it would otherwise run into the 10 s timeout).
        arm(&h, "GET", list_path(kind), json!({"pad_to": MAX_BODY, "chunked": true})).await;
        assert_eq!(
            p.list_conversations(None).await.unwrap().conversations.len(),
            plain.len(),
            "{kind}"
        );
        for (size, chunked) in [
            (MAX_BODY as u64 + 1, false),
            (MAX_BODY as u64 + 1, true),
            (1 << 40, false),
            (1 << 40, true),
        ] {
            arm(&h, "GET", list_path(kind), json!({"pad_to": size, "chunked": chunked})).await;
            let err = p.list_conversations(None).await.unwrap_err();
            assert_eq!(
                err,
                PlatformError::TooLarge {
                    limit_mib: MAX_BODY / MIB
                },
                "{kind}: {size} chunked {chunked}"
            );
            assert_eq!(err.to_string(), "response too large (over 32 MiB)");
            assert!(!err.is_transient(), "asking again would get the same answer");
        }
        // And the account works right after.
        assert_eq!(
            p.list_conversations(None).await.unwrap().conversations.len(),
            plain.len(),
            "{kind}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 50,000-message threads

const FIFTY_K: usize = 50_000;

fn nth(i: usize) -> String {
    format!("message number {i}")
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_thousand_message_threads_fetch_ingest_and_render() {
    let h = quiet(3).await;
    let texts: Vec<String> = (0..FIFTY_K).map(nth).collect();
    let spec: Vec<(&str, &str)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (if i % 2 == 0 { "customer" } else { "ai" }, t.as_str()))
        .collect();
    let platforms = adapters(&h);
    let mut model = inbox::model(&platforms);
    for p in &platforms {
        let kind = p.kind();
        let key = create_thread(&h, p.as_ref(), "Long Story", &spec).await;
        let messages = p.list_messages(&key.id).await.unwrap();
        // Chatvolt answers only the newest 100 (its API has no paging); the others all of it.
        let first = if kind == PlatformKind::Chatvolt {
            FIFTY_K - 100
        } else {
            0
        };
        assert_eq!(messages.len(), FIFTY_K - first, "{kind}");
        assert_eq!(messages[0].text, nth(first), "{kind}");
        assert_eq!(messages.last().unwrap().text, nth(FIFTY_K - 1), "{kind}");
        assert!(
            messages.windows(2).all(|w| w[0].created_at <= w[1].created_at),
            "{kind}: oldest first"
        );
        assert!(
            messages.iter().zip(first..).all(|(m, i)| m.text == nth(i)),
            "{kind}: in order, none lost"
        );
        let ids: std::collections::HashSet<&str> = messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), messages.len(), "{kind}: distinct ids");

        // Into the inbox.
        let conversation = p.get_conversation(&key.id).await.unwrap();
        feed(
            &mut model,
            Msg::Synced {
                account: p.account().to_string(),
                changed: vec![conversation],
                removed: vec![],
            },
        );
        feed(
            &mut model,
            Msg::Thread {
                key: key.clone(),
                messages,
            },
        );
        assert_eq!(model.threads[&key].messages.len(), FIFTY_K - first);
        assert_eq!(
            model.conversations[&key].preview.as_deref(),
            Some(nth(FIFTY_K - 1).as_str())
        );
        open(&mut model, &key);
        for (width, height) in [(80, 24), (200, 60)] {
            // Following the latest: the newest at the bottom, nothing old.
            let out = thread_pane(&draw(&mut model, width, height));
            let last = out.lines().rfind(|l| l.contains("message number")).unwrap();
            assert!(last.contains(&nth(FIFTY_K - 1)), "{kind} {width}x{height}:\n{out}");
            assert!(!out.contains(&format!("{} ", nth(first))), "{kind} {width}x{height}");
            // Scrolled to the first: it is on screen, with the way back.
            press(&mut model, KeyCode::Char('g'));
            let out = thread_pane(&draw(&mut model, width, height));
            assert!(
                out.contains(&format!("{}\n", nth(first))) || out.contains(&format!("{} ", nth(first))),
                "{kind} {width}x{height}:\n{out}"
            );
            let hidden = FIFTY_K - first - 1;
            assert!(
                out.contains(&format!("↓ {hidden} newer")),
                "{kind} {width}x{height}:\n{out}"
            );
            assert!(!out.contains(&nth(FIFTY_K - 1)), "{kind} {width}x{height}");
            // And back to the latest.
            press(&mut model, KeyCode::Char('G'));
            assert_eq!(model.threads[&key].scroll, 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1 MB messages and a 1 MB paste

const MANY_LINES: usize = 40_000;

/// One line without a space; and many short lines.
fn megabyte_messages() -> [(&'static str, String); 2] {
    [
        ("one line", format!("BIGSTART{}BIGEND", "x".repeat(MIB))),
        ("many lines", {
            // 40,000 lines of 27 bytes.
            let lines: String = (0..MANY_LINES).map(|i| format!("line {i:>9} of the many\n")).collect();
            format!("BIGSTART\n{lines}BIGEND")
        }),
    ]
}

/// The screen without borders, spaces and line breaks: a word cut across rows reads whole.
fn squeezed(out: &str) -> String {
    out.chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '│' | '┃' | '─' | '━' | '┌' | '┐' | '└' | '┘' | '┏' | '┓' | '┗' | '┛')
        })
        .collect()
}

/// The right-most pane (the thread, with its compose box) as text: the columns inside its
/// borders, a line per row.
fn thread_pane(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let (w, h) = (buffer.area.width, buffer.area.height);
    let left = (0..w)
        .rev()
        .find(|&x| matches!(buffer[(x, 1)].symbol(), "┌" | "┏"))
        .unwrap_or(0);
    let mut out = String::new();
    for y in 0..h {
        for x in left + 1..w.saturating_sub(1) {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_megabyte_message_and_paste() {
    let h = quiet(3).await;
    let p = adapter(settings(&h, PlatformKind::Raia));
    let mut model = inbox::model(std::slice::from_ref(&p));
    for (what, big) in megabyte_messages() {
        let key = create_thread(
            &h,
            p.as_ref(),
            what,
            &[("ai", "earlier"), ("customer", &big), ("ai", "a later answer")],
        )
        .await;
        inbox::sync(&mut model, std::slice::from_ref(&p)).await;
        assert_eq!(model.threads[&key].messages[1].text, big, "{what}: ingested whole");

        open(&mut model, &key);
        for width in [60, 61, 79, 80, 99, 100, 101, 120, 150, 199, 200] {
            for height in [15, 24, 60] {
                let label = format!("{what} {width}x{height}");
                // Following the latest: the end of the big message, above the answer.
                press(&mut model, KeyCode::Char('G'));
                let pane = thread_pane(&draw(&mut model, width, height));
                assert!(squeezed(&pane).contains("BIGEND"), "{label}: its end:\n{pane}");
                assert!(pane.contains("a later answer"), "{label}:\n{pane}");
                if what == "many lines" {
                    assert!(
                        pane.contains(&format!("line {:>9}", MANY_LINES - 1)),
                        "{label}:\n{pane}"
                    );
                }
                // Scrolled to it: its start, from its first line.
                press(&mut model, KeyCode::Char('k'));
                let pane = thread_pane(&draw(&mut model, width, height));
                assert!(pane.contains("       BIGSTART"), "{label}: its start:\n{pane}");
                assert!(!squeezed(&pane).contains("BIGEND"), "{label}");
            }
        }
        press(&mut model, KeyCode::Char('G'));

        // A 1 MB paste lands whole in the compose box, which keeps its size and shows the end,
        // where the cursor is.
        let paste = big.replace("BIG", "PASTE");
        feed(&mut model, Msg::Paste(paste.clone()));
        assert_eq!(model.focus, Focus::Compose);
        assert_eq!(model.drafts[&key].text(), paste, "{what}");
        for (width, height) in [(60, 15), (80, 24), (200, 60)] {
            let terminal = draw(&mut model, width, height);
            let box_rows = screen(&terminal).lines().filter(|l| l.contains('┃')).count();
            assert!(
                (1..=4).contains(&box_rows),
                "{what} {width}x{height}: {box_rows} rows of draft"
            );
            assert!(
                squeezed(&thread_pane(&terminal)).contains("PASTEEND"),
                "{what} {width}x{height}:\n{}",
                screen(&terminal)
            );
        }
        model.drafts.remove(&key);
        press(&mut model, KeyCode::Esc);

        // Past 65,535 rows the editor (ratatui-textarea, whose scroll offsets are u16) shows the
        // draft's start rather than the cursor at its end: still whole, still no panic.
        let tall: String = (0..70_000).map(|i| format!("{i}\n")).collect();
        press(&mut model, KeyCode::Char('i'));
        feed(&mut model, Msg::Paste(tall.clone()));
        assert_eq!(model.drafts[&key].text(), tall);
        let box_rows = screen(&draw(&mut model, 80, 24))
            .lines()
            .filter(|l| l.contains('┃'))
            .count();
        assert!((1..=4).contains(&box_rows), "{box_rows} rows of draft");
        model.drafts.remove(&key);
        press(&mut model, KeyCode::Esc);

        // As the newest message, its preview in the list is one short line.
        let messages = model.threads[&key].messages[..2].to_vec();
        feed(
            &mut model,
            Msg::Thread {
                key: key.clone(),
                messages,
            },
        );
        let preview = model.conversations[&key].preview.clone().unwrap();
        assert!(
            preview.starts_with("BIGSTART") && preview.chars().count() <= 120,
            "{what}: {preview:?}"
        );
        assert!(!preview.contains('\n'), "{what}: {preview:?}");
        press(&mut model, KeyCode::Esc);
        let out = screen(&draw(&mut model, 80, 24));
        assert!(out.contains("BIGSTART"), "{what}: the preview in the list:\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Text that is hard to measure

/// Zero-width characters, combining marks, 50 marks on one letter, CJK, emoji sequences,
/// right-to-left scripts, Indic and Thai clusters: each message one kind.
fn unicode_messages() -> Vec<(&'static str, String)> {
    let zalgo: String = "Zalgo"
        .chars()
        .map(|c| format!("{c}{}", "\u{0301}\u{0316}".repeat(25)))
        .collect();
    vec![
        (
            "zero-width",
            "zero\u{200b}width\u{200c}non\u{200d}joiner\u{2060}word\u{feff}joiner, soft\u{ad}hyphen".to_string(),
        ),
        (
            "combining",
            "cafe\u{301} nai\u{308}ve Ångstro\u{308}m e\u{301}\u{302}\u{303}\u{304} q\u{307}\u{323}".to_string(),
        ),
        ("zalgo", format!("{zalgo} — fifty marks on each letter, {zalgo}")),
        (
            "cjk",
            "我的订单在哪里？已经等了三天了，请帮我查一下物流信息。日本語のテキストと한국어 텍스트".to_string(),
        ),
        (
            "emoji",
            "👨‍👩‍👧‍👦 family 👩🏽‍💻 coder 🏳️‍🌈 flag 🇯🇵🇧🇷 flags ❤️ heart 1️⃣ keycap 👍🏿👍🏻 tones 🧑‍🤝‍🧑 ✊🏾".to_string(),
        ),
        (
            "rtl",
            "مرحبا، أريد أن أعرف متى سيصل طلبي — שלום, ההזמנה שלי עדיין לא הגיעה 123".to_string(),
        ),
        (
            "indic and thai",
            "क्षत्रिय नमस्ते ষ্ট্র สวัสดีครับ ฉันต้องการความช่วยเหลือ".to_string(),
        ),
        ("fullwidth", "ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ ｶﾞｷﾞ halfwidth".to_string()),
    ]
}

fn unicode_model(width: u16, height: u16) -> (Model, ConversationKey) {
    let mut model = fixtures::model(vec![fixtures::account("raia", PlatformKind::Raia)]);
    model.width = width;
    model.height = height;
    let messages = unicode_messages();
    let key = ConversationKey::new("raia", "u1");
    for (i, (what, text)) in messages.iter().enumerate() {
        let name = format!("{} {what}", text.chars().take(12).collect::<String>());
        model.absorb(Conversation {
            customer_name: name,
            channel: Some(what.to_string()),
            preview: Some(text.clone()),
            updated_at: now() - TimeDelta::minutes(i as i64),
            waiting_since: Some(now() - TimeDelta::minutes(10 + i as i64)),
            ..fixtures::conversation("raia", &format!("u{i}"), Status::NeedsHuman)
        });
    }
    let thread: Vec<Message> = messages
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let author = if i % 2 == 0 { Author::Customer } else { Author::Ai };
            fixtures::message(&i.to_string(), author, text, now() - TimeDelta::minutes(30 - i as i64))
        })
        .collect();
    let len = thread.len();
    model.threads.insert(
        key.clone(),
        Thread {
            messages: thread,
            loaded: true,
            seen: len,
            ..Thread::default()
        },
    );
    model.refresh_rows();
    model.selected = Some(key.clone());
    model.refresh_rows();
    model.open = Some(key.clone());
    model.focus = Focus::Thread;
    (model, key)
}

fn render_fixed(model: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut theme = Theme::new(false);
    theme.offset = FixedOffset::east_opt(0).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view(f, model, &theme)).unwrap();
    terminal
}

/// Every row of the frame fills exactly its width (nothing runs past the right edge), a wide
/// character never has its second cell drawn over, and every pane keeps its borders.
fn assert_columns(label: &str, terminal: &Terminal<TestBackend>) {
    let buffer = terminal.backend().buffer();
    let (w, h) = (buffer.area.width, buffer.area.height);
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let symbol = buffer[(x, y)].symbol();
            let cells = unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            assert!(x + cells <= w, "{label}: row {y}: {symbol:?} at {x} runs past the edge");
            if cells == 2 {
                let covered = buffer[(x + 1, y)].symbol();
                assert!(
                    covered == " " || covered.is_empty(),
                    "{label}: row {y}: {symbol:?} at {x} covers {covered:?}"
                );
            }
            x += cells;
        }
    }
    // Borders: each pane's left and right edges are unbroken from its top corner to its bottom.
    let rows: Vec<Vec<&str>> = (0..h)
        .map(|y| (0..w).map(|x| buffer[(x, y)].symbol()).collect())
        .collect();
    for (top, row) in rows.iter().enumerate() {
        for (x, corner) in row.iter().enumerate() {
            if !matches!(*corner, "┌" | "┏") {
                continue;
            }
            let right = (x + 1..row.len())
                .find(|&r| matches!(row[r], "┐" | "┓"))
                .unwrap_or_else(|| panic!("{label}: a pane at ({x},{top}) has no right corner"));
            let bottom = (top + 1..rows.len())
                .find(|&b| matches!(rows[b][x], "└" | "┗"))
                .unwrap_or_else(|| panic!("{label}: a pane at ({x},{top}) has no bottom"));
            for row in &rows[top + 1..bottom] {
                assert!(
                    matches!(row[x], "│" | "┃"),
                    "{label}: left border broken in\n{}",
                    screen(terminal)
                );
                assert!(
                    matches!(row[right], "│" | "┃"),
                    "{label}: right border broken in\n{}",
                    screen(terminal)
                );
            }
        }
    }
}

#[test]
fn hard_to_measure_text_stays_in_its_columns() {
    // Tall enough for every message.
    let (mut model, _) = unicode_model(80, 30);
    let terminal = render_fixed(&model, 80, 30);
    assert_columns("80x30", &terminal);
    insta::assert_snapshot!("unicode_thread_80x30", terminal.backend());
    for (width, height) in [(60, 15), (100, 30), (120, 40), (133, 41), (200, 60)] {
        model.width = width;
        model.height = height;
        for focus in [Focus::List, Focus::Thread] {
            model.focus = focus;
            assert_columns(
                &format!("{width}x{height} {focus:?}"),
                &render_fixed(&model, width, height),
            );
        }
    }
    // Every message, scrolled to, one by one.
    model.width = 80;
    model.height = 24;
    for scroll in 0..unicode_messages().len() {
        model
            .threads
            .get_mut(&ConversationKey::new("raia", "u1"))
            .unwrap()
            .scroll = scroll;
        assert_columns(&format!("scrolled {scroll}"), &render_fixed(&model, 80, 24));
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON, missing fields, wrong types

/// (platform, endpoint, body, what the error must name)
/// Answers broken as a whole (not the shape of a list or page at all): each is malformed,
/// and the error names where.
fn broken_answers() -> Vec<(PlatformKind, &'static str, Value, &'static str)> {
    use PlatformKind::*;
    vec![
        (Raia, "list", json!([]), "expected struct"),
        (Raia, "list", json!({"hasNextPage": false}), "missing field `data`"),
        (
            Raia,
            "list",
            json!({"data": "none"}),
            "field `data`: invalid type: string",
        ),
        (
            Raia,
            "messages",
            json!({"messages": {}}),
            "field `messages`: invalid type: map",
        ),
        (
            Chatvolt,
            "list",
            json!({"data": []}),
            "invalid type: map, expected a sequence",
        ),
        (
            Chatdash,
            "list",
            json!({"conversations": []}),
            "invalid type: map, expected a sequence",
        ),
        (
            Chatdash,
            "messages",
            json!({"messages": []}),
            "invalid type: map, expected a sequence",
        ),
    ]
}

/// One odd item beside a good one: the item is set aside (and logged), never the answer.
fn odd_items() -> Vec<(PlatformKind, &'static str, Value)> {
    use PlatformKind::*;
    let at = "2026-11-22T10:00:00.000Z";
    let good_raia = json!({"id": "good", "createdAt": at, "updatedAt": at});
    let good_volt = json!({"id": "good", "createdAt": at, "updatedAt": at});
    let good_dash = json!({"_id": "good", "createdAt": at, "updatedAt": at});
    let page = |odd: Value| json!({"data": [good_raia.clone(), odd], "hasNextPage": false});
    vec![
        (Raia, "list", page(json!({"id": "c1", "updatedAt": at}))),
        (Raia, "list", page(json!({"id": 7, "createdAt": at, "updatedAt": at}))),
        (
            Raia,
            "list",
            page(json!({"id": "c1", "createdAt": "yesterday", "updatedAt": at})),
        ),
        (
            Chatvolt,
            "list",
            json!([good_volt.clone(), {"id": "c1", "createdAt": at}]),
        ),
        (
            Chatvolt,
            "list",
            json!([good_volt.clone(), {"id": ["c1"], "createdAt": at, "updatedAt": at}]),
        ),
        (
            Chatvolt,
            "list",
            json!([good_volt, {"id": "c1", "createdAt": 1764, "updatedAt": at}]),
        ),
        (
            Chatdash,
            "list",
            json!([good_dash.clone(), {"createdAt": at, "updatedAt": at}]),
        ),
        (Chatdash, "list", json!([good_dash, {"_id": "c1"}])),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_answers_name_the_field_and_nothing_stops() {
    let h = quiet(6).await;
    let platforms = adapters(&h);
    let mut keys = Vec::new();
    for p in &platforms {
        keys.push(create_thread(&h, p.as_ref(), "Ann", &[("customer", "hello")]).await);
    }
    // Truncated JSON on every endpoint, then each broken shape.
    let mut cases: Vec<(PlatformKind, &str, Value, &str)> = Vec::new();
    for kind in PlatformKind::ALL {
        for endpoint in ["list", "messages"] {
            cases.push((kind, endpoint, json!({"malformed": true}), "at line 1 column"));
        }
    }
    cases.extend(
        broken_answers()
            .into_iter()
            .map(|(k, e, body, want)| (k, e, json!({"status": 200, "body": body}), want)),
    );
    for (kind, endpoint, fault, want) in cases {
        let i = PlatformKind::ALL.iter().position(|k| *k == kind).unwrap();
        let (p, key) = (&platforms[i], &keys[i]);
        let path = match endpoint {
            "list" => list_path(kind).to_string(),
            _ => messages_path(kind, &key.id),
        };
        arm(&h, "GET", &path, fault.clone()).await;
        let err = match endpoint {
            "list" => p.list_conversations(None).await.map(drop).unwrap_err(),
            _ => p.list_messages(&key.id).await.map(drop).unwrap_err(),
        };
        let label = format!("{kind} {endpoint} {fault}");
        assert_eq!(err.class(), "malformed", "{label}: {err}");
        let message = err.to_string();
        assert!(message.starts_with("malformed response: "), "{label}: {message}");
        assert!(message.contains(want), "{label}: {message:?} does not say {want:?}");
        assert!(message.chars().count() < 300, "{label}: {message}");
        // The next answer is whole again, and read as usual.
        assert_eq!(p.list_messages(&key.id).await.unwrap()[0].text, "hello", "{label}");
    }

    // One odd item: the rest of the answer is there.
    for (kind, endpoint, body) in odd_items() {
        let i = PlatformKind::ALL.iter().position(|k| *k == kind).unwrap();
        let p = &platforms[i];
        assert_eq!(endpoint, "list");
        arm(&h, "GET", list_path(kind), json!({"status": 200, "body": body.clone()})).await;
        let label = format!("{kind} {body}");
        let listing = p.list_conversations(None).await.expect(&label);
        let ids: Vec<&str> = listing.conversations.iter().map(|c| c.key.id.as_str()).collect();
        // (ChatDash lists a second agent too, which the fault does not touch.)
        assert_eq!(
            ids.iter().filter(|id| id.ends_with("good")).count(),
            1,
            "{label}: {ids:?}"
        );
        assert!(!ids.iter().any(|id| id.ends_with("c1")), "{label}: {ids:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_malformed_answer_the_cli_and_the_inbox_carry_on() {
    let h = quiet(3).await;
    let platforms = adapters(&h);
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let mut model = inbox::model(&platforms);
    for p in &platforms {
        let kind = p.kind();
        let key = create_thread(&h, p.as_ref(), "Ann", &[("customer", "hello there")]).await;
        let account = key.account.clone();
        let target = key.to_string();
        // Broken as a whole: an odd message alone would be set aside, not fail the thread.
        let wrong_type = match kind {
            PlatformKind::Raia => json!({"messages": {"m1": "hello"}}),
            PlatformKind::Chatvolt => json!({"messages": "none"}),
            PlatformKind::Chatdash => json!({"messages": []}),
        };

        // The command line: a clear error (exit 1), then the same command works.
        arm(
            &h,
            "GET",
            list_path(kind),
            json!({"status": 200, "body": {"unexpected": [1, 2, 3]}}),
        )
        .await;
        let run = handoff(&config, dir.path(), &["list", "--account", &account], None).await;
        assert_eq!(run.code, 1, "{kind}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("handoff: ") && run.stderr.contains("malformed response"),
            "{kind}: {}",
            run.stderr
        );
        let run = handoff(&config, dir.path(), &["list", "--account", &account], None).await;
        assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
        arm(
            &h,
            "GET",
            &messages_path(kind, &key.id),
            json!({"status": 200, "body": wrong_type.clone()}),
        )
        .await;
        let run = handoff(&config, dir.path(), &["show", &target], None).await;
        assert_eq!(run.code, 1, "{kind}: {}", run.stderr);
        assert!(run.stderr.contains("malformed response"), "{kind}: {}", run.stderr);
        let run = handoff(&config, dir.path(), &["show", &target], None).await;
        assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
        assert!(run.stdout.contains("hello there"), "{kind}: {}", run.stdout);

        // The inbox: the thread says what went wrong, then shows the messages once they come.
        inbox::sync(&mut model, std::slice::from_ref(p)).await;
        open(&mut model, &key);
        arm(
            &h,
            "GET",
            &messages_path(kind, &key.id),
            json!({"status": 200, "body": wrong_type}),
        )
        .await;
        let error = p.list_messages(&key.id).await.unwrap_err().to_string();
        model.threads.remove(&key);
        feed(
            &mut model,
            Msg::ThreadFailed {
                key: key.clone(),
                error,
            },
        );
        let out = screen(&draw(&mut model, 120, 30));
        assert!(
            out.contains("Could not load the messages: malformed response"),
            "{kind}:\n{out}"
        );
        let messages = p.list_messages(&key.id).await.unwrap();
        feed(
            &mut model,
            Msg::Thread {
                key: key.clone(),
                messages,
            },
        );
        let out = screen(&draw(&mut model, 120, 30));
        assert!(
            out.contains("hello there") && !out.contains("Could not load"),
            "{kind}:\n{out}"
        );
    }
}
