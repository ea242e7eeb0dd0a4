//! Alerts: what needs the operator, said until they answer it. A new handoff, a customer
//! writing in a conversation you hold, one of yours taken by someone else, a reply that was not
//! sent, a customer waiting too long for your reply. Each is said at once (the terminal runner
//! rings and notifies), then again every `repeat` while nobody acknowledges it, and louder and
//! more often once it has waited `escalate_after`. Opening or taking the conversation
//! acknowledges its alerts; so does the acknowledge key, for all of them. Muting holds the
//! notifications back for a while; the alert line still shows what is waiting.
//!
//! Everything here is cheap on every message: the alerts waiting and the conversations held
//! are a handful.

mod team;

use super::model::{Focus, Model};
use super::msg::{Cmd, Term};
use super::screen;
use crate::domain::team::Watch;
use crate::domain::{AlertSettings, ConversationKey, Holder, Status};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet};

/// How many of the oldest alerts' ages the deadline follows (the alert line shows no more).
const LINE_AGES: usize = 16;

/// At most this many handoffs are published to the team (the unanswered first).
pub const MAX_WATCHING: usize = 200;

/// What an alert is about. The order is the order of urgency in a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// A conversation newly needs a human.
    Handoff,
    /// A customer in a conversation you hold has waited `reply_due` for your reply.
    ReplyDue,
    /// A customer wrote in a conversation you hold.
    CustomerReplied,
    /// A conversation you held was taken over by someone else.
    TakenFromYou,
    /// A reply of yours was not sent.
    SendFailed,
}

impl AlertKind {
    /// How the alert line says it after the customer's name.
    pub fn words(self) -> &'static str {
        match self {
            AlertKind::Handoff => "needs a person",
            AlertKind::ReplyDue => "waits for your reply",
            AlertKind::CustomerReplied => "replied",
            AlertKind::TakenFromYou => "was taken over by someone else",
            AlertKind::SendFailed => "did not get your reply",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub key: ConversationKey,
    pub kind: AlertKind,
    pub since: DateTime<Utc>,
}

/// What a notification says: a title and a body, no customer words unless the settings allow
/// them. The terminal runner writes it as the settings say (bell, OSC 777, OSC 9).
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// Waited past `escalate_after`: the louder, distinct form.
    pub escalated: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Alerts {
    pub settings: AlertSettings,
    /// Not acknowledged yet, oldest first.
    pending: Vec<Alert>,
    /// How many of `pending` each conversation has: a row asks once per frame.
    keyed: HashMap<ConversationKey, usize>,
    /// When the pending alerts are said again.
    pub next_at: Option<DateTime<Utc>>,
    /// The oldest pending alert has waited past `escalate_after` (and was said so).
    pub escalated: bool,
    /// Notifications are held back until then.
    pub muted_until: Option<DateTime<Utc>>,
    /// Per conversation held, the wait its reply-due alert was raised for: raised once per wait,
    /// so an acknowledged one stays quiet until the customer is answered and writes again.
    due_for: HashMap<ConversationKey, DateTime<Utc>>,
    /// Team mode: the handoffs alerted on here while they need a human — since when, and
    /// whether this operator answered them — which the team is told (`watching`).
    watched: HashMap<ConversationKey, (DateTime<Utc>, bool)>,
    /// Changes whenever `watched` does: the team is told only then.
    watched_version: u64,
    /// Handoffs nobody in the team has answered for `escalate_after`: said on this screen even
    /// when it never alerted on them or is muted, until someone opens, takes or acknowledges one.
    team_escalated: HashSet<ConversationKey>,
}

impl Alerts {
    pub fn new(settings: AlertSettings) -> Alerts {
        Alerts {
            settings,
            ..Alerts::default()
        }
    }

    pub fn muted(&self, now: DateTime<Utc>) -> bool {
        self.muted_until.is_some_and(|until| until > now)
    }

    /// Whether a conversation has an alert waiting (its row is marked).
    pub fn has(&self, key: &ConversationKey) -> bool {
        self.keyed.contains_key(key)
    }

    /// The alerts waiting, oldest first.
    pub fn pending(&self) -> &[Alert] {
        &self.pending
    }

    /// Escalated for the whole team: nobody has answered it (the alert line says so).
    pub fn team_escalated(&self, key: &ConversationKey) -> bool {
        self.team_escalated.contains(key)
    }

    /// Changes whenever what the team is told of (`watching`) does.
    pub fn watched_version(&self) -> u64 {
        self.watched_version
    }

    /// What the team is told of the handoffs alerted on here: the unanswered ones first, oldest
    /// first, then the answered ones, latest first; at most [`MAX_WATCHING`].
    pub fn watching(&self) -> Vec<Watch> {
        let mut watching: Vec<Watch> = self
            .watched
            .iter()
            .map(|(key, (since, answered))| Watch {
                key: key.clone(),
                since: *since,
                answered: *answered,
            })
            .collect();
        watching.sort_by(|a, b| {
            let order = |w: &Watch| {
                (
                    w.answered,
                    if w.answered {
                        -w.since.timestamp_millis()
                    } else {
                        w.since.timestamp_millis()
                    },
                )
            };
            order(a).cmp(&order(b)).then_with(|| a.key.cmp(&b.key))
        });
        watching.truncate(MAX_WATCHING);
        watching
    }

    /// Replaces the alerts waiting (oldest first).
    pub fn set_pending(&mut self, pending: Vec<Alert>) {
        self.pending = pending;
        self.reindex();
    }

    fn push(&mut self, alert: Alert) {
        *self.keyed.entry(alert.key.clone()).or_default() += 1;
        let at = self.pending.partition_point(|a| a.since <= alert.since);
        self.pending.insert(at, alert);
    }

    fn retain(&mut self, keep: impl FnMut(&Alert) -> bool) {
        self.pending.retain(keep);
        self.reindex();
    }

    fn reindex(&mut self) {
        self.keyed.clear();
        for a in &self.pending {
            *self.keyed.entry(a.key.clone()).or_default() += 1;
        }
    }

    /// The next moment alerts change on their own: said again, escalating, a reply falling due,
    /// the mute ending, an age on the alert line ticking over.
    pub fn deadline(&self, model: &Model) -> Option<DateTime<Utc>> {
        let now = model.now;
        let mut times: Vec<DateTime<Utc>> = Vec::new();
        if let Some(until) = self.muted_until {
            // The status bar counts the minutes left.
            let left = (until - now).num_seconds();
            let tick = if left % 60 == 0 { 60 } else { left % 60 };
            times.extend([until, now + TimeDelta::seconds(tick)]);
        }
        if let Some(oldest) = self.pending.first() {
            if !self.muted(now) {
                times.extend(self.next_at);
            }
            if !self.escalated {
                times.push(oldest.since + self.settings.escalate_after);
            }
            // The ages the alert line can show tick over each minute (it shows the oldest few).
            for alert in self.pending.iter().take(LINE_AGES) {
                let minutes = (now - alert.since).num_minutes().max(0) + 1;
                times.push(alert.since + TimeDelta::minutes(minutes));
            }
        }
        for (key, since) in waits_held(model) {
            if self.due_for.get(key) != Some(&since) {
                times.push(since + self.settings.reply_due);
            }
        }
        // A handoff the team has not answered escalates on every screen at its time.
        times.extend(
            team::unanswered(model)
                .into_iter()
                .filter(|(key, _)| !self.team_escalated.contains(key))
                .map(|(_, since)| since + self.settings.escalate_after),
        );
        times.into_iter().filter(|t| *t > now).min()
    }
}

/// The conversations held whose customer waits for a reply, and since when they wait for
/// *yours*: since the customer wrote, or since you took it if that was later (a customer who
/// waited ten minutes for a person is not overdue the second you take them).
fn waits_held(model: &Model) -> impl Iterator<Item = (&ConversationKey, DateTime<Utc>)> {
    model.mine.iter().filter_map(|(key, held_since)| {
        let c = model.conversations.get(key)?;
        (c.status == Status::Human { by: Holder::Me })
            .then_some(c.waiting_since)
            .flatten()
            .map(|since| (key, since.max(*held_since)))
    })
}

/// Whether the operator is looking at this conversation's thread now.
fn on_screen(model: &Model, key: &ConversationKey) -> bool {
    model.open.as_ref() == Some(key) && (model.focus != Focus::List || screen::two_panes(model.width))
}

/// Raises an alert, said at once; nothing when the conversation is on screen (the operator
/// sees it) or the same alert is already waiting.
pub(super) fn raise(model: &mut Model, key: &ConversationKey, kind: AlertKind) -> Vec<Cmd> {
    if kind != AlertKind::ReplyDue && on_screen(model, key) {
        return vec![];
    }
    let alerts = &mut model.alerts;
    if alerts.has(key) && alerts.pending.iter().any(|a| &a.key == key && a.kind == kind) {
        return vec![];
    }
    alerts.push(Alert {
        key: key.clone(),
        kind,
        since: model.now,
    });
    if kind == AlertKind::Handoff && model.team.is_some() && !alerts.watched.contains_key(key) {
        alerts.watched.insert(key.clone(), (model.now, false));
        alerts.watched_version += 1;
    }
    say(model)
}

/// The conversation was opened or taken: its alerts are answered.
pub(super) fn acknowledge(model: &mut Model, key: &ConversationKey) {
    team::answered(model, key);
    if !model.alerts.has(key) {
        return;
    }
    model.alerts.retain(|a| &a.key != key);
    settle(&mut model.alerts, model.now);
}

/// The acknowledge key: every alert waiting is answered.
pub(super) fn acknowledge_all(model: &mut Model) -> Vec<Cmd> {
    let count = model.alerts.pending.len();
    let keys: Vec<ConversationKey> = model.alerts.pending.iter().map(|a| a.key.clone()).collect();
    for key in &keys {
        team::answered(model, key);
    }
    model.alerts.set_pending(Vec::new());
    settle(&mut model.alerts, model.now);
    let words = match count {
        0 => "no alerts waiting".to_string(),
        1 => "alert acknowledged".to_string(),
        n => format!("{n} alerts acknowledged"),
    };
    super::notice(model, words, false);
    vec![]
}

/// Holds notifications back for `minutes` (0: not any more).
pub(super) fn mute(model: &mut Model, minutes: i64) -> Vec<Cmd> {
    if minutes <= 0 {
        model.alerts.muted_until = None;
        super::notice(model, "alerts are on again".into(), false);
        return resume(model);
    }
    model.alerts.muted_until = Some(model.now + TimeDelta::minutes(minutes));
    super::notice(
        model,
        format!("alerts muted for {minutes} min — they still show on the alert line"),
        false,
    );
    vec![]
}

/// After every message: alerts that no longer apply go (when the message could change what
/// they are about: `news`), replies falling due are raised (with the news or a tick: `due`),
/// the waiting ones are said again when due, escalating once they have waited too long. A key
/// costs nothing here however many alerts wait or conversations are held.
pub(super) fn check(model: &mut Model, news: bool, due: bool) -> Vec<Cmd> {
    let now = model.now;
    let mut cmds = Vec::new();
    if news {
        forget_moot(model);
    }
    if (news || due) && model.team.is_some() {
        cmds.extend(team::escalate(model));
    }
    // Replies fall due with the news or with the time (the deadline brings a tick).
    if due {
        for key in replies_due(model) {
            cmds.extend(raise(model, &key, AlertKind::ReplyDue));
        }
    }
    let alerts = &mut model.alerts;
    if alerts.muted_until.is_some_and(|until| until <= now) {
        alerts.muted_until = None;
        cmds.extend(resume(model));
        return cmds;
    }
    let alerts = &model.alerts;
    let Some(oldest) = alerts.pending.first() else {
        return cmds;
    };
    let escalating = !alerts.escalated && oldest.since + alerts.settings.escalate_after <= now;
    if escalating || alerts.next_at.is_some_and(|at| at <= now) {
        cmds.extend(say(model));
    }
    cmds
}

/// Alerts whose reason has gone: a handoff someone (or the AI) took, a wait that was answered,
/// a conversation that is not listed any more.
fn forget_moot(model: &mut Model) {
    if model.alerts.pending.is_empty() && model.alerts.due_for.is_empty() && model.alerts.watched.is_empty() {
        return;
    }
    let conversations = &model.conversations;
    let mine = &model.mine;
    let waits: HashMap<ConversationKey, DateTime<Utc>> =
        waits_held(model).map(|(k, since)| (k.clone(), since)).collect();
    let before = model.alerts.pending.len();
    // In team mode a colleague opening or claiming a handoff answers it for everyone.
    let answered_by_team: Vec<ConversationKey> = model
        .alerts
        .pending
        .iter()
        .filter(|a| a.kind == AlertKind::Handoff)
        .filter(|a| model.peers_on(&a.key).next().is_some() || model.claim_by_other(&a.key).is_some())
        .map(|a| a.key.clone())
        .collect();
    model.alerts.retain(|a| {
        let Some(c) = conversations.get(&a.key) else {
            return false;
        };
        match a.kind {
            AlertKind::Handoff => c.status == Status::NeedsHuman && !answered_by_team.contains(&a.key),
            AlertKind::ReplyDue => waits.contains_key(&a.key),
            AlertKind::CustomerReplied => mine.contains_key(&a.key),
            AlertKind::TakenFromYou | AlertKind::SendFailed => true,
        }
    });
    // A handoff the AI or a person took is not the team's to escalate any more.
    let watched = model.alerts.watched.len();
    model
        .alerts
        .watched
        .retain(|key, _| conversations.get(key).is_some_and(|c| c.status == Status::NeedsHuman));
    if model.alerts.watched.len() != watched {
        model.alerts.watched_version += 1;
    }
    let Alerts {
        keyed, team_escalated, ..
    } = &mut model.alerts;
    team_escalated.retain(|key| keyed.contains_key(key) && !answered_by_team.contains(key));
    // A wait answered (or a conversation let go) may fall due again later.
    model.alerts.due_for.retain(|key, since| waits.get(key) == Some(since));
    if model.alerts.pending.len() != before {
        settle(&mut model.alerts, model.now);
    }
}

/// The held conversations whose customer has waited `reply_due` since this wait began, not yet
/// alerted for it; not while the operator is writing the reply.
fn replies_due(model: &mut Model) -> Vec<ConversationKey> {
    let due = model.alerts.settings.reply_due;
    let writing = (model.focus == Focus::Compose)
        .then_some(model.open.as_ref())
        .flatten()
        .filter(|k| model.drafts.get(*k).is_some_and(|d| !d.is_empty()));
    let keys: Vec<(ConversationKey, DateTime<Utc>)> = waits_held(model)
        .filter(|(key, since)| *since + due <= model.now && model.alerts.due_for.get(*key) != Some(since))
        .filter(|(key, _)| writing != Some(*key))
        .map(|(key, since)| (key.clone(), since))
        .collect();
    keys.into_iter()
        .map(|(key, since)| {
            model.alerts.due_for.insert(key.clone(), since);
            key
        })
        .collect()
}

/// After alerts were answered: with none left, nothing to repeat and nothing escalated; else
/// the oldest left decides whether the alerts stand escalated.
fn settle(alerts: &mut Alerts, now: DateTime<Utc>) {
    match alerts.pending.first() {
        None => {
            alerts.next_at = None;
            alerts.escalated = false;
        }
        Some(oldest) => alerts.escalated = oldest.since + alerts.settings.escalate_after <= now,
    }
}

/// Unmuted: what waits is said now.
fn resume(model: &mut Model) -> Vec<Cmd> {
    if model.alerts.pending.is_empty() {
        return vec![];
    }
    say(model)
}

/// Says every waiting alert in one notification (unless muted), and when to say it again.
fn say(model: &mut Model) -> Vec<Cmd> {
    let now = model.now;
    let Some(oldest) = model.alerts.pending.first().map(|a| a.since) else {
        return vec![];
    };
    let settings = &model.alerts.settings;
    let escalated = oldest + settings.escalate_after <= now;
    let every = if escalated {
        settings.escalated_repeat()
    } else {
        settings.repeat
    };
    model.alerts.escalated = escalated;
    model.alerts.next_at = Some(now + every);
    // Muting holds back this operator's alerts, not a handoff the whole team left unanswered.
    if model.alerts.muted(now) && model.alerts.team_escalated.is_empty() {
        return vec![];
    }
    vec![Cmd::Term(Term::Notify(notification(model, escalated)))]
}

/// The words of a notification: per kind, how many and on which accounts; the customers' names
/// only with `include_text`.
pub fn notification(model: &Model, escalated: bool) -> Notification {
    let alerts = &model.alerts;
    let mut kinds: Vec<AlertKind> = alerts.pending.iter().map(|a| a.kind).collect();
    kinds.sort();
    kinds.dedup();
    let parts: Vec<String> = kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&Alert> = alerts.pending.iter().filter(|a| a.kind == kind).collect();
            let mut accounts: Vec<String> = Vec::new();
            for a in &of_kind {
                let label = account_label(model, &a.key.account);
                if !accounts.contains(&label) {
                    accounts.push(label);
                }
            }
            let who = if alerts.settings.include_text {
                Some(
                    of_kind
                        .iter()
                        .map(|a| super::customer(model, &a.key))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            } else {
                None
            };
            format!("{} — {}", phrase(kind, of_kind.len(), who), accounts.join(", "))
        })
        .collect();
    let title = match alerts.pending.first() {
        Some(oldest) if escalated => {
            let waited = (model.now - oldest.since).num_seconds().max(0);
            match waited {
                0..60 => format!("handoff — waiting {waited} s"),
                _ => format!("handoff — waiting {} min", waited / 60),
            }
        }
        _ => "handoff".to_string(),
    };
    Notification {
        title,
        body: parts.join(" · "),
        escalated,
    }
}

/// One kind of alert in words: counted, or with the customers' names (`who`).
fn phrase(kind: AlertKind, count: usize, who: Option<String>) -> String {
    let one = count == 1;
    match (kind, who) {
        (AlertKind::Handoff, Some(who)) => format!("{who} {}", if one { "needs a person" } else { "need a person" }),
        (AlertKind::Handoff, None) if one => "1 customer needs a person".into(),
        (AlertKind::Handoff, None) => format!("{count} customers need a person"),
        (AlertKind::ReplyDue, Some(who)) => format!("{who} {} for your reply", if one { "waits" } else { "wait" }),
        (AlertKind::ReplyDue, None) if one => "a customer waits for your reply".into(),
        (AlertKind::ReplyDue, None) => format!("{count} customers wait for your reply"),
        (AlertKind::CustomerReplied, Some(who)) => format!("{who} replied"),
        (AlertKind::CustomerReplied, None) if one => "a customer replied".into(),
        (AlertKind::CustomerReplied, None) => format!("{count} customers replied"),
        (AlertKind::TakenFromYou, Some(who)) => format!("{who}: taken over by someone else"),
        (AlertKind::TakenFromYou, None) if one => "a conversation of yours was taken over".into(),
        (AlertKind::TakenFromYou, None) => format!("{count} conversations of yours were taken over"),
        (AlertKind::SendFailed, Some(who)) => format!("your reply to {who} was not sent"),
        (AlertKind::SendFailed, None) if one => "a reply of yours was not sent".into(),
        (AlertKind::SendFailed, None) => format!("{count} replies of yours were not sent"),
    }
}

/// An account as the operator named it: its label, else its name.
fn account_label(model: &Model, name: &str) -> String {
    model
        .account(name)
        .and_then(|a| a.label.clone())
        .unwrap_or_else(|| name.to_string())
}
