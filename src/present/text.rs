//! Measuring, cutting and wrapping text by display width, one grapheme cluster at a time, the way
//! ratatui's buffer draws it: CJK and emoji take 2 columns, a ZWJ sequence or a skin-tone emoji
//! is one cluster, combining marks take none. Never indexes a string by bytes.
//! The inbox and the command line measure with this, so a table and the screen agree; ratatui is
//! used only for its grapheme split and cell width (what the buffer draws is the measure).

use ratatui::buffer::CellWidth;
use ratatui::style::Style;
use ratatui::text::Span;

/// Calls `f` with each grapheme cluster that the buffer would draw (control characters are
/// skipped, as ratatui skips them) and its width in cells, until `f` returns false.
fn each_grapheme(s: &str, mut f: impl FnMut(&str, usize) -> bool) {
    let span = Span::raw(s);
    for g in span.styled_graphemes(Style::new()) {
        if !f(g.symbol, usize::from(g.symbol.cell_width())) {
            break;
        }
    }
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    if s.is_ascii() {
        return s.bytes().filter(|b| !b.is_ascii_control()).count();
    }
    let mut total = 0usize;
    each_grapheme(s, |_, w| {
        total = total.saturating_add(w);
        true
    });
    total
}

/// `s` cut to at most `max` cells, ending in `…` when something was cut. Stops reading `s` as soon
/// as it is known to be too long, so a long string costs only what fits.
pub fn truncate(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    // Plain printable ASCII (most names and previews): one byte is one cell.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return if s.len() <= max {
            s.to_string()
        } else {
            format!("{}…", &s[..max - 1])
        };
    }
    let mut out = String::new();
    let mut used = 0usize;
    // Where to cut if it turns out too long: the longest prefix that leaves a cell for the `…`.
    let mut keep = 0usize;
    let mut overflow = false;
    each_grapheme(s, |g, w| {
        if used + w > max {
            overflow = true;
            return false;
        }
        used += w;
        out.push_str(g);
        if used < max {
            keep = out.len();
        }
        true
    });
    if overflow {
        out.truncate(keep);
        out.push('…');
    }
    out
}

/// The last `max` cells of `s`, with `…` in front when something was cut (a long filter being
/// typed shows its end, where the typing happens).
pub fn tail(s: &str, max: usize) -> String {
    let total = width(s);
    if total <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    let mut skipped = 0usize;
    each_grapheme(s, |g, w| {
        if total - skipped > max - 1 {
            skipped += w;
        } else {
            out.push_str(g);
        }
        true
    });
    out
}

/// `s` cut to `width` cells and padded with spaces to exactly `width`.
pub fn pad(s: &str, width_: usize) -> String {
    let mut out = truncate(s, width_);
    let used = width(&out);
    out.extend(std::iter::repeat_n(' ', width_.saturating_sub(used)));
    out
}

/// `s` cut to `width` cells and padded on the left to exactly `width`.
pub fn pad_left(s: &str, width_: usize) -> String {
    let cut = truncate(s, width_);
    let used = width(&cut);
    let mut out: String = std::iter::repeat_n(' ', width_.saturating_sub(used)).collect();
    out.push_str(&cut);
    out
}

/// Word-wraps `text` to lines of at most `max` cells (a word longer than a line is broken between
/// clusters). Hard line breaks are kept; right-to-left text is left in logical order, as given.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    for hard in text.split('\n') {
        let mut line = String::new();
        let mut used = 0usize;
        for word in hard.split(' ') {
            let w = width(word);
            let sep = usize::from(used > 0);
            if used + sep + w <= max {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                used += sep + w;
                continue;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            if w <= max {
                line.push_str(word);
                used = w;
                continue;
            }
            // Longer than a whole line (or a script without spaces, like CJK): break anywhere.
            if word.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                // Printable ASCII, one byte a cell: cut by length (a 1 MB line without a space
                // costs a copy, not a grapheme walk). The line is empty here.
                let mut rest = word;
                while !rest.is_empty() {
                    if used >= max {
                        out.push(std::mem::take(&mut line));
                        used = 0;
                    }
                    let n = (max - used).min(rest.len());
                    line.push_str(&rest[..n]);
                    used += n;
                    rest = &rest[n..];
                }
                continue;
            }
            each_grapheme(word, |g, gw| {
                if used + gw > max && used > 0 {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push_str(g);
                used += gw;
                true
            });
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_buffer() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("李小龙"), 6);
        assert_eq!(width("👍🏽"), 2, "skin tone modifier joins the emoji");
        assert_eq!(width("👩‍💻"), 2, "a ZWJ sequence is one cluster");
        assert_eq!(width("é"), 1, "combining accent");
        assert_eq!(width("مرحبا"), 5);
    }

    #[test]
    fn truncation_never_splits_a_cluster() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("李小龙x", 6), "李小…");
        assert_eq!(truncate("李小龙", 5), "李小…");
        assert_eq!(truncate("👩‍💻👩‍💻👩‍💻", 5), "👩‍💻👩‍💻…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(pad("李", 4), "李  ");
        assert_eq!(tail("abcdef", 4), "…def");
        assert_eq!(tail("李小龙", 4), "…龙");
        assert_eq!(tail("abc", 4), "abc");
        assert_eq!(pad_left("7m", 4), "  7m");
    }

    #[test]
    fn wrapping_by_display_width() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("你好世界你好", 5), ["你好", "世界", "你好"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("ab abcdefgh ij", 3), ["ab", "abc", "def", "gh", "ij"]);
        assert_eq!(wrap("abcdef", 3), ["abc", "def"]);
        assert_eq!(wrap("abcdefé", 3), ["abc", "def", "é"], "not ASCII: by cluster");
        assert_eq!(wrap("a\n\nb", 3), ["a", "", "b"]);
        assert_eq!(wrap("👍🏽👍🏽👍🏽", 4), ["👍🏽👍🏽", "👍🏽"]);
        assert!(wrap("anything", 0).is_empty());
        for line in wrap("שלום עולם, מה שלומך היום? مرحبا بالعالم", 10) {
            assert!(width(&line) <= 10, "{line}");
        }
    }
}
