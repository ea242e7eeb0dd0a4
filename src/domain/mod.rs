//! The common language of the whole program: what a conversation, a message and a status are,
//! whatever platform they came from. Depends on nothing else of ours.

mod model;
pub mod sanitize;
mod secret;

pub use model::*;
pub use sanitize::{sanitize, sanitize_line};
pub use secret::ApiKey;
