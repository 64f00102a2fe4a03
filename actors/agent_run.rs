//! `AgentRun`: one agent turn, the model ⇄ tool loop.
//!
//! - Owns: the run's subscribers, its cancel switch and its accumulated output.
//! - Started by: [`super::session::Session`] when the turn reaches the head of its queue, on the
//!   session's arbiter (so work spreads over the shard pool).
//! - Talks to: the model providers (awc, this thread's client), tools, the store (persists the
//!   turn's messages and run row before announcing the end), [`super::router::Router`]
//!   (registration, for abort/subscribe by run id and shutdown draining) and its session
//!   (`RunFinished`). Subscribers receive [`RunEvent`]s through bounded channels; a subscriber
//!   whose channel is closed or full is dropped. When every *owner* subscriber (the HTTP request
//!   that started the run) goes away, the run is aborted.

use super::router::{self, Router};
use super::session::{self, Session};
use crate::agent::prompt;
use crate::config::{AgentConfig, Config, ModelChoice};
use crate::core::run::{
    EventRef, ReplyRoute, RunEvent, RunFailure, RunOutcome, Subscriber, TurnRequest,
};
use crate::providers;
use crate::providers::types::Message;
use crate::providers::types::*;
use crate::storage::{now_ms, NewMessage, RunStatus, Store};
use crate::tools::{self, Tool, ToolContext};
use actix::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

mod history;
use history::history_budget;
pub use history::{fit_history, sanitize_history, DEFAULT_CONTEXT_TOKENS};

/// Tool rounds allowed in one turn before the run stops calling the model.
pub const MAX_TOOL_STEPS: usize = 16;
/// Subscribers plus the text streamed so far in the current step.
#[derive(Default)]
struct Fanout {
    subs: Vec<Subscriber>,
    step_text: String,
}

impl Fanout {
    fn emit(&mut self, ev: RunEvent) {
        if let RunEvent::Delta(t) = &ev {
            self.step_text.push_str(t);
        }
        if self.subs.is_empty() {
            return;
        }
        let ev = Arc::new(ev);
        self.subs.retain(|s| match s.tx.try_send(ev.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("dropping a run subscriber that stopped reading");
                false
            }
        });
    }
}

/// Attach a subscriber to a running run.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe {
    /// The subscriber.
    pub sub: Subscriber,
}

/// A user message for the running turn (queue mode `steer`); answers whether the turn added
/// it before a model call (`false`: the turn ended first).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Steer {
    /// The message.
    pub text: String,
}

/// Steering messages waiting for the run's next model call.
#[derive(Default)]
struct SteerInbox {
    waiting: Vec<(String, tokio::sync::oneshot::Sender<bool>)>,
    closed: bool,
}

impl SteerInbox {
    /// The waiting messages, each told it was added.
    fn drain(&mut self) -> Vec<String> {
        self.waiting
            .drain(..)
            .map(|(text, done)| {
                let _ = done.send(true);
                text
            })
            .collect()
    }

    /// No more model calls: the waiting messages are told they were not added.
    fn close(&mut self) {
        self.closed = true;
        for (_, done) in self.waiting.drain(..) {
            let _ = done.send(false);
        }
    }
}

/// Cancel the run.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Abort;

/// Everything a run needs, prepared by its session.
pub struct RunParams {
    /// The turn.
    pub req: TurnRequest,
    /// Resolves once the turn's input and run row are committed; awaited before the model call.
    pub input_persisted: Option<crate::storage::StoreFuture<()>>,
    /// Conversation for the model, oldest first, ending with this turn's user message.
    pub context: Vec<Message>,
    /// Transcript id to append to.
    pub session_id: String,
    /// The agent.
    pub agent: AgentConfig,
    /// Model to use (override already applied).
    pub model: ModelChoice,
    /// Configuration.
    pub config: Arc<Config>,
    /// Store.
    pub store: Store,
    /// Server tools the agent may call.
    pub tools: Vec<Arc<dyn Tool>>,
    /// What those tools reach the gateway through.
    pub tool_host: Arc<dyn tools::ToolHost>,
    /// Where the turn's timings and counts go.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Initial subscribers.
    pub subscribers: Vec<Subscriber>,
    /// Owning session.
    pub session: Addr<Session>,
    /// The router.
    pub router: Addr<Router>,
}

/// The actor.
pub struct AgentRun {
    params: Option<RunParams>,
    run_id: String,
    session_key: String,
    fanout: Rc<RefCell<Fanout>>,
    steer: Rc<RefCell<SteerInbox>>,
    cancel: watch::Sender<bool>,
    router: Addr<Router>,
}

impl AgentRun {
    /// Prepares the actor (call `.start()` on the session's arbiter).
    pub fn new(mut params: RunParams) -> Self {
        let fanout = Fanout {
            subs: std::mem::take(&mut params.subscribers),
            step_text: String::new(),
        };
        AgentRun {
            run_id: params.req.run_id.clone(),
            session_key: params.req.session_key.clone(),
            router: params.router.clone(),
            params: Some(params),
            fanout: Rc::new(RefCell::new(fanout)),
            steer: Rc::default(),
            cancel: watch::channel(false).0,
        }
    }
}

impl Actor for AgentRun {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.router.do_send(router::RunStarted {
            run_id: self.run_id.clone(),
            session_key: self.session_key.clone(),
            addr: ctx.address(),
        });
        let Some(params) = self.params.take() else {
            return;
        };
        let fut = drive(
            params,
            self.fanout.clone(),
            self.steer.clone(),
            self.cancel.subscribe(),
        );
        ctx.spawn(fut.into_actor(self).map(|_, _, ctx| ctx.stop()));
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.router.do_send(router::RunEnded {
            run_id: self.run_id.clone(),
        });
        Running::Stop
    }
}

impl Handler<Subscribe> for AgentRun {
    type Result = ();
    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) {
        self.fanout.borrow_mut().subs.push(msg.sub);
    }
}

impl Handler<Steer> for AgentRun {
    type Result = ResponseFuture<bool>;
    fn handle(&mut self, msg: Steer, _: &mut Self::Context) -> Self::Result {
        let mut inbox = self.steer.borrow_mut();
        if inbox.closed {
            return Box::pin(async { false });
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        inbox.waiting.push((msg.text, tx));
        Box::pin(async move { rx.await.unwrap_or(false) })
    }
}

impl Handler<Abort> for AgentRun {
    type Result = ();
    fn handle(&mut self, _: Abort, _: &mut Self::Context) {
        let _ = self.cancel.send(true);
    }
}

/// Resolves when the run should stop early.
async fn cancelled(
    mut rx: watch::Receiver<bool>,
    owners: Vec<mpsc::Sender<EventRef>>,
) -> &'static str {
    let owners_gone = async move {
        if owners.is_empty() {
            std::future::pending::<()>().await;
        }
        futures_util::future::join_all(owners.iter().map(|o| o.closed())).await;
    };
    tokio::select! {
        r = rx.wait_for(|v| *v) => match r {
            Ok(_) => "aborted by request",
            Err(_) => std::future::pending().await,
        },
        _ = owners_gone => "client disconnected",
    }
}

struct TurnResult {
    text: String,
    new_messages: Vec<Message>,
    usage: Usage,
    stop: StopReason,
    pending: Vec<ToolCall>,
    model: Option<String>,
}

/// Where a turn's time went: from acceptance to the first model request, in model calls,
/// from the last model call to the committed outcome.
struct TurnClock {
    accepted: std::time::Instant,
    first_call: Option<std::time::Instant>,
    last_done: Option<std::time::Instant>,
    provider: std::time::Duration,
}

impl TurnClock {
    fn new(accepted: std::time::Instant) -> Self {
        TurnClock {
            accepted,
            first_call: None,
            last_done: None,
            provider: std::time::Duration::ZERO,
        }
    }

    /// A model call starts now.
    fn provider_call(&mut self) -> std::time::Instant {
        let now = std::time::Instant::now();
        self.first_call.get_or_insert(now);
        now
    }

    /// The model call started at `at` returned.
    fn provider_done(&mut self, at: std::time::Instant) {
        let now = std::time::Instant::now();
        self.provider += now.duration_since(at);
        self.last_done = Some(now);
    }

    /// The turn's times, its outcome committed now.
    fn times(&self) -> crate::core::run::TurnTimes {
        let now = std::time::Instant::now();
        let total = now.duration_since(self.accepted);
        crate::core::run::TurnTimes {
            pre_provider: self
                .first_call
                .map_or(total, |f| f.duration_since(self.accepted)),
            provider: self.provider,
            post_provider: self
                .last_done
                .map_or(std::time::Duration::ZERO, |d| now.duration_since(d)),
            total,
        }
    }
}

/// Records the finished turn: its times, and its tokens by the model that answered.
fn record(p: &RunParams, status: RunStatus, turn: &TurnResult, times: crate::core::run::TurnTimes) {
    p.metrics.turn(status.as_str(), times);
    let (provider, model) = match turn.model.as_deref().and_then(|m| m.split_once('/')) {
        Some((provider, model)) => (provider, model),
        None => ("none", "none"),
    };
    let m = &p.metrics.tokens;
    m.with_label_values(&[provider, model, "input"])
        .inc_by(turn.usage.input);
    m.with_label_values(&[provider, model, "output"])
        .inc_by(turn.usage.output);
}

impl TurnResult {
    /// What a failed turn keeps: the text streamed on its last step, as an assistant message.
    fn partial(text: String, usage: Usage, model: Option<String>) -> TurnResult {
        let new_messages = if text.is_empty() {
            vec![]
        } else {
            vec![Message::text(Role::Assistant, text.clone())]
        };
        TurnResult {
            text,
            new_messages,
            usage,
            stop: StopReason::Stop,
            pending: vec![],
            model,
        }
    }
}

/// Commits the turn's output, the run's end and the session's counters (before anyone hears
/// of the end, so a finished run is always stored).
async fn persist_end(
    p: &RunParams,
    status: RunStatus,
    failure: Option<&RunFailure>,
    turn: &TurnResult,
) {
    let messages = turn
        .new_messages
        .iter()
        .map(|m| NewMessage {
            role: m.role,
            content: m.content.to_string(),
            tool_calls: m.tool_calls.clone(),
            tool_call_id: m.tool_call_id.clone(),
        })
        .collect();
    let end = crate::storage::TurnEnd {
        key: p.req.session_key.clone(),
        session_id: p.session_id.clone(),
        run_id: p.req.run_id.clone(),
        messages,
        status,
        usage: turn.usage,
        model: turn.model.clone(),
        error: failure.map(|f| f.to_string()),
    };
    if let Err(e) = p.store.end_turn(end).await {
        tracing::error!(error = %e, run_id = %p.req.run_id, "cannot persist the end of a run");
    }
}

/// Runs the turn, persists it, announces the outcome and tells the session.
async fn drive(
    mut p: RunParams,
    fanout: Rc<RefCell<Fanout>>,
    steer: Rc<RefCell<SteerInbox>>,
    cancel: watch::Receiver<bool>,
) {
    let started_at = now_ms();
    let clock = Rc::new(RefCell::new(TurnClock::new(p.req.accepted)));
    let owners: Vec<_> = fanout
        .borrow()
        .subs
        .iter()
        .filter(|s| s.owner)
        .map(|s| s.tx.clone())
        .collect();
    let model_name = p.model.primary.as_ref().map(|m| m.to_string());
    fanout.borrow_mut().emit(RunEvent::Start {
        run_id: p.req.run_id.clone(),
        session_key: p.req.session_key.clone(),
        session_id: p.session_id.clone(),
        model: model_name.clone(),
        message: p.req.message.clone(),
        started_at,
    });
    let timeout = p.req.timeout.unwrap_or(p.config.run_timeout);
    let context = std::mem::take(&mut p.context);
    let usage_acc = Rc::new(RefCell::new(Usage::default()));
    let persisted = match p.input_persisted.take() {
        Some(f) => f
            .await
            .map_err(|e| RunFailure::Internal(format!("cannot persist the turn: {e}"))),
        None => Ok(()),
    };
    let result = if let Err(f) = persisted {
        Err(f)
    } else {
        tokio::select! {
        r = tokio::time::timeout(timeout, run_turn(&p, context, &fanout, &steer, &usage_acc, &clock, tools::Cancel::from_watch(cancel.clone()))) => r.unwrap_or(Err(RunFailure::Timeout)),
        reason = cancelled(cancel, owners) => Err(RunFailure::Aborted(reason)),
        }
    };
    // No more model calls: steering messages still waiting run as followups.
    steer.borrow_mut().close();
    let (status, failure, turn) = match result {
        Ok(t) => (RunStatus::Ok, None, t),
        Err(f) => {
            // Keep what the model already said on this step.
            let partial = std::mem::take(&mut fanout.borrow_mut().step_text);
            let turn = TurnResult::partial(partial, *usage_acc.borrow(), model_name.clone());
            (f.status(), Some(f), turn)
        }
    };
    persist_end(&p, status, failure.as_ref(), &turn).await;
    let times = clock.borrow().times();
    record(&p, status, &turn, times);
    let ended_at = now_ms();
    match &failure {
        None => {
            tracing::info!(run_id = %p.req.run_id, session = %p.req.session_key, ms = ended_at - started_at, input = turn.usage.input, output = turn.usage.output, "turn completed")
        }
        Some(f) => {
            tracing::warn!(run_id = %p.req.run_id, session = %p.req.session_key, ms = ended_at - started_at, error = %f, "turn failed")
        }
    }
    let delivery = match (&p.req.deliver, &failure) {
        (Some(route), None) if !turn.text.trim().is_empty() => {
            Some(Box::new(deliver_reply(&p, route, &turn.text).await))
        }
        _ => None,
    };
    let outcome = RunOutcome {
        delivery,
        run_id: p.req.run_id.clone(),
        session_key: p.req.session_key.clone(),
        agent_id: p.req.agent_id.clone(),
        status,
        text: turn.text,
        usage: turn.usage,
        stop: turn.stop,
        pending_tool_calls: turn.pending,
        failure,
        model: turn.model,
        started_at,
        ended_at,
        times: Some(Box::new(times)),
    };
    fanout.borrow_mut().emit(RunEvent::Done(outcome));
    p.session.do_send(session::RunFinished {
        run_id: p.req.run_id.clone(),
        new_messages: turn.new_messages,
    });
}

/// Sends the final reply to `route` through the gateway's one delivery path; the report.
async fn deliver_reply(p: &RunParams, route: &ReplyRoute, text: &str) -> serde_json::Value {
    let msg = crate::channels::Deliver {
        session_key: Some(p.req.session_key.clone()),
        ..crate::channels::Deliver::text(route.channel.clone(), route.to.clone(), text)
    };
    match p.tool_host.deliver(msg).await {
        Ok(r) => serde_json::json!({"ok": true, "channel": r.channel, "to": r.to,
                                    "messageIds": r.message_ids}),
        Err(e) => {
            tracing::warn!(run_id = %p.req.run_id, channel = %route.channel, error = %e, "could not deliver the reply");
            serde_json::json!({"ok": false, "channel": route.channel, "error": e.to_string()})
        }
    }
}

/// The model request of the turn's first step (reused across tool rounds: the history is
/// moved in once and extended) and the tools to offer, the caller's own first.
fn first_request(p: &RunParams, context: Vec<Message>) -> (ModelRequest, Vec<ToolSpec>) {
    let mut specs = p.req.client_tools.clone();
    specs.extend(tools::ToolRegistry::specs(&p.tools));
    let tool_names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let skills = p.tool_host.skills(&p.agent.id);
    let has_read = tool_names.iter().any(|t| t == "read");
    let skills_section = crate::skills::prompt::for_turn(
        skills.as_deref().map_or("", |s| s.prompt.as_str()),
        has_read,
    );
    let system = prompt::system_prompt(
        &p.agent,
        p.req.extra_system_prompt.as_deref(),
        &tool_names,
        &skills_section,
    );
    let budget = history_budget(&p.config, &p.model, system.len());
    let req = ModelRequest {
        model: String::new(),
        system,
        messages: sanitize_history(fit_history(context, budget)),
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        thinking: p.req.thinking.or(p.agent.thinking),
        max_tokens: p.req.max_tokens,
        temperature: p.req.temperature,
        top_p: p.req.top_p,
        stream: p.req.stream,
        options: p.req.options.clone(),
    };
    (req, specs)
}

/// The model ⇄ tool loop: up to [`MAX_TOOL_STEPS`] rounds of server tools; a client tool call
/// ends the turn with the calls pending.
async fn run_turn(
    p: &RunParams,
    context: Vec<Message>,
    fanout: &Rc<RefCell<Fanout>>,
    steer: &Rc<RefCell<SteerInbox>>,
    usage_acc: &Rc<RefCell<Usage>>,
    clock: &Rc<RefCell<TurnClock>>,
    cancel: tools::Cancel,
) -> Result<TurnResult, RunFailure> {
    let (mut req, specs) = first_request(p, context);
    let mut new_messages = Vec::new();
    let mut model_used = None;
    let tool_ctx = ToolContext {
        host: p.tool_host.clone(),
        run_id: Some(p.req.run_id.clone()),
        store: p.store.clone(),
        config: p.config.clone(),
        session_key: p.req.session_key.clone(),
        agent_id: p.req.agent_id.clone(),
        sender_is_owner: p.req.sender_is_owner,
        spawn_depth: p.req.spawn_depth,
        cancel,
        env: p
            .tool_host
            .skills(&p.agent.id)
            .map(|s| s.env.clone())
            .unwrap_or_default(),
    };
    for step in 0..=MAX_TOOL_STEPS {
        // Steering: messages that arrived while the turn ran join it as user messages
        // before this model call (after the tool results they followed).
        for text in steer.borrow_mut().drain() {
            let msg = Message::text(Role::User, text);
            req.messages.push(msg.clone());
            new_messages.push(msg);
        }
        let offer_tools = step < MAX_TOOL_STEPS;
        req.tools = if offer_tools { specs.clone() } else { vec![] };
        req.tool_choice = if step == 0 {
            p.req.tool_choice.clone()
        } else {
            ToolChoice::Auto
        };
        fanout.borrow_mut().step_text.clear();
        let mut on_event = |e: ModelEvent| {
            let mut f = fanout.borrow_mut();
            match e {
                ModelEvent::TextDelta(t) => f.emit(RunEvent::Delta(t)),
                ModelEvent::ReasoningDelta(t) => f.emit(RunEvent::Reasoning(t)),
                ModelEvent::ToolCallStart { .. } | ModelEvent::ToolCallArgs { .. } => {}
            }
        };
        let call = clock.borrow_mut().provider_call();
        let res = providers::complete(
            &p.config,
            &p.model,
            &mut req,
            p.config.idle_timeout,
            &mut on_event,
        )
        .await;
        clock.borrow_mut().provider_done(call);
        let (out, model_ref) = res.map_err(|e| {
            p.metrics.upstream_error(&e);
            RunFailure::Provider(e)
        })?;
        usage_acc.borrow_mut().add(&out.usage);
        model_used = Some(model_ref.to_string());
        let assistant = Message {
            tool_calls: out.tool_calls.clone(),
            ..Message::text(Role::Assistant, out.text.clone())
        };
        req.messages.push(assistant.clone());
        new_messages.push(assistant);
        if out.tool_calls.is_empty() {
            return Ok(TurnResult {
                text: out.text,
                new_messages,
                usage: *usage_acc.borrow(),
                stop: out.stop,
                pending: vec![],
                model: model_used,
            });
        }
        let mut pending = Vec::new();
        for call in &out.tool_calls {
            fanout.borrow_mut().emit(RunEvent::ToolCall {
                call_id: call.id.clone(),
                name: call.name.clone(),
                arguments: call.arguments.clone(),
            });
            if p.req.client_tools.iter().any(|t| t.name == call.name) {
                pending.push(call.clone());
                continue;
            }
            let (result, is_error) = tools::executor::execute(&p.tools, &tool_ctx, call).await;
            let text = tools::result_text(&result);
            fanout.borrow_mut().emit(RunEvent::ToolResult {
                call_id: call.id.clone(),
                name: call.name.clone(),
                result,
                is_error,
            });
            let msg = Message {
                tool_call_id: Some(call.id.clone()),
                ..Message::text(Role::Tool, text)
            };
            req.messages.push(msg.clone());
            new_messages.push(msg);
        }
        if !pending.is_empty() {
            return Ok(TurnResult {
                text: out.text,
                new_messages,
                usage: *usage_acc.borrow(),
                stop: StopReason::ToolCalls,
                pending,
                model: model_used,
            });
        }
    }
    Ok(TurnResult {
        text: format!("(stopped after {MAX_TOOL_STEPS} tool steps)"),
        new_messages,
        usage: *usage_acc.borrow(),
        stop: StopReason::Length,
        pending: vec![],
        model: model_used,
    })
}
