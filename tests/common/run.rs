//! The real binary, run as a script would run it, against a sandbox: a config for the
//! sandbox's three accounts, the command, its exit code, stdout and stderr.

use super::fixtures::{self, Config};
use handoff::domain::PlatformKind;
use handoff::sandbox::SandboxHandle;
use std::path::{Path, PathBuf};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `handoff ARGS` with this config, its state (and log, at debug level) in `state`.
pub async fn handoff(config: &Path, state: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    handoff_with_env(config, state, args, stdin, &[]).await
}

/// [`handoff`], with more environment (e.g. `XDG_CONFIG_HOME`, where `snippets.toml` is).
pub async fn handoff_with_env(
    config: &Path,
    state: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &Path)],
) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff"));
    cmd.envs(env.iter().copied());
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
    let all = [PlatformKind::Raia, PlatformKind::Chatvolt, PlatformKind::Chatdash];
    for kind in all {
        let (name, _, _, key) = fixtures::sandbox_account(h, kind);
        let path = dir.join(format!("{name}.key"));
        std::fs::write(&path, key).unwrap();
        set_private(&path);
    }
    let config = fixtures::config(
        h,
        &Config {
            accounts: &all,
            key_files: Some(dir),
            fast_sync: false,
            experimental: Some(experimental),
            extra: "",
        },
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
