//! Snapshots of the details panel (issue 13, point 2) and of Chatvolt's assign prompt and
//! priority question (point 5): over the thread on narrow screens, a third pane from 160
//! columns, the frustration bar, the list's mark, tags in the thread header.

mod common;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use common::fixtures::{self, OPERATOR_EMAIL, message, now};
use handoff::app::model::{Focus, Model, Overlay, Thread};
use handoff::domain::{Author, Conversation, ConversationKey, Details, PlatformKind, Priority, Status};
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn ago(seconds: i64) -> DateTime<Utc> {
    now() - TimeDelta::seconds(seconds)
}

fn theme() -> Theme {
    let mut theme = Theme::new(false);
    theme.offset = FixedOffset::east_opt(0).unwrap();
    theme
}

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

/// Vera on Chatvolt: frustrated, high priority, two tags, assigned to a colleague.
fn vera() -> Conversation {
    let mut d = Details::default();
    d.set_frustration(Some(0.85));
    d.priority = Some(Priority::High);
    d.tags = vec!["vip".into(), "needs-attention".into()];
    d.assignees = vec!["sam@example.com".into()];
    d.line("Channel", Some("website"))
        .line("NPS", Some("3 — Too slow"))
        .list("Assignees", ["sam@example.com"])
        .pairs(
            "Variables",
            Some(&json!({"order_id": "A-1042", "cart": {"items": 3, "total": 129.5}})),
        )
        .list("Contacts", ["Vera Novak · vera@example.org · +420 601 000 111"])
        .line("Last human interaction", Some("2026-11-22 11:40 UTC"));
    Conversation {
        platform: PlatformKind::Chatvolt,
        customer_name: "Vera Novak".into(),
        customer_contact: Some("vera@example.org".into()),
        channel: Some("website".into()),
        preview: Some("This is the third time I ask!".into()),
        waiting_since: Some(ago(420)),
        updated_at: ago(420),
        details: d.boxed(),
        ..fixtures::conversation("volt", "v1", Status::NeedsHuman)
    }
}

/// Lucas on ChatDash: the widget's and the AI's analysis.
fn lucas() -> Conversation {
    let mut d = Details::default();
    d.line("Channel", Some("Webchat"))
        .line("Device", Some("mobile"))
        .line("OS", Some("Android"))
        .line("Browser", Some("Chrome"))
        .line("Country", Some("BR"))
        .line("Phone", Some("+55 11 91234 5678"))
        .text(
            "Summary",
            Some("The customer wants a refund for a blender that stopped working after two weeks."),
        )
        .line("Topic", Some("Refund › billing"))
        .line("Evaluation", Some("not a success — The customer asked for a person."))
        .list("Misunderstood", ["Can I talk to a person?"])
        .pairs("Metadata", Some(&json!({"plan": "pro", "utm_source": "newsletter"})));
    Conversation {
        platform: PlatformKind::Chatdash,
        customer_name: "Lucas Souza".into(),
        channel: Some("Webchat".into()),
        preview: Some("It just stopped working".into()),
        updated_at: ago(900),
        details: d.boxed(),
        ..fixtures::conversation("dash", "d1", Status::Ai)
    }
}

fn model(width: u16, height: u16) -> Model {
    let accounts = vec![
        fixtures::account("volt", PlatformKind::Chatvolt),
        fixtures::account("dash", PlatformKind::Chatdash),
        fixtures::account("raia", PlatformKind::Raia),
    ];
    let mut model = fixtures::model(accounts);
    model.me = Some(OPERATOR_EMAIL.into());
    model.width = width;
    model.height = height;
    let plain = Conversation {
        customer_name: "Ann Lee".into(),
        preview: Some("Where is my parcel?".into()),
        updated_at: ago(1_800),
        ..fixtures::conversation("raia", "r1", Status::Ai)
    };
    for c in [vera(), lucas(), plain] {
        model.absorb(c);
    }
    model.refresh_rows();
    model.select_index(0);
    model.details = true;
    model
}

fn open(model: &mut Model, k: &str) {
    let k = key(k);
    let thread = Thread {
        messages: vec![
            message("1", Author::Customer, "My order never arrived.", ago(900)),
            message("2", Author::Ai, "I'm sorry! Let me check the tracking.", ago(890)),
            message("3", Author::Customer, "This is the third time I ask!", ago(420)),
        ],
        loaded: true,
        seen: 3,
        ..Thread::default()
    };
    model.threads.insert(k.clone(), thread);
    model.selected = Some(k.clone());
    model.open = Some(k);
    model.focus = Focus::Thread;
}

fn render(model: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(frame, model, &theme())).unwrap();
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    let cells: Vec<&str> = buffer.content().iter().map(|c| c.symbol()).collect();
    cells
        .chunks(width)
        .map(|row| row.concat())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn details_over_the_thread_80x24() {
    let mut model = model(80, 24);
    open(&mut model, "volt/v1");
    let terminal = render(&model, 80, 24);
    insta::assert_snapshot!("details_80x24", terminal.backend());
    let shown = text(&terminal);
    assert!(shown.contains("Frustration"), "{shown}");
    assert!(shown.contains("0.85"), "{shown}");
}

#[test]
fn details_beside_two_panes_120x40() {
    let mut model = model(120, 40);
    open(&mut model, "dash/d1");
    let terminal = render(&model, 120, 40);
    insta::assert_snapshot!("details_120x40", terminal.backend());
    let shown = text(&terminal);
    assert!(shown.contains("Country       BR"), "{shown}");
}

#[test]
fn details_as_a_third_pane_200x50() {
    let mut model = model(200, 50);
    open(&mut model, "volt/v1");
    let terminal = render(&model, 200, 50);
    insta::assert_snapshot!("details_200x50", terminal.backend());
}

#[test]
fn details_of_the_selected_row_in_the_list_160x40() {
    let mut model = model(160, 40);
    model.select_index(1);
    assert_eq!(model.selected, Some(key("dash/d1")));
    let terminal = render(&model, 160, 40);
    insta::assert_snapshot!("details_list_160x40", terminal.backend());
}

#[test]
fn the_list_marks_a_frustrated_customer_and_the_header_shows_the_tags_120x40() {
    let mut model = model(120, 40);
    model.details = false;
    open(&mut model, "volt/v1");
    let terminal = render(&model, 120, 40);
    insta::assert_snapshot!("frustrated_mark_and_tags_120x40", terminal.backend());
    let shown = text(&terminal);
    assert!(shown.contains("#vip #needs-attention"), "{shown}");
    assert!(shown.contains("#needs-attention · high"), "{shown}");
    assert_eq!(shown.matches('▲').count(), 1, "only Vera is frustrated: {shown}");
}

#[test]
fn the_assign_prompt_and_the_priority_question_80x24() {
    let mut model = model(80, 24);
    model.details = false;
    model.overlay = Some(Overlay::Assign {
        key: key("volt/v1"),
        input: "s".into(),
    });
    let terminal = render(&model, 80, 24);
    insta::assert_snapshot!("assign_80x24", terminal.backend());
    assert!(text(&terminal).contains("sam@example.com"));
    model.overlay = Some(Overlay::Priority { key: key("volt/v1") });
    let terminal = render(&model, 80, 24);
    insta::assert_snapshot!("priority_80x24", terminal.backend());
    assert!(text(&terminal).contains("high  (now)"));
}

#[test]
fn a_conversation_without_details_says_so_and_odd_sizes_do_not_panic() {
    let mut model = model(80, 24);
    model.selected = Some(key("raia/r1"));
    let terminal = render(&model, 80, 24);
    assert!(text(&terminal).contains("The platform says nothing more"));
    for (w, h) in [
        (60, 15),
        (61, 16),
        (99, 20),
        (100, 20),
        (159, 30),
        (160, 15),
        (400, 100),
    ] {
        model.width = w;
        model.height = h;
        open(&mut model, "volt/v1");
        render(&model, w, h);
    }
}
