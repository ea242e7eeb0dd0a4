//! Team mode (`[team] dir`): several operators' inboxes on one server share one directory. What
//! they share lives in the team store; the team runner carries out `Cmd::Team` against it and
//! sends the team's picture back as `Msg::Team`.

use crate::app::Team;
use tokio::sync::mpsc::UnboundedSender;

/// The loop's handle on the team runner: commands go down a channel to the task that owns the
/// team store (SQLite is blocking; the loop never waits on it).
pub struct Runner {
    tx: UnboundedSender<Team>,
}

impl Runner {
    pub fn handle(&self, cmd: Team) {
        let _ = self.tx.send(cmd);
    }
}
