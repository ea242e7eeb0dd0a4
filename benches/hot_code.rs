//! Writes `layout/hot-code.ld`, the shipped binary's code layout (issue 14; build.rs hands it to
//! the linker for release builds). Fifty operators on one server each map the binary, and the
//! kernel maps its code in 64 KB windows: a function that runs among code that never does keeps
//! the whole window resident. The script gathers, ahead of the rest of `.text`:
//!
//! 1. what runs until the list is in: a cold start against the sandbox, then a start from the
//!    cache;
//! 2. what a session runs after that: moving, the views, a thread, the compose box, taking over
//!    and handing back, the filter, search, the message log, help.
//!
//! Functions are found by running the real binary under callgrind on a pseudo-terminal, and are
//! named by their v0 symbols with the crate hashes and back-references left to wildcards
//! (`.cargo/config.toml` turns v0 on), so the file fits release and bench builds alike and
//! survives most changes. A function it does
//! not name is laid out as before: a stale file costs memory, never correctness.
//!
//! `cargo bench --bench hot_code -- --write` (needs valgrind; about five minutes). Without
//! `--write` it only says so: `cargo bench` runs every bench.

#![allow(dead_code)]

#[path = "../tests/common/fixtures.rs"]
mod fixtures;
#[path = "../tests/common/term.rs"]
mod term;

use handoff::domain::PlatformKind;
use handoff::sandbox::{self, SandboxOptions};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use term::Term;

const CONVERSATIONS: usize = 10_000;
/// Under callgrind the program runs some fifty times slower.
const PATIENCE: Duration = Duration::from_secs(600);
const QUIET: Duration = Duration::from_millis(1500);

fn main() {
    if !std::env::args().any(|a| a == "--write") {
        println!("hot_code: `cargo bench --bench hot_code -- --write` rewrites layout/hot-code.ld (needs valgrind)");
        return;
    }
    let valgrind = Command::new("valgrind").arg("--version").output();
    if !valgrind.is_ok_and(|o| o.status.success()) {
        eprintln!("hot_code: valgrind is not installed");
        std::process::exit(1);
    }
    let rt = term::runtime();
    let h = rt
        .block_on(sandbox::start(SandboxOptions {
            speed: 0.0,
            conversations: CONVERSATIONS,
            ..Default::default()
        }))
        .expect("sandbox starts");
    let config = fixtures::config(
        &h,
        &fixtures::Config {
            accounts: &[PlatformKind::Raia, PlatformKind::Chatvolt, PlatformKind::Chatdash],
            key_files: None,
            fast_sync: true,
            experimental: None,
            extra: "",
        },
    );
    let profiles = tempfile::tempdir().expect("a temp dir");
    let out = profiles.path().join("cg.%p");
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let wrapper = [
        "valgrind",
        "--tool=callgrind",
        "--demangle=no",
        "--dump-instr=no",
        "--collect-jumps=no",
        out_arg.as_str(),
    ];
    let dir = term::dir_with_config(&config);

    // A cold start, then a whole session.
    let mut t = Term::start_wrapped(dir.clone(), 120, 40, &wrapper);
    list_in(&t);
    dump(&t);
    session(&mut t);
    quit(&mut t);
    // A start from the cache the first left.
    let mut again = Term::start_wrapped(dir, 120, 40, &wrapper);
    list_in(&again);
    dump(&again);
    quit(&mut again);

    let (mut first, mut after) = (BTreeSet::new(), BTreeSet::new());
    for entry in std::fs::read_dir(profiles.path()).expect("the profiles") {
        let path = entry.expect("a profile").path();
        let text = std::fs::read_to_string(&path).expect("a profile");
        // `cg.PID.1` is the dump once the list is in; `cg.PID` the rest, written at exit.
        let early = path.extension().is_some_and(|e| e == "1");
        let set = if early { &mut first } else { &mut after };
        set.extend(functions(&text, env!("CARGO_BIN_EXE_handoff")));
    }
    after.retain(|f| !first.contains(f));
    let script = layout(&first, &after);
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("layout/hot-code.ld");
    std::fs::write(&target, script).expect("layout/hot-code.ld written");
    println!(
        "hot_code: {} functions until the list is in, {} more in a session: {}",
        first.len(),
        after.len(),
        target.display()
    );
}

/// Until the list shows conversations and the program has been quiet for a while.
fn list_in(t: &Term) {
    t.wait_until("the list", PATIENCE, |s| s.contains("All (") && !s.contains("All (0)"));
    t.settle(QUIET, PATIENCE);
}

/// Callgrind writes what ran so far (`cg.PID.1`) and counts afresh.
fn dump(t: &Term) {
    let pid = t.child.process_id().expect("a pid").to_string();
    let done = Command::new("callgrind_control").args(["--dump", &pid]).output();
    assert!(
        done.is_ok_and(|o| o.status.success()),
        "callgrind_control --dump failed"
    );
}

/// What an operator does in a shift's first minutes, each key answered before the next.
fn session(t: &mut Term) {
    let steps: &[&str] = &[
        "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "k", "k", "k", "G", "g", // the list
        "4", "j", "j", "G", "2", "1", "3", // the views
        "\r", "\t", "j", "k", "\t", "i", "H", "e", "l", "l", "o", "\x7f", "\x1b", "\x1b", // compose
        "t", "y", "a", "y", // take over, hand back
        "/", "c", "h", "l", "o", "\r", "\x1b", // the filter
        "s", "r", "e", "f", "u", "n", "d", "\x1b", // search
        "D", "D", "L", "\x1b", "C", "\x1b", "?", "\x1b", // details, log, connections, help
    ];
    for keys in steps {
        t.type_now(keys);
        t.settle(QUIET, PATIENCE);
    }
}

fn quit(t: &mut Term) {
    t.type_now("\x1b");
    t.settle(QUIET, PATIENCE);
    t.type_now("q");
    let start = Instant::now();
    while t.running() && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!t.running(), "the program did not quit:\n{}", t.screen());
}

/// The functions of `binary` a callgrind profile saw run (their symbols).
fn functions(profile: &str, binary: &str) -> Vec<String> {
    let binary = std::fs::canonicalize(binary).unwrap_or_else(|_| PathBuf::from(binary));
    // Valgrind may name the binary's object `???` (seen with the layout in place): only
    // another file's code (libc's) is left out.
    let ours = |path: &str| std::fs::canonicalize(path).map_or(true, |p| p == binary);
    // A name is given once, where its number first appears (`ob=(3) /path`, `cfn=(12) name`,
    // a call's target as well as a cost block's own), and then only by number.
    let mut objects: HashMap<String, bool> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut in_ours = false;
    let mut found = Vec::new();
    for line in profile.lines() {
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let (id, name) = split_name(rest);
        match key {
            "ob" | "cob" => {
                if let Some(name) = name {
                    objects.insert(id.to_string(), ours(name));
                }
                if key == "ob" {
                    in_ours = objects.get(id).copied().unwrap_or(false);
                }
            }
            "fn" | "cfn" => {
                if let Some(name) = name {
                    names.insert(id.to_string(), name.to_string());
                }
                if key == "fn"
                    && in_ours
                    && let Some(name) = names.get(id)
                {
                    found.push(name.clone());
                }
            }
            _ => {}
        }
    }
    found
}

/// `(12) name` → ("(12)", Some("name")); `(12)` → ("(12)", None).
fn split_name(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once(' ') {
        Some((id, name)) => (id, Some(name)),
        None => (rest, None),
    }
}

/// The symbol as a section name pattern (after `.text.`), `None` for what the linker could not
/// match by name. In a
/// v0 symbol the crate hashes (`Cs<base-62>_`) differ between profiles, and back-references
/// (`B<base-62>_`) are offsets into the symbol, which move when a hash's length does: both are
/// left to a wildcard. Identifiers (a length, then that many bytes) are copied as they are.
fn pattern(symbol: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$';
    if symbol.is_empty() || symbol.starts_with("0x") || !symbol.chars().all(plain) {
        return None;
    }
    let Some(v0) = symbol.strip_prefix("_R") else {
        return Some(symbol.to_string());
    };
    let bytes = v0.as_bytes();
    let mut out = String::from("_R");
    let mut i = 0;
    // Up to the `_` that ends a base-62 number.
    let past_number = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| b == b'_')
            .map_or(bytes.len(), |n| from + n + 1)
    };
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    while i < bytes.len() {
        match bytes[i] {
            // An identifier: its length, a `_` if it starts with a digit or `_`, its bytes.
            b'0'..=b'9' => {
                let n = digits(i);
                let len: usize = v0[i..i + n].parse().ok()?;
                let mut end = i + n;
                if bytes.get(end) == Some(&b'_') {
                    end += 1;
                }
                end = (end + len).min(bytes.len());
                out.push_str(&v0[i..end]);
                i = end;
            }
            // A disambiguator (`s_`, `s0_`, ...): a number, not an identifier's length.
            b's' if bytes.get(i + 1 + digits(i + 1)) == Some(&b'_') => {
                let end = past_number(i + 1);
                out.push_str(&v0[i..end]);
                i = end;
            }
            b'C' if bytes.get(i + 1) == Some(&b's') => {
                out.push_str("Cs*_");
                i = past_number(i + 2);
            }
            b'B' => {
                out.push_str("B*_");
                i = past_number(i + 1);
            }
            _ => {
                out.push(bytes[i] as char);
                i += 1;
            }
        }
    }
    Some(out)
}

fn layout(first: &BTreeSet<String>, after: &BTreeSet<String>) -> String {
    let patterns = |set: &BTreeSet<String>| -> BTreeSet<String> { set.iter().filter_map(|s| pattern(s)).collect() };
    let (first, after) = (patterns(first), patterns(after));
    let mut s = String::from(
        "/* The code a session runs, gathered ahead of the rest of .text (issue 14).\n   \
         Written by `cargo bench --bench hot_code -- --write`; used by build.rs for release builds. */\n\
         SECTIONS\n{\n  .text.used :\n  {\n    /* Until the list is in. */\n",
    );
    // A function LLVM thinks cold (`#[cold]`, or called only on a cold path) is in
    // `.text.unlikely.NAME`; it ran all the same.
    let rule = |p: &String| format!("    *(.text.{p} .text.unlikely.{p})\n");
    for p in &first {
        s.push_str(&rule(p));
    }
    s.push_str("    /* The rest of a session. */\n");
    for p in after.difference(&first) {
        s.push_str(&rule(p));
    }
    s.push_str("  }\n}\nINSERT BEFORE .text;\n");
    s
}
