//! One inbox per state directory.

use super::LOCK_FILE;
use std::path::{Path, PathBuf};

/// The state directory, held by one inbox for its whole life: two would number outbox
/// entries from the same start and overwrite each other's. The OS lock goes with the
/// process, however it ends (`kill -9` included); the file stays, naming the last holder.
pub struct DirLock {
    _file: std::fs::File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another handoff{} is already using the state directory {} — close it, or start this one with --state-dir",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        .dir.display()
    )]
    Held { pid: Option<u32>, dir: PathBuf },
    #[error("cannot lock the state directory {}: {source}", .dir.display())]
    Io { dir: PathBuf, source: std::io::Error },
}

impl DirLock {
    /// Takes the lock on `dir` (created if need be) and writes this process's id in it, or
    /// says who holds it.
    pub fn take(dir: &Path) -> Result<DirLock, LockError> {
        use std::io::{Read, Seek, Write};
        let io = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        crate::fs::private_dir(dir).map_err(io)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(dir.join(LOCK_FILE)).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)
                    .and_then(|_| file.rewind())
                    .and_then(|_| writeln!(file, "{}", std::process::id()))
                    .map_err(io)?;
                Ok(DirLock { _file: file })
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                Err(LockError::Held {
                    pid: holder.trim().parse().ok(),
                    dir: dir.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}
