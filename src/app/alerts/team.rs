//! Handoffs for the team (team mode): which handoffs this inbox alerted on and whether its
//! operator answered them (told to the team as `Watch`es), and a handoff nobody in the team
//! answered escalating on every screen.

use super::{Alert, AlertKind, on_screen, say};
use crate::app::model::Model;
use crate::app::msg::Cmd;
use crate::domain::{ConversationKey, Status};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// This operator answered the conversation (opened, took or acknowledged it): in team mode,
/// a handoff the team is told was answered, so it escalates on nobody's screen.
pub(super) fn answered(model: &mut Model, key: &ConversationKey) {
    if model.team.is_none() {
        return;
    }
    let needs_human = model
        .conversations
        .get(key)
        .is_some_and(|c| c.status == Status::NeedsHuman);
    let alerts = &mut model.alerts;
    if needs_human && alerts.watched.get(key).is_none_or(|(_, answered)| !answered) {
        let now = model.now;
        alerts.watched.entry(key.clone()).or_insert((now, true)).1 = true;
        alerts.watched_version += 1;
    }
    model.alerts.team_escalated.remove(key);
}

/// Handoffs alerted on in the team (here or on another screen) that nobody has answered, nobody
/// looks at and nobody claimed, with the earliest time one was raised. Team mode only.
pub(super) fn unanswered(model: &Model) -> Vec<(ConversationKey, DateTime<Utc>)> {
    let Some(team) = &model.team else {
        return vec![];
    };
    let mine = model
        .alerts
        .watched
        .iter()
        .map(|(k, (since, answered))| (k, *since, *answered));
    let theirs = team
        .peers
        .iter()
        .flat_map(|p| p.watching.iter())
        .map(|w| (&w.key, w.since, w.answered));
    let mut earliest: HashMap<&ConversationKey, DateTime<Utc>> = HashMap::new();
    let mut answered: HashSet<&ConversationKey> = HashSet::new();
    for (key, since, was_answered) in mine.chain(theirs) {
        if was_answered {
            answered.insert(key);
        } else {
            let at = earliest.entry(key).or_insert(since);
            *at = (*at).min(since);
        }
    }
    earliest
        .into_iter()
        .filter(|(key, _)| !answered.contains(key))
        .filter(|(key, _)| {
            model
                .conversations
                .get(*key)
                .is_some_and(|c| c.status == Status::NeedsHuman)
        })
        .filter(|(key, _)| model.peers_on(key).next().is_none() && model.claim_by_other(key).is_none())
        .map(|(key, since)| (key.clone(), since))
        .collect()
}

/// Handoffs the team left unanswered for `escalate_after` are said here, escalated, even when
/// this inbox never alerted on them (it started later) or is muted; aged from the team's first
/// alert.
pub(super) fn escalate(model: &mut Model) -> Vec<Cmd> {
    let after = model.alerts.settings.escalate_after;
    let now = model.now;
    let due: Vec<(ConversationKey, DateTime<Utc>)> = unanswered(model)
        .into_iter()
        .filter(|(key, since)| *since + after <= now && !model.alerts.team_escalated.contains(key))
        .filter(|(key, _)| !on_screen(model, key))
        .collect();
    if due.is_empty() {
        return vec![];
    }
    for (key, since) in due {
        model.alerts.team_escalated.insert(key.clone());
        let raised = model
            .alerts
            .pending
            .iter()
            .any(|a| a.key == key && a.kind == AlertKind::Handoff);
        if !raised {
            model.alerts.push(Alert {
                key,
                kind: AlertKind::Handoff,
                since,
            });
        }
    }
    say(model)
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use chrono::TimeDelta;

    /// Hundreds of handoffs opened over a shift must not push a new unanswered one out of what
    /// the team is told.
    #[test]
    fn the_unanswered_are_told_first_however_many_were_answered() {
        let t0 = DateTime::UNIX_EPOCH;
        let mut alerts = Alerts::default();
        for i in 0..(MAX_WATCHING as i64 + 50) {
            let key = ConversationKey::new("a", format!("old{i}"));
            alerts.watched.insert(key, (t0 + TimeDelta::seconds(i), true));
        }
        let new = ConversationKey::new("a", "new");
        alerts.watched.insert(new.clone(), (t0 + TimeDelta::hours(9), false));
        let told = alerts.watching();
        assert_eq!(told.len(), MAX_WATCHING);
        assert_eq!(told[0].key, new);
        // Then the latest answered: the oldest are the ones left out.
        assert_eq!(
            told[1].key,
            ConversationKey::new("a", format!("old{}", MAX_WATCHING + 49))
        );
    }
}
