//! Reading a keymap file: TOML sections into validated entries, with every problem worded as a
//! warning that names the file and line. Nothing here decides what wins; `Builder` does.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Action, Context};
use crate::app::key::Key;

/// One `action = [...]` line of a keymap file, already validated.
pub(super) struct Entry {
    pub(super) context: Context,
    pub(super) action: Action,
    pub(super) keys: Vec<Key>,
    pub(super) line: usize,
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Read a keymap file into entries in file order. Problems with single lines become warnings and
/// the line is skipped; `Err` is a TOML syntax error (the whole file is unusable).
pub(super) fn parse_entries(text: &str, origin: &str, warnings: &mut Vec<String>) -> Result<Vec<Entry>, String> {
    let document = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| {
            // Bytes, not str slicing: a span off a char boundary must not panic.
            let before = &text.as_bytes()[..s.start.min(text.len())];
            let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
            format!(":{}:{column}", line_of(text, s.start))
        });
        format!(
            "{origin}{}: not valid TOML: {}",
            at.unwrap_or_default(),
            e.message().trim()
        )
    })?;

    let mut entries = Vec::new();
    let mut sections: Vec<_> = document.get_ref().iter().collect();
    sections.sort_by_key(|(name, _)| name.span().start);
    for (section, body) in sections {
        let line = line_of(text, section.span().start);
        let section_name: &str = section.get_ref();
        let Some(context) = Context::from_name(section_name) else {
            let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
            warnings.push(format!(
                "{origin}:{line}: unknown section [{section_name}] (known: {}); ignored",
                known.join(", ")
            ));
            continue;
        };
        let Some(table) = body.get_ref().as_table() else {
            warnings.push(format!(
                "{origin}:{line}: \"{section_name}\" should be a section like [{section_name}]; ignored"
            ));
            continue;
        };
        let mut rows: Vec<_> = table.iter().collect();
        rows.sort_by_key(|(name, _)| name.span().start);
        for (name, value) in rows {
            let line = line_of(text, name.span().start);
            let action_name: &str = name.get_ref();
            let Some(action) = Action::from_name(action_name) else {
                warnings.push(format!(
                    "{origin}:{line}: unknown action \"{action_name}\" in [{section_name}]; ignored"
                ));
                continue;
            };
            let at = Where {
                text,
                origin,
                section: section_name,
                action: action_name,
            };
            if let Some(keys) = parse_keys(value, &at, warnings) {
                entries.push(Entry {
                    context,
                    action,
                    keys,
                    line,
                });
            }
        }
    }
    Ok(entries)
}

/// A binding's value: `"t"`, `["t", "T"]`, `""` or `[]` (unbind). `None` leaves the action as it
/// was: the value was of the wrong type, or every key in it was unparsable (an unbinding by
/// accident would be worse than the warning alone).
fn parse_keys(value: &Spanned<DeValue<'_>>, at: &Where<'_>, warnings: &mut Vec<String>) -> Option<Vec<Key>> {
    let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
        DeValue::String(_) => vec![value],
        DeValue::Array(array) => array.iter().collect(),
        other => {
            warnings.push(at.warn(
                value,
                &format!(
                    "expected a key like \"t\" or a list like [\"t\", \"T\"], found {}; ignored",
                    other.type_str()
                ),
            ));
            return None;
        }
    };
    let (mut keys, mut tried) = (Vec::new(), 0);
    for item in items {
        let Some(s) = item.get_ref().as_str() else {
            warnings.push(at.warn(item, "a key must be a string like \"t\"; ignored"));
            tried += 1;
            continue;
        };
        if s.trim().is_empty() {
            continue; // "" is the unbinding marker
        }
        tried += 1;
        match Key::parse(s) {
            Ok(key) if !keys.contains(&key) => keys.push(key),
            Ok(_) => {}
            Err(e) => warnings.push(at.warn(item, &format!("{e}; ignored"))),
        }
    }
    if tried > 0 && keys.is_empty() {
        warnings.push(at.warn(value, "no usable key, so the previous binding stays"));
        None
    } else {
        Some(keys)
    }
}

/// Names one binding in warnings: `file:line: [section] action: problem`.
struct Where<'a> {
    text: &'a str,
    origin: &'a str,
    section: &'a str,
    action: &'a str,
}

impl Where<'_> {
    fn warn<T>(&self, at: &Spanned<T>, problem: &str) -> String {
        let line = line_of(self.text, at.span().start);
        format!("{}:{line}: [{}] {}: {problem}", self.origin, self.section, self.action)
    }
}
