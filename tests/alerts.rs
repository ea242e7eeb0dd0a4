//! Alerts as `update` tables: what raises one, what it says, when it is said again, when it
//! escalates, what acknowledges it, muting, and a reply falling due. No terminal, no network:
//! time is the `now` each message is given.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::fixtures::{self, now as t0};
use handoff::app::alerts::{AlertKind, Notification};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::Overlay;
use handoff::app::{Cmd, Connection, Model, Msg, Net, SendFailure, Term, update};
use handoff::domain::{AlertSettings, Author, ConversationKey, Holder, Message, PlatformKind, Status};

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

/// One synced raia account `store` with one conversation the AI has, on a wide screen.
fn inbox(settings: AlertSettings) -> Model {
    let account = handoff::app::model::Account {
        label: Some("Store".into()),
        connection: Connection::Ok,
        ..fixtures::account("store", PlatformKind::Raia)
    };
    let mut m = fixtures::model(vec![account]);
    m.width = 120;
    m.height = 40;
    m.alerts = handoff::app::alerts::Alerts::new(settings);
    synced(&mut m, "ana", Status::Ai, 0);
    m
}

fn synced(m: &mut Model, id: &str, status: Status, seconds: i64) -> Vec<Cmd> {
    let mut c = fixtures::conversation("store", id, status);
    c.customer_name = format!("Customer {id}");
    update(
        m,
        Msg::Synced {
            account: "store".into(),
            changed: vec![c],
            removed: vec![],
        },
        at(seconds),
    )
}

fn tick(m: &mut Model, seconds: i64) -> Vec<Cmd> {
    update(m, Msg::Tick, at(seconds))
}

fn press(m: &mut Model, c: char, seconds: i64) -> Vec<Cmd> {
    update(m, Msg::Key(Key::new(KeyCode::Char(c))), at(seconds))
}

fn notifications(cmds: &[Cmd]) -> Vec<&Notification> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Term(Term::Notify(n)) => Some(n),
            _ => None,
        })
        .collect()
}

fn short(repeat: i64, escalate: i64) -> AlertSettings {
    AlertSettings {
        repeat: TimeDelta::seconds(repeat),
        escalate_after: TimeDelta::seconds(escalate),
        ..AlertSettings::default()
    }
}

#[test]
fn a_new_handoff_is_said_at_once_then_every_repeat_until_opened() {
    let mut m = inbox(short(30, 600));
    let cmds = synced(&mut m, "ana", Status::NeedsHuman, 1);
    let said = notifications(&cmds);
    assert_eq!(said.len(), 1, "{cmds:?}");
    // No customer words by default: the account and a count.
    assert_eq!(said[0].title, "handoff");
    assert_eq!(said[0].body, "1 customer needs a person — Store");
    assert!(!said[0].escalated);
    assert!(m.alert_line());
    assert_eq!(m.next_deadline(), Some(at(31)), "said again after `repeat`");
    assert!(notifications(&tick(&mut m, 20)).is_empty(), "not before");
    assert_eq!(notifications(&tick(&mut m, 31)).len(), 1, "again after 30 s");
    assert_eq!(notifications(&tick(&mut m, 61)).len(), 1, "and again");
    // The same handoff reported again is not a second alert.
    synced(&mut m, "ana", Status::NeedsHuman, 62);
    assert_eq!(m.alerts.pending().len(), 1);
    // Opened: acknowledged; nothing more is said.
    m.select_index(0);
    update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(70));
    assert_eq!(m.open, Some(key("store/ana")));
    assert!(!m.alert_line());
    assert!(notifications(&tick(&mut m, 200)).is_empty());
}

#[test]
fn the_first_load_raises_nothing_and_a_handoff_taken_by_someone_else_is_forgotten() {
    let mut m = fixtures::model(vec![fixtures::account("store", PlatformKind::Raia)]);
    m.accounts[0].synced = false;
    let cmds = synced(&mut m, "ana", Status::NeedsHuman, 0);
    assert!(
        notifications(&cmds).is_empty(),
        "the first load shows the queue, it does not ring"
    );
    let mut m = inbox(short(30, 600));
    synced(&mut m, "bob", Status::NeedsHuman, 1);
    assert!(m.alert_line());
    // A colleague took it: nobody needs to be told any more.
    synced(
        &mut m,
        "bob",
        Status::Human {
            by: Holder::Other("sam".into()),
        },
        5,
    );
    assert!(!m.alert_line());
    assert!(notifications(&tick(&mut m, 60)).is_empty());
}

#[test]
fn unanswered_it_escalates_louder_and_more_often() {
    let mut m = inbox(short(30, 120));
    synced(&mut m, "ana", Status::NeedsHuman, 0);
    assert_eq!(notifications(&tick(&mut m, 30)).len(), 1);
    // Escalation falls due on its own time, not on the next repeat.
    assert_eq!(m.next_deadline(), Some(at(60)));
    tick(&mut m, 60);
    tick(&mut m, 90);
    assert_eq!(m.next_deadline(), Some(at(120)));
    let cmds = tick(&mut m, 120);
    let said = notifications(&cmds);
    assert_eq!(said.len(), 1);
    assert!(said[0].escalated);
    assert_eq!(said[0].title, "handoff — waiting 2 min");
    assert!(m.alerts.escalated);
    assert_eq!(handoff::ui::window_title(&m), "(!!) handoff — 1 needs you");
    // Every ten seconds now (a third of the repeat).
    assert!(notifications(&tick(&mut m, 125)).is_empty());
    assert_eq!(notifications(&tick(&mut m, 130)).len(), 1);
    // Acknowledged with the key: all quiet, not escalated.
    press(&mut m, 'A', 131);
    assert!(!m.alert_line() && !m.alerts.escalated);
    assert_eq!(handoff::ui::window_title(&m), "handoff — 1 needs you");
    assert!(notifications(&tick(&mut m, 400)).is_empty());
}

#[test]
fn a_short_escalation_comes_before_the_first_repeat() {
    let mut m = inbox(short(30, 3));
    synced(&mut m, "ana", Status::NeedsHuman, 0);
    assert_eq!(m.next_deadline(), Some(at(3)));
    let cmds = tick(&mut m, 3);
    assert!(notifications(&cmds)[0].escalated, "{cmds:?}");
}

#[test]
fn include_text_names_the_customers_and_kinds_are_said_together() {
    let mut m = inbox(AlertSettings {
        include_text: true,
        ..AlertSettings::default()
    });
    synced(&mut m, "ana", Status::NeedsHuman, 1);
    let cmds = synced(&mut m, "bob", Status::NeedsHuman, 2);
    assert_eq!(
        notifications(&cmds)[0].body,
        "Customer ana, Customer bob need a person — Store"
    );
    let mut m = inbox(AlertSettings::default());
    synced(&mut m, "ana", Status::NeedsHuman, 1);
    synced(&mut m, "bob", Status::NeedsHuman, 2);
    let cmds = tick(&mut m, 40);
    assert_eq!(notifications(&cmds)[0].body, "2 customers need a person — Store");
}

/// A conversation of mine on `store`, its thread read once (the customer, then my reply).
fn holding(settings: AlertSettings) -> Model {
    let mut m = inbox(settings);
    synced(&mut m, "ana", Status::Human { by: Holder::Me }, 0);
    assert!(m.mine.contains_key(&key("store/ana")));
    thread(&mut m, vec![customer("1", 0), me("2", 10)], 10);
    m
}

fn customer(id: &str, seconds: i64) -> Message {
    fixtures::message(id, Author::Customer, "hello", at(seconds))
}

fn me(id: &str, seconds: i64) -> Message {
    fixtures::message(id, fixtures::me(), "hi, how can I help?", at(seconds))
}

fn thread(m: &mut Model, messages: Vec<Message>, seconds: i64) -> Vec<Cmd> {
    update(
        m,
        Msg::Thread {
            key: key("store/ana"),
            messages,
        },
        at(seconds),
    )
}

#[test]
fn the_sync_engine_is_told_what_i_hold() {
    let mut m = inbox(AlertSettings::default());
    let cmds = synced(&mut m, "ana", Status::Human { by: Holder::Me }, 0);
    assert!(cmds.contains(&Cmd::Net(Net::Held(vec![key("store/ana")]))), "{cmds:?}");
    // Said once, until it changes.
    assert!(!tick(&mut m, 1).iter().any(|c| matches!(c, Cmd::Net(Net::Held(_)))));
    let cmds = synced(&mut m, "ana", Status::Ai, 2);
    assert!(cmds.contains(&Cmd::Net(Net::Held(vec![]))), "{cmds:?}");
}

#[test]
fn a_customer_writing_in_a_conversation_i_hold_is_an_alert_unless_it_is_on_screen() {
    let mut m = holding(AlertSettings::default());
    // The same thread again, or my own message: nothing.
    assert!(notifications(&thread(&mut m, vec![customer("1", 0), me("2", 10)], 12)).is_empty());
    let cmds = thread(&mut m, vec![customer("1", 0), me("2", 10), customer("3", 20)], 20);
    assert_eq!(notifications(&cmds)[0].body, "a customer replied — Store");
    assert_eq!(m.alerts.pending()[0].kind, AlertKind::CustomerReplied);
    // Opened: answered. While it is on screen, a reply there raises nothing.
    m.select_index(0);
    update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(25));
    assert!(!m.alert_line());
    let cmds = thread(
        &mut m,
        vec![customer("1", 0), me("2", 10), customer("3", 20), customer("4", 30)],
        30,
    );
    assert!(notifications(&cmds).is_empty());
    assert!(!m.alert_line());
}

#[test]
fn a_customer_waiting_for_my_reply_past_reply_due_alerts_once_per_wait() {
    let settings = AlertSettings {
        reply_due: TimeDelta::seconds(120),
        ..AlertSettings::default()
    };
    let mut m = holding(settings);
    // The customer writes at 100 s: due at 220 s.
    thread(&mut m, vec![customer("1", 0), me("2", 10), customer("3", 100)], 100);
    press(&mut m, 'A', 101);
    assert_eq!(m.alerts.deadline(&m), Some(at(220)));
    assert!(notifications(&tick(&mut m, 200)).is_empty());
    let cmds = tick(&mut m, 220);
    assert_eq!(notifications(&cmds)[0].body, "a customer waits for your reply — Store");
    assert!(m.alerts.has(&key("store/ana")));
    // Acknowledged: not raised again for the same wait.
    press(&mut m, 'A', 221);
    assert!(notifications(&tick(&mut m, 400)).is_empty());
    assert!(!m.alert_line());
    // Answered, then the customer writes again: a new wait, due again.
    thread(
        &mut m,
        vec![customer("1", 0), me("2", 10), customer("3", 100), me("5", 410)],
        410,
    );
    thread(
        &mut m,
        vec![
            customer("1", 0),
            me("2", 10),
            customer("3", 100),
            me("5", 410),
            customer("6", 420),
        ],
        420,
    );
    press(&mut m, 'A', 421);
    assert_eq!(notifications(&tick(&mut m, 540)).len(), 1);
    // My reply ends the wait: the alert goes by itself.
    thread(
        &mut m,
        vec![
            customer("1", 0),
            me("2", 10),
            customer("3", 100),
            me("5", 410),
            customer("6", 420),
            me("7", 545),
        ],
        545,
    );
    assert!(!m.alert_line());
}

#[test]
fn one_of_mine_taken_by_someone_else_and_a_send_that_failed_are_alerts() {
    let mut m = holding(AlertSettings::default());
    let cmds = synced(
        &mut m,
        "ana",
        Status::Human {
            by: Holder::Other("sam".into()),
        },
        30,
    );
    assert_eq!(
        notifications(&cmds)[0].body,
        "a conversation of yours was taken over — Store"
    );
    press(&mut m, 'A', 31);

    // A reply refused while the operator looks at another conversation.
    let mut m = holding(AlertSettings::default());
    m.select_index(0);
    update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(40));
    update(&mut m, Msg::Key(Key::new(KeyCode::Char('i'))), at(41));
    for c in "thanks".chars() {
        update(&mut m, Msg::Key(Key::new(KeyCode::Char(c))), at(42));
    }
    let cmds = update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(43));
    let client_id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Store(handoff::app::Store::Send { client_id, .. }) => Some(*client_id),
            _ => None,
        })
        .expect("the reply goes out");
    update(&mut m, Msg::Key(Key::new(KeyCode::Esc)), at(44));
    update(&mut m, Msg::Key(Key::new(KeyCode::Esc)), at(44));
    m.open = None;
    let cmds = update(
        &mut m,
        Msg::Sent {
            key: key("store/ana"),
            client_id,
            result: Err(SendFailure {
                reason: "refused".into(),
                ambiguous: false,
                accepted: false,
            }),
        },
        at(45),
    );
    assert_eq!(notifications(&cmds)[0].body, "a reply of yours was not sent — Store");
}

#[test]
fn muted_alerts_stay_on_the_line_and_are_said_when_the_mute_ends() {
    let mut m = inbox(short(30, 600));
    press(&mut m, 'M', 0);
    assert_eq!(m.overlay, Some(Overlay::Mute));
    // 2: fifteen minutes.
    press(&mut m, '2', 1);
    assert_eq!(m.overlay, None);
    assert_eq!(m.alerts.muted_until, Some(at(1) + TimeDelta::minutes(15)));
    let cmds = synced(&mut m, "ana", Status::NeedsHuman, 10);
    assert!(notifications(&cmds).is_empty(), "muted");
    assert!(m.alert_line(), "still shown");
    assert!(notifications(&tick(&mut m, 300)).is_empty());
    // When the mute ends, what waits is said at once.
    let end = 1 + 15 * 60;
    assert_eq!(notifications(&tick(&mut m, end)).len(), 1);
    assert_eq!(m.alerts.muted_until, None);
    // 0 unmutes at once, Esc leaves the mute as it was.
    press(&mut m, 'M', end + 1);
    press(&mut m, '4', end + 2);
    assert!(m.alerts.muted(at(end + 3)));
    press(&mut m, 'M', end + 3);
    update(&mut m, Msg::Key(Key::new(KeyCode::Esc)), at(end + 4));
    assert!(m.alerts.muted(at(end + 5)));
    press(&mut m, 'M', end + 5);
    let cmds = press(&mut m, '0', end + 6);
    assert!(!m.alerts.muted(at(end + 6)));
    assert_eq!(notifications(&cmds).len(), 1, "unmuted: said now");
}

#[test]
fn alerts_settings_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let base = "[[accounts]]\nname = \"a\"\nplatform = \"raia\"\napi_key_env = \"X\"\n";
    std::fs::write(
        &path,
        format!(
            "[alerts]\nnotify = [\"bell\", \"osc9\"]\ninclude_text = true\nrepeat = \"10s\"\nescalate_after = \"1m\"\nreply_due = \"5m\"\ntmux_passthrough = false\n{base}"
        ),
    )
    .unwrap();
    let config = handoff::config::Config::load(&path).unwrap();
    assert_eq!(
        config.alerts,
        AlertSettings {
            notify: vec![handoff::domain::Notifier::Bell, handoff::domain::Notifier::Osc9],
            tmux_passthrough: false,
            include_text: true,
            repeat: TimeDelta::seconds(10),
            escalate_after: TimeDelta::minutes(1),
            reply_due: TimeDelta::minutes(5),
        }
    );
    for (bad, says) in [
        ("notify = [\"pager\"]", "unknown notifier \"pager\""),
        ("repeat = \"0s\"", "`repeat` must be at least 1s"),
        ("reply_due = \"soon\"", "`reply_due` is not a duration"),
    ] {
        std::fs::write(&path, format!("[alerts]\n{bad}\n{base}")).unwrap();
        let error = handoff::config::Config::load(&path).unwrap_err().to_string();
        assert!(error.contains(says), "{bad}: {error}");
        assert!(error.contains("config.toml:2"), "names the line: {error}");
    }
}

#[test]
fn a_customer_who_waited_for_a_person_is_not_overdue_the_moment_i_take_them() {
    let mut m = inbox(AlertSettings::default());
    // Waiting since 0 s; taken over at 600 s: due two minutes later, not at once.
    synced(&mut m, "ana", Status::NeedsHuman, 0);
    thread(&mut m, vec![customer("1", 0)], 1);
    press(&mut m, 'A', 2);
    update(
        &mut m,
        Msg::Done {
            key: key("store/ana"),
            op: handoff::app::Op::TakeOver,
            result: Ok(Some(fixtures::conversation(
                "store",
                "ana",
                Status::Human { by: Holder::Me },
            ))),
        },
        at(600),
    );
    assert!(m.mine.contains_key(&key("store/ana")));
    assert!(notifications(&tick(&mut m, 601)).is_empty());
    assert_eq!(m.alerts.deadline(&m), Some(at(720)));
    assert_eq!(notifications(&tick(&mut m, 720)).len(), 1);
}

/// An operator message by someone else, `seconds` after the tests' time.
fn colleague(id: &str, seconds: i64) -> Message {
    fixtures::message(
        id,
        Author::Operator {
            name: None,
            is_me: false,
        },
        "I'll take this one",
        at(seconds),
    )
}

#[test]
fn another_operator_writing_in_one_i_hold_where_the_platform_names_nobody_makes_it_theirs() {
    let mut m = holding(AlertSettings::default());
    let cmds = thread(&mut m, vec![customer("1", 0), me("2", 10), colleague("3", 30)], 30);
    assert_eq!(
        notifications(&cmds)[0].body,
        "a conversation of yours was taken over — Store"
    );
    assert!(!m.mine.contains_key(&key("store/ana")));
    assert_eq!(
        m.conversations[&key("store/ana")].status,
        Status::Human { by: Holder::Unknown },
        "no longer 'held by you' here"
    );
    // Replying now asks first (over another human), and so does taking it back.
    assert_eq!(
        m.held_by_other(&key("store/ana")).as_deref(),
        Some("another human holds it (t takes it over)")
    );
}

#[test]
fn my_own_reply_listed_before_its_answer_is_not_someone_else() {
    let mut m = holding(AlertSettings::default());
    m.select_index(0);
    update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(20));
    update(&mut m, Msg::Key(Key::new(KeyCode::Char('i'))), at(21));
    for c in "I'll take this one".chars() {
        update(&mut m, Msg::Key(Key::new(KeyCode::Char(c))), at(22));
    }
    update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), at(23));
    // The thread lists it (as "an operator") before the send is answered.
    thread(&mut m, vec![customer("1", 0), me("2", 10), colleague("3", 24)], 24);
    assert!(m.mine.contains_key(&key("store/ana")), "still mine");
    // Nor does an old operator message coming into view from before the hold.
    let mut m = holding(AlertSettings::default());
    thread(&mut m, vec![colleague("0", -100), customer("1", 0), me("2", 10)], 30);
    assert!(m.mine.contains_key(&key("store/ana")));
}
