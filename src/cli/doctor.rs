//! `handoff doctor`: every account checked in turn (config, key, server, key accepted), and
//! what each platform cannot do here.

use super::Failure;
use super::accounts::{adapter, config_path, key_problem, resolve};
use super::output::print;
use crate::config::Config;
use crate::domain::PlatformKind;
use crate::platform::{PlatformError, chatdash};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::time::Duration;

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
    match identity(&config.operator) {
        Ok(who) => print(&format!("operator {who}\n")),
        Err(fix) => {
            problems += 1;
            print(&format!("operator MISSING: {fix}\n"));
        }
    }
    if let Some(team) = &config.team {
        match crate::team::check(team) {
            Ok(ok) => print(&format!("team     {ok}\n")),
            Err(why) => {
                problems += 1;
                print(&format!("team     REFUSED (the inbox would work alone): {why}\n"));
            }
        }
    }
    let intervals = crate::sync::Intervals {
        list: config.list_interval,
        thread: config.thread_interval,
    };
    for account in &config.accounts {
        let s = &account.settings_without_key;
        print(&format!("\n{} ({}, {})\n", account.name(), s.kind, s.base_url));
        if s.kind == PlatformKind::Chatdash {
            print(&window_line(s.lookback, Utc::now()));
        }
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
        if let Ok(reads) = p.queue().await {
            let per_minute = p.budget().map_or(s.requests_per_minute, |b| b.configured());
            for line in crate::sync::describe(&reads, intervals, per_minute) {
                print(&format!(
                    "  sync     {line}
"
                ));
            }
        }
        let caps = p.capabilities();
        let unavailable: Vec<String> = [
            ("take over", &caps.take_over),
            ("reply", &caps.send),
            ("resolve", &caps.resolve),
            ("reopen", &caps.reopen),
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

/// Who the operator is, or what to add: the platforms record a takeover by email (Chatvolt's
/// assignee, ChatDash's live agent), so without one nobody can tell this operator's
/// conversations from another's.
fn identity(operator: &crate::platform::Operator) -> Result<String, String> {
    let name = operator.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    match (name, operator.identity()) {
        (Some(name), Some(email)) => Ok(format!("{name} <{email}>")),
        (None, Some(email)) => Ok(email.to_string()),
        (_, None) => Err(
            "no [operator] email: takeovers cannot be recorded as yours, and other operators cannot tell who holds what. \
             Add to the config:  [operator]  name = \"Your Name\"  email = \"you@example.com\""
                .into(),
        ),
    }
}

/// What a ChatDash account reads: its date filters are on `createdAt` (platforms.md §7.3), so a
/// conversation older than the lookback is never listed, even when it asks for a human.
fn window_line(lookback: Duration, now: DateTime<Utc>) -> String {
    let since = chatdash::window_start(now, lookback).format("%Y-%m-%d %H:%M UTC");
    format!(
        "  window   conversations created since {since} (lookback {}); older ones are not seen even when they ask for a human\n",
        lookback_words(lookback)
    )
}

/// `7 days`, `36 hours`, `90 minutes`: the largest whole unit; humantime's words otherwise.
fn lookback_words(lookback: Duration) -> String {
    let secs = lookback.as_secs();
    let units = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")];
    match units
        .iter()
        .find(|(size, _)| secs > 0 && secs.is_multiple_of(*size) && lookback.subsec_nanos() == 0)
    {
        Some((size, unit)) => {
            let n = secs / size;
            format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
        }
        None => humantime::format_duration(lookback).to_string(),
    }
}

fn describe_source(source: &crate::config::KeySource) -> String {
    match source {
        crate::config::KeySource::Env(var) => format!("environment variable {var}"),
        crate::config::KeySource::Command(_) => "api_key_cmd".into(),
        crate::config::KeySource::File(path) => format!("file {}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_window_says_where_it_starts_and_what_it_misses() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 30).unwrap();
        assert_eq!(
            window_line(Duration::from_secs(7 * 86_400), now),
            "  window   conversations created since 2026-11-24 10:00 UTC (lookback 7 days); \
             older ones are not seen even when they ask for a human\n"
        );
        let words: Vec<String> = [86_400, 36 * 3_600, 90 * 60, 61, 3_600]
            .map(|s| lookback_words(Duration::from_secs(s)))
            .into();
        assert_eq!(words, ["1 day", "36 hours", "90 minutes", "61 seconds", "1 hour"]);
        assert_eq!(lookback_words(Duration::from_millis(1500)), "1s 500ms");
    }
}
