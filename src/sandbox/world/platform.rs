//! The three platforms the sandbox serves, its clock and timestamp format, and each vendor's
//! id format. Used by every other part of the world and by the HTTP handlers.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use rand::{Rng, rngs::StdRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(in crate::sandbox) enum Platform {
    Raia,
    Chatvolt,
    Chatdash,
}

impl Platform {
    pub(in crate::sandbox) const ALL: [Platform; 3] = [Platform::Raia, Platform::Chatvolt, Platform::Chatdash];

    pub(in crate::sandbox) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    pub(in crate::sandbox) fn name(self) -> &'static str {
        match self {
            Platform::Raia => "raia",
            Platform::Chatvolt => "chatvolt",
            Platform::Chatdash => "chatdash",
        }
    }

    pub(in crate::sandbox) fn prefix(self) -> &'static str {
        match self {
            Platform::Raia => "/raia",
            Platform::Chatvolt => "/chatvolt",
            Platform::Chatdash => "/chatdash/v1/public",
        }
    }

    /// Which platform an incoming request path belongs to (`None` for the control API).
    pub(in crate::sandbox) fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| {
            let prefix = p.prefix();
            path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// Now, truncated to milliseconds: every timestamp is served with millisecond precision, so
/// storing more would make keyset cursors (which echo a served timestamp) skip or repeat items.
pub(in crate::sandbox) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// ISO 8601 UTC with milliseconds and `Z`, the way all three vendors write timestamps.
pub(in crate::sandbox) fn fmt_ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses a timestamp from a query string: RFC 3339, a naive date-time (taken as UTC) or a date.
pub(in crate::sandbox) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Chatvolt documents 'YYYY-MM-DD HH:mm:ss' and 'YYYY-MM-DD HH:mm' too.
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn hex(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

pub(super) fn base36(rng: &mut StdRng, len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| char::from(DIGITS[rng.random_range(0..DIGITS.len())]))
        .collect()
}

/// A version-4 UUID (raia ids).
pub(in crate::sandbox) fn uuid(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    // Written digit by digit: a world of 100,000 draws half a million of these at start.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    out
}

/// A cuid-like id (Chatvolt): `c` + 24 base-36 characters.
pub(in crate::sandbox) fn cuid(rng: &mut StdRng) -> String {
    format!("c{}", base36(rng, 24))
}

/// A MongoDB ObjectId-like id (ChatDash): 24 hex digits.
pub(in crate::sandbox) fn object_id(rng: &mut StdRng) -> String {
    hex(rng, 24)
}
