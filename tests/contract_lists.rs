//! How the lists are read, against answers the vendors' docs allow: a Chatvolt server that
//! caps `limit` below what is asked, a raia server that refuses `pageSize=100`, raia's history
//! walked in an order no update can reshuffle, and the queue reads each platform makes.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use handoff::domain::PlatformKind;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The queries the sandbox received at `path`, in order.
async fn queries(h: &handoff::sandbox::SandboxHandle, path: &str) -> Vec<String> {
    received(h)
        .await
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == path)
        .map(|r| r["query"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_chatvolt_server_that_pages_shorter_than_asked_is_read_to_the_end() {
    let h = quiet(60).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let all = volt.list_conversations(None).await.unwrap().conversations.len();
    assert!(all > 10, "{all}");

    // The first page as a server capping `limit` at 3 answers it: three, though 100 were asked.
    let client = common::http_client();
    let short: Value = client
        .get(format!("{}/conversation?limit=3", h.chatvolt_base()))
        .bearer_auth(&h.keys().chatvolt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    arm(
        &h,
        "GET",
        "/chatvolt/conversation",
        json!({"status": 200, "body": short}),
    )
    .await;
    let listing = volt.list_conversations(None).await.unwrap();
    let ids: HashSet<&str> = listing.conversations.iter().map(|c| c.key.id.as_str()).collect();
    assert_eq!(ids.len(), all, "every conversation, not only the short first page");
    assert!(listing.complete && listing.warning.is_none(), "{:?}", listing.warning);
}

#[tokio::test]
async fn a_raia_server_that_refuses_page_size_100_is_asked_with_its_default() {
    let h = quiet(30).await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    arm(
        &h,
        "GET",
        "/raia/external/conversations",
        json!({"status": 400, "body": {"status": 400, "name": "BAD_REQUEST", "message": "pageSize must not be greater than 50", "details": []}}),
    )
    .await;
    clear_received(&h).await;
    let listing = raia.list_conversations(None).await.unwrap();
    assert_eq!(listing.conversations.len(), 10, "raia's third of 30");
    let asked = queries(&h, "/raia/external/conversations").await;
    assert!(asked[0].contains("pageSize=100"), "{asked:?}");
    assert!(asked[1..].iter().all(|q| q.contains("pageSize=20")), "{asked:?}");
    // Remembered: the next read asks with the default at once.
    clear_received(&h).await;
    raia.list_conversations(None).await.unwrap();
    let asked = queries(&h, "/raia/external/conversations").await;
    assert!(asked.iter().all(|q| q.contains("pageSize=20")), "{asked:?}");
}

#[tokio::test]
async fn raias_history_is_walked_by_creation_and_its_queue_by_what_changed() {
    let h = quiet(30).await;
    let raia = adapter(settings(&h, PlatformKind::Raia));
    clear_received(&h).await;
    raia.history(None).await.unwrap();
    let reads = raia.queue().await.unwrap();
    assert_eq!(reads.len(), 1);
    raia.read_queue(&reads[0], None).await.unwrap();
    let asked = queries(&h, "/raia/external/conversations").await;
    assert!(
        asked[0].contains("orderBy=createdAt") && asked[0].contains("orderDirection=ASC"),
        "{asked:?}"
    );
    assert!(!asked[0].contains("startDate"), "{asked:?}");
    assert!(
        asked[1].contains("orderBy=updatedAt") && asked[1].contains("startDate="),
        "{asked:?}"
    );
}

#[tokio::test]
async fn chatvolts_queue_is_its_documented_filters_not_its_history() {
    let h = quiet(30).await;
    let volt = adapter(settings(&h, PlatformKind::Chatvolt));
    let reads = volt.queue().await.unwrap();
    let urgent: Vec<&str> = reads.iter().filter(|r| r.urgent).map(|r| r.label.as_str()).collect();
    assert_eq!(urgent, ["asking for a human", "unread, held by humans"]);
    clear_received(&h).await;
    for read in &reads {
        let listing = volt.read_queue(read, None).await.unwrap();
        if read.label == "asking for a human" {
            assert!(!listing.conversations.is_empty());
            assert!(listing.complete, "a filtered set read whole");
        }
    }
    let asked = queries(&h, "/chatvolt/conversation").await;
    assert_eq!(
        asked.len(),
        reads.len(),
        "one request each: every set is smaller than a page"
    );
    for filter in ["status=HUMAN_REQUESTED", "ai=disabled", "unread=true"] {
        assert!(asked.iter().any(|q| q.contains(filter)), "{filter}: {asked:?}");
    }
}

#[tokio::test]
async fn chatdashs_queue_is_each_agents_recent_window_then_its_whole_lookback() {
    let h = quiet(30).await;
    let dash = adapter(settings(&h, PlatformKind::Chatdash));
    let reads = dash.queue().await.unwrap();
    let urgent = reads.iter().filter(|r| r.urgent).count();
    assert_eq!(
        (urgent, reads.len()),
        (2, 4),
        "two agents: a recent and a whole read each"
    );
    let recent = reads.iter().find(|r| r.urgent).unwrap();
    clear_received(&h).await;
    dash.read_queue(recent, None).await.unwrap();
    let asked = received(&h).await;
    let query = asked[0]["query"].as_str().unwrap();
    let start = query.split('&').find_map(|p| p.strip_prefix("startDate=")).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(&start.replace("%3A", ":")).unwrap();
    let back = chrono::Utc::now() - start.with_timezone(&chrono::Utc);
    assert!(
        back <= chrono::TimeDelta::days(1) + chrono::TimeDelta::minutes(1),
        "{back}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_says_what_is_polled_and_when_the_budget_sets_the_pace() {
    use common::fixtures::{Config, config};
    use common::run::handoff;
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    // A small budget on ChatDash (the last account): its two agents cannot each be read every 5 s.
    let text = config(
        &h,
        &Config {
            accounts: &[PlatformKind::Chatvolt, PlatformKind::Chatdash],
            key_files: None,
            fast_sync: false,
            experimental: None,
            extra: "requests_per_minute = 6\n",
        },
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let run = handoff(&path, dir.path(), &["doctor"], None).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "  sync     queue: 2 reads every 5s (asking for a human; unread, held by humans), 3 more in turn, one every 10s"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  sync     the budget sets the pace: each agent every 40 s — 2 agents, 6 requests a minute"),
        "{}",
        run.stdout
    );
}
