//! Exec approval events: `exec.approval.requested` / `exec.approval.resolved` go to the
//! connections holding `operator.approvals` (or `operator.admin`), and the run the command
//! belongs to gets an `agent` event with `stream: "approval"`.

use super::{Dialect, WsHub};
use crate::ws::scopes::can_receive_event;
use actix::prelude::*;
use serde_json::Value;

/// Broadcast an approval event; answers how many connections could receive it.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct ApprovalEvent {
    /// `exec.approval.requested` or `exec.approval.resolved`.
    pub event: &'static str,
    /// Its payload.
    pub payload: Value,
    /// The run to also tell (`agent` event, `stream: "approval"`), with the event's `data`.
    pub run: Option<(String, Value)>,
}

impl Handler<ApprovalEvent> for WsHub {
    type Result = usize;
    fn handle(&mut self, msg: ApprovalEvent, _: &mut Self::Context) -> usize {
        let event = msg.event;
        let approver = |c: &super::Client| can_receive_event(&c.scopes, event);
        let reached = self
            .clients
            .values()
            .filter(|c| c.dialect == Dialect::OpenClaw && approver(c))
            .count();
        self.broadcast(msg.event, &msg.payload, approver);
        if let Some((run_id, data)) = msg.run {
            if let Some(t) = self.runs.get_mut(run_id.as_str()) {
                let e = t.side_event("approval", data);
                self.emit(e.kind, &e.payload);
            }
        }
        reached
    }
}
