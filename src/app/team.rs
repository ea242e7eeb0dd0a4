//! Team mode, as the model sees it: the team's picture (who else is on, what they look at and
//! type in, what is claimed), and the answers to this operator's claims.

use super::model::Model;
use super::msg::Cmd;
use crate::domain::ConversationKey;
use crate::domain::team::{ClaimRefused, TeamView};

/// The team's picture changed.
pub(super) fn on_view(model: &mut Model, view: TeamView) -> Vec<Cmd> {
    model.team = Some(view);
    vec![]
}

/// A claim answered.
pub(super) fn on_claimed(_model: &mut Model, _key: ConversationKey, _result: Result<(), ClaimRefused>) -> Vec<Cmd> {
    vec![]
}
