//! The request log summarised by endpoint, for `GET /_sandbox/received/summary` and
//! `handoff sandbox --summary`: how many requests each platform received, per endpoint template
//! (method, path with ids replaced, the filters used) and per key when several were used.
//!
//! Every API request leaves a small `Tally` (a few bytes, kept far longer than the full log's
//! entries), so a test or a person can count a window of thousands of requests by sequence
//! number.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    hash::{BuildHasher, RandomState},
};

use axum::http::{HeaderMap, header, request::Parts};
use serde_json::{Value, json};

use super::{query_map, world::Platform};

/// About 24 bytes each: a million is a long measurement at hundreds of requests a minute.
const MAX_TALLIES: usize = 1_000_000;

#[derive(Debug, Clone, Copy)]
struct Tally {
    seq: u64,
    platform: Platform,
    /// Index into `Tallies::endpoints`.
    endpoint: u32,
    /// Which key it presented: 0 none, then 1, 2, … per platform in order of first use.
    key: u16,
    status: Option<u16>,
}

#[derive(Debug, Default)]
pub(super) struct Tallies {
    tallies: VecDeque<Tally>,
    /// The newest sequence number the cap pushed out (0: none).
    dropped_through: u64,
    endpoints: Vec<String>,
    endpoint_ids: HashMap<String, u32>,
    /// Keys are known by a hash only: the summary numbers them and never holds one.
    keys: HashMap<(Platform, u64), u16>,
    hasher: RandomState,
}

impl Tallies {
    pub(super) fn record(&mut self, seq: u64, platform: Platform, parts: &Parts) {
        let name = endpoint(platform, parts.method.as_str(), parts.uri.path(), parts.uri.query());
        let endpoint = match self.endpoint_ids.get(&name) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.endpoints.len()).unwrap_or(u32::MAX);
                self.endpoints.push(name.clone());
                self.endpoint_ids.insert(name, id);
                id
            }
        };
        let key = self.key_number(platform, &parts.headers);
        if self.tallies.len() >= MAX_TALLIES
            && let Some(oldest) = self.tallies.pop_front()
        {
            self.dropped_through = oldest.seq;
        }
        self.tallies.push_back(Tally {
            seq,
            platform,
            endpoint,
            key,
            status: None,
        });
    }

    pub(super) fn set_status(&mut self, seq: u64, status: u16) {
        if let Ok(i) = self.tallies.binary_search_by_key(&seq, |t| t.seq) {
            self.tallies[i].status = Some(status);
        }
    }

    pub(super) fn clear(&mut self) {
        self.tallies.clear();
    }

    fn key_number(&mut self, platform: Platform, headers: &HeaderMap) -> u16 {
        let Some(key) = presented_key(platform, headers) else {
            return 0;
        };
        let hash = self.hasher.hash_one(key);
        let next = u16::try_from(self.keys.keys().filter(|(p, _)| *p == platform).count() + 1).unwrap_or(u16::MAX);
        *self.keys.entry((platform, hash)).or_insert(next)
    }

    /// The requests after `since`, per platform and endpoint.
    pub(super) fn summary(&self, since: u64, last_seq: u64) -> Summary {
        let start = self.tallies.partition_point(|t| t.seq <= since);
        let complete = since >= self.dropped_through;
        let mut platforms: BTreeMap<&'static str, PlatformSummary> = Platform::ALL
            .into_iter()
            .map(|p| (p.name(), PlatformSummary::default()))
            .collect();
        for t in self.tallies.range(start..) {
            let Some(p) = platforms.get_mut(t.platform.name()) else {
                continue;
            };
            p.total += 1;
            let name = self.endpoints.get(t.endpoint as usize).cloned().unwrap_or_default();
            let e = p.endpoints.entry(name).or_default();
            e.count += 1;
            *e.keys.entry(t.key).or_default() += 1;
            let status = t.status.map_or_else(|| "in flight".to_owned(), |s| s.to_string());
            *e.statuses.entry(status).or_default() += 1;
            p.keys.insert(t.key);
        }
        Summary {
            since,
            last_seq,
            complete,
            platforms,
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct PlatformSummary {
    pub(super) total: u64,
    /// By endpoint template.
    endpoints: BTreeMap<String, EndpointSummary>,
    keys: std::collections::BTreeSet<u16>,
}

#[derive(Debug, Default)]
struct EndpointSummary {
    count: u64,
    keys: BTreeMap<u16, u64>,
    statuses: BTreeMap<String, u64>,
}

#[derive(Debug)]
pub(super) struct Summary {
    since: u64,
    last_seq: u64,
    /// False when the tally's cap already pushed out requests of the window.
    complete: bool,
    platforms: BTreeMap<&'static str, PlatformSummary>,
}

fn key_label(key: u16) -> String {
    if key == 0 {
        "no key".to_owned()
    } else {
        format!("key {key}")
    }
}

impl Summary {
    pub(super) fn last_seq(&self) -> u64 {
        self.last_seq
    }

    pub(super) fn to_json(&self) -> Value {
        let platforms: serde_json::Map<String, Value> = self
            .platforms
            .iter()
            .map(|(name, p)| {
                let several_keys = p.keys.len() > 1;
                let endpoints: serde_json::Map<String, Value> = p
                    .endpoints
                    .iter()
                    .map(|(endpoint, e)| {
                        let mut v = json!({"count": e.count, "statuses": e.statuses});
                        if several_keys {
                            let keys: BTreeMap<String, u64> = e.keys.iter().map(|(k, n)| (key_label(*k), *n)).collect();
                            v["keys"] = json!(keys);
                        }
                        (endpoint.clone(), v)
                    })
                    .collect();
                ((*name).to_owned(), json!({"total": p.total, "endpoints": endpoints}))
            })
            .collect();
        json!({
            "since": self.since,
            "last_seq": self.last_seq,
            "complete": self.complete,
            "total": self.platforms.values().map(|p| p.total).sum::<u64>(),
            "platforms": platforms,
        })
    }

    /// One line per platform: its requests, then each endpoint's, the busiest first.
    pub(super) fn lines(&self) -> Vec<String> {
        self.platforms
            .iter()
            .map(|(name, p)| {
                let mut endpoints: Vec<(&String, &EndpointSummary)> = p.endpoints.iter().collect();
                endpoints.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
                let parts: Vec<String> = endpoints.iter().map(|(e, s)| format!("{} {e}", s.count)).collect();
                let noun = if p.total == 1 { "request" } else { "requests" };
                let mut line = format!("{name:<9} {:>5} {noun}", p.total);
                if !parts.is_empty() {
                    line.push_str(": ");
                    line.push_str(&parts.join(", "));
                }
                line
            })
            .collect()
    }
}

/// The key a request presented, as the platform carries it (ChatDash's raw key and the same
/// with `Bearer` are one key).
fn presented_key(platform: Platform, headers: &HeaderMap) -> Option<&str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let key = match platform {
        Platform::Raia => text("agent-secret-key"),
        Platform::Chatvolt | Platform::Chatdash => text(header::AUTHORIZATION.as_str()).map(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map_or(v, |(_, token)| token)
        }),
    };
    key.map(str::trim).filter(|k| !k.is_empty())
}

/// Each platform's routes, ids as `{…}` (kept in step with the handlers' `routes()`; a path
/// that matches none is summarised with every segment that is not a plain word as `{id}`).
fn templates(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Raia => &[
            "/external/conversations",
            "/external/conversations/states",
            "/external/conversations/{id}",
            "/external/conversations/{id}/mode",
            "/external/conversations/{id}/send-manual-message",
            "/external/conversations/{id}/messages",
            "/external/agents/by-api-key",
        ],
        Platform::Chatvolt => &[
            "/conversation",
            "/conversation/{id}",
            "/conversation/{id}/messages/{count}",
            "/conversations/{id}/set-ai-enabled",
            "/conversations/{id}/set-status",
            "/conversations/{id}/assign",
            "/conversations/{id}/set-priority",
            "/conversations/{id}/notes",
            "/conversation/message/conversationId/{id}",
            "/conversation/message/phone/{phone}",
            "/conversation/message/email/{email}",
            "/agents/{id}",
        ],
        Platform::Chatdash => &[
            "/agents",
            "/agents/{agent}/conversations",
            "/agents/{agent}/conversations/{id}",
            "/agents/{agent}/conversations/{id}/messages",
        ],
    }
}

/// `GET /conversation?limit&status=HUMAN_REQUESTED`: the method, the path below the platform's
/// prefix with ids replaced, and the query's names in order, with the values that are words
/// (a status, a flag, an order) and without the others (ids, dates, cursors, numbers).
pub(super) fn endpoint(platform: Platform, method: &str, path: &str, query: Option<&str>) -> String {
    let rest = path.strip_prefix(platform.prefix()).unwrap_or(path);
    let mut out = format!("{method} {}", template(platform, rest));
    let params: BTreeMap<String, String> = query_map(query).into_iter().collect();
    let filters: Vec<String> = params
        .into_iter()
        .map(|(name, value)| {
            let word =
                !value.is_empty() && value.len() <= 40 && value.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
            if word { format!("{name}={value}") } else { name }
        })
        .collect();
    if !filters.is_empty() {
        out.push('?');
        out.push_str(&filters.join("&"));
    }
    out
}

fn template(platform: Platform, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let fits = |t: &&&str| {
        let ts: Vec<&str> = t.split('/').collect();
        ts.len() == segments.len()
            && ts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    };
    let literals = |t: &&&str| t.split('/').filter(|s| !s.starts_with('{')).count();
    match templates(platform).iter().filter(fits).max_by_key(literals) {
        Some(t) => (**t).to_owned(),
        None => segments
            .iter()
            .map(|s| {
                let word = s.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_');
                if word { *s } else { "{id}" }
            })
            .collect::<Vec<_>>()
            .join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_the_route_and_the_filters() {
        let e = |p, m, path, q| endpoint(p, m, path, q);
        assert_eq!(
            e(
                Platform::Chatvolt,
                "GET",
                "/chatvolt/conversation",
                Some("status=HUMAN_REQUESTED&limit=100")
            ),
            "GET /conversation?limit&status=HUMAN_REQUESTED"
        );
        assert_eq!(
            e(
                Platform::Chatvolt,
                "GET",
                "/chatvolt/conversation",
                Some("cursor=%7B%22lastId%22%3A%22c1%22%7D&assigneeId=cabc123")
            ),
            "GET /conversation?assigneeId&cursor"
        );
        assert_eq!(
            e(
                Platform::Chatvolt,
                "GET",
                "/chatvolt/conversation/cx1/messages/100",
                None
            ),
            "GET /conversation/{id}/messages/{count}"
        );
        assert_eq!(
            e(
                Platform::Chatvolt,
                "POST",
                "/chatvolt/conversation/message/conversationId/cx1",
                None
            ),
            "POST /conversation/message/conversationId/{id}"
        );
        assert_eq!(
            e(Platform::Raia, "GET", "/raia/external/conversations/states", None),
            "GET /external/conversations/states"
        );
        assert_eq!(
            e(
                Platform::Raia,
                "GET",
                "/raia/external/conversations",
                Some("orderBy=updatedAt&orderDirection=DESC&startDate=2026-03-01T12:00:00.000Z&pageSize=100")
            ),
            "GET /external/conversations?orderBy=updatedAt&orderDirection=DESC&pageSize&startDate"
        );
        assert_eq!(
            e(
                Platform::Chatdash,
                "PUT",
                "/chatdash/v1/public/agents/65ab/conversations/65cd",
                None
            ),
            "PUT /agents/{agent}/conversations/{id}"
        );
        // A path no route has: words stay, the rest is an id.
        assert_eq!(
            e(Platform::Raia, "GET", "/raia/external/nothing/4f2a", None),
            "GET /external/nothing/{id}"
        );
    }
}
