//! `Session`: one conversation (one session key).
//!
//! - Owns: its session row and in-memory transcript (loaded lazily from the store on the first
//!   turn), the running turn and the queue of turns waiting behind it (at most one runs at a
//!   time). It is the only writer of its session: create, patch, reset and delete arrive as
//!   [`Mutate`] messages in the same mailbox as turns, so they are ordered with them, and a
//!   patched model or thinking level applies from the next turn.
//! - Started by: [`super::router::Router`], on the arbiter its key hashes to.
//! - Talks to: the store (loads history, persists each user message before the turn starts,
//!   applies mutations),
//!   [`super::agent_run::AgentRun`] (starts one per turn), the router (asks to be released when
//!   idle so memory stays bounded with many sessions).

use super::agent_run::{self, AgentRun, RunParams};
use super::router::{self, Router};
use crate::config::{ConfigHandle, ModelChoice};
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, RunOutcome, Subscriber};
use crate::providers::types::{Message, Role, StopReason, Usage};
use crate::storage::{now_ms, NewMessage, RunStatus, SessionPatch, SessionRow, Store};
use crate::tools::{self, ToolRegistry};
use actix::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A session with no activity for this long releases itself.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often idleness is checked.
pub const IDLE_CHECK: Duration = Duration::from_secs(15);
/// Messages of stored history loaded into a session (older ones stay in the store).
pub const HISTORY_LIMIT: usize = 400;
/// Most bytes of history an idle session keeps cached between turns; a larger history is
/// dropped after its turn and read back from the store by the next one, so memory stays
/// bounded by the number of sessions, not by how much they have said.
pub const HISTORY_CACHE_BYTES: usize = 512 * 1024;

/// Queue a turn on this session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Enqueue {
    /// The turn.
    pub req: TurnRequest,
    /// Subscribers that want its events from the start.
    pub subscribers: Vec<Subscriber>,
}

/// The running turn finished (sent by its `AgentRun`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RunFinished {
    /// Run id.
    pub run_id: String,
    /// Messages the turn produced, already persisted.
    pub new_messages: Vec<Message>,
}

/// Abort the running turn (if `run_id` matches or is `None`) and drop queued ones.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct AbortTurns {
    /// A specific run, or every run of the session.
    pub run_id: Option<String>,
}

/// Attach a subscriber to one of this session's runs (queued or running); dropped when the
/// run is no longer here.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    /// Run id.
    pub run_id: String,
    /// The subscriber.
    pub sub: Subscriber,
}

/// A change to the session, applied by the session itself.
#[derive(Debug, Clone)]
pub enum SessionOp {
    /// Create the row if missing, then apply the patch.
    Create(SessionPatch),
    /// Create the row if missing, then set (or clear) label, model and thinking overrides.
    Patch(SessionPatch),
    /// Abort the running turn and the queued ones, then start a new transcript.
    Reset,
    /// Abort the running turn and the queued ones, then delete the session and its messages.
    Delete,
}

/// What [`Mutate`] did.
#[derive(Debug, Clone)]
pub struct Mutated {
    /// The row after the change (`None` after a delete).
    pub row: Option<SessionRow>,
    /// For a delete: whether the session existed.
    pub deleted: bool,
    /// Runs aborted by a reset or delete.
    pub aborted: Vec<String>,
}

/// Apply a [`SessionOp`]; answered once the change is committed.
#[derive(Message)]
#[rtype(result = "Result<Mutated, String>")]
pub struct Mutate {
    /// The change.
    pub op: SessionOp,
}

struct Queued {
    req: TurnRequest,
    subscribers: Vec<Subscriber>,
}

/// The actor.
pub struct Session {
    key: String,
    agent_id: String,
    config: ConfigHandle,
    store: Store,
    tools: ToolRegistry,
    router: Addr<Router>,
    metrics: Arc<crate::metrics::Metrics>,
    /// The stored row (transcript id and overrides), loaded with the history.
    row: Option<SessionRow>,
    history: Option<Vec<Message>>,
    active: Option<(String, Addr<AgentRun>)>,
    /// A run aborted by a reset or delete: what it produced is not part of the new transcript.
    discard: Option<String>,
    /// The row and history are being loaded (turns wait in the queue).
    loading: bool,
    queue: VecDeque<Queued>,
    last_activity: Instant,
    /// Turns received (compared with the router's count before releasing).
    received: u64,
    releasing: bool,
}

impl Session {
    /// A session for `key`, owned by agent `agent_id`.
    pub fn new(
        key: String,
        agent_id: String,
        config: ConfigHandle,
        store: Store,
        tools: ToolRegistry,
        router: Addr<Router>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        Session {
            metrics,
            key,
            agent_id,
            config,
            store,
            tools,
            router,
            row: None,
            history: None,
            active: None,
            discard: None,
            loading: false,
            queue: VecDeque::new(),
            last_activity: Instant::now(),
            received: 0,
            releasing: false,
        }
    }

    /// Loads the row and the stored history before the first turn; the mailbox waits, so
    /// nothing reaches the session half-loaded.
    fn load(&mut self, ctx: &mut Context<Self>) {
        self.loading = true;
        let (store, key, agent) = (self.store.clone(), self.key.clone(), self.agent_id.clone());
        let fut = async move {
            let row = store.ensure_session(&key, &agent).await?;
            let stored = store.load_messages(&row.session_id, HISTORY_LIMIT).await?;
            Ok::<_, crate::storage::StoreError>((row, stored))
        };
        ctx.wait(fut.into_actor(self).map(|loaded, act, ctx| {
            act.loading = false;
            match loaded {
                Ok((row, stored)) => {
                    act.history = Some(
                        stored
                            .into_iter()
                            .map(|m| Message {
                                tool_calls: m.tool_calls,
                                tool_call_id: m.tool_call_id,
                                ..Message::text(m.role, m.content)
                            })
                            .collect(),
                    );
                    act.row = Some(row);
                    act.start_next(ctx);
                }
                Err(e) => {
                    tracing::error!(session = %act.key, error = %e, "cannot load the session");
                    for q in std::mem::take(&mut act.queue) {
                        act.router.do_send(router::RunEnded {
                            run_id: q.req.run_id.clone(),
                        });
                        fail_queued(q, &format!("cannot load the session: {e}"));
                    }
                }
            }
        }));
    }

    /// Aborts the running turn and fails the queued ones; returns their run ids.
    fn abort_all(&mut self, run_id: Option<&str>) -> Vec<String> {
        let mut ids = Vec::new();
        if let Some((id, addr)) = &self.active {
            if run_id.is_none_or(|r| r == id) {
                addr.do_send(agent_run::Abort);
                ids.push(id.clone());
            }
        }
        let mut keep = VecDeque::new();
        for q in self.queue.drain(..) {
            if run_id.is_none_or(|r| r == q.req.run_id) {
                ids.push(q.req.run_id.clone());
                self.router.do_send(router::RunEnded {
                    run_id: q.req.run_id.clone(),
                });
                fail_queued(q, "aborted before it started");
            } else {
                keep.push_back(q);
            }
        }
        self.queue = keep;
        ids
    }

    fn start_next(&mut self, ctx: &mut Context<Self>) {
        if self.loading || self.active.is_some() || self.queue.is_empty() {
            return;
        }
        if self.history.is_none() || self.row.is_none() {
            return self.load(ctx);
        }
        while self.active.is_none() {
            let Some(q) = self.queue.pop_front() else {
                return;
            };
            if let Err(e) = self.start(q.req.clone(), q.subscribers.clone(), ctx) {
                tracing::error!(session = %self.key, error = %e, "cannot start turn");
                self.router.do_send(router::RunEnded {
                    run_id: q.req.run_id.clone(),
                });
                fail_queued(q, &e);
            }
        }
    }

    fn start(
        &mut self,
        req: TurnRequest,
        subscribers: Vec<Subscriber>,
        ctx: &mut Context<Self>,
    ) -> Result<(), String> {
        let row = self.row.as_ref().ok_or("session row missing after load")?;
        let session_id = row.session_id.clone();
        // Session overrides (sessions.patch) apply when the turn does not set its own.
        let session_model = row.model.as_deref().and_then(|m| {
            let r = crate::config::ModelRef::parse(m);
            if r.is_none() {
                tracing::warn!(session = %self.key, model = m, "ignoring an unparsable session model override");
            }
            r
        });
        let session_thinking = row
            .thinking_level
            .as_deref()
            .and_then(crate::providers::types::ThinkingLevel::parse);
        let mut req = req;
        if req.model_override.is_none() {
            req.model_override = session_model;
        }
        if req.thinking.is_none() {
            req.thinking = session_thinking;
        }
        // The turn's snapshot: a reload from here on applies to the next turn, not this one.
        let config = self.config.load();
        let agent = config
            .agent(&req.agent_id)
            .cloned()
            .ok_or_else(|| format!("unknown agent {}", req.agent_id))?;
        let mut input: Vec<Message> = req.extra_messages.clone();
        if !req.message.is_empty() || !req.images.is_empty() {
            input.push(Message {
                images: req.images.clone(),
                ..Message::text(Role::User, req.message.clone())
            });
        }
        let to_store: Vec<NewMessage> = input
            .iter()
            .map(|m| NewMessage {
                role: m.role,
                content: if m.images.is_empty() {
                    m.content.to_string()
                } else {
                    format!("{}\n[{} image(s) attached]", m.content, m.images.len())
                },
                tool_calls: m.tool_calls.clone(),
                tool_call_id: m.tool_call_id.clone(),
            })
            .collect();
        let model = match &req.model_override {
            Some(m) => ModelChoice {
                primary: Some(m.clone()),
                fallbacks: vec![],
            },
            None => config.model_for(&agent),
        };
        let run_id = req.run_id.clone();
        // The turn's input and its run row are committed (group commit) before the run calls
        // the model: once accepted, a turn must survive a crash.
        let model_name = model.primary.as_ref().map(ToString::to_string);
        let persisted = self.store.begin_turn(
            &self.key,
            &session_id,
            &run_id,
            model_name.as_deref(),
            to_store,
        );
        let history = self.history.get_or_insert_with(Vec::new);
        let mut context = history.clone();
        context.extend(input.iter().cloned());
        // Images are sent for this turn only; the transcript keeps the text.
        history.extend(input.into_iter().map(|m| Message {
            images: vec![],
            ..m
        }));
        let params = RunParams {
            tools: self.tools.for_turn(
                &agent,
                model.primary.as_ref(),
                tools::Caller {
                    owner: req.sender_is_owner,
                    spawn_depth: req.spawn_depth,
                },
            ),
            tool_host: self.tools.host(),
            metrics: self.metrics.clone(),
            req,
            context,
            session_id,
            agent,
            model,
            config,
            store: self.store.clone(),
            subscribers,
            input_persisted: Some(persisted),
            session: ctx.address(),
            router: self.router.clone(),
        };
        let addr = AgentRun::new(params).start();
        self.active = Some((run_id, addr));
        Ok(())
    }
}

/// Tells a queued turn's subscribers it will not run.
fn fail_queued(q: Queued, reason: &str) {
    let now = now_ms();
    let outcome = RunOutcome {
        run_id: q.req.run_id.clone(),
        session_key: q.req.session_key.clone(),
        agent_id: q.req.agent_id.clone(),
        status: RunStatus::Aborted,
        text: String::new(),
        usage: Usage::default(),
        stop: StopReason::Stop,
        pending_tool_calls: vec![],
        failure: Some(crate::core::run::RunFailure::Internal(reason.to_string())),
        model: None,
        started_at: now,
        ended_at: now,
        delivery: None,
        times: None,
    };
    let ev = Arc::new(RunEvent::Done(outcome));
    for s in q.subscribers {
        let _ = s.tx.try_send(ev.clone());
    }
}

impl Actor for Session {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(IDLE_CHECK, |act, ctx| {
            let idle = act.active.is_none()
                && act.queue.is_empty()
                && act.last_activity.elapsed() >= IDLE_TIMEOUT;
            if idle && !act.releasing {
                act.releasing = true;
                let req = act.router.send(router::ReleaseSession {
                    key: act.key.clone(),
                    received: act.received,
                });
                ctx.spawn(req.into_actor(act).map(|res, act, ctx| {
                    act.releasing = false;
                    if res.unwrap_or(false) {
                        ctx.stop();
                    }
                }));
            }
        });
    }
}

impl Handler<Enqueue> for Session {
    type Result = ();
    fn handle(&mut self, msg: Enqueue, ctx: &mut Self::Context) {
        self.received += 1;
        self.last_activity = Instant::now();
        self.queue.push_back(Queued {
            req: msg.req,
            subscribers: msg.subscribers,
        });
        self.start_next(ctx);
    }
}

impl Handler<RunFinished> for Session {
    type Result = ();
    fn handle(&mut self, msg: RunFinished, ctx: &mut Self::Context) {
        if self
            .active
            .as_ref()
            .is_some_and(|(id, _)| *id == msg.run_id)
        {
            self.active = None;
        }
        let discarded = self.discard.as_deref() == Some(msg.run_id.as_str());
        if discarded {
            self.discard = None;
        }
        if let Some(h) = self.history.as_mut().filter(|_| !discarded) {
            h.extend(msg.new_messages);
            if h.len() > HISTORY_LIMIT * 2 {
                let cut = h.len() - HISTORY_LIMIT;
                h.drain(..cut);
            }
        }
        if self.queue.is_empty()
            && self.history.as_ref().is_some_and(|h| {
                h.iter().map(Message::heap_bytes).sum::<usize>() > HISTORY_CACHE_BYTES
            })
        {
            self.history = None;
        }
        self.last_activity = Instant::now();
        self.start_next(ctx);
    }
}

impl Handler<AbortTurns> for Session {
    type Result = bool;
    fn handle(&mut self, msg: AbortTurns, _: &mut Self::Context) -> bool {
        !self.abort_all(msg.run_id.as_deref()).is_empty()
    }
}

impl Handler<Attach> for Session {
    type Result = ();
    fn handle(&mut self, msg: Attach, _: &mut Self::Context) {
        if let Some((id, addr)) = &self.active {
            if *id == msg.run_id {
                addr.do_send(agent_run::Subscribe { sub: msg.sub });
                return;
            }
        }
        if let Some(q) = self.queue.iter_mut().find(|q| q.req.run_id == msg.run_id) {
            q.subscribers.push(msg.sub);
        }
    }
}

impl Handler<Mutate> for Session {
    type Result = AtomicResponse<Self, Result<Mutated, String>>;
    fn handle(&mut self, msg: Mutate, _: &mut Self::Context) -> Self::Result {
        self.received += 1;
        self.last_activity = Instant::now();
        let clears = matches!(msg.op, SessionOp::Reset | SessionOp::Delete);
        let aborted = if clears {
            let aborted = self.abort_all(None);
            // The aborted run's output belongs to the old transcript, not the new one.
            self.discard = self.active.as_ref().map(|(id, _)| id.clone());
            aborted
        } else {
            vec![]
        };
        let (store, key, agent) = (self.store.clone(), self.key.clone(), self.agent_id.clone());
        let op = msg.op;
        let reset = matches!(op, SessionOp::Reset);
        let fut = async move {
            match op {
                SessionOp::Create(patch) | SessionOp::Patch(patch) => {
                    store.ensure_session(&key, &agent).await?;
                    Ok((store.patch_session(&key, &patch).await?, false))
                }
                SessionOp::Reset => {
                    store.ensure_session(&key, &agent).await?;
                    Ok((store.reset_session(&key).await?, false))
                }
                SessionOp::Delete => Ok((None, store.delete_session(&key).await?)),
            }
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(
            move |done: Result<(Option<SessionRow>, bool), crate::storage::StoreError>, act, _| {
                let (row, deleted) = done.map_err(|e| {
                    tracing::error!(session = %act.key, error = %e, "session change failed");
                    e.to_string()
                })?;
                if reset {
                    act.history = row.as_ref().map(|_| Vec::new());
                } else if clears {
                    act.history = None;
                }
                act.row = row.clone();
                if act.row.is_none() {
                    act.history = None;
                }
                Ok(Mutated {
                    row,
                    deleted,
                    aborted,
                })
            },
        )))
    }
}
