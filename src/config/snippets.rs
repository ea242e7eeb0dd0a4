//! `snippets.toml`: the operator's own (`$XDG_CONFIG_HOME/handoff/snippets.toml`) and, in team
//! mode, the team dir's; the personal file overrides the team's by name. A malformed file is an
//! error naming file, line and field; the inbox says it and goes on without that file.

use super::{ConfigError, first_line};
use crate::domain::{Snippet, SnippetSource, sanitize, sanitize_line};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file's name, in the config dir and in the team dir.
pub const FILE_NAME: &str = "snippets.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    snippets: BTreeMap<String, Spanned<toml::Value>>,
}

/// `$XDG_CONFIG_HOME/handoff/snippets.toml`, beside the config file and `keymap.toml`.
pub fn personal_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "handoff").map(|d| d.config_dir().join(FILE_NAME))
}

/// The snippets of one file (none when it does not exist), sorted by name.
pub fn load(path: &Path, source: SnippetSource) -> Result<Vec<Snippet>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ConfigError::at(
                path,
                "",
                None,
                format!("cannot read the snippets: {e}"),
            ));
        }
    };
    parse(path, &text, source)
}

pub fn parse(path: &Path, text: &str, source: SnippetSource) -> Result<Vec<Snippet>, ConfigError> {
    let file: File =
        toml::from_str(text).map_err(|e| ConfigError::at(path, text, e.span(), first_line(e.message())))?;
    let err = |span, message: String| ConfigError::at(path, text, Some(span), message);
    let mut snippets = Vec::new();
    for (name, value) in file.snippets {
        let span = value.span();
        let Some(body) = value.get_ref().as_str() else {
            return Err(err(
                span,
                format!(
                    "snippet `{name}`: the text must be a string in quotes, not a {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        let clean_name = sanitize_line(&name);
        if clean_name.is_empty() || clean_name != name || name.chars().any(char::is_whitespace) {
            return Err(err(
                span,
                format!("snippet name `{clean_name}` must be one word without spaces (it is typed in the picker)"),
            ));
        }
        if body.trim().is_empty() {
            return Err(err(span, format!("snippet `{name}` has no text")));
        }
        snippets.push(Snippet {
            name,
            // Team files are written by others: the same cleaning as any text from outside.
            text: sanitize(body),
            source,
        });
    }
    Ok(snippets)
}

/// Both files merged: the personal snippet wins over the team's of the same name. Sorted by name.
pub fn merge(personal: Vec<Snippet>, team: Vec<Snippet>) -> Vec<Snippet> {
    let mut by_name: BTreeMap<String, Snippet> = team.into_iter().map(|s| (s.name.clone(), s)).collect();
    by_name.extend(personal.into_iter().map(|s| (s.name.clone(), s)));
    by_name.into_values().collect()
}

/// Every snippet the operator has: the personal file, and the team dir's when there is one.
/// A file that cannot be used is left out and its error returned; the others still load.
pub fn load_all(personal: Option<&Path>, team_dir: Option<&Path>) -> (Vec<Snippet>, Vec<ConfigError>) {
    let mut errors = Vec::new();
    let mut read = |path: Option<PathBuf>, source| match path.map(|p| load(&p, source)) {
        Some(Ok(snippets)) => snippets,
        Some(Err(e)) => {
            errors.push(e);
            Vec::new()
        }
        None => Vec::new(),
    };
    let personal = read(personal.map(Path::to_path_buf), SnippetSource::Personal);
    let team = read(team_dir.map(|d| d.join(FILE_NAME)), SnippetSource::Team);
    (merge(personal, team), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Snippet>, ConfigError> {
        parse(Path::new("/cfg/snippets.toml"), text, SnippetSource::Personal)
    }

    #[test]
    fn names_to_texts_sorted_by_name() {
        let s = parse_str("[snippets]\ngreet = \"Hi {customer.first_name|there}\"\nbye = \"\"\"Bye,\nsee you\"\"\"\n")
            .unwrap();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bye", "greet"]);
        assert_eq!(s[0].text, "Bye,\nsee you");
        assert_eq!(s[1].text, "Hi {customer.first_name|there}");
        assert!(parse_str("").unwrap().is_empty(), "an empty file has no snippets");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = parse_str("[snippets]\ngreet = \"hi\"\nrefund = 42\n").unwrap_err();
        assert_eq!(e.location, "/cfg/snippets.toml:3:10");
        assert!(
            e.message.contains("snippet `refund`") && e.message.contains("integer"),
            "{e}"
        );
        let e = parse_str("[snippets]\ngreet = \"hi\n").unwrap_err();
        assert!(e.location.starts_with("/cfg/snippets.toml:2:"), "{e}");
        let e = parse_str("[snippet]\ngreet = \"hi\"\n").unwrap_err();
        assert!(e.location.starts_with("/cfg/snippets.toml:1:"), "{e}");
        assert!(e.message.contains("snippet"), "{e}");
        let e = parse_str("[snippets]\n\"two words\" = \"hi\"\n").unwrap_err();
        assert!(e.message.contains("one word"), "{e}");
        let e = parse_str("[snippets]\nempty = \"  \"\n").unwrap_err();
        assert!(e.message.contains("no text"), "{e}");
    }

    #[test]
    fn text_is_cleaned_of_terminal_controls() {
        let s = parse_str("[snippets]\nx = \"a\\u001b[2Jb\"\n").unwrap();
        assert!(!s[0].text.contains('\u{1b}'), "{:?}", s[0].text);
    }

    #[test]
    fn the_personal_file_overrides_the_team_by_name() {
        let snippet = |name: &str, text: &str, source| Snippet {
            name: name.into(),
            text: text.into(),
            source,
        };
        let merged = merge(
            vec![snippet("greet", "mine", SnippetSource::Personal)],
            vec![
                snippet("greet", "team's", SnippetSource::Team),
                snippet("refund", "team refund", SnippetSource::Team),
            ],
        );
        assert_eq!(
            merged,
            [
                snippet("greet", "mine", SnippetSource::Personal),
                snippet("refund", "team refund", SnippetSource::Team)
            ]
        );
    }

    #[test]
    fn a_missing_file_is_no_snippets_and_a_bad_one_is_left_out_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let personal = dir.path().join("mine.toml");
        std::fs::write(dir.path().join(FILE_NAME), "[snippets]\nteam = \"from the team\"\n").unwrap();
        std::fs::write(&personal, "[snippets]\nbad = [1]\n").unwrap();
        let (snippets, errors) = load_all(Some(&personal), Some(dir.path()));
        assert_eq!(snippets.len(), 1);
        assert_eq!(snippets[0].source, SnippetSource::Team);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].location.contains("mine.toml:2:"), "{}", errors[0]);
        let (none, errors) = load_all(Some(&dir.path().join("absent.toml")), None);
        assert!(none.is_empty() && errors.is_empty());
    }
}
