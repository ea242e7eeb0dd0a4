//! The one HTTP client every adapter uses: timeouts, the auth header, a cap on response size,
//! and the mapping from HTTP answers to [`PlatformError`].

use super::budget::Budget;
use super::error::{PlatformError, Result};
use crate::domain::{ApiKey, sanitize_line};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// The most of one response held in memory; a bigger one is refused (`TooLarge`), not read.
/// The largest answers are whole threads on platforms that do not page them: raia wraps each
/// message in ~350 bytes of JSON (its text twice), so this is ~95,000 short messages there.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// How much of any server text (an error body, a field name) is kept for a message.
const MAX_DETAIL: usize = 200;

/// Builds the shared reqwest client (connection pool, TLS through rustls). It follows no
/// redirect: reqwest would carry a custom key header (raia's `Agent-Secret-Key`) to wherever
/// a 3xx points, and re-post a reply on a 307/308.
pub fn client(timeout: Duration) -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("handoff/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only if TLS cannot initialise, which no config can cause or fix.
        .expect("the HTTP client could not be built (TLS backend failed to initialise)")
}

/// Makes ring rustls' crypto for the process, before the first client: reqwest is built without
/// a provider of its own and would panic without one. Once is enough; a later call finds it set.
/// Public for clients built elsewhere (the tests' own).
pub fn install_tls_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Err only when one is already installed, which is what this is for.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// How an account authenticates.
pub struct Auth {
    pub header: HeaderName,
    /// Put before the key, e.g. `"Bearer "`; empty for a raw key.
    pub prefix: &'static str,
    pub key: ApiKey,
}

/// One account's view of the HTTP client: base URL, auth, and the platform's error dialect.
pub struct Http {
    client: reqwest::Client,
    base: String,
    auth: Auth,
    platform: &'static str,
    timeout: Duration,
    /// Every request waits its turn here, whoever makes it.
    budget: Arc<Budget>,
}

impl Http {
    pub fn new(
        client: reqwest::Client,
        base: &str,
        auth: Auth,
        platform: &'static str,
        timeout: Duration,
        budget: Arc<Budget>,
    ) -> Self {
        Http {
            client,
            base: base.trim_end_matches('/').to_string(),
            auth,
            platform,
            timeout,
            budget,
        }
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        let body = self.request(Method::GET, path, query, None).await?;
        decode(&body)
    }

    /// Sends a JSON body and decodes the JSON answer.
    pub async fn send<T: DeserializeOwned>(&self, method: Method, path: &str, body: &serde_json::Value) -> Result<T> {
        let bytes = self.request(method, path, &[], Some(body)).await?;
        decode(&bytes)
    }

    /// Sends a JSON body and ignores the answer's content (only its status matters).
    pub async fn send_unit(&self, method: Method, path: &str, body: &serde_json::Value) -> Result<()> {
        self.request(method, path, &[], Some(body)).await.map(drop)
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>> {
        let url = format!("{}{}", self.base, path);
        let mut key =
            HeaderValue::from_str(&format!("{}{}", self.auth.prefix, self.auth.key.expose())).map_err(|_| {
                PlatformError::BadKey {
                    platform: self.platform,
                    status: 0,
                }
            })?;
        key.set_sensitive(true);
        let mut req = self
            .client
            .request(method.clone(), &url)
            .header(self.auth.header.clone(), key);
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        self.budget.admit().await;
        let mut resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.budget.lower();
        }
        tracing::debug!(platform = self.platform, %method, path, status = status.as_u16(), "request");
        if status.is_redirection() {
            return Err(PlatformError::Redirected {
                status: status.as_u16(),
                to: redirect_target(&url, resp.headers()),
            });
        }
        // Memory is bounded here: a declared length over the cap is refused before a byte of
        // the body is read; a chunked body (no length) is read until it passes the cap, so at
        // most MAX_BODY plus one chunk is ever held, and the rest is never read.
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(PlatformError::TooLarge {
                limit_mib: MAX_BODY >> 20,
            });
        }
        let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(PlatformError::TooLarge {
                    limit_mib: MAX_BODY >> 20,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(map_status(self.platform, status, resp.headers(), &bytes))
        }
    }

    fn transport(&self, e: reqwest::Error) -> PlatformError {
        if e.is_timeout() {
            PlatformError::Timeout(self.timeout)
        } else if e.is_connect() {
            PlatformError::Network(format!("cannot connect to {}", host_of(&self.base)))
        } else if e.is_decode() || e.is_body() {
            PlatformError::Network(format!("the connection to {} broke mid-answer", host_of(&self.base)))
        } else {
            PlatformError::Network(format!("request to {} failed", host_of(&self.base)))
        }
    }
}

fn host_of(base: &str) -> String {
    url::Url::parse(base)
        .ok()
        .and_then(|u| authority(&u))
        .unwrap_or_else(|| "the server".into())
}

fn authority(url: &url::Url) -> Option<String> {
    url.host_str().map(|h| match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    })
}

/// Where a 3xx points, as host:port (a relative `Location` is on the same host), cleaned: it
/// is the server's text.
fn redirect_target(requested: &str, headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url::Url::parse(requested).ok()?.join(l).ok())
        .and_then(|u| authority(&u))
        .map(|a| server_text(&a))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "another address".into())
}

/// Any text a server chose (a field name, an error body, a header) as it may enter an error:
/// sanitised and bounded, so it can reach the screen, stderr and the log.
pub(crate) fn server_text(raw: &str) -> String {
    let clean = sanitize_line(raw);
    if clean.chars().count() <= MAX_DETAIL {
        return clean;
    }
    let mut cut: String = clean.chars().take(MAX_DETAIL - 1).collect();
    cut.push('…');
    cut
}

/// For `#[serde(deserialize_with)]` on an id the program prints and sends back: one carrying a
/// terminal control (escape sequences, C0/C1, bidi controls, line breaks) is refused, and the
/// error names the field. Cleaning it instead would name a different conversation.
pub fn id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<String, D::Error> {
    let id = <String as serde::Deserialize>::deserialize(deserializer)?;
    check_id(&id).map_err(serde::de::Error::custom)?;
    Ok(id)
}

/// [`id`] for an optional field.
pub fn optional_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Option<String>, D::Error> {
    let id = <Option<String> as serde::Deserialize>::deserialize(deserializer)?;
    if let Some(id) = &id {
        check_id(id).map_err(serde::de::Error::custom)?;
    }
    Ok(id)
}

fn check_id(id: &str) -> std::result::Result<(), &'static str> {
    // Spaces around it are the adapter's business (trimmed where it matters); controls are not,
    // even where trimming would hide them (a tab or a line break at either end).
    if sanitize_line(id) == id.trim() && !id.chars().any(char::is_control) {
        Ok(())
    } else {
        Err("an id with terminal control characters (refused)")
    }
}

/// Decodes a server's JSON, naming the offending field on failure (e.g. `data[3].createdAt`).
/// Lone surrogates and invalid UTF-8 become U+FFFD first ([`super::json::readable`]).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let bytes = super::json::readable(bytes);
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = path_text(e.path());
        let inner = server_text(&e.inner().to_string());
        if path == "." || path.is_empty() {
            PlatformError::Malformed(inner)
        } else {
            PlatformError::Malformed(format!("field `{path}`: {inner}"))
        }
    })
}

/// The path to a field, as serde_path_to_error writes it (`data[3].user.firstName`), but its
/// keys are the server's text: each is cleaned, and one that cleans to nothing shows as `?`.
pub(super) fn path_text(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        let name = match segment {
            Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } => sanitize_line(key),
            Segment::Enum { variant } => sanitize_line(variant),
            Segment::Unknown => String::new(),
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(if name.is_empty() { "?" } else { &name });
    }
    server_text(&out)
}

/// Maps a non-2xx answer to an error, reading the platform's message from the body where
/// there is one (`message`, `error`, `error.message`).
pub fn map_status(platform: &'static str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> PlatformError {
    let detail = error_detail(body);
    let retry_after = retry_after(headers, Utc::now());
    match status.as_u16() {
        401 | 403 => PlatformError::BadKey {
            platform,
            status: status.as_u16(),
        },
        404 => PlatformError::NotFound {
            what: if detail.is_empty() {
                "no such conversation".into()
            } else {
                detail
            },
        },
        429 => PlatformError::RateLimited { retry_after },
        400..=499 => PlatformError::NotAllowed {
            reason: if detail.is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                detail
            },
        },
        code => PlatformError::Server {
            status: code,
            detail,
            retry_after,
        },
    }
}

fn error_detail(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&super::json::readable(body)) else {
        return String::new();
    };
    let text = [
        v.get("message").and_then(|m| m.as_str()),
        v.get("error").and_then(|e| e.as_str()),
        v.pointer("/error/message").and_then(|m| m.as_str()),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_default();
    server_text(text)
}

/// `Retry-After` as seconds or an HTTP date, as the server asked (the errors cap what is
/// honoured at [`super::MAX_SERVER_WAIT`] and keep this to show).
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(raw).ok()?.with_timezone(&Utc);
    (at - now).to_std().ok()
}

/// Characters left as they are in a path segment: RFC 3986's unreserved set.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Encodes an id for use as one path segment, so an id cannot change the path. URL parsing
/// treats `.`, `..` and their percent-encoded forms as path steps, so those ids are escaped
/// twice: the server then sees a literal id that matches nothing.
pub fn segment(id: &str) -> String {
    if !id.is_empty() && id.chars().all(|c| c == '.') {
        return id.replace('.', "%252E");
    }
    percent_encoding::utf8_percent_encode(id, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry).unwrap());
        h
    }

    #[test]
    fn the_client_brings_its_tls_provider() {
        // reqwest carries no crypto of its own (`rustls-no-provider`): a client built without
        // a provider installed would panic, or in a test build use aws-lc-rs, not what ships.
        drop(client(Duration::from_secs(1)));
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider is installed");
        assert_eq!(format!("{:?}", provider.secure_random), "Ring");
    }

    #[test]
    fn maps_statuses_to_classes() {
        let none = HeaderMap::new();
        let e = |code: u16, body: &str| map_status("raia", StatusCode::from_u16(code).unwrap(), &none, body.as_bytes());
        assert_eq!(e(403, "{}").class(), "bad_key");
        assert_eq!(e(401, "{}").class(), "bad_key");
        assert_eq!(
            e(404, r#"{"message":"Conversation not found."}"#),
            PlatformError::NotFound {
                what: "Conversation not found.".into()
            }
        );
        assert_eq!(
            e(400, r#"{"status":400,"message":"Conversation must be in manual mode"}"#),
            PlatformError::NotAllowed {
                reason: "Conversation must be in manual mode".into()
            }
        );
        assert_eq!(e(400, "").class(), "not_allowed");
        assert_eq!(
            e(500, r#"{"error":"boom"}"#).to_string(),
            "server error (HTTP 500): boom"
        );
        assert_eq!(
            e(
                401,
                r#"{"success":false,"error":{"message":"Unauthorized","code":401}}"#
            )
            .class(),
            "bad_key"
        );
        let limited = map_status("x", StatusCode::TOO_MANY_REQUESTS, &headers("7"), b"");
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(limited.to_string(), "rate limited by the server, retry in 7s");
        let days = map_status("x", StatusCode::TOO_MANY_REQUESTS, &headers("999999"), b"");
        assert_eq!(days.retry_after(), Some(crate::platform::MAX_SERVER_WAIT));
        assert_eq!(
            days.to_string(),
            "rate limited by the server, the server asked for 11d; waiting 5m"
        );
    }

    #[test]
    fn error_bodies_are_sanitised() {
        let none = HeaderMap::new();
        let e = map_status(
            "x",
            StatusCode::BAD_GATEWAY,
            &none,
            b"{\"error\":\"\\u001b]0;pwn\\u0007bad\"}",
        );
        assert_eq!(e.to_string(), "server error (HTTP 502): bad");
    }

    #[test]
    fn retry_after_accepts_dates() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let h = headers("Thu, 01 Jan 2026 00:00:30 GMT");
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        let next_year = headers("Fri, 01 Jan 2027 00:00:00 GMT");
        assert_eq!(retry_after(&next_year, now), Some(Duration::from_secs(365 * 86_400)));
        assert_eq!(retry_after(&headers("soon"), now), None);
    }

    #[test]
    fn decode_names_the_field() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[allow(dead_code)]
            id: String,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Page {
            #[allow(dead_code)]
            data: Vec<Item>,
        }
        let err = decode::<Page>(br#"{"data":[{"id":"a"},{"id":5}]}"#).unwrap_err();
        assert!(err.to_string().contains("data[1].id"), "{err}");
        assert_eq!(decode::<Page>(b"{\"data\":[").unwrap_err().class(), "malformed");
    }

    #[test]
    fn ids_with_terminal_controls_are_refused_by_name() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[serde(deserialize_with = "id")]
            id: String,
            #[serde(default, deserialize_with = "optional_id")]
            other: Option<String>,
        }
        let ok = decode::<Vec<Item>>(br#"[{"id":"a-1_b.c","other":null},{"id":"6651f0c2"}]"#).unwrap();
        assert_eq!(ok[0].id, "a-1_b.c");
        assert_eq!(ok[1].other, None);
        for bad in [
            r#""\u001b]0;x\u0007a""#,
            r#""a\u009b2J""#,
            r#""\u202ea""#,
            r#""a\nb""#,
            r#""a\tb""#,
            r#""\t""#,
            r#"" a\t""#,
            r#""\na""#,
        ] {
            let err = decode::<Vec<Item>>(format!(r#"[{{"id":"ok"}},{{"id":{bad}}}]"#).as_bytes()).unwrap_err();
            assert!(err.to_string().contains("field `[1].id`"), "{bad}: {err}");
            assert!(!err.to_string().chars().any(|c| c.is_control()), "{err:?}");
        }
        let err = decode::<Vec<Item>>(br#"[{"id":"a","other":"\u001b[2J"}]"#).unwrap_err();
        assert!(err.to_string().contains("field `[0].other`"), "{err}");
    }

    #[test]
    fn field_names_in_errors_are_cleaned_and_bounded() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[serde(default)]
            #[allow(dead_code)]
            id: String,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Page {
            #[allow(dead_code)]
            data: Vec<Item>,
        }
        // A syntax error in an unknown field's value: the path names the field by its key.
        let body = r#"{"data":[{"note\u001b]0;PWNED\u0007\u001b]52;c;UFdORUQ=\u0007\u001b[6n":[1,]}]}"#;
        let err = decode::<Page>(body.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("field `data[0].note`"), "{err}");
        assert!(!err.chars().any(char::is_control) && !err.contains("PWNED"), "{err:?}");
        let long = format!(r#"{{"data":[{{"{}":[1,]}}]}}"#, "k".repeat(5_000));
        let err = decode::<Page>(long.as_bytes()).unwrap_err().to_string();
        assert!(err.chars().count() < 500, "{} chars", err.chars().count());
    }

    #[test]
    fn lone_surrogates_do_not_fail_the_answer() {
        #[derive(serde::Deserialize, Debug)]
        struct User {
            name: String,
        }
        let user: User = decode(br#"{"name":"Smith \ud83d"}"#).unwrap();
        assert_eq!(user.name, "Smith \u{fffd}");
        let none = HeaderMap::new();
        let e = map_status("x", StatusCode::BAD_REQUEST, &none, br#"{"message":"no \udead way"}"#);
        assert_eq!(e.to_string(), "not allowed now: no \u{fffd} way");
    }

    #[test]
    fn a_redirect_names_where_it_pointed_cleanly() {
        let at = |location: &str| {
            let mut h = HeaderMap::new();
            h.insert(LOCATION, HeaderValue::from_str(location).unwrap());
            redirect_target("http://api.example:8080/v1/x", &h)
        };
        assert_eq!(at("https://evil.example:8443/steal"), "evil.example:8443");
        assert_eq!(at("http://evil.example/steal"), "evil.example");
        assert_eq!(at("/elsewhere"), "api.example:8080");
        assert_eq!(at("http://[::1"), "another address");
        assert_eq!(
            redirect_target("http://api.example/", &HeaderMap::new()),
            "another address"
        );
        let e = PlatformError::Redirected {
            status: 302,
            to: "evil.example:8080".into(),
        };
        assert_eq!(
            e.to_string(),
            "the server redirected to evil.example:8080 (HTTP 302) — not followed: handoff sends the key only to the configured base_url; check base_url"
        );
        assert!(!e.is_transient());
        assert_eq!(e.class(), "redirected");
    }

    #[tokio::test]
    async fn a_key_no_header_can_carry_makes_no_request() {
        let auth = Auth {
            header: HeaderName::from_static("agent-secret-key"),
            prefix: "",
            key: ApiKey::new("abc\ndef"),
        };
        // Nothing listens on port 9: a request would fail as a network error instead.
        let http = Http::new(
            client(Duration::from_secs(1)),
            "http://127.0.0.1:9",
            auth,
            "raia",
            Duration::from_secs(1),
            Arc::new(Budget::new(60, Duration::from_secs(60))),
        );
        let err = http.get::<serde_json::Value>("/x", &[]).await.unwrap_err();
        assert_eq!(err.class(), "bad_key");
        assert_eq!(
            err.to_string(),
            "the account's key contains characters an HTTP header cannot carry (a line break?) — no request was made"
        );
    }

    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(segment("../../admin?x=1"), "..%2F..%2Fadmin%3Fx%3D1");
        assert_eq!(segment("1f4838f6-730f_a.b~c"), "1f4838f6-730f_a.b~c");
        assert_eq!(segment(".."), "%252E%252E");
        assert_eq!(segment("a b/#"), "a%20b%2F%23");
        let url = url::Url::parse(&format!("http://h/conversations/{}/mode", segment(".."))).unwrap();
        assert_eq!(url.path(), "/conversations/%252E%252E/mode");
    }
}
