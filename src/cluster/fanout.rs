//! Events every node's WebSocket clients see. Each node publishes the events of the turns it
//! runs on `clawgate.runs` and its broadcast gateway events (presence, `sessions.changed`,
//! `cron`, `config.changed` …) on `clawgate.events`; every other node re-emits them through its
//! own `WsHub` (a remote run is observed like a local one, so `chat` deltas and `agent` events
//! reach clients on any node). Envelopes carry the sending node's id and a node ignores its
//! own; re-emitted events are never published again, so nothing loops.

use super::bus::{events_subject, runs_subject};
use super::wire::WireEvent;
use super::Cluster;
use crate::actors::router::{RemoteRun, Router, RunObserved, SetTurnGate};
use crate::actors::ws_hub::{RemoteEvent, SetBusSink, WsHub};
use crate::core::run::{EventRef, RunEvent, SUBSCRIBER_BUFFER};
use actix::Addr;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Remote runs followed at most at once (entries of runs whose node died are dropped past it).
const MAX_REMOTE_RUNS: usize = 10_000;

/// One event of a run, as published on `clawgate.runs`.
#[derive(Serialize, Deserialize)]
struct RunEnvelope {
    node: String,
    run_id: String,
    session_key: String,
    agent_id: String,
    event: WireEvent,
}

/// One broadcast gateway event, as published on `clawgate.events`.
#[derive(Serialize, Deserialize)]
struct EventEnvelope {
    node: String,
    event: String,
    payload: Value,
}

impl Cluster {
    /// Starts serving this node's part of the cluster: forwarded turns, lease renewals, and the
    /// event fan-out both ways; then routes every turn through the cluster.
    pub async fn attach(&self, router: Addr<Router>, hub: Addr<WsHub>) -> Result<(), String> {
        self.serve(router.clone()).await?;
        self.serve_sessions(router.clone()).await?;
        self.spawn_renewals();
        let (tap, taps) = mpsc::unbounded_channel();
        self.publish_runs(taps);
        self.follow_runs(hub.clone(), router.clone()).await?;
        let (sink, sunk) = mpsc::unbounded_channel();
        self.publish_events(sunk);
        self.follow_events(hub.clone()).await?;
        hub.do_send(SetBusSink { sink });
        router.do_send(SetTurnGate {
            gate: Arc::new(self.clone()),
            tap,
        });
        Ok(())
    }

    fn publish_runs(&self, mut taps: mpsc::UnboundedReceiver<RunObserved>) {
        let c = self.clone();
        self.rt().spawn(async move {
            while let Some(run) = taps.recv().await {
                let c2 = c.clone();
                c.rt().spawn(async move {
                    let mut rx = run.rx;
                    while let Some(ev) = rx.recv().await {
                        let env = RunEnvelope {
                            node: c2.inner.node_id.clone(),
                            run_id: run.run_id.clone(),
                            session_key: run.session_key.clone(),
                            agent_id: run.agent_id.clone(),
                            event: WireEvent::of(&ev),
                        };
                        if let Ok(body) = serde_json::to_vec(&env) {
                            let _ = c2.client().publish(runs_subject(), body.into()).await;
                        }
                    }
                });
            }
        });
    }

    async fn follow_runs(&self, hub: Addr<WsHub>, router: Addr<Router>) -> Result<(), String> {
        let mut sub = self
            .client()
            .subscribe(runs_subject())
            .await
            .map_err(|e| e.to_string())?;
        let me = self.inner.node_id.clone();
        let c = self.clone();
        self.rt().spawn(async move {
            let mut runs: HashMap<String, [mpsc::Sender<EventRef>; 2]> = HashMap::new();
            while let Some(m) = sub.next().await {
                let Ok(env) = serde_json::from_slice::<RunEnvelope>(&m.payload) else {
                    continue;
                };
                if env.node == me {
                    continue;
                }
                let ev = env.event.into_event();
                let done = matches!(ev, RunEvent::Done(_));
                if let RunEvent::Done(o) = &ev {
                    c.run_finished(o);
                }
                if !runs.contains_key(&env.run_id) {
                    if runs.len() >= MAX_REMOTE_RUNS {
                        runs.retain(|_, txs| txs.iter().any(|tx| !tx.is_closed()));
                        if runs.len() >= MAX_REMOTE_RUNS {
                            runs.clear();
                        }
                    }
                    let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
                    hub.do_send(RunObserved {
                        run_id: env.run_id.clone(),
                        session_key: env.session_key.clone(),
                        agent_id: env.agent_id.clone(),
                        rx,
                    });
                    // Session followers (history follow mode) on this node see it too.
                    let (watch_tx, watch_rx) = mpsc::channel(SUBSCRIBER_BUFFER);
                    router.do_send(RemoteRun {
                        session_key: env.session_key.clone(),
                        rx: watch_rx,
                    });
                    runs.insert(env.run_id.clone(), [tx, watch_tx]);
                }
                if let Some(txs) = runs.get(&env.run_id) {
                    let ev = Arc::new(ev);
                    for tx in txs {
                        let _ = tx.try_send(ev.clone());
                    }
                }
                if done {
                    runs.remove(&env.run_id);
                }
            }
        });
        Ok(())
    }

    fn publish_events(&self, mut sunk: mpsc::UnboundedReceiver<(String, Value)>) {
        let c = self.clone();
        self.rt().spawn(async move {
            while let Some((event, payload)) = sunk.recv().await {
                let env = EventEnvelope {
                    node: c.inner.node_id.clone(),
                    event,
                    payload,
                };
                if let Ok(body) = serde_json::to_vec(&env) {
                    let _ = c.client().publish(events_subject(), body.into()).await;
                }
            }
        });
    }

    async fn follow_events(&self, hub: Addr<WsHub>) -> Result<(), String> {
        let mut sub = self
            .client()
            .subscribe(events_subject())
            .await
            .map_err(|e| e.to_string())?;
        let me = self.inner.node_id.clone();
        self.rt().spawn(async move {
            while let Some(m) = sub.next().await {
                match serde_json::from_slice::<EventEnvelope>(&m.payload) {
                    Ok(env) if env.node != me => hub.do_send(RemoteEvent {
                        event: env.event,
                        payload: env.payload,
                    }),
                    _ => {}
                }
            }
        });
        Ok(())
    }
}
