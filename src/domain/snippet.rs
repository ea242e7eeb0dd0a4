//! A snippet: a short name for a text the operator inserts into a reply (`snippets.toml`).

/// Which file a snippet came from: the operator's own, or the team dir's (team mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SnippetSource {
    Personal,
    Team,
}

impl SnippetSource {
    pub fn word(self) -> &'static str {
        match self {
            SnippetSource::Personal => "personal",
            SnippetSource::Team => "team",
        }
    }
}

/// One snippet: its name, its text with `{variables}` still in it, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub name: String,
    pub text: String,
    pub source: SnippetSource,
}
