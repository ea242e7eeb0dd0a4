//! Reading conversations: `handoff list` (every account at once) and `handoff show`.

use super::Failure;
use super::accounts::{adapter, connect, find_account, key_problem, platform_failure, resolve, target};
use super::args::StatusFilter;
use super::output::{self, print, print_json};
use crate::config::Config;
use crate::domain::{Conversation, Status, queue_order, waiting_since};
use chrono::Utc;
use futures::StreamExt;

/// `handoff list`: every account (or one) at once, those needing a human first; an account that
/// fails is reported and the others still print.
pub(super) async fn list(
    config: &Config,
    json: bool,
    status: Option<StatusFilter>,
    account: Option<String>,
) -> Result<(), Failure> {
    let names: Vec<&str> = match &account {
        Some(name) => vec![name.as_str()],
        None => config.accounts.iter().map(|a| a.name()).collect(),
    };
    if names.is_empty() {
        return Err(Failure::Usage(format!("no accounts in {}", config.path.display())));
    }
    let accounts = names
        .iter()
        .map(|n| find_account(config, n))
        .collect::<Result<Vec<_>, _>>()?;
    // Every account at once; one whose key cannot be read, or that fails, is reported and the
    // others still print.
    let mut failed = Vec::new();
    let mut platforms = Vec::new();
    let mut unread_keys = Vec::new();
    for (account, settings) in accounts
        .iter()
        .zip(futures::future::join_all(accounts.iter().map(|a| resolve(a))).await)
    {
        match settings {
            Ok(settings) => platforms.push(adapter(settings)),
            Err(e) => {
                failed.push(format!(
                    "account {}: {} ({})",
                    account.name(),
                    key_problem(account, &e),
                    e.location
                ));
                unread_keys.push(e);
            }
        }
    }
    // No key could be read at all: nothing to list, the config is what needs fixing (exit 2).
    if platforms.is_empty()
        && let Some(first) = unread_keys.into_iter().next()
    {
        for f in &failed[1..] {
            eprintln!("handoff: {f}");
        }
        return Err(Failure::Config(first));
    }
    let answers = futures::future::join_all(platforms.iter().map(|p| p.list_conversations(None))).await;
    let mut conversations = Vec::new();
    for (p, answer) in platforms.iter().zip(answers) {
        match answer {
            Ok(listing) => {
                if let Some(warning) = &listing.warning {
                    eprintln!("handoff: {}: warning: {warning}", p.account());
                }
                conversations.extend(listing.conversations.into_iter().map(|c| (p.clone(), c)));
            }
            Err(e) => failed.push(format!("account {}: {e}", p.account())),
        }
    }
    conversations.retain(|(_, c)| status.map_or(!matches!(c.status, Status::Resolved), |s| s.matches(&c.status)));
    // The wait of a conversation that needs a human is in its messages: read those (only).
    let mut conversations: Vec<Conversation> = futures::stream::iter(conversations)
        .map(|(p, mut c)| async move {
            if c.status == Status::NeedsHuman
                && let Ok(messages) = p.list_messages(&c.key.id).await
            {
                c.waiting_since = waiting_since(&messages);
            }
            c
        })
        .buffered(4)
        .collect()
        .await;
    conversations.sort_by(queue_order);
    if json {
        let rows: Vec<output::ConversationJson> = conversations.iter().map(Into::into).collect();
        print_json(&rows);
    } else {
        print(&output::conversation_table(&conversations, Utc::now()));
    }
    for f in &failed {
        eprintln!("handoff: {f}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Platform(format!("{} account(s) failed", failed.len())))
    }
}

/// `handoff show`: one conversation and its messages.
pub(super) async fn show(config: &Config, conversation: &str, json: bool) -> Result<(), Failure> {
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    let (c, messages) = futures::future::join(p.get_conversation(&key.id), p.list_messages(&key.id)).await;
    let mut c = c.map_err(|e| platform_failure(&key, e))?;
    let messages = messages.map_err(|e| platform_failure(&key, e))?;
    c.waiting_since = waiting_since(&messages);
    if json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            conversation: output::ConversationJson<'a>,
            messages: Vec<output::MessageJson<'a>>,
        }
        print_json(&Shown {
            conversation: (&c).into(),
            messages: messages.iter().map(Into::into).collect(),
        });
    } else {
        print(&output::thread(&c, &messages, Utc::now()));
    }
    Ok(())
}
