//! View snapshots: whole screens on ratatui's TestBackend, compared with insta. Each model is
//! built by hand with a fixed clock, so a snapshot changes only when the screen does.

mod common;

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use common::fixtures::{self, me, message, now};
use handoff::app::Connection;
use handoff::app::Op;
use handoff::app::compose::Composer;
use handoff::app::model::{Account, Confirm, Focus, Model, Notice, Overlay, Thread, View};
use handoff::app::outgoing::Outbox;
use handoff::domain::{
    Attachment, Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Holder, Message,
    PlatformKind, SendBaseline, Status,
};
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

fn ago(seconds: i64) -> DateTime<Utc> {
    now() - TimeDelta::seconds(seconds)
}

fn theme(no_color: bool) -> Theme {
    let mut theme = Theme::new(no_color);
    // Times as UTC, whatever the machine's zone.
    theme.offset = FixedOffset::east_opt(0).unwrap();
    theme
}

/// Everything, or what ChatDash's public API cannot do; assigning is never offered.
fn capabilities(live: bool) -> Capabilities {
    let caps = if live {
        fixtures::capabilities()
    } else {
        fixtures::without_live_agent(
            "ChatDash's public API cannot take a conversation over",
            "ChatDash's public API cannot hand a conversation back",
            "ChatDash's public API cannot send as a human",
        )
    };
    Capabilities {
        assign: Availability::No("not on this platform".into()),
        set_priority: Availability::No("not on this platform".into()),
        ..caps
    }
}

fn account(name: &str, kind: PlatformKind, connection: Connection, synced: bool) -> Account {
    Account {
        capabilities: capabilities(kind != PlatformKind::Chatdash),
        connection,
        synced,
        ..fixtures::account(name, kind)
    }
}

/// One account per connection state.
fn accounts() -> Vec<Account> {
    vec![
        account("raia", PlatformKind::Raia, Connection::Ok, true),
        account(
            "volt",
            PlatformKind::Chatvolt,
            Connection::Retrying {
                at: now() + TimeDelta::seconds(12),
                error: "503".into(),
            },
            true,
        ),
        account("dash", PlatformKind::Chatdash, Connection::BadKey("401".into()), true),
        account("shop", PlatformKind::Raia, Connection::Connecting, true),
    ]
}

fn platform(account: &str) -> PlatformKind {
    match account {
        "volt" => PlatformKind::Chatvolt,
        "dash" => PlatformKind::Chatdash,
        _ => PlatformKind::Raia,
    }
}

struct Conv {
    key: &'static str,
    name: &'static str,
    status: Status,
    channel: &'static str,
    preview: &'static str,
    unread: u32,
    updated: i64,
    waiting: Option<i64>,
}

fn conversation(c: &Conv) -> Conversation {
    let key = ConversationKey::parse(c.key).unwrap();
    Conversation {
        platform: platform(&key.account),
        customer_name: c.name.into(),
        channel: Some(c.channel.into()),
        unread: Some(c.unread),
        preview: Some(c.preview.into()),
        created_at: ago(86_400 * 2),
        updated_at: ago(c.updated),
        waiting_since: c.waiting.map(ago),
        ..fixtures::conversation(&key.account, &key.id, c.status.clone())
    }
}

fn conversations() -> Vec<Conversation> {
    let other = |who: &str| Status::Human {
        by: Holder::Other(who.into()),
    };
    let me = Status::Human { by: Holder::Me };
    let rows = [
        Conv {
            key: "raia/c1",
            name: "Ann Lee",
            status: Status::NeedsHuman,
            channel: "web",
            preview: "Can I talk to a real person please?",
            unread: 2,
            updated: 60,
            waiting: Some(240),
        },
        Conv {
            key: "volt/v1",
            name: "Bruno Díaz",
            status: Status::NeedsHuman,
            channel: "whatsapp",
            preview: "¿Hay alguien ahí?",
            unread: 0,
            updated: 30,
            waiting: Some(95),
        },
        Conv {
            key: "dash/d1",
            name: "李小龙",
            status: Status::NeedsHuman,
            channel: "telegram",
            preview: "我的订单在哪里？已经等了三天了",
            unread: 1,
            updated: 120,
            waiting: Some(420),
        },
        Conv {
            key: "raia/c2",
            name: "Carla Mendes",
            status: me.clone(),
            channel: "web",
            preview: "Thanks, that helps a lot",
            unread: 0,
            updated: 180,
            waiting: None,
        },
        Conv {
            key: "volt/v2",
            name: "Dmitri Volkov",
            status: other("Sam Lee"),
            channel: "email",
            preview: "Let me check with the warehouse",
            unread: 0,
            updated: 600,
            waiting: None,
        },
        Conv {
            key: "raia/c3",
            name: "Eve Martin",
            status: Status::Human { by: Holder::Unknown },
            channel: "web",
            preview: "Order #5521 is on its way",
            unread: 0,
            updated: 900,
            waiting: None,
        },
        Conv {
            key: "volt/v3",
            name: "Farah Haddad",
            status: Status::Ai,
            channel: "whatsapp",
            preview: "مرحبا، كيف يمكنني المساعدة؟",
            unread: 0,
            updated: 300,
            waiting: None,
        },
        Conv {
            key: "dash/d2",
            name: "Gus 👩‍💻 Okafor",
            status: Status::Ai,
            channel: "web",
            preview: "The AI suggested a refund 👍🏽",
            unread: 3,
            updated: 1_500,
            waiting: None,
        },
        Conv {
            key: "raia/c5",
            name: "Maximilian Alexander von Habsburg-Lothringen",
            status: Status::Ai,
            channel: "instagram",
            preview: "Do you ship to Liechtenstein? And how long does it usually take?",
            unread: 0,
            updated: 7_200,
            waiting: None,
        },
        Conv {
            key: "raia/c4",
            name: "Hana Sato",
            status: Status::Resolved,
            channel: "web",
            preview: "All sorted, thank you!",
            unread: 0,
            updated: 86_400,
            waiting: None,
        },
        Conv {
            key: "volt/v4",
            name: "Ivan Petrov",
            status: Status::Resolved,
            channel: "email",
            preview: "Refund received",
            unread: 0,
            updated: 200_000,
            waiting: None,
        },
    ];
    rows.iter().map(conversation).collect()
}

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

/// The standard inbox: every status, one unread, one busy, sized for the terminal.
fn model(width: u16, height: u16, demo: bool) -> Model {
    let mut model = fixtures::model(accounts());
    model.demo = demo;
    model.width = width;
    model.height = height;
    for c in conversations() {
        model.absorb(c);
    }
    model.busy.insert(key("volt/v3"), Op::TakeOver);
    model.refresh_rows();
    model.select_index(0);
    model
}

/// Carla's thread: yesterday's and today's messages, a "new" divider, one of ours on its way and
/// one refused, and a draft.
fn open_carla(model: &mut Model, focus: Focus) {
    let k = key("raia/c2");
    let yesterday = ago(86_400 + 3_600);
    let mut messages = vec![
        message(
            "1",
            Author::Customer,
            "Hi! My order #4417 arrived damaged — the box was crushed.",
            yesterday,
        ),
        message(
            "2",
            Author::Ai,
            "I'm sorry to hear that. Could you send a photo of the damage?",
            yesterday + TimeDelta::seconds(20),
        ),
        message(
            "3",
            Author::Customer,
            "Here it is.",
            yesterday + TimeDelta::seconds(300),
        ),
        message(
            "4",
            Author::Ai,
            "Thanks. I've asked a colleague to look at it.",
            ago(7_200),
        ),
        message(
            "5",
            Author::Operator {
                name: Some("Sam Lee".into()),
                is_me: false,
            },
            "Hi Carla, Sam here. I'll pass you to Dana who handles replacements.",
            ago(3_600),
        ),
        message(
            "6",
            me(),
            "Hello Carla, this is Dana. A replacement is on its way.",
            ago(1_800),
        ),
        message("7", Author::Customer, "Thanks, that helps a lot", ago(180)),
        message(
            "8",
            Author::Customer,
            "Will it arrive before Friday?\nI'm travelling after that.",
            ago(170),
        ),
    ];
    messages[2].attachments.push(Attachment {
        name: "damage.jpg".into(),
        reference: None,
    });
    let mut pending = message("local-1", me(), "Yes — it ships today by express.", ago(20));
    pending.delivery = Delivery::Pending;
    let mut failed = message("local-2", me(), "Tracking number to follow.", ago(10));
    failed.delivery = Delivery::Failed("rate limited (429)".into());
    let mut outbox = Outbox::default();
    for (client_id, m) in [(1, pending), (2, failed)] {
        let baseline = SendBaseline {
            sent_at: m.created_at,
            earlier: vec![],
        };
        outbox.push(client_id, m, baseline);
    }
    let thread = Thread {
        seen: 6,
        divider: Some(6),
        messages,
        outbox,
        loaded: true,
        ..Thread::default()
    };
    model.threads.insert(k.clone(), thread);
    model.drafts.insert(
        k.clone(),
        Composer::with_text("I'll send the tracking number\nas soon as I have it."),
    );
    model.selected = Some(k.clone());
    model.refresh_rows();
    model.open = Some(k);
    model.focus = focus;
}

fn render(model: &Model, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(frame, model, theme)).unwrap();
    terminal
}

#[test]
fn list_80x24() {
    let model = model(80, 24, true);
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("list_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

#[test]
fn thread_80x24_single_pane() {
    let mut model = model(80, 24, false);
    let k = key("raia/c1");
    let thread = Thread {
        messages: vec![
            message(
                "1",
                Author::Customer,
                "Hello, my parcel says delivered but it is not here.",
                ago(600),
            ),
            message(
                "2",
                Author::Ai,
                "I'm sorry! Let me look up your order. Could you give me the order number?",
                ago(590),
            ),
            message("3", Author::Customer, "It's 88213", ago(400)),
            message(
                "4",
                Author::Ai,
                "Thanks. The carrier shows it was left at the front desk at 10:02.",
                ago(390),
            ),
            message("5", Author::Customer, "Can I talk to a real person please?", ago(240)),
        ],
        loaded: true,
        seen: 5,
        ..Thread::default()
    };
    model.threads.insert(k.clone(), thread);
    model.conversations.get_mut(&k).unwrap().customer_contact = Some("ann@example.com".into());
    model.open = Some(k);
    model.focus = Focus::Thread;
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("thread_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

#[test]
fn two_panes_120x40() {
    let mut model = model(120, 40, false);
    open_carla(&mut model, Focus::Compose);
    let terminal = render(&model, &theme(false), 120, 40);
    insta::assert_snapshot!("two_panes_120x40", terminal.backend());
    assert_no_split_wide_chars(&terminal);
    // The terminal cursor sits at the end of the draft, inside the compose box.
    let cursor = terminal.backend().cursor_position();
    assert_eq!((cursor.x, cursor.y), (70, 37), "{cursor:?}");
}

/// A raia voice call the operator holds: the compose box says why no reply goes out there,
/// and the bar offers none.
#[test]
fn a_voice_call_offers_no_reply_120x40() {
    let mut model = model(120, 40, false);
    open_carla(&mut model, Focus::Thread);
    let k = key("raia/c2");
    model.conversations.get_mut(&k).unwrap().no_reply = Some("a voice call — raia takes no text reply here".into());
    let terminal = render(&model, &theme(false), 120, 40);
    insta::assert_snapshot!("voice_call_120x40", terminal.backend());
    let text = screen_text(&terminal).join("\n");
    assert!(text.contains("a voice call — raia takes no text reply here"), "{text}");
}

#[test]
fn help_overlay_120x40() {
    let mut model = model(120, 40, false);
    model.overlay = Some(Overlay::Help { top: 0 });
    let terminal = render(&model, &theme(false), 120, 40);
    insta::assert_snapshot!("help_120x40", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

#[test]
fn help_overlay_80x24_scrolls_to_the_marks() {
    let mut model = model(80, 24, false);
    model.overlay = Some(Overlay::Help { top: 0 });
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("help_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
    // Scrolled to its end (`G`): the last keys and what the marks mean.
    model.overlay = Some(Overlay::Help { top: usize::MAX });
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("help_80x24_scrolled", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

/// A search with hits: a message and a conversation, the matched words emphasised.
fn searching(width: u16, height: u16) -> Model {
    use handoff::app::search::{Search, SearchHit};
    let mut model = model(width, height, false);
    let piece = |s: &str, m: bool| (s.to_string(), m);
    model.overlay = Some(Overlay::Search(Search {
        query: "damaged box".into(),
        seq: 3,
        answered: true,
        hits: vec![
            SearchHit {
                key: key("raia/c2"),
                message: Some("1".into()),
                snippet: vec![
                    piece("Hi! My order #4417 arrived ", false),
                    piece("damaged", true),
                    piece(" — the ", false),
                    piece("box", true),
                    piece(" was crushed.", false),
                ],
            },
            SearchHit {
                key: key("volt/v2"),
                message: None,
                snippet: vec![piece("Boxes ", true), piece("& damaged goods", false)],
            },
        ],
        cursor: 1,
        top: 0,
    }));
    model
}

#[test]
fn search_view_80x24_and_120x40() {
    for (width, height) in [(80, 24), (120, 40)] {
        let model = searching(width, height);
        let terminal = render(&model, &theme(false), width, height);
        insta::assert_snapshot!(format!("search_{width}x{height}"), terminal.backend());
        assert_no_split_wide_chars(&terminal);
        // The matched words are emphasised, the rest not.
        let buffer = terminal.backend().buffer();
        let cell = |text: &str| {
            let (x, y) = find(buffer, text);
            buffer[(x, y)].modifier
        };
        assert!(cell("damaged —").contains(Modifier::UNDERLINED), "the query line aside");
        assert!(!cell("arrived").contains(Modifier::UNDERLINED));
    }
}

/// Where `text` starts on the screen.
fn find(buffer: &ratatui::buffer::Buffer, text: &str) -> (u16, u16) {
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if let Some(i) = line.find(text) {
            let x = line[..i].chars().count();
            return (u16::try_from(x).unwrap(), y);
        }
    }
    panic!("{text:?} is not on the screen");
}

/// A model whose log holds three messages, one long and an error.
fn logged(width: u16, height: u16) -> Model {
    let mut model = model(width, height, false);
    for (i, text) in [
        "asking every account now…",
        "volt: Chatvolt answered 503 Service Unavailable — retrying in 12 s; the conversations shown are the cached copy from 14:02 and may be out of date",
        "nothing to undo",
    ]
    .into_iter()
    .enumerate()
    {
        let at = ago(600 - 60 * i64::try_from(i).unwrap());
        model.log.push(at, text, i == 1);
    }
    model
}

#[test]
fn message_log_80x24_and_120x40_and_a_cut_notice_says_where_to_read_it() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut model = logged(width, height);
        model.overlay = Some(Overlay::Log { top: 0 });
        let terminal = render(&model, &theme(false), width, height);
        insta::assert_snapshot!(format!("message_log_{width}x{height}"), terminal.backend());
        assert_no_split_wide_chars(&terminal);
    }
    let mut model = logged(80, 24);
    model.notice = Some(Notice {
        text: "volt: Chatvolt answered 503 Service Unavailable — retrying in 12 s; the conversations shown are the cached copy".into(),
        error: true,
        until: now() + TimeDelta::seconds(12),
    });
    let terminal = render(&model, &theme(false), 80, 24);
    let status = screen_line(&terminal, 23);
    assert!(status.contains("…  L "), "cut, and where to read it whole: {status}");
}

fn screen_line(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_string())
        .collect()
}

#[test]
fn confirm_overlay_80x24() {
    let mut model = model(80, 24, false);
    let k = key("volt/v2");
    model.selected = Some(k.clone());
    model.refresh_rows();
    model.overlay = Some(Overlay::Confirm(Confirm::TakeFrom {
        key: k,
        holder: "Sam Lee".into(),
    }));
    model.notice = Some(Notice {
        text: "taking over…".into(),
        error: false,
        until: now() + TimeDelta::seconds(5),
    });
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("confirm_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

#[test]
fn quit_confirm_and_filter_line_80x24() {
    let mut model = model(80, 24, false);
    model.overlay = Some(Overlay::Confirm(Confirm::Quit));
    model.filter = "ann".into();
    model.refresh_rows();
    model.filter_input = Some("ann".into());
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("quit_confirm_filter_80x24", terminal.backend());
}

#[test]
fn empty_views_say_why() {
    let mut model = fixtures::model(accounts());
    model.view = View::NeedsYou;
    model.refresh_rows();
    let terminal = render(&model, &theme(false), 60, 15);
    insta::assert_snapshot!("empty_needs_you_60x15", terminal.backend());

    model.accounts[3].synced = false;
    model.notice = Some(Notice {
        text: "volt: could not list conversations — 503 Service Unavailable, retrying in 12s".into(),
        error: true,
        until: now() + TimeDelta::seconds(12),
    });
    let terminal = render(&model, &theme(false), 60, 15);
    insta::assert_snapshot!("empty_syncing_60x15", terminal.backend());
}

#[test]
fn tiny_terminal() {
    let model = model(40, 10, false);
    let terminal = render(&model, &theme(false), 40, 10);
    insta::assert_snapshot!("tiny_40x10", terminal.backend());
}

#[test]
fn degenerate_sizes_do_not_panic() {
    let theme = theme(false);
    let mut model = model(0, 0, true);
    open_carla(&mut model, Focus::Compose);
    for (w, h) in [
        (0, 0),
        (1, 1),
        (0, 24),
        (80, 0),
        (1, 40),
        (200, 1),
        (59, 15),
        (60, 14),
        (500, 200),
    ] {
        render(&model, &theme, w, h);
    }
    // Sizes around every threshold (too small, two panes, help columns), in each focus and with
    // each overlay.
    let overlays = [
        None,
        Some(Overlay::Help { top: 0 }),
        Some(Overlay::Confirm(Confirm::Quit)),
    ];
    let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for focus in [Focus::List, Focus::Thread, Focus::Compose] {
        for overlay in &overlays {
            model.focus = focus;
            model.overlay = overlay.clone();
            for w in (0..=130).step_by(13).chain(58..=61).chain(98..=101) {
                for h in (0..=45).step_by(9).chain(13..=16) {
                    model.width = w;
                    model.height = h;
                    terminal.backend_mut().resize(w, h);
                    terminal.draw(|frame| view(frame, &model, &theme)).unwrap();
                }
            }
        }
    }
}

#[test]
fn wide_and_right_to_left_text_80x24() {
    let mut model = model(80, 24, false);
    let k = key("dash/d1");
    let mut messages = vec![
        message(
            "1",
            Author::Customer,
            "我的订单在哪里？已经等了三天了，请帮我查一下物流信息。谢谢！这是我第一次在你们店里买东西。",
            ago(500),
        ),
        message(
            "2",
            Author::Ai,
            "Family emoji 👨‍👩‍👧‍👦 and a coder 👩🏽‍💻, thumbs 👍🏽👍🏿, flags 🇯🇵🇧🇷 — all two columns wide, never cut in half 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉",
            ago(450),
        ),
        message(
            "3",
            Author::Customer,
            "مرحبا، أريد أن أعرف متى سيصل طلبي. لقد انتظرت طويلا وأحتاج إليه قبل نهاية الأسبوع",
            ago(400),
        ),
        message(
            "4",
            Author::Customer,
            "שלום, ההזמנה שלי עדיין לא הגיעה. אפשר לבדוק בבקשה מה קרה איתה?",
            ago(300),
        ),
        message(
            "5",
            Author::Customer,
            "ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ and mixed 한국어 텍스트 with ｶﾞｷﾞ halfwidth",
            ago(200),
        ),
    ];
    messages[0].author_name = Some("李小龙".into());
    model.threads.insert(
        k.clone(),
        Thread {
            messages,
            loaded: true,
            seen: 5,
            ..Thread::default()
        },
    );
    model.open = Some(k);
    model.focus = Focus::Thread;
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("wide_rtl_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
}

/// A wide character is never split or drawn over: the cell it covers is blank (ratatui does not
/// draw that cell, so anything there would be lost), and it does not run past the right edge.
fn assert_no_split_wide_chars(terminal: &Terminal<TestBackend>) {
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        let mut x = 0;
        while x < buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            let w = unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            assert!(x + w <= buffer.area.width, "row {y}: {symbol:?} overflows at {x}");
            if w == 2 {
                let covered = buffer[(x + 1, y)].symbol();
                assert!(
                    covered == " " || covered.is_empty(),
                    "row {y}: {symbol:?} at {x} covers {covered:?}"
                );
            }
            x += w;
        }
    }
}

#[test]
fn no_color_has_no_colours_and_keeps_the_selection() {
    let theme = theme(true);
    let mut screens = Vec::new();
    let list = model(80, 24, true);
    screens.push(render(&list, &theme, 80, 24));
    let mut two = model(120, 40, false);
    open_carla(&mut two, Focus::Compose);
    two.notice = Some(Notice {
        text: "not sent".into(),
        error: true,
        until: now() + TimeDelta::seconds(5),
    });
    screens.push(render(&two, &theme, 120, 40));
    two.overlay = Some(Overlay::Help { top: 0 });
    screens.push(render(&two, &theme, 120, 40));
    two.focus = Focus::Thread;
    two.overlay = Some(Overlay::Confirm(Confirm::Quit));
    screens.push(render(&two, &theme, 120, 40));
    for terminal in &screens {
        for cell in terminal.backend().buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "fg of {:?}", cell.symbol());
            assert_eq!(cell.bg, Color::Reset, "bg of {:?}", cell.symbol());
        }
    }
    // The selected row is marked by a bar on both its lines: a shape, visible without colour.
    let buffer = screens[0].backend().buffer();
    assert_eq!((buffer[(1, 2)].symbol(), buffer[(1, 3)].symbol()), ("▌", "▌"));
    assert_eq!(buffer[(1, 4)].symbol(), " ", "the next row has none");
    // Or, with `[ui] selection = "row"`, it is in reverse video.
    let mut reversed = model(80, 24, true);
    reversed.selection = handoff::app::screen::Selection::Row;
    let terminal = render(&reversed, &theme, 80, 24);
    let buffer = terminal.backend().buffer();
    let row: Vec<_> = (0..buffer.area.width).map(|x| &buffer[(x, 2)]).collect();
    for (x, cell) in row.iter().enumerate().skip(1).take(row.len() - 2) {
        // The second cell of a wide character is not drawn on its own: the first one covers it.
        let continuation = unicode_width::UnicodeWidthStr::width(row[x - 1].symbol()) == 2;
        assert!(
            continuation || cell.modifier.contains(Modifier::REVERSED),
            "cell {x} of the selected row"
        );
    }
    assert!(row.iter().map(|c| c.symbol()).collect::<String>().contains("NEED"));
    // With colour, the same screen uses colour.
    let coloured = render(&list, &self::theme(false), 80, 24);
    assert!(
        coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

#[test]
fn huge_inbox_renders_only_what_is_visible() {
    let mut model = fixtures::model(accounts());
    model.width = 120;
    model.height = 40;
    for i in 0..100_000 {
        let c = Conv {
            key: "raia/x",
            name: "Customer",
            status: if i % 10 == 0 { Status::NeedsHuman } else { Status::Ai },
            channel: "web",
            preview: "hello",
            unread: 0,
            updated: i,
            waiting: Some(i),
        };
        let mut c = conversation(&c);
        c.key = ConversationKey::new("raia", format!("x{i}"));
        c.customer_name = format!("Customer {i}");
        model.absorb(c);
    }
    model.refresh_rows();
    model.select_index(0);
    let k = ConversationKey::new("raia", "x0");
    let messages: Vec<Message> = (0..5_000)
        .map(|i| {
            message(
                &i.to_string(),
                if i % 2 == 0 { Author::Customer } else { Author::Ai },
                &format!("message number {i}"),
                ago(5_000 - i),
            )
        })
        .collect();
    model.threads.insert(
        k.clone(),
        Thread {
            messages,
            loaded: true,
            seen: 5_000,
            ..Thread::default()
        },
    );
    model.open = Some(k);
    model.focus = Focus::Thread;

    let terminal = render(&model, &theme(false), 120, 40);
    let buffer = terminal.backend().buffer();
    let line = |y: u16| {
        (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect::<String>()
    };
    let lines: Vec<String> = (0..buffer.area.height).map(line).collect();
    // The list pane shows exactly list_capacity rows, and says where in the 100 000 it is.
    let rows = lines
        .iter()
        .filter(|l| l.contains("Customer ") && (l.contains(" AI ") || l.contains("NEED")))
        .count();
    assert_eq!(rows, model.list_capacity());
    assert!(lines.iter().any(|l| l.contains("1/100000")), "{lines:#?}");
    // The thread shows the newest messages at the bottom, the last one last.
    let last = lines.iter().rposition(|l| l.contains("message number")).unwrap();
    assert!(lines[last].contains("message number 4999"), "{}", lines[last]);
    assert!(lines.iter().any(|l| l.contains("message number 4990")));
    assert!(!lines.iter().any(|l| l.contains("message number 4000")));
    // Scrolled far up: the same shape, older messages, the hint to jump back.
    model.threads.get_mut(&key("raia/x0")).unwrap().scroll = 4_000;
    let terminal = render(&model, &theme(false), 120, 40);
    let buffer = terminal.backend().buffer();
    let text: String = (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect();
    assert!(
        text.contains("message number 999\n") || text.contains("message number 999 "),
        "{text}"
    );
    assert!(text.contains("↓ 4000 newer — G to jump to latest"), "{text}");
}

/// The screen's text, one string per row.
fn screen_text(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

#[test]
fn thread_loading_failing_and_scrolled() {
    let mut model = model(80, 24, false);
    let k = key("raia/c1");
    model.open = Some(k.clone());
    model.focus = Focus::Thread;
    let shows = |model: &Model, words: &str| {
        let lines = screen_text(&render(model, &theme(false), 80, 24));
        assert!(
            lines.iter().any(|l| l.contains(words)),
            "{words:?} not on screen: {lines:#?}"
        );
    };
    // Nothing fetched yet.
    shows(&model, "loading messages…");
    // The first fetch failed: why, and that it will try again.
    model.threads.insert(
        k.clone(),
        Thread {
            error: Some("timed out".into()),
            ..Thread::default()
        },
    );
    shows(&model, "Could not load the messages: timed out. Trying again shortly…");
    // Loaded once, then a refresh failed: the messages stay, the error is on top.
    let messages = (0..30)
        .map(|i| message(&i.to_string(), Author::Customer, &format!("line {i}"), ago(600 - i)))
        .collect();
    model.threads.insert(
        k.clone(),
        Thread {
            messages,
            loaded: true,
            seen: 30,
            error: Some("HTTP 502".into()),
            ..Thread::default()
        },
    );
    shows(&model, "⚠ could not refresh: HTTP 502 — retrying");
    shows(&model, "line 29");
    // Scrolled up by 3: the newest three are hidden and the hint says how to get back.
    model.threads.get_mut(&k).unwrap().scroll = 3;
    shows(&model, "↓ 3 newer — G to jump to latest");
    let lines = screen_text(&render(&model, &theme(false), 80, 24));
    assert!(lines.iter().any(|l| l.contains("line 26")));
    assert!(!lines.iter().any(|l| l.contains("line 27")));
    // The compose box grows with the draft, up to 6 lines.
    model
        .drafts
        .insert(k.clone(), Composer::with_text("1\n2\n3\n4\n5\n6\n7\n8"));
    model.focus = Focus::Compose;
    let lines = screen_text(&render(&model, &theme(false), 80, 24));
    let top = lines
        .iter()
        .position(|l| l.starts_with("┏ the AI has it"))
        .expect("compose box title");
    assert_eq!(lines.len() - 1 - top, 6, "{lines:#?}");
}

#[test]
fn a_huge_message_shows_its_end() {
    let mut model = model(80, 24, false);
    let k = key("raia/c1");
    let mut text: String = (0..200_000).map(|i| format!("w{i} ")).collect();
    text.push_str("THE END");
    let messages = vec![message("1", Author::Customer, &text, ago(60))];
    model.threads.insert(
        k.clone(),
        Thread {
            messages,
            loaded: true,
            seen: 1,
            ..Thread::default()
        },
    );
    model.open = Some(k);
    model.focus = Focus::Thread;
    let lines = screen_text(&render(&model, &theme(false), 80, 24));
    // The last lines read as the text's end, in order (where a line breaks inside a huge
    // message depends on how much of it is wrapped: only its end is).
    let last = lines.iter().rposition(|l| l.contains("THE END")).unwrap();
    let words: Vec<&str> = lines[last - 2..=last]
        .iter()
        .flat_map(|l| l.trim_matches(|c| c == '┃' || c == ' ').split_whitespace())
        .collect();
    let end = ["w199996", "w199997", "w199998", "w199999", "THE", "END"];
    assert!(words.ends_with(&end), "{lines:#?}");
}

#[test]
fn scrolled_back_to_a_tall_message_it_shows_from_its_start() {
    let mut model = model(80, 24, false);
    let k = key("raia/c1");
    let tall: String = (1..=300).map(|i| format!("line{i}\n")).collect();
    let messages = vec![
        message("1", Author::Customer, &tall, ago(60)),
        message("2", Author::Ai, "a short answer", ago(59)),
    ];
    model.threads.insert(
        k.clone(),
        Thread {
            messages,
            loaded: true,
            seen: 2,
            ..Thread::default()
        },
    );
    model.open = Some(k.clone());
    model.focus = Focus::Thread;
    // Following the latest: the tall message shows its end, above the answer.
    let following = screen_text(&render(&model, &theme(false), 80, 24)).join("\n");
    assert!(
        following.contains("line300") && following.contains("a short answer"),
        "{following}"
    );
    assert!(
        !following.contains("line1\n") && !following.contains(" line1 "),
        "{following}"
    );
    // One message back: the tall one is at the bottom edge and shows from its start.
    model.threads.get_mut(&k).unwrap().scroll = 1;
    let back = screen_text(&render(&model, &theme(false), 80, 24));
    assert!(back.iter().any(|l| l.contains(" line1 ")), "{back:#?}");
    assert!(back.iter().any(|l| l.contains("line2")), "{back:#?}");
    assert!(!back.iter().any(|l| l.contains("line300")), "{back:#?}");
}

#[test]
fn offline_from_the_cache_100x30() {
    let mut model = model(100, 30, false);
    for a in &mut model.accounts {
        a.synced = false;
        a.cached_at = Some(ago(3 * 3_600 + 120));
        a.connection = Connection::Retrying {
            at: now() + TimeDelta::seconds(30),
            error: "cannot connect".into(),
        };
    }
    open_carla(&mut model, Focus::Thread);
    let thread = model.threads.get_mut(&key("raia/c2")).unwrap();
    thread.cached = true;
    thread.error = Some("network down or server unreachable".into());
    let terminal = render(&model, &theme(false), 100, 30);
    insta::assert_snapshot!("offline_cached_100x30", terminal.backend());

    // One account answering again: no longer offline, still partly a cached copy.
    model.accounts[0].synced = true;
    model.accounts[0].cached_at = None;
    model.accounts[0].connection = Connection::Ok;
    model.accounts[3].connection = Connection::Connecting;
    model.width = 140;
    let terminal = render(&model, &theme(false), 140, 30);
    let top = terminal.backend().buffer().content[..140]
        .iter()
        .map(|c| c.symbol())
        .collect::<String>();
    assert!(top.contains("cached copy from 08:58 — syncing…"), "{top}");
    let bottom = terminal.backend().buffer().content[29 * 140..]
        .iter()
        .map(|c| c.symbol())
        .collect::<String>();
    assert!(bottom.contains("shop … cached 08:58"), "{bottom}");
}

#[test]
fn the_window_title_counts_who_waits_whatever_the_filter() {
    let mut model = model(120, 40, false);
    assert_eq!(handoff::ui::window_title(&model), "handoff — 3 need you");
    model.filter = "Ann".into();
    model.refresh_rows();
    assert_eq!(model.counts[&View::NeedsYou], 1, "the tab counts what the filter shows");
    assert_eq!(handoff::ui::window_title(&model), "handoff — 3 need you");
    model.demo = true;
    model.conversations.retain(|_, c| c.status != Status::NeedsHuman);
    model.refresh_rows();
    assert_eq!(handoff::ui::window_title(&model), "handoff (demo)");
}

/// The compose box of Carla's thread at 120×40 with `draft` pasted into it (cursor at its end):
/// the screen's lines and where the terminal cursor stands.
fn compose_after_paste(draft: &str) -> (Vec<String>, ratatui::layout::Position) {
    let mut model = model(120, 40, false);
    open_carla(&mut model, Focus::Compose);
    let mut composer = Composer::new();
    composer.show_focus(true, String::new);
    composer.insert(draft);
    model.drafts.insert(key("raia/c2"), composer);
    let mut terminal = render(&model, &theme(false), 120, 40);
    let cursor = terminal.get_cursor_position().unwrap();
    (screen_text(&terminal), cursor)
}

#[test]
fn after_a_5_mb_paste_of_many_lines_the_compose_box_shows_the_cursor_line() {
    let mut draft: String = (0..300_000).map(|i| format!("pasted line {i:06}\n")).collect();
    draft.push_str("THE END OF THE PASTE");
    assert!(draft.len() > 5_000_000);
    let (lines, cursor) = compose_after_paste(&draft);
    let row = lines
        .iter()
        .position(|l| l.contains("THE END OF THE PASTE"))
        .unwrap_or_else(|| panic!("the cursor line is not on screen:\n{}", lines.join("\n")));
    assert!(lines[row - 1].contains("pasted line 299999"), "{}", lines.join("\n"));
    // The terminal cursor stands right after the last character.
    let at = lines[row].find("THE END OF THE PASTE").unwrap();
    let col = lines[row][..at].chars().count() + "THE END OF THE PASTE".len();
    assert_eq!((cursor.x, cursor.y), (col as u16, row as u16), "{}", lines.join("\n"));
}

#[test]
fn after_a_5_mb_paste_on_one_line_the_compose_box_shows_its_end() {
    let mut draft: String = (0..500_000).map(|i| format!("w{:08} ", i)).collect();
    draft.push_str("THE-END");
    assert!(draft.len() > 5_000_000 && !draft.contains('\n'));
    let (lines, cursor) = compose_after_paste(&draft);
    let row = lines
        .iter()
        .position(|l| l.contains("THE-END"))
        .unwrap_or_else(|| panic!("the cursor line is not on screen:\n{}", lines.join("\n")));
    assert!(lines[row - 1].contains("w00499999") || lines[row].contains("w00499999"));
    let at = lines[row].find("THE-END").unwrap();
    let col = lines[row][..at].chars().count() + "THE-END".len();
    assert_eq!((cursor.x, cursor.y), (col as u16, row as u16), "{}", lines.join("\n"));
}

/// The standard inbox with 200 accounts, three of them failing in different ways.
fn many_accounts(width: u16, height: u16) -> Model {
    let mut model = model(width, height, false);
    let mut accounts = vec![
        account("raia", PlatformKind::Raia, Connection::Ok, true),
        account("volt", PlatformKind::Chatvolt, Connection::Ok, true),
        account("dash", PlatformKind::Chatdash, Connection::Ok, true),
    ];
    for i in 1..=197 {
        let connection = match i {
            17 => Connection::BadKey(
                "key rejected (HTTP 401): the key was revoked on the platform; create a new one under \
                 Settings → API keys and update api_key_file"
                    .into(),
            ),
            88 => Connection::Retrying {
                at: now() + TimeDelta::seconds(30),
                error: "network down or server unreachable (connection refused)".into(),
            },
            150 => Connection::BadKey("could not read the key: /home/dana/keys/shop-150.key: no such file".into()),
            _ => Connection::Ok,
        };
        accounts.push(account(&format!("shop-{i:03}"), PlatformKind::Raia, connection, true));
    }
    model.accounts = accounts;
    model
}

#[test]
fn many_accounts_80x24_summarise_with_the_failing_count() {
    let model = many_accounts(80, 24);
    let terminal = render(&model, &theme(false), 80, 24);
    let status = screen_text(&terminal).pop().unwrap();
    assert!(status.contains("✓ 197") && status.contains("✗ 3 failing"), "{status}");
    insta::assert_snapshot!("many_accounts_80x24", terminal.backend());
}

#[test]
fn many_accounts_120x40_summarise_with_the_failing_count() {
    let model = many_accounts(120, 40);
    let terminal = render(&model, &theme(false), 120, 40);
    let status = screen_text(&terminal).pop().unwrap();
    assert!(status.contains("✗ 3 failing — C for details"), "{status}");
    insta::assert_snapshot!("many_accounts_120x40", terminal.backend());
}

#[test]
fn the_failing_count_stays_while_an_error_notice_fills_the_bar() {
    let mut model = many_accounts(80, 24);
    model.notice = Some(Notice {
        text: "not sent to Ann Lee — rate limited (429): the platform asks to wait a minute before sending again"
            .into(),
        error: true,
        until: now() + TimeDelta::seconds(10),
    });
    let terminal = render(&model, &theme(false), 80, 24);
    let status = screen_text(&terminal).pop().unwrap();
    assert!(status.trim_end().ends_with("✗ 3"), "{status}");
    assert!(status.contains("not sent to Ann Lee"), "{status}");
}

#[test]
fn the_accounts_overlay_lists_failing_ones_first_with_their_errors() {
    let mut model = many_accounts(120, 40);
    model.overlay = Some(Overlay::Accounts { top: 0 });
    let terminal = render(&model, &theme(false), 120, 40);
    let text = screen_text(&terminal).join("\n");
    for words in [
        "shop-017",
        "create a new one under",
        "shop-088",
        "connection refused",
        "shop-150",
        "no such file",
    ] {
        assert!(text.contains(words), "{words}:\n{text}");
    }
    insta::assert_snapshot!("accounts_overlay_120x40", terminal.backend());
    // Scrolled to the end: the last accounts, the box still full.
    model.overlay = Some(Overlay::Accounts { top: 199 });
    let text = screen_text(&render(&model, &theme(false), 120, 40)).join("\n");
    assert!(text.contains("shop-197") && !text.contains("shop-017"), "{text}");
}

/// An account whose request budget, not the network, sets how often its queue is read says so
/// in the status bar while there is room, and keeps a mark when there is not.
#[test]
fn an_account_paced_by_its_budget_says_so() {
    let mut model = model(200, 24, false);
    let paced = "each agent every 40 s — 2 agents, 6 requests a minute";
    let at = model.now;
    handoff::app::update(
        &mut model,
        handoff::app::Msg::Paced {
            account: "raia".into(),
            note: Some(paced.into()),
        },
        at,
    );
    let wide = screen_text(&render(&model, &theme(false), 200, 24)).join("\n");
    assert!(wide.contains(&format!("raia ✓ {paced}")), "{wide}");
    let narrow = screen_text(&render(&model, &theme(false), 80, 24)).join("\n");
    assert!(!narrow.contains(paced) && narrow.contains("raia ✓ ⧗"), "{narrow}");
    handoff::app::update(
        &mut model,
        handoff::app::Msg::Paced {
            account: "raia".into(),
            note: None,
        },
        at,
    );
    let wide = screen_text(&render(&model, &theme(false), 200, 24)).join("\n");
    assert!(!wide.contains("each agent"), "{wide}");
}

/// With no `[operator] email`, the status bar says so for as long as the inbox runs, and the
/// takeover question says what it means.
#[test]
fn no_identity_is_said_in_the_status_bar_and_before_a_takeover() {
    let mut model = model(220, 24, false);
    model.anonymous = true;
    let text = screen_text(&render(&model, &theme(false), 220, 24)).join("\n");
    assert!(
        text.contains("⚠ no [operator] email set: nobody can tell who holds what"),
        "{text}"
    );
    let narrow = screen_text(&render(&model, &theme(false), 80, 24)).join("\n");
    assert!(narrow.contains("⚠ no [operator]"), "{narrow}");
    model.overlay = Some(Overlay::Confirm(Confirm::TakeAnonymous { key: key("raia/c1") }));
    let text = screen_text(&render(&model, &theme(false), 160, 24)).join("\n");
    assert!(text.contains("No [operator] email is set"), "{text}");
}

/// Alerts waiting: Ann's handoff (escalated, 3 min), Carla (held by me) waiting 5 min for my
/// reply, and alerts muted for 10 minutes.
fn alerting(width: u16, height: u16) -> Model {
    use handoff::app::alerts::{Alert, AlertKind};
    let mut model = model(width, height, false);
    model.mine.insert(key("raia/c2"), ago(3_600));
    if let Some(c) = model.conversations.get_mut(&key("raia/c2")) {
        c.waiting_since = Some(ago(300));
    }
    model.alerts.set_pending(vec![
        Alert {
            key: key("raia/c1"),
            kind: AlertKind::Handoff,
            since: ago(180),
        },
        Alert {
            key: key("raia/c2"),
            kind: AlertKind::ReplyDue,
            since: ago(180),
        },
    ]);
    model.alerts.escalated = true;
    model.alerts.muted_until = Some(now() + TimeDelta::seconds(570));
    model.keep_cursor_visible();
    model
}

#[test]
fn the_alert_line_and_the_rows_it_marks() {
    for (width, height) in [(80, 24), (120, 40)] {
        let model = alerting(width, height);
        let terminal = render(&model, &theme(false), width, height);
        insta::assert_snapshot!(format!("alerts_{width}x{height}"), terminal.backend());
        // The alert line takes a row from the list, and the model pages by the same count.
        assert_eq!(model.list_capacity(), usize::from(height - 5) / 2);
        let lines = screen_text(&terminal);
        assert!(lines[usize::from(height) - 2].contains("! 2"), "{lines:?}");
        assert!(
            lines[usize::from(height) - 1].contains("muted 10m")
                || lines[usize::from(height) - 1].contains("alerts muted for 10 min")
        );
    }
    assert_eq!(
        handoff::ui::window_title(&alerting(80, 24)),
        "(!!) handoff — 3 need you"
    );
}

#[test]
fn mute_overlay_80x24() {
    let mut model = alerting(80, 24);
    model.overlay = Some(Overlay::Mute);
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("mute_80x24", terminal.backend());
}

/// The start-up reminder over Mine, what it lists: how many are still held and since when, in
/// the operator's time of day (the model keeps UTC).
#[test]
fn still_holding_reminder_80x24() {
    let mut model = model(80, 24, false);
    model.absorb(Conversation {
        customer_name: "Omar Haddad".into(),
        updated_at: ago(5_400),
        ..fixtures::conversation("volt", "v9", Status::Human { by: Holder::Me })
    });
    model.view = View::Mine;
    model.refresh_rows();
    model.select_index(0);
    let keys: Vec<ConversationKey> = model.rows.clone();
    assert_eq!(keys.len(), 2);
    let since = Utc.with_ymd_and_hms(2026, 11, 22, 10, 32, 0).unwrap();
    model.overlay = Some(Overlay::Confirm(Confirm::StillHolding { keys, since }));
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("still_holding_80x24", terminal.backend());
    let text = screen_text(&terminal).join("\n");
    assert!(text.contains("(since 10:32)"), "{text}");

    // Two hours east of UTC, the same instant is 12:32 on the operator's clock.
    let mut east = theme(false);
    east.offset = FixedOffset::east_opt(2 * 3600).unwrap();
    let text = screen_text(&render(&model, &east, 80, 24)).join("\n");
    assert!(text.contains("You still hold 2 conversations (since 12:32)"), "{text}");

    // Held since before today (a crash last night): the day too.
    let Some(Overlay::Confirm(Confirm::StillHolding { since, .. })) = &mut model.overlay else {
        unreachable!()
    };
    *since = Utc.with_ymd_and_hms(2026, 11, 21, 22, 5, 0).unwrap();
    let text = screen_text(&render(&model, &theme(false), 80, 24)).join("\n");
    assert!(text.contains("(since 21 Nov 22:05)"), "{text}");
}

// Issue 13, point 1: the snippet picker over Carla's compose box.

/// A few snippets, one long, one with a variable Carla's conversation has no value for.
fn with_snippets(model: &mut Model, query: &str, chosen: usize) {
    use handoff::app::snippets::{Picker, Snippets, matching};
    use handoff::domain::{Snippet, SnippetSource};
    let snippet = |name: &str, text: &str, source| Snippet {
        name: name.into(),
        text: text.into(),
        source,
    };
    model.snippets = Snippets {
        list: vec![
            snippet(
                "greet",
                "Hi {customer.first_name|there}, {operator.first_name} here.",
                SnippetSource::Personal,
            ),
            snippet(
                "hours",
                "We answer every day from 9 to 17 (CET).\nOutside those hours the AI answers and a person follows up the next morning.",
                SnippetSource::Team,
            ),
            snippet(
                "refund",
                "Your refund for order {conversation.id} is on its way: 3–5 working days.",
                SnippetSource::Team,
            ),
            snippet(
                "tracking",
                "Here is your tracking number: {tracking.number}",
                SnippetSource::Personal,
            ),
        ],
        operator: Some("Dana Reyes".into()),
        file: None,
    };
    let matches = matching(&model.snippets.list, query);
    model.overlay = Some(Overlay::Snippets(Picker {
        query: query.into(),
        matches,
        chosen,
        by_slash: true,
    }));
}

#[test]
fn snippet_picker_120x40() {
    let mut model = model(120, 40, false);
    open_carla(&mut model, Focus::Compose);
    with_snippets(&mut model, "", 1);
    let terminal = render(&model, &theme(false), 120, 40);
    insta::assert_snapshot!("snippets_120x40", terminal.backend());
    assert_no_split_wide_chars(&terminal);
    let text = screen_text(&terminal).join("\n");
    // Each shows as it would be inserted here; a variable without a value as written.
    assert!(text.contains("Hi Carla, Dana here."), "{text}");
    assert!(text.contains("{tracking.number}"), "{text}");
    // The chosen one (hours) in reverse video, the others not.
    let lines = screen_text(&terminal);
    let row = |word: &str| lines.iter().position(|l| l.contains(&format!("║ {word}"))).unwrap() as u16;
    let x = lines[usize::from(row("hours"))].chars().position(|c| c == '║').unwrap() as u16 + 2;
    let reversed = |y: u16| {
        terminal.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::REVERSED)
    };
    assert!(reversed(row("hours")) && !reversed(row("greet")) && !reversed(row("refund")));
}

#[test]
fn snippet_picker_filtered_80x24() {
    let mut model = model(80, 24, false);
    open_carla(&mut model, Focus::Compose);
    with_snippets(&mut model, "ref", 0);
    let terminal = render(&model, &theme(false), 80, 24);
    insta::assert_snapshot!("snippets_80x24", terminal.backend());
    assert_no_split_wide_chars(&terminal);
    // The terminal cursor after the query, not in the compose box beneath.
    let cursor = terminal.backend().cursor_position();
    let query_row = &screen_text(&terminal)[usize::from(cursor.y)];
    let before: String = query_row.chars().take(usize::from(cursor.x)).collect();
    assert!(before.ends_with("> ref"), "{cursor:?} {query_row}");
    // Nothing matches: it says so.
    with_snippets(&mut model, "zzz", 0);
    let text = screen_text(&render(&model, &theme(false), 80, 24)).join("\n");
    assert!(text.contains("no snippet matches"), "{text}");
}

#[test]
fn snippet_picker_scrolls_to_the_chosen_one() {
    use handoff::app::snippets::{Picker, matching};
    use handoff::domain::{Snippet, SnippetSource};
    let mut model = model(80, 24, false);
    open_carla(&mut model, Focus::Compose);
    model.snippets.list = (0..30)
        .map(|i| Snippet {
            name: format!("s{i:02}"),
            text: format!("text {i} for {{customer.first_name}}"),
            source: SnippetSource::Personal,
        })
        .collect();
    let matches = matching(&model.snippets.list, "");
    model.overlay = Some(Overlay::Snippets(Picker {
        query: String::new(),
        matches,
        chosen: 25,
        by_slash: false,
    }));
    let terminal = render(&model, &theme(false), 80, 24);
    let lines = screen_text(&terminal);
    let text = lines.join("\n");
    assert!(
        text.contains("s25  text 25 for Carla") && !text.contains("s00"),
        "{text}"
    );
    let y = lines.iter().position(|l| l.contains("s25")).unwrap() as u16;
    let x = lines[usize::from(y)]
        .find("s25")
        .map(|b| lines[usize::from(y)][..b].chars().count())
        .unwrap() as u16;
    assert!(
        terminal.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

// ---- Notes (issue 13, point 3) ----

/// Carla's thread with a note of each kind among the messages, and one on its way.
fn with_notes(model: &mut Model) {
    use handoff::domain::{Note, NotePlace, NoteState};
    let note = |id: &str, text: &str, at, place, state| Note {
        id: id.into(),
        text: text.into(),
        author: (place == NotePlace::Team).then(|| "Sam Lee".to_string()),
        created_at: at,
        place,
        state,
    };
    let thread = model.threads.get_mut(&key("raia/c2")).unwrap();
    thread.notes = vec![
        note(
            "team-1",
            "Replacement approved — do not offer a refund as well.",
            ago(3_000),
            NotePlace::Team,
            NoteState::Saved,
        ),
        note(
            "note-2",
            "Ask about Friday delivery.",
            ago(175),
            NotePlace::Local,
            NoteState::Saved,
        ),
        note(
            "local-9",
            "Customer travels after Friday",
            ago(5),
            NotePlace::Platform,
            NoteState::Saving,
        ),
    ];
}

#[test]
fn a_thread_with_notes_shows_them_by_time_unmistakably_not_messages() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut model = model(width, height, false);
        open_carla(&mut model, Focus::Thread);
        with_notes(&mut model);
        let terminal = render(&model, &theme(false), width, height);
        insta::assert_snapshot!(format!("thread_with_notes_{width}x{height}"), terminal.backend());
        let text = screen_text(&terminal).join("\n");
        assert!(text.contains("local note — only on this machine"), "{text}");
        // The team note is an hour back: on the taller screen.
        assert_eq!(
            text.contains("team note — not on the platform · Sam Lee"),
            height == 40,
            "{text}"
        );
    }
}

#[test]
fn the_compose_box_as_a_note_says_so_in_its_title_and_border() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut model = model(width, height, false);
        open_carla(&mut model, Focus::Compose);
        model.note_mode.insert(key("raia/c2"));
        let terminal = render(&model, &theme(false), width, height);
        insta::assert_snapshot!(format!("compose_note_{width}x{height}"), terminal.backend());
        let text = screen_text(&terminal).join("\n");
        assert!(text.contains("Note — not sent to the customer"), "{text}");
        assert!(text.contains("╔"), "a doubled border: {text}");
    }
}

/// Issue 14: while the rest of the cache is read, the title's counts say "at least".
#[test]
fn the_counts_say_at_least_while_the_cache_is_read() {
    let mut model = model(120, 40, false);
    let all = model.counts[&View::All];
    let title = |model: &Model| {
        let terminal = render(model, &theme(true), 120, 40);
        let buffer = terminal.backend().buffer();
        (0..120).map(|x| buffer[(x, 0)].symbol()).collect::<String>()
    };
    assert!(title(&model).contains(&format!("All ({all})")), "{}", title(&model));
    model.cache_reading = true;
    assert!(title(&model).contains(&format!("All ({all}+)")), "{}", title(&model));
}

/// Issue 14: with resolved conversations on disk, the Resolved pane counts all of them, not the
/// page read so far, and its position counter too.
#[test]
fn the_resolved_pane_counts_what_is_on_disk_not_the_page_read() {
    let mut model = fixtures::model(accounts());
    (model.width, model.height) = (120, 40);
    model.archive = Some(Default::default());
    let resolved = |i: usize| Conversation {
        status: handoff::domain::Status::Resolved,
        updated_at: ago(i as i64 * 60),
        ..fixtures::conversation("raia", &format!("r{i:03}"), handoff::domain::Status::Resolved)
    };
    if let Some(archive) = &mut model.archive {
        archive.know((0..300).map(|i| key(&format!("raia/r{i:03}"))));
    }
    for i in 0..40 {
        model
            .conversations
            .insert(key(&format!("raia/r{i:03}")), Box::new(resolved(i)));
    }
    model.view = View::Resolved;
    model.refresh_rows();
    model.select_index(0);
    let terminal = render(&model, &theme(true), 120, 40);
    let screen: String = format!("{}", terminal.backend());
    assert!(screen.contains("Resolved (300)"), "{screen}");
    assert!(screen.contains(" 1/300 "), "{screen}");
}
