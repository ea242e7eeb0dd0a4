//! Team mode (`[team] dir`): several operators' inboxes on one server share one directory. What
//! they share lives in the team store (`store.rs`: the trait and its SQLite file, `schema.rs`);
//! the team runner (`runner.rs`) carries out `Cmd::Team` against it, heartbeats, and sends the
//! team's picture back as `Msg::Team`. `dir.rs` checks the directory and makes its files
//! (0660); `fingerprint.rs` names accounts without their keys.

mod dir;
mod fingerprint;
mod notes;
mod runner;
mod schema;
mod shared;
mod store;
#[cfg(test)]
mod tests;

pub use dir::FILE_MODE;
pub use fingerprint::Salt;
pub use runner::{Identity, Runner, SyncRole, start};
pub use shared::{Changes, Write};
pub use store::{ClaimRow, Claimed, Instance, LIVE_FOR, Millis, PeerRow, Shared, SqliteTeam, TeamError, TeamStore};

use crate::config::TeamSettings;

/// The team dir checked, its salt read and its database open: what the runner starts from.
pub struct Prepared {
    pub settings: TeamSettings,
    pub salt: Salt,
    pub store: SqliteTeam,
}

/// What boot hands the terminal's start for the team runner: the team prepared, who this
/// operator is, and the accounts' fingerprints as their keys are read.
pub struct Starting {
    pub prepared: Prepared,
    pub identity: Identity,
    pub fingerprints: tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
}

/// Where an account's fingerprint goes once its key is read (the reading task computes it).
#[derive(Clone)]
pub struct Fingerprinter {
    pub salt: Salt,
    pub tx: tokio::sync::mpsc::UnboundedSender<(String, String)>,
}

impl Fingerprinter {
    /// Sends the account's fingerprint to the team runner.
    pub fn send(&self, settings: &crate::platform::AccountSettings) {
        let fp = self.salt.fingerprint(settings.kind, &settings.base_url, &settings.key);
        let _ = self.tx.send((settings.name.clone(), fp));
    }
}

/// Gets the team dir ready at start, or says why this instance goes on alone (a start-up
/// warning: the inbox works as without `[team]`).
pub fn prepare(settings: &TeamSettings) -> Result<Prepared, String> {
    let alone = |why: String| format!("team mode is off, this inbox works alone: {why}");
    if let Some(why) = dir::refusal(&settings.dir) {
        return Err(alone(why));
    }
    let salt = Salt::load_or_create(&settings.dir).map_err(alone)?;
    let db = schema::open(&settings.dir).map_err(|e| alone(e.to_string()))?;
    Ok(Prepared {
        settings: settings.clone(),
        salt,
        store: SqliteTeam::new(db),
    })
}

/// What `doctor` says of the team dir: `Ok` with what it is, or why it is refused.
pub fn check(settings: &TeamSettings) -> Result<String, String> {
    match dir::refusal(&settings.dir) {
        Some(why) => Err(why),
        None => Ok(format!("{} usable", settings.dir.display())),
    }
}

/// Milliseconds since the epoch, as the team store keeps time.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> Millis {
    at.timestamp_millis()
}
