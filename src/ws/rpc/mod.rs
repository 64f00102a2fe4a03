//! RPC method handlers, shared by both dialects.
//!
//! The connection actor authorizes a call, then [`handler`] returns a future that does the
//! work by messaging the router/hub (or reading the store) and answers through a [`Replier`].
//! The future is spawned detached from the connection: a run it started keeps going, and its
//! idempotency entry is completed, even if the client disconnects.

mod agent;
mod approvals;
mod attachments;
mod browser;
mod channels;
mod chat;
mod config;
mod cron;
mod keys;
mod memory;
mod nodes;
mod pairing;
mod poll;
mod sessions;
mod skills;
mod system;
pub mod wait;

use super::dialect::{simple_error_from_shape, simple_result, SimpleId};
use super::frames::{ErrorShape, ResFrame};
use super::outbox::Outbox;
use crate::actors::ws_hub::{DeliverAfterRun, WsHub};
use crate::state::AppState;
use actix::Addr;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

/// Where replies go.
#[derive(Debug, Clone)]
pub enum ReplyTo {
    /// An OpenClaw request id (`res` frames).
    OpenClaw(String),
    /// A simple-dialect id (`{"id","result"}` / `{"id","error"}`).
    Simple(SimpleId),
}

/// Answers one request (possibly more than once: `agent` acks, then answers).
#[derive(Debug, Clone)]
pub struct Replier {
    outbox: Outbox,
    to: ReplyTo,
}

impl Replier {
    /// A replier for request `to` on `outbox`.
    pub fn new(outbox: Outbox, to: ReplyTo) -> Self {
        Replier { outbox, to }
    }

    /// Whether the caller speaks the simple dialect.
    pub fn is_simple(&self) -> bool {
        matches!(self.to, ReplyTo::Simple(_))
    }

    /// The connection's outbox (for streaming simple-dialect events).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The final successful answer.
    pub fn ok(&self, payload: Value) {
        let text = match &self.to {
            ReplyTo::OpenClaw(id) => ResFrame::ok(id.clone(), payload).to_json(),
            ReplyTo::Simple(id) => simple_result(id, payload).to_string(),
        };
        let _ = self.outbox.push_str(text);
    }

    /// An intermediate answer (OpenClaw only; the simple dialect answers once).
    pub fn ack(&self, payload: Value) {
        if !self.is_simple() {
            self.ok(payload);
        }
    }

    /// A failure.
    pub fn err(&self, error: ErrorShape) {
        let text = match &self.to {
            ReplyTo::OpenClaw(id) => ResFrame::err(id.clone(), error).to_json(),
            ReplyTo::Simple(id) => simple_error_from_shape(id, &error).to_string(),
        };
        let _ = self.outbox.push_str(text);
    }

    /// The final answer (`ok`, or a failure with a payload), sent only after the hub has
    /// broadcast every event of `run_id`, as OpenClaw orders them.
    pub fn final_after_run(
        &self,
        run_id: &str,
        hub: &Addr<WsHub>,
        payload: Value,
        error: Option<ErrorShape>,
    ) {
        let ReplyTo::OpenClaw(id) = &self.to else {
            return match error {
                Some(e) => self.err(e),
                None => self.ok(payload),
            };
        };
        let frame = match error {
            Some(e) => ResFrame::err_with_payload(id.clone(), payload, e),
            None => ResFrame::ok(id.clone(), payload),
        };
        hub.do_send(DeliverAfterRun {
            run_id: run_id.to_string(),
            outbox: self.outbox.clone(),
            text: frame.to_json(),
        });
    }

    /// A failure that also carries a payload (OpenClaw `agent` final errors).
    pub fn err_with_payload(&self, payload: Value, error: ErrorShape) {
        match &self.to {
            ReplyTo::OpenClaw(id) => {
                let _ = self
                    .outbox
                    .push_str(ResFrame::err_with_payload(id.clone(), payload, error).to_json());
            }
            ReplyTo::Simple(_) => self.err(error),
        }
    }
}

/// One authorized call.
pub struct Call {
    /// Gateway state (router, hub, store, config).
    pub app: AppState,
    /// The calling connection.
    pub conn_id: String,
    /// The credential it authenticated with.
    pub credential: crate::core::CredentialId,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Parameters (`{}` when absent).
    pub params: Value,
    /// Where the answer goes.
    pub reply: Replier,
}

impl Call {
    /// A string parameter (trimmed, non-empty).
    pub fn str_param(&self, key: &str) -> Option<&str> {
        self.params
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A non-negative integer parameter.
    pub fn u64_param(&self, key: &str) -> Option<u64> {
        self.params.get(key).and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        })
    }
}

type Handler = fn(Call) -> LocalBoxFuture<'static, ()>;

/// The handler for `method`, or `None` for an unknown method.
pub fn handler(method: &str) -> Option<Handler> {
    let h: Handler = match method {
        "health" => |c| Box::pin(system::health(c)),
        "status" => |c| Box::pin(system::status(c)),
        "models.list" => |c| Box::pin(system::models_list(c)),
        "config.get" => |c| Box::pin(system::config_get(c)),
        "config.set" => |c| Box::pin(config::set(c)),
        "config.apply" => |c| Box::pin(config::set(c)),
        "config.patch" => |c| Box::pin(config::patch(c)),
        "last-heartbeat" => |c| Box::pin(system::last_heartbeat(c)),
        "logs.tail" => |c| Box::pin(system::logs_tail(c)),
        "wake" => |c| Box::pin(system::wake(c)),
        "system-event" => |c| Box::pin(system::system_event(c)),
        "system-presence" => |c| Box::pin(system::presence(c)),
        "channels.status" => |c| Box::pin(channels::channels_status(c)),
        "send" => |c| Box::pin(channels::send(c)),
        "pairing.list" => |c| Box::pin(pairing::list(c)),
        "pairing.approve" => |c| Box::pin(pairing::resolve(c, true)),
        "pairing.reject" => |c| Box::pin(pairing::resolve(c, false)),
        "poll" => |c| Box::pin(poll::poll(c)),
        "node.invoke" => |c| Box::pin(nodes::invoke(c)),
        "agent" => |c| Box::pin(agent::agent(c)),
        "agent.wait" => |c| Box::pin(agent::agent_wait(c)),
        "chat.send" => |c| Box::pin(chat::send(c)),
        "chat.history" => |c| Box::pin(chat::history(c)),
        "chat.abort" => |c| Box::pin(chat::abort(c)),
        "sessions.list" => |c| Box::pin(sessions::list(c)),
        "sessions.get" => |c| Box::pin(sessions::get(c)),
        "sessions.create" => |c| Box::pin(sessions::create(c)),
        "sessions.patch" => |c| Box::pin(sessions::patch(c)),
        "sessions.reset" => |c| Box::pin(sessions::reset(c)),
        "sessions.delete" => |c| Box::pin(sessions::delete(c)),
        "sessions.subscribe" => |c| Box::pin(sessions::subscribe(c, true)),
        "sessions.unsubscribe" => |c| Box::pin(sessions::subscribe(c, false)),
        "cron.list" => |c| Box::pin(cron::list(c)),
        "cron.status" => |c| Box::pin(cron::status(c)),
        "cron.add" => |c| Box::pin(cron::add(c)),
        "cron.update" => |c| Box::pin(cron::update(c)),
        "cron.remove" => |c| Box::pin(cron::remove(c)),
        "cron.run" => |c| Box::pin(cron::run(c)),
        "cron.runs" => |c| Box::pin(cron::runs(c)),
        "keys.create" => |c| Box::pin(keys::create(c)),
        "keys.list" => |c| Box::pin(keys::list(c)),
        "keys.revoke" => |c| Box::pin(keys::revoke(c)),
        "keys.rotate" => |c| Box::pin(keys::rotate(c)),
        "keys.usage" => |c| Box::pin(keys::usage(c)),
        "keys.audit" => |c| Box::pin(keys::audit(c)),
        "skills.status" => |c| Box::pin(skills::status(c)),
        "exec.approval.list" => |c| Box::pin(approvals::list(c)),
        "exec.approval.get" => |c| Box::pin(approvals::get(c)),
        "exec.approval.resolve" => |c| Box::pin(approvals::resolve(c)),
        "memory.search" => |c| Box::pin(memory::search(c)),
        "memory.status" => |c| Box::pin(memory::status(c)),
        "memory.index" => |c| Box::pin(memory::index(c)),
        "browser.status" => |c| Box::pin(browser::status(c)),
        "browser.navigate" => |c| Box::pin(browser::navigate(c)),
        "browser.screenshot" => |c| Box::pin(browser::screenshot(c)),
        "browser.snapshot" => |c| Box::pin(browser::snapshot(c)),
        "browser.act" => |c| Box::pin(browser::act(c)),
        _ => return None,
    };
    Some(h)
}

/// Runs a simple-dialect `chat.run` (streams `chat.delta` / `tool.*` / `chat.done`).
pub fn chat_run(call: Call) -> LocalBoxFuture<'static, ()> {
    Box::pin(chat::run_simple(call))
}

/// Runs a simple-dialect `channel.list`.
pub fn channel_list(call: Call) -> LocalBoxFuture<'static, ()> {
    Box::pin(channels::channel_list(call))
}

/// Runs a simple-dialect `channel.status {channelId}`.
pub fn channel_status(call: Call) -> LocalBoxFuture<'static, ()> {
    Box::pin(channels::channel_status(call))
}

/// The `channels` object of `GET /status` (one state per supported channel).
pub use channels::summary as channels_summary;

/// An `INVALID_REQUEST` for a missing or invalid parameter.
pub fn bad_param(msg: impl Into<String>) -> ErrorShape {
    ErrorShape::invalid_request(msg)
}
