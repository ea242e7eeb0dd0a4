//! `[alerts]`: how the operator is told that someone needs them, and how insistently.

use chrono::TimeDelta;

/// Where an alert goes, besides the alert line and the window title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notifier {
    /// The terminal bell (BEL): every terminal, and tmux marks the window.
    Bell,
    /// `OSC 777 ; notify ; title ; body`: a desktop notification (foot, WezTerm, Ghostty,
    /// rxvt-unicode, GNOME Terminal and other VTE terminals).
    Osc777,
    /// `OSC 9 ; body`: a desktop notification (iTerm2, WezTerm, Ghostty, kitty).
    Osc9,
}

impl Notifier {
    pub fn parse(name: &str) -> Option<Notifier> {
        match name {
            "bell" => Some(Notifier::Bell),
            "osc777" => Some(Notifier::Osc777),
            "osc9" => Some(Notifier::Osc9),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlertSettings {
    /// Not OSC 9 as well by default: a terminal that understands both would notify twice.
    pub notify: Vec<Notifier>,
    /// Inside tmux, notifications are wrapped so tmux passes them to the outer terminal
    /// (it needs `allow-passthrough on`); the bell needs no wrapping.
    pub tmux_passthrough: bool,
    /// The customer's name in a notification; by default only the account and a count, so no
    /// customer's words reach a desktop notification centre.
    pub include_text: bool,
    /// How often an unacknowledged alert is said again.
    pub repeat: TimeDelta,
    /// With nobody acknowledging for this long, the alert escalates: louder, more often.
    pub escalate_after: TimeDelta,
    /// A customer in a conversation you hold who has waited this long for your reply alerts you.
    pub reply_due: TimeDelta,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            notify: vec![Notifier::Bell, Notifier::Osc777],
            tmux_passthrough: true,
            include_text: false,
            repeat: TimeDelta::seconds(30),
            escalate_after: TimeDelta::minutes(2),
            reply_due: TimeDelta::minutes(2),
        }
    }
}

impl AlertSettings {
    /// How often an escalated alert is said again: three times as often, at most every 5 s.
    pub fn escalated_repeat(&self) -> TimeDelta {
        (self.repeat / 3).max(TimeDelta::seconds(5)).min(self.repeat)
    }
}
