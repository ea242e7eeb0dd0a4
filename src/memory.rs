//! Memory given back to the system. Fifty operators may share one server, so what a process
//! keeps resident matters as much as what it uses. glibc's allocator keeps freed memory for
//! reuse: after a listing of thousands of conversations is parsed and absorbed, megabytes of
//! freed pages stay resident until the allocator is asked to return them. Elsewhere these are
//! no-ops.

/// Once messages have carried this many conversations, [`give_back`] follows.
pub const BULK: usize = 500;

/// At most this many allocator arenas. glibc makes one per thread that allocates (up to eight
/// per core), and memory freed in one cannot serve another: the tokio workers parse listings,
/// the loop keeps them. The threads take turns (a listing parsed, then taken in, then drawn),
/// so one arena's lock is seldom contended, and each thread's cache of small blocks (tcache)
/// spares it most of the time; a second arena kept 1 MB more at 10,000 conversations.
const ARENAS: i32 = 1;

/// Before any thread is started: fewer allocator arenas, unless `MALLOC_ARENA_MAX` says how
/// many (glibc reads it itself).
pub fn limit_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a documented glibc tunable, set before other threads exist; it only changes
    // where later allocations come from.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

/// Returns freed memory to the system (every arena's free pages).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases memory the allocator holds free; any thread may
    // call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
