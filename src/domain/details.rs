//! What a platform says about a customer and a conversation beyond the list row: shown in the
//! details panel. Built by the adapters, every string cleaned as it is added, empty ones left
//! out. Carried boxed on the conversation (one pointer when absent: the list may hold 100,000).

use super::sanitize::{sanitize, sanitize_line};
use serde::{Deserialize, Serialize};

/// The most `key: value` lines one structured field (metadata, variables) shows.
pub const MAX_PAIRS: usize = 12;
/// The most characters one value keeps; a longer one is cut with `…`.
pub const MAX_VALUE: usize = 200;
/// The frustration at or above which a row is marked.
pub const FRUSTRATED: f32 = 0.7;

/// A conversation's priority, as Chatvolt has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Medium, Priority::High];

    /// The platform's word (`LOW`, `MEDIUM`, `HIGH`).
    pub fn wire(self) -> &'static str {
        match self {
            Priority::Low => "LOW",
            Priority::Medium => "MEDIUM",
            Priority::High => "HIGH",
        }
    }

    /// The word on screen and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// `low`, `LOW`, `Low`…; `None` for anything else.
    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// One labelled field; `value` may hold several lines (`key: value` pairs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// The details of one conversation. Frustration, priority, tags and assignees are kept apart
/// because the list, the thread header and the assign prompt use them; the rest is text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// 0–1, clamped; `None` when the platform gives none (or not a number).
    pub frustration: Option<f32>,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    /// The assignees' emails (Chatvolt), which the assign prompt completes from.
    pub assignees: Vec<String>,
    /// Assigned to this operator (by their email), whoever holds it: listed in Mine.
    #[serde(default)]
    pub assigned_to_me: bool,
    pub fields: Fields,
}

/// The labelled fields, packed in one string: `label US value RS label US value …`. A list may
/// hold 100,000 conversations with five fields each; ten small strings and a vector apiece cost
/// three times what they hold. The separators are control characters, which cleaning removes
/// from every label and value. Written and read as a list of [`Field`]s.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<Field>", into = "Vec<Field>")]
pub struct Fields(Box<str>);

const LABEL_END: char = '\u{1f}';
const FIELD_END: char = '\u{1e}';

impl Fields {
    /// Label and value, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (self.0.split_terminator(FIELD_END)).map(|f| f.split_once(LABEL_END).unwrap_or(("", f)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn push(&mut self, label: &str, value: &str) {
        let mut packed = String::from(std::mem::take(&mut self.0));
        let clean = |s: &str| s.replace([LABEL_END, FIELD_END], "");
        packed.push_str(&clean(label));
        packed.push(LABEL_END);
        packed.push_str(&clean(value));
        packed.push(FIELD_END);
        self.0 = packed.into_boxed_str();
    }
}

impl From<Vec<Field>> for Fields {
    fn from(fields: Vec<Field>) -> Fields {
        let mut packed = Fields::default();
        for f in &fields {
            packed.push(&f.label, &f.value);
        }
        packed
    }
}

impl From<Fields> for Vec<Field> {
    fn from(fields: Fields) -> Vec<Field> {
        (fields.iter())
            .map(|(label, value)| Field {
                label: label.to_string(),
                value: value.to_string(),
            })
            .collect()
    }
}

impl Details {
    /// A one-line field, cleaned; left out when empty.
    pub fn line(&mut self, label: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value.map(sanitize_line).filter(|v| !v.is_empty()) {
            self.push(label, cut(&value));
        }
        self
    }

    /// A multi-line text field (a summary, a note), cleaned; left out when empty.
    pub fn text(&mut self, label: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value.map(|v| sanitize(v).trim().to_string()).filter(|v| !v.is_empty()) {
            self.push(label, value);
        }
        self
    }

    /// A list of values, one per line, cleaned; left out when none is left.
    pub fn list<'a>(&mut self, label: &str, values: impl IntoIterator<Item = &'a str>) -> &mut Self {
        let lines: Vec<String> = values
            .into_iter()
            .map(sanitize_line)
            .filter(|v| !v.is_empty())
            .map(|v| cut(&v))
            .collect();
        if !lines.is_empty() {
            self.push(label, lines.join("\n"));
        }
        self
    }

    /// A JSON object as `key: value` lines (nested values compacted to one line, long ones cut,
    /// at most [`MAX_PAIRS`]); anything but a non-empty object is left out.
    pub fn pairs(&mut self, label: &str, value: Option<&serde_json::Value>) -> &mut Self {
        let Some(object) = value.and_then(serde_json::Value::as_object) else {
            return self;
        };
        let mut lines: Vec<String> = object.iter().filter_map(|(k, v)| pair(k, v)).take(MAX_PAIRS).collect();
        if object.len() > MAX_PAIRS && !lines.is_empty() {
            lines.push(format!("… {} more", object.len() - MAX_PAIRS));
        }
        self.list(label, lines.iter().map(String::as_str))
    }

    /// Sets the frustration from a number, clamped to 0–1; a non-finite one is none.
    pub fn set_frustration(&mut self, value: Option<f64>) -> &mut Self {
        self.frustration = value.filter(|v| v.is_finite()).map(|v| v.clamp(0.0, 1.0) as f32);
        self
    }

    /// Whether the customer looks frustrated enough to mark the row.
    pub fn frustrated(&self) -> bool {
        self.frustration.is_some_and(|f| f >= FRUSTRATED)
    }

    /// The field labelled `label`, if there is one.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.fields.iter().find(|(l, _)| *l == label).map(|(_, value)| value)
    }

    /// Every string cleaned again: for details read back from a file others can write (the
    /// team dir), which is remote text like any other.
    pub fn cleaned(self) -> Details {
        let line = |v: String| cut(&sanitize_line(&v));
        Details {
            frustration: self.frustration.filter(|f| f.is_finite()).map(|f| f.clamp(0.0, 1.0)),
            priority: self.priority,
            tags: self.tags.into_iter().map(line).filter(|t| !t.is_empty()).collect(),
            assignees: self.assignees.into_iter().map(line).filter(|t| !t.is_empty()).collect(),
            assigned_to_me: self.assigned_to_me,
            fields: (self.fields.iter())
                .map(|(label, value)| Field {
                    label: sanitize_line(label),
                    value: sanitize(value),
                })
                .filter(|f| !f.value.trim().is_empty())
                .collect::<Vec<_>>()
                .into(),
        }
    }

    /// `None` when nothing was found at all, so an empty conversation costs no allocation.
    pub fn boxed(self) -> Option<Box<Details>> {
        (self != Details::default()).then(|| Box::new(self))
    }

    fn push(&mut self, label: &str, value: String) {
        self.fields.push(label, &value);
    }
}

/// `key: value` for one entry of a JSON object; `None` for a null or empty value.
fn pair(key: &str, value: &serde_json::Value) -> Option<String> {
    let shown = match value {
        serde_json::Value::Null => return None,
        serde_json::Value::String(s) => sanitize_line(s),
        other => sanitize_line(&other.to_string()),
    };
    let key = sanitize_line(key);
    (!shown.is_empty() && !key.is_empty()).then(|| format!("{key}: {shown}"))
}

/// `value` cut to [`MAX_VALUE`] characters, with `…` when it was longer.
fn cut(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_cleaned_and_empty_ones_left_out() {
        let mut d = Details::default();
        d.line("Country", Some("E\u{1b}[31mS"))
            .line("Device", Some("   "))
            .line("OS", None)
            .text("Summary", Some("two\nlines\u{7}"))
            .list("Tags", ["vip", "", "\u{1b}]0;x\u{7}late"]);
        assert_eq!(d.get("Country"), Some("ES"));
        assert_eq!(d.get("Device"), None);
        assert_eq!(d.get("OS"), None);
        assert_eq!(d.get("Summary"), Some("two\nlines"));
        assert_eq!(d.get("Tags"), Some("vip\nlate"));
        assert_eq!(Details::default().boxed(), None);
    }

    #[test]
    fn pairs_compact_nested_values_and_cut_long_ones() {
        let mut d = Details::default();
        let long = "x".repeat(MAX_VALUE + 50);
        d.pairs(
            "Metadata",
            Some(&json!({"plan": "pro", "n": 3, "nested": {"a": [1, 2]}, "none": null, "long": long})),
        );
        let shown = d.get("Metadata").unwrap();
        assert!(shown.contains("plan: pro"), "{shown}");
        assert!(shown.contains("n: 3"), "{shown}");
        assert!(shown.contains(r#"nested: {"a":[1,2]}"#), "{shown}");
        assert!(!shown.contains("none"), "{shown}");
        assert!(shown.lines().all(|l| l.chars().count() <= MAX_VALUE + 1), "{shown}");
        d.pairs("Odd", Some(&json!("a string")));
        assert_eq!(d.get("Odd"), None);
        let many: serde_json::Map<String, serde_json::Value> =
            (0..20).map(|i| (format!("k{i:02}"), json!(i))).collect();
        d.pairs("Many", Some(&serde_json::Value::Object(many)));
        assert!(d.get("Many").unwrap().ends_with("… 8 more"));
    }

    #[test]
    fn packed_fields_read_and_write_as_a_list_and_keep_their_order() {
        let mut d = Details::default();
        d.line("Country", Some("FR"))
            .text("Summary", Some("two\nlines"))
            .line("Odd", Some("a\u{1e}b\u{1f}c"));
        let json = serde_json::to_value(&d.fields).unwrap();
        assert_eq!(
            json,
            json!([
                {"label": "Country", "value": "FR"},
                {"label": "Summary", "value": "two\nlines"},
                {"label": "Odd", "value": "abc"},
            ])
        );
        let back: Fields = serde_json::from_value(json).unwrap();
        assert_eq!(back, d.fields);
        assert_eq!(
            back.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            ["Country", "Summary", "Odd"]
        );
        // A label or value from a file others write cannot add a field.
        let forged: Fields =
            serde_json::from_value(json!([{"label": "A\u{1f}B", "value": "x\u{1e}Y\u{1f}z"}])).unwrap();
        assert_eq!(forged.iter().collect::<Vec<_>>(), [("AB", "xYz")]);
    }

    #[test]
    fn details_read_back_from_a_shared_file_are_cleaned_again() {
        let dirty = Details {
            frustration: Some(f32::INFINITY),
            tags: vec!["vip\u{1b}[31m".into(), "\u{7}".into()],
            assignees: vec!["sam@example.com\u{1b}]0;x\u{7}".into()],
            fields: vec![
                Field {
                    label: "Note\u{1b}[2J".into(),
                    value: "a\u{9b}31m\nb".into(),
                },
                Field {
                    label: "Empty".into(),
                    value: "\u{1b}[0m".into(),
                },
            ]
            .into(),
            ..Details::default()
        };
        let clean = dirty.cleaned();
        assert_eq!(clean.frustration, None);
        assert_eq!(clean.tags, ["vip"]);
        assert_eq!(clean.assignees, ["sam@example.com"]);
        assert_eq!(clean.get("Note"), Some("a\nb"));
        assert_eq!(clean.get("Empty"), None);
    }

    proptest::proptest! {
        #[test]
        fn pairs_never_hold_controls_or_overlong_lines(
            entries in proptest::collection::btree_map(".{0,20}", ".{0,300}", 0..20)
        ) {
            let object: serde_json::Map<String, serde_json::Value> =
                entries.into_iter().map(|(k, v)| (k, json!(v))).collect();
            let mut d = Details::default();
            d.pairs("Metadata", Some(&serde_json::Value::Object(object)));
            for line in d.get("Metadata").unwrap_or_default().lines() {
                proptest::prop_assert!(!line.chars().any(char::is_control), "{line:?}");
                proptest::prop_assert!(line.chars().count() <= MAX_VALUE + 1, "{line:?}");
            }
        }
    }

    #[test]
    fn frustration_is_clamped_and_marks_at_seven_tenths() {
        let mut d = Details::default();
        assert!(!d.set_frustration(Some(0.69)).frustrated());
        assert!(d.set_frustration(Some(0.7)).frustrated());
        assert_eq!(d.set_frustration(Some(3.0)).frustration, Some(1.0));
        assert_eq!(d.set_frustration(Some(f64::NAN)).frustration, None);
        assert_eq!(Priority::parse(" High "), Some(Priority::High));
        assert_eq!(Priority::parse("urgent"), None);
    }
}
