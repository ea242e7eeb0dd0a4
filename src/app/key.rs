//! Our own key type, so the pure `app` layer never sees crossterm. The terminal layer converts
//! its events with [`Key::from_parts`] (or the small constructors); the keymap parses
//! `"Ctrl+c"`-style strings with [`Key::parse`].

use std::fmt;

/// A key press, normalised so that one physical press has exactly one representation:
/// a `Char` never carries `shift` (the character already says it: `Char('G')`), `BackTab` never
/// carries `shift`, and a Ctrl+letter is always lower case (terminals send the same byte for
/// Ctrl+c and Ctrl+C). Build keys with the constructors to get this for free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    F(u8),
}

/// Highest function key `parse` accepts (crossterm reports up to F24 on common terminals).
const MAX_F: u8 = 24;

/// Canonical names first (Display prints these); the rest are accepted aliases.
const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Insert", KeyCode::Insert),
    ("Space", KeyCode::Char(' ')),
    // Aliases.
    ("Return", KeyCode::Enter),
    ("Escape", KeyCode::Esc),
    ("Del", KeyCode::Delete),
    ("Ins", KeyCode::Insert),
    ("PgUp", KeyCode::PageUp),
    ("PgDn", KeyCode::PageDown),
];

impl Key {
    /// A plain key, no modifiers.
    pub fn new(code: KeyCode) -> Key {
        Key::from_parts(code, false, false, false)
    }

    /// Ctrl + a character, e.g. `Key::ctrl('c')`.
    pub fn ctrl(c: char) -> Key {
        Key::from_parts(KeyCode::Char(c), true, false, false)
    }

    /// Alt + a key, e.g. `Key::alt(KeyCode::Enter)`.
    pub fn alt(code: KeyCode) -> Key {
        Key::from_parts(code, false, true, false)
    }

    /// Any combination, normalised (see the type's doc). This is what the terminal layer should
    /// call with a crossterm event's code and modifier flags.
    pub fn from_parts(code: KeyCode, ctrl: bool, alt: bool, shift: bool) -> Key {
        Key { code, ctrl, alt, shift }.normalized()
    }

    /// The canonical form of this key; lookups normalise, so a hand-built `Key` still matches.
    pub fn normalized(self) -> Key {
        let mut key = self;
        match key.code {
            KeyCode::Char(c) => {
                // Some terminals report Shift+a as ('a', SHIFT): fold the shift into the character.
                let mut c = if key.shift { single_upper(c) } else { c };
                if key.ctrl {
                    c = c.to_ascii_lowercase();
                }
                key.code = KeyCode::Char(c);
                key.shift = false;
            }
            // Shift+Tab arrives as BackTab (with or without SHIFT) or as Tab+SHIFT: one spelling.
            KeyCode::BackTab => key.shift = false,
            KeyCode::Tab if key.shift => {
                key.code = KeyCode::BackTab;
                key.shift = false;
            }
            _ => {}
        }
        key
    }

    /// Parse `"j"`, `"G"`, `"Enter"`, `"Ctrl+c"`, `"Alt+Enter"`, `"Shift+Tab"`, `"F1"`, `"Space"`…
    /// Named keys and modifiers are case-insensitive; a single character is taken literally
    /// (`"g"` and `"G"` differ), except after Ctrl where case cannot be told apart.
    pub fn parse(text: &str) -> Result<Key, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty key".to_string());
        }
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        let mut rest = text;
        // Peel `Modifier+` prefixes. A '+' at position 0 is the key itself ("+" or "Ctrl++").
        while let Some(pos) = rest.find('+').filter(|&p| p > 0) {
            let flag = match rest[..pos].to_ascii_lowercase().as_str() {
                "ctrl" | "control" => &mut ctrl,
                "alt" | "meta" => &mut alt,
                "shift" => &mut shift,
                _ => return Err(format!("unknown modifier \"{}\" in \"{text}\"", &rest[..pos])),
            };
            if *flag {
                return Err(format!("modifier \"{}\" given twice in \"{text}\"", &rest[..pos]));
            }
            *flag = true;
            rest = &rest[pos + 1..];
            if rest.is_empty() {
                return Err(format!("missing key after the modifier in \"{text}\""));
            }
        }
        let code = parse_code(rest).map_err(|e| format!("{e} in \"{text}\""))?;
        if let KeyCode::Char(c) = code
            && shift
            && !c.is_alphabetic()
        {
            // Shift+1 is "!" on one layout and something else on another: be explicit.
            return Err(format!("write the shifted character itself instead of \"{text}\""));
        }
        Ok(Key::from_parts(code, ctrl, alt, shift))
    }

    /// A short label for the help overlay and status bar: arrows as `↓ ↑ ← →`, `PgDn`, `PgUp`,
    /// `Space`, `Ctrl+C`. Not parseable; use `Display` for that.
    pub fn label(&self) -> String {
        let key = self.normalized();
        let name = match key.code {
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::BackTab => "Shift+Tab".to_string(),
            KeyCode::Char(c) if key.ctrl => c.to_uppercase().collect(),
            code => code_name(code),
        };
        with_modifiers(&key, &name)
    }
}

impl fmt::Display for Key {
    /// The canonical form, accepted back by [`Key::parse`]: `"Ctrl+c"`, `"Alt+Enter"`, `"PageDown"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.normalized();
        f.write_str(&with_modifiers(&key, &code_name(key.code)))
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    fn from_str(s: &str) -> Result<Key, String> {
        Key::parse(s)
    }
}

fn with_modifiers(key: &Key, name: &str) -> String {
    let mut out = String::new();
    if key.ctrl {
        out.push_str("Ctrl+");
    }
    if key.alt {
        out.push_str("Alt+");
    }
    if key.shift {
        out.push_str("Shift+");
    }
    out.push_str(name);
    out
}

fn code_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => NAMED
            .iter()
            .find(|(_, c)| *c == other)
            .map(|(name, _)| name.to_string())
            // Unreachable: every non-Char, non-F code is in NAMED.
            .unwrap_or_else(|| format!("{other:?}")),
    }
}

fn parse_code(name: &str) -> Result<KeyCode, String> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_control() {
            return Err("a control character is not a key name (write e.g. \"Tab\" or \"Enter\")".to_string());
        }
        return Ok(KeyCode::Char(c));
    }
    if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Ok(*code);
    }
    if let Some(num) = name.strip_prefix(['F', 'f'])
        && let Ok(n) = num.parse::<u8>()
    {
        if (1..=MAX_F).contains(&n) {
            return Ok(KeyCode::F(n));
        }
        return Err(format!("function keys go from F1 to F{MAX_F}"));
    }
    Err(format!("unknown key \"{name}\""))
}

/// Upper case of a character when that is a single character (e.g. not "ß" → "SS").
fn single_upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, ctrl: bool, alt: bool, shift: bool) -> Key {
        Key { code, ctrl, alt, shift }
    }

    #[test]
    fn parses_and_round_trips_every_named_key() {
        let cases: &[(&str, KeyCode)] = &[
            ("Enter", KeyCode::Enter),
            ("Esc", KeyCode::Esc),
            ("Tab", KeyCode::Tab),
            ("BackTab", KeyCode::BackTab),
            ("Backspace", KeyCode::Backspace),
            ("Delete", KeyCode::Delete),
            ("Up", KeyCode::Up),
            ("Down", KeyCode::Down),
            ("Left", KeyCode::Left),
            ("Right", KeyCode::Right),
            ("Home", KeyCode::Home),
            ("End", KeyCode::End),
            ("PageUp", KeyCode::PageUp),
            ("PageDown", KeyCode::PageDown),
            ("Insert", KeyCode::Insert),
            ("Space", KeyCode::Char(' ')),
            ("F1", KeyCode::F(1)),
            ("F12", KeyCode::F(12)),
            ("F24", KeyCode::F(24)),
        ];
        for &(text, code) in cases {
            let key = Key::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(key, Key::new(code), "{text}");
            assert_eq!(key.to_string(), text, "display of {text}");
            // Named keys are case-insensitive.
            assert_eq!(Key::parse(&text.to_lowercase()), Ok(key), "{text} lower case");
            assert_eq!(Key::parse(&text.to_uppercase()), Ok(key), "{text} upper case");
            // Every modifier combination round-trips through Display.
            for (ctrl, alt, shift) in [
                (true, false, false),
                (false, true, false),
                (false, false, true),
                (true, true, false),
                (true, true, true),
            ] {
                let key = Key::from_parts(code, ctrl, alt, shift);
                assert_eq!(Key::parse(&key.to_string()), Ok(key), "round trip of {key}");
            }
        }
    }

    #[test]
    fn parses_characters_and_modifiers() {
        let cases: &[(&str, Key, &str)] = &[
            ("j", Key::new(KeyCode::Char('j')), "j"),
            ("G", Key::new(KeyCode::Char('G')), "G"),
            ("?", Key::new(KeyCode::Char('?')), "?"),
            ("/", Key::new(KeyCode::Char('/')), "/"),
            ("+", Key::new(KeyCode::Char('+')), "+"),
            ("é", Key::new(KeyCode::Char('é')), "é"),
            ("Ctrl+c", Key::ctrl('c'), "Ctrl+c"),
            ("ctrl+c", Key::ctrl('c'), "Ctrl+c"),
            ("CTRL+j", Key::ctrl('j'), "Ctrl+j"),
            ("Ctrl+C", Key::ctrl('c'), "Ctrl+c"),
            ("Control+d", Key::ctrl('d'), "Ctrl+d"),
            ("Ctrl++", Key::ctrl('+'), "Ctrl++"),
            ("Alt+Enter", Key::alt(KeyCode::Enter), "Alt+Enter"),
            ("alt+enter", Key::alt(KeyCode::Enter), "Alt+Enter"),
            ("Meta+x", Key::alt(KeyCode::Char('x')), "Alt+x"),
            ("Alt+G", Key::alt(KeyCode::Char('G')), "Alt+G"),
            ("Shift+Tab", Key::new(KeyCode::BackTab), "BackTab"),
            ("shift+tab", Key::new(KeyCode::BackTab), "BackTab"),
            ("Shift+a", Key::new(KeyCode::Char('A')), "A"),
            ("Shift+Up", k(KeyCode::Up, false, false, true), "Shift+Up"),
            (
                "Ctrl+Alt+Delete",
                k(KeyCode::Delete, true, true, false),
                "Ctrl+Alt+Delete",
            ),
            (
                "Alt+Ctrl+Delete",
                k(KeyCode::Delete, true, true, false),
                "Ctrl+Alt+Delete",
            ),
            ("Ctrl+Space", Key::ctrl(' '), "Ctrl+Space"),
            ("f5", Key::new(KeyCode::F(5)), "F5"),
            ("PgDn", Key::new(KeyCode::PageDown), "PageDown"),
            ("Escape", Key::new(KeyCode::Esc), "Esc"),
            (" q ", Key::new(KeyCode::Char('q')), "q"),
        ];
        for (text, want, display) in cases {
            assert_eq!(Key::parse(text).as_ref(), Ok(want), "{text}");
            assert_eq!(want.to_string(), *display, "display of {text}");
            assert_eq!(Key::parse(display).as_ref(), Ok(want), "re-parse of {display}");
        }
    }

    #[test]
    fn rejects_bad_keys_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("Ctrl+", "missing key"),
            ("Hyper+x", "unknown modifier \"Hyper\""),
            ("Ctrl+Ctrl+x", "twice"),
            ("Enterr", "unknown key"),
            ("jj", "unknown key"),
            ("F0", "F1 to F24"),
            ("F99", "F1 to F24"),
            ("Shift+1", "shifted character"),
            ("\u{1b}", "control character"),
        ];
        for (text, want) in cases {
            match Key::parse(text) {
                Ok(key) => panic!("{text:?} parsed as {key:?}"),
                Err(e) => assert!(e.contains(want), "{text:?}: {e:?} should mention {want:?}"),
            }
        }
    }

    #[test]
    fn normalises_what_a_terminal_may_report() {
        // crossterm reports 'G' with SHIFT; some terminals report 'g' with SHIFT.
        assert_eq!(
            Key::from_parts(KeyCode::Char('G'), false, false, true),
            Key::new(KeyCode::Char('G'))
        );
        assert_eq!(
            Key::from_parts(KeyCode::Char('g'), false, false, true),
            Key::new(KeyCode::Char('G'))
        );
        assert_eq!(
            Key::from_parts(KeyCode::BackTab, false, false, true),
            Key::new(KeyCode::BackTab)
        );
        assert_eq!(
            Key::from_parts(KeyCode::Tab, false, false, true),
            Key::new(KeyCode::BackTab)
        );
        assert_eq!(Key::from_parts(KeyCode::Char('C'), true, false, true), Key::ctrl('c'));
        assert_eq!(
            Key::from_parts(KeyCode::Char('?'), false, false, true),
            Key::new(KeyCode::Char('?'))
        );
        // A hand-built key is normalised on display too.
        assert_eq!(k(KeyCode::Char('G'), false, false, true).to_string(), "G");
    }

    #[test]
    fn labels_for_humans() {
        let cases: &[(Key, &str)] = &[
            (Key::new(KeyCode::Down), "↓"),
            (Key::new(KeyCode::Up), "↑"),
            (Key::new(KeyCode::Left), "←"),
            (Key::new(KeyCode::Right), "→"),
            (Key::new(KeyCode::PageDown), "PgDn"),
            (Key::new(KeyCode::PageUp), "PgUp"),
            (Key::new(KeyCode::Enter), "Enter"),
            (Key::new(KeyCode::Esc), "Esc"),
            (Key::new(KeyCode::Tab), "Tab"),
            (Key::new(KeyCode::BackTab), "Shift+Tab"),
            (Key::new(KeyCode::Char(' ')), "Space"),
            (Key::new(KeyCode::Char('G')), "G"),
            (Key::new(KeyCode::F(1)), "F1"),
            (Key::ctrl('c'), "Ctrl+C"),
            (Key::ctrl('?'), "Ctrl+?"),
            (Key::alt(KeyCode::Enter), "Alt+Enter"),
            (k(KeyCode::Down, true, false, true), "Ctrl+Shift+↓"),
        ];
        for (key, want) in cases {
            assert_eq!(key.label(), *want, "{key:?}");
        }
    }
}
