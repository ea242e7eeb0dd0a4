//! The snippet picker in `update`, as tables: which keys open it (and where they only type),
//! how it filters and chooses, what Enter puts in the draft (never a send), what Esc leaves.

mod common;

use common::fixtures::{self, now as t0};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Focus, Overlay};
use handoff::app::snippets::{Picker, Snippets};
use handoff::app::{Cmd, Model, Msg, Net, Store, update};
use handoff::domain::{Conversation, ConversationKey, PlatformKind, Snippet, SnippetSource, Status};

fn snippet(name: &str, text: &str) -> Snippet {
    Snippet {
        name: name.into(),
        text: text.into(),
        source: SnippetSource::Personal,
    }
}

fn key() -> ConversationKey {
    ConversationKey::new("a", "c1")
}

/// One account, one conversation with Chloé, held by nobody; three snippets, by name.
fn model() -> Model {
    let mut m = fixtures::model(vec![fixtures::account("a", PlatformKind::Raia)]);
    m.width = 120;
    m.height = 40;
    let chloe = Conversation {
        customer_name: "Chloé Martin".into(),
        ..fixtures::conversation("a", "c1", Status::NeedsHuman)
    };
    update(
        &mut m,
        Msg::Synced {
            account: "a".into(),
            changed: vec![chloe],
            removed: vec![],
        },
        t0(),
    );
    m.snippets = Snippets {
        list: vec![
            snippet("bye", "Bye {customer.first_name}!"),
            snippet("greet", "Hi {customer.first_name|there}, {operator.first_name} here."),
            snippet("id", "Ref {conversation.id} on {account.label}: {customer.nickname}"),
        ],
        operator: Some("Dana Reyes".into()),
        file: Some("/home/dana/.config/handoff/snippets.toml".into()),
    };
    m
}

/// A key as the tests write it: a character, or one of a few names.
fn parse(k: &str) -> Key {
    match k {
        "Enter" => Key::new(KeyCode::Enter),
        "Esc" => Key::new(KeyCode::Esc),
        "Up" => Key::new(KeyCode::Up),
        "Down" => Key::new(KeyCode::Down),
        "Left" => Key::new(KeyCode::Left),
        "Backspace" => Key::new(KeyCode::Backspace),
        "Ctrl+p" => Key::ctrl('p'),
        "Ctrl+u" => Key::ctrl('u'),
        "Ctrl+j" => Key::ctrl('j'),
        c if c.chars().count() == 1 => Key::new(KeyCode::Char(c.chars().next().unwrap())),
        other => panic!("no key {other}"),
    }
}

/// Presses `keys` (space-separated; `word:abc` types each character), returning every command.
fn press(m: &mut Model, keys: &str) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for k in keys.split(' ').filter(|k| !k.is_empty()) {
        let keys: Vec<Key> = match k.strip_prefix("word:") {
            Some(word) => word.chars().map(|c| Key::new(KeyCode::Char(c))).collect(),
            None => vec![parse(k)],
        };
        for key in keys {
            cmds.extend(update(m, Msg::Key(key), t0()));
        }
    }
    cmds
}

fn picker(m: &Model) -> Option<&Picker> {
    match &m.overlay {
        Some(Overlay::Snippets(p)) => Some(p),
        _ => None,
    }
}

fn draft(m: &Model) -> String {
    m.drafts.get(&key()).map(|d| d.text()).unwrap_or_default()
}

/// Replies handed to the store to send, and operations on the platform.
fn sends(cmds: &[Cmd]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Cmd::Store(Store::Send { .. }) | Cmd::Net(Net::Act { .. })))
        .count()
}

/// In the compose box of Chloé's conversation (opened from the list).
fn composing() -> Model {
    let mut m = model();
    press(&mut m, "Enter i");
    assert_eq!((m.focus, m.open.clone()), (Focus::Compose, Some(key())));
    m
}

#[test]
fn keys_in_the_compose_box_open_the_picker_or_type() {
    // (keys after `i`, picker open?, the draft)
    let table: &[(&str, bool, &str)] = &[
        ("/", true, ""),
        ("word:Hi /", false, "Hi/"),
        ("word:Hi Ctrl+j /", true, "Hi\n"),
        ("word:Hi Ctrl+j word:x/", false, "Hi\nx/"),
        ("Ctrl+p", true, ""),
        ("word:Hi Ctrl+p", true, "Hi"),
        // Esc closes, and the `/` that opened it is not typed; `//` types one.
        ("/ Esc", false, ""),
        ("/ /", false, "/"),
        ("/ word:gr Backspace Backspace Backspace", false, ""),
        ("Ctrl+p /", true, ""),
    ];
    for &(keys, open, text) in table {
        let mut m = composing();
        press(&mut m, keys);
        assert_eq!(picker(&m).is_some(), open, "{keys}");
        assert_eq!(draft(&m), text, "{keys}");
        assert_eq!(m.focus, Focus::Compose, "{keys}");
    }
}

#[test]
fn typing_filters_and_up_down_choose() {
    // (keys after opening, the query, the names it matches in order, the chosen row)
    let table: &[(&str, &str, &[&str], usize)] = &[
        ("", "", &["bye", "greet", "id"], 0),
        ("Down", "", &["bye", "greet", "id"], 1),
        ("Down Down Down Down", "", &["bye", "greet", "id"], 2),
        ("Down Up Up", "", &["bye", "greet", "id"], 0),
        ("word:gre", "gre", &["greet"], 0),
        ("word:GREET", "GREET", &["greet"], 0),
        // The text matches too: `here` is only in greet's.
        ("word:here", "here", &["greet"], 0),
        ("word:zzz", "zzz", &[], 0),
        ("Down word:by", "by", &["bye"], 0),
        ("word:gre Ctrl+u", "", &["bye", "greet", "id"], 0),
    ];
    for &(keys, query, names, chosen) in table {
        let mut m = composing();
        press(&mut m, &format!("/ {keys}"));
        let p = picker(&m).unwrap_or_else(|| panic!("{keys}: open"));
        let matched: Vec<&str> = p.matches.iter().map(|&i| m.snippets.list[i].name.as_str()).collect();
        assert_eq!(
            (p.query.as_str(), matched.as_slice(), p.chosen),
            (query, names, chosen),
            "{keys}"
        );
    }
}

#[test]
fn enter_inserts_the_expanded_text_at_the_cursor_and_never_sends() {
    // (keys after `i`, the draft, the status bar's words)
    let table: &[(&str, &str, Option<&str>)] = &[
        ("/ Enter", "Bye Chloé!", None),
        ("/ word:greet Enter", "Hi Chloé, Dana here.", None),
        ("word:ab Left Ctrl+p word:bye Enter", "aBye Chloé!b", None),
        ("word:Thanks Ctrl+j / word:bye Enter", "Thanks\nBye Chloé!", None),
        (
            "/ word:id Enter",
            "Ref c1 on a: {customer.nickname}",
            Some("unknown variable {customer.nickname}"),
        ),
        // Nothing matches: Enter only closes.
        ("/ word:zzz Enter", "", None),
    ];
    for &(keys, text, notice) in table {
        let mut m = composing();
        let cmds = press(&mut m, keys);
        assert_eq!(draft(&m), text, "{keys}");
        assert!(picker(&m).is_none(), "{keys}: closed");
        assert_eq!(sends(&cmds), 0, "{keys}: nothing sent: {cmds:?}");
        assert_eq!(m.notice.as_ref().map(|n| n.text.as_str()), notice, "{keys}");
        assert!(
            m.unsaved.contains(&key()) || text.is_empty(),
            "{keys}: the draft is saved"
        );
    }
}

#[test]
fn a_customer_without_a_name_gets_the_fallback_or_is_named_in_the_status_bar() {
    let mut m = composing();
    m.conversations.get_mut(&key()).unwrap().customer_name = "Visitor #f12".into();
    press(&mut m, "/ word:greet Enter");
    assert_eq!(draft(&m), "Hi there, Dana here.");
    assert_eq!(m.notice, None);
    press(&mut m, "Ctrl+j / word:bye Enter");
    assert_eq!(draft(&m), "Hi there, Dana here.\nBye {customer.first_name}!");
    assert_eq!(m.notice.as_ref().unwrap().text, "no value for {customer.first_name}");
    assert!(m.notice.as_ref().unwrap().error, "said as a warning");
}

#[test]
fn ctrl_p_from_the_thread_and_the_list_opens_the_compose_box_with_the_picker() {
    for keys in ["Ctrl+p", "Enter Ctrl+p"] {
        let mut m = model();
        press(&mut m, keys);
        assert!(picker(&m).is_some(), "{keys}");
        assert_eq!((m.focus, m.open.clone()), (Focus::Compose, Some(key())), "{keys}");
        press(&mut m, "word:bye Enter");
        assert_eq!(draft(&m), "Bye Chloé!", "{keys}");
    }
}

#[test]
fn no_picker_where_no_reply_can_go_or_without_snippets() {
    // A conversation that takes no text reply: Ctrl+p says why; `/` is typed.
    let mut m = model();
    m.conversations.get_mut(&key()).unwrap().no_reply = Some("a voice call takes no text".into());
    press(&mut m, "Enter Ctrl+p");
    assert!(picker(&m).is_none());
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "no snippets here: a voice call takes no text"
    );
    press(&mut m, "i /");
    assert_eq!(draft(&m), "/");
    // No snippets: Ctrl+p says where to write them; `/` is typed.
    let mut m = composing();
    m.snippets.list.clear();
    press(&mut m, "Ctrl+p");
    assert!(picker(&m).is_none());
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("/home/dana/.config/handoff/snippets.toml"),
        "{:?}",
        m.notice
    );
    press(&mut m, "/");
    assert_eq!(draft(&m), "/");
}

#[test]
fn a_paste_goes_into_the_query_on_one_line() {
    let mut m = composing();
    press(&mut m, "/");
    update(&mut m, Msg::Paste("gr\nee".into()), t0());
    assert_eq!(picker(&m).unwrap().query, "gr ee");
    assert_eq!(draft(&m), "", "not into the draft");
}
