//! The application: Model, Msg, Cmd, update — pure, no terminal, no I/O.

pub mod compose;
pub mod key;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod screen;
pub mod update;

pub use model::Model;
pub use msg::{Cmd, Connection, Msg, Op, OutboxState, SendFailure};
pub use update::update;
