//! Reading an account's key from where the config says it is: an environment variable, a
//! file, or a command run with a timeout in its own process group. Off the inbox's loop: a
//! command may take seconds.

use super::KeySource;
use crate::domain::ApiKey;
use std::path::Path;
use std::time::Duration;

/// The most a key source may hold: a key is a line, not a file's worth.
const KEY_CAP: u64 = 64 * 1024;

pub(super) fn read_key(source: &KeySource, timeout: Duration) -> Result<ApiKey, String> {
    let key = match source {
        KeySource::Env(var) => std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?,
        KeySource::File(path) => read_key_file(path)?,
        KeySource::Command(cmd) => key_command::run(cmd, timeout)?,
    };
    let key = key.trim();
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    // Sent as a header: a line break would be refused by the HTTP client before any request
    // (and reported as a rejected key), a control character would reach the server.
    let inside = if key.contains(['\n', '\r']) {
        Some("a line break")
    } else if key.chars().any(char::is_control) {
        Some("a control character")
    } else {
        None
    };
    if let Some(what) = inside {
        return Err(format!(
            "the key from {} contains {what}; a key is one line",
            describe(source)
        ));
    }
    Ok(ApiKey::new(key))
}

/// Where a key comes from, in the config's words.
fn describe(source: &KeySource) -> String {
    match source {
        KeySource::Env(var) => format!("api_key_env {var}"),
        KeySource::Command(_) => "api_key_cmd".into(),
        KeySource::File(path) => format!("api_key_file {}", path.display()),
    }
}

fn read_key_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read key file {}: {e}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(KEY_CAP + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > KEY_CAP {
        return Err(format!(
            "key file {} is larger than 64 KiB; a key is one line",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("key file {} is not text", path.display()))
}

/// `api_key_cmd`: run with a timeout, in its own process group so that everything it started
/// goes with it (`sh -c "sleep 1000"` would otherwise leave `sleep` holding the pipe), its
/// output capped and read on a thread so a chatty command cannot block on a full pipe.
mod key_command {
    use super::KEY_CAP;
    use std::io::Read;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Mutex, PoisonError, mpsc};
    use std::time::{Duration, Instant};

    /// Process groups of key commands still running, killed at exit ([`kill_all`]).
    static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

    pub fn run(cmd: &str, timeout: Duration) -> Result<String, String> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut running = Running::spawn(command)?;
        let stdout = running.child.stdout.take();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let read = stdout.map_or(Ok(0), |s| s.take(KEY_CAP + 1).read_to_end(&mut out));
            let _ = tx.send(read.map(|_| out));
        });
        let deadline = Instant::now() + timeout;
        let timed_out = || format!("api_key_cmd timed out after {}", humantime::format_duration(timeout));
        // The output is whole when every process holding the pipe has closed it.
        let out = match rx.recv_timeout(timeout) {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => return Err(format!("cannot read what api_key_cmd printed: {e}")),
            Err(_) => return Err(timed_out()),
        };
        if out.len() as u64 > KEY_CAP {
            return Err("api_key_cmd printed more than 64 KiB; a key is one line".into());
        }
        let status = loop {
            match running.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                Ok(None) => return Err(timed_out()),
                Err(e) => return Err(format!("cannot run api_key_cmd: {e}")),
            }
        };
        if !status.success() {
            return Err(format!("api_key_cmd failed ({status})"));
        }
        String::from_utf8(out).map_err(|_| "api_key_cmd printed something that is not text".to_string())
    }

    /// A key command's process group, killed when dropped unless the command has ended and
    /// been reaped (so its id cannot have been reused for another group).
    struct Running {
        child: Child,
        reaped: bool,
    }

    impl Running {
        fn spawn(mut command: Command) -> Result<Running, String> {
            let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
            let child = command.spawn().map_err(|e| format!("cannot run api_key_cmd: {e}"))?;
            running.push(child.id());
            Ok(Running { child, reaped: false })
        }

        /// Reaps the command if it ended; under the registry's lock, so [`kill_all`] never
        /// signals a reaped id.
        fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
            let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
            let status = self.child.try_wait()?;
            if status.is_some() {
                self.reaped = true;
                running.retain(|&id| id != self.child.id());
            }
            Ok(status)
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            if self.reaped {
                return;
            }
            {
                let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
                kill_group(self.child.id());
                running.retain(|&id| id != self.child.id());
            }
            let _ = self.child.wait();
        }
    }

    /// Kills every key command still running (the program is leaving).
    pub fn kill_all() {
        let running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        for &id in running.iter() {
            kill_group(id);
        }
    }

    #[cfg(unix)]
    fn kill_group(id: u32) {
        if let Ok(id) = libc::pid_t::try_from(id) {
            // SAFETY: kill(2) takes plain integers; a negative id names the process group
            // this command leads, which is ours until it is reaped.
            unsafe {
                libc::kill(-id, libc::SIGKILL);
            }
        }
    }

    #[cfg(not(unix))]
    fn kill_group(_id: u32) {}
}

/// Kills the key commands still running: called as the program exits, so a hanging one does
/// not outlive it.
pub fn kill_key_commands() {
    key_command::kill_all();
}
