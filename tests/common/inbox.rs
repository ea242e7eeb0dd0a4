//! The inbox without a terminal: a model for the sandbox's accounts, fed what the adapters
//! return (as the sync engine would), drawn on ratatui's TestBackend.

use super::fixtures;
use chrono::Utc;
use handoff::app::key::{Key, KeyCode};
use handoff::app::keymap::Keymap;
use handoff::app::model::Account;
use handoff::app::{Connection, Model, Msg, update};
use handoff::domain::ConversationKey;
use handoff::platform::Platform;
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

/// A model with these platforms' accounts, nothing synced yet.
pub fn model(platforms: &[Arc<dyn Platform>]) -> Model {
    let accounts = platforms
        .iter()
        .map(|p| Account {
            capabilities: p.capabilities(),
            connection: Connection::Connecting,
            synced: false,
            ..fixtures::account(p.account(), p.kind())
        })
        .collect();
    Model::new(accounts, Keymap::defaults(), false, Utc::now())
}

/// Every platform's listing, then every listed conversation's messages, into the model.
pub async fn sync(model: &mut Model, platforms: &[Arc<dyn Platform>]) {
    for p in platforms {
        let listing = p.list_conversations(None).await.unwrap();
        let keys: Vec<ConversationKey> = listing.conversations.iter().map(|c| c.key.clone()).collect();
        feed(
            model,
            Msg::Synced {
                account: p.account().to_string(),
                changed: listing.conversations,
                removed: vec![],
            },
        );
        for key in keys {
            let messages = p.list_messages(&key.id).await.unwrap();
            feed(model, Msg::Thread { key, messages });
        }
    }
}

/// `update` at the model's own time (these tests do not move the clock).
pub fn feed(model: &mut Model, msg: Msg) {
    let now = model.now;
    update(model, msg, now);
}

pub fn press(model: &mut Model, code: KeyCode) {
    feed(model, Msg::Key(Key::new(code)));
}

/// Opens `key` the way the operator does: back to the list, its row, Enter.
pub fn open(model: &mut Model, key: &ConversationKey) {
    press(model, KeyCode::Esc);
    let row = model.rows.iter().position(|r| r == key).expect("listed in the view");
    model.select_index(row);
    press(model, KeyCode::Enter);
    assert_eq!(model.open.as_ref(), Some(key));
}

/// Resizes the model and draws one frame of that size.
pub fn draw(model: &mut Model, width: u16, height: u16) -> Terminal<TestBackend> {
    feed(model, Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view(f, model, &Theme::new(false))).unwrap();
    terminal
}

/// The frame's text, a line per row.
pub fn screen(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
