//! Team mode, as the model sees it: the team's picture (who else is on, what they look at and
//! type in, what is claimed), claiming a conversation before taking it over, and telling the
//! team what this operator looks at and types in. Alone (no `[team]`, or a team dir refused),
//! `model.team` stays `None` and nothing here asks the team anything.

use super::alerts::{self, AlertKind};
use super::model::{Confirm, Focus, Model, Overlay};
use super::msg::{Cmd, Op, Team};
use super::{customer, inbox, notice};
use crate::domain::team::{Claim, ClaimRefused, Peer, TeamView};
use crate::domain::{ConversationKey, Holder, Status};

impl Model {
    /// Another operator's claim on this conversation, live or orphaned.
    pub fn claim_by_other(&self, key: &ConversationKey) -> Option<&Claim> {
        self.team.as_ref()?.claims.iter().find(|c| &c.key == key && !c.mine)
    }

    /// The other operators on this conversation now: viewing it, or typing in it.
    pub fn peers_on(&self, key: &ConversationKey) -> impl Iterator<Item = &Peer> {
        self.team
            .iter()
            .flat_map(|t| t.peers.iter())
            .filter(move |p| p.viewing.as_ref() == Some(key))
    }
}

/// How a conversation whose platform names no holder reads when the team knows: held by the
/// operator who claimed it, or by nobody once their session ended.
pub(super) fn holder_named(claim: &Claim) -> Holder {
    if claim.orphaned {
        Holder::Other(orphan_label(&claim.name))
    } else {
        Holder::Other(claim.name.clone())
    }
}

/// The team's picture changed: holders named where the platform names nobody, a conversation
/// of mine another operator claimed since is theirs, and sessions that ended are said.
pub(super) fn on_view(model: &mut Model, view: TeamView) -> Vec<Cmd> {
    let before = orphans(model.team.as_ref());
    model.team = Some(view);
    let mut cmds = Vec::new();
    let claims: Vec<Claim> = model.team.iter().flat_map(|t| t.claims.clone()).collect();
    for claim in claims.iter().filter(|c| !c.mine) {
        let Some(c) = model.conversations.get_mut(&claim.key) else {
            continue;
        };
        let named_by_us = |who: &str| who == claim.name || who == orphan_label(&claim.name);
        match &c.status {
            Status::Human { by: Holder::Unknown } => {
                c.status = Status::Human {
                    by: holder_named(claim),
                }
            }
            Status::Human { by: Holder::Other(who) } if named_by_us(who) => {
                c.status = Status::Human {
                    by: holder_named(claim),
                };
            }
            // Mine, and another live operator claimed it since (they said yes to taking it).
            Status::Human { by: Holder::Me } if !claim.orphaned => {
                c.status = Status::Human {
                    by: holder_named(claim),
                };
                model.mine.remove(&claim.key);
                let name = customer(model, &claim.key);
                notice(model, format!("{} took {name} over", claim.name), true);
                cmds.extend(alerts::raise(model, &claim.key, AlertKind::TakenFromYou));
            }
            _ => {}
        }
    }
    let after = orphans(model.team.as_ref());
    let ended: Vec<&(ConversationKey, String)> = after.iter().filter(|o| !before.contains(o)).collect();
    if let Some((_, name)) = ended.first() {
        let count = ended.iter().filter(|(_, n)| n == name).count();
        let them = if count == 1 {
            "1 conversation".to_string()
        } else {
            format!("{count} conversations")
        };
        notice(model, format!("{name}'s session ended — {them} held by nobody"), true);
    }
    model.refresh_rows();
    cmds
}

fn orphan_label(name: &str) -> String {
    format!("nobody ({name}'s session ended)")
}

fn orphans(view: Option<&TeamView>) -> Vec<(ConversationKey, String)> {
    view.iter()
        .flat_map(|t| t.claims.iter())
        .filter(|c| c.orphaned && !c.mine)
        .map(|c| (c.key.clone(), c.name.clone()))
        .collect()
}

/// In team mode a takeover claims the conversation first (`force` once the operator said yes
/// over another's claim); the platform is called once the claim is made. Alone, at once.
pub(super) fn take_over(model: &mut Model, key: ConversationKey, force: bool) -> Vec<Cmd> {
    // Alone, or a takeover the account cannot make anyway (then `start` says why): no claim.
    if model.team.is_none() || inbox::refusal(model, &key, &Op::TakeOver).is_some() {
        return inbox::start(model, key, Op::TakeOver);
    }
    model.busy.insert(key.clone(), Op::TakeOver);
    notice(model, "claiming it for you in the team…".into(), false);
    vec![Cmd::Team(Team::Claim { key, force })]
}

/// A claim answered: made, so the platform is asked; someone else's, so the operator is asked.
pub(super) fn on_claimed(model: &mut Model, key: ConversationKey, result: Result<(), ClaimRefused>) -> Vec<Cmd> {
    if model.busy.get(&key) == Some(&Op::TakeOver) {
        model.busy.remove(&key);
    }
    match result {
        Ok(()) => {
            let cmds = inbox::start(model, key.clone(), Op::TakeOver);
            // Refused after all (the account stopped answering meanwhile): the claim goes.
            if cmds.is_empty() {
                return released(model, &[key]);
            }
            cmds
        }
        Err(ClaimRefused::HeldBy(claim)) => {
            model.overlay = Some(Overlay::Confirm(Confirm::TakeFrom {
                key,
                holder: format!("{} (claimed in the team)", claim.name),
            }));
            vec![]
        }
        // The team store failing must not stop a customer being answered: the platform still
        // records the takeover; the team is told when it can be.
        Err(ClaimRefused::Failed(why)) => {
            let cmds = inbox::start(model, key, Op::TakeOver);
            notice(
                model,
                format!("taking over without a team claim (the team store failed: {why})"),
                true,
            );
            cmds
        }
    }
}

/// Conversations nobody has held for `orphan_after` (their operator's session ended), given to
/// this inbox to hand back to the AI: their customers would otherwise wait for nobody.
pub(super) fn on_orphans(model: &mut Model, keys: Vec<ConversationKey>) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for key in keys {
        let held = model
            .conversations
            .get(&key)
            .is_some_and(|c| matches!(c.status, Status::Human { .. }));
        if held && !model.mine.contains_key(&key) {
            cmds.extend(inbox::start(model, key.clone(), Op::HandBack));
            let name = customer(model, &key);
            notice(
                model,
                format!("{name}: nobody held it — handing it back to the AI"),
                true,
            );
        }
    }
    cmds
}

/// What this operator looks at and types in, and the handoffs alerted on here, when it
/// changed (team mode only).
pub(super) fn presence_changed(model: &mut Model) -> Option<Cmd> {
    model.team.as_ref()?;
    let visible = model.focus != Focus::List || super::screen::two_panes(model.width);
    let viewing = model.open.clone().filter(|_| visible);
    let typing = model.focus == Focus::Compose
        && viewing
            .as_ref()
            .and_then(|k| model.drafts.get(k))
            .is_some_and(|d| !d.is_empty());
    let now = (viewing, typing, model.alerts.watched_version());
    if model.presence_told.as_ref() == Some(&now) {
        return None;
    }
    model.presence_told = Some(now.clone());
    Some(Cmd::Team(Team::Presence {
        viewing: now.0,
        typing: now.1,
        watching: model.alerts.watching(),
    }))
}

/// Conversations this operator no longer holds are released in the team.
pub(super) fn released(model: &Model, keys: &[ConversationKey]) -> Vec<Cmd> {
    if model.team.is_none() {
        return vec![];
    }
    keys.iter().map(|k| Cmd::Team(Team::Release(k.clone()))).collect()
}

/// Someone else typing in this conversation, by name (sending over them asks first).
pub(super) fn typing_here(model: &Model, key: &ConversationKey) -> Option<String> {
    model.peers_on(key).find(|p| p.typing).map(|p| p.name.clone())
}

/// A claim of nobody (its holder's session ended): anyone may take it without being asked.
pub(super) fn orphaned(model: &Model, key: &ConversationKey) -> bool {
    model.claim_by_other(key).is_some_and(|c| c.orphaned)
}
