//! `handoff sandbox`: the three platform APIs on loopback, for trying the program and for tests.

use super::Failure;
use super::output::print;
use crate::sandbox::{SandboxKeys, SandboxOptions};
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Seed of the simulated world (same seed, same world)
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How lively the world is: 0 = nothing happens on its own, 1 = demo pace
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Conversations across the three platforms
    #[arg(long, default_value_t = 24)]
    conversations: usize,
    /// Added to every API request, e.g. 300ms
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    latency: Duration,
    /// Up to this much more per request, drawn at random (from the seed), e.g. 200ms
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    latency_jitter: Duration,
    /// Share of API requests that fail (0.0–1.0): 500/502, 503 with Retry-After, or a dropped
    /// connection, before or after the request is applied
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Requests per minute per key before answering 429
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Every INTERVAL (e.g. 60s), print one line per platform: the requests received in it, by
    /// endpoint
    #[arg(long, value_name = "INTERVAL", value_parser = humantime::parse_duration)]
    summary: Option<Duration>,
    /// Key the raia API accepts
    #[arg(long, env = "HANDOFF_SANDBOX_RAIA_KEY")]
    raia_key: Option<String>,
    /// Key the Chatvolt API accepts
    #[arg(long, env = "HANDOFF_SANDBOX_CHATVOLT_KEY")]
    chatvolt_key: Option<String>,
    /// Key the ChatDash API accepts
    #[arg(long, env = "HANDOFF_SANDBOX_CHATDASH_KEY")]
    chatdash_key: Option<String>,
}

pub async fn run(args: SandboxArgs) -> Result<(), Failure> {
    if !(0.0..=1.0).contains(&args.fail_rate) {
        return Err(Failure::Usage("--fail-rate must be between 0.0 and 1.0".into()));
    }
    if !args.speed.is_finite() || args.speed < 0.0 {
        return Err(Failure::Usage("--speed must be 0 or more".into()));
    }
    if args.summary.is_some_and(|every| every < Duration::from_secs(1)) {
        return Err(Failure::Usage("--summary must be at least 1s".into()));
    }
    let defaults = SandboxKeys::default();
    let options = SandboxOptions {
        port: args.port,
        seed: args.seed,
        speed: args.speed,
        conversations: args.conversations,
        latency: args.latency,
        latency_jitter: args.latency_jitter,
        fail_rate: args.fail_rate,
        rate_limit: args.rate_limit,
        keys: SandboxKeys {
            raia: args.raia_key.unwrap_or(defaults.raia),
            chatvolt: args.chatvolt_key.unwrap_or(defaults.chatvolt),
            chatdash: args.chatdash_key.unwrap_or(defaults.chatdash),
        },
    };
    let handle = crate::sandbox::start(options)
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the sandbox on port {}: {e}", args.port)))?;
    print(&format!(
        "{}\nPress Ctrl+C to stop.\n",
        crate::sandbox::describe(&handle)
    ));
    match args.summary {
        Some(every) => {
            tokio::select! {
                _ = wait_for_stop() => {}
                _ = print_summaries(&handle, every) => {}
            }
        }
        None => wait_for_stop().await,
    }
    handle.shutdown().await;
    Ok(())
}

/// Every `every`, the requests received since the last time, one line per platform.
async fn print_summaries(handle: &crate::sandbox::SandboxHandle, every: Duration) {
    let mut since = handle.summary_lines(0).0;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (last, lines) = handle.summary_lines(since);
        since = last;
        let time = chrono::Local::now().format("%H:%M:%S");
        let label = humantime::format_duration(every);
        let text: String = lines.iter().map(|l| format!("{time} last {label}  {l}\n")).collect();
        print(&text);
    }
}

/// Ctrl+C, or SIGTERM from a supervisor or test harness.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
