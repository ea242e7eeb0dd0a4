use super::*;
use crate::domain::SnippetSource;

fn vars() -> Vars {
    Vars {
        customer: Some("Chloé Dubois-Martin".into()),
        operator: Some("Dana Scully".into()),
        account: Some("Support EU".into()),
        conversation: Some("c-42".into()),
    }
}

fn text(template: &str, vars: &Vars) -> String {
    expand(template, vars).text
}

#[test]
fn every_variable_is_filled_in() {
    let v = vars();
    assert_eq!(text("{customer.first_name}", &v), "Chloé");
    assert_eq!(text("{customer.name}", &v), "Chloé Dubois-Martin");
    assert_eq!(text("{operator.name}", &v), "Dana Scully");
    assert_eq!(text("{operator.first_name}", &v), "Dana");
    assert_eq!(text("{account.label}", &v), "Support EU");
    assert_eq!(text("{conversation.id}", &v), "c-42");
    let all = expand(
        "Hi {customer.first_name}, {operator.first_name} of {account.label} (#{conversation.id})",
        &v,
    );
    assert_eq!(all.text, "Hi Chloé, Dana of Support EU (#c-42)");
    assert!(all.problems.is_empty());
    assert_eq!(VARIABLES.len(), 6);
    for name in VARIABLES {
        assert!(expand(&format!("{{{name}}}"), &v).problems.is_empty(), "{name}");
    }
}

#[test]
fn a_fallback_stands_in_for_a_missing_value_only() {
    let none = Vars::default();
    assert_eq!(text("Hi {customer.first_name|there}!", &none), "Hi there!");
    assert_eq!(text("Hi {customer.first_name|there}!", &vars()), "Hi Chloé!");
    assert_eq!(text("{operator.name|the team}", &none), "the team");
    // The fallback is taken as written, `|` and spaces included; an empty one leaves nothing.
    assert_eq!(text("{customer.name|a b|c}", &none), "a b|c");
    assert_eq!(text("Hi{customer.first_name|}.", &none), "Hi.");
    let blank = Vars {
        customer: Some("   ".into()),
        ..Vars::default()
    };
    assert_eq!(text("{customer.name|you}", &blank), "you", "a blank value is no value");
}

#[test]
fn a_missing_value_without_fallback_stays_visible_and_is_named() {
    let e = expand("Hi {customer.first_name}, {customer.first_name}!", &Vars::default());
    assert_eq!(e.text, "Hi {customer.first_name}, {customer.first_name}!");
    assert_eq!(e.problems, ["no value for {customer.first_name}"]);
}

#[test]
fn an_unknown_variable_stays_visible_and_is_named_even_with_a_fallback() {
    let e = expand("Dear {customer.frist_name|friend} {x}", &vars());
    assert_eq!(e.text, "Dear {customer.frist_name|friend} {x}");
    assert_eq!(
        e.problems,
        ["unknown variable {customer.frist_name}", "unknown variable {x}"]
    );
}

#[test]
fn braces_that_are_not_variables_are_plain_text() {
    let v = vars();
    for plain in [
        "{",
        "}",
        "{}",
        "{ }",
        "a { b",
        "{\"a\": 1}",
        "{1.x}",
        "{é}",
        "{customer.}",
        "{.name}",
        "end {",
    ] {
        let e = expand(plain, &v);
        assert_eq!(e.text, plain, "{plain}");
        assert!(e.problems.is_empty(), "{plain}: {:?}", e.problems);
    }
    assert_eq!(text("{{customer.first_name}}", &v), "{Chloé}");
    assert_eq!(
        text("{ customer.first_name }", &v),
        "Chloé",
        "spaces inside are allowed"
    );
    assert_eq!(text("{a {customer.first_name}", &v), "{a Chloé");
}

#[test]
fn unicode_names_are_cut_at_the_first_word() {
    let of = |name: &str| Vars {
        customer: Some(name.into()),
        ..Vars::default()
    };
    assert_eq!(text("{customer.first_name}", &of("José María")), "José");
    assert_eq!(text("{customer.first_name}", &of("  Ærøskøbing  Ø")), "Ærøskøbing");
    assert_eq!(text("{customer.first_name}", &of("山田 太郎")), "山田");
    assert_eq!(text("{customer.first_name}", &of("Zoë")), "Zoë");
    assert_eq!(text("→{customer.name}←", &of("Ünïcödé")), "→Ünïcödé←");
}

#[test]
fn stand_ins_for_a_name_are_no_name() {
    let with = |name: &str, contact: Option<&str>| {
        let c = Conversation {
            key: ConversationKey::new("raia", "c1"),
            platform: crate::domain::PlatformKind::Raia,
            customer_name: name.into(),
            customer_contact: contact.map(str::to_string),
            channel: None,
            status: crate::domain::Status::Ai,
            assignee: None,
            unread: None,
            preview: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            waiting_since: None,
            no_reply: None,
            details: None,
        };
        person_name(&c).map(str::to_string)
    };
    assert_eq!(
        with("Vera Lynn", Some("vera@example.org")).as_deref(),
        Some("Vera Lynn")
    );
    assert_eq!(with("Guest Smith", None).as_deref(), Some("Guest Smith"));
    for stand_in in [
        "Visitor",
        "Visitor #f123",
        "guest 42",
        "Anonymous",
        "vera@example.org",
        "+33 6 12 34 56 78",
        "@vera_insta",
        "",
    ] {
        assert_eq!(with(stand_in, None), None, "{stand_in}");
    }
    assert_eq!(with("verax", Some("verax")), None, "the contact itself");
}

fn snippet(name: &str, text: &str) -> Snippet {
    Snippet {
        name: name.into(),
        text: text.into(),
        source: SnippetSource::Personal,
    }
}

#[test]
fn the_filter_matches_names_and_texts_best_first() {
    let list = [
        snippet("bye", "Goodbye and thanks"),
        snippet("greet", "Hi {customer.first_name|there}"),
        snippet("refund", "Your refund is on its way"),
        snippet("thanks", "Thank you for waiting"),
    ];
    assert_eq!(matching(&list, ""), [0, 1, 2, 3], "empty: all, by name");
    assert_eq!(matching(&list, "ref"), [2]);
    assert_eq!(matching(&list, "REF"), [2], "case does not matter");
    assert_eq!(matching(&list, "zzz"), Vec::<usize>::new());
    // `thanks` by name ranks above `bye`, whose text only has it.
    assert_eq!(matching(&list, "thanks"), [3, 0]);
    assert_eq!(matching(&list, "grt"), [1], "fuzzy");
    let accented = [snippet("cafe", "le café est prêt")];
    assert_eq!(matching(&accented, "pret"), [0], "accents folded");
    // In a text, words, not letters scattered over it.
    assert_eq!(matching(&list, "ref"), [2]);
    assert_eq!(matching(&list, "for wait"), [3], "every word");
    assert_eq!(matching(&list, "wait for"), [3], "in any order");
}
