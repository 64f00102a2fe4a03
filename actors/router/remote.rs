//! Runs another node executes (cluster mode): the run fan-out hands their events to the
//! router, which passes them to this node's session watchers (`/sessions/{key}/history`
//! follow mode), so a follower sees the session's turns whichever node runs them.

use super::Router;
use crate::core::run::EventRef;
use actix::prelude::*;

/// A turn of session `session_key` runs on another node; its events arrive on `rx`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoteRun {
    /// Session key.
    pub session_key: String,
    /// The run's events (dropped at once when nobody follows the session here).
    pub rx: tokio::sync::mpsc::Receiver<EventRef>,
}

impl Handler<RemoteRun> for Router {
    type Result = ();
    fn handle(&mut self, msg: RemoteRun, _: &mut Self::Context) {
        let mut subs = self.core.watchers_of(&msg.session_key);
        if subs.is_empty() {
            return;
        }
        let mut rx = msg.rx;
        actix::spawn(async move {
            while let Some(ev) = rx.recv().await {
                subs.retain(|s| s.tx.try_send(ev.clone()).is_ok());
                if subs.is_empty() {
                    return;
                }
            }
        });
    }
}
