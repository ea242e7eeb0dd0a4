//! What can go wrong talking to a platform, in words an operator understands.

use std::time::Duration;

/// The longest a server's `Retry-After` is honoured: a broken or hostile one (`999999`, a date
/// next year) must not park an account for hours. What it asked is kept to be shown.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(5 * 60);

/// One error type for every platform operation. `Display` is the sentence the status bar and
/// the command line show; it never contains a key (keys are not in scope where errors are made).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// `status` 0: the key could not even be put in a header, so no request was made.
    #[error("{}", bad_key(platform, *.status))]
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
    /// The platform answered 2xx to a write, but what it did cannot be confirmed: its answer
    /// did not say (a send answered without the message), or a later step or the read-back
    /// failed. It may well have happened, so it is settled by reading the platform again.
    #[error("the platform took it, but {0}")]
    Unconfirmed(String),
    #[error("response too large (over {limit_mib} MiB)")]
    TooLarge { limit_mib: usize },
    #[error("{0}")]
    Unavailable(String),
    /// A 3xx: not followed, since the key (and a reply) would go wherever it points.
    #[error(
        "the server redirected to {to} (HTTP {status}) — not followed: handoff sends the key only to the configured base_url; check base_url"
    )]
    Redirected { status: u16, to: String },
}

impl PlatformError {
    /// How long to wait because the server said so: what it asked, at most [`MAX_SERVER_WAIT`].
    pub fn retry_after(&self) -> Option<Duration> {
        self.asked_wait().map(|asked| asked.min(MAX_SERVER_WAIT))
    }

    /// How long the server asked us to wait, as it said.
    pub fn asked_wait(&self) -> Option<Duration> {
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
            PlatformError::Unconfirmed(_) => "unconfirmed",
            PlatformError::TooLarge { .. } => "too_large",
            PlatformError::Unavailable(_) => "unavailable",
            PlatformError::Redirected { .. } => "redirected",
        }
    }
}

fn bad_key(platform: &str, status: u16) -> String {
    if status == 0 {
        "the account's key contains characters an HTTP header cannot carry (a line break?) — no request was made".into()
    } else {
        format!("key rejected by {platform} (HTTP {status}): check the account's key")
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(asked) if asked > MAX_SERVER_WAIT => format!(
            ", the server asked for {}; waiting {}",
            short(asked),
            short(MAX_SERVER_WAIT)
        ),
        Some(d) => format!(", retry in {}s", d.as_secs().max(1)),
        None => String::new(),
    }
}

/// A duration in its largest whole unit: `11d`, `5m`, `40s`.
fn short(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        86_400.. => format!("{}d", secs / 86_400),
        3_600.. => format!("{}h", secs / 3_600),
        60.. => format!("{}m", secs / 60),
        _ => format!("{secs}s"),
    }
}

fn detail_hint(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl PlatformError {
    /// For what went wrong after a write the platform answered 2xx: not a refusal of the write.
    pub fn after_write(self, step: &str) -> PlatformError {
        match self {
            e @ PlatformError::Unconfirmed(_) => e,
            e => PlatformError::Unconfirmed(format!("{step} failed: {e}")),
        }
    }
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_wait_is_capped_and_says_what_was_asked() {
        let limited = PlatformError::RateLimited {
            retry_after: Some(Duration::from_secs(999_999)),
        };
        assert_eq!(limited.retry_after(), Some(MAX_SERVER_WAIT));
        assert_eq!(limited.asked_wait(), Some(Duration::from_secs(999_999)));
        assert_eq!(
            limited.to_string(),
            "rate limited by the server, the server asked for 11d; waiting 5m"
        );
        let server = PlatformError::Server {
            status: 503,
            detail: String::new(),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(server.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(server.to_string(), "server error (HTTP 503), retry in 7s");
    }

    #[test]
    fn a_key_no_header_can_carry_is_not_called_rejected() {
        let e = PlatformError::BadKey {
            platform: "raia",
            status: 0,
        };
        assert!(e.to_string().contains("no request was made"), "{e}");
        assert!(!e.to_string().contains("HTTP 0"), "{e}");
        assert_eq!(e.class(), "bad_key");
    }
}
