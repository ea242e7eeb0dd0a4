//! What the details panel shows, per platform (issue 13): each adapter's wire conversation read
//! for the fields beyond the row, every string cleaned as `Details` takes it, empty ones left
//! out. Apart from the adapters so their files stay about their API.

use super::{Operator, chatdash, chatvolt, field, full_name, raia};
use crate::domain::{Details, Priority};

/// What the details panel shows of a Chatvolt conversation (the list, §3.3).
pub(crate) fn chatvolt(wire: &chatvolt::WireConversation, me: &Operator) -> Option<Box<Details>> {
    let mut d = Details::default();
    d.set_frustration(wire.frustration);
    d.priority = wire.priority.as_deref().and_then(Priority::parse);
    d.tags = (wire.tags.iter().flatten())
        .filter_map(|t| named(t, &["name", "label"]))
        .collect();
    d.assignees = (wire.assignees.iter().flatten())
        .filter_map(|a| field(a.email.as_deref()))
        .collect();
    d.assigned_to_me = me
        .identity()
        .is_some_and(|email| d.assignees.iter().any(|a| a.eq_ignore_ascii_case(email)));
    let nps = match (wire.nps_rating, field(wire.nps_comment.as_deref())) {
        (Some(rating), Some(comment)) => Some(format!("{rating} — {comment}")),
        (Some(rating), None) => Some(rating.to_string()),
        (None, comment) => comment,
    };
    let variables: serde_json::Map<String, serde_json::Value> = (wire.conversation_variables.iter().flatten())
        .filter_map(|v| Some((named(v, &["name", "key"])?, v.get("value")?.clone())))
        .collect();
    let contacts: Vec<String> = (wire.participants_contacts.iter().flatten())
        .filter_map(|c| {
            let parts = [
                full_name(c.first_name.as_deref(), c.last_name.as_deref()),
                field(c.email.as_deref()),
                field(c.phone_number.as_deref()),
            ];
            let parts: Vec<String> = parts.into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(" · "))
        })
        .collect();
    let assignees = d.assignees.clone();
    let last_human = wire
        .last_human_interaction_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
    d.line("Channel", wire.channel.as_deref())
        .line("NPS", nps.as_deref())
        .list("Assignees", assignees.iter().map(String::as_str))
        .pairs("Variables", Some(&serde_json::Value::Object(variables)))
        .list("Contacts", contacts.iter().map(String::as_str))
        .line("Last human interaction", last_human.as_deref());
    d.boxed()
}

/// A tag or variable's name: the first of `keys` that is a string, or the value itself when it
/// is one; cleaned, `None` when empty.
fn named(value: &serde_json::Value, keys: &[&str]) -> Option<String> {
    let raw = value.as_str().or_else(|| {
        keys.iter()
            .find_map(|k| value.get(k).and_then(serde_json::Value::as_str))
    });
    field(raw)
}

/// What the details panel shows of a ChatDash conversation (platforms.md §1.3, analytics).
pub(crate) fn chatdash(wire: &chatdash::WireConversation) -> Option<Box<Details>> {
    let evaluation = wire.evaluation.as_ref().and_then(|e| {
        let verdict = e.is_success.map(|ok| if ok { "success" } else { "not a success" });
        let reason = field(e.reason.as_deref());
        match (verdict, reason) {
            (Some(v), Some(r)) => Some(format!("{v} — {r}")),
            (v, r) => v.map(str::to_string).or(r),
        }
    });
    let topic = match (field(wire.topic.as_deref()), field(wire.subtopic.as_deref())) {
        (Some(t), Some(sub)) => Some(format!("{t} › {sub}")),
        (t, sub) => t.or(sub),
    };
    let queries: Vec<&str> = (wire.mistunderstood_queries.iter().flatten())
        .filter_map(|q| {
            q.get("question")
                .and_then(serde_json::Value::as_str)
                .or_else(|| q.as_str())
        })
        .collect();
    let mut d = Details::default();
    d.line("Channel", wire.channel.as_deref())
        .line("Device", wire.device.as_deref())
        .line("OS", wire.os.as_deref())
        .line("Browser", wire.browser.as_deref())
        .line("Country", wire.country_code.as_deref())
        .line("Phone", wire.phone.as_deref())
        .line("Instagram", wire.instagram_username.as_deref())
        .line("Live agent", wire.live_agent_name.as_deref())
        .text("Summary", wire.summary.as_deref())
        .line("Topic", topic.as_deref())
        .line("Evaluation", evaluation.as_deref())
        .list("Misunderstood", queries)
        .text("Note", wire.note.as_deref())
        .pairs("Metadata", wire.metadata.as_ref());
    d.boxed()
}

/// What the details panel shows of a raia conversation (`ConversationResponseDTO`, §2.4).
pub(crate) fn raia(wire: &raia::WireConversation, states: &raia::States) -> Option<Box<Details>> {
    let user = wire.user.as_ref();
    let assigned = wire.assigned_user.as_ref().and_then(|u| {
        let name = full_name(u.first_name.as_deref(), u.last_name.as_deref());
        match (name, field(u.email.as_deref())) {
            (Some(n), Some(e)) => Some(format!("{n} · {e}")),
            (n, e) => n.or(e),
        }
    });
    let feedback: Vec<String> = (wire.feedbacks.iter().flatten())
        .filter_map(|f| {
            let vote = match f.vote_type.as_deref() {
                Some("up") => Some("👍"),
                Some("down") => Some("👎"),
                _ => None,
            };
            let parts: Vec<String> = vote
                .map(str::to_string)
                .into_iter()
                .chain(field(f.comment.as_deref()))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .collect();
    let state = (wire.conversation_state_id.as_deref()).and_then(|id| states.names.get(id));
    let score = wire.score.filter(|s| s.is_finite()).map(|s| s.to_string());
    let mut d = Details::default();
    d.line("Email", user.and_then(|u| u.email.as_deref()))
        .line("Phone", user.and_then(|u| u.phone_number.as_deref()))
        .line("Source", user.and_then(|u| u.source.as_deref()))
        .line("State", state.map(String::as_str))
        .line("Assigned to", assigned.as_deref())
        .text("Summary", wire.summary.as_deref())
        .line("Score", score.as_deref())
        .list("Feedback", feedback.iter().map(String::as_str))
        .pairs("Custom data", wire.metadata.as_ref().and_then(|m| m.get("customData")));
    d.boxed()
}
