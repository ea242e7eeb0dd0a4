//! The poller's thread reads: the conversation on screen every thread interval, the threads
//! other operators of the team have open (as often, within the steady pace), and previews of
//! waiting customers' and held conversations' threads when they change; each delivered to the
//! UI only when it differs from what was sent.

use super::{Flow, Poller, is_bad_key};
use crate::app::Msg;
use crate::domain::Message;
use crate::platform::PlatformError;
use crate::platform::budget::{Priority, with_priority};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

impl Poller {
    pub(super) async fn poll_thread(&mut self) -> Flow {
        let Some(id) = self.watched.clone() else {
            return Ok(());
        };
        match with_priority(Priority::Thread, self.platform.list_messages(&id)).await {
            Ok(messages) => {
                self.thread_failures = 0;
                self.next_thread = Instant::now() + self.intervals.thread;
                if let Some(version) = self.snapshot.get(&id).map(|c| c.updated_at) {
                    self.fetched_at_version.insert(id.clone(), version);
                }
                self.deliver_thread(&id, messages)
            }
            Err(error) => self.thread_failed(&id, &error),
        }
    }

    pub(super) fn thread_failed(&mut self, id: &str, error: &PlatformError) -> Flow {
        tracing::debug!(account = %self.account, id, %error, "thread fetch failed");
        self.thread_failures += 1;
        if self.thread_failures == 1 {
            self.send(Msg::ThreadFailed {
                key: self.key(id),
                error: error.to_string(),
            })?;
        }
        if is_bad_key(error) {
            return self.stop_on_bad_key(error);
        }
        // A conversation that answers 404 when opened may be gone: the conversation itself
        // is looked up, and forgotten if that is a 404 too.
        if matches!(error, PlatformError::NotFound { .. }) && self.snapshot.contains_key(id) {
            self.look_up_later(id.to_string());
        }
        let delay = self.back_off(self.thread_failures, error);
        self.next_thread = Instant::now() + delay;
        Ok(())
    }

    /// The thread another operator has on screen that is due longest ago (not the one on this
    /// screen: that has its own schedule).
    pub(super) fn viewed_due(&self) -> Option<(String, Instant)> {
        self.viewed
            .iter()
            .filter(|(id, _)| self.watched.as_ref() != Some(*id))
            .min_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0)))
            .map(|(id, due)| (id.clone(), *due))
    }

    pub(super) async fn poll_viewed(&mut self, id: String) -> Flow {
        let result = with_priority(Priority::Preview, self.platform.list_messages(&id)).await;
        let again = match &result {
            Ok(_) => self.intervals.thread,
            // Gone or unreadable: tried again slowly (its viewer's own screen says why).
            Err(error) if error.is_transient() => {
                self.hold(error);
                self.intervals.thread * 2
            }
            Err(_) => self.intervals.list.max(Duration::from_secs(60)),
        };
        if let Some(due) = self.viewed.get_mut(&id) {
            *due = Instant::now() + again;
        }
        match result {
            Ok(messages) => {
                if let Some(version) = self.snapshot.get(&id).map(|c| c.updated_at) {
                    self.fetched_at_version.insert(id.clone(), version);
                }
                self.deliver_thread(&id, messages)
            }
            Err(error) if is_bad_key(&error) => self.stop_on_bad_key(&error),
            Err(error) => {
                tracing::debug!(account = %self.account, id, %error, "a viewed thread's fetch failed");
                if matches!(error, PlatformError::NotFound { .. }) && self.snapshot.contains_key(&id) {
                    self.look_up_later(id);
                }
                Ok(())
            }
        }
    }

    /// The waiting customer (or conversation held by the operator) whose thread changed longest
    /// ago since its messages were fetched: the model derives the waiting time, the preview and
    /// a customer's reply to the operator from it.
    pub(super) fn preview_due(&self) -> Option<(String, DateTime<Utc>)> {
        self.snapshot
            .iter()
            .filter(|(id, c)| c.needs_human || self.held.contains(*id))
            // The thread on screen is fetched on its own, faster schedule.
            .filter(|(id, _)| self.watched.as_ref() != Some(*id))
            .filter(|(id, c)| {
                self.fetched_at_version
                    .get(*id)
                    .is_none_or(|fetched| c.updated_at > *fetched)
            })
            .map(|(id, c)| (id.clone(), c.updated_at))
            .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
    }

    pub(super) async fn preview(&mut self, id: String, version: DateTime<Utc>) -> Flow {
        match with_priority(Priority::Preview, self.platform.list_messages(&id)).await {
            Ok(messages) => {
                self.fetched_at_version.insert(id.clone(), version);
                self.deliver_thread(&id, messages)
            }
            Err(error) if is_bad_key(&error) => self.stop_on_bad_key(&error),
            Err(error) if error.is_transient() => {
                // Again later; a `Retry-After` holds every request back.
                tracing::debug!(account = %self.account, id, %error, "preview fetch failed");
                self.hold(&error);
                Ok(())
            }
            Err(error) => {
                // Gone or unreadable: not again until the conversation changes.
                tracing::debug!(account = %self.account, id, %error, "preview fetch failed");
                if matches!(error, PlatformError::NotFound { .. }) {
                    self.look_up_later(id.clone());
                }
                self.fetched_at_version.insert(id, version);
                Ok(())
            }
        }
    }

    /// Sends the thread unless the UI already has exactly these messages.
    pub(super) fn deliver_thread(&mut self, id: &str, messages: Vec<Message>) -> Flow {
        let seen = super::fingerprint(&messages);
        if self.sent_threads.get(id) == Some(&seen) {
            return Ok(());
        }
        self.sent_threads.insert(id.to_string(), seen);
        if let Some(cache) = &self.cache {
            cache.thread(self.key(id), &messages);
        }
        self.send(Msg::Thread {
            key: self.key(id),
            messages,
        })
    }
}
