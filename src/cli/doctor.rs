//! `handoff doctor`: every account checked in turn (config, key, server, key accepted), and
//! what each platform cannot do here.

use super::Failure;
use super::accounts::{adapter, config_path, key_problem, resolve};
use super::output::print;
use crate::config::Config;
use crate::platform::PlatformError;
use std::path::PathBuf;

/// Exit 0 when every account is ready, 1 when one is not (each problem on its own line), 2 when
/// the config cannot be read.
pub(super) async fn run(flag: Option<PathBuf>) -> Result<(), Failure> {
    let path = config_path(flag)?;
    if !path.exists() {
        print(&format!(
            "config   no file at {} (`handoff` would open the demo; see README to connect accounts)\n",
            path.display()
        ));
        return Err(Failure::Platform("no config file".into()));
    }
    let config = Config::load(&path)?;
    print(&format!(
        "config   {} ok, {} account(s)\n",
        path.display(),
        config.accounts.len()
    ));
    for warning in &config.warnings {
        print(&format!("warning  {warning}\n"));
    }
    let mut problems = 0;
    for account in &config.accounts {
        let s = &account.settings_without_key;
        print(&format!("\n{} ({}, {})\n", account.name(), s.kind, s.base_url));
        let settings = match resolve(account).await {
            Ok(settings) => {
                print(&format!(
                    "  key      found ({})\n",
                    describe_source(&account.key_source)
                ));
                settings
            }
            Err(e) => {
                problems += 1;
                print(&format!("  key      MISSING: {}\n", key_problem(account, &e)));
                continue;
            }
        };
        let p = adapter(settings);
        let line = match p.check().await {
            Ok(()) => "  server   reachable, key accepted\n".to_string(),
            Err(e @ PlatformError::BadKey { .. }) => {
                problems += 1;
                format!("  server   reachable, KEY REJECTED: {e}\n")
            }
            Err(e @ (PlatformError::Network(_) | PlatformError::Timeout(_))) => {
                problems += 1;
                format!("  server   UNREACHABLE: {e}\n")
            }
            Err(e) => {
                problems += 1;
                format!("  server   reachable, but: {e}\n")
            }
        };
        print(&line);
        let caps = p.capabilities();
        let unavailable: Vec<String> = [
            ("take over", &caps.take_over),
            ("reply", &caps.send),
            ("resolve", &caps.resolve),
            ("assign", &caps.assign),
            ("mark read", &caps.mark_read),
        ]
        .iter()
        .filter_map(|(what, a)| a.reason().map(|why| format!("    {what}: {why}\n")))
        .collect();
        if !unavailable.is_empty() {
            print(&format!("  not available here:\n{}", unavailable.concat()));
        }
    }
    if problems == 0 {
        Ok(())
    } else {
        Err(Failure::Platform(format!("{problems} problem(s) found")))
    }
}

fn describe_source(source: &crate::config::KeySource) -> String {
    match source {
        crate::config::KeySource::Env(var) => format!("environment variable {var}"),
        crate::config::KeySource::Command(_) => "api_key_cmd".into(),
        crate::config::KeySource::File(path) => format!("file {}", path.display()),
    }
}
