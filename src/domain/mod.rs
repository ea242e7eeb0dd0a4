//! The common language of the whole program: what a conversation, a message and a status are,
//! whatever platform they came from. Depends on nothing else of ours.

pub mod alerting;
mod details;
mod model;
mod note;
pub mod sanitize;
mod secret;
mod snippet;
pub mod team;

pub use alerting::{AlertSettings, Notifier};
pub use details::{Details, FRUSTRATED, Field, Priority};
pub use model::*;
pub use note::{Note, NotePlace, NoteState};
pub use sanitize::{sanitize, sanitize_line};
pub use secret::ApiKey;
pub use snippet::{Snippet, SnippetSource};
