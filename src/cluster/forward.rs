//! Turns on the right node. Every turn passes the router's [`TurnGate`]: when this node owns
//! the session (or claims it now) the turn runs here; otherwise it is sent to the owner's
//! `clawgate.node.<id>.turn` subject (request/reply) and the owner streams its events (deltas,
//! tool calls, the final outcome) to an inbox the edge subscribed to first, so the client sees
//! the turn exactly as if it ran locally. An owner that does not answer (dead, its lease not
//! lapsed yet) is retried until its lease lapses and the session can be claimed here; an owner
//! that dies mid-turn is noticed by a ping when its stream goes quiet, and the turn ends with
//! an error for the client (what was acknowledged is already committed to the store).

use super::bus::node_subject;
use super::wire::{lost_outcome, WireEvent, WireTurn, OWNER_GONE, OWNER_SILENT, OWNER_UNKNOWN};
use super::Cluster;
use crate::actors::router::{Abort, Router, StartOwnedTurn, StartTurn, TurnGate};
use crate::core::run::{EventRef, RunEvent, Subscriber};
use actix::Addr;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A turn sent to its session's owner.
#[derive(Serialize, Deserialize)]
struct Forwarded {
    turn: WireTurn,
    /// Where the owner publishes the run's events.
    reply: String,
    /// Whether the edge's client owns the run (its going away aborts the run).
    owner: bool,
}

/// The owner's answer.
#[derive(Serialize, Deserialize)]
struct Accepted {
    ok: bool,
}

/// How a forwarding attempt ended.
enum Sent {
    /// The owner ran it (or it ended for the client).
    Done,
    /// The owner refused (it no longer owns the session) or did not answer.
    Retry,
}

impl TurnGate for Cluster {
    fn route(&self, turn: StartTurn, router: Addr<Router>) {
        let c = self.clone();
        self.rt()
            .spawn(async move { c.route_turn(turn, router).await });
    }

    fn abort_forwarded(&self, run_id: &str) -> bool {
        let owner = self.forwarded().get(run_id).cloned();
        let Some(owner) = owner else {
            return false;
        };
        let (client, subject, body) = (
            self.client().clone(),
            node_subject(&owner, "abort"),
            run_id.to_string(),
        );
        self.rt().spawn(async move {
            let _ = client.publish(subject, body.into()).await;
        });
        true
    }
}

fn deliver(subs: &mut Vec<Subscriber>, ev: EventRef) {
    subs.retain(|s| s.tx.try_send(ev.clone()).is_ok());
}

/// Resolves once every owning subscriber's receiver is gone (never, without one).
async fn owners_gone(subs: Vec<Subscriber>) {
    let owners: Vec<_> = subs.into_iter().filter(|s| s.owner).collect();
    if owners.is_empty() {
        return std::future::pending().await;
    }
    futures_util::future::join_all(owners.iter().map(|s| s.tx.closed())).await;
}

impl Cluster {
    fn forwarded(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.inner
            .forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    async fn route_turn(&self, turn: StartTurn, router: Addr<Router>) {
        let key = turn.req.session_key.clone();
        // A dead owner's lease lapses within the TTL; give up a while after that.
        let deadline = Instant::now() + self.inner.ttl * 2 + Duration::from_secs(5);
        let mut retry = tokio::time::interval(self.inner.ttl / 4);
        retry.tick().await;
        loop {
            let owner = match self.owner_of(&key).await {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(error = %e, "cluster: cannot claim or find a session's owner");
                    let mut subs = turn.subscribers;
                    deliver(&mut subs, Arc::new(lost(&turn.req, OWNER_UNKNOWN)));
                    return;
                }
            };
            if owner == self.inner.node_id {
                router.do_send(StartOwnedTurn(turn));
                return;
            }
            match self.forward(&owner, &turn).await {
                Sent::Done => return,
                Sent::Retry if Instant::now() < deadline => {
                    retry.tick().await;
                }
                Sent::Retry => {
                    tracing::warn!(node = %owner, "cluster: a session's owner does not answer");
                    let mut subs = turn.subscribers;
                    deliver(&mut subs, Arc::new(lost(&turn.req, OWNER_SILENT)));
                    return;
                }
            }
        }
    }

    async fn forward(&self, owner: &str, turn: &StartTurn) -> Sent {
        let client = self.client();
        let inbox = client.new_inbox();
        let Ok(mut events) = client.subscribe(inbox.clone()).await else {
            return Sent::Retry;
        };
        let body = Forwarded {
            turn: WireTurn::from_request(&turn.req),
            reply: inbox,
            owner: turn.subscribers.iter().any(|s| s.owner),
        };
        let Ok(body) = serde_json::to_vec(&body) else {
            return Sent::Retry;
        };
        let accepted = match client
            .request(node_subject(owner, "turn"), body.into())
            .await
        {
            Ok(m) => serde_json::from_slice::<Accepted>(&m.payload).is_ok_and(|a| a.ok),
            Err(_) => false,
        };
        if !accepted {
            return Sent::Retry;
        }
        let run_id = turn.req.run_id.clone();
        self.forwarded().insert(run_id.clone(), owner.to_string());
        let mut subs = turn.subscribers.clone();
        let gone = owners_gone(turn.subscribers.clone());
        tokio::pin!(gone);
        let quiet = self.inner.ttl * 2;
        loop {
            tokio::select! {
                next = tokio::time::timeout(quiet, events.next()) => match next {
                    Ok(Some(m)) => {
                        let Ok(ev) = serde_json::from_slice::<WireEvent>(&m.payload) else {
                            continue;
                        };
                        let ev = ev.into_event();
                        let done = matches!(ev, RunEvent::Done(_));
                        deliver(&mut subs, Arc::new(ev));
                        if done {
                            break;
                        }
                    }
                    Ok(None) => {
                        deliver(&mut subs, Arc::new(lost(&turn.req, OWNER_GONE)));
                        break;
                    }
                    Err(_) => {
                        if client.request(node_subject(owner, "ping"), "".into()).await.is_err() {
                            tracing::warn!(node = %owner, "cluster: a node went away mid-turn");
                            deliver(&mut subs, Arc::new(lost(&turn.req, OWNER_GONE)));
                            break;
                        }
                    }
                },
                _ = &mut gone => {
                    let _ = client.publish(node_subject(owner, "abort"), run_id.clone().into()).await;
                    break;
                }
            }
        }
        self.forwarded().remove(&run_id);
        Sent::Done
    }

    /// Serves turns other nodes forward to this one, aborts they ask for, and pings, on the
    /// bus runtime.
    pub(super) async fn serve(&self, router: Addr<Router>) -> Result<(), String> {
        let client = self.client().clone();
        let me = self.inner.node_id.clone();
        let sub = |what: &'static str| {
            let (client, subject) = (client.clone(), node_subject(&me, what));
            async move { client.subscribe(subject).await.map_err(|e| e.to_string()) }
        };
        let (mut turns, mut aborts, mut pings) =
            (sub("turn").await?, sub("abort").await?, sub("ping").await?);
        let c = self.clone();
        let r = router.clone();
        self.rt().spawn(async move {
            while let Some(m) = turns.next().await {
                let (c, r) = (c.clone(), r.clone());
                c.rt()
                    .clone()
                    .spawn(async move { c.serve_turn(m, r).await });
            }
        });
        self.rt().spawn(async move {
            while let Some(m) = aborts.next().await {
                let run_id = String::from_utf8_lossy(&m.payload).into_owned();
                router.do_send(Abort {
                    run_id: Some(run_id),
                    session_key: None,
                });
            }
        });
        let client = self.client().clone();
        self.rt().spawn(async move {
            while let Some(m) = pings.next().await {
                if let Some(reply) = m.reply {
                    let _ = client.publish(reply, "pong".into()).await;
                }
            }
        });
        Ok(())
    }

    async fn serve_turn(&self, m: async_nats::Message, router: Addr<Router>) {
        let client = self.client();
        let Some(reply) = m.reply.clone() else {
            return;
        };
        let Ok(f) = serde_json::from_slice::<Forwarded>(&m.payload) else {
            return;
        };
        let mine =
            matches!(self.owner_of(f.turn.session_key()).await, Ok(o) if o == self.inner.node_id);
        let answer = serde_json::to_vec(&Accepted { ok: mine }).unwrap_or_default();
        let _ = client.publish(reply, answer.into()).await;
        if !mine {
            return;
        }
        let (sub, mut rx) = Subscriber::channel(f.owner);
        router.do_send(StartOwnedTurn(StartTurn {
            req: f.turn.into_request(),
            subscribers: vec![sub],
            home: None,
        }));
        while let Some(ev) = rx.recv().await {
            let done = matches!(&*ev, RunEvent::Done(_));
            if let Ok(body) = serde_json::to_vec(&WireEvent::of(&ev)) {
                let _ = client.publish(f.reply.clone(), body.into()).await;
            }
            if done {
                break;
            }
        }
    }
}

fn lost(req: &crate::core::run::TurnRequest, why: &'static str) -> RunEvent {
    lost_outcome(&req.run_id, &req.session_key, &req.agent_id, why)
}
