//! `handoff snippets`: every snippet the inbox would offer (name, personal or team, text), as a
//! table or JSON; a malformed file is an error naming file, line and field.

use super::Failure;
use super::accounts::config_path;
use super::output::{fit, print, print_json};
use crate::config::{Config, snippets};
use crate::domain::Snippet;
use crate::present::text;
use std::path::PathBuf;

pub(super) fn list(flag: Option<PathBuf>, json: bool) -> Result<(), Failure> {
    // The config only says where the team dir is: without one, the personal file alone.
    let path = config_path(flag)?;
    let config = if path.exists() {
        Some(Config::load(&path)?)
    } else {
        None
    };
    let team_dir = config.as_ref().and_then(|c| c.team.as_ref()).map(|t| t.dir.as_path());
    let personal = snippets::personal_path();
    let (list, mut errors) = snippets::load_all(personal.as_deref(), team_dir);
    if !errors.is_empty() {
        let first = errors.remove(0);
        for other in errors {
            eprintln!("handoff: {other}");
        }
        return Err(Failure::Config(first));
    }
    if json {
        print_json(&list);
    } else if list.is_empty() {
        let file = personal.map_or_else(|| snippets::FILE_NAME.to_string(), |p| p.display().to_string());
        eprintln!("no snippets — write them in {file} (see README, \"Snippets\")");
    } else {
        print(&table(&list));
    }
    Ok(())
}

/// `NAME SOURCE TEXT`, one line each (a line break in the text shows as ⏎).
fn table(list: &[Snippet]) -> String {
    let name_width = list.iter().map(|s| text::width(&s.name)).max().unwrap_or(0).max(4);
    let mut out = format!("{} {} TEXT\n", fit("NAME", name_width), fit("SOURCE", 8));
    for s in list {
        let one_line = s.text.replace('\n', " ⏎ ");
        out.push_str(&format!(
            "{} {} {one_line}\n",
            fit(&s.name, name_width),
            fit(s.source.word(), 8)
        ));
    }
    out
}
