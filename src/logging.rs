//! Logs go to a file in the state directory, never to the terminal (the inbox owns it).

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging (`HANDOFF_LOG` sets the filter, default `info`). Returns the guard that
/// flushes the log when dropped; `None` if the state directory cannot be made (the program
/// works on without a log rather than failing).
pub fn init(state_dir: Option<PathBuf>) -> Option<WorkerGuard> {
    let dir = state_dir.or_else(crate::config::default_state_dir)?;
    create_private_dir(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "handoff.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("HANDOFF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// The state directory holds what only this operator should read: mode 0700.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
