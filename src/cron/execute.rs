//! Running one cron job and describing the result (the run-log entry's fields).
//!
//! - `main`: the text becomes a system event on the default agent's main session; with
//!   `wakeMode: "now"` a heartbeat turn runs at once and the job waits for it.
//! - `isolated`: an agent turn in the job's own session `agent:<id>:cron:<jobId>`, started
//!   fresh (new session id) on every run; `session:<key>`: an agent turn in that session.
//! - Delivery of the final text: `announce` → the channel delivery interface, `webhook` →
//!   POST of the finished event, `none`. A silent `NO_REPLY` is never delivered.

use super::job::{CronJob, Payload};
use super::schedule::run_timeout;
use super::webhook::{self, WebhookTarget};
use crate::actors::router::{MutateSession, Router};
use crate::actors::session::SessionOp;
use crate::actors::ws_hub::WsHub;
use crate::agent::isolated::{is_silent, run_turn};
use crate::agent::system_events::MainSession;
use crate::channels::{Deliver, Outbound};
use crate::config::Config;
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, RunOutcome};
use crate::core::SessionKey;
use crate::providers::types::ThinkingLevel;
use crate::storage::{now_ms, RunStatus, Store};
use actix::Addr;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// What a job run needs.
#[derive(Clone)]
pub struct Deps {
    /// Starts turns.
    pub router: Addr<Router>,
    /// System-event queue and heartbeat broadcasts.
    pub hub: Addr<WsHub>,
    /// Configuration.
    pub config: Arc<Config>,
    /// Channel delivery.
    pub outbound: Outbound,
    /// Session lookups and resets.
    pub store: Store,
    /// The main session's system-event queue.
    pub system_events: crate::agent::system_events::SystemEventQueue,
}

/// The result of one run (OpenClaw's run-log fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// `ok` | `error` | `skipped`.
    pub status: String,
    /// Error text.
    pub error: Option<String>,
    /// The final text (or the system event text).
    pub summary: Option<String>,
    /// Whether it was delivered.
    pub delivered: Option<bool>,
    /// `delivered` | `not-delivered` | `not-requested`.
    pub delivery_status: String,
    /// Delivery error.
    pub delivery_error: Option<String>,
    /// Session id of the run.
    pub session_id: Option<String>,
    /// Session key of the run.
    pub session_key: Option<String>,
    /// Model that answered.
    pub model: Option<String>,
    /// Its provider.
    pub provider: Option<String>,
    /// Token usage.
    pub usage: Option<Value>,
}

impl RunResult {
    fn new(status: &str) -> Self {
        RunResult {
            status: status.into(),
            delivery_status: "not-requested".into(),
            ..Default::default()
        }
    }

    /// The run-log entry / `cron` event fields of this result.
    pub fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status));
        let mut opt = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        opt("error", self.error.clone().map(Value::from));
        opt("summary", self.summary.clone().map(Value::from));
        opt("delivered", self.delivered.map(Value::from));
        opt("deliveryStatus", Some(json!(self.delivery_status)));
        opt(
            "deliveryError",
            self.delivery_error.clone().map(Value::from),
        );
        opt("sessionId", self.session_id.clone().map(Value::from));
        opt("sessionKey", self.session_key.clone().map(Value::from));
        opt("model", self.model.clone().map(Value::from));
        opt("provider", self.provider.clone().map(Value::from));
        opt("usage", self.usage.clone());
        m
    }
}

fn from_outcome(o: &RunOutcome) -> RunResult {
    let mut r = RunResult::new(if o.status == RunStatus::Ok {
        "ok"
    } else {
        "error"
    });
    if let Some(f) = &o.failure {
        r.error = Some(f.to_string());
    } else if o.status != RunStatus::Ok {
        r.error = Some(format!("run {}", o.status.as_str()));
    }
    let text = o.text.trim();
    if !text.is_empty() {
        r.summary = Some(text.to_string());
    }
    if let Some((p, m)) = o.model.as_deref().and_then(|m| m.split_once('/')) {
        r.provider = Some(p.into());
        r.model = Some(m.into());
    }
    let u = &o.usage;
    r.usage = Some(json!({
        "input_tokens": u.input, "output_tokens": u.output,
        "total_tokens": if u.total > 0 { u.total } else { u.input + u.output },
        "cache_read_tokens": u.cache_read, "cache_write_tokens": u.cache_write,
    }));
    r.session_key = Some(o.session_key.clone());
    r
}

async fn main_job(deps: &Deps, job: &CronJob, text: &str) -> RunResult {
    let text = text.trim();
    if text.is_empty() {
        let mut r = RunResult::new("skipped");
        r.error = Some("empty systemEvent text".into());
        return r;
    }
    let main = MainSession::new(
        deps.hub.clone(),
        deps.router.clone(),
        deps.config.clone(),
        deps.system_events.clone(),
    );
    main.enqueue(text, true);
    let mut r = RunResult::new("ok");
    r.summary = Some(text.to_string());
    r.session_key = Some(deps.config.main_session_key(&deps.config.default_agent));
    if job.wake_mode != "now" {
        return r;
    }
    let Some(mut hb) = main.heartbeat_now(&format!("cron:{}", job.id)).await else {
        return r;
    };
    let wait = async {
        while let Some(ev) = hb.events.recv().await {
            if let RunEvent::Done(o) = &*ev {
                return Some(o.clone());
            }
        }
        None
    };
    let limit = run_timeout(job).unwrap_or(Duration::from_secs(10 * 60));
    match tokio::time::timeout(limit, wait).await {
        Ok(Some(o)) if o.status != RunStatus::Ok => {
            r.status = "error".into();
            r.error = o.failure.map(|f| f.to_string());
        }
        Ok(_) => {}
        Err(_) => {
            r.status = "error".into();
            r.error = Some("heartbeat timed out".into());
        }
    }
    r
}

fn turn_for(deps: &Deps, job: &CronJob, run_id: &str, key: String) -> Result<TurnRequest, String> {
    let Payload::AgentTurn {
        message,
        model,
        thinking,
        ..
    } = &job.payload
    else {
        return Err("agent jobs need an agentTurn payload".into());
    };
    let cfg = &deps.config;
    let agent_id = job
        .agent_id
        .clone()
        .unwrap_or_else(|| cfg.default_agent.clone());
    let agent = cfg
        .agent(&agent_id)
        .ok_or_else(|| format!("unknown agent `{agent_id}`"))?;
    let mut req = TurnRequest::new(run_id.into(), agent_id.clone(), key, message.clone());
    req.channel = "cron".into();
    // Jobs are created by owners (the `cron` tool and methods are owner-only).
    req.sender_is_owner = true;
    req.timeout = run_timeout(job);
    if let Some(m) = model {
        req.model_override = Some(
            cfg.resolve_model_override(agent, m)
                .ok()
                .flatten()
                .ok_or_else(|| format!("model `{m}` is not configured"))?,
        );
    }
    if let Some(t) = thinking {
        req.thinking =
            Some(ThinkingLevel::parse(t).ok_or_else(|| format!("invalid thinking level `{t}`"))?);
    }
    Ok(req)
}

async fn deliver(deps: &Deps, job: &CronJob, run_id: &str, started: i64, r: &mut RunResult) {
    let Some(d) = job.delivery.as_ref().filter(|d| d.mode != "none") else {
        return;
    };
    let Some(text) = r.summary.clone().filter(|t| !is_silent(t)) else {
        r.delivery_status = "not-delivered".into();
        r.delivered = Some(false);
        return;
    };
    let outcome = match d.mode.as_str() {
        "announce" => deps
            .outbound
            .deliver(Deliver::text(
                d.channel.clone().unwrap_or_else(|| "last".into()),
                d.to.clone(),
                text,
            ))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        _ => {
            let mut body = Map::new();
            body.insert("action".into(), json!("finished"));
            body.insert("jobId".into(), json!(job.id));
            body.insert("jobName".into(), json!(job.name));
            body.insert("runId".into(), json!(run_id));
            body.insert("runAtMs".into(), json!(started));
            body.insert("durationMs".into(), json!(now_ms() - started));
            body.extend(r.fields());
            body.remove("deliveryStatus");
            let target = WebhookTarget {
                url: d.to.clone().unwrap_or_default(),
                token: deps
                    .config
                    .cron
                    .webhook_token
                    .as_ref()
                    .map(|t| t.expose().to_string()),
                allow_private: deps.config.cron.webhook_allow_private_network,
            };
            webhook::post(&target, &Value::Object(body)).await
        }
    };
    match outcome {
        Ok(()) => {
            r.delivered = Some(true);
            r.delivery_status = "delivered".into();
        }
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "cron result not delivered");
            r.delivered = Some(false);
            r.delivery_status = "not-delivered".into();
            r.delivery_error = Some(e);
        }
    }
}

/// Runs `job` once as run `run_id`.
pub async fn run(deps: Deps, job: CronJob, run_id: String) -> RunResult {
    let started = now_ms();
    let mut r = match (&job.payload, job.session_target.as_str()) {
        (Payload::SystemEvent { text }, _) => main_job(&deps, &job, text).await,
        (Payload::AgentTurn { .. }, target) => {
            let agent = job
                .agent_id
                .clone()
                .unwrap_or_else(|| deps.config.default_agent.clone());
            let key = match target.strip_prefix("session:") {
                Some(k) if k.starts_with("agent:") => k.to_string(),
                Some(k) => SessionKey::under(&agent, &k.to_lowercase()).into_string(),
                None => {
                    let key = SessionKey::under(&agent, &format!("cron:{}", job.id)).into_string();
                    // A fresh transcript for every isolated run, applied by the session itself
                    // so it is ordered with any turn still queued there.
                    let reset = deps
                        .router
                        .send(MutateSession {
                            key: key.clone(),
                            agent_id: agent.clone(),
                            op: SessionOp::Reset,
                        })
                        .await;
                    match reset {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "could not reset the cron session")
                        }
                        Err(e) => tracing::warn!(error = %e, "could not reset the cron session"),
                    }
                    key
                }
            };
            match turn_for(&deps, &job, &run_id, key.clone()) {
                Err(e) => {
                    let mut r = RunResult::new("error");
                    r.error = Some(e);
                    r.session_key = Some(key);
                    r
                }
                Ok(req) => match run_turn(&deps.router, req).await {
                    Some(o) => from_outcome(&o),
                    None => {
                        let mut r = RunResult::new("error");
                        r.error = Some("the run ended without a result".into());
                        r
                    }
                },
            }
        }
    };
    if let Some(k) = &r.session_key {
        r.session_id = deps
            .store
            .get_session(k)
            .await
            .ok()
            .flatten()
            .map(|s| s.session_id);
    }
    if r.status == "ok" {
        deliver(&deps, &job, &run_id, started, &mut r).await;
    }
    r
}
