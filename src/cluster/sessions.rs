//! Session operations on the node that owns the session. A turn already goes to its session's
//! owner ([`super::forward`]); so do, from any edge (REST, WebSocket, CLI, tools):
//!
//! - **mutations** (`create`/`patch`/`reset`/`delete`): sent to `clawgate.node.<owner>.mutate`
//!   (request/reply) and applied by the owner's `Session` actor, the only writer of the session,
//!   so its cached history and overrides change with the row; the answer (row, not found,
//!   error) comes back to the edge;
//! - **aborts by session key**: sent to `clawgate.node.<owner>.abort-session`, answered with
//!   the run ids that were queued or running there;
//! - **waits for a run** not known on this node: its outcome arrives on the `clawgate.runs`
//!   fan-out ([`super::fanout`]), which every node already follows.
//!
//! When this node owns the session, or can claim it, the operation stays local. An owner that
//! does not answer (gone, its lease not lapsed yet) is retried every quarter TTL until its
//! lease lapses and the session is claimed here — the same rule as for turns.

use super::bus::node_subject;
use super::wire::OWNER_SILENT;
use super::Cluster;
use crate::actors::router::{MutateSession, Router};
use crate::actors::session::{Mutated, SessionOp};
use crate::core::run::RunOutcome;
use crate::storage::{SessionPatch, SessionRow};
use actix::Addr;
use async_nats::RequestErrorKind;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long an owner may take to apply a forwarded operation (a reset waits for the session's
/// mailbox and two store writes).
const ASK_TIMEOUT: Duration = Duration::from_secs(30);

/// One field of a patch: left alone, cleared, or set.
#[derive(Serialize, Deserialize)]
enum WireField {
    Keep,
    Clear,
    Set(String),
}

fn field_out(f: &Option<Option<String>>) -> WireField {
    match f {
        None => WireField::Keep,
        Some(None) => WireField::Clear,
        Some(Some(v)) => WireField::Set(v.clone()),
    }
}

fn field_in(f: WireField) -> Option<Option<String>> {
    match f {
        WireField::Keep => None,
        WireField::Clear => Some(None),
        WireField::Set(v) => Some(Some(v)),
    }
}

#[derive(Serialize, Deserialize)]
struct WirePatch {
    label: WireField,
    model: WireField,
    thinking_level: WireField,
}

impl WirePatch {
    fn of(p: &SessionPatch) -> WirePatch {
        WirePatch {
            label: field_out(&p.label),
            model: field_out(&p.model),
            thinking_level: field_out(&p.thinking_level),
        }
    }

    fn into_patch(self) -> SessionPatch {
        SessionPatch {
            label: field_in(self.label),
            model: field_in(self.model),
            thinking_level: field_in(self.thinking_level),
        }
    }
}

#[derive(Serialize, Deserialize)]
enum WireOp {
    Create(WirePatch),
    Patch(WirePatch),
    Reset,
    Delete,
}

impl WireOp {
    fn of(op: &SessionOp) -> WireOp {
        match op {
            SessionOp::Create(p) => WireOp::Create(WirePatch::of(p)),
            SessionOp::Patch(p) => WireOp::Patch(WirePatch::of(p)),
            SessionOp::Reset => WireOp::Reset,
            SessionOp::Delete => WireOp::Delete,
        }
    }

    fn into_op(self) -> SessionOp {
        match self {
            WireOp::Create(p) => SessionOp::Create(p.into_patch()),
            WireOp::Patch(p) => SessionOp::Patch(p.into_patch()),
            WireOp::Reset => SessionOp::Reset,
            WireOp::Delete => SessionOp::Delete,
        }
    }
}

/// A mutation sent to the session's owner.
#[derive(Serialize, Deserialize)]
struct MutateRequest {
    key: String,
    agent_id: String,
    op: WireOp,
}

/// The owner's answer to a [`MutateRequest`].
#[derive(Serialize, Deserialize)]
enum MutateReply {
    /// The node no longer owns the session (the edge looks the owner up again).
    NotMine,
    /// Applied.
    Done {
        row: Option<SessionRow>,
        deleted: bool,
        aborted: Vec<String>,
    },
    /// Applying it failed.
    Failed(String),
}

/// An abort by session key (optionally of one of its runs) sent to the session's owner.
#[derive(Serialize, Deserialize)]
struct AbortRequest {
    key: String,
    run_id: Option<String>,
}

/// The owner's answer to an [`AbortRequest`].
#[derive(Serialize, Deserialize)]
enum AbortReply {
    NotMine,
    Done { aborted: bool, run_ids: Vec<String> },
}

/// How asking an owner went.
enum Asked<A> {
    Answer(A),
    /// Nobody listens on the owner's subject: it is gone (retry until its lease lapses).
    Gone,
    Failed(String),
}

impl Cluster {
    /// Applies `op` to session `key` on the node that owns it: here through `router` when this
    /// node owns (or claims) the session, else on the owner over the bus.
    pub async fn mutate(
        &self,
        router: Addr<Router>,
        key: String,
        agent_id: String,
        op: SessionOp,
    ) -> Result<Mutated, String> {
        let c = self.clone();
        self.rt()
            .spawn(async move { c.mutate_on_owner(router, key, agent_id, op).await })
            .await
            .map_err(|e| format!("bus runtime: {e}"))?
    }

    async fn mutate_on_owner(
        &self,
        router: Addr<Router>,
        key: String,
        agent_id: String,
        op: SessionOp,
    ) -> Result<Mutated, String> {
        let deadline = self.give_up_at();
        let req = MutateRequest {
            key: key.clone(),
            agent_id: agent_id.clone(),
            op: WireOp::of(&op),
        };
        loop {
            let owner = self.owner_of(&key).await.map_err(|e| e.to_string())?;
            if owner == self.inner.node_id {
                return mutate_here(&router, key, agent_id, op).await;
            }
            match self.ask::<_, MutateReply>(&owner, "mutate", &req).await {
                Asked::Answer(MutateReply::Done {
                    row,
                    deleted,
                    aborted,
                }) => {
                    return Ok(Mutated {
                        row,
                        deleted,
                        aborted,
                    })
                }
                Asked::Answer(MutateReply::Failed(e)) | Asked::Failed(e) => return Err(e),
                Asked::Answer(MutateReply::NotMine) | Asked::Gone => {}
            }
            if Instant::now() >= deadline {
                tracing::warn!(node = %owner, "cluster: a session's owner does not answer");
                return Err(OWNER_SILENT.into());
            }
            tokio::time::sleep(self.inner.ttl / 4).await;
        }
    }

    /// Aborts the queued and running turns of session `key` (only `run_id`, when given) on the
    /// node that owns it; returns whether something was aborted and the run ids concerned.
    pub async fn abort_session(
        &self,
        router: Addr<Router>,
        key: String,
        run_id: Option<String>,
    ) -> (bool, Vec<String>) {
        let c = self.clone();
        self.rt()
            .spawn(async move { c.abort_on_owner(router, key, run_id).await })
            .await
            .unwrap_or_default()
    }

    async fn abort_on_owner(
        &self,
        router: Addr<Router>,
        key: String,
        run_id: Option<String>,
    ) -> (bool, Vec<String>) {
        let deadline = self.give_up_at();
        let req = AbortRequest {
            key: key.clone(),
            run_id: run_id.clone(),
        };
        loop {
            let owner = match self.owner_of(&key).await {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(error = %e, "cluster: cannot find a session's owner to abort");
                    return (false, vec![]);
                }
            };
            if owner == self.inner.node_id {
                return crate::app::turns::abort_here(&router, &key, run_id.as_deref()).await;
            }
            match self
                .ask::<_, AbortReply>(&owner, "abort-session", &req)
                .await
            {
                Asked::Answer(AbortReply::Done { aborted, run_ids }) => return (aborted, run_ids),
                Asked::Failed(e) => {
                    tracing::warn!(node = %owner, error = %e, "cluster: forwarded abort failed");
                    return (false, vec![]);
                }
                Asked::Answer(AbortReply::NotMine) | Asked::Gone => {}
            }
            if Instant::now() >= deadline {
                return (false, vec![]);
            }
            tokio::time::sleep(self.inner.ttl / 4).await;
        }
    }

    /// The outcome of run `run_id` when another node finishes it (from the run fan-out); the
    /// receiver errs if this node stops following runs. Register before checking the store,
    /// so an outcome announced in between is not missed.
    pub fn await_run(&self, run_id: &str) -> oneshot::Receiver<RunOutcome> {
        let (tx, rx) = oneshot::channel();
        let mut waiters = self.waiters();
        waiters.retain(|_, w| {
            w.retain(|tx| !tx.is_closed());
            !w.is_empty()
        });
        waiters.entry(run_id.to_string()).or_default().push(tx);
        rx
    }

    /// Hands a remote run's outcome to whoever waits for it.
    pub(super) fn run_finished(&self, o: &RunOutcome) {
        let waiting = self.waiters().remove(&o.run_id);
        for tx in waiting.into_iter().flatten() {
            let _ = tx.send(o.clone());
        }
    }

    fn waiters(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, Vec<oneshot::Sender<RunOutcome>>>,
    > {
        self.inner.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When retrying a silent owner stops: its lease lapses within the TTL.
    fn give_up_at(&self) -> Instant {
        Instant::now() + self.inner.ttl * 2 + Duration::from_secs(5)
    }

    async fn ask<Q: Serialize, A: DeserializeOwned>(
        &self,
        owner: &str,
        what: &str,
        q: &Q,
    ) -> Asked<A> {
        let body = match serde_json::to_vec(q) {
            Ok(b) => b,
            Err(e) => return Asked::Failed(e.to_string()),
        };
        let request = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(ASK_TIMEOUT));
        match self
            .client()
            .send_request(node_subject(owner, what), request)
            .await
        {
            Ok(m) => match serde_json::from_slice(&m.payload) {
                Ok(a) => Asked::Answer(a),
                Err(e) => Asked::Failed(format!("bad answer from node {owner}: {e}")),
            },
            Err(e) if e.kind() == RequestErrorKind::NoResponders => Asked::Gone,
            Err(e) => Asked::Failed(format!("node {owner}: {e}")),
        }
    }

    /// Serves the mutations and aborts by session other nodes send to this one.
    pub(super) async fn serve_sessions(&self, router: Addr<Router>) -> Result<(), String> {
        let me = self.inner.node_id.clone();
        let mut mutations = self
            .client()
            .subscribe(node_subject(&me, "mutate"))
            .await
            .map_err(|e| e.to_string())?;
        let mut aborts = self
            .client()
            .subscribe(node_subject(&me, "abort-session"))
            .await
            .map_err(|e| e.to_string())?;
        let (c, r) = (self.clone(), router.clone());
        self.rt().spawn(async move {
            while let Some(m) = mutations.next().await {
                let (c2, r2) = (c.clone(), r.clone());
                c.rt().spawn(async move { c2.serve_mutation(m, r2).await });
            }
        });
        let c = self.clone();
        self.rt().spawn(async move {
            while let Some(m) = aborts.next().await {
                let (c2, r2) = (c.clone(), router.clone());
                c.rt().spawn(async move { c2.serve_abort(m, r2).await });
            }
        });
        Ok(())
    }

    async fn serve_mutation(&self, m: async_nats::Message, router: Addr<Router>) {
        let Some(reply) = m.reply.clone() else {
            return;
        };
        let answer = match serde_json::from_slice::<MutateRequest>(&m.payload) {
            Err(e) => MutateReply::Failed(format!("bad mutation: {e}")),
            Ok(q) if !self.mine(&q.key).await => MutateReply::NotMine,
            Ok(q) => match mutate_here(&router, q.key, q.agent_id, q.op.into_op()).await {
                Ok(done) => MutateReply::Done {
                    row: done.row,
                    deleted: done.deleted,
                    aborted: done.aborted,
                },
                Err(e) => MutateReply::Failed(e),
            },
        };
        self.answer(reply, &answer).await;
    }

    async fn serve_abort(&self, m: async_nats::Message, router: Addr<Router>) {
        let Some(reply) = m.reply.clone() else {
            return;
        };
        let Ok(q) = serde_json::from_slice::<AbortRequest>(&m.payload) else {
            return;
        };
        let answer = if self.mine(&q.key).await {
            let (aborted, run_ids) =
                crate::app::turns::abort_here(&router, &q.key, q.run_id.as_deref()).await;
            AbortReply::Done { aborted, run_ids }
        } else {
            AbortReply::NotMine
        };
        self.answer(reply, &answer).await;
    }

    /// Whether this node owns `key` (claiming it when nobody holds it).
    async fn mine(&self, key: &str) -> bool {
        matches!(self.owner_of(key).await, Ok(o) if o == self.inner.node_id)
    }

    async fn answer<A: Serialize>(&self, reply: async_nats::Subject, a: &A) {
        if let Ok(body) = serde_json::to_vec(a) {
            let _ = self.client().publish(reply, body.into()).await;
        }
    }
}

/// Applies a mutation through this node's router (the session's actor).
async fn mutate_here(
    router: &Addr<Router>,
    key: String,
    agent_id: String,
    op: SessionOp,
) -> Result<Mutated, String> {
    router
        .send(MutateSession { key, agent_id, op })
        .await
        .map_err(|e| format!("router unavailable: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_keeps_set_and_cleared_fields_apart_on_the_wire() {
        let patch = SessionPatch {
            label: Some(Some("hello".into())),
            model: Some(None),
            thinking_level: None,
        };
        let js = serde_json::to_vec(&WireOp::of(&SessionOp::Patch(patch.clone()))).unwrap();
        match serde_json::from_slice::<WireOp>(&js).unwrap().into_op() {
            SessionOp::Patch(back) => assert_eq!(back, patch),
            other => panic!("not a patch: {other:?}"),
        }
    }
}
