//! Server bytes made readable as JSON before they are parsed: one customer's odd text must not
//! fail a whole listing or thread. JavaScript servers emit lone UTF-16 surrogates (`"\ud83d"`,
//! half an emoji cut by a length limit), which serde_json rightly refuses, and some bodies carry
//! bytes that are not UTF-8. Both become U+FFFD, the replacement character; everything else is
//! left exactly as it was (and not copied).
//!
//! [`Each`] is the same idea one level up: a list whose elements the vendor's schema does not
//! guarantee is decoded one element at a time, so one odd element is set aside (and logged with
//! the field that failed) instead of failing the whole answer.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use std::borrow::Cow;
use std::fmt;

/// The escape a lone surrogate is replaced with.
const REPLACEMENT: &[u8] = b"\\uFFFD";

/// `bytes` with invalid UTF-8 and lone surrogate escapes replaced by U+FFFD; borrowed when there
/// is neither (the common case).
pub fn readable(bytes: &[u8]) -> Cow<'_, [u8]> {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(text) => replace_lone_surrogates(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(replace_lone_surrogates(text.as_bytes()).into_owned()),
    }
}

/// Rewrites each `\uD800`–`\uDFFF` escape that is not half of a valid high+low pair to
/// `\uFFFD`. Escapes are read left to right, two bytes at a time from each backslash, so the
/// `u` after an escaped backslash (`\\ud83d`) is text, not an escape.
pub fn replace_lone_surrogates(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    // Bytes before this are already in `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = unicode_escape(bytes, i) else {
            // Another escape (`\\`, `\"`, `\n` …): skip both bytes.
            i += 2;
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => match unicode_escape(bytes, i + 6) {
                Some(0xDC00..=0xDFFF) => {
                    i += 12;
                    continue;
                }
                _ => true,
            },
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            out.extend_from_slice(&bytes[copied..i]);
            out.extend_from_slice(REPLACEMENT);
            copied = i + 6;
        }
        i += 6;
    }
    match out {
        None => Cow::Borrowed(bytes),
        Some(mut out) => {
            out.extend_from_slice(&bytes[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn unicode_escape(bytes: &[u8], at: usize) -> Option<u16> {
    let escape = bytes.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u16::from_str_radix(hex, 16)
        .ok()
        .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A JSON array decoded element by element: the elements that decode as `T`, and the ones set
/// aside, each with where and why. Use it in a wire type or as a whole answer
/// (`http.get::<Each<WireConversation>>`); anything but an array still fails the answer.
#[derive(Debug)]
pub struct Each<T> {
    /// Each with its place in the server's list, which ids synthesised from positions need.
    items: Vec<(usize, T)>,
    skipped: Vec<Skipped>,
}

/// One element of an [`Each`] list that did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its place in the server's list.
    pub index: usize,
    /// The field that failed, inside the element (`user.firstName`); empty for the element itself.
    pub field: String,
    /// Why, cleaned and bounded: it may quote the server.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "item [{}]: {}", self.index, self.reason)
        } else {
            write!(f, "item [{}], field `{}`: {}", self.index, self.field, self.reason)
        }
    }
}

impl<T> Each<T> {
    /// The elements that did not decode.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The elements that decoded, in the server's order, after logging each one set aside (as a
    /// `what`, e.g. "conversation", of `account`).
    pub fn items(self, account: &str, what: &str) -> Vec<T> {
        self.indexed(account, what).into_iter().map(|(_, item)| item).collect()
    }

    /// As [`Each::items`], each with its place in the server's list.
    pub fn indexed(self, account: &str, what: &str) -> Vec<(usize, T)> {
        for skipped in self.skipped() {
            tracing::warn!(account, what, item = skipped.index, field = %skipped.field, reason = %skipped.reason,
                "skipped one {what} of the server's answer");
        }
        self.items
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Each<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Each element is read whole first (valid JSON is all an element must be), then decoded
        // on its own, so its failure names a field inside it and stops nothing else.
        let elements = Vec::<serde_json::Value>::deserialize(deserializer)?;
        let mut each = Each {
            items: Vec::with_capacity(elements.len()),
            skipped: Vec::new(),
        };
        for (index, element) in elements.into_iter().enumerate() {
            match serde_path_to_error::deserialize::<_, T>(element) {
                Ok(item) => each.items.push((index, item)),
                Err(e) => each.skipped.push(Skipped {
                    index,
                    field: super::http::path_text(e.path()),
                    reason: super::http::server_text(&e.inner().to_string()),
                }),
            }
        }
        Ok(each)
    }
}

/// For `#[serde(default, deserialize_with = "super::json::or_none")]` on an optional field that
/// is only shown or defaulted: a value of another type (a number where the schema says text) is
/// taken as absent rather than a reason to set the whole item aside.
pub fn or_none<'de, D: Deserializer<'de>, T: DeserializeOwned>(deserializer: D) -> Result<Option<T>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fixed(input: &str) -> String {
        String::from_utf8(replace_lone_surrogates(input.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            // A valid pair (😀) stays, in either case of hex.
            (r#""\ud83d\ude00""#, r#""\ud83d\ude00""#),
            (r#""\uD83D\uDE00""#, r#""\uD83D\uDE00""#),
            (r#""Smith \ud83d""#, r#""Smith \uFFFD""#),
            (r#""\ude00 low""#, r#""\uFFFD low""#),
            (r#""\ud83d\ud83d\ude00""#, r#""\uFFFD\ud83d\ude00""#),
            (r#""\ud83dx""#, r#""\uFFFDx""#),
            (r#""\ud83d\n""#, r#""\uFFFD\n""#),
            // High at the very end (a truncated body): still replaced, nothing read past it.
            (r"\ud83d", r"\uFFFD"),
            (r"\ud8", r"\ud8"),
            // An escaped backslash and then `ud83d` is text.
            (r#""\\ud83d""#, r#""\\ud83d""#),
            (r#""\\\ud83d""#, r#""\\\uFFFD""#),
            (r#""\u0041\u00e9""#, r#""\u0041\u00e9""#),
            (r#""\u+83d""#, r#""\u+83d""#),
        ];
        for (input, want) in cases {
            assert_eq!(fixed(input), *want, "{input}");
        }
    }

    #[test]
    fn nothing_to_fix_is_not_copied() {
        let body = br#"{"name":"\ud83d\ude00 \\ud83d plain"}"#;
        assert!(matches!(readable(body), Cow::Borrowed(_)));
        assert!(matches!(readable(b"\xff"), Cow::Owned(_)));
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let body = b"{\"name\":\"Smith \xf0\x9f\"}";
        let value: serde_json::Value = serde_json::from_slice(&readable(body)).unwrap();
        assert_eq!(value["name"], "Smith \u{fffd}");
        let both = b"[\"\xff\",\"\\udead\"]";
        let value: serde_json::Value = serde_json::from_slice(&readable(both)).unwrap();
        assert_eq!(value, serde_json::json!(["\u{fffd}", "\u{fffd}"]));
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Item {
        id: String,
        n: Option<u32>,
    }

    #[derive(serde::Deserialize)]
    struct Page {
        data: Each<Item>,
    }

    fn item(id: &str, n: Option<u32>) -> Item {
        Item { id: id.into(), n }
    }

    #[test]
    fn each_sets_aside_the_elements_that_do_not_decode_and_keeps_the_rest() {
        let body = br#"{"data":[{"id":"a"},{"n":1},{"id":"b","n":"x"},7,{"id":"c","n":null,"extra":[1]}]}"#;
        let page: Page = crate::platform::http::decode(body).unwrap();
        let skipped: Vec<String> = page.data.skipped().iter().map(ToString::to_string).collect();
        assert_eq!(
            skipped,
            [
                "item [1]: missing field `id`",
                "item [2], field `n`: invalid type: string \"x\", expected u32",
                "item [3]: invalid type: integer `7`, expected struct Item",
            ]
        );
        assert_eq!(
            page.data.indexed("acct", "item"),
            [(0, item("a", None)), (4, item("c", None))]
        );
    }

    #[test]
    fn each_fails_only_what_is_not_a_list_of_json_values() {
        let decode = |body: &[u8]| crate::platform::http::decode::<Each<Item>>(body).map(|e| e.items("a", "item"));
        assert_eq!(decode(b"[]").unwrap(), []);
        assert_eq!(decode(br#"[{"id":"a","n":2}]"#).unwrap(), [item("a", Some(2))]);
        for bad in [&b"{}"[..], b"null", b"[{\"id\":", b"\"x\""] {
            let err = decode(bad).unwrap_err();
            assert_eq!(err.class(), "malformed", "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn each_names_fields_in_clean_text() {
        let body = br#"[{"id":"a","n":{"\u001b]0;PWNED\u0007":1}},{"id":"b\u001b[2J","n":"\u001b]52;c;eA==\u0007"}]"#;
        let each: Each<Item> = crate::platform::http::decode(body).unwrap();
        for skipped in each.skipped() {
            let text = skipped.to_string();
            assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
        }
        assert_eq!(each.skipped().len(), 2);
    }

    #[test]
    fn or_none_takes_a_value_of_another_type_as_absent() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Shown {
            #[serde(default, deserialize_with = "or_none")]
            name: Option<String>,
            #[serde(default, deserialize_with = "or_none")]
            read: Option<bool>,
        }
        let decode = |body: &str| crate::platform::http::decode::<Shown>(body.as_bytes()).unwrap();
        let shown = |name: Option<&str>, read| Shown {
            name: name.map(Into::into),
            read,
        };
        assert_eq!(decode(r#"{"name":"Ann","read":true}"#), shown(Some("Ann"), Some(true)));
        assert_eq!(decode(r#"{"name":5,"read":"yes"}"#), shown(None, None));
        assert_eq!(decode(r#"{"name":null}"#), shown(None, None));
        assert_eq!(decode("{}"), shown(None, None));
    }

    /// Pieces of JSON string content: text, every kind of escape, and surrogate halves.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", "é", "😀", " ", r"\\", r#"\""#, r"\n", r"\/", r"\u0041", r"\ud83d", r"\uDE00", r"\udbff", r"\udc00",
            r"\\u", r"\\ud83d", "u", "d83d",
        ])
    }

    proptest! {
        #[test]
        fn output_parses_whenever_only_surrogates_were_wrong(pieces in prop::collection::vec(piece(), 0..24)) {
            let input = format!("\"{}\"", pieces.concat());
            let output = readable(input.as_bytes());
            let repaired = serde_json::from_slice::<String>(&output);
            prop_assert!(repaired.is_ok(), "{input} -> {:?}", String::from_utf8_lossy(&output));
            if let Ok(original) = serde_json::from_str::<String>(&input) {
                prop_assert_eq!(original, repaired.unwrap());
                prop_assert!(matches!(output, Cow::Borrowed(_)));
            }
        }
    }
}
