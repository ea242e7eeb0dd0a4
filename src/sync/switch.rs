//! One account's poller, started and stopped while the program runs. In team mode only the
//! instance holding the account's lease polls it (for everyone); the others run no poller for
//! it, and their adapter serves only their own actions. What the engine tells the poller (the
//! conversation on screen, the ones held) is kept here, so a poller started later starts from
//! it. A leader's poller's findings are also copied to a tee (the team side writes them into
//! the team store); `sync` knows only a channel, never the team.

use super::poller::{Control, Poller};
use super::{CacheWriter, Intervals};
use crate::app::Msg;
use crate::domain::{Conversation, ConversationKey, Message};
use crate::platform::Platform;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Whether an account's poller runs, and for whom.
#[derive(Debug)]
pub(super) enum Switch {
    /// Run it; its listings, threads and walk ends are also sent to the tee.
    Lead(Option<UnboundedSender<Msg>>),
    /// Stop it: another instance polls this account.
    Follow,
    /// What the other operators have open on this account: their threads are kept fresh as
    /// the ones this operator holds are.
    Viewed(HashSet<String>),
    /// Following: what the leader learnt, for this instance's own cache.
    Learnt {
        changed: Vec<Conversation>,
        removed: Vec<ConversationKey>,
        threads: Vec<(ConversationKey, Vec<Message>)>,
    },
}

struct Running {
    control: UnboundedSender<Control>,
    out: UnboundedReceiver<Msg>,
    poller: Pin<Box<dyn Future<Output = ()> + Send>>,
    tee: Option<UnboundedSender<Msg>>,
}

pub(super) struct Supervisor {
    pub platform: Arc<dyn Platform>,
    pub intervals: Intervals,
    pub tx: UnboundedSender<Msg>,
    pub cache: Option<CacheWriter>,
    /// A poller started says `Connecting` (it was following: the UI showed the leader's state).
    pub announce: bool,
    pub controls: UnboundedReceiver<Control>,
    pub switches: UnboundedReceiver<Switch>,
    watched: Option<String>,
    held: HashSet<String>,
    viewed: HashSet<String>,
}

impl Supervisor {
    pub fn new(
        platform: Arc<dyn Platform>,
        intervals: Intervals,
        tx: UnboundedSender<Msg>,
        controls: UnboundedReceiver<Control>,
        switches: UnboundedReceiver<Switch>,
    ) -> Supervisor {
        Supervisor {
            platform,
            intervals,
            tx,
            cache: None,
            announce: false,
            controls,
            switches,
            watched: None,
            held: HashSet::new(),
            viewed: HashSet::new(),
        }
    }

    /// Runs until the engine or the UI goes away.
    pub async fn run(mut self) {
        let mut running: Option<Running> = None;
        loop {
            tokio::select! {
                control = self.controls.recv() => match control {
                    Some(control) => self.control(control, running.as_ref()),
                    None => return,
                },
                switch = self.switches.recv() => match switch {
                    Some(switch) => self.switch(switch, &mut running),
                    None => return,
                },
                msg = next(&mut running) => match msg {
                    Some(msg) => {
                        if let Some(tee) = running.as_ref().and_then(|r| r.tee.as_ref())
                            && matches!(msg, Msg::Synced { .. } | Msg::Thread { .. } | Msg::Walked { .. })
                        {
                            let _ = tee.send(msg.clone());
                        }
                        if self.tx.send(msg).is_err() {
                            return;
                        }
                    }
                    // The poller ended: the UI is gone.
                    None => return,
                },
            }
        }
    }

    fn control(&mut self, control: Control, running: Option<&Running>) {
        let control = match control {
            Control::Watch(id) => {
                self.watched = id.clone();
                Control::Watch(id)
            }
            Control::Held(ids) => {
                self.held = ids;
                self.held_now()
            }
            other => other,
        };
        // Stopped, a refresh or a nudge has nobody to wake: the leader polls.
        if let Some(r) = running {
            let _ = r.control.send(control);
        }
    }

    fn switch(&mut self, switch: Switch, running: &mut Option<Running>) {
        match switch {
            Switch::Lead(tee) => match running {
                Some(r) => r.tee = tee,
                None => {
                    if self.announce {
                        let _ = self.tx.send(Msg::Connection {
                            account: self.platform.account().to_string(),
                            state: crate::app::Connection::Connecting,
                        });
                    }
                    *running = Some(self.start(tee));
                }
            },
            Switch::Follow => *running = None,
            Switch::Viewed(ids) => {
                self.viewed = ids;
                if let Some(r) = running {
                    let _ = r.control.send(self.held_now());
                    let _ = r.control.send(Control::Viewed(self.viewed.clone()));
                }
            }
            // A poller running here writes its own findings; only a follower's come this way.
            Switch::Learnt {
                changed,
                removed,
                threads,
            } => {
                if running.is_none()
                    && let Some(cache) = &self.cache
                {
                    cache.conversations(self.platform.account(), &changed, &removed);
                    for (key, messages) in threads {
                        cache.thread(key, &messages);
                    }
                }
            }
        }
    }

    /// A new poller, told what the engine told the last one.
    fn start(&self, tee: Option<UnboundedSender<Msg>>) -> Running {
        let (control, control_rx) = unbounded_channel();
        let (out_tx, out) = unbounded_channel();
        let mut poller = Poller::new(self.platform.clone(), self.intervals, out_tx, control_rx);
        poller.cache = self.cache.clone();
        let _ = control.send(Control::Watch(self.watched.clone()));
        let _ = control.send(self.held_now());
        let _ = control.send(Control::Viewed(self.viewed.clone()));
        Running {
            control,
            out,
            poller: Box::pin(poller.run()),
            tee,
        }
    }

    fn held_now(&self) -> Control {
        Control::Held(self.held.union(&self.viewed).cloned().collect())
    }
}

/// The running poller's next message, `None` once it ended; never, while none runs.
async fn next(running: &mut Option<Running>) -> Option<Msg> {
    let Some(r) = running else {
        return std::future::pending().await;
    };
    tokio::select! {
        msg = r.out.recv() => msg,
        () = &mut r.poller => None,
    }
}
