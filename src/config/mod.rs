//! The config file (design.md §7): who the operator is, how often to sync, and the accounts
//! with where their keys come from. Errors name the file, the line and the field.

use crate::domain::{AlertSettings, ApiKey, Notifier, OnHangup, OnQuit, PlatformKind};
use crate::platform::{AccountSettings, Operator};
use chrono::TimeDelta;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

mod keys;
pub mod snippets;
pub use keys::kill_key_commands;
use keys::read_key;

/// A problem with the configuration. Always shown with the file it came from; the program
/// exits with status 2 on it.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ConfigError {
    pub location: String,
    pub message: String,
}

impl ConfigError {
    fn at(file: &Path, source: &str, span: Option<std::ops::Range<usize>>, message: impl Into<String>) -> Self {
        let location = match span {
            Some(span) => {
                let (line, column) = line_col(source, span.start);
                format!("{}:{line}:{column}", file.display())
            }
            None => file.display().to_string(),
        };
        ConfigError {
            location,
            message: message.into(),
        }
    }
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
    (line, column)
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileOperator {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileSync {
    list_interval: Option<Spanned<String>>,
    thread_interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FileAccount {
    name: Spanned<String>,
    label: Option<String>,
    platform: Spanned<String>,
    base_url: Option<Spanned<String>>,
    api_key_env: Option<Spanned<String>>,
    api_key_cmd: Option<Spanned<String>>,
    api_key_file: Option<Spanned<String>>,
    api_key_timeout: Option<Spanned<String>>,
    needs_human_states: Option<Vec<String>>,
    resolved_states: Option<Vec<String>>,
    open_state: Option<String>,
    author_id: Option<String>,
    /// Chatvolt: the operator's user id, to know their own messages (kept as `author_id`).
    user_id: Option<String>,
    agents: Option<Vec<String>>,
    experimental_live_agent: Option<bool>,
    auth_scheme: Option<Spanned<String>>,
    lookback: Option<Spanned<String>>,
    requests_per_minute: Option<Spanned<i64>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    operator: FileOperator,
    #[serde(default)]
    sync: FileSync,
    #[serde(default)]
    session: FileSession,
    #[serde(default)]
    alerts: FileAlerts,
    #[serde(default)]
    ui: FileUi,
    team: Option<Spanned<FileTeam>>,
    #[serde(default)]
    accounts: Vec<FileAccount>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FileTeam {
    dir: Option<Spanned<String>>,
    orphan_after: Option<Spanned<String>>,
}

/// `[team]`: the directory the team's inboxes share on this server, and how long a
/// conversation held by an instance that stopped waits before it goes back to the AI.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamSettings {
    pub dir: PathBuf,
    /// `None`: `"never"`.
    pub orphan_after: Option<Duration>,
}

/// How long an orphaned conversation waits for someone when `[team]` does not say.
pub const ORPHAN_AFTER: Duration = Duration::from_secs(180);

/// `[ui]`: how the screen is drawn — `scroll` (`"line"` or `"page"`), `selection` (`"mark"`, a
/// bar beside the selected row, or `"row"`, the row in reverse video: a move rewrites both rows
/// whole) — and the mouse (off unless asked for: it takes the terminal's own selection away).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileUi {
    mouse: Option<bool>,
    scroll: Option<Spanned<String>>,
    selection: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileSession {
    on_quit: Option<Spanned<String>>,
    on_hangup: Option<Spanned<String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileAlerts {
    notify: Option<Spanned<Vec<String>>>,
    tmux_passthrough: Option<bool>,
    include_text: Option<bool>,
    repeat: Option<Spanned<String>>,
    escalate_after: Option<Spanned<String>>,
    reply_due: Option<Spanned<String>>,
}

/// Where an account's key comes from. The key itself is read only when needed.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySource {
    Env(String),
    Command(String),
    File(PathBuf),
}

#[derive(Clone, Debug)]
pub struct Account {
    pub settings_without_key: AccountSettings,
    pub label: Option<String>,
    pub key_source: KeySource,
    /// How long `api_key_cmd` may take (`api_key_timeout`).
    pub key_timeout: Duration,
    /// Where `api_key_*` stands in the file, for error messages.
    key_location: String,
}

/// How long a key command may run when the account does not say (`api_key_timeout`).
pub const KEY_TIMEOUT: Duration = Duration::from_secs(10);

impl Account {
    pub fn name(&self) -> &str {
        &self.settings_without_key.name
    }

    /// Reads the key and returns the adapter's settings. A key that cannot be found is a
    /// config error naming where the account says it is. Blocking (a key command runs for up
    /// to its timeout): the inbox calls it off its loop.
    pub fn resolve(&self) -> Result<AccountSettings, ConfigError> {
        self.read_key().map_err(|message| ConfigError {
            location: self.key_location.clone(),
            message: format!("account `{}`: {message}", self.name()),
        })
    }

    /// As [`Account::resolve`], with only why the key could not be read (the inbox shows it
    /// next to the account's name).
    pub fn read_key(&self) -> Result<AccountSettings, String> {
        let key = read_key(&self.key_source, self.key_timeout)?;
        Ok(AccountSettings {
            key,
            ..self.settings_without_key.clone()
        })
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub operator: Operator,
    pub list_interval: Duration,
    pub thread_interval: Duration,
    /// `[session]`: what quitting and a dropped session do to the conversations you hold.
    pub on_quit: OnQuit,
    pub on_hangup: OnHangup,
    /// `[ui] scroll = "page"`: the list moves a page at a time (the slowest links).
    pub scroll_by_page: bool,
    /// `[ui] selection = "row"`: the selected row in reverse video whole, instead of the bar
    /// that marks it (`"mark"`, lighter on a slow link).
    pub selection_row: bool,
    /// `[alerts]`: what is said when someone needs you, how, and how often.
    pub alerts: AlertSettings,
    /// `[team]`: team mode; none, the inbox works alone.
    pub team: Option<TeamSettings>,
    /// `[ui] mouse`: clicks and the wheel (off by default).
    pub mouse: bool,
    pub accounts: Vec<Account>,
    /// Things worth telling the operator that do not stop the program (e.g. file permissions).
    pub warnings: Vec<String>,
}

impl Config {
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name() == name)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::at(path, "", None, format!("cannot read the config file: {e}")))?;
        let mut config = Config::parse(path, &source)?;
        if let Some(warning) = permissions_warning(path) {
            config.warnings.push(warning);
        }
        // Checked here rather than when the key is read, so the inbox can show it on screen
        // (it owns the terminal by the time keys are read) and the commands print it.
        for account in &config.accounts {
            if let KeySource::File(file) = &account.key_source
                && let Some(warning) = permissions_warning(file)
            {
                config
                    .warnings
                    .push(format!("account `{}`: key file {warning}", account.name()));
            }
        }
        Ok(config)
    }

    pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
        let file: File =
            toml::from_str(source).map_err(|e| ConfigError::at(path, source, e.span(), first_line(e.message())))?;
        let err = |span: std::ops::Range<usize>, message: String| ConfigError::at(path, source, Some(span), message);
        let duration = |value: &Option<Spanned<String>>, field: &str, default: Duration| match value {
            None => Ok(default),
            Some(v) => humantime::parse_duration(v.get_ref()).map_err(|e| {
                err(
                    v.span(),
                    format!("`{field}` is not a duration like \"5s\" or \"2m\": {e}"),
                )
            }),
        };
        let operator = Operator {
            name: file.operator.name,
            email: file.operator.email,
        };
        let timeout = duration(&file.sync.timeout, "timeout", Duration::from_secs(10))?;
        let mut accounts: Vec<Account> = Vec::new();
        let mut warnings = Vec::new();
        for a in file.accounts {
            let name = a.name.get_ref().clone();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(err(
                    a.name.span(),
                    format!("account name `{name}` must be letters, digits, `-` or `_` (it is typed in commands)"),
                ));
            }
            if accounts.iter().any(|b| b.name() == name) {
                return Err(err(a.name.span(), format!("account name `{name}` is used twice")));
            }
            let Some(kind) = PlatformKind::parse(a.platform.get_ref()) else {
                return Err(err(
                    a.platform.span(),
                    format!(
                        "unknown platform `{}` (expected raia, chatvolt or chatdash)",
                        a.platform.get_ref()
                    ),
                ));
            };
            let sources: Vec<(&Spanned<String>, KeySource)> = [
                a.api_key_env.as_ref().map(|v| (v, KeySource::Env(v.get_ref().clone()))),
                a.api_key_cmd
                    .as_ref()
                    .map(|v| (v, KeySource::Command(v.get_ref().clone()))),
                a.api_key_file
                    .as_ref()
                    .map(|v| (v, KeySource::File(expand_home(v.get_ref())))),
            ]
            .into_iter()
            .flatten()
            .collect();
            let (key_span, key_source) = match sources.as_slice() {
                [(span, source)] => (span.span(), source.clone()),
                [] => {
                    return Err(err(
                        a.name.span(),
                        format!("account `{name}` needs a key: set one of api_key_env, api_key_cmd or api_key_file"),
                    ));
                }
                [_, (second, _), ..] => {
                    return Err(err(
                        second.span(),
                        format!("account `{name}` has more than one of api_key_env, api_key_cmd, api_key_file"),
                    ));
                }
            };
            let base_url = match &a.base_url {
                Some(url) => {
                    url::Url::parse(url.get_ref())
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .ok_or_else(|| {
                            err(
                                url.span(),
                                format!("base_url `{}` is not an http(s) URL", url.get_ref()),
                            )
                        })?;
                    url.get_ref().clone()
                }
                None => AccountSettings::default_base_url(kind).to_string(),
            };
            let bearer = match &a.auth_scheme {
                None => false,
                Some(s) if s.get_ref() == "raw" => false,
                Some(s) if s.get_ref() == "bearer" => true,
                Some(s) => {
                    return Err(err(
                        s.span(),
                        format!("auth_scheme `{}` must be \"raw\" or \"bearer\"", s.get_ref()),
                    ));
                }
            };
            let mut settings = AccountSettings::new(&name, kind, &base_url, ApiKey::new(""));
            settings.operator = operator.clone();
            settings.timeout = timeout;
            if let Some(states) = a.needs_human_states {
                settings.needs_human_states = states;
            }
            if let Some(states) = a.resolved_states {
                settings.resolved_states = states;
            }
            settings.open_state = a.open_state;
            settings.author_id = a.author_id.or(a.user_id);
            settings.agents = a.agents.unwrap_or_default();
            settings.experimental_live_agent = a.experimental_live_agent.unwrap_or(false);
            settings.bearer = bearer;
            settings.lookback = duration(&a.lookback, "lookback", settings.lookback)?;
            if let Some(rpm) = &a.requests_per_minute {
                settings.requests_per_minute = u32::try_from(*rpm.get_ref())
                    .ok()
                    .filter(|n| (1..=10_000).contains(n))
                    .ok_or_else(|| {
                        err(
                            rpm.span(),
                            "`requests_per_minute` must be a whole number from 1 to 10000".into(),
                        )
                    })?;
            }
            if let Some(v) = &a.lookback {
                if settings.lookback.is_zero() {
                    return Err(err(
                        v.span(),
                        "`lookback` must be more than zero: it is how far back conversations are read".into(),
                    ));
                }
                if kind != PlatformKind::Chatdash {
                    warnings.push(format!(
                        "account `{name}`: `lookback` is a ChatDash setting; {kind} accounts ignore it"
                    ));
                }
            }
            let key_timeout = duration(&a.api_key_timeout, "api_key_timeout", KEY_TIMEOUT)?;
            let (line, column) = line_col(source, key_span.start);
            accounts.push(Account {
                settings_without_key: settings,
                label: a.label,
                key_source,
                key_timeout,
                key_location: format!("{}:{line}:{column}", path.display()),
            });
        }
        let on_quit = match &file.session.on_quit {
            None => OnQuit::default(),
            Some(v) => match v.get_ref().as_str() {
                "ask" => OnQuit::Ask,
                "hand_back" => OnQuit::HandBack,
                "keep" => OnQuit::Keep,
                _ => {
                    return Err(err(
                        v.span(),
                        "`on_quit` must be \"ask\", \"hand_back\" or \"keep\"".into(),
                    ));
                }
            },
        };
        let on_hangup = match &file.session.on_hangup {
            None => OnHangup::default(),
            Some(v) => match v.get_ref().as_str() {
                "hand_back" => OnHangup::HandBack,
                "keep" => OnHangup::Keep,
                _ => return Err(err(v.span(), "`on_hangup` must be \"hand_back\" or \"keep\"".into())),
            },
        };
        let scroll_by_page = match &file.ui.scroll {
            None => false,
            Some(v) => match v.get_ref().as_str() {
                "line" => false,
                "page" => true,
                _ => return Err(err(v.span(), "`scroll` must be \"line\" or \"page\"".into())),
            },
        };
        let selection_row = match &file.ui.selection {
            None => false,
            Some(v) => match v.get_ref().as_str() {
                "mark" => false,
                "row" => true,
                _ => return Err(err(v.span(), "`selection` must be \"mark\" or \"row\"".into())),
            },
        };
        let alerts = alert_settings(&file.alerts, &duration, &err)?;
        let team = file
            .team
            .as_ref()
            .map(|t| team_settings(t, &duration, &err))
            .transpose()?;
        Ok(Config {
            path: path.to_path_buf(),
            operator,
            on_quit,
            on_hangup,
            scroll_by_page,
            selection_row,
            alerts,
            team,
            mouse: file.ui.mouse.unwrap_or(false),
            list_interval: duration(&file.sync.list_interval, "list_interval", Duration::from_secs(5))?,
            thread_interval: duration(&file.sync.thread_interval, "thread_interval", Duration::from_secs(2))?,
            accounts,
            warnings,
        })
    }
}

/// How `Config::parse` reads a duration field: its value, its name, the default.
type ReadDuration<'a> = dyn Fn(&Option<Spanned<String>>, &str, Duration) -> Result<Duration, ConfigError> + 'a;

/// `[alerts]`, checked: known notifiers, and times of at least a second (a repeat of zero would
/// ring without pause).
fn alert_settings(
    file: &FileAlerts,
    duration: &ReadDuration<'_>,
    err: &dyn Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<AlertSettings, ConfigError> {
    let defaults = AlertSettings::default();
    let notify = match &file.notify {
        None => defaults.notify.clone(),
        Some(list) => {
            let mut notify = Vec::new();
            for name in list.get_ref() {
                match Notifier::parse(name) {
                    Some(n) if !notify.contains(&n) => notify.push(n),
                    Some(_) => {}
                    None => {
                        return Err(err(
                            list.span(),
                            format!("`notify`: unknown notifier \"{name}\" (use \"bell\", \"osc777\", \"osc9\")"),
                        ));
                    }
                }
            }
            notify
        }
    };
    let time = |value: &Option<Spanned<String>>, field: &str, default: TimeDelta| {
        let default = default.to_std().unwrap_or(Duration::from_secs(30));
        let got = duration(value, field, default)?;
        match (value, TimeDelta::from_std(got)) {
            (Some(v), _) if got < Duration::from_secs(1) => {
                Err(err(v.span(), format!("`{field}` must be at least 1s")))
            }
            (_, Ok(t)) => Ok(t),
            (Some(v), Err(_)) => Err(err(v.span(), format!("`{field}` is too long"))),
            (None, Err(_)) => Ok(TimeDelta::seconds(30)),
        }
    };
    Ok(AlertSettings {
        notify,
        tmux_passthrough: file.tmux_passthrough.unwrap_or(defaults.tmux_passthrough),
        include_text: file.include_text.unwrap_or(defaults.include_text),
        repeat: time(&file.repeat, "repeat", defaults.repeat)?,
        escalate_after: time(&file.escalate_after, "escalate_after", defaults.escalate_after)?,
        reply_due: time(&file.reply_due, "reply_due", defaults.reply_due)?,
    })
}

/// `[team]`, checked: an absolute `dir`, and `orphan_after` a duration of at least a second
/// or `"never"`.
fn team_settings(
    file: &Spanned<FileTeam>,
    duration: &ReadDuration<'_>,
    err: &dyn Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<TeamSettings, ConfigError> {
    let team = file.get_ref();
    let Some(dir) = &team.dir else {
        return Err(err(
            file.span(),
            "`[team]` needs `dir`: the directory the team shares, e.g. dir = \"/srv/handoff/team\"".into(),
        ));
    };
    let path = expand_home(dir.get_ref());
    if !path.is_absolute() {
        return Err(err(
            dir.span(),
            format!("`dir` must be an absolute path (got `{}`)", dir.get_ref()),
        ));
    }
    let orphan_after = match &team.orphan_after {
        Some(v) if v.get_ref() == "never" => None,
        value => {
            let got = duration(value, "orphan_after", ORPHAN_AFTER).map_err(|e| ConfigError {
                message: format!("{} (or \"never\")", e.message),
                ..e
            })?;
            if got < Duration::from_secs(1) {
                let span = value.as_ref().map_or(file.span(), |v| v.span());
                return Err(err(span, "`orphan_after` must be at least 1s (or \"never\")".into()));
            }
            Some(got)
        }
    };
    Ok(TeamSettings {
        dir: path,
        orphan_after,
    })
}

/// toml's messages can span several lines with a source excerpt; the location is ours.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Files holding keys (or naming where they are) should not be readable by others.
#[cfg(unix)]
fn permissions_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} is readable by other users (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permissions_warning(_path: &Path) -> Option<String> {
    None
}

/// The config file to use: `--config`, then `HANDOFF_CONFIG` (both passed in by clap), then
/// `$XDG_CONFIG_HOME/handoff/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "handoff").map(|d| d.config_dir().join("config.toml"))
}

/// `$XDG_STATE_HOME/handoff`, where logs (and later the local store) live.
pub fn default_state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "handoff")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/handoff.toml"), src)
    }

    const GOOD: &str = r#"
[operator]
name = "Dana Reyes"
email = "dana@example.com"

[sync]
list_interval = "5s"
thread_interval = "2s"

[[accounts]]
name = "store"
label = "Store bot"
platform = "raia"
base_url = "http://127.0.0.1:7878/raia"
api_key_env = "RAIA_KEY"
needs_human_states = ["Needs human"]
resolved_states = ["Resolved"]

[[accounts]]
name = "volt"
platform = "chatvolt"
api_key_cmd = "echo volt-key"

[[accounts]]
name = "agency"
platform = "chatdash"
api_key_file = "/nonexistent/key"
agents = ["a1", "a2"]
auth_scheme = "bearer"
"#;

    #[test]
    fn parses_the_documented_example() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.accounts.len(), 3);
        assert_eq!(c.operator.email.as_deref(), Some("dana@example.com"));
        let store = c.account("store").unwrap();
        assert_eq!(store.settings_without_key.kind, PlatformKind::Raia);
        assert_eq!(store.settings_without_key.base_url, "http://127.0.0.1:7878/raia");
        assert_eq!(store.key_source, KeySource::Env("RAIA_KEY".into()));
        let volt = c.account("volt").unwrap();
        assert_eq!(volt.settings_without_key.base_url, "https://api.chatvolt.ai");
        assert_eq!(volt.resolve().unwrap().key.expose(), "volt-key");
        let agency = c.account("agency").unwrap();
        assert!(agency.settings_without_key.bearer);
        assert_eq!(agency.settings_without_key.agents, vec!["a1", "a2"]);
        let missing = agency.resolve().unwrap_err().to_string();
        assert!(
            missing.starts_with("/etc/handoff.toml:27:16: account `agency`: cannot read key file"),
            "{missing}"
        );
    }

    #[test]
    fn the_selection_is_a_mark_unless_told_a_row() {
        assert!(!parse(GOOD).unwrap().selection_row);
        let row = format!("[ui]\nselection = \"row\"\n{GOOD}");
        assert!(parse(&row).unwrap().selection_row);
        let mark = format!("[ui]\nselection = \"mark\"\n{GOOD}");
        assert!(!parse(&mark).unwrap().selection_row);
        let wrong = parse(&format!("[ui]\nselection = \"reverse\"\n{GOOD}"))
            .unwrap_err()
            .to_string();
        assert_eq!(wrong, "/etc/handoff.toml:2:13: `selection` must be \"mark\" or \"row\"");
    }

    #[test]
    fn the_list_scrolls_by_line_unless_told_by_page() {
        assert!(!parse(GOOD).unwrap().scroll_by_page);
        let page = format!("[ui]\nscroll = \"page\"\n{GOOD}");
        assert!(parse(&page).unwrap().scroll_by_page);
        let line = format!("[ui]\nscroll = \"line\"\n{GOOD}");
        assert!(!parse(&line).unwrap().scroll_by_page);
        let wrong = parse(&format!("[ui]\nscroll = \"half\"\n{GOOD}"))
            .unwrap_err()
            .to_string();
        assert_eq!(wrong, "/etc/handoff.toml:2:10: `scroll` must be \"line\" or \"page\"");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let cases = [
            (
                GOOD.replace("platform = \"chatvolt\"", "platform = \"slack\""),
                "/etc/handoff.toml:21:12: unknown platform `slack`",
            ),
            (
                GOOD.replace("label = \"Store bot\"", "lable = \"x\""),
                "/etc/handoff.toml:12:1: unknown field `lable`",
            ),
            (
                GOOD.replace("api_key_cmd = \"echo volt-key\"", ""),
                "/etc/handoff.toml:20:8: account `volt` needs a key",
            ),
            (
                GOOD.replace("name = \"volt\"", "name = \"my volt\""),
                "/etc/handoff.toml:20:8: account name `my volt`",
            ),
            (
                GOOD.replace("name = \"volt\"", "name = \"store\""),
                "/etc/handoff.toml:20:8: account name `store` is used twice",
            ),
            (
                GOOD.replace("\"5s\"", "\"often\""),
                "/etc/handoff.toml:7:17: `list_interval` is not a duration",
            ),
            (GOOD.replace("[sync]", "[sync"), "/etc/handoff.toml:6:6"),
        ];
        for (src, want) in cases {
            let got = parse(&src).unwrap_err().to_string();
            assert!(got.starts_with(want), "want {want:?}\n got {got:?}");
        }
    }

    #[test]
    fn team_is_read_with_its_default_and_its_errors_name_the_line() {
        assert_eq!(parse(GOOD).unwrap().team, None);
        let with = |table: &str| format!("{table}\n{GOOD}");
        let team = parse(&with("[team]\ndir = \"/srv/handoff/team\""))
            .unwrap()
            .team
            .unwrap();
        assert_eq!(team.dir, PathBuf::from("/srv/handoff/team"));
        assert_eq!(team.orphan_after, Some(ORPHAN_AFTER));
        let never = parse(&with("[team]\ndir = \"/srv/t\"\norphan_after = \"never\""));
        assert_eq!(never.unwrap().team.unwrap().orphan_after, None);
        let short = parse(&with("[team]\ndir = \"/srv/t\"\norphan_after = \"30s\""));
        assert_eq!(short.unwrap().team.unwrap().orphan_after, Some(Duration::from_secs(30)));
        let cases = [
            (
                "[team]\norphan_after = \"1m\"",
                "/etc/handoff.toml:1:1: `[team]` needs `dir`",
            ),
            (
                "[team]\ndir = \"team\"",
                "/etc/handoff.toml:2:7: `dir` must be an absolute path",
            ),
            (
                "[team]\ndir = \"/t\"\norphan_after = \"soon\"",
                "/etc/handoff.toml:3:16: `orphan_after` is not a duration",
            ),
            (
                "[team]\ndir = \"/t\"\norphan_after = \"0s\"",
                "/etc/handoff.toml:3:16: `orphan_after` must be at least 1s",
            ),
            (
                "[team]\ndir = \"/t\"\nshared = true",
                "/etc/handoff.toml:3:1: unknown field `shared`",
            ),
        ];
        for (table, want) in cases {
            let got = parse(&with(table)).unwrap_err().to_string();
            assert!(got.starts_with(want), "want {want:?}\n got {got:?}");
        }
        let never = parse(&with("[team]\ndir = \"/t\"\norphan_after = \"soon\"")).unwrap_err();
        assert!(never.message.contains("\"never\""), "{never}");
    }

    #[test]
    fn lookback_is_a_positive_duration_for_chatdash() {
        let with = |line: &str| GOOD.replace("auth_scheme = \"bearer\"", &format!("auth_scheme = \"bearer\"\n{line}"));
        let c = parse(&with("lookback = \"3d\"")).unwrap();
        let agency = &c.account("agency").unwrap().settings_without_key;
        assert_eq!(agency.lookback, Duration::from_secs(3 * 24 * 3600));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let cases = [
            (
                "lookback = \"a week\"",
                "/etc/handoff.toml:30:12: `lookback` is not a duration",
            ),
            (
                "lookback = \"0s\"",
                "/etc/handoff.toml:30:12: `lookback` must be more than zero",
            ),
        ];
        for (line, want) in cases {
            let got = parse(&with(line)).unwrap_err().to_string();
            assert!(got.starts_with(want), "want {want:?}\n got {got:?}");
        }
        let raia = GOOD.replace("label = \"Store bot\"", "label = \"Store bot\"\nlookback = \"3d\"");
        let warnings = parse(&raia).unwrap().warnings;
        assert_eq!(
            warnings,
            ["account `store`: `lookback` is a ChatDash setting; raia accounts ignore it"]
        );
    }

    #[test]
    fn a_missing_env_key_is_reported_where_it_is_configured() {
        let c = parse(&GOOD.replace("RAIA_KEY", "HANDOFF_TEST_SURELY_UNSET_VAR")).unwrap();
        let e = c.account("store").unwrap().resolve().unwrap_err().to_string();
        assert_eq!(
            e,
            "/etc/handoff.toml:15:15: account `store`: environment variable HANDOFF_TEST_SURELY_UNSET_VAR is not set"
        );
    }

    #[test]
    fn settings_debug_never_shows_the_key() {
        let c = parse(GOOD).unwrap();
        let settings = c.account("volt").unwrap().resolve().unwrap();
        assert!(!format!("{settings:?}").contains("volt-key"));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_others_can_read_are_warned_about_and_private_ones_are_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "k").unwrap();
        let config = dir.path().join("config.toml");
        let text = GOOD.replace("/nonexistent/key", key.to_str().unwrap());
        std::fs::write(&config, text).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();

        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warnings = Config::load(&config).unwrap().warnings;
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("account `agency`: key file "),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("chmod 600"), "{}", warnings[0]);

        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(&config).unwrap().warnings.is_empty());
    }
}
