//! Writing a reply in the operator's own editor (`$VISUAL`, `$EDITOR`, else `vi`): the draft
//! file's format, where it is written, and reading the reply back. The terminal hand-over
//! around it is the loop's (`tui.rs`).
//!
//! The file holds the draft, then a scissors line, then the latest messages as comments for
//! context (as `git commit -v` does). Everything from the scissors line down is not sent. The
//! file is private (0600), lives in the state directory, and is deleted once read: it holds a
//! customer's words. The messages in it come from the model, which only holds sanitised text.
//! A file left behind by a program that stopped while its editor was open is found at the next
//! start ([`leftovers`]) and its reply becomes the conversation's draft again.

use crate::domain::ConversationKey;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Everything from this line down is context, not reply.
pub const SCISSORS: &str = "# ------------------------ >8 ------------------------";

/// The file's text: the draft, then the context below the scissors line.
pub fn file_text(draft: &str, context: &str) -> String {
    let mut text = String::with_capacity(draft.len() + context.len() + 200);
    text.push_str(draft);
    if !draft.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(SCISSORS);
    text.push_str("\n# Do not modify or remove the line above: everything below it is not sent.\n");
    for line in context.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// The reply in an edited file: what stands above the scissors line (the whole file if the
/// operator removed it), sanitised like a paste, without trailing blank lines.
pub fn reply_from(file: &str) -> String {
    let reply = match file.lines().position(|l| l == SCISSORS) {
        Some(at) => file.lines().take(at).collect::<Vec<_>>().join("\n"),
        None => file.to_string(),
    };
    crate::domain::sanitize(reply.trim_end())
}

/// The editor command: `$VISUAL`, then `$EDITOR`, then `vi`. It may carry arguments
/// (`code --wait`), so it is run by the shell.
pub fn command() -> String {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Writes the draft file, readable by the operator only, and returns its path. Its name says
/// which program wrote it and for which conversation (hex, so any id makes a file name), so a
/// file left by a crash can be given back to its conversation at the next start.
pub fn write_file(dir: &Path, key: &ConversationKey, text: &str) -> std::io::Result<PathBuf> {
    crate::fs::private_dir(dir)?;
    let hex: String = key.to_string().bytes().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("reply-{}-{hex}.txt", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

/// Replies left in `dir` by a program that stopped while its editor was open (a crash, a
/// dropped SSH session): each file's conversation and reply, oldest first. Files of a program
/// still running (its editor may be open now) are left alone; the caller deletes a file once
/// its reply is safe elsewhere.
pub fn leftovers(dir: &Path) -> Vec<(PathBuf, ConversationKey, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf, ConversationKey, String)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some((pid, key)) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("reply-")?.strip_suffix(".txt"))
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, hex)| Some((pid.parse::<u32>().ok()?, decode_key(hex)?)))
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // In whatever encoding the editor saved it: the words are kept.
        let Ok(text) = std::fs::read(&path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()) else {
            continue;
        };
        let when = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((when, path, key, reply_from(&text)));
    }
    found.sort_by_key(|f| f.0);
    found
        .into_iter()
        .map(|(_, path, key, reply)| (path, key, reply))
        .collect()
}

fn decode_key(hex: &str) -> Option<ConversationKey> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    ConversationKey::parse(&String::from_utf8(bytes?).ok()?)
}

/// Runs the editor on `path` with the terminal, and waits for it. An error says why in words
/// (not found, non-zero exit).
pub async fn run(editor: &str, path: &Path) -> Result<(), String> {
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("handoff-editor")
        .arg(path)
        .status()
        .await
        .map_err(|e| format!("could not start {editor}: {e}"))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(127) => Err(format!("{editor}: command not found (set $VISUAL or $EDITOR)")),
        _ => Err(format!("{editor} exited with {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_is_what_stands_above_the_scissors() {
        let text = file_text("Hello Ann,\nyour order ships today.", "10:02 Customer: where is it?");
        assert!(text.starts_with("Hello Ann,\nyour order ships today.\n\n# ---"));
        assert!(text.contains("\n# 10:02 Customer: where is it?\n"));
        assert_eq!(reply_from(&text), "Hello Ann,\nyour order ships today.");
        let edited = text.replace("ships today.", "ships today.\n\nBest, Dana\n\n");
        assert_eq!(reply_from(&edited), "Hello Ann,\nyour order ships today.\n\nBest, Dana");
        // The operator deleted the context and the scissors: all of it is the reply.
        assert_eq!(reply_from("just this\n"), "just this");
        assert_eq!(reply_from(&file_text("", "context")), "");
    }

    #[test]
    fn what_comes_back_is_sanitised_like_a_paste() {
        assert_eq!(
            reply_from("ok \u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}done\u{202e}\n"),
            "ok red done"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = ConversationKey::new("raia", "c/1");
        let path = write_file(&dir.path().join("state"), &key, "draft").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
        assert_eq!(std::fs::read_to_string(path).unwrap(), "draft");
    }

    #[test]
    fn a_file_left_by_a_program_that_stopped_is_found_with_its_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let key = ConversationKey::new("volt", "abc/def é");
        let mine = write_file(dir.path(), &key, &file_text("mine, editor still open", "x")).unwrap();
        // The same file as a program that is gone would have left it (no such pid).
        let name = mine.file_name().unwrap().to_str().unwrap().to_string();
        let hex = name.split_once('-').unwrap().1.split_once('-').unwrap().1;
        let left = dir.path().join(format!("reply-4294967294-{hex}"));
        std::fs::write(&left, file_text("half a reply\nsecond line", "context")).unwrap();
        std::fs::write(dir.path().join("reply-1-zz.txt"), "not ours").unwrap();
        std::fs::write(dir.path().join("handoff.db"), "").unwrap();
        let found = leftovers(dir.path());
        assert_eq!(found, vec![(left, key, "half a reply\nsecond line".to_string())]);
    }

    #[test]
    fn a_left_file_in_another_encoding_is_still_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let key = ConversationKey::new("raia", "c/1");
        let mine = write_file(dir.path(), &key, "").unwrap();
        let hex = mine
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .split_once('-')
            .unwrap()
            .1
            .split_once('-')
            .unwrap()
            .1;
        // Latin-1 "café", as an editor set to another encoding saves it.
        std::fs::write(dir.path().join(format!("reply-4294967294-{hex}")), b"caf\xe9 ok\n").unwrap();
        let found = leftovers(dir.path());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, "caf\u{fffd} ok");
    }
}
