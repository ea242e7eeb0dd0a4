//! What can go wrong talking to a platform, in words an operator understands.

use std::time::Duration;

/// One error type for every platform operation. `Display` is the sentence the status bar and
/// the command line show; it never contains a key (keys are not in scope where errors are made).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error("key rejected by {platform} (HTTP {status}): check the account's key")]
    BadKey { platform: &'static str, status: u16 },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("not allowed now: {reason}")]
    NotAllowed { reason: String },
    #[error("rate limited by the server{}", retry_hint(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("server error (HTTP {status}){}{}", detail_hint(detail), retry_hint(*.retry_after))]
    Server {
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },
    #[error("no answer within {}s (timed out)", .0.as_secs())]
    Timeout(Duration),
    #[error("network down or server unreachable: {0}")]
    Network(String),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("response too large (over {limit_mib} MiB)")]
    TooLarge { limit_mib: usize },
    #[error("{0}")]
    Unavailable(String),
}

impl PlatformError {
    /// How long the server asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PlatformError::RateLimited { retry_after } | PlatformError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Worth trying again later on its own (a poll), as opposed to needing a person to act.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PlatformError::RateLimited { .. }
                | PlatformError::Server { .. }
                | PlatformError::Timeout(_)
                | PlatformError::Network(_)
        )
    }

    /// A short stable name for the class, used in JSON output and tests.
    pub fn class(&self) -> &'static str {
        match self {
            PlatformError::BadKey { .. } => "bad_key",
            PlatformError::NotFound { .. } => "not_found",
            PlatformError::NotAllowed { .. } => "not_allowed",
            PlatformError::RateLimited { .. } => "rate_limited",
            PlatformError::Server { .. } => "server_error",
            PlatformError::Timeout(_) => "timeout",
            PlatformError::Network(_) => "network",
            PlatformError::Malformed(_) => "malformed",
            PlatformError::TooLarge { .. } => "too_large",
            PlatformError::Unavailable(_) => "unavailable",
        }
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry in {}s", d.as_secs().max(1)),
        None => String::new(),
    }
}

fn detail_hint(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;
