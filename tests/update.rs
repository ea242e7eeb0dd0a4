//! `update` as a table: a message in, the model and the commands out. No terminal, no network.

mod common;

use chrono::TimeDelta;
use common::fixtures::{self, now as t0};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Account, Confirm, Focus, Overlay, View};
use handoff::app::{Cmd, Connection, Model, Msg, Net, Op, OutboxState, SendFailure, Store, Term, update};
use handoff::domain::{
    Author, Availability, Capabilities, Conversation, ConversationKey, Delivery, Holder, Message, PlatformKind,
    SendBaseline, Status,
};

/// What the tests call an account that cannot take over: its API has no live agent.
fn caps(takeover: bool) -> Capabilities {
    let why = "no takeover in this API";
    let caps = if takeover {
        fixtures::capabilities()
    } else {
        fixtures::without_live_agent(why, why, why)
    };
    Capabilities {
        assign: Availability::No("no".into()),
        set_priority: Availability::No("no".into()),
        ..caps
    }
}

/// A raia account not yet synced.
fn account(name: &str, takeover: bool) -> Account {
    Account {
        capabilities: caps(takeover),
        connection: Connection::Connecting,
        synced: false,
        ..fixtures::account(name, PlatformKind::Raia)
    }
}

fn conv(account: &str, id: &str, status: Status, minutes_ago: i64) -> Conversation {
    Conversation {
        updated_at: t0() - TimeDelta::minutes(minutes_ago),
        ..fixtures::conversation(account, id, status)
    }
}

/// A message `minute` minutes after the tests' time.
fn msg(id: &str, author: Author, text: &str, minute: i64) -> Message {
    fixtures::message(id, author, text, t0() + TimeDelta::minutes(minute))
}

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

/// A model with two accounts and a mixed inbox, synced.
fn inbox() -> Model {
    let mut m = fixtures::model(vec![account("a", true), account("dash", false)]);
    m.width = 120;
    m.height = 40;
    let changed = vec![
        conv("a", "ai-old", Status::Ai, 50),
        conv("a", "ai-new", Status::Ai, 5),
        conv("a", "need-recent", Status::NeedsHuman, 2),
        conv("a", "need-long", Status::NeedsHuman, 10),
        conv(
            "a",
            "theirs",
            Status::Human {
                by: Holder::Other("Sam".into()),
            },
            3,
        ),
        conv("a", "done", Status::Resolved, 1),
    ];
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed,
            removed: vec![],
        },
    );
    run(
        &mut m,
        Msg::Synced {
            account: "dash".into(),
            changed: vec![conv("dash", "d1", Status::Ai, 7)],
            removed: vec![],
        },
    );
    m
}

fn run(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    update(m, msg, t0())
}

/// What a send's thread held when it had no identical reply, sent at the tests' time.
fn nothing_before() -> SendBaseline {
    SendBaseline {
        sent_at: t0(),
        earlier: vec![],
    }
}

fn press(m: &mut Model, keys: &str) -> Vec<Cmd> {
    let mut cmds = vec![];
    for c in keys.chars() {
        cmds.extend(run(m, Msg::Key(Key::new(KeyCode::Char(c)))));
    }
    cmds
}

fn special(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    run(m, Msg::Key(Key::new(code)))
}

fn ids(m: &Model) -> Vec<&str> {
    m.rows.iter().map(|k| k.id.as_str()).collect()
}

#[test]
fn rows_follow_the_queue_order_and_views_count() {
    let mut m = inbox();
    assert_eq!(
        ids(&m),
        ["need-long", "need-recent", "theirs", "ai-new", "d1", "ai-old"]
    );
    assert_eq!(m.counts[&View::NeedsYou], 2);
    assert_eq!(m.counts[&View::Mine], 0);
    assert_eq!(m.counts[&View::All], 6);
    assert_eq!(m.counts[&View::Resolved], 1);
    press(&mut m, "1");
    assert_eq!(ids(&m), ["need-long", "need-recent"]);
    press(&mut m, "4");
    assert_eq!(ids(&m), ["done"]);
    press(&mut m, "3");
    // The text filter narrows every view's count too.
    press(&mut m, "/");
    press(&mut m, "ai-n");
    special(&mut m, KeyCode::Enter);
    assert_eq!(ids(&m), ["ai-new"]);
    assert_eq!(m.filter, "ai-n");
    special(&mut m, KeyCode::Esc);
    assert_eq!(m.rows.len(), 6, "Esc in the list clears the filter");
}

#[test]
fn selection_stays_on_the_same_conversation_when_rows_move() {
    let mut m = inbox();
    press(&mut m, "jjj");
    assert_eq!(m.selected, Some(key("a/ai-new")));
    let cursor = m.cursor;
    // A new handoff sorts above: the rows move, the selection does not.
    let cmds = run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "new", Status::NeedsHuman, 60)],
            removed: vec![],
        },
    );
    assert!(
        matches!(&cmds[..], [Cmd::Term(Term::Notify(n))] if n.body == "1 customer needs a person — a"),
        "a new handoff is said: {cmds:?}"
    );
    assert_eq!(m.selected, Some(key("a/ai-new")));
    assert_eq!(m.cursor, cursor + 1);
    // The selected one disappears: the cursor stays where it was.
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![],
            removed: vec![key("a/ai-new")],
        },
    );
    assert_eq!(m.cursor, cursor + 1);
    assert_eq!(m.selected.as_ref(), m.rows.get(m.cursor));
    // Movement stops at both ends.
    press(&mut m, "G");
    press(&mut m, "j");
    assert_eq!(m.cursor, m.rows.len() - 1);
    press(&mut m, "gk");
    assert_eq!(m.cursor, 0);
}

#[test]
fn take_over_reply_hand_back() {
    let mut m = inbox();
    // Open the longest-waiting conversation with n.
    let cmds = press(&mut m, "n");
    assert_eq!(m.open, Some(key("a/need-long")));
    assert!(cmds.contains(&Cmd::Net(Net::Watch(Some(key("a/need-long"))))));
    // Typing before holding it: the draft is kept, Enter refuses with what to do.
    press(&mut m, "i");
    assert_eq!(m.focus, Focus::Compose);
    press(&mut m, "Hello");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert!(
        m.notice.as_ref().unwrap().text.contains("press t to take over"),
        "{:?}",
        m.notice
    );
    assert_eq!(m.drafts[&key("a/need-long")].text(), "Hello");
    // Take over: a command, busy until the platform answers.
    special(&mut m, KeyCode::Esc);
    let cmds = press(&mut m, "t");
    assert_eq!(
        cmds,
        vec![Cmd::Net(Net::Act {
            key: key("a/need-long"),
            op: Op::TakeOver
        })]
    );
    assert!(press(&mut m, "t").is_empty(), "one operation at a time");
    // raia cannot name the holder: the confirmed takeover makes it mine.
    let taken = conv("a", "need-long", Status::Human { by: Holder::Unknown }, 0);
    run(
        &mut m,
        Msg::Done {
            key: key("a/need-long"),
            op: Op::TakeOver,
            result: Ok(Some(taken)),
        },
    );
    assert_eq!(
        m.conversations[&key("a/need-long")].status,
        Status::Human { by: Holder::Me }
    );
    assert_eq!(m.counts[&View::Mine], 1);
    // And a later sync that says the same keeps it mine.
    let again = conv("a", "need-long", Status::Human { by: Holder::Unknown }, 0);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![again],
            removed: vec![],
        },
    );
    assert_eq!(
        m.conversations[&key("a/need-long")].status,
        Status::Human { by: Holder::Me }
    );
    // Now Enter sends; the message shows as pending until the platform answers.
    press(&mut m, "i");
    let cmds = special(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![
            Cmd::Store(Store::SaveDraft {
                key: key("a/need-long"),
                text: String::new()
            }),
            Cmd::Store(Store::Send {
                key: key("a/need-long"),
                client_id: 1,
                baseline: nothing_before(),
                text: "Hello".into()
            }),
        ]
    );
    assert!(m.drafts[&key("a/need-long")].is_empty());
    let thread = &m.threads[&key("a/need-long")];
    assert_eq!(thread.outbox.message(0).unwrap().delivery, Delivery::Pending);
    assert_eq!(m.sends.in_flight(), 1);
    let sent = msg(
        "m9",
        Author::Operator {
            name: None,
            is_me: true,
        },
        "Hello",
        1,
    );
    run(
        &mut m,
        Msg::Sent {
            key: key("a/need-long"),
            client_id: 1,
            result: Ok(sent),
        },
    );
    let thread = &m.threads[&key("a/need-long")];
    assert!(thread.outbox.is_empty());
    assert_eq!(thread.messages.last().unwrap().id, "m9");
    assert_eq!(m.sends.in_flight(), 0);
    // The platform lists it as "an operator" on the next poll; it stays "me".
    let listed = msg(
        "m9",
        Author::Operator {
            name: None,
            is_me: false,
        },
        "Hello",
        1,
    );
    run(
        &mut m,
        Msg::Thread {
            key: key("a/need-long"),
            messages: vec![listed],
        },
    );
    let last = m.threads[&key("a/need-long")].messages.last().unwrap().clone();
    assert_eq!(
        last.author,
        Author::Operator {
            name: None,
            is_me: true
        }
    );
    // Hand back.
    special(&mut m, KeyCode::Esc);
    let cmds = press(&mut m, "a");
    assert_eq!(
        cmds,
        vec![Cmd::Net(Net::Act {
            key: key("a/need-long"),
            op: Op::HandBack
        })]
    );
    let back = conv("a", "need-long", Status::Ai, 0);
    run(
        &mut m,
        Msg::Done {
            key: key("a/need-long"),
            op: Op::HandBack,
            result: Ok(Some(back)),
        },
    );
    assert_eq!(m.conversations[&key("a/need-long")].status, Status::Ai);
    assert_eq!(m.counts[&View::Mine], 0);
}

#[test]
fn a_failed_send_keeps_the_words() {
    let mut m = inbox();
    m.mine.insert(key("a/ai-new"), fixtures::now());
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "ai-new", Status::Human { by: Holder::Unknown }, 0)],
            removed: vec![],
        },
    );
    m.selected = Some(key("a/ai-new"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    press(&mut m, "Are you there?");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(cmds.contains(&Cmd::Store(Store::Send {
        key: key("a/ai-new"),
        client_id: 1,
        baseline: nothing_before(),
        text: "Are you there?".into()
    })));
    run(
        &mut m,
        Msg::Sent {
            key: key("a/ai-new"),
            client_id: 1,
            result: Err(SendFailure {
                reason: "not allowed now: HTTP 400".into(),
                ambiguous: false,
                accepted: false,
            }),
        },
    );
    assert!(
        m.threads[&key("a/ai-new")].outbox.is_empty(),
        "its words are in one place: the draft"
    );
    assert_eq!(
        m.drafts[&key("a/ai-new")].text(),
        "Are you there?",
        "the text is back in the draft"
    );
    let notice = m.notice.clone().unwrap();
    assert!(notice.error && notice.text.contains("not sent"), "{notice:?}");
}

#[test]
fn taking_from_another_operator_asks_first() {
    let mut m = inbox();
    m.selected = Some(key("a/theirs"));
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Confirm(Confirm::TakeFrom {
            key: key("a/theirs"),
            holder: "Sam".into()
        }))
    );
    assert!(press(&mut m, "n").is_empty());
    assert_eq!(m.overlay, None);
    press(&mut m, "t");
    assert_eq!(
        press(&mut m, "y"),
        vec![Cmd::Net(Net::Act {
            key: key("a/theirs"),
            op: Op::TakeOver
        })]
    );
    // A human the platform does not name (raia), not held here: someone else's, asked too.
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "unnamed", Status::Human { by: Holder::Unknown }, 1)],
            removed: vec![],
        },
    );
    m.selected = Some(key("a/unnamed"));
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm::TakeFrom { key: k, holder })) if *k == key("a/unnamed") && holder.starts_with("Another human")),
        "{:?}",
        m.overlay
    );
}

/// With no identity configured, the platform cannot record who took it over: a takeover is
/// asked first, and says why.
#[test]
fn taking_over_with_no_identity_asks_first() {
    let mut m = inbox();
    m.anonymous = true;
    m.selected = Some(key("a/need-long"));
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Confirm(Confirm::TakeAnonymous {
            key: key("a/need-long")
        }))
    );
    assert!(press(&mut m, "n").is_empty());
    assert_eq!(m.overlay, None);
    press(&mut m, "t");
    assert_eq!(
        press(&mut m, "y"),
        vec![Cmd::Net(Net::Act {
            key: key("a/need-long"),
            op: Op::TakeOver
        })]
    );
    // From another operator: one question, which says both.
    m.selected = Some(key("a/theirs"));
    m.refresh_rows();
    press(&mut m, "t");
    assert!(matches!(m.overlay, Some(Overlay::Confirm(Confirm::TakeFrom { .. }))));
    assert_eq!(press(&mut m, "y").len(), 1, "taken after one yes");
}

#[test]
fn unavailable_actions_say_why_and_send_nothing() {
    let mut m = inbox();
    m.selected = Some(key("dash/d1"));
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    let notice = m.notice.clone().unwrap();
    assert!(
        notice.error && notice.text.contains("no takeover in this API"),
        "{notice:?}"
    );
}

/// A conversation the platform takes no reply in (a raia voice call), on an account that sends
/// elsewhere: the draft is kept, the send refused with the reason, nothing leaves.
#[test]
fn a_conversation_without_replies_says_why_and_sends_nothing() {
    let mut m = inbox();
    let why = "a voice call — raia takes no text reply here";
    let voice = Conversation {
        no_reply: Some(why.into()),
        ..conv("a", "call", Status::Human { by: Holder::Me }, 0)
    };
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![voice, conv("a", "chat", Status::Human { by: Holder::Me }, 0)],
            removed: vec![],
        },
    );
    assert_eq!(m.can_send(&key("a/call")), Err(why.to_string()));
    assert_eq!(m.can_send(&key("a/chat")), Ok(()), "only that conversation");
    m.selected = Some(key("a/call"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    press(&mut m, "Hello?");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Send { .. }))),
        "{cmds:?}"
    );
    assert_eq!(m.drafts[&key("a/call")].text(), "Hello?", "the words are kept");
    let notice = m.notice.clone().unwrap();
    assert!(notice.error && notice.text.contains(why), "{notice:?}");
}

#[test]
fn errors_are_shown_and_the_model_keeps_the_platform_state() {
    let mut m = inbox();
    m.selected = Some(key("a/need-long"));
    m.refresh_rows();
    press(&mut m, "t");
    run(
        &mut m,
        Msg::Done {
            key: key("a/need-long"),
            op: Op::TakeOver,
            result: Err("server error (HTTP 500)".into()),
        },
    );
    assert_eq!(
        m.conversations[&key("a/need-long")].status,
        Status::NeedsHuman,
        "no guess"
    );
    assert!(m.busy.is_empty());
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("taking over failed — server error (HTTP 500)")
    );
    let at = t0() + TimeDelta::seconds(8);
    run(
        &mut m,
        Msg::Connection {
            account: "a".into(),
            state: Connection::Retrying {
                at,
                error: "timeout".into(),
            },
        },
    );
    assert_eq!(
        m.accounts[0].connection,
        Connection::Retrying {
            at,
            error: "timeout".into()
        }
    );
    // A retry countdown on screen is a deadline (once a second); a notice is too.
    assert!(m.next_deadline().unwrap() <= t0() + TimeDelta::seconds(1));
}

#[test]
fn another_operator_taking_mine_is_said_at_once() {
    let mut m = inbox();
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "ai-old", Status::Human { by: Holder::Me }, 0)],
            removed: vec![],
        },
    );
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv(
                "a",
                "ai-old",
                Status::Human {
                    by: Holder::Other("Sam".into()),
                },
                0,
            )],
            removed: vec![],
        },
    );
    let notice = m.notice.clone().unwrap();
    assert!(notice.text.contains("taken over by Sam"), "{notice:?}");
}

#[test]
fn new_messages_get_a_divider_a_preview_and_a_wait() {
    let mut m = inbox();
    m.selected = Some(key("a/need-long"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    special(&mut m, KeyCode::Esc);
    let k = key("a/need-long");
    let first = vec![msg("1", Author::Customer, "hi", 0), msg("2", Author::Ai, "hello", 1)];
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: first.clone(),
        },
    );
    assert_eq!(m.threads[&k].divider, None, "nothing new on first sight");
    let mut more = first;
    more.push(msg("3", Author::Customer, "a person please\nnow", 2));
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: more,
        },
    );
    assert_eq!(m.threads[&k].divider, Some(2));
    let c = &m.conversations[&k];
    assert_eq!(c.preview.as_deref(), Some("a person please"));
    assert_eq!(
        c.waiting_since,
        Some(t0() + TimeDelta::minutes(2)),
        "since the customer message nobody answered"
    );
}

#[test]
fn a_big_paste_stays_in_the_draft() {
    let mut m = inbox();
    special(&mut m, KeyCode::Enter);
    let paste = "line one\nline two\n\u{1b}[31mline three\u{1b}[0m\nline four";
    let cmds = run(&mut m, Msg::Paste(paste.into()));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Send { .. }))),
        "a paste never sends: {cmds:?}"
    );
    assert_eq!(m.focus, Focus::Compose);
    let draft = m.drafts[m.open.as_ref().unwrap()].text();
    assert_eq!(draft, "line one\nline two\nline three\nline four");
}

#[test]
fn quitting_while_sending_asks() {
    let mut m = inbox();
    // A send on its way.
    m.sends.claim();
    assert!(press(&mut m, "q").is_empty());
    assert_eq!(m.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    // Quitting is model state, not a command.
    assert_eq!(press(&mut m, "y"), vec![]);
    assert!(m.quit);
    let mut m = inbox();
    assert_eq!(run(&mut m, Msg::Key(Key::ctrl('c'))), vec![]);
    assert!(m.quit);
}

#[test]
fn a_static_screen_has_no_deadline_but_minutes_on_screen_do() {
    let mut m = fixtures::model(vec![account("a", true)]);
    assert_eq!(m.next_deadline(), None);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "x", Status::Ai, 3)],
            removed: vec![],
        },
    );
    // Updated 3 minutes ago: the row says "3m" until the 4th minute.
    assert_eq!(m.next_deadline(), Some(t0() + TimeDelta::minutes(1)));
}

#[test]
fn the_first_load_of_each_account_keeps_the_top_of_the_queue_selected() {
    let mut m = fixtures::model(vec![account("a", true), account("b", true)]);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "x", Status::Ai, 1)],
            removed: vec![],
        },
    );
    assert_eq!(m.selected, Some(key("a/x")));
    let waiting = conv("b", "w", Status::NeedsHuman, 30);
    run(
        &mut m,
        Msg::Synced {
            account: "b".into(),
            changed: vec![waiting],
            removed: vec![],
        },
    );
    assert_eq!(m.selected, Some(key("b/w")), "the longest wait, at the top");
    // After that, the selection follows its conversation.
    let other = conv("b", "v", Status::NeedsHuman, 60);
    run(
        &mut m,
        Msg::Synced {
            account: "b".into(),
            changed: vec![other],
            removed: vec![],
        },
    );
    assert_eq!(m.selected, Some(key("b/w")));
}

#[test]
fn drafts_reach_the_store_within_a_second_and_on_every_move() {
    let mut m = inbox();
    m.selected = Some(key("a/need-long"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    let typed = press(&mut m, "Hel");
    assert!(
        typed.iter().all(|c| !matches!(c, Cmd::Store(Store::SaveDraft { .. }))),
        "not on every key: {typed:?}"
    );
    assert_eq!(
        m.next_deadline(),
        Some(t0() + TimeDelta::seconds(1)),
        "the save is a deadline"
    );
    // A second later (the loop wakes for the deadline) the draft is written.
    let cmds = update(&mut m, Msg::Tick, t0() + TimeDelta::seconds(1));
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::SaveDraft {
            key: key("a/need-long"),
            text: "Hel".into()
        })]
    );
    assert_eq!(m.save_due, None);
    // Leaving the compose box writes at once.
    press(&mut m, "lo");
    let cmds = special(&mut m, KeyCode::Esc);
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::SaveDraft {
            key: key("a/need-long"),
            text: "Hello".into()
        })]
    );
    // Quitting writes before it quits: the save is among the quitting round's commands, all
    // carried out before the loop ends.
    press(&mut m, "i");
    press(&mut m, "!");
    let cmds = run(&mut m, Msg::Key(Key::ctrl('c')));
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::SaveDraft {
            key: key("a/need-long"),
            text: "Hello!".into()
        })]
    );
    assert!(m.quit);
}

/// The inbox, with a/ai-new held by the operator (raia names no holder: it is in `mine`), open
/// and the compose box focused.
fn holding_ai_new() -> Model {
    let mut m = inbox();
    m.mine.insert(key("a/ai-new"), fixtures::now());
    let held = conv("a", "ai-new", Status::Human { by: Holder::Unknown }, 0);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![held],
            removed: vec![],
        },
    );
    m.selected = Some(key("a/ai-new"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    m
}

#[test]
fn a_sent_draft_is_cleared_in_the_store_before_the_send_leaves() {
    let mut m = holding_ai_new();
    press(&mut m, "ok");
    let cmds = special(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![
            Cmd::Store(Store::SaveDraft {
                key: key("a/ai-new"),
                text: String::new()
            }),
            Cmd::Store(Store::Send {
                key: key("a/ai-new"),
                client_id: 1,
                baseline: nothing_before(),
                text: "ok".into()
            }),
        ]
    );
}

/// A model where the operator holds a/ai-new and has just sent "Are you there?" (client id 1).
fn sent_one() -> Model {
    let mut m = holding_ai_new();
    press(&mut m, "Are you there?");
    special(&mut m, KeyCode::Enter);
    m
}

#[test]
fn no_answer_means_unknown_and_a_check_of_the_thread_never_a_resend() {
    let mut m = sent_one();
    let k = key("a/ai-new");
    let failure = SendFailure {
        reason: "no answer within 10s (timed out)".into(),
        ambiguous: true,
        accepted: false,
    };
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(failure),
        },
    );
    let text = "Are you there?".to_string();
    assert_eq!(
        cmds,
        vec![
            Cmd::Store(Store::Outbox {
                client_id: 1,
                key: k.clone(),
                text: text.clone(),
                state: OutboxState::Unknown("no answer within 10s (timed out)".into())
            }),
            Cmd::Net(Net::Reconcile {
                key: k.clone(),
                client_id: 1,
                baseline: nothing_before(),
                text: text.clone()
            }),
        ]
    );
    assert!(matches!(
        m.threads[&k].outbox.message(0).unwrap().delivery,
        Delivery::Unknown(_)
    ));
    assert!(
        m.drafts[&k].is_empty(),
        "nothing is offered for resending while unknown"
    );
    // It did arrive: settled as sent, nothing else.
    let mut arrived = m;
    let cmds = run(
        &mut arrived,
        Msg::Reconciled {
            key: k.clone(),
            client_id: 1,
            result: Ok(vec!["m-arrived".into()]),
        },
    );
    assert_eq!(
        cmds[0],
        Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: text.clone(),
            state: OutboxState::Sent
        })
    );
    assert!(arrived.threads[&k].outbox.is_empty());
    assert!(arrived.drafts[&k].is_empty());
}

#[test]
fn unknown_then_not_in_the_thread_is_failed_and_offered_back() {
    let mut m = sent_one();
    let k = key("a/ai-new");
    let failure = SendFailure {
        reason: "the connection broke mid-answer".into(),
        ambiguous: true,
        accepted: false,
    };
    run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(failure),
        },
    );
    let cmds = run(
        &mut m,
        Msg::Reconciled {
            key: k.clone(),
            client_id: 1,
            result: Ok(vec![]),
        },
    );
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: "Are you there?".into(),
            state: OutboxState::Restored
        })]
    );
    assert!(m.threads[&k].outbox.is_empty(), "its words are in one place: the draft");
    assert_eq!(
        m.drafts[&k].text(),
        "Are you there?",
        "offered back, to send again by hand"
    );
    // A second check still in flight (opening the conversation started one) may find the
    // operator's re-send: it settles nothing.
    let cmds = run(
        &mut m,
        Msg::Reconciled {
            key: k.clone(),
            client_id: 1,
            result: Ok(vec!["resent".into()]),
        },
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(m.drafts[&k].text(), "Are you there?");
    // A check that could not be made leaves it unknown, and opening the conversation checks again.
    let mut m = sent_one();
    let failure = SendFailure {
        reason: "timed out".into(),
        ambiguous: true,
        accepted: false,
    };
    run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(failure),
        },
    );
    run(
        &mut m,
        Msg::Reconciled {
            key: k.clone(),
            client_id: 1,
            result: Err("network down".into()),
        },
    );
    assert!(matches!(
        m.threads[&k].outbox.message(0).unwrap().delivery,
        Delivery::Unknown(_)
    ));
    special(&mut m, KeyCode::Esc);
    special(&mut m, KeyCode::Esc);
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        cmds.contains(&Cmd::Net(Net::Reconcile {
            key: k,
            client_id: 1,
            baseline: nothing_before(),
            text: "Are you there?".into()
        })),
        "{cmds:?}"
    );
}

#[test]
fn a_message_that_arrived_while_typing_is_shown_before_sending_over_it() {
    let mut m = inbox();
    let k = key("a/ai-new");
    m.mine.insert(k.clone(), fixtures::now());
    let held = conv("a", "ai-new", Status::Human { by: Holder::Unknown }, 0);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![held],
            removed: vec![],
        },
    );
    m.selected = Some(k.clone());
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    let before = vec![msg("1", Author::Customer, "my order is late", 0)];
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: before.clone(),
        },
    );
    press(&mut m, "i");
    press(&mut m, "It ships today");
    // The customer writes while the operator types.
    let mut after = before;
    after.push(msg("2", Author::Customer, "never mind, it just arrived!", 1));
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: after,
        },
    );
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Send { .. }))),
        "{cmds:?}"
    );
    match &m.overlay {
        Some(Overlay::Confirm(Confirm::SendOver { key: asked, what })) => {
            assert_eq!(asked, &k);
            assert!(
                what.contains("from the customer") && what.contains("it just arrived"),
                "{what}"
            );
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    // No: nothing sent, the draft stays.
    press(&mut m, "n");
    assert_eq!(m.drafts[&k].text(), "It ships today");
    // Yes: sent as written, and the next reply starts a fresh count.
    special(&mut m, KeyCode::Enter);
    let cmds = press(&mut m, "y");
    assert!(
        cmds.contains(&Cmd::Store(Store::Send {
            key: k.clone(),
            client_id: 1,
            baseline: nothing_before(),
            text: "It ships today".into()
        })),
        "{cmds:?}"
    );
    assert_eq!(m.threads[&k].reply_base, None);
}

fn thread(k: &ConversationKey, messages: Vec<Message>) -> Msg {
    Msg::Thread {
        key: k.clone(),
        messages,
    }
}

fn saved_marks(cmds: &[Cmd]) -> Vec<(String, String)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Store(Store::SaveReadMark { key, mark }) => Some((key.to_string(), mark.message_id.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn what_was_seen_is_remembered_and_the_next_run_divides_there() {
    let mut m = inbox();
    let k = key("a/need-long");
    m.selected = Some(k.clone());
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    let two = vec![msg("1", Author::Customer, "hi", 0), msg("2", Author::Ai, "hello", 1)];
    let cmds = run(&mut m, thread(&k, two.clone()));
    assert_eq!(
        saved_marks(&cmds),
        [("a/need-long".into(), "2".into())],
        "the open thread is seen"
    );
    assert!(
        saved_marks(&run(&mut m, Msg::Tick)).is_empty(),
        "written once, not on every message"
    );
    special(&mut m, KeyCode::Esc);

    // The next run: two more messages came meanwhile.
    let mut next = inbox();
    next.read_marks = m.read_marks.clone();
    let mut four = two;
    four.push(msg("3", Author::Customer, "still there?", 2));
    four.push(msg("4", Author::Customer, "hello??", 3));
    run(&mut next, thread(&k, four.clone()));
    assert_eq!(next.threads[&k].seen, 2);
    assert_eq!(next.threads[&k].divider, Some(2), "new from the first message not seen");
    let c = next.conversations[&k].clone();
    assert!(c.unread == Some(0) || next.is_unread(&c));

    // A platform without unread counts (raia) shows unread from the mark.
    let mut c = c;
    c.unread = None;
    assert!(next.is_unread(&c), "messages after the mark are unread");
    next.selected = Some(k.clone());
    next.refresh_rows();
    let cmds = special(&mut next, KeyCode::Enter);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Net(Net::Act { op: Op::MarkRead, .. })))
    );
    // Opened and at the bottom: everything is seen, and remembered.
    let cmds = run(&mut next, thread(&k, four));
    assert_eq!(saved_marks(&cmds), [("a/need-long".into(), "4".into())]);
    assert!(!next.is_unread(&c));

    // The mark's message is gone from a later copy of the thread: its time still places it.
    let mut later = inbox();
    later.read_marks = next.read_marks.clone();
    let shifted = vec![
        msg("x3", Author::Customer, "still there?", 2),
        msg("x4", Author::Customer, "hello??", 3),
        msg("x5", Author::Customer, "new", 4),
    ];
    run(&mut later, thread(&k, shifted));
    assert_eq!(later.threads[&k].seen, 2);
}

fn cached_inbox() -> (Model, ConversationKey) {
    let mut m = fixtures::model(vec![account("a", true), account("dash", false)]);
    m.width = 120;
    m.height = 40;
    let k = key("a/need-long");
    let mut gone = conv("a", "gone", Status::Ai, 30);
    gone.customer_name = "Gone since".into();
    let messages: Vec<Message> = (0..5)
        .map(|i| msg(&i.to_string(), Author::Customer, &format!("cached {i}"), i))
        .collect();
    m.read_marks
        .insert(k.clone(), handoff::domain::ReadMark::of(&messages[2]));
    let cmds = run(
        &mut m,
        Msg::Cached {
            conversations: vec![conv("a", "need-long", Status::NeedsHuman, 10), gone],
            threads: vec![(k.clone(), messages)],
            synced_at: vec![("a".into(), t0() - TimeDelta::hours(3))],
            resolved: vec![],
        },
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    (m, k)
}

#[test]
fn the_cache_shows_the_last_picture_read_only_until_the_account_answers() {
    let (mut m, k) = cached_inbox();
    assert_eq!(ids(&m), ["need-long", "gone"]);
    assert_eq!(m.account("a").unwrap().cached_at, Some(t0() - TimeDelta::hours(3)));
    let t = &m.threads[&k];
    assert!(t.loaded && t.cached);
    assert_eq!((t.seen, t.divider), (3, Some(3)), "the read mark places the divider");
    assert_eq!(
        m.conversations[&k].preview.as_deref(),
        Some("cached 4"),
        "previews from the cached thread"
    );

    // Read-only: nothing is sent to a platform that has not answered.
    m.selected = Some(k.clone());
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    assert!(m.notice.as_ref().unwrap().text.contains("read-only"), "{:?}", m.notice);
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    assert_eq!(m.focus, Focus::Compose);
    press(&mut m, "words kept");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Send { .. }))),
        "{cmds:?}"
    );
    assert!(m.notice.as_ref().unwrap().text.contains("read-only"));
    assert_eq!(m.drafts[&k].text(), "words kept", "the draft stays");

    // The first answer is the queue, not the whole account: the cached rest stays until the
    // first walk of the history ends; what no sync mentioned by then is gone. The cached
    // thread stays (marked) until the live one comes, which may be longer than the copy.
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "need-long", Status::NeedsHuman, 10)],
            removed: vec![],
        },
    );
    assert_eq!(ids(&m), ["need-long", "gone"]);
    assert_eq!(m.account("a").unwrap().cached_at, None);
    run(&mut m, Msg::Walked { account: "a".into() });
    assert_eq!(ids(&m), ["need-long"]);
    assert!(m.threads[&k].cached);
    let live: Vec<Message> = (-3..7)
        .map(|i| msg(&i.to_string(), Author::Customer, &format!("live {i}"), i))
        .collect();
    // Back to the list: the operator has seen the cached copy, up to its message 4.
    special(&mut m, KeyCode::Esc);
    special(&mut m, KeyCode::Esc);
    assert_eq!(m.focus, Focus::List);
    run(&mut m, thread(&k, live));
    let t = &m.threads[&k];
    assert!(!t.cached);
    assert_eq!(t.seen, 8, "seen up to message 4, counted in the longer live thread");
    assert_eq!(t.divider, Some(8));
}

#[test]
fn live_data_is_never_replaced_by_the_cache() {
    let mut m = inbox();
    let before = m.conversations[&key("a/need-long")].clone();
    let mut stale = before.clone();
    stale.status = Status::Resolved;
    run(
        &mut m,
        Msg::Cached {
            conversations: vec![*stale],
            threads: vec![],
            synced_at: vec![("a".into(), t0())],
            resolved: vec![],
        },
    );
    assert_eq!(m.conversations[&key("a/need-long")], before);
    assert_eq!(m.account("a").unwrap().cached_at, None);
}

#[test]
fn the_editor_gets_the_draft_and_the_context_and_its_reply_becomes_the_draft() {
    let mut m = inbox();
    let k = key("a/need-long");
    m.selected = Some(k.clone());
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    run(
        &mut m,
        thread(
            &k,
            vec![
                msg("1", Author::Customer, "where is my order?", 0),
                msg("2", Author::Ai, "Let me check.\nOne moment.", 1),
            ],
        ),
    );
    press(&mut m, "i");
    press(&mut m, "Hi");
    let ctrl_g = Key {
        ctrl: true,
        ..Key::new(KeyCode::Char('g'))
    };
    let cmds = run(&mut m, Msg::Key(ctrl_g));
    let Some(Cmd::Term(Term::Edit {
        key: edited,
        draft,
        context,
    })) = cmds.iter().find(|c| matches!(c, Cmd::Term(Term::Edit { .. })))
    else {
        panic!("no edit: {cmds:?}");
    };
    assert_eq!((edited, draft.as_str()), (&k, "Hi"));
    assert!(
        context.starts_with("Reply to Customer need-long (a/need-long)"),
        "{context}"
    );
    assert!(
        context.contains("Customer need-long:\n    where is my order?\n")
            && context.contains("AI:\n    Let me check.\n    One moment."),
        "{context}"
    );

    let cmds = run(
        &mut m,
        Msg::Edited {
            key: k.clone(),
            result: Ok("Hi Ann,\nit ships today.".into()),
        },
    );
    assert_eq!(m.drafts[&k].text(), "Hi Ann,\nit ships today.");
    assert_eq!(m.focus, Focus::Compose);
    assert!(
        cmds.contains(&Cmd::Store(Store::SaveDraft {
            key: k.clone(),
            text: "Hi Ann,\nit ships today.".into()
        })),
        "saved at once: {cmds:?}"
    );

    // A failing editor changes nothing and says why.
    run(
        &mut m,
        Msg::Edited {
            key: k.clone(),
            result: Err("vi: command not found".into()),
        },
    );
    assert_eq!(m.drafts[&k].text(), "Hi Ann,\nit ships today.");
    assert!(m.notice.as_ref().unwrap().text.contains("command not found"));
}

#[test]
fn y_copies_the_message_where_the_thread_stands() {
    let mut m = inbox();
    let k = key("a/need-long");
    m.selected = Some(k.clone());
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    run(
        &mut m,
        thread(
            &k,
            vec![
                msg("1", Author::Customer, "order 4417", 0),
                msg("2", Author::Ai, "found it", 1),
            ],
        ),
    );
    assert_eq!(press(&mut m, "y"), vec![Cmd::Term(Term::Copy("found it".into()))]);
    press(&mut m, "k");
    assert_eq!(press(&mut m, "y"), vec![Cmd::Term(Term::Copy("order 4417".into()))]);
}

#[test]
fn a_raia_conversation_i_held_is_still_mine_after_a_restart() {
    // raia cannot name the holder: the cache remembers that it was me.
    let mut m = fixtures::model(vec![account("a", true)]);
    run(
        &mut m,
        Msg::Cached {
            conversations: vec![conv("a", "held", Status::Human { by: Holder::Me }, 3)],
            threads: vec![],
            synced_at: vec![("a".into(), t0())],
            resolved: vec![],
        },
    );
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "held", Status::Human { by: Holder::Unknown }, 3)],
            removed: vec![],
        },
    );
    assert_eq!(m.conversations[&key("a/held")].status, Status::Human { by: Holder::Me });
    assert_eq!(m.can_send(&key("a/held")), Ok(()));
}

#[test]
fn r_asks_every_account_now() {
    let mut m = inbox();
    assert_eq!(press(&mut m, "R"), vec![Cmd::Net(Net::Refresh)]);
    assert!(m.notice.as_ref().unwrap().text.contains("asking every account"));
}

/// The operator holds a/ai-new, its thread (one customer message) is on screen, and they have
/// just sent "Are you there?" (client id 1).
fn sent_with_thread(earlier: Vec<Message>) -> Model {
    let mut m = inbox();
    let k = key("a/ai-new");
    m.mine.insert(k.clone(), fixtures::now());
    let held = conv("a", "ai-new", Status::Human { by: Holder::Me }, 0);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![held],
            removed: vec![],
        },
    );
    m.selected = Some(k.clone());
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    let mut messages = vec![msg("c1", Author::Customer, "hello?", 0)];
    messages.extend(earlier);
    run(&mut m, Msg::Thread { key: k, messages });
    press(&mut m, "i");
    press(&mut m, "Are you there?");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(Store::Send { client_id: 1, .. }))),
        "{cmds:?}"
    );
    m
}

fn operator(id: &str, text: &str, minute: i64) -> Message {
    msg(
        id,
        Author::Operator {
            name: None,
            is_me: false,
        },
        text,
        minute,
    )
}

#[test]
fn a_send_the_thread_lists_before_its_answer_still_settles_from_the_answer() {
    // The platform lists the message before it answers the send (the chaos test's race):
    // the answer must still reach the outbox, or it stays "sending" for ever.
    let mut m = sent_with_thread(vec![]);
    let k = key("a/ai-new");
    let listed = vec![
        msg("c1", Author::Customer, "hello?", 0),
        operator("p1", "Are you there?", 1),
    ];
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: listed,
        },
    );
    let mut answer = operator("p1", "Are you there?", 1);
    answer.author = Author::Operator {
        name: None,
        is_me: true,
    };
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Ok(answer),
        },
    );
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: "Are you there?".into(),
            state: OutboxState::Sent
        })]
    );
    let thread = &m.threads[&k];
    assert!(thread.outbox.is_empty());
    assert_eq!(thread.messages.len(), 2, "shown once");
}

#[test]
fn a_refused_send_is_not_hidden_by_an_earlier_message_with_the_same_words() {
    // "Are you there?" was said before; the new one is refused. The refusal must be shown and
    // the words offered back, not swallowed because the thread holds the earlier copy.
    let mut m = sent_with_thread(vec![operator("p0", "Are you there?", -5)]);
    let k = key("a/ai-new");
    let mut again = m.threads[&k].messages.clone();
    again.push(msg("c2", Author::Customer, "?", 1));
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: again,
        },
    );
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(SendFailure {
                reason: "not allowed now: not in manual mode".into(),
                ambiguous: false,
                accepted: false,
            }),
        },
    );
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: "Are you there?".into(),
            state: OutboxState::Restored
        })]
    );
    assert_eq!(m.drafts[&k].text(), "Are you there?", "offered back");
}

#[test]
fn a_reply_settled_by_the_thread_is_the_operators_own_not_news() {
    // The send's answer was lost; the thread check found it. When the thread comes in with it,
    // it is the operator's own message: shown as theirs, and no "new message" question about it
    // when they send the next reply.
    let mut m = sent_with_thread(vec![]);
    let k = key("a/ai-new");
    run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(SendFailure {
                reason: "network down or server unreachable: connection closed".into(),
                ambiguous: true,
                accepted: false,
            }),
        },
    );
    run(
        &mut m,
        Msg::Reconciled {
            key: k.clone(),
            client_id: 1,
            result: Ok(vec!["p1".into()]),
        },
    );
    press(&mut m, "Still with me?");
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: vec![
                msg("c1", Author::Customer, "hello?", 0),
                operator("p1", "Are you there?", 1),
            ],
        },
    );
    let thread = &m.threads[&k];
    assert_eq!(thread.messages.len(), 2);
    assert!(
        matches!(thread.messages[1].author, Author::Operator { is_me: true, .. }),
        "{:?}",
        thread.messages[1]
    );
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(m.overlay.is_none(), "{:?}", m.overlay);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(Store::Send { client_id: 2, .. }))),
        "{cmds:?}"
    );
}

#[test]
fn a_sent_message_the_platform_lists_under_another_id_is_still_mine() {
    // ChatDash answers a send without an id: the adapter makes one up, and the thread lists
    // the message under the platform's own.
    let mut m = sent_with_thread(vec![]);
    let k = key("a/ai-new");
    let mut answer = msg(
        "sent-5f3a",
        Author::Operator {
            name: None,
            is_me: true,
        },
        "Are you there?",
        1,
    );
    answer.delivery = Delivery::Sent;
    run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Ok(answer),
        },
    );
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: vec![
                msg("c1", Author::Customer, "hello?", 0),
                operator("a1:c1:1:agent", "Are you there?", 1),
            ],
        },
    );
    let thread = &m.threads[&k];
    assert_eq!(thread.messages.len(), 2);
    assert!(
        matches!(thread.messages[1].author, Author::Operator { is_me: true, .. }),
        "{:?}",
        thread.messages[1]
    );
}

#[test]
fn a_reply_listed_while_its_fate_is_being_checked_is_not_news() {
    // No answer to the send; while the thread check is on its way, the thread comes in with
    // the message and the operator sends their next reply: it is theirs, not news.
    let mut m = sent_with_thread(vec![]);
    let k = key("a/ai-new");
    run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(SendFailure {
                reason: "server error (HTTP 502)".into(),
                ambiguous: true,
                accepted: false,
            }),
        },
    );
    press(&mut m, "Still with me?");
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages: vec![
                msg("c1", Author::Customer, "hello?", 0),
                operator("p1", "Are you there?", 1),
            ],
        },
    );
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(m.overlay.is_none(), "{:?}", m.overlay);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(Store::Send { client_id: 2, .. }))),
        "{cmds:?}"
    );
}

#[test]
fn a_second_identical_reply_is_checked_against_the_first() {
    let mut m = holding_ai_new();
    let k = key("a/ai-new");
    let me = Author::Operator {
        name: None,
        is_me: true,
    };
    run(
        &mut m,
        thread(
            &k,
            vec![msg("1", Author::Customer, "ok", 0), msg("2", me, "Thanks!", 1)],
        ),
    );
    press(&mut m, "Thanks!");
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(Store::Send { baseline, .. }) if baseline.earlier == ["2"])),
        "the send knows which copy was there before: {cmds:?}"
    );
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(SendFailure {
                reason: "timed out".into(),
                ambiguous: true,
                accepted: false,
            }),
        },
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Net(Net::Reconcile { baseline, .. }) if baseline.earlier == ["2"])),
        "{cmds:?}"
    );
}

#[test]
fn a_refusal_with_a_new_draft_started_keeps_the_reply_in_the_thread_until_u_puts_it_back() {
    let mut m = sent_one();
    let k = key("a/ai-new");
    press(&mut m, "And another thing");
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: k.clone(),
            client_id: 1,
            result: Err(SendFailure {
                reason: "not allowed now: HTTP 400".into(),
                ambiguous: false,
                accepted: false,
            }),
        },
    );
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: "Are you there?".into(),
            state: OutboxState::Failed("not allowed now: HTTP 400".into())
        })]
    );
    assert_eq!(m.drafts[&k].text(), "And another thing", "the new draft is left alone");
    assert_eq!(
        m.threads[&k].outbox.message(0).unwrap().delivery,
        Delivery::Failed("not allowed now: HTTP 400".into())
    );
    let notice = m.notice.clone().unwrap();
    assert!(
        notice.text.contains("kept in its thread (u puts it back") && !notice.text.contains("your text is back"),
        "it says where the words are, and only that: {notice:?}"
    );
    // u (outside the compose box) puts it after the draft, and the outbox is done with it.
    special(&mut m, KeyCode::Esc);
    let cmds = press(&mut m, "u");
    assert!(
        cmds.contains(&Cmd::Store(Store::Outbox {
            client_id: 1,
            key: k.clone(),
            text: "Are you there?".into(),
            state: OutboxState::Restored
        })),
        "{cmds:?}"
    );
    assert_eq!(m.drafts[&k].text(), "And another thing\n\nAre you there?");
    assert!(m.threads[&k].outbox.is_empty());
    assert_eq!(m.focus, Focus::Compose);
    // Nothing more to put back.
    special(&mut m, KeyCode::Esc);
    assert!(
        press(&mut m, "u")
            .iter()
            .all(|c| !matches!(c, Cmd::Store(Store::Outbox { .. })))
    );
    assert!(
        m.notice
            .clone()
            .unwrap()
            .text
            .contains("no reply here that was not sent")
    );
}

#[test]
fn replies_not_sent_in_an_earlier_run_show_in_their_thread_and_unknown_ones_are_checked() {
    let mut m = holding_ai_new();
    let k = key("a/ai-new");
    let baseline = SendBaseline {
        sent_at: t0() - TimeDelta::hours(1),
        earlier: vec!["m1".into()],
    };
    m.restore_outgoing(
        4,
        k.clone(),
        "refused yesterday".into(),
        OutboxState::Failed("HTTP 400".into()),
        baseline.clone(),
    );
    m.restore_outgoing(
        5,
        k.clone(),
        "on its way when it stopped".into(),
        OutboxState::Unknown("the program stopped before the platform answered".into()),
        baseline.clone(),
    );
    m.restore_outgoing(6, k.clone(), "sent".into(), OutboxState::Sent, baseline.clone());
    let thread = &m.threads[&k];
    assert_eq!(thread.outbox.len(), 2, "only what the operator still has to know about");
    assert_eq!(
        thread.outbox.message(0).unwrap().created_at,
        baseline.sent_at,
        "shown when it was sent"
    );
    special(&mut m, KeyCode::Esc);
    special(&mut m, KeyCode::Esc);
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        cmds.contains(&Cmd::Net(Net::Reconcile {
            key: k.clone(),
            client_id: 5,
            baseline,
            text: "on its way when it stopped".into()
        })),
        "{cmds:?}"
    );
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Net(Net::Reconcile { client_id: 4, .. })))
    );
}

#[test]
fn the_accounts_overlay_opens_scrolls_and_closes() {
    let mut m = inbox();
    m.height = 20; // a page of 14 accounts
    m.accounts = (0..40).map(|i| account(&format!("acct{i}"), true)).collect();
    let accounts = |m: &Model| m.overlay.clone();
    // (keys, the overlay afterwards)
    let table: Vec<(&str, Option<KeyCode>, Option<Overlay>)> = vec![
        ("C", None, Some(Overlay::Accounts { top: 0 })),
        ("jj", None, Some(Overlay::Accounts { top: 2 })),
        ("k", None, Some(Overlay::Accounts { top: 1 })),
        ("", Some(KeyCode::PageDown), Some(Overlay::Accounts { top: 15 })),
        ("", Some(KeyCode::PageDown), Some(Overlay::Accounts { top: 26 })),
        ("", Some(KeyCode::PageUp), Some(Overlay::Accounts { top: 12 })),
        ("g", None, Some(Overlay::Accounts { top: 0 })),
        ("G", None, Some(Overlay::Accounts { top: 26 })),
        // Keys that mean something else in the list do nothing here.
        ("t1/", None, Some(Overlay::Accounts { top: 26 })),
        ("", Some(KeyCode::Esc), None),
        ("C", None, Some(Overlay::Accounts { top: 0 })),
        ("C", None, None),
        ("Cq", None, None),
    ];
    for (keys, special_key, expected) in table {
        let mut cmds = press(&mut m, keys);
        if let Some(code) = special_key {
            cmds.extend(special(&mut m, code));
        }
        assert!(cmds.is_empty(), "{keys:?} {special_key:?}: {cmds:?}");
        assert_eq!(accounts(&m), expected, "after {keys:?} {special_key:?}");
    }
    assert!(!m.quit, "q closes the overlay, it does not quit");
    assert_eq!(m.view, View::All, "1 did not switch the view under the overlay");
    assert!(m.filter_input.is_none());
}

#[test]
fn a_confirmed_take_over_acts_on_the_conversation_asked_about() {
    let mut m = inbox();
    m.selected = Some(key("a/theirs"));
    m.refresh_rows();
    press(&mut m, "t");
    // While the question is up, the conversation leaves the view: the selection moves on.
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "theirs", Status::Resolved, 0)],
            removed: vec![],
        },
    );
    let moved_to = m.selected.clone();
    assert!(moved_to.is_some() && moved_to != Some(key("a/theirs")), "{moved_to:?}");
    // Resolved meanwhile: reopened first (then taken over, once the platform says it is open).
    assert_eq!(
        press(&mut m, "y"),
        vec![Cmd::Net(Net::Act {
            key: key("a/theirs"),
            op: Op::Reopen
        })]
    );
    assert_eq!(m.selected, moved_to, "the selection stays where it moved");
    assert_eq!((m.focus, m.open.clone()), (Focus::List, None));
}

/// Who holds what goes to the store as soon as it changes: taken (once the platform confirms)
/// and let go (handed back, resolved, or another holder appearing).
#[test]
fn holds_are_written_when_they_change() {
    let mut m = inbox();
    let k = key("a/need-long");
    let held = conv("a", "need-long", Status::Human { by: Holder::Unknown }, 1);
    let cmds = run(
        &mut m,
        Msg::Done {
            key: k.clone(),
            op: Op::TakeOver,
            result: Ok(Some(held)),
        },
    );
    let holds: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| matches!(c, Cmd::Store(Store::Holds { .. })))
        .collect();
    assert_eq!(
        holds,
        [&Cmd::Store(Store::Holds {
            held: vec![(k.clone(), fixtures::now())],
            released: vec![]
        })]
    );
    assert_eq!(m.conversations[&k].status, Status::Human { by: Holder::Me });
    // Nothing changed, nothing written.
    let cmds = run(&mut m, Msg::Tick);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Holds { .. }))));
    // A colleague took it: no longer mine.
    let cmds = run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv(
                "a",
                "need-long",
                Status::Human {
                    by: Holder::Other("Sam".into()),
                },
                0,
            )],
            removed: vec![],
        },
    );
    assert!(cmds.contains(&Cmd::Store(Store::Holds {
        held: vec![],
        released: vec![k]
    })));
}

/// A dropped session while holding a conversation with a reply on its way: the reply is
/// settled first, then the conversation is handed back, then the program ends; and it ends
/// anyway when the platform does not answer within a few seconds.
#[test]
fn a_hangup_settles_the_reply_then_hands_back_then_quits() {
    let mut m = inbox();
    m.mine.insert(key("a/ai-new"), fixtures::now());
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "ai-new", Status::Human { by: Holder::Unknown }, 0)],
            removed: vec![],
        },
    );
    m.selected = Some(key("a/ai-new"));
    m.refresh_rows();
    special(&mut m, KeyCode::Enter);
    press(&mut m, "i");
    press(&mut m, "One moment");
    special(&mut m, KeyCode::Enter);
    let hand_back = Cmd::Net(Net::Act {
        key: key("a/ai-new"),
        op: Op::HandBack,
    });
    let cmds = run(&mut m, Msg::Terminate);
    assert!(
        !cmds.contains(&hand_back),
        "not while the reply is on its way: {cmds:?}"
    );
    assert!(!m.quit);
    let sent = msg(
        "m9",
        Author::Operator {
            name: None,
            is_me: true,
        },
        "One moment",
        1,
    );
    let cmds = run(
        &mut m,
        Msg::Sent {
            key: key("a/ai-new"),
            client_id: 1,
            result: Ok(sent),
        },
    );
    assert!(cmds.contains(&hand_back), "{cmds:?}");
    assert!(!m.quit, "waiting for the hand-back's answer");
    run(
        &mut m,
        Msg::Done {
            key: key("a/ai-new"),
            op: Op::HandBack,
            result: Ok(Some(conv("a", "ai-new", Status::Ai, 0))),
        },
    );
    assert!(m.quit);

    // A platform that never answers does not keep the program: it ends at the deadline.
    let mut m = inbox();
    m.mine.insert(key("a/need-long"), fixtures::now());
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![conv("a", "need-long", Status::Human { by: Holder::Unknown }, 0)],
            removed: vec![],
        },
    );
    run(&mut m, Msg::Terminate);
    assert!(!m.quit);
    assert!(m.next_deadline().is_some_and(|at| at <= t0() + TimeDelta::seconds(5)));
    update(&mut m, Msg::Tick, t0() + TimeDelta::seconds(6));
    assert!(m.quit);
}

/// A conversation I hold in account `a`, selected in the list, its thread loaded with
/// `messages`.
fn holding(id: &str, messages: Vec<Message>) -> Model {
    let mut m = inbox();
    m.mine.insert(key(&format!("a/{id}")), t0());
    let held = conv("a", id, Status::Human { by: Holder::Unknown }, 0);
    run(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![held],
            removed: vec![],
        },
    );
    run(&mut m, thread(&key(&format!("a/{id}")), messages));
    m.selected = Some(key(&format!("a/{id}")));
    m.refresh_rows();
    m
}

fn act(id: &str, op: Op) -> Vec<Cmd> {
    vec![Cmd::Net(Net::Act { key: key(id), op })]
}

fn guarded(id: &str, op: Op, why: &str) -> Option<Overlay> {
    Some(Overlay::Confirm(Confirm::Guarded {
        key: key(id),
        op,
        why: why.into(),
    }))
}

#[test]
fn hand_back_and_resolve_ask_first_with_an_unsent_draft_or_a_waiting_customer() {
    let answered = || {
        vec![
            msg("1", Author::Customer, "hello?", -10),
            msg(
                "2",
                Author::Operator {
                    name: None,
                    is_me: true,
                },
                "here",
                -9,
            ),
        ]
    };
    let waiting = || vec![msg("1", Author::Customer, "hello?", -3)];
    // Neither: at once, nothing asked.
    for (k, op) in [("a", Op::HandBack), ("r", Op::Resolve)] {
        let mut m = holding("ai-new", answered());
        assert_eq!(press(&mut m, k), act("a/ai-new", op), "{k}");
        assert_eq!(m.overlay, None);
    }
    // The customer wrote last and nobody answered: asked, with how long they have waited.
    let mut m = holding("ai-new", waiting());
    assert!(press(&mut m, "a").is_empty());
    let why = "Customer ai-new is waiting for your reply (3 min)";
    assert_eq!(m.overlay, guarded("a/ai-new", Op::HandBack, why));
    // n cancels, and nothing went out.
    assert!(press(&mut m, "n").is_empty());
    assert_eq!(m.overlay, None);
    // Esc cancels too; y goes ahead with the operation asked about.
    press(&mut m, "r");
    assert_eq!(m.overlay, guarded("a/ai-new", Op::Resolve, why));
    assert!(special(&mut m, KeyCode::Esc).is_empty());
    assert_eq!(m.overlay, None);
    press(&mut m, "r");
    assert_eq!(press(&mut m, "y"), act("a/ai-new", Op::Resolve));
    // An unsent draft (only spaces is none).
    let mut m = holding("ai-new", answered());
    m.drafts
        .insert(key("a/ai-new"), handoff::app::compose::Composer::with_text("  \n"));
    assert_eq!(press(&mut m, "r"), act("a/ai-new", Op::Resolve));
    let mut m = holding("ai-new", answered());
    m.drafts
        .insert(key("a/ai-new"), handoff::app::compose::Composer::with_text("On it —"));
    assert!(press(&mut m, "r").is_empty());
    assert_eq!(
        m.overlay,
        guarded("a/ai-new", Op::Resolve, "Customer ai-new has an unsent draft")
    );
    assert_eq!(press(&mut m, "y"), act("a/ai-new", Op::Resolve));
    // Both.
    let mut m = holding("ai-new", waiting());
    m.drafts
        .insert(key("a/ai-new"), handoff::app::compose::Composer::with_text("On it —"));
    press(&mut m, "a");
    assert_eq!(
        m.overlay,
        guarded(
            "a/ai-new",
            Op::HandBack,
            "Customer ai-new has an unsent draft and is waiting for your reply (3 min)"
        )
    );
    // Before the thread is loaded, the conversation's waiting time says it.
    let mut m = inbox();
    m.conversations.get_mut(&key("a/need-long")).unwrap().waiting_since = Some(t0() - TimeDelta::seconds(20));
    m.selected = Some(key("a/need-long"));
    m.refresh_rows();
    press(&mut m, "r");
    assert_eq!(
        m.overlay,
        guarded(
            "a/need-long",
            Op::Resolve,
            "Customer need-long is waiting for your reply (under a minute)"
        )
    );
    // An operation the platform refuses is not asked about: it says why at once.
    let mut m = inbox();
    m.selected = Some(key("dash/d1"));
    m.refresh_rows();
    m.conversations.get_mut(&key("dash/d1")).unwrap().waiting_since = Some(t0());
    assert!(press(&mut m, "a").is_empty());
    assert_eq!(m.overlay, None);
    assert!(m.notice.as_ref().unwrap().text.contains("no takeover in this API"));
}

fn resolved_answer(m: &mut Model, id: &str) {
    let (account, id) = id.split_once('/').unwrap();
    run(
        m,
        Msg::Done {
            key: key(&format!("{account}/{id}")),
            op: Op::Resolve,
            result: Ok(Some(conv(account, id, Status::Resolved, 0))),
        },
    );
}

#[test]
fn a_resolve_can_be_undone_with_z_for_a_few_seconds() {
    let mut m = inbox();
    m.selected = Some(key("a/ai-new"));
    m.refresh_rows();
    assert_eq!(press(&mut m, "r"), act("a/ai-new", Op::Resolve));
    resolved_answer(&mut m, "a/ai-new");
    let notice = m.notice.clone().unwrap();
    assert_eq!(notice.text, "Customer ai-new: resolved — z to undo");
    assert_eq!(
        notice.until,
        t0() + TimeDelta::seconds(8),
        "said for as long as it lasts"
    );
    // z reopens the conversation resolved, wherever the selection moved meanwhile.
    press(&mut m, "j");
    assert_eq!(press(&mut m, "z"), act("a/ai-new", Op::Reopen));
    run(
        &mut m,
        Msg::Done {
            key: key("a/ai-new"),
            op: Op::Reopen,
            result: Ok(Some(conv("a", "ai-new", Status::Ai, 0))),
        },
    );
    assert_eq!(m.conversations[&key("a/ai-new")].status, Status::Ai);
    assert_eq!(m.notice.as_ref().unwrap().text, "Customer ai-new: reopened");
    // Once only.
    assert!(press(&mut m, "z").is_empty());
    assert_eq!(m.notice.as_ref().unwrap().text, "nothing to undo");

    // Too late: nothing sent.
    resolved_answer(&mut m, "a/ai-new");
    let late = t0() + TimeDelta::seconds(8);
    assert!(update(&mut m, Msg::Key(Key::new(KeyCode::Char('z'))), late).is_empty());
    assert!(m.notice.as_ref().unwrap().text.starts_with("too late to undo"));

    // A reopen the platform answers without reopening is not reported as done.
    resolved_answer(&mut m, "a/ai-new");
    press(&mut m, "z");
    run(
        &mut m,
        Msg::Done {
            key: key("a/ai-new"),
            op: Op::Reopen,
            result: Ok(Some(conv("a", "ai-new", Status::Resolved, 0))),
        },
    );
    let notice = m.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "Customer ai-new: not reopened — the platform still shows it resolved"
    );
}

#[test]
fn where_the_platform_cannot_reopen_no_undo_is_offered_and_z_says_why() {
    let mut m = inbox();
    m.accounts[0].capabilities.reopen = Availability::No("this platform cannot reopen".into());
    resolved_answer(&mut m, "a/ai-new");
    assert_eq!(m.notice.as_ref().unwrap().text, "Customer ai-new: resolved");
    assert!(press(&mut m, "z").is_empty());
    let notice = m.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "Customer ai-new cannot be reopened here: this platform cannot reopen"
    );
}

#[test]
fn t_on_a_resolved_conversation_reopens_it_then_takes_it_over() {
    let mut m = inbox();
    m.view = View::Resolved;
    m.refresh_rows();
    assert_eq!(m.selected, Some(key("a/done")));
    assert_eq!(press(&mut m, "t"), act("a/done", Op::Reopen));
    // Reopened: the takeover follows.
    let cmds = run(
        &mut m,
        Msg::Done {
            key: key("a/done"),
            op: Op::Reopen,
            result: Ok(Some(conv("a", "done", Status::Ai, 0))),
        },
    );
    assert_eq!(cmds, act("a/done", Op::TakeOver));
    // A takeover answered with the conversation still resolved is said, never "taken over".
    run(
        &mut m,
        Msg::Done {
            key: key("a/done"),
            op: Op::TakeOver,
            result: Ok(Some(conv("a", "done", Status::Resolved, 0))),
        },
    );
    let notice = m.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "Customer done: not taken over — the platform shows it resolved"
    );
    assert_eq!(m.counts[&View::Mine], 0);
    // A reopen that failed takes nothing over.
    press(&mut m, "t");
    let cmds = run(
        &mut m,
        Msg::Done {
            key: key("a/done"),
            op: Op::Reopen,
            result: Err("refused".into()),
        },
    );
    assert!(cmds.is_empty());
    assert!(m.after_reopen.is_empty());
}

#[test]
fn t_on_a_resolved_conversation_where_the_platform_cannot_reopen_says_why() {
    let mut m = inbox();
    m.accounts[0].capabilities.reopen = Availability::No("this platform cannot reopen".into());
    m.view = View::Resolved;
    m.refresh_rows();
    assert!(press(&mut m, "t").is_empty());
    let notice = m.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "cannot take it over: it is resolved, and this platform cannot reopen"
    );
}

#[test]
fn an_undone_resolve_of_a_raia_conversation_i_held_is_mine_again() {
    let answered = vec![
        msg("1", Author::Customer, "hello?", -10),
        msg(
            "2",
            Author::Operator {
                name: None,
                is_me: true,
            },
            "here",
            -9,
        ),
    ];
    let mut m = holding("ai-new", answered);
    assert_eq!(press(&mut m, "r"), act("a/ai-new", Op::Resolve));
    resolved_answer(&mut m, "a/ai-new");
    assert!(!m.mine.contains_key(&key("a/ai-new")), "resolved: not held");
    assert_eq!(press(&mut m, "z"), act("a/ai-new", Op::Reopen));
    // raia keeps manual mode through a resolve and names no holder: it is mine, as before.
    run(
        &mut m,
        Msg::Done {
            key: key("a/ai-new"),
            op: Op::Reopen,
            result: Ok(Some(conv("a", "ai-new", Status::Human { by: Holder::Unknown }, 0))),
        },
    );
    assert_eq!(
        m.conversations[&key("a/ai-new")].status,
        Status::Human { by: Holder::Me }
    );
    assert_eq!(
        m.mine.get(&key("a/ai-new")),
        Some(&t0()),
        "held since the first takeover"
    );
    assert!(m.can_send(&key("a/ai-new")).is_ok());
}

/// What the last run left held: `a/h1` (30 min ago), `a/h2`, `b/h3` (20 min ago); a third
/// account, `c`, holds nothing. Nothing synced yet.
fn restarted_holding() -> Model {
    let mut m = fixtures::model(vec![account("a", true), account("b", true), account("c", true)]);
    m.restore_holds(vec![
        (key("a/h1"), t0() - TimeDelta::minutes(30)),
        (key("a/h2"), t0() - TimeDelta::minutes(10)),
        (key("b/h3"), t0() - TimeDelta::minutes(20)),
    ]);
    m
}

fn synced(m: &mut Model, account: &str, changed: Vec<Conversation>) -> Vec<Cmd> {
    run(
        m,
        Msg::Synced {
            account: account.into(),
            changed,
            removed: vec![],
        },
    )
}

fn held(account: &str, id: &str) -> Conversation {
    conv(account, id, Status::Human { by: Holder::Unknown }, 40)
}

/// The reminder of [`restarted_holding`] after every account answered: `a/h2` was handed back
/// meanwhile (by a colleague, on the platform), so two are still held.
fn reminded() -> Model {
    let mut m = restarted_holding();
    synced(&mut m, "a", vec![held("a", "h1"), conv("a", "h2", Status::Ai, 5)]);
    synced(
        &mut m,
        "b",
        vec![held("b", "h3"), conv("b", "other", Status::NeedsHuman, 1)],
    );
    m
}

fn still_holding(m: &Model) -> Option<(Vec<&str>, chrono::DateTime<chrono::Utc>)> {
    match &m.overlay {
        Some(Overlay::Confirm(Confirm::StillHolding { keys, since })) => {
            Some((keys.iter().map(|k| k.id.as_str()).collect(), *since))
        }
        _ => None,
    }
}

/// At start with conversations held from the last run, the reminder waits for every account
/// holding one to answer its first sync (until then the count is the last run's, not the
/// platforms'), then says what is still held and since when; once.
#[test]
fn the_reminder_comes_once_every_holding_account_has_answered() {
    let mut m = restarted_holding();
    synced(&mut m, "c", vec![conv("c", "x", Status::Ai, 1)]);
    assert_eq!(still_holding(&m), None, "c holds nothing of the last run");
    synced(&mut m, "a", vec![held("a", "h1"), conv("a", "h2", Status::Ai, 5)]);
    assert_eq!(still_holding(&m), None, "b has not answered yet");
    // While the operator types in the filter line, a `y` must not hand everything back.
    press(&mut m, "/");
    synced(&mut m, "b", vec![held("b", "h3")]);
    assert_eq!(still_holding(&m), None, "not over the filter line");
    special(&mut m, KeyCode::Esc);
    let since = t0() - TimeDelta::minutes(30);
    assert_eq!(
        still_holding(&m),
        Some((vec!["h1", "h3"], since)),
        "h2 is the AI's again"
    );
    assert_eq!(m.counts[&View::Mine], 2);
    special(&mut m, KeyCode::Esc);
    assert_eq!(m.overlay, None);
    synced(&mut m, "b", vec![conv("b", "new", Status::NeedsHuman, 0)]);
    run(&mut m, Msg::Tick);
    assert_eq!(m.overlay, None, "said once per start");

    // Everything held was handed back meanwhile: nothing to say.
    let mut m = restarted_holding();
    synced(
        &mut m,
        "a",
        vec![conv("a", "h1", Status::Resolved, 5), conv("a", "h2", Status::Ai, 5)],
    );
    synced(&mut m, "b", vec![conv("b", "h3", Status::NeedsHuman, 5)]);
    assert_eq!(m.overlay, None);
    assert_eq!(m.reminder, None);
}

#[test]
fn the_reminders_v_shows_them_in_mine_with_the_first_selected() {
    let mut m = reminded();
    press(&mut m, "v");
    assert_eq!(m.overlay, None);
    assert_eq!(m.view, View::Mine);
    assert_eq!(ids(&m), ["h1", "h3"]);
    assert_eq!(m.selected, Some(key("a/h1")));
    assert_eq!(m.cursor, 0);
}

#[test]
fn the_reminders_y_hands_each_back_and_n_leaves_them() {
    let mut m = reminded();
    let cmds = press(&mut m, "y");
    let hand_back = |k: &str| {
        Cmd::Net(Net::Act {
            key: key(k),
            op: Op::HandBack,
        })
    };
    let acts: Vec<&Cmd> = cmds.iter().filter(|c| matches!(c, Cmd::Net(Net::Act { .. }))).collect();
    assert_eq!(acts, [&hand_back("a/h1"), &hand_back("b/h3")]);
    assert_eq!(m.overlay, None);
    for (account, id) in [("a", "h1"), ("b", "h3")] {
        run(
            &mut m,
            Msg::Done {
                key: key(&format!("{account}/{id}")),
                op: Op::HandBack,
                result: Ok(Some(conv(account, id, Status::Ai, 0))),
            },
        );
    }
    assert!(m.mine.is_empty());
    assert_eq!(m.counts[&View::Mine], 0);
    assert!(!m.quit);

    let mut m = reminded();
    let cmds = press(&mut m, "n");
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Net(_))), "{cmds:?}");
    assert_eq!(m.overlay, None);
    assert_eq!(m.counts[&View::Mine], 2, "still held");
}

/// A listing read before the takeover was answered (a poll in flight) arrives after it: older
/// than what the answer said, it does not undo the takeover; a newer one is taken in.
#[test]
fn a_listing_older_than_a_takeover_does_not_undo_it() {
    let mut m = inbox();
    run(
        &mut m,
        Msg::Done {
            key: key("a/need-long"),
            op: Op::TakeOver,
            result: Ok(Some(conv("a", "need-long", Status::Human { by: Holder::Unknown }, 0))),
        },
    );
    let sync = |m: &mut Model, c: Conversation| {
        run(
            m,
            Msg::Synced {
                account: "a".into(),
                changed: vec![c],
                removed: vec![],
            },
        )
    };
    // Read a minute before the takeover: still needing a human then.
    sync(&mut m, conv("a", "need-long", Status::NeedsHuman, 1));
    assert_eq!(
        m.conversations[&key("a/need-long")].status,
        Status::Human { by: Holder::Me }
    );
    assert!(m.mine.contains_key(&key("a/need-long")));
    // Read after it, and handed back to the AI meanwhile (by someone else): taken in.
    let later = Conversation {
        updated_at: t0() + TimeDelta::minutes(1),
        ..conv("a", "need-long", Status::Ai, 0)
    };
    sync(&mut m, later);
    assert_eq!(m.conversations[&key("a/need-long")].status, Status::Ai);
    assert!(!m.mine.contains_key(&key("a/need-long")));
}

/// Issue 14: threads nobody looks at are released after a while and read back from the cache
/// when opened again; the ones the operator still needs stay.
#[test]
fn idle_threads_are_released_and_read_back_from_the_cache() {
    let mut m = inbox();
    let thread = |id: &str| Msg::Thread {
        key: key(id),
        messages: vec![msg(&format!("{id}-1"), Author::Customer, "hello", -60)],
    };
    for id in ["a/ai-old", "a/need-long", "a/ai-new"] {
        run(&mut m, thread(id));
    }
    // A draft in one of them.
    let cmds = run(&mut m, Msg::Tick);
    assert!(cmds.is_empty());
    m.drafts.insert(
        key("a/ai-new"),
        handoff::app::compose::Composer::with_text("half a reply"),
    );
    let later = t0() + handoff::app::RELEASE_AFTER + TimeDelta::seconds(1);
    // A tick before the time keeps everything; one after releases the idle AI conversation only.
    update(&mut m, Msg::Tick, t0() + TimeDelta::minutes(1));
    assert!(m.threads.contains_key(&key("a/ai-old")));
    update(&mut m, Msg::Tick, later);
    assert!(!m.threads.contains_key(&key("a/ai-old")), "an idle thread is released");
    assert!(
        m.threads.contains_key(&key("a/need-long")),
        "a waiting customer's thread stays"
    );
    assert!(m.threads.contains_key(&key("a/ai-new")), "a thread with a draft stays");

    // Opened again: the cache is asked, and its copy shows until the platform's comes.
    let at = m.rows.iter().position(|k| *k == key("a/ai-old")).unwrap();
    m.select_index(at);
    let cmds = update(&mut m, Msg::Key(Key::new(KeyCode::Enter)), later);
    assert!(
        cmds.contains(&Cmd::Store(Store::LoadThread(key("a/ai-old")))),
        "{cmds:?}"
    );
    let cached = vec![msg("a/ai-old-1", Author::Customer, "hello", -60)];
    update(
        &mut m,
        Msg::CachedThread {
            key: key("a/ai-old"),
            messages: cached.clone(),
        },
        later,
    );
    let t = &m.threads[&key("a/ai-old")];
    assert_eq!((t.messages.clone(), t.cached), (cached, true));
    // The open thread is never released, however long it stays open.
    update(&mut m, Msg::Tick, later + handoff::app::RELEASE_AFTER * 3);
    assert!(m.threads.contains_key(&key("a/ai-old")));
    // A thread already in memory is not asked for.
    special(&mut m, KeyCode::Esc);
    let cmds = special(&mut m, KeyCode::Enter);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::LoadThread(_)))),
        "{cmds:?}"
    );
}

/// Issue 14: the cache's first rows are shown before the rest is read, their counts marked as
/// partial; the rest fills the list in without moving the operator's selection or the rows
/// live data already gave.
#[test]
fn the_cache_shows_its_first_rows_then_the_rest_without_moving_the_selection() {
    let mut m = fixtures::model(vec![account("a", true)]);
    m.width = 120;
    m.height = 40;
    let first = vec![
        conv("a", "need-1", Status::NeedsHuman, 10),
        conv("a", "ai-1", Status::Ai, 1),
    ];
    run(
        &mut m,
        Msg::CachedFirst {
            conversations: first.clone(),
            synced_at: vec![("a".into(), t0() - TimeDelta::hours(1))],
        },
    );
    assert_eq!(ids(&m), ["need-1", "ai-1"]);
    assert!(m.cache_reading, "the counts are of the first rows only");
    assert_eq!(m.account("a").unwrap().cached_at, Some(t0() - TimeDelta::hours(1)));
    assert_eq!(m.selected, Some(key("a/need-1")));
    press(&mut m, "j");
    assert_eq!(m.selected, Some(key("a/ai-1")));

    let mut all = first;
    all.push(conv("a", "ai-2", Status::Ai, 30));
    all.push(conv("a", "done", Status::Resolved, 5));
    run(
        &mut m,
        Msg::Cached {
            conversations: all,
            threads: vec![],
            synced_at: vec![("a".into(), t0() - TimeDelta::hours(1))],
            resolved: vec![],
        },
    );
    assert!(!m.cache_reading);
    assert_eq!(ids(&m), ["need-1", "ai-1", "ai-2"]);
    assert_eq!(m.counts[&View::All], 3);
    assert_eq!(m.counts[&View::Resolved], 1);
    assert_eq!(
        m.selected,
        Some(key("a/ai-1")),
        "the selection stays where the operator put it"
    );
    assert_eq!(m.account("a").unwrap().unconfirmed.len(), 4);
}

/// A model whose resolved conversations stay on disk, as the inbox's is while its cache is
/// written.
fn archived() -> Model {
    let mut m = fixtures::model(vec![account("a", true)]);
    (m.width, m.height) = (120, 40);
    m.archive = Some(Default::default());
    m
}

/// The last page of resolved conversations asked of the cache (a filter asks again at each
/// key): its number, where it starts, its filter.
fn asked(cmds: &[Cmd]) -> Option<(u64, Option<handoff::store::After>, String)> {
    cmds.iter().rev().find_map(|c| match c {
        Cmd::Store(Store::Resolved { seq, after, filter, .. }) => Some((*seq, after.clone(), filter.clone())),
        _ => None,
    })
}

/// Issue 14: while the cache is written, resolved conversations stay on disk: counted by key,
/// read a page at a time when the Resolved view shows them (or a filter counts them), more as
/// the cursor nears the end, released when the view is left; one still needed stays.
#[test]
fn resolved_conversations_stay_on_disk_until_their_view_shows_them() {
    use handoff::app::archive::PAGE;
    let mut m = archived();
    let resolved = |i: usize| conv("a", &format!("r{i:03}"), Status::Resolved, i as i64);
    let mut changed: Vec<Conversation> = (0..300).map(resolved).collect();
    changed.push(conv("a", "open", Status::Ai, 1));
    synced(&mut m, "a", changed);
    assert_eq!(m.conversations.len(), 1, "only what is not resolved is held");
    assert_eq!(m.counts[&View::Resolved], 300);

    // The view asks the cache for its first page, and holds what it gives.
    let cmds = press(&mut m, "4");
    let (seq, after, filter) = asked(&cmds).expect("the first page asked for");
    assert_eq!((after, filter.as_str()), (None, ""));
    let page = |range: std::ops::Range<usize>| range.map(resolved).collect::<Vec<_>>();
    run(
        &mut m,
        Msg::ResolvedPage {
            seq,
            conversations: page(0..PAGE),
            total: None,
            more: true,
        },
    );
    assert_eq!(m.rows.len(), PAGE);
    assert_eq!(m.counts[&View::Resolved], 300, "the count is of all, not of the page");
    // Moving down asks for nothing until the end of the page is near; then the next one, once.
    assert!(asked(&special(&mut m, KeyCode::Down)).is_none());
    m.select_index(PAGE - 30);
    let (seq, after, _) = asked(&special(&mut m, KeyCode::Down)).expect("the next page");
    assert_eq!(after.map(|a| a.key), Some(key(&format!("a/r{:03}", PAGE - 1))));
    assert!(asked(&special(&mut m, KeyCode::Down)).is_none(), "one page at a time");
    run(
        &mut m,
        Msg::ResolvedPage {
            seq,
            conversations: page(PAGE..300),
            total: None,
            more: false,
        },
    );
    assert_eq!(m.rows.len(), 300);

    // Opened, it stays when the view is left; the rest of the page goes back to disk.
    m.select_index(5);
    special(&mut m, KeyCode::Enter);
    special(&mut m, KeyCode::Esc);
    press(&mut m, "3");
    assert!(m.conversations.contains_key(&key("a/r005")), "the open one stays");
    let cmds = special(&mut m, KeyCode::Esc);
    drop(cmds);
    assert!(m.conversations.len() <= 3, "{} held", m.conversations.len());
    assert_eq!(m.counts[&View::Resolved], 300);

    // Reopened elsewhere: not resolved any more, held again and not counted as resolved.
    synced(&mut m, "a", vec![conv("a", "r100", Status::NeedsHuman, 0)]);
    assert!(m.conversations.contains_key(&key("a/r100")));
    assert_eq!(m.counts[&View::Resolved], 299);

    // A filter counts the resolved ones the cache has that match, without holding them.
    press(&mut m, "/");
    let cmds = press(&mut m, "chlo");
    let (seq, _, filter) = asked(&cmds).expect("the filter asks the cache");
    assert_eq!(filter, "chlo");
    run(
        &mut m,
        Msg::ResolvedPage {
            seq,
            conversations: page(0..3),
            total: Some(7),
            more: false,
        },
    );
    assert_eq!(m.counts[&View::Resolved], 7);
    assert!(!m.conversations.contains_key(&key("a/r000")), "not shown, not held");
}

/// Issue 14: a first sync arriving while the Resolved view is open holds a few pages of it, not
/// all of it; the rest waits in the cache for the cursor.
#[test]
fn a_sync_into_the_open_resolved_view_holds_a_few_pages_only() {
    use handoff::app::archive::PAGE;
    let mut m = archived();
    let (seq, ..) = asked(&press(&mut m, "4")).expect("the first page asked for");
    // The cache is empty: the view has it all, until a sync brings thousands.
    run(
        &mut m,
        Msg::ResolvedPage {
            seq,
            conversations: vec![],
            total: None,
            more: false,
        },
    );
    let many: Vec<Conversation> = (0..20 * PAGE)
        .map(|i| conv("a", &format!("r{i:05}"), Status::Resolved, i as i64))
        .collect();
    synced(&mut m, "a", many);
    assert_eq!(m.conversations.len(), 5 * PAGE);
    assert_eq!(m.counts[&View::Resolved], 20 * PAGE);
    // Scrolling to the end asks the cache for the rest.
    m.select_index(m.rows.len() - 1);
    let cmds = special(&mut m, KeyCode::Down);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Resolved { .. }))),
        "{cmds:?}"
    );
}

/// Issue 14: a conversation held when the last run stopped and resolved since is taken in, so
/// the hold ends, though resolved conversations otherwise stay on disk.
#[test]
fn a_hold_resolved_while_away_ends_though_resolved_ones_stay_on_disk() {
    let mut m = fixtures::model(vec![account("a", true)]);
    m.archive = Some(Default::default());
    m.restore_holds(vec![(key("a/held"), t0() - TimeDelta::hours(2))]);
    synced(
        &mut m,
        "a",
        vec![
            conv("a", "held", Status::Resolved, 30),
            conv("a", "other", Status::Resolved, 30),
        ],
    );
    assert!(m.mine.is_empty(), "the hold ended");
    assert!(!m.conversations.contains_key(&key("a/other")));
}

/// Issue 14: with the Resolved view open on a page of the cache, one resolved just now shows at
/// its top; an older one beyond the page waits in the cache.
#[test]
fn one_resolved_just_now_shows_at_the_top_of_the_open_resolved_view() {
    use handoff::app::archive::PAGE;
    let mut m = archived();
    let (seq, ..) = asked(&press(&mut m, "4")).expect("the first page asked for");
    let page = (0..PAGE)
        .map(|i| conv("a", &format!("r{i:03}"), Status::Resolved, 10 + i as i64))
        .collect();
    run(
        &mut m,
        Msg::ResolvedPage {
            seq,
            conversations: page,
            total: None,
            more: true,
        },
    );
    synced(
        &mut m,
        "a",
        vec![
            conv("a", "just-now", Status::Resolved, 0),
            conv("a", "long-ago", Status::Resolved, 10_000),
        ],
    );
    assert_eq!(m.rows.first(), Some(&key("a/just-now")));
    assert!(!m.conversations.contains_key(&key("a/long-ago")));
    assert_eq!(m.counts[&View::Resolved], PAGE + 2);
}
