//! The real binary on a pseudo-terminal, its screen parsed as it arrives (vt100): the end-to-end
//! tests drive it as an operator would and read it back as a person would.

use super::fixtures::{self, Config};
use handoff::domain::PlatformKind;
use handoff::sandbox::SandboxHandle;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A private directory holding `config` as `config.toml` (0600: a config others can read gets
/// a warning on screen, and these tests look at other things); it is also the state directory.
pub fn dir_with_config(config: &str) -> Arc<tempfile::TempDir> {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    std::fs::set_permissions(&config_path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    dir
}

/// A config for the sandbox's raia and Chatvolt accounts, polled fast, and `extra` after them
/// (more accounts, or settings).
pub fn config(h: &SandboxHandle, extra: &str) -> String {
    fixtures::config(
        h,
        &Config {
            accounts: &[PlatformKind::Raia, PlatformKind::Chatvolt],
            key_files: None,
            fast_sync: true,
            experimental: None,
            extra,
        },
    )
}

/// The program on a PTY, its screen parsed as it arrives.
pub struct Term {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for counting redraws and looking for escapes.
    pub bytes: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    /// The config, the state directory (`handoff.db`, `handoff.log`) and `XDG_CONFIG_HOME`.
    pub dir: Arc<tempfile::TempDir>,
    cols: u16,
    rows: u16,
}

impl Term {
    pub fn start(config: &str, cols: u16, rows: u16) -> Term {
        Term::start_in(dir_with_config(config), cols, rows)
    }

    /// Starts the program again on the same config and state directory.
    pub fn restart(&self) -> Term {
        Term::start_in(self.dir.clone(), self.cols, self.rows)
    }

    fn start_in(dir: Arc<tempfile::TempDir>, cols: u16, rows: u16) -> Term {
        Term::start_with_env(dir, cols, rows, &[])
    }

    /// As [`Term::start_in`], the program run by `wrapper` (e.g. `valgrind --tool=callgrind`).
    pub fn start_wrapped(dir: Arc<tempfile::TempDir>, cols: u16, rows: u16, wrapper: &[&str]) -> Term {
        Term::spawn(dir, cols, rows, &[], false, wrapper)
    }

    /// As [`Term::start`], in the default theme's colours: no `NO_COLOR`, so what an operator's
    /// terminal gets by default is what is counted.
    pub fn start_with_colour(config: &str, cols: u16, rows: u16) -> Term {
        Term::spawn(dir_with_config(config), cols, rows, &[], true, &[])
    }

    /// As [`Term::start_in`], with more environment for the program (e.g. its editor).
    pub fn start_with_env(dir: Arc<tempfile::TempDir>, cols: u16, rows: u16, env: &[(&str, &std::path::Path)]) -> Term {
        Term::spawn(dir, cols, rows, env, false, &[])
    }

    fn spawn(
        dir: Arc<tempfile::TempDir>,
        cols: u16,
        rows: u16,
        env: &[(&str, &std::path::Path)],
        colour: bool,
        wrapper: &[&str],
    ) -> Term {
        let config_path = dir.path().join("config.toml");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let program = env!("CARGO_BIN_EXE_handoff");
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut cmd = CommandBuilder::new(first);
                cmd.args(rest);
                cmd.arg(program);
                cmd
            }
            None => CommandBuilder::new(program),
        };
        cmd.env("HANDOFF_CONFIG", &config_path);
        cmd.env("HANDOFF_STATE_DIR", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        match colour {
            true => cmd.env_remove("NO_COLOR"),
            false => cmd.env("NO_COLOR", "1"),
        }
        for (name, value) in env {
            cmd.env(name, value);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (p, b) = (parser.clone(), bytes.clone());
        std::thread::spawn(move || {
            let _master = pty.master; // kept open while reading
            let mut buf = [0u8; 8192];
            // A frame is parsed whole, as a terminal with synchronized output shows it: the
            // screen is never read half-way through a redraw.
            let mut unparsed = Vec::new();
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                b.lock().unwrap().extend_from_slice(&buf[..n]);
                unparsed.extend_from_slice(&buf[..n]);
                let whole = complete_frames(&unparsed);
                p.lock().unwrap().process(&unparsed[..whole]);
                unparsed.drain(..whole);
            }
            p.lock().unwrap().process(&unparsed);
        });
        Term {
            parser,
            bytes,
            writer,
            child,
            dir,
            cols,
            rows,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// The screen's rows, each as wide as the terminal.
    pub fn lines(&self) -> Vec<String> {
        let parser = self.parser.lock().unwrap();
        parser.screen().rows(0, self.cols).collect()
    }

    /// The selected list row: the first row between the title bar and the status bar with the
    /// selection's bar in the list's first column (`[ui] selection = "mark"`), or whose cell at
    /// `col` is in reverse video (`"row"`).
    pub fn selected_row(&self, col: u16) -> Option<u16> {
        self.lines_and_selected_row(col).1
    }

    /// The rows and [`Term::selected_row`], from one and the same frame.
    pub fn lines_and_selected_row(&self, col: u16) -> (Vec<String>, Option<u16>) {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let lines = screen.rows(0, self.cols).collect();
        let row = (1..self.rows.saturating_sub(1)).find(|&row| {
            screen.cell(row, 1).is_some_and(|c| c.contents() == "▌")
                || screen.cell(row, col).is_some_and(|c| c.inverse())
        });
        (lines, row)
    }

    pub fn wait_for(&self, text: &str, within: Duration) -> String {
        self.wait_until(&format!("{text:?}"), within, |screen| screen.contains(text))
    }

    /// Polls the screen until `done` holds; fails after `within`, showing the screen.
    pub fn wait_until(&self, what: &str, within: Duration, mut done: impl FnMut(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < within,
                "waited {within:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `keys` and gives the program a moment to take them in.
    pub fn keys(&mut self, keys: &str) {
        self.type_now(keys);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Types `keys` and returns at once (the caller waits for what it expects on screen).
    pub fn type_now(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the program has written nothing for `quiet` (at most `within`): it has
    /// finished answering.
    pub fn settle(&self, quiet: Duration, within: Duration) {
        let start = Instant::now();
        let (mut seen, mut since) = (self.written(), Instant::now());
        while since.elapsed() < quiet && start.elapsed() < within {
            std::thread::sleep(Duration::from_millis(5));
            let now = self.written();
            if now != seen {
                (seen, since) = (now, Instant::now());
            }
        }
    }

    pub fn written(&self) -> usize {
        self.bytes.lock().unwrap().len()
    }

    pub fn frames_since(&self, offset: usize) -> usize {
        let bytes = self.bytes.lock().unwrap();
        count(&bytes[offset..], b"\x1b[?2026h")
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// How much of `bytes` can be shown: everything but a synchronized update still being written.
pub fn complete_frames(bytes: &[u8]) -> usize {
    let find = |from: usize, needle: &[u8]| {
        bytes[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| from + i)
    };
    let mut shown = 0;
    loop {
        match find(shown, BEGIN_SYNC) {
            None => {
                // Outside a frame; a partial escape at the end may be the start of one.
                let tail = bytes.len().saturating_sub(BEGIN_SYNC.len() - 1).max(shown);
                return (tail..bytes.len())
                    .find(|&i| bytes[i] == 0x1b && BEGIN_SYNC.starts_with(&bytes[i..]))
                    .unwrap_or(bytes.len());
            }
            Some(begin) => match find(begin, END_SYNC) {
                Some(end) => shown = end + END_SYNC.len(),
                None => return begin,
            },
        }
    }
}

pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

/// How long the helpers below wait for the program to end.
const EXIT_WAIT: Duration = Duration::from_secs(15);

/// Waits for the program to end (after `q`, a signal, or being killed) and returns its exit
/// code; fails after a while, showing the screen.
pub fn exit_code(t: &mut Term) -> u32 {
    let start = Instant::now();
    loop {
        if let Some(status) = t.child.try_wait().unwrap() {
            return status.exit_code();
        }
        assert!(start.elapsed() < EXIT_WAIT, "the program did not end:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Finds `name` with the list's filter (from the list, whatever was open) and opens the
/// conversation, once its thread shows `first_words`.
pub fn open_by_name(t: &mut Term, name: &str, first_words: &str, within: Duration) {
    t.keys("\x1b");
    t.keys("\x1b");
    t.wait_for(name, within);
    t.keys(&format!("/{name}\r"));
    t.wait_for(&format!("filter: \"{name}\""), within);
    t.keys("\r");
    t.wait_for(first_words, within);
}

/// `kill -9` on the program: it leaves nothing behind on its way out.
pub fn kill_9(t: &Term) {
    let pid = t.child.process_id().expect("a pid");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// Waits for the program to end, whatever its code.
pub fn wait_exit(t: &mut Term) {
    exit_code(t);
}

/// An executable shell script in `dir`, to stand in for the operator's editor.
pub fn editor_script(dir: &tempfile::TempDir, body: &str) -> std::path::PathBuf {
    let script = dir.path().join("editor.sh");
    std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    script
}

/// The outbox as the program left it: (state, text) in order.
pub fn outbox_states(t: &Term) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(t.dir.path().join("handoff.db")).unwrap();
    let mut q = db.prepare("SELECT state, text FROM outbox ORDER BY id").unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The tokio runtime for the sandbox; the test itself drives the PTY synchronously.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}
