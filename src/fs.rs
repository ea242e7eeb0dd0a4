//! Files only this operator may read. The state directory holds customers' names and messages
//! (the log, the store, editor files), so whoever creates it creates it private.

use std::path::Path;

/// Creates `dir` (and its parents) with mode 0700, so what is kept in it stays this user's.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
