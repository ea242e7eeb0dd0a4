//! How long to wait after a failure: exponential from 1 s to 60 s with ±20 % jitter, never
//! less than what the server asked for (platforms.md §7.10).

use rand::Rng;
use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const CAP: Duration = Duration::from_secs(60);
/// Spread of the jitter either side: several operators polling the same account after the
/// same outage must not come back in lockstep.
const JITTER: f64 = 0.2;
/// The longest wait honoured from a server, so a broken `Retry-After` cannot park an account
/// for days: the one cap the errors also use.
const MAX_ASKED: Duration = crate::platform::MAX_SERVER_WAIT;

/// The wait before the next try after `failures` consecutive failures (1 = the first one).
/// `retry_after` is the server's `Retry-After`, which wins when it is longer.
pub fn delay(failures: u32, retry_after: Option<Duration>) -> Duration {
    let factor = rand::rng().random_range((1.0 - JITTER)..=(1.0 + JITTER));
    let jittered = base(failures).mul_f64(factor);
    asked(retry_after).map_or(jittered, |asked| jittered.max(asked))
}

/// What the server asked for, within reason.
pub fn asked(retry_after: Option<Duration>) -> Option<Duration> {
    retry_after.map(|d| d.min(MAX_ASKED))
}

/// 1 s, 2 s, 4 s … capped at 60 s, before jitter.
fn base(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST.saturating_mul(1 << doublings).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_up_to_a_minute() {
        let secs: Vec<u64> = [1, 2, 3, 4, 6, 7, 8, 100, u32::MAX]
            .into_iter()
            .map(|n| base(n).as_secs())
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 32, 60, 60, 60, 60]);
        assert_eq!(base(0), FIRST, "a zero count is treated as the first failure");
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        for failures in [1, 3, 10] {
            let b = base(failures).as_secs_f64();
            for _ in 0..200 {
                let d = delay(failures, None).as_secs_f64();
                assert!(d >= b * 0.8 - 1e-9 && d <= b * 1.2 + 1e-9, "{d} for base {b}");
            }
        }
    }

    #[test]
    fn retry_after_wins_when_longer() {
        assert_eq!(delay(1, Some(Duration::from_secs(30))), Duration::from_secs(30));
        assert!(delay(8, Some(Duration::from_secs(2))) >= Duration::from_secs(48));
        assert_eq!(
            delay(1, Some(Duration::MAX)),
            MAX_ASKED,
            "an absurd Retry-After is capped"
        );
    }
}
