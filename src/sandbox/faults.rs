//! The knobs that make the sandbox misbehave on purpose: latency (with jitter), a random
//! failure rate, a per-key rate limit, and one-shot faults armed through `/_sandbox/faults`.
//!
//! An armed fault catches one request, or the next `times` matching requests (`"times": N`
//! beside `method` and `path`), so a server can misbehave the same way again and again (a
//! list that ignores its cursor, a `hasNextPage` that is always true).
//!
//! A random failure is one of the ways a real network fails, in equal shares: a 500 or 502
//! (not applied), a 503 with `Retry-After: 1` (not applied), a connection dropped before the
//! request is applied, and one dropped *after* it was applied — the ambiguous case, where the
//! client cannot tell whether its write happened.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant},
};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

/// Runtime settings (start options, changed by `POST /_sandbox/settings`).
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub latency: Duration,
    /// Up to this much more latency per request, uniformly drawn (0 = none).
    pub latency_jitter: Duration,
    pub fail_rate: f64,
    pub rate_limit: Option<u32>,
    pub speed: f64,
}

impl Settings {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "latency_ms": millis(self.latency),
            "latency_jitter_ms": millis(self.latency_jitter),
            "fail_rate": self.fail_rate,
            "rate_limit": self.rate_limit,
            "speed": self.speed,
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn clamp_rate(rate: f64) -> f64 {
    if rate.is_finite() { rate.clamp(0.0, 1.0) } else { 0.0 }
}

pub(super) fn clamp_speed(speed: f64) -> f64 {
    if speed.is_finite() { speed.max(0.0) } else { 0.0 }
}

/// What an armed fault does to the request it catches.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Action {
    /// Answer this status (the request is not applied), with the platform's error body, or
    /// `body` as JSON, or exactly `raw` (any bytes, valid UTF-8 or not), plus any `headers`
    /// (e.g. a redirect's `Location`).
    Status {
        status: StatusCode,
        retry_after: Option<u64>,
        body: Option<Value>,
        raw: Option<Vec<u8>>,
        headers: Vec<(HeaderName, HeaderValue)>,
    },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Apply the request, then wait before answering (a server that stores first and is slow
    /// to say so: a reader can see the write before the writer hears back).
    DelayAfter(Duration),
    /// Apply the request, then answer 200 with a body that is not JSON.
    Malformed,
    /// Apply the request, then answer 200 with this JSON instead of the handler's (an answer
    /// shaped otherwise than the adapter expects, to a write that did happen).
    AppliedBody(Value),
    /// Close the connection without applying the request.
    DropBefore,
    /// Apply the request, then close the connection without a response.
    DropAfter,
    /// Apply the request, then answer its JSON followed by spaces up to `to` bytes (still valid
    /// JSON), streamed as it is sent (never held whole): with a `Content-Length`, or chunked.
    Pad { to: u64, chunked: bool },
}

#[derive(Debug, Clone)]
pub(super) struct ArmedFault {
    pub method: String,
    pub path: String,
    pub action: Action,
    /// How many more requests it catches (1 = one-shot).
    pub times: u32,
}

impl ArmedFault {
    /// `{method, path, action, times?}` from the control API.
    pub(super) fn parse(body: &Value) -> Result<ArmedFault, String> {
        let text = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("{key} must be a non-empty string"))
        };
        let method = text("method")?.to_ascii_uppercase();
        let path = text("path")?;
        let action = body
            .get("action")
            .ok_or("action is required")
            .and_then(|a| parse_action(a).map_err(|_| "invalid action"))
            .map_err(|e| {
                format!(
                    "{e}: expected {{\"status\":N,\"retry_after\"?:S,\"body\"?:any,\"raw\"?:[bytes],\"headers\"?:{{name:value}}}}, \
                     {{\"delay_ms\":N}}, {{\"delay_after_ms\":N}}, {{\"malformed\":true}}, {{\"applied_body\":any}}, \
                     {{\"drop\":\"before\"|\"after\"}} or {{\"pad_to\":N,\"chunked\"?:bool}}"
                )
            })?;
        let times = match body.get("times") {
            None | Some(Value::Null) => 1,
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or("times must be a positive integer")?,
        };
        Ok(ArmedFault {
            method,
            path,
            action,
            times,
        })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && path.ends_with(&self.path)
    }

    pub(super) fn to_json(&self) -> Value {
        let action = match &self.action {
            Action::Status {
                status,
                retry_after,
                body,
                raw,
                headers,
            } => {
                let headers: serde_json::Map<String, Value> = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(String::from_utf8_lossy(v.as_bytes()))))
                    .collect();
                json!({"status": status.as_u16(), "retry_after": retry_after, "body": body, "raw": raw, "headers": headers})
            }
            Action::Delay(d) => json!({"delay_ms": millis(*d)}),
            Action::DelayAfter(d) => json!({"delay_after_ms": millis(*d)}),
            Action::Malformed => json!({"malformed": true}),
            Action::AppliedBody(body) => json!({"applied_body": body}),
            Action::DropBefore => json!({"drop": "before"}),
            Action::DropAfter => json!({"drop": "after"}),
            Action::Pad { to, chunked } => json!({"pad_to": to, "chunked": chunked}),
        };
        json!({"method": self.method, "path": self.path, "action": action, "times": self.times})
    }
}

fn parse_action(a: &Value) -> Result<Action, ()> {
    if let Some(status) = a.get("status") {
        let status = status
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (200..=599).contains(n))
            .and_then(|n| StatusCode::from_u16(n).ok())
            .ok_or(())?;
        let retry_after = match a.get("retry_after") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or(())?),
        };
        let body = a.get("body").cloned();
        let raw = match a.get("raw") {
            None | Some(Value::Null) => None,
            Some(Value::Array(bytes)) => Some(
                bytes
                    .iter()
                    .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()).ok_or(()))
                    .collect::<Result<Vec<u8>, ()>>()?,
            ),
            Some(_) => return Err(()),
        };
        if body.is_some() && raw.is_some() {
            return Err(());
        }
        return Ok(Action::Status {
            status,
            retry_after,
            body,
            raw,
            headers: parse_headers(a.get("headers"))?,
        });
    }
    if let Some(to) = a.get("pad_to") {
        let to = to.as_u64().ok_or(())?;
        let chunked = match a.get("chunked") {
            None | Some(Value::Null) => false,
            Some(v) => v.as_bool().ok_or(())?,
        };
        return Ok(Action::Pad { to, chunked });
    }
    if let Some(ms) = a.get("delay_ms") {
        return ms.as_u64().map(|ms| Action::Delay(Duration::from_millis(ms))).ok_or(());
    }
    if let Some(ms) = a.get("delay_after_ms") {
        return ms
            .as_u64()
            .map(|ms| Action::DelayAfter(Duration::from_millis(ms)))
            .ok_or(());
    }
    if a.get("malformed") == Some(&Value::Bool(true)) {
        return Ok(Action::Malformed);
    }
    if let Some(body) = a.get("applied_body") {
        return Ok(Action::AppliedBody(body.clone()));
    }
    match a.get("drop").and_then(Value::as_str) {
        Some("before") => Ok(Action::DropBefore),
        Some("after") => Ok(Action::DropAfter),
        _ => Err(()),
    }
}

/// `{"Name": "value", …}`: each must be a valid header name and value.
fn parse_headers(headers: Option<&Value>) -> Result<Vec<(HeaderName, HeaderValue)>, ()> {
    match headers {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(drop)?;
                let value = HeaderValue::from_str(value.as_str().ok_or(())?).map_err(drop)?;
                Ok((name, value))
            })
            .collect(),
        Some(_) => Err(()),
    }
}

/// A fixed one-minute window per key.
#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(super) struct Faults {
    armed: VecDeque<ArmedFault>,
    windows: HashMap<String, Window>,
    /// Which requests fail, and how.
    rng: StdRng,
    /// How much jitter each request gets: its own stream, so switching jitter on or off does
    /// not change which requests fail.
    jitter_rng: StdRng,
}

/// What a random failure does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Failure {
    /// Answer 500 or 502 without applying the request.
    Status(StatusCode),
    /// Answer 503 with `Retry-After: 1` without applying the request.
    Unavailable,
    /// Close the connection without applying the request.
    DropBefore,
    /// Apply the request, then close the connection without a response.
    DropAfter,
}

impl Faults {
    pub(super) fn new(seed: u64) -> Self {
        Faults {
            armed: VecDeque::new(),
            windows: HashMap::new(),
            // Its own stream, so failures do not shift the world's randomness.
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_fa11),
            jitter_rng: StdRng::seed_from_u64(seed ^ 0x0007_1773),
        }
    }

    pub(super) fn arm(&mut self, fault: ArmedFault) -> usize {
        self.armed.push_back(fault);
        self.armed.len()
    }

    pub(super) fn armed(&self) -> Vec<Value> {
        self.armed.iter().map(ArmedFault::to_json).collect()
    }

    pub(super) fn clear_armed(&mut self) {
        self.armed.clear();
    }

    /// Takes the first armed fault for this request, if any; it stays armed for the rest of
    /// its `times`.
    pub(super) fn take_armed(&mut self, method: &str, path: &str) -> Option<Action> {
        let index = self.armed.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.armed[index];
        fault.times -= 1;
        if fault.times == 0 {
            self.armed.remove(index).map(|f| f.action)
        } else {
            Some(fault.action.clone())
        }
    }

    /// Counts a request for `key`; `Err(retry_after_secs)` once the minute's budget is spent.
    pub(super) fn check_rate(&mut self, key: &str, limit: u32) -> Result<(), u64> {
        self.check_rate_at(key, limit, Instant::now())
    }

    fn check_rate_at(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), u64> {
        let window = self
            .windows
            .entry(key.to_owned())
            .or_insert(Window { started: now, count: 0 });
        let elapsed = now.saturating_duration_since(window.started);
        if elapsed >= WINDOW {
            *window = Window { started: now, count: 0 };
        }
        if window.count >= limit {
            let left = WINDOW.saturating_sub(now.saturating_duration_since(window.started));
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        window.count += 1;
        Ok(())
    }

    /// Forgets the rate windows (when the limit changes).
    pub(super) fn reset_rate_windows(&mut self) {
        self.windows.clear();
    }

    /// With probability `rate`, a random failure: each of the four kinds equally often.
    pub(super) fn roll_failure(&mut self, rate: f64) -> Option<Failure> {
        if rate <= 0.0 || !self.rng.random_bool(clamp_rate(rate)) {
            return None;
        }
        Some(match self.rng.random_range(0..4u8) {
            0 => Failure::Status(
                *[StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_GATEWAY]
                    .choose(&mut self.rng)
                    .unwrap_or(&StatusCode::INTERNAL_SERVER_ERROR),
            ),
            1 => Failure::Unavailable,
            2 => Failure::DropBefore,
            _ => Failure::DropAfter,
        })
    }

    /// The extra latency for one request: uniform in `0..=jitter`.
    pub(super) fn jitter(&mut self, jitter: Duration) -> Duration {
        if jitter.is_zero() {
            return Duration::ZERO;
        }
        Duration::from_millis(self.jitter_rng.random_range(0..=millis(jitter)))
    }
}

pub(super) fn failure_message(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Internal Server Error")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(method: &str, path: &str, action: Value) -> Result<ArmedFault, String> {
        ArmedFault::parse(&json!({"method": method, "path": path, "action": action}))
    }

    #[test]
    fn parses_every_action() {
        let f = fault("get", "/x", json!({"status": 503, "retry_after": 2}));
        assert!(matches!(
            f.map(|f| f.action),
            Ok(Action::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                retry_after: Some(2),
                body: None,
                raw: None,
                ..
            })
        ));
        let f = fault(
            "GET",
            "/x",
            json!({"status": 302, "headers": {"Location": "http://127.0.0.1:9/x"}}),
        );
        assert!(matches!(
            f.map(|f| f.action),
            Ok(Action::Status { headers, .. }) if headers.len() == 1 && headers[0].1 == "http://127.0.0.1:9/x"
        ));
        assert!(fault("GET", "/x", json!({"status": 302, "headers": {"Bad Name": "x"}})).is_err());
        assert!(fault("GET", "/x", json!({"status": 302, "headers": {"Location": 5}})).is_err());
        let f = fault("GET", "/x", json!({"status": 200, "raw": [123, 155, 125]}));
        assert!(matches!(
            f.map(|f| f.action),
            Ok(Action::Status { raw: Some(raw), .. }) if raw == [123, 155, 125]
        ));
        assert!(fault("GET", "/x", json!({"status": 200, "raw": [256]})).is_err());
        assert!(fault("GET", "/x", json!({"status": 200, "raw": [1], "body": {}})).is_err());
        let f = fault("GET", "/x", json!({"pad_to": 1024, "chunked": true}));
        assert_eq!(
            f.map(|f| f.action),
            Ok(Action::Pad {
                to: 1024,
                chunked: true
            })
        );
        let f = fault("GET", "/x", json!({"pad_to": 10}));
        assert_eq!(f.map(|f| f.action), Ok(Action::Pad { to: 10, chunked: false }));
        assert!(fault("GET", "/x", json!({"pad_to": -1})).is_err());
        let f = fault("GET", "/x", json!({"delay_ms": 10}));
        assert_eq!(f.map(|f| f.action), Ok(Action::Delay(Duration::from_millis(10))));
        let f = fault("GET", "/x", json!({"delay_after_ms": 10}));
        assert_eq!(f.map(|f| f.action), Ok(Action::DelayAfter(Duration::from_millis(10))));
        let f = fault("GET", "/x", json!({"malformed": true}));
        assert_eq!(f.map(|f| f.action), Ok(Action::Malformed));
        let f = fault("GET", "/x", json!({"drop": "before"}));
        assert_eq!(f.map(|f| f.action), Ok(Action::DropBefore));
        let f = fault("GET", "/x", json!({"drop": "after"}));
        assert_eq!(f.map(|f| f.action), Ok(Action::DropAfter));
        assert!(fault("GET", "/x", json!({"drop": "sideways"})).is_err());
        assert!(fault("GET", "/x", json!({"status": 99})).is_err());
        assert!(fault("", "/x", json!({"malformed": true})).is_err());
    }

    #[test]
    fn armed_faults_are_one_shot_and_match_by_suffix() {
        let mut faults = Faults::new(1);
        for path in ["/messages", "/raia/external/conversations"] {
            if let Ok(f) = fault("GET", path, json!({"malformed": true})) {
                faults.arm(f);
            }
        }
        assert_eq!(faults.take_armed("POST", "/raia/external/conversations"), None);
        assert_eq!(
            faults.take_armed("get", "/raia/external/conversations"),
            Some(Action::Malformed)
        );
        assert_eq!(faults.take_armed("GET", "/raia/external/conversations"), None);
        assert_eq!(
            faults.take_armed("GET", "/chatvolt/conversation/a/messages"),
            Some(Action::Malformed)
        );
        assert!(faults.armed().is_empty());
    }

    #[test]
    fn a_fault_with_times_catches_that_many_requests() {
        let mut faults = Faults::new(1);
        let f = ArmedFault::parse(&json!({"method": "GET", "path": "/c", "action": {"malformed": true}, "times": 3}));
        faults.arm(f.unwrap());
        let caught = (0..5).filter(|_| faults.take_armed("GET", "/c").is_some()).count();
        assert_eq!(caught, 3);
        assert!(faults.armed().is_empty());
        for bad in [json!(0), json!(-1), json!("2")] {
            let f =
                ArmedFault::parse(&json!({"method": "GET", "path": "/c", "action": {"malformed": true}, "times": bad}));
            assert!(f.is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_window() {
        let mut faults = Faults::new(1);
        let t0 = Instant::now();
        assert_eq!(faults.check_rate_at("k", 2, t0), Ok(()));
        assert_eq!(faults.check_rate_at("k", 2, t0), Ok(()));
        assert_eq!(faults.check_rate_at("k", 2, t0 + Duration::from_secs(10)), Err(50));
        assert_eq!(faults.check_rate_at("other", 2, t0), Ok(()));
        assert_eq!(faults.check_rate_at("k", 2, t0 + Duration::from_secs(61)), Ok(()));
    }

    #[test]
    fn failure_rate_extremes() {
        let mut faults = Faults::new(1);
        assert!((0..1000).all(|_| faults.roll_failure(0.0).is_none()));
        assert!((0..1000).all(|_| faults.roll_failure(1.0).is_some()));
    }

    #[test]
    fn every_kind_of_failure_occurs() {
        let mut faults = Faults::new(7);
        let mut seen = std::collections::HashMap::<Failure, usize>::new();
        for _ in 0..2000 {
            if let Some(f) = faults.roll_failure(1.0) {
                *seen.entry(f).or_default() += 1;
            }
        }
        let kinds = [
            Failure::Status(StatusCode::INTERNAL_SERVER_ERROR),
            Failure::Status(StatusCode::BAD_GATEWAY),
            Failure::Unavailable,
            Failure::DropBefore,
            Failure::DropAfter,
        ];
        for kind in kinds {
            assert!(seen.get(&kind).copied().unwrap_or(0) > 100, "{kind:?}: {seen:?}");
        }
        assert_eq!(seen.len(), kinds.len(), "{seen:?}");
    }

    #[test]
    fn failures_follow_the_seed_and_the_rate() {
        let roll = |seed| {
            let mut faults = Faults::new(seed);
            (0..200).map(|_| faults.roll_failure(0.3)).collect::<Vec<_>>()
        };
        assert_eq!(roll(3), roll(3), "same seed, same failures");
        assert_ne!(roll(3), roll(4));
        let failed = roll(3).iter().filter(|f| f.is_some()).count();
        assert!((30..=90).contains(&failed), "about 30 % of 200: {failed}");
    }

    #[test]
    fn jitter_stays_within_bounds_and_leaves_failures_alone() {
        let mut faults = Faults::new(5);
        assert_eq!(faults.jitter(Duration::ZERO), Duration::ZERO);
        let max = Duration::from_millis(50);
        let draws: Vec<Duration> = (0..500).map(|_| faults.jitter(max)).collect();
        assert!(draws.iter().all(|d| *d <= max));
        assert!(draws.iter().any(|d| *d < Duration::from_millis(10)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(40)));
        // Jitter draws from its own stream: the failures are the same with or without it.
        let mut plain = Faults::new(5);
        let mut jittered = Faults::new(5);
        for _ in 0..100 {
            let _ = jittered.jitter(max);
            assert_eq!(plain.roll_failure(0.5), jittered.roll_failure(0.5));
        }
    }
}
