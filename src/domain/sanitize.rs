//! The one gate every remote string passes before it reaches the model, the screen, a log or a
//! file. Terminal control must never travel inside text: a customer's name must not be able to
//! set the window title (OSC 0/2), write the clipboard (OSC 52), plant a link (OSC 8), move the
//! cursor, recolour the screen or reorder what the operator reads (bidi overrides).

/// Tab stops every this many columns when tabs are expanded.
const TAB_WIDTH: usize = 4;

/// Cleans multi-line text (message bodies): keeps newlines, removes everything else that
/// controls a terminal, expands tabs.
pub fn sanitize(input: &str) -> String {
    clean(input, false)
}

/// Cleans a single-line field (names, channels, labels): like [`sanitize`], and line breaks
/// become spaces, leading and trailing space is trimmed.
pub fn sanitize_line(input: &str) -> String {
    clean(input, true).trim().to_string()
}

/// What the scanner is inside of.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    /// After ESC: the next character decides the kind of sequence.
    Escape,
    /// ESC followed by intermediates (0x20–0x2F): ends at a final byte 0x30–0x7E.
    EscapeIntermediate,
    /// CSI: parameters and intermediates up to a final byte 0x40–0x7E.
    Csi,
    /// OSC, DCS, SOS, PM, APC: a string ended by BEL (OSC only) or ST (ESC \ or U+009C).
    ControlString,
    /// Inside a control string, just saw ESC: `\` ends it, anything else continues it.
    ControlStringEscape,
}

fn clean(input: &str, single_line: bool) -> String {
    // Fast path: nothing to change (the common case for ordinary chat text). A line break
    // needs no work in text, but does in a single-line field.
    if !input.chars().any(|c| needs_work(c) || (single_line && c == '\n')) {
        return input.to_string();
    }
    let mut out = String::with_capacity(input.len());
    let mut column = 0usize;
    let mut state = State::Text;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Text => {}
            State::Escape => {
                state = match c {
                    '[' => State::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => State::ControlString,
                    '\u{20}'..='\u{2f}' => State::EscapeIntermediate,
                    // Any other character ends a two-character escape (e.g. ESC c, ESC 7).
                    _ => State::Text,
                };
                continue;
            }
            State::EscapeIntermediate => {
                if ('\u{30}'..='\u{7e}').contains(&c) {
                    state = State::Text;
                }
                continue;
            }
            State::Csi => {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    state = State::Text;
                }
                continue;
            }
            State::ControlString => {
                match c {
                    '\u{07}' | '\u{9c}' => state = State::Text,
                    '\u{1b}' => state = State::ControlStringEscape,
                    _ => {}
                }
                continue;
            }
            State::ControlStringEscape => {
                state = if c == '\\' { State::Text } else { State::ControlString };
                continue;
            }
        }
        match c {
            '\u{1b}' => state = State::Escape,
            '\u{9b}' => state = State::Csi,
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => state = State::ControlString,
            '\n' | '\u{2028}' | '\u{2029}' => newline(&mut out, &mut column, single_line),
            '\r' => {
                // CRLF is one line break; a lone CR is treated as one too.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                newline(&mut out, &mut column, single_line);
            }
            '\t' => {
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            c if is_dropped(c) => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

fn newline(out: &mut String, column: &mut usize, single_line: bool) {
    out.push(if single_line { ' ' } else { '\n' });
    *column = 0;
}

/// Characters that change nothing visible but can mislead or control: C0 and C1 controls (other
/// than the line breaks and tabs handled above), DEL, and the bidi embedding, override and
/// isolate controls (the "Trojan Source" set) plus the invisible direction marks.
fn is_dropped(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn needs_work(c: char) -> bool {
    (c != '\n' && is_dropped(c)) || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("plain text", "plain text"),
            ("two\nlines", "two\nlines"),
            ("crlf\r\nline", "crlf\nline"),
            ("\x1b[31mred\x1b[0m", "red"),
            ("\x1b[1;31;42mbold\x1b[m", "bold"),
            ("cursor\x1b[2J\x1b[Hhome", "cursorhome"),
            ("\x1b]0;evil title\x07after", "after"),
            ("\x1b]2;evil title\x1b\\after", "after"),
            ("\x1b]52;c;ZWNobyBwd25lZA==\x07copy", "copy"),
            ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("\x1bPq#0;2;0;0;0\x1b\\dcs", "dcs"),
            ("c1\u{9b}31mcsi", "c1csi"),
            ("c1\u{9d}0;title\u{9c}osc", "c1osc"),
            ("bell\x07 and null\x00", "bell and null"),
            ("rlo \u{202e}fdp.exe\u{202c}", "rlo fdp.exe"),
            ("isolate \u{2067}x\u{2069}", "isolate x"),
            ("a\tb", "a   b"),
            ("abcd\tb", "abcd    b"),
            ("\x1b7save\x1b8", "save"),
            ("\x1b(Bcharset", "charset"),
            ("unterminated \x1b]0;title", "unterminated "),
            ("del\x7f", "del"),
            ("日本語 👋🏽 مرحبا", "日本語 👋🏽 مرحبا"),
            ("e\u{301}\u{200b}zw", "e\u{301}\u{200b}zw"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn single_line_fields_lose_line_breaks() {
        assert_eq!(sanitize_line("  Ann\nLee\r\n "), "Ann Lee");
        // A line break alone (nothing else to clean) goes too: in a table it would start a row.
        assert_eq!(sanitize_line("Ann\nNEED   Forged row"), "Ann NEED   Forged row");
        assert_eq!(sanitize_line("\x1b]0;x\x07Bob"), "Bob");
    }

    #[test]
    fn no_control_character_survives_any_input() {
        // Every two-character combination of interesting characters, as a cheap exhaustive check.
        let interesting = [
            '\x1b', '[', ']', '\\', '\x07', 'P', 'a', '\u{9b}', '\u{9c}', '\u{9d}', '\n', '\r', '\t', '\u{202e}', '0',
            ';', 'm',
        ];
        for a in interesting {
            for b in interesting {
                for c in interesting {
                    let s: String = [a, b, c, 'z'].iter().collect();
                    let out = sanitize(&s);
                    assert!(!out.chars().any(|c| is_dropped(c) && c != '\n'), "{s:?} -> {out:?}");
                }
            }
        }
    }
}
