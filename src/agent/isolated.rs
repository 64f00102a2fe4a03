//! Running one agent turn outside any client request and waiting for its end: the runner
//! behind `/hooks/agent`, hook mappings and cron jobs.

use crate::actors::router::{Router, StartTurn};
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, RunOutcome, Subscriber};
use actix::Addr;

/// The reply OpenClaw treats as "nothing to say": never delivered.
pub const SILENT_REPLY: &str = "NO_REPLY";

/// Starts `req` and waits for its outcome. This future is the run's owner: dropping it
/// aborts the turn. `None` when the run ended without reporting an outcome.
pub async fn run_turn(router: &Addr<Router>, req: TurnRequest) -> Option<RunOutcome> {
    let (sub, mut rx) = Subscriber::channel(true);
    router.do_send(StartTurn {
        req,
        subscribers: vec![sub],
        home: None,
    });
    while let Some(ev) = rx.recv().await {
        if let RunEvent::Done(o) = &*ev {
            return Some(o.clone());
        }
    }
    None
}

/// Whether a final text means "stay silent".
pub fn is_silent(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == SILENT_REPLY
}
