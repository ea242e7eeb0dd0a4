//! The real binary on a pseudo-terminal at 120×40 against the sandbox (`--speed 0`), measured as an
//! operator over a slow link meets it: the first screen (cold, then from the cache), the bytes
//! written per list step (within a page, and scrolling), per character typed in the compose box,
//! the resident memory once the list is in, and the bytes written while idle. Bytes are counted
//! at the PTY master: everything the program writes.
//!
//! `cargo bench --bench pty -- 10000` (the number of conversations; 10,000 by default; with
//! `--colour`, the first run in the default theme's colours instead of `NO_COLOR`). A bench
//! rather than a test: it needs the optimised binary, reports figures instead of asserting them,
//! and takes a minute.

#![allow(dead_code)]

#[path = "../tests/common/fixtures.rs"]
mod fixtures;
#[path = "../tests/common/term.rs"]
mod term;

use chrono::Timelike;
use handoff::sandbox::{self, SandboxOptions};
use std::time::{Duration, Instant};
use term::Term;

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Output stops for this long: the program has finished answering a key.
const QUIET: Duration = Duration::from_millis(120);
const STEPS: usize = 50;
/// Starts from the cache measured.
const CACHED_RUNS: usize = 5;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rt = term::runtime();
    let h = rt
        .block_on(sandbox::start(SandboxOptions {
            speed: 0.0,
            conversations: n,
            ..Default::default()
        }))
        .expect("sandbox starts");
    // All three platforms: the list holds all `n` conversations.
    let config = fixtures::config(
        &h,
        &fixtures::Config {
            accounts: &[
                handoff::domain::PlatformKind::Raia,
                handoff::domain::PlatformKind::Chatvolt,
                handoff::domain::PlatformKind::Chatdash,
            ],
            key_files: None,
            fast_sync: true,
            experimental: None,
            extra: "",
        },
    );

    let started = Instant::now();
    let mut t = match std::env::args().any(|a| a == "--colour") {
        true => Term::start_with_colour(&config, COLS, ROWS),
        false => Term::start(&config, COLS, ROWS),
    };
    let cold = first_screen(&t, started);
    t.settle(Duration::from_secs(2), Duration::from_secs(120));
    let rss = rss_kib(&t);
    let title = t.lines()[0].trim_end().to_string();

    // The whole list, the cursor at its top.
    step(&mut t, "3");
    let within = within_page(&mut t);
    let scrolling = scrolling(&mut t);
    let idle = idle(&t);
    let typed = typing(&mut t);
    quit(&mut t);

    // From the cache: several starts on the cache the first run left.
    let mut cached: Vec<Duration> = (0..CACHED_RUNS).map(|_| start_from_cache(&t)).collect();
    cached.sort_unstable();
    // The same with every platform out of reach: only the cache can show the list.
    let path = t.dir.path().join("config.toml");
    let online = std::fs::read_to_string(&path).expect("the config");
    let offline = [h.raia_base(), h.chatvolt_base(), h.chatdash_base()]
        .iter()
        .fold(online, |text, base| text.replace(base.as_str(), "http://127.0.0.1:9"));
    std::fs::write(&path, offline).expect("the config written");
    let mut alone: Vec<Duration> = (0..CACHED_RUNS).map(|_| start_from_cache(&t)).collect();
    alone.sort_unstable();

    println!("PTY benchmark: {n} conversations, {COLS}×{ROWS} (title bar once in: {title})");
    println!("| what | figure |\n|---|---|");
    println!("| first screen, cold | {} ms |", cold.as_millis());
    println!(
        "| first screen, from the cache (median of {CACHED_RUNS}; {}–{} ms) | {} ms |",
        cached[0].as_millis(),
        cached[CACHED_RUNS - 1].as_millis(),
        cached[CACHED_RUNS / 2].as_millis()
    );
    println!(
        "| first screen, from the cache, every platform out of reach (median of {CACHED_RUNS}; {}–{} ms) | {} ms |",
        alone[0].as_millis(),
        alone[CACHED_RUNS - 1].as_millis(),
        alone[CACHED_RUNS / 2].as_millis()
    );
    println!(
        "| bytes per list step within a page (median of {STEPS}) | {} B |",
        median(&within)
    );
    println!(
        "| bytes per list step scrolling (median of {STEPS}) | {} B |",
        median(&scrolling)
    );
    let mut all = within.clone();
    all.extend(&scrolling);
    println!(
        "| bytes per list step, both (median of {}) | {} B |",
        all.len(),
        median(&all)
    );
    println!(
        "| bytes per typed character (median of {}) | {} B |",
        typed.len(),
        median(&typed)
    );
    println!(
        "| resident memory after the list is in | {:.1} MiB |",
        rss as f64 / 1024.0
    );
    println!("| bytes written while idle, 5 s | {idle} B |");
    eprintln!("within a page: {within:?}\nscrolling: {scrolling:?}\ntyping: {typed:?}");
}

/// The program started again on `t`'s state directory: until the list shows conversations.
/// Killed once it has drawn and written nothing for a while: the next start reads the same
/// cache.
fn start_from_cache(t: &Term) -> Duration {
    let started = Instant::now();
    let mut again = t.restart();
    let shown = first_screen(&again, started);
    again.settle(QUIET, Duration::from_secs(30));
    term::kill_9(&again);
    term::wait_exit(&mut again);
    shown
}

/// From `started` until the list shows conversations.
fn first_screen(t: &Term, started: Instant) -> Duration {
    loop {
        let screen = t.screen();
        if screen.contains("All (") && !screen.contains("All (0)") {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no list:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Types `keys` and returns how many bytes the program wrote in answer.
fn step(t: &mut Term, keys: &str) -> usize {
    let before = t.written();
    t.type_now(keys);
    let start = Instant::now();
    // The answer begins (or, for a key that changes nothing, a second passes).
    while t.written() == before && start.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(2));
    }
    t.settle(QUIET, Duration::from_secs(5));
    t.written() - before
}

/// Steps that stay within the list's page at 120×40 (17 or 18 rows, as the alert line shows).
const SPAN: usize = 14;

/// Down the page and back up, and down again: every step within the page.
fn within_page(t: &mut Term) -> Vec<usize> {
    let span = SPAN;
    let keys = ["j", "k"].iter().cycle().flat_map(|k| std::iter::repeat_n(*k, span));
    keys.take(STEPS).map(|k| step(t, k)).collect()
}

/// Past the page's last row, every `j` scrolls the list by one row.
fn scrolling(t: &mut Term) -> Vec<usize> {
    for _ in 0..20 {
        step(t, "j");
    }
    (0..STEPS).map(|_| step(t, "j")).collect()
}

/// Bytes written in 5 s with nothing happening, away from a minute's turn (the relative times
/// change then).
fn idle(t: &Term) -> usize {
    let second = chrono::Utc::now().second();
    if !(2..=50).contains(&second) {
        std::thread::sleep(Duration::from_secs(u64::from(62 - second) % 60));
    }
    let before = t.written();
    std::thread::sleep(Duration::from_secs(5));
    t.written() - before
}

/// The selected conversation opened, the compose box focused, then a character at a time.
fn typing(t: &mut Term) -> Vec<usize> {
    step(t, "\r");
    step(t, "i");
    "Thanks for waiting, looking at it"
        .chars()
        .map(|c| step(t, &c.to_string()))
        .collect()
}

/// Out of the compose box and out of the program (drafts saved, the cache written).
fn quit(t: &mut Term) {
    step(t, "\x1b");
    step(t, "\x1b");
    t.type_now("q");
    let start = Instant::now();
    while t.running() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!t.running(), "the program did not quit:\n{}", t.screen());
}

fn rss_kib(t: &Term) -> u64 {
    let pid = t.child.process_id().expect("a pid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn median(values: &[usize]) -> usize {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}
