//! Translation of one run's [`RunEvent`]s into OpenClaw `agent` and `chat` event payloads.
//!
//! Shapes follow the golden 2026.9.6 frames:
//!
//! * `agent` `{runId, sessionKey, agentId, stream, data, seq, ts}` (lifecycle events also carry
//!   `sessionId`) with streams `lifecycle` (`start`, `model` `{provider, model}`, then on
//!   success `finishing` and `end`, else `end` (aborted) / `error`), `usage`
//!   (`{outputTokens}` before `finishing`), `assistant`
//!   (`{text: <accumulated>, delta, itemId}`, one item per model step), `thinking` and
//!   `tool` (`start` / `result`; only for clients that declared the `tool-events` cap) and
//!   `plan` (`{status, explanation?, plan: [{step, status}]}` after each accepted
//!   `update_plan` call);
//! * `task` `{action: "upserted", task}` for the run's task entry (see
//!   [`super::task_events`]): created and running at the start, finished and
//!   `completed`/`failed`/`cancelled` after the final `chat` event;
//! * `chat` deltas carrying the full text so far, throttled to one per 150 ms by
//!   [`ChatDeltaThrottle`], then exactly one of `final` / `aborted` / `error`.
//!
//! `seq` inside the payload is the run's own event counter; the frame-level `seq` is added per
//! connection by the hub.

use super::task_events::RunTask;
use super::throttle::ChatDeltaThrottle;
use crate::core::clock::Clock;
use crate::core::run::{RunEvent, RunFailure, RunOutcome};
use crate::providers::types::StopReason;
use crate::storage::RunStatus;
use serde_json::{json, Value};
use std::sync::Arc;

/// Which event an [`Emitted`] payload belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `agent`.
    Agent,
    /// `agent` with `stream:"tool"` (only for clients with the `tool-events` cap).
    AgentTool,
    /// `chat`.
    Chat,
    /// `task`.
    Task,
}

impl EventKind {
    /// The event name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Agent | EventKind::AgentTool => "agent",
            EventKind::Chat => "chat",
            EventKind::Task => "task",
        }
    }
}

/// One event payload to broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    /// Event kind.
    pub kind: EventKind,
    /// Payload.
    pub payload: Value,
}

/// Per-run translator state.
pub struct RunTranslator {
    run_id: String,
    session_key: String,
    agent_id: String,
    seq: u64,
    text: String,
    /// Transcript id, once the run started.
    session_id: Option<String>,
    /// Assistant item number (one per model step).
    item: u64,
    /// The run's task entry, once it started.
    task: Option<RunTask>,
    throttle: ChatDeltaThrottle,
    clock: Arc<dyn Clock>,
}

/// OpenClaw's spelling of a stop reason.
pub fn stop_reason_name(stop: StopReason) -> &'static str {
    match stop {
        StopReason::ToolCalls => "toolUse",
        other => other.as_openai(),
    }
}

/// OpenClaw's `errorKind` for a failure.
pub fn error_kind(f: &RunFailure) -> &'static str {
    match f {
        RunFailure::Timeout => "timeout",
        RunFailure::Provider(e) if e.to_string().contains("429") => "rate_limit",
        _ => "unknown",
    }
}

impl RunTranslator {
    /// A translator for one run.
    pub fn new(run_id: &str, session_key: &str, agent_id: &str, clock: Arc<dyn Clock>) -> Self {
        RunTranslator {
            run_id: run_id.to_string(),
            session_key: session_key.to_string(),
            agent_id: agent_id.to_string(),
            seq: 0,
            text: String::new(),
            session_id: None,
            item: 1,
            task: None,
            throttle: ChatDeltaThrottle::new(run_id, session_key, clock.clone())
                .with_agent_id(agent_id),
            clock,
        }
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    fn agent(&mut self, kind: EventKind, stream: &str, data: Value) -> Emitted {
        self.seq += 1;
        Emitted {
            kind,
            payload: json!({
                "runId": self.run_id, "sessionKey": self.session_key, "agentId": self.agent_id,
                "stream": stream, "data": data, "seq": self.seq, "ts": self.clock.now_ms(),
            }),
        }
    }

    /// A `task` event for this run's entry (nothing before the run started).
    fn task(&self, status: &str, execution: Value, extra: Value) -> Option<Emitted> {
        let t = self.task.as_ref()?;
        Some(Emitted {
            kind: EventKind::Task,
            payload: t.upsert(status, execution, self.clock.now_ms() as i64, extra),
        })
    }

    /// A `lifecycle` event: it also names the transcript (`sessionId`).
    fn lifecycle(&mut self, data: Value) -> Emitted {
        let mut e = self.agent(EventKind::Agent, "lifecycle", data);
        if let Some(id) = &self.session_id {
            e.payload["sessionId"] = json!(id);
        }
        e
    }

    fn chat(payload: Value) -> Emitted {
        Emitted {
            kind: EventKind::Chat,
            payload,
        }
    }

    /// An `agent` event of another `stream` for this run (e.g. `approval`), numbered in the
    /// run's sequence.
    pub fn side_event(&mut self, stream: &str, data: Value) -> Emitted {
        self.agent(EventKind::Agent, stream, data)
    }

    /// Payloads produced by one run event, in order.
    pub fn on_event(&mut self, ev: &RunEvent) -> Vec<Emitted> {
        match ev {
            RunEvent::Start {
                started_at,
                session_id,
                model,
                message,
                ..
            } => {
                self.session_id = Some(session_id.clone());
                self.task = Some(RunTask::new(
                    &self.run_id,
                    &self.session_key,
                    &self.agent_id,
                    message,
                    *started_at,
                ));
                // The entry is created (execution not yet known), then runs.
                let created = self.task("running", json!({"state": "unknown"}), json!({}));
                let task = self.task("running", json!({"state": "running"}), json!({}));
                let (provider, model) = match model.as_deref().and_then(|m| m.split_once('/')) {
                    Some((p, m)) => (json!(p), json!(m)),
                    None => (Value::Null, Value::Null),
                };
                let mut out: Vec<Emitted> = created.into_iter().chain(task).collect();
                out.push(self.lifecycle(json!({"phase": "start", "startedAt": started_at})));
                out.push(
                    self.lifecycle(json!({"phase": "model", "provider": provider, "model": model})),
                );
                out
            }
            RunEvent::Delta(chunk) => {
                self.text.push_str(chunk);
                let item = format!("{}:{}", self.run_id, self.item);
                let data = json!({"text": self.text, "delta": chunk, "itemId": item});
                let mut out = vec![self.agent(EventKind::Agent, "assistant", data)];
                let text = self.text.clone();
                out.extend(self.throttle.update(&text, self.seq).map(Self::chat));
                out
            }
            RunEvent::Reasoning(chunk) => {
                vec![self.agent(EventKind::Agent, "thinking", json!({"delta": chunk}))]
            }
            RunEvent::ToolCall {
                call_id,
                name,
                arguments,
            } => {
                let mut out: Vec<Emitted> =
                    self.throttle.flush().into_iter().map(Self::chat).collect();
                // The next model step starts a new assistant item.
                self.text.clear();
                self.item += 1;
                let args: Value =
                    serde_json::from_str(arguments).unwrap_or_else(|_| json!(arguments));
                out.push(self.agent(
                    EventKind::AgentTool,
                    "tool",
                    json!({"phase": "start", "name": name, "toolCallId": call_id, "args": args}),
                ));
                out
            }
            RunEvent::ToolResult {
                call_id,
                name,
                is_error,
                result,
            } => {
                let mut out = vec![self.agent(
                    EventKind::AgentTool,
                    "tool",
                    json!({"phase": "result", "name": name, "toolCallId": call_id, "isError": is_error}),
                )];
                // An accepted `update_plan` is also the run's current plan, for every client.
                if name == "update_plan" && !is_error {
                    let plan = result.get("details").cloned().unwrap_or_default();
                    out.push(self.agent(EventKind::Agent, "plan", plan));
                }
                out
            }
            RunEvent::Done(o) => self.on_done(o),
        }
    }

    fn on_done(&mut self, o: &RunOutcome) -> Vec<Emitted> {
        let mut out = Vec::with_capacity(3);
        let stop = stop_reason_name(o.stop);
        match (o.status, &o.failure) {
            (RunStatus::Ok, _) => {
                out.push(self.agent(
                    EventKind::Agent,
                    "usage",
                    json!({"outputTokens": o.usage.output}),
                ));
                out.push(
                    self.lifecycle(json!({"phase": "finishing", "stopReason": stop,
                    "aborted": false, "livenessState": "working", "endedAt": o.ended_at})),
                );
                out.push(self.lifecycle(
                    json!({"phase": "end", "startedAt": o.started_at, "endedAt": o.ended_at,
                           "aborted": false, "stopReason": stop, "livenessState": "working",
                           "executionSettled": true}),
                ));
                // The final text is the outcome's (the last step), not what was streamed before
                // a tool call.
                let text = o.text.clone();
                self.throttle.update(&text, self.seq);
                out.extend(
                    self.throttle
                        .final_events(Some(stop))
                        .into_iter()
                        .map(Self::chat),
                );
            }
            (RunStatus::Aborted, _) => {
                out.push(self.lifecycle(
                    json!({"phase": "end", "startedAt": o.started_at, "endedAt": o.ended_at,
                           "aborted": true}),
                ));
                out.extend(self.throttle.aborted_events().into_iter().map(Self::chat));
            }
            (_, failure) => {
                let msg = failure
                    .as_ref()
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "run failed".into());
                let kind = failure.as_ref().map(error_kind).unwrap_or("unknown");
                out.push(self.lifecycle(
                    json!({"phase": "error", "startedAt": o.started_at, "endedAt": o.ended_at,
                           "error": msg}),
                ));
                out.extend(
                    self.throttle
                        .error_events(&msg, Some(kind))
                        .into_iter()
                        .map(Self::chat),
                );
            }
        }
        out.extend(self.final_tasks(o));
        out
    }

    /// The task entry finishing, then its terminal status.
    fn final_tasks(&self, o: &RunOutcome) -> Vec<Emitted> {
        let (status, summary) = match o.status {
            RunStatus::Ok => ("completed", "completed"),
            RunStatus::Aborted => ("cancelled", "aborted"),
            _ => ("failed", "failed"),
        };
        let finished = json!({"state": "finished", "lastActivityAt": o.ended_at});
        let activity = json!({"lastActivity": o.text});
        let done = json!({"endedAt": o.ended_at, "terminalSummary": summary});
        [
            self.task("running", finished, activity),
            self.task(status, json!({"state": "finished"}), done),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A held-back chat delta whose throttle window has passed.
    pub fn poll(&mut self) -> Option<Emitted> {
        self.throttle.poll().map(Self::chat)
    }

    /// When the held-back delta becomes due (Unix ms).
    pub fn next_due_ms(&self) -> Option<u64> {
        self.throttle.next_due_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::ManualClock;
    use crate::providers::types::Usage;

    fn outcome(status: RunStatus, text: &str) -> RunOutcome {
        RunOutcome {
            run_id: "r1".into(),
            session_key: "agent:main:main".into(),
            agent_id: "main".into(),
            status,
            text: text.into(),
            usage: Usage::default(),
            stop: StopReason::Stop,
            pending_tool_calls: vec![],
            failure: (status == RunStatus::Aborted)
                .then_some(RunFailure::Aborted("aborted by request")),
            model: None,
            started_at: 1,
            ended_at: 2,
            delivery: None,
            times: None,
        }
    }

    #[test]
    fn deltas_accumulate_and_chat_deltas_are_throttled_then_flushed_before_final() {
        let clock = ManualClock::new(1_000);
        let mut t = RunTranslator::new("r1", "agent:main:main", "main", Arc::new(clock.clone()));
        let first = t.on_event(&RunEvent::Delta("Hel".into()));
        assert_eq!(first.len(), 2, "agent + first chat delta");
        assert_eq!(
            first[0].payload["data"],
            json!({"text": "Hel", "delta": "Hel", "itemId": "r1:1"})
        );
        assert_eq!(first[1].payload["state"], "delta");
        let second = t.on_event(&RunEvent::Delta("lo".into()));
        assert_eq!(second.len(), 1, "chat delta held back inside 150 ms");
        assert_eq!(second[0].payload["data"]["text"], "Hello");
        let done = t.on_event(&RunEvent::Done(outcome(RunStatus::Ok, "Hello")));
        let states: Vec<&str> = done
            .iter()
            .filter(|e| e.kind == EventKind::Chat)
            .map(|e| e.payload["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["delta", "final"]);
        assert_eq!(
            done.last().unwrap().payload["message"]["content"][0]["text"],
            "Hello"
        );
        let phases: Vec<String> = done
            .iter()
            .map(|e| {
                let p = &e.payload;
                format!(
                    "{}{}",
                    p["stream"].as_str().unwrap_or("chat"),
                    p["data"]["phase"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            phases,
            [
                "usage",
                "lifecyclefinishing",
                "lifecycleend",
                "chat",
                "chat"
            ]
        );
    }

    #[test]
    fn an_aborted_run_ends_with_an_aborted_chat_event() {
        let clock = ManualClock::new(1_000);
        let mut t = RunTranslator::new("r1", "k", "main", Arc::new(clock));
        t.on_event(&RunEvent::Delta("partial".into()));
        let done = t.on_event(&RunEvent::Done(outcome(RunStatus::Aborted, "partial")));
        assert_eq!(done.last().unwrap().payload["state"], "aborted");
        assert_eq!(done[0].payload["data"]["aborted"], true);
    }
}
