//! `update` as a table for the details panel and Chatvolt's assign and priority (issue 13,
//! points 2 and 5): the toggle, the prompt and its completion, the question, the operation it
//! starts, and Mine once the platform says it is assigned to the operator.

mod common;

use common::fixtures::{self, OPERATOR_EMAIL, now as t0};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Focus, Overlay, View};
use handoff::app::{Cmd, Model, Msg, Net, Op, update};
use handoff::domain::{Availability, Conversation, ConversationKey, Details, PlatformKind, Priority, Status};

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

/// A Chatvolt conversation whose details name these assignees.
fn volt(id: &str, assignees: &[&str]) -> Conversation {
    let details = Details {
        assignees: assignees.iter().map(|a| a.to_string()).collect(),
        assigned_to_me: assignees.iter().any(|a| a.eq_ignore_ascii_case(OPERATOR_EMAIL)),
        priority: Some(Priority::Medium),
        ..Details::default()
    };
    Conversation {
        platform: PlatformKind::Chatvolt,
        details: Some(Box::new(details)),
        ..fixtures::conversation("volt", id, Status::Ai)
    }
}

/// A Chatvolt account and a raia one (which cannot assign), synced, the operator's email known.
fn model() -> Model {
    let mut raia = fixtures::account("raia", PlatformKind::Raia);
    raia.capabilities.assign = Availability::No("raia's API has no assignment".into());
    raia.capabilities.set_priority = Availability::No("raia's API has no priority".into());
    let mut m = fixtures::model(vec![fixtures::account("volt", PlatformKind::Chatvolt), raia]);
    m.me = Some(OPERATOR_EMAIL.into());
    m.width = 120;
    m.height = 40;
    for (account, changed) in [
        (
            "volt",
            vec![
                volt("c1", &[]),
                volt("c2", &["sam@example.com"]),
                volt("c3", &["ana@example.com"]),
            ],
        ),
        ("raia", vec![fixtures::conversation("raia", "r1", Status::Ai)]),
    ] {
        run(
            &mut m,
            Msg::Synced {
                account: account.into(),
                changed,
                removed: vec![],
            },
        );
    }
    m
}

fn run(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    update(m, msg, t0())
}

fn press(m: &mut Model, keys: &str) -> Vec<Cmd> {
    keys.chars()
        .flat_map(|c| run(m, Msg::Key(Key::new(KeyCode::Char(c)))))
        .collect()
}

fn special(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    run(m, Msg::Key(Key::new(code)))
}

fn select(m: &mut Model, k: &str) {
    m.selected = Some(key(k));
}

fn prompt(m: &Model) -> Option<&str> {
    match &m.overlay {
        Some(Overlay::Assign { input, .. }) => Some(input),
        _ => None,
    }
}

#[test]
fn d_toggles_the_panel_in_the_list_and_the_thread_and_it_stays_toggled() {
    let mut m = model();
    assert!(!m.details);
    press(&mut m, "D");
    assert!(m.details);
    select(&mut m, "volt/c1");
    run(&mut m, Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(m.focus, Focus::Thread);
    assert!(m.details, "kept while a conversation opens");
    press(&mut m, "D");
    assert!(!m.details);
}

#[test]
fn assign_starts_from_my_email_completes_from_the_assignees_seen_and_starts_the_operation() {
    let mut m = model();
    select(&mut m, "volt/c1");
    press(&mut m, "@");
    assert_eq!(prompt(&m), Some(OPERATOR_EMAIL));
    // Typed text is text: `q` does not quit, `D` does not toggle.
    run(&mut m, Msg::Key(Key::ctrl('u')));
    press(&mut m, "qD");
    assert!(!m.quit && !m.details);
    assert_eq!(prompt(&m), Some("qD"));
    run(&mut m, Msg::Key(Key::ctrl('u')));
    press(&mut m, "s");
    special(&mut m, KeyCode::Tab);
    assert_eq!(prompt(&m), Some("sam@example.com"));
    // Complete already: Tab walks on through the others (ana, dana, sam), round again.
    special(&mut m, KeyCode::Tab);
    assert_eq!(prompt(&m), Some("ana@example.com"));
    special(&mut m, KeyCode::Tab);
    assert_eq!(prompt(&m), Some(OPERATOR_EMAIL));
    special(&mut m, KeyCode::Tab);
    assert_eq!(prompt(&m), Some("sam@example.com"));
    let cmds = special(&mut m, KeyCode::Enter);
    assert_eq!(m.overlay, None);
    assert_eq!(
        cmds,
        [Cmd::Net(Net::Act {
            key: key("volt/c1"),
            op: Op::Assign("sam@example.com".into())
        })]
    );
    assert_eq!(m.busy.get(&key("volt/c1")), Some(&Op::Assign("sam@example.com".into())));
}

#[test]
fn a_bad_email_is_said_and_the_prompt_stays_esc_leaves_it() {
    let mut m = model();
    select(&mut m, "volt/c1");
    press(&mut m, "@");
    run(&mut m, Msg::Key(Key::ctrl('u')));
    press(&mut m, "sam");
    assert!(special(&mut m, KeyCode::Enter).is_empty());
    assert_eq!(prompt(&m), Some("sam"));
    assert!(
        m.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("not an email"))
    );
    special(&mut m, KeyCode::Backspace);
    assert_eq!(prompt(&m), Some("sa"));
    assert!(special(&mut m, KeyCode::Esc).is_empty());
    assert_eq!(m.overlay, None);
}

#[test]
fn raia_says_why_it_cannot_assign_or_set_a_priority() {
    let mut m = model();
    select(&mut m, "raia/r1");
    for k in ["@", "p"] {
        assert!(press(&mut m, k).is_empty());
        assert_eq!(m.overlay, None, "{k}");
        let notice = m.notice.clone().unwrap();
        assert!(notice.error, "{k}");
        assert!(
            notice.text.starts_with("cannot do this here: raia"),
            "{k}: {}",
            notice.text
        );
    }
}

#[test]
fn p_asks_the_priority_and_a_digit_or_letter_sets_it() {
    let mut m = model();
    select(&mut m, "volt/c2");
    press(&mut m, "p");
    assert_eq!(m.overlay, Some(Overlay::Priority { key: key("volt/c2") }));
    assert!(press(&mut m, "x").is_empty(), "not a priority: nothing");
    let cmds = press(&mut m, "h");
    assert_eq!(
        cmds,
        [Cmd::Net(Net::Act {
            key: key("volt/c2"),
            op: Op::SetPriority(Priority::High)
        })]
    );
    assert_eq!(m.overlay, None);
    // Its answer: the platform's priority, said.
    let mut answered = volt("c2", &["sam@example.com"]);
    answered.details.as_mut().unwrap().priority = Some(Priority::High);
    run(
        &mut m,
        Msg::Done {
            key: key("volt/c2"),
            op: Op::SetPriority(Priority::High),
            result: Ok(Some(answered)),
        },
    );
    assert!(m.notice.unwrap().text.ends_with("priority set to high"));
}

#[test]
fn mine_lists_what_the_platform_assigns_to_me() {
    let mut m = model();
    assert_eq!(m.counts[&View::Mine], 0);
    run(
        &mut m,
        Msg::Done {
            key: key("volt/c1"),
            op: Op::Assign(OPERATOR_EMAIL.into()),
            result: Ok(Some(volt("c1", &[OPERATOR_EMAIL]))),
        },
    );
    assert_eq!(m.counts[&View::Mine], 1);
    press(&mut m, "2");
    assert_eq!(m.view, View::Mine);
    assert_eq!(m.rows, [key("volt/c1")]);
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .ends_with(&format!("assigned to {OPERATOR_EMAIL}"))
    );
    // Resolved, it leaves Mine though still assigned.
    let done = Conversation {
        status: Status::Resolved,
        ..volt("c1", &[OPERATOR_EMAIL])
    };
    run(
        &mut m,
        Msg::Synced {
            account: "volt".into(),
            changed: vec![done],
            removed: vec![],
        },
    );
    assert_eq!(m.counts[&View::Mine], 0);
}
