//! Notifications written to the terminal: the bell, OSC 777 (`notify;title;body`) and OSC 9,
//! as `[alerts] notify` lists them. Inside tmux (with `tmux_passthrough`), the OSC sequences
//! are wrapped in tmux's DCS passthrough so they reach the outer terminal; tmux passes the bell
//! on by itself.

use crate::app::alerts::Notification;
use crate::domain::{AlertSettings, Notifier};

/// Longest title or body written: a notification is a line, not a message.
const FIELD_CHARS: usize = 200;

pub struct Notify {
    notify: Vec<Notifier>,
    tmux: bool,
}

impl Notify {
    /// `in_tmux`: whether the program runs inside tmux (`$TMUX` is set).
    pub fn new(settings: &AlertSettings, in_tmux: bool) -> Notify {
        Notify {
            notify: settings.notify.clone(),
            tmux: in_tmux && settings.tmux_passthrough,
        }
    }

    /// What to write for `n`. An escalated alert rings twice: louder where a terminal plays a
    /// sound, and distinct in its title.
    pub fn bytes(&self, n: &Notification) -> Vec<u8> {
        let title = field(&n.title);
        let body = field(&n.body);
        let mut out = String::new();
        for notifier in &self.notify {
            match notifier {
                Notifier::Bell if n.escalated => out.push_str("\x07\x07"),
                Notifier::Bell => out.push('\x07'),
                Notifier::Osc777 => out.push_str(&self.wrap(&format!("\x1b]777;notify;{title};{body}\x07"))),
                Notifier::Osc9 => out.push_str(&self.wrap(&format!("\x1b]9;{title}: {body}\x07"))),
            }
        }
        out.into_bytes()
    }

    fn wrap(&self, sequence: &str) -> String {
        if self.tmux {
            format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
        } else {
            sequence.to_string()
        }
    }
}

/// A notification's text, safe inside an OSC sequence: one line with no control characters
/// (the model's text is sanitised already; this is the boundary all the same), no `;` (OSC
/// 777's field separator), cut to a sane length.
fn field(text: &str) -> String {
    crate::domain::sanitize_line(text)
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == ';' { ',' } else { c })
        .take(FIELD_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(escalated: bool) -> Notification {
        Notification {
            title: "handoff".into(),
            body: "1 customer needs a person — store".into(),
            escalated,
        }
    }

    fn settings(notify: Vec<Notifier>) -> AlertSettings {
        AlertSettings {
            notify,
            ..AlertSettings::default()
        }
    }

    #[test]
    fn bell_and_osc_777_by_default() {
        let n = Notify::new(&AlertSettings::default(), false);
        assert_eq!(
            String::from_utf8(n.bytes(&note(false))).unwrap(),
            "\x07\x1b]777;notify;handoff;1 customer needs a person — store\x07"
        );
    }

    #[test]
    fn escalated_rings_twice_and_osc_9_carries_title_and_body() {
        let n = Notify::new(&settings(vec![Notifier::Bell, Notifier::Osc9]), false);
        assert_eq!(
            String::from_utf8(n.bytes(&note(true))).unwrap(),
            "\x07\x07\x1b]9;handoff: 1 customer needs a person — store\x07"
        );
    }

    #[test]
    fn inside_tmux_the_sequences_pass_through_with_their_escapes_doubled() {
        let n = Notify::new(&settings(vec![Notifier::Bell, Notifier::Osc777]), true);
        assert_eq!(
            String::from_utf8(n.bytes(&note(false))).unwrap(),
            "\x07\x1bPtmux;\x1b\x1b]777;notify;handoff;1 customer needs a person — store\x07\x1b\\"
        );
        let off = AlertSettings {
            tmux_passthrough: false,
            ..AlertSettings::default()
        };
        let n = Notify::new(&off, true);
        assert!(!String::from_utf8(n.bytes(&note(false))).unwrap().contains("tmux"));
    }

    #[test]
    fn fields_cannot_end_the_sequence_or_add_one() {
        let n = Notify::new(&settings(vec![Notifier::Osc777]), false);
        let hostile = Notification {
            title: "a;b\x07c\x1b]0;x".into(),
            body: format!("{}\ntwo", "y".repeat(500)),
            escalated: false,
        };
        let out = String::from_utf8(n.bytes(&hostile)).unwrap();
        // One sequence: the escape that starts it and the BEL that ends it, nothing else.
        assert_eq!(out.matches('\x1b').count(), 1, "{out:?}");
        assert_eq!(out.matches('\x07').count(), 1, "{out:?}");
        assert_eq!(out.matches(';').count(), 3, "{out:?}");
        assert!(out.len() < 2 * FIELD_CHARS + 40);
    }
}
