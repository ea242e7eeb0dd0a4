//! Logs go to a file in the state directory, never to the terminal (the inbox owns it).

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// The file log, once started.
pub struct Log {
    /// Flushes the log when dropped; `None` when there is no file log.
    pub guard: Option<WorkerGuard>,
    /// Why there is no file log, for the operator (said once: on stderr by a command, among the
    /// inbox's start-up warnings).
    pub warning: Option<String>,
}

/// Log lines waiting for the writer thread.
const LINES_BUFFERED: usize = 1024;

/// Starts file logging (`HANDOFF_LOG` sets the filter, default `info`) to `handoff.log` in the
/// state directory. A log that cannot be written (a read-only directory, `handoff.log` being a
/// directory) is no reason to stop: the program works on without it and says why.
pub fn init(state_dir: Option<PathBuf>) -> Log {
    let Some(dir) = state_dir.or_else(crate::config::default_state_dir) else {
        return Log {
            guard: None,
            warning: None,
        };
    };
    let path = dir.join("handoff.log");
    let file = match crate::fs::private_dir(&dir).and_then(|_| open_log(&path)) {
        Ok(file) => file,
        Err(e) => {
            return Log {
                guard: None,
                warning: Some(format!("no log file: cannot write {}: {e}", path.display())),
            };
        }
    };
    // The default buffer holds 128,000 lines and is allocated whole at start: 4 MB of resident
    // memory per operator for a log that writes a few lines a minute. A burst past this many
    // lines before the writer catches up loses lines, as before: the loop never waits on a log.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LINES_BUFFERED)
        .finish(file);
    let layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false);
    let installed = tracing_subscriber::registry()
        .with(filter(std::env::var("HANDOFF_LOG").ok().as_deref()))
        .with(layer)
        .try_init()
        .is_ok();
    Log {
        guard: installed.then_some(guard),
        warning: None,
    }
}

/// What is logged: `HANDOFF_LOG`'s `level` or `target=level` directives, comma-separated
/// (`debug`, `handoff=debug,hyper=warn`), else `info`. One that cannot be read is the default, as
/// when unset: a typo in a variable is no reason to stop.
fn filter(directives: Option<&str>) -> Targets {
    directives
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// Appends to the log, creating it readable by this user only (it can hold customers' names).
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn reads_the_documented_directives() {
        let debug = filter(Some("debug"));
        assert!(debug.would_enable("handoff::sync", &Level::DEBUG));
        assert!(!debug.would_enable("handoff::sync", &Level::TRACE));
        let per_target = filter(Some("handoff=debug,hyper=warn"));
        assert!(per_target.would_enable("handoff::platform::http", &Level::DEBUG));
        assert!(!per_target.would_enable("hyper::proto", &Level::INFO));
        assert!(!filter(Some("off")).would_enable("handoff", &Level::ERROR));
    }

    #[test]
    fn anything_else_is_info() {
        for unread in [None, Some(""), Some("handoff=loud"), Some("handoff=debug=trace")] {
            let info = filter(unread);
            assert!(info.would_enable("handoff", &Level::INFO), "{unread:?}");
            assert!(!info.would_enable("handoff", &Level::DEBUG), "{unread:?}");
        }
    }
}
