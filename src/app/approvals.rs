//! Exec approvals: a command the policy wants an operator to see first waits here until an
//! operator answers (`exec.approval.resolve` over the WebSocket) or its time runs out (then it
//! is denied, as OpenClaw's `askFallback: deny`).
//!
//! The request is broadcast as `exec.approval.requested` to connections holding
//! `operator.approvals` (or `operator.admin`) and shows in the run's own `agent` events
//! (`stream: "approval"`); the answer is broadcast as `exec.approval.resolved`. With no such
//! connection the command is denied at once rather than left waiting.

use super::{App, AppError};
use crate::actors::ws_hub::{ApprovalEvent, WsHub};
use crate::tools::approval::{Approval, ApprovalDecision, ApprovalRequest};
use actix::Addr;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::oneshot;

struct Pending {
    payload: Value,
    run_id: Option<String>,
    tx: oneshot::Sender<ApprovalDecision>,
}

/// The approval requests waiting for an operator, and the hub they are announced through.
#[derive(Default)]
pub struct Approvals {
    pending: Mutex<HashMap<String, Pending>>,
    hub: OnceLock<Addr<WsHub>>,
}

impl Approvals {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Forgets a request whose caller went away (the run was aborted) and tells the operators
/// (`resolvedBy: "cancelled"`).
struct Forget(Arc<Approvals>, String);

impl Drop for Forget {
    fn drop(&mut self) {
        let Some(p) = self.0.lock().remove(&self.1) else {
            return;
        };
        if let Some(hub) = self.0.hub.get() {
            let id = &self.1;
            hub.do_send(ApprovalEvent {
                event: "exec.approval.resolved",
                payload: json!({"id": id, "decision": "deny", "resolvedBy": "cancelled", "ts": now_ms()}),
                run: p.run_id.map(|r| (r, json!({"phase": "resolved", "id": id, "decision": "deny"}))),
            });
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl App {
    /// Binds the WebSocket hub approval requests are broadcast through (once, at start-up).
    pub fn bind_approvals_hub(&self, hub: Addr<WsHub>) {
        let _ = self.approvals.hub.set(hub);
    }

    /// The approval requests still waiting (`exec.approval.list`), oldest first.
    pub fn pending_approvals(&self) -> Vec<Value> {
        let mut list: Vec<Value> = self
            .approvals
            .lock()
            .values()
            .map(|p| p.payload.clone())
            .collect();
        list.sort_by_key(|p| p["createdAtMs"].as_i64());
        list
    }

    /// One waiting request (`exec.approval.get`).
    pub fn pending_approval(&self, id: &str) -> Result<Value, AppError> {
        self.approvals
            .lock()
            .get(id)
            .map(|p| p.payload.clone())
            .ok_or_else(|| AppError::NotFound(format!("unknown approval id: {id}")))
    }

    /// Answers request `id` (`exec.approval.resolve`); `resolved_by` names the operator's
    /// connection in the `exec.approval.resolved` event.
    pub fn resolve_approval(
        &self,
        id: &str,
        decision: ApprovalDecision,
        resolved_by: &str,
    ) -> Result<(), AppError> {
        let p = self
            .approvals
            .lock()
            .remove(id)
            .ok_or_else(|| AppError::NotFound(format!("unknown approval id: {id}")))?;
        let _ = p.tx.send(decision);
        self.announce_resolved(id, decision, resolved_by, p.run_id);
        Ok(())
    }

    fn announce_resolved(
        &self,
        id: &str,
        decision: ApprovalDecision,
        by: &str,
        run_id: Option<String>,
    ) {
        if let Some(hub) = self.approvals.hub.get() {
            hub.do_send(ApprovalEvent {
                event: "exec.approval.resolved",
                payload: json!({"id": id, "decision": decision.as_str(), "resolvedBy": by, "ts": now_ms()}),
                run: run_id.map(|r| {
                    (r, json!({"phase": "resolved", "id": id, "decision": decision.as_str()}))
                }),
            });
        }
    }

    /// Broadcasts `req` and waits for an operator's answer (or the timeout: denied).
    pub(super) async fn ask_approval(&self, req: ApprovalRequest) -> Approval {
        let Some(hub) = self.approvals.hub.get().cloned() else {
            return Approval::denied("no operator can approve commands");
        };
        let id = uuid::Uuid::new_v4().to_string();
        let created = now_ms();
        let expires = created + req.timeout.as_millis() as i64;
        let request = json!({
            "command": req.command, "cwd": req.cwd, "host": "gateway",
            "security": req.security, "ask": req.ask, "agentId": req.agent_id,
            "sessionKey": req.session_key, "runId": req.run_id,
        });
        let payload =
            json!({"id": id, "request": request, "createdAtMs": created, "expiresAtMs": expires});
        let (tx, rx) = oneshot::channel();
        self.approvals.lock().insert(
            id.clone(),
            Pending {
                payload: payload.clone(),
                run_id: req.run_id.clone(),
                tx,
            },
        );
        let _forget = Forget(self.approvals.clone(), id.clone());
        let run = req.run_id.clone().map(|r| {
            let data = json!({"phase": "requested", "id": id, "command": req.command,
                              "cwd": req.cwd, "expiresAtMs": expires});
            (r, data)
        });
        let reached = hub
            .send(ApprovalEvent {
                event: "exec.approval.requested",
                payload,
                run,
            })
            .await
            .unwrap_or(0);
        if reached == 0 {
            self.approvals.lock().remove(&id);
            return Approval::denied(
                "approval required, but no operator with operator.approvals is connected",
            );
        }
        match tokio::time::timeout(req.timeout, rx).await {
            Ok(Ok(ApprovalDecision::Deny)) => Approval::denied("denied by operator"),
            Ok(Ok(decision)) => Approval {
                decision,
                reason: String::new(),
            },
            Ok(Err(_)) => Approval::denied("approval request dropped"),
            Err(_) => {
                if self.approvals.lock().remove(&id).is_some() {
                    self.announce_resolved(&id, ApprovalDecision::Deny, "timeout", req.run_id);
                }
                Approval::denied(format!(
                    "approval timed out after {} seconds",
                    req.timeout.as_secs()
                ))
            }
        }
    }
}
