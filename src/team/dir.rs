//! The team directory: checked before anything is written in it, and the one way files are
//! made there — group read/write, never world-readable, whatever the umask says.

use std::io;
use std::path::Path;

/// What every file in the team dir is: the team's group shares it, nobody else reads it.
pub const FILE_MODE: u32 = 0o660;

/// Why the team dir cannot be used, with the fix; `None` when it can.
pub fn refusal(dir: &Path) -> Option<String> {
    let shown = dir.display();
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Some(format!(
                "the team dir {shown} does not exist; create it once: sudo install -d -m 2770 -g GROUP {shown} (GROUP: the team's Unix group)"
            ));
        }
        Err(e) => return Some(format!("the team dir {shown} cannot be read: {e}")),
    };
    if !meta.is_dir() {
        return Some(format!("the team dir {shown} is not a directory"));
    }
    mode_refusal(dir, &meta)
}

#[cfg(unix)]
fn mode_refusal(dir: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = dir.display();
    let mode = meta.permissions().mode();
    if mode & 0o002 != 0 {
        return Some(format!(
            "the team dir {shown} is writable by every user (mode {:o}), so anyone could change what the team sees; run: chmod o-w {shown}",
            mode & 0o7777
        ));
    }
    if !can_create_in(dir) {
        return Some(format!(
            "you cannot create files in the team dir {shown}; make it the team's: sudo install -d -m 2770 -g GROUP {shown}, and join the group (sudo usermod -aG GROUP $USER, then log in again)"
        ));
    }
    None
}

#[cfg(not(unix))]
fn mode_refusal(_dir: &Path, _meta: &std::fs::Metadata) -> Option<String> {
    None
}

/// Whether this user (with all their groups) may create files in `dir`: access(2) answers for
/// the real user, as the kernel will when the file is created.
#[cfg(unix)]
fn can_create_in(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path and plain flags; access(2) only reads them.
    unsafe { libc::access(path.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

/// Sets the team's mode on `path` if it differs (SQLite makes its `-wal` and `-shm` files as
/// the umask allows). Another member's file cannot be changed by us and needs no change: they
/// made it with the same mode.
pub fn share(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode() & 0o7777,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode != FILE_MODE {
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE)) {
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// Creates `path` if it is not there (never truncating it), with the team's mode.
pub fn create_shared(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    match options.open(path) {
        Ok(_) => share(path),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes a new file at `path` whole, or leaves the one there alone: written beside it and
/// linked into place, so a reader never sees half of it and two writers cannot both win.
/// `Ok(false)`: it was there already.
pub fn create_whole(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(
        ".{}.{}-{:08x}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("new"),
        std::process::id(),
        rand::random::<u32>()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let written = options.open(&temp).and_then(|mut f| {
        share(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}
