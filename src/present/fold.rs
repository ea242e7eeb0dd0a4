//! Text folded for matching: lower case, the common Latin diacritics removed (`Chloé` →
//! `chloe`, `Ørsted` → `orsted`, `Straße` → `strasse`), so that what an operator types on any
//! keyboard finds a name however it is spelt. A table, not Unicode normalisation: the letters
//! customers' names carry in practice, without a crate for it.

/// `text` folded into `out` (cleared first): reuses its allocation, which matters when the
/// list filter folds every conversation on each key.
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        // A copy lowered in place: the common case, and the one that must be fast.
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    for c in text.chars() {
        match base(c) {
            Some(s) => out.push_str(s),
            None => out.extend(c.to_lowercase()),
        }
    }
}

/// Whether `text`, folded, contains `needle` (already folded). ASCII text is compared in
/// place, without a copy: the list filter asks this of every conversation on each key.
pub fn folded_contains(text: &str, needle: &str, buffer: &mut String) -> bool {
    if text.is_ascii() && needle.is_ascii() {
        let (hay, needle) = (text.as_bytes(), needle.as_bytes());
        let Some((&first, rest)) = needle.split_first() else {
            return true;
        };
        return hay.len() >= needle.len()
            && (0..=hay.len() - needle.len()).any(|i| {
                hay[i].to_ascii_lowercase() == first && hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest)
            });
    }
    fold_into(text, buffer);
    buffer.contains(needle)
}

/// What the list filter looks in, for one conversation: its name, account, contact, channel,
/// preview and assignee. The inbox matches these one by one; the cache keeps them folded
/// ([`filter_text`]) for the conversations it shows from disk.
pub fn filter_fields(c: &crate::domain::Conversation) -> [Option<&str>; 6] {
    [
        Some(c.customer_name.as_str()),
        Some(&*c.key.account),
        c.customer_contact.as_deref(),
        c.channel.as_deref(),
        c.preview.as_deref(),
        c.assignee.as_deref(),
    ]
}

/// [`filter_fields`] folded, one per line: a folded needle (which holds no line break) is in
/// this exactly when the filter matches one of them.
pub fn filter_text(c: &crate::domain::Conversation) -> String {
    let mut out = String::new();
    let mut one = String::new();
    for field in filter_fields(c).into_iter().flatten() {
        fold_into(field, &mut one);
        out.push_str(&one);
        out.push('\n');
    }
    out
}

/// `text` folded.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// The plain letters of a Latin letter with a diacritic, lower case; `None` for any other.
fn base(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ď'..='đ' | 'Ð' | 'ð' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ň' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' => "s",
        'ß' => "ss",
        'Ţ'..='ŧ' => "t",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        'Þ' | 'þ' => "th",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn case_and_diacritics_fold_away() {
        assert_eq!(fold("Chloé"), "chloe");
        assert_eq!(fold("ØRSTED Straße"), "orsted strasse");
        assert_eq!(fold("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(
            fold("Ĳssel"),
            "ĳssel",
            "what the table does not know is only lower-cased"
        );
        assert_eq!(fold("张伟 vera@Example.org"), "张伟 vera@example.org");
    }

    #[test]
    fn contains_compares_folded_with_or_without_a_copy() {
        let mut buffer = String::new();
        for (text, needle, expected) in [
            ("Vera Holm", "holm", true),
            ("Vera Holm", "vera h", true),
            ("Vera Holm", "holms", false),
            ("Ve", "vera", false),
            ("anything", "", true),
            ("Chloé Dupont", "chloe", true),
            ("Chloe Dupont", "chloé", false),
        ] {
            assert_eq!(
                super::folded_contains(text, needle, &mut buffer),
                expected,
                "{text} {needle}"
            );
        }
    }
}
