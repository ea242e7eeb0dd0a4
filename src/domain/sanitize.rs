//! The one gate every remote string passes before it reaches the model, the screen, a log or a
//! file. Terminal control must never travel inside text: a customer's name must not be able to
//! set the window title (OSC 0/2), write the clipboard (OSC 52), plant a link (OSC 8), move the
//! cursor, recolour the screen or reorder what the operator reads (bidi overrides), nor hide
//! text in Unicode tag characters (invisible "ASCII smuggling"; only emoji flags use them).

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
            BLACK_FLAG => {
                // A subdivision flag (Scotland, Wales, England) keeps its tags, whole.
                out.push(BLACK_FLAG);
                column += 1;
                let tags = flag_tags(chars.clone());
                out.extend(chars.by_ref().take(tags));
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

/// The base of an emoji tag sequence.
const BLACK_FLAG: char = '\u{1f3f4}';
/// Ends an emoji tag sequence.
const CANCEL_TAG: char = '\u{e007f}';

/// How many characters after a black flag make a valid emoji tag sequence with it: 1–6 tag
/// digits or small letters, then the cancel tag; 0 when they do not.
fn flag_tags(mut after: impl Iterator<Item = char>) -> usize {
    let mut tags = 0;
    loop {
        match after.next() {
            Some('\u{e0030}'..='\u{e0039}' | '\u{e0061}'..='\u{e007a}') if tags < 6 => tags += 1,
            Some(CANCEL_TAG) if tags > 0 => return tags + 1,
            _ => return 0,
        }
    }
}

fn newline(out: &mut String, column: &mut usize, single_line: bool) {
    out.push(if single_line { ' ' } else { '\n' });
    *column = 0;
}

/// Characters that change nothing visible but can mislead or control: C0 and C1 controls (other
/// than the line breaks and tabs handled above), DEL, and the bidi embedding, override and
/// isolate controls (the "Trojan Source" set) plus the invisible direction marks, and the
/// tag characters (kept only inside an emoji flag, see [`flag_tags`]).
fn is_dropped(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{061c}'
        | '\u{e0000}'..='\u{e007f}')
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
    fn tag_characters_are_dropped_except_in_a_flag() {
        const SCOTLAND: &str = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
        const ENGLAND: &str = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}";
        // "ignore previous" hidden in tags after visible text.
        let smuggled: String = "ignore previous"
            .chars()
            .map(|c| char::from_u32(0xe0000 + c as u32).unwrap())
            .collect();
        let cases: &[(String, &str)] = &[
            (format!("ok{smuggled}!"), "ok!"),
            ("\u{e0001}lang\u{e007f}".into(), "lang"),
            (format!("go {SCOTLAND} team"), &*format!("go {SCOTLAND} team")),
            (format!("{ENGLAND}{SCOTLAND}"), &*format!("{ENGLAND}{SCOTLAND}")),
            // A plain black flag stays; tags that do not make a flag go.
            ("\u{1f3f4} flag".into(), "\u{1f3f4} flag"),
            ("\u{1f3f4}\u{e007f}".into(), "\u{1f3f4}"),
            ("\u{1f3f4}\u{e0067}\u{e0062}".into(), "\u{1f3f4}"),
            ("\u{1f3f4}\u{e0041}\u{e007f}".into(), "\u{1f3f4}"),
            // Seven tags are too many for a flag.
            (
                "\u{1f3f4}\u{e0061}\u{e0062}\u{e0063}\u{e0064}\u{e0065}\u{e0066}\u{e0067}\u{e007f}x".into(),
                "\u{1f3f4}x",
            ),
            // A flag hides nothing after its cancel tag.
            (format!("{SCOTLAND}{smuggled}"), SCOTLAND),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), *want, "input {input:?}");
            assert_eq!(sanitize_line(input), want.trim(), "line {input:?}");
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
