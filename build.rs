//! The shipped binary's code layout (issue 14). Every operator's process maps the binary's code,
//! and the kernel reads it in 64 KB windows: code that runs scattered among code that never does
//! keeps most of the binary resident. `layout/hot-code.ld` gathers the functions a session runs
//! (those it runs until the list is in first) ahead of the rest; `cargo bench --bench hot_code --
//! --write` writes it. It only orders code, so a stale one costs memory, never correctness.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=layout/hot-code.ld");
    let linux = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    // "release" for the release profile and those that inherit it (bench).
    let release = env::var("PROFILE").as_deref() == Ok("release");
    let Ok(root) = env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let script = Path::new(&root).join("layout/hot-code.ld");
    let path = script.display().to_string();
    if linux && release && script.exists() && !path.contains(',') {
        // An augmenting script (INSERT): both lld and GNU ld keep their default layout for the
        // rest.
        println!("cargo:rustc-link-arg-bin=handoff=-Wl,-T,{path}");
    }
}
