//! Team mode as `update` tables: the team's picture in (`Msg::Team`), claims before a takeover,
//! presence out, holders named where the platform names nobody, orphans, and sending while a
//! colleague types. No team store here: its answers are messages, as the team runner sends them.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::fixtures::{self, now as t0};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Confirm, Overlay};
use handoff::app::{Cmd, Connection, Model, Msg, Net, Op, Team, update};
use handoff::domain::team::{Claim, ClaimRefused, Peer, TeamView, Watch};
use handoff::domain::{ConversationKey, Holder, PlatformKind, Status};

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

/// A synced raia account with Ana waiting for a person and Bo held by a human nobody names.
fn inbox() -> Model {
    let account = handoff::app::model::Account {
        connection: Connection::Ok,
        ..fixtures::account("raia", PlatformKind::Raia)
    };
    let mut m = fixtures::model(vec![account]);
    m.width = 120;
    m.height = 40;
    let mut ana = fixtures::conversation("raia", "ana", Status::NeedsHuman);
    ana.customer_name = "Ana".into();
    let mut bo = fixtures::conversation("raia", "bo", Status::Human { by: Holder::Unknown });
    bo.customer_name = "Bo".into();
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![ana, bo],
            removed: vec![],
        },
        at(0),
    );
    m
}

fn peer(name: &str, viewing: Option<&str>, typing: bool) -> Peer {
    Peer {
        instance: format!("i-{name}"),
        name: name.into(),
        viewing: viewing.map(key),
        typing,
        watching: vec![],
        beat_at: at(0),
    }
}

fn claim(k: &str, name: &str, orphaned: bool) -> Claim {
    Claim {
        key: key(k),
        instance: format!("i-{name}"),
        name: name.into(),
        since: at(0),
        mine: false,
        orphaned,
    }
}

fn view(m: &mut Model, peers: Vec<Peer>, claims: Vec<Claim>, seconds: i64) -> Vec<Cmd> {
    update(m, Msg::Team(TeamView { peers, claims }), at(seconds))
}

fn press(m: &mut Model, keys: &str, seconds: i64) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\r' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        cmds.extend(update(m, Msg::Key(Key::new(code)), at(seconds)));
    }
    cmds
}

fn team_cmds(cmds: &[Cmd]) -> Vec<&Team> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Team(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn select(m: &mut Model, k: &str) {
    m.selected = Some(key(k));
    m.refresh_rows();
}

#[test]
fn alone_nothing_is_asked_of_a_team() {
    let mut m = inbox();
    select(&mut m, "raia/ana");
    let cmds = press(&mut m, "\rt", 1);
    assert!(team_cmds(&cmds).is_empty(), "{cmds:?}");
    assert!(cmds.contains(&Cmd::Net(Net::Act {
        key: key("raia/ana"),
        op: Op::TakeOver
    })));
}

#[test]
fn what_i_look_at_and_type_in_is_told_when_it_changes() {
    let mut m = inbox();
    let cmds = view(&mut m, vec![], vec![], 1);
    assert_eq!(
        team_cmds(&cmds),
        [&Team::Presence {
            viewing: None,
            typing: false,
            watching: vec![]
        }]
    );
    select(&mut m, "raia/ana");
    let cmds = press(&mut m, "\r", 2);
    assert_eq!(
        team_cmds(&cmds),
        [&Team::Presence {
            viewing: Some(key("raia/ana")),
            typing: false,
            watching: ana_answered()
        }]
    );
    // Moving about inside it says nothing new; typing a reply does, once.
    assert!(team_cmds(&press(&mut m, "k", 3)).is_empty());
    let cmds = press(&mut m, "ihi", 4);
    assert_eq!(
        team_cmds(&cmds),
        [&Team::Presence {
            viewing: Some(key("raia/ana")),
            typing: true,
            watching: ana_answered()
        }]
    );
    // Back to the list: no longer typing; on a two-pane screen the thread is still in view.
    let cmds = press(&mut m, "\x1b\x1b", 5);
    assert_eq!(
        team_cmds(&cmds).last(),
        Some(&&Team::Presence {
            viewing: Some(key("raia/ana")),
            typing: false,
            watching: ana_answered()
        })
    );
    // On one pane, the list hides it.
    let cmds = update(&mut m, Msg::Resize { width: 80, height: 24 }, at(6));
    assert_eq!(
        team_cmds(&cmds),
        [&Team::Presence {
            viewing: None,
            typing: false,
            watching: ana_answered()
        }]
    );
}

/// Ana waits for a person; opened here at 2 s, she was answered (for the team's escalation).
fn ana_answered() -> Vec<Watch> {
    vec![Watch {
        key: key("raia/ana"),
        since: at(2),
        answered: true,
    }]
}

#[test]
fn a_takeover_claims_first_and_asks_when_a_colleague_claimed_it() {
    let mut m = inbox();
    view(&mut m, vec![], vec![], 1);
    select(&mut m, "raia/ana");
    let cmds = press(&mut m, "\rt", 2);
    assert!(team_cmds(&cmds).contains(&&Team::Claim {
        key: key("raia/ana"),
        force: false
    }));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Net(Net::Act { .. }))),
        "not before the claim"
    );
    // Another operator claimed it first: asked, naming them.
    let cmds = update(
        &mut m,
        Msg::Claimed {
            key: key("raia/ana"),
            result: Err(ClaimRefused::HeldBy(claim("raia/ana", "Sam", false))),
        },
        at(3),
    );
    assert!(cmds.is_empty());
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm::TakeFrom { holder, .. })) if holder.starts_with("Sam")),
        "{:?}",
        m.overlay
    );
    // Yes: claimed over them, then the platform.
    let cmds = press(&mut m, "y", 4);
    assert!(team_cmds(&cmds).contains(&&Team::Claim {
        key: key("raia/ana"),
        force: true
    }));
    let cmds = update(
        &mut m,
        Msg::Claimed {
            key: key("raia/ana"),
            result: Ok(()),
        },
        at(5),
    );
    assert_eq!(
        cmds,
        vec![Cmd::Net(Net::Act {
            key: key("raia/ana"),
            op: Op::TakeOver
        })]
    );
}

#[test]
fn a_takeover_that_did_not_make_it_mine_releases_its_claim_and_a_hand_back_too() {
    let mut m = inbox();
    view(&mut m, vec![], vec![], 1);
    select(&mut m, "raia/ana");
    press(&mut m, "\rt", 2);
    update(
        &mut m,
        Msg::Claimed {
            key: key("raia/ana"),
            result: Ok(()),
        },
        at(3),
    );
    let cmds = update(
        &mut m,
        Msg::Done {
            key: key("raia/ana"),
            op: Op::TakeOver,
            result: Err("refused".into()),
        },
        at(4),
    );
    assert_eq!(team_cmds(&cmds), [&Team::Release(key("raia/ana"))]);
    // Taken, then handed back: released when it stops being mine.
    press(&mut m, "t", 5);
    update(
        &mut m,
        Msg::Claimed {
            key: key("raia/ana"),
            result: Ok(()),
        },
        at(6),
    );
    let held = fixtures::conversation("raia", "ana", Status::Human { by: Holder::Unknown });
    update(
        &mut m,
        Msg::Done {
            key: key("raia/ana"),
            op: Op::TakeOver,
            result: Ok(Some(held)),
        },
        at(7),
    );
    assert!(m.mine.contains_key(&key("raia/ana")));
    let ai = fixtures::conversation("raia", "ana", Status::Ai);
    let cmds = update(
        &mut m,
        Msg::Done {
            key: key("raia/ana"),
            op: Op::HandBack,
            result: Ok(Some(ai)),
        },
        at(8),
    );
    assert!(team_cmds(&cmds).contains(&&Team::Release(key("raia/ana"))), "{cmds:?}");
}

#[test]
fn the_team_names_who_holds_what_the_platform_does_not() {
    let mut m = inbox();
    view(&mut m, vec![], vec![claim("raia/bo", "Sam", false)], 1);
    assert_eq!(
        m.conversations[&key("raia/bo")].status,
        Status::Human {
            by: Holder::Other("Sam".into())
        }
    );
    // The next listing (raia names nobody) keeps the name.
    let bo = fixtures::conversation("raia", "bo", Status::Human { by: Holder::Unknown });
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![bo],
            removed: vec![],
        },
        at(2),
    );
    assert_eq!(
        m.conversations[&key("raia/bo")].status,
        Status::Human {
            by: Holder::Other("Sam".into())
        }
    );
    // Sam's session ends: said, held by nobody, and t takes it without asking.
    view(&mut m, vec![], vec![claim("raia/bo", "Sam", true)], 40);
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "Sam's session ended — 1 conversation held by nobody"
    );
    assert_eq!(
        m.conversations[&key("raia/bo")].status,
        Status::Human {
            by: Holder::Other("nobody (Sam's session ended)".into())
        }
    );
    select(&mut m, "raia/bo");
    let cmds = press(&mut m, "t", 41);
    assert_eq!(m.overlay, None, "nobody to ask");
    assert!(team_cmds(&cmds).contains(&&Team::Claim {
        key: key("raia/bo"),
        force: false
    }));
}

#[test]
fn one_of_mine_claimed_by_a_colleague_is_theirs() {
    let mut m = inbox();
    view(&mut m, vec![], vec![], 1);
    m.mine.insert(key("raia/bo"), at(0));
    let bo = fixtures::conversation("raia", "bo", Status::Human { by: Holder::Unknown });
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![bo],
            removed: vec![],
        },
        at(2),
    );
    assert_eq!(
        m.conversations[&key("raia/bo")].status,
        Status::Human { by: Holder::Me }
    );
    let cmds = view(&mut m, vec![], vec![claim("raia/bo", "Sam", false)], 3);
    assert!(!m.mine.contains_key(&key("raia/bo")));
    assert_eq!(
        m.conversations[&key("raia/bo")].status,
        Status::Human {
            by: Holder::Other("Sam".into())
        }
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Term(_))), "an alert: {cmds:?}");
}

#[test]
fn sending_while_a_colleague_types_here_asks_first_and_the_screen_says_who() {
    let mut m = inbox();
    m.mine.insert(key("raia/bo"), at(0));
    let bo = fixtures::conversation("raia", "bo", Status::Human { by: Holder::Unknown });
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![bo],
            removed: vec![],
        },
        at(1),
    );
    view(&mut m, vec![peer("Sam", Some("raia/bo"), true)], vec![], 2);
    select(&mut m, "raia/bo");
    let cmds = press(&mut m, "\rihello\r", 3);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Store(handoff::app::Store::Send { .. })))
    );
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm::SendOver { what, .. })) if what == "Sam is typing a reply here too"),
        "{:?}",
        m.overlay
    );
    press(&mut m, "n", 4);
    let screen = common::inbox::screen(&common::inbox::draw(&mut m, 120, 40));
    assert!(screen.contains("Sam typing…"), "{screen}");
    // Only viewing: the send goes, and the screen says Sam is viewing.
    view(&mut m, vec![peer("Sam", Some("raia/bo"), false)], vec![], 5);
    let screen = common::inbox::screen(&common::inbox::draw(&mut m, 120, 40));
    assert!(screen.contains("Sam viewing"), "{screen}");
    let cmds = press(&mut m, "\r", 6);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(handoff::app::Store::Send { .. })))
    );
}

#[test]
fn a_handoff_a_colleague_opens_stops_alerting_everyone() {
    let mut m = inbox();
    view(&mut m, vec![], vec![], 1);
    press(&mut m, "A", 1);
    let mut cy = fixtures::conversation("raia", "cy", Status::NeedsHuman);
    cy.customer_name = "Cy".into();
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![cy],
            removed: vec![],
        },
        at(2),
    );
    assert!(m.alerts.has(&key("raia/cy")));
    // Sam opens it: answered for the whole team, nothing more is said here.
    view(&mut m, vec![peer("Sam", Some("raia/cy"), false)], vec![], 3);
    assert!(!m.alerts.has(&key("raia/cy")));
    let cmds = update(&mut m, Msg::Tick, at(200));
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Term(_))), "{cmds:?}");
}

#[test]
fn orphans_given_to_this_inbox_are_handed_back_to_the_ai() {
    let mut m = inbox();
    view(&mut m, vec![], vec![claim("raia/bo", "Sam", true)], 1);
    let cmds = update(&mut m, Msg::Orphans(vec![key("raia/bo"), key("raia/ana")]), at(200));
    // Bo is held (by nobody now); Ana waits for a person and is nobody's to hand back.
    assert!(cmds.contains(&Cmd::Net(Net::Act {
        key: key("raia/bo"),
        op: Op::HandBack
    })));
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Net(Net::Act { key: k, .. }) if *k == key("raia/ana")))
    );
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "Bo: nobody held it — handing it back to the AI"
    );
}

#[test]
fn a_takeover_the_account_cannot_make_claims_nothing() {
    let mut m = inbox();
    m.accounts[0].capabilities.take_over = handoff::domain::Availability::No("no takeover in this API".into());
    view(&mut m, vec![], vec![], 1);
    select(&mut m, "raia/ana");
    let cmds = press(&mut m, "\rt", 2);
    assert!(
        team_cmds(&cmds).iter().all(|c| !matches!(c, Team::Claim { .. })),
        "{cmds:?}"
    );
    assert!(m.notice.as_ref().unwrap().text.contains("no takeover in this API"));
}

fn watching(name: &str, k: &str, since: i64, answered: bool) -> Peer {
    Peer {
        watching: vec![Watch {
            key: key(k),
            since: at(since),
            answered,
        }],
        ..peer(name, None, false)
    }
}

fn notifies(cmds: &[Cmd]) -> bool {
    cmds.iter()
        .any(|c| matches!(c, Cmd::Term(handoff::app::Term::Notify(_))))
}

/// Cy newly needs a person, at `seconds`: alerted here.
fn cy_needs_a_person(m: &mut Model, seconds: i64) -> Vec<Cmd> {
    let mut cy = fixtures::conversation("raia", "cy", Status::NeedsHuman);
    cy.customer_name = "Cy".into();
    update(
        m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![cy],
            removed: vec![],
        },
        at(seconds),
    )
}

#[test]
fn the_team_is_told_which_handoffs_were_alerted_here_and_which_were_answered() {
    let mut m = inbox();
    view(&mut m, vec![], vec![], 1);
    let cmds = cy_needs_a_person(&mut m, 2);
    let told = |cmds: &[Cmd]| {
        team_cmds(cmds).into_iter().find_map(|t| match t {
            Team::Presence { watching, .. } => Some(watching.clone()),
            _ => None,
        })
    };
    let cy = |watching: Option<Vec<Watch>>| watching.unwrap().into_iter().find(|w| w.key == key("raia/cy"));
    assert_eq!(
        cy(told(&cmds)),
        Some(Watch {
            key: key("raia/cy"),
            since: at(2),
            answered: false
        })
    );
    // Acknowledged here: answered, for the whole team.
    let cmds = press(&mut m, "A", 3);
    assert!(cy(told(&cmds)).unwrap().answered);
    // The AI took it back: nothing to watch any more.
    let mut back = fixtures::conversation("raia", "cy", Status::Ai);
    back.customer_name = "Cy".into();
    let cmds = update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![back],
            removed: vec![],
        },
        at(4),
    );
    assert_eq!(cy(told(&cmds)), None);
}

/// Sam's inbox alerted on Cy at 10 s and nobody answered: at `escalate_after` (2 min) every
/// screen says it, escalated — this one too, though it never alerted on it and is muted.
#[test]
fn a_handoff_nobody_in_the_team_answers_escalates_on_every_screen_even_muted() {
    let mut m = inbox();
    let mut cy = fixtures::conversation("raia", "cy", Status::NeedsHuman);
    cy.customer_name = "Cy".into();
    // Cy was already waiting when this inbox started: its first listing raises nothing.
    update(
        &mut m,
        Msg::Synced {
            account: "raia".into(),
            changed: vec![cy],
            removed: vec![],
        },
        at(1),
    );
    press(&mut m, "A", 1);
    update(&mut m, Msg::Key(Key::new(KeyCode::Char('M'))), at(2));
    press(&mut m, "4", 2);
    assert!(m.alerts.muted(at(3)));
    view(&mut m, vec![watching("Sam", "raia/cy", 10, false)], vec![], 11);
    assert!(!m.alerts.has(&key("raia/cy")));
    // The deadlines wake the loop at the team's time, not before.
    let cmds = loop {
        let due = m.next_deadline().unwrap();
        assert!(due <= at(130), "{due}");
        let cmds = update(&mut m, Msg::Tick, due);
        if due == at(130) {
            break cmds;
        }
        assert!(!m.alerts.team_escalated(&key("raia/cy")));
    };
    assert!(m.alerts.team_escalated(&key("raia/cy")));
    assert!(m.alerts.has(&key("raia/cy")));
    assert!(notifies(&cmds), "muted, and still said: {cmds:?}");
    assert_eq!(m.alerts.pending()[0].since, at(10), "aged from the team's first alert");
    let screen = common::inbox::screen(&common::inbox::draw(&mut m, 120, 40));
    assert!(
        screen.contains("Cy needs a person 2m — nobody in the team answered"),
        "{screen}"
    );
    // Said again while nobody answers; once Sam opens it, no more.
    assert!(notifies(&update(&mut m, Msg::Tick, at(145))));
    view(&mut m, vec![peer("Sam", Some("raia/cy"), false)], vec![], 146);
    assert!(!m.alerts.has(&key("raia/cy")));
    assert!(!notifies(&update(&mut m, Msg::Tick, at(400))));
    // Sam left it without taking it, but he had opened it: answered, not escalated again.
    view(&mut m, vec![watching("Sam", "raia/cy", 10, true)], vec![], 401);
    assert!(!notifies(&update(&mut m, Msg::Tick, at(600))));
    assert!(!m.alerts.has(&key("raia/cy")));
}

#[test]
fn a_handoff_answered_somewhere_in_the_team_does_not_escalate_for_the_team() {
    let mut m = inbox();
    view(&mut m, vec![watching("Sam", "raia/cy", 10, true)], vec![], 1);
    cy_needs_a_person(&mut m, 20);
    press(&mut m, "A", 21);
    update(&mut m, Msg::Tick, at(300));
    assert!(!m.alerts.team_escalated(&key("raia/cy")));
    assert!(!m.alerts.has(&key("raia/cy")));
}

/// Bo is held by Sam (claimed in the team): a reply here asks first, naming him; yes sends it.
#[test]
fn a_reply_into_a_colleagues_conversation_asks_first_naming_them() {
    let mut m = inbox();
    view(&mut m, vec![], vec![claim("raia/bo", "Sam", false)], 1);
    select(&mut m, "raia/bo");
    let cmds = press(&mut m, "\rihello\r", 2);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::Store(handoff::app::Store::Send { .. })))
    );
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm::SendOver { what, .. })) if what == "Sam holds it (t takes it over)"),
        "{:?}",
        m.overlay
    );
    let cmds = press(&mut m, "y", 3);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Store(handoff::app::Store::Send { .. })))
    );
}
