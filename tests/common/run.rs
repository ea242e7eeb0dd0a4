//! The real binary, run as a script would run it, against a sandbox: a config for the
//! sandbox's three accounts, the command, its exit code, stdout and stderr.

use handoff::sandbox::SandboxHandle;
use std::path::{Path, PathBuf};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `handoff ARGS` with this config, its state (and log, at debug level) in `state`.
pub async fn handoff(config: &Path, state: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff"));
    cmd.args(args)
        .env("HANDOFF_CONFIG", config)
        .env("HANDOFF_STATE_DIR", state)
        .env("HANDOFF_LOG", "debug")
        .env_remove("HANDOFF_SANDBOX_RAIA_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A config in `dir` for the sandbox's three accounts (`raia`, `volt`, `dash`); keys come from
/// files. Returns the config's path.
pub fn setup(h: &SandboxHandle, dir: &Path, experimental: bool) -> PathBuf {
    let keys = h.keys();
    for (name, key) in [("raia", &keys.raia), ("volt", &keys.chatvolt), ("dash", &keys.chatdash)] {
        let path = dir.join(format!("{name}.key"));
        std::fs::write(&path, key).unwrap();
        set_private(&path);
    }
    let config = format!(
        r#"
[operator]
name = "Dana Reyes"
email = "dana@example.com"

[[accounts]]
name = "raia"
platform = "raia"
base_url = "{raia}"
api_key_file = "{dir}/raia.key"

[[accounts]]
name = "volt"
platform = "chatvolt"
base_url = "{volt}"
api_key_file = "{dir}/volt.key"

[[accounts]]
name = "dash"
platform = "chatdash"
base_url = "{dash}"
api_key_file = "{dir}/dash.key"
experimental_live_agent = {experimental}
"#,
        raia = h.raia_base(),
        volt = h.chatvolt_base(),
        dash = h.chatdash_base(),
        dir = dir.display(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    set_private(&path);
    path
}

pub fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
