//! Which config, account and conversation a command means, and reaching it: the config file,
//! an account found by name, its key read, its adapter made, `ACCOUNT/ID` parsed.

use super::Failure;
use crate::config::{Config, ConfigError};
use crate::domain::ConversationKey;
use crate::platform::{self, Platform, PlatformError};
use std::path::PathBuf;
use std::sync::Arc;

pub(super) fn config_path(flag: Option<PathBuf>) -> Result<PathBuf, Failure> {
    flag.or_else(crate::config::default_path)
        .ok_or_else(|| Failure::Usage("cannot find a config directory; pass --config PATH".into()))
}

pub(super) fn load_config(flag: Option<PathBuf>) -> Result<Config, Failure> {
    let path = config_path(flag)?;
    if !path.exists() {
        return Err(Failure::Usage(format!(
            "no config file at {} — create one (see README, \"Connect real accounts\") or pass --config",
            path.display()
        )));
    }
    let config = Config::load(&path)?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(config)
}

pub(super) fn connect(config: &Config, name: &str) -> Result<Arc<dyn Platform>, Failure> {
    let settings = find_account(config, name)?.resolve()?;
    Ok(adapter(settings))
}

pub(super) fn find_account<'a>(config: &'a Config, name: &str) -> Result<&'a crate::config::Account, Failure> {
    config.account(name).ok_or_else(|| {
        let names: Vec<&str> = config.accounts.iter().map(|a| a.name()).collect();
        Failure::Usage(format!(
            "no account named `{name}` in {} (accounts: {})",
            config.path.display(),
            names.join(", ")
        ))
    })
}

pub(super) fn adapter(settings: crate::platform::AccountSettings) -> Arc<dyn Platform> {
    let client = platform::http::client(settings.timeout);
    platform::connect(settings, client)
}

/// Why an account's key could not be read, where the account is named already.
pub(super) fn key_problem<'a>(account: &crate::config::Account, e: &'a ConfigError) -> &'a str {
    let prefix = format!("account `{}`: ", account.name());
    e.message.strip_prefix(&prefix).unwrap_or(&e.message)
}

/// Reads an account's key off the async threads (a key command may run for its whole
/// timeout), so that several accounts' keys are read at once.
pub(super) async fn resolve(account: &crate::config::Account) -> Result<crate::platform::AccountSettings, ConfigError> {
    let account = account.clone();
    let location = account.name().to_string();
    tokio::task::spawn_blocking(move || account.resolve())
        .await
        .unwrap_or_else(|e| {
            Err(ConfigError {
                location,
                message: format!("reading the key stopped: {e}"),
            })
        })
}

pub(super) fn target(raw: &str) -> Result<ConversationKey, Failure> {
    ConversationKey::parse(raw)
        .ok_or_else(|| Failure::Usage(format!("`{raw}` is not ACCOUNT/ID (as `handoff list` prints it)")))
}

pub(super) fn platform_failure(key: &ConversationKey, e: PlatformError) -> Failure {
    Failure::Platform(format!("{key}: {e}"))
}
