//! What crosses the bus: a turn request forwarded to a session's owner and the run events
//! streamed back, as JSON. The in-process types carry `Instant`s, `&'static str`s and no serde,
//! so they are mirrored here field by field; a turn arriving on its owner is the same turn the
//! edge would have started locally.

use crate::config::ModelRef;
use crate::core::run::{
    ReplyRoute, RunEvent, RunFailure, RunOutcome, RunStatus, TurnRequest, TurnTimes,
};
use crate::providers::types::{
    ImageData, Message, ModelOptions, ResponseFormat, Role, StopReason, ThinkingLevel, ToolCall,
    ToolChoice, ToolSpec, Usage,
};
use crate::providers::ProviderError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

#[derive(Serialize, Deserialize)]
struct WireImage {
    mime: String,
    base64: String,
}

#[derive(Serialize, Deserialize)]
struct WireMessage {
    role: Role,
    content: String,
    tool_calls: Vec<ToolCall>,
    tool_call_id: Option<String>,
    images: Vec<WireImage>,
}

#[derive(Serialize, Deserialize)]
enum WireFormat {
    JsonObject,
    JsonSchema {
        name: String,
        schema: Value,
        strict: Option<bool>,
    },
}

/// A forwarded turn.
#[derive(Serialize, Deserialize)]
pub struct WireTurn {
    run_id: String,
    agent_id: String,
    session_key: String,
    message: String,
    images: Vec<WireImage>,
    extra_messages: Vec<WireMessage>,
    extra_system_prompt: Option<String>,
    model_override: Option<(String, String)>,
    thinking: Option<ThinkingLevel>,
    client_tools: Vec<ToolSpec>,
    tool_choice: (String, Option<String>),
    max_tokens: Option<u64>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    stream: bool,
    stop: Vec<String>,
    response_format: Option<WireFormat>,
    parallel_tool_calls: Option<bool>,
    openai_passthrough: serde_json::Map<String, Value>,
    channel: String,
    timeout_ms: Option<u64>,
    sender_is_owner: bool,
    spawn_depth: u32,
    deliver: Option<(String, Option<String>)>,
}

fn image_out(i: &ImageData) -> WireImage {
    WireImage {
        mime: i.mime.clone(),
        base64: i.base64.clone(),
    }
}

fn image_in(i: WireImage) -> ImageData {
    ImageData {
        mime: i.mime,
        base64: i.base64,
    }
}

impl WireTurn {
    /// The wire form of `r`.
    pub fn from_request(r: &TurnRequest) -> WireTurn {
        WireTurn {
            run_id: r.run_id.clone(),
            agent_id: r.agent_id.clone(),
            session_key: r.session_key.clone(),
            message: r.message.clone(),
            images: r.images.iter().map(image_out).collect(),
            extra_messages: r
                .extra_messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role,
                    content: m.content.to_string(),
                    tool_calls: m.tool_calls.clone(),
                    tool_call_id: m.tool_call_id.clone(),
                    images: m.images.iter().map(image_out).collect(),
                })
                .collect(),
            extra_system_prompt: r.extra_system_prompt.clone(),
            model_override: r
                .model_override
                .as_ref()
                .map(|m| (m.provider.clone(), m.model.clone())),
            thinking: r.thinking,
            client_tools: r.client_tools.clone(),
            tool_choice: match &r.tool_choice {
                ToolChoice::Auto => ("auto".into(), None),
                ToolChoice::None => ("none".into(), None),
                ToolChoice::Required => ("required".into(), None),
                ToolChoice::Named(n) => ("named".into(), Some(n.clone())),
            },
            max_tokens: r.max_tokens,
            temperature: r.temperature,
            top_p: r.top_p,
            stream: r.stream,
            stop: r.options.stop.clone(),
            response_format: r.options.response_format.as_ref().map(|f| match f {
                ResponseFormat::JsonObject => WireFormat::JsonObject,
                ResponseFormat::JsonSchema {
                    name,
                    schema,
                    strict,
                } => WireFormat::JsonSchema {
                    name: name.clone(),
                    schema: schema.clone(),
                    strict: *strict,
                },
            }),
            parallel_tool_calls: r.options.parallel_tool_calls,
            openai_passthrough: r.options.openai_passthrough.clone(),
            channel: r.channel.clone(),
            timeout_ms: r.timeout.map(|t| t.as_millis() as u64),
            sender_is_owner: r.sender_is_owner,
            spawn_depth: r.spawn_depth,
            deliver: r
                .deliver
                .as_ref()
                .map(|d| (d.channel.clone(), d.to.clone())),
        }
    }

    /// The session key the turn is for.
    pub fn session_key(&self) -> &str {
        &self.session_key
    }

    /// The turn as the owner starts it (accepted now).
    pub fn into_request(self) -> TurnRequest {
        let mut r = TurnRequest::new(self.run_id, self.agent_id, self.session_key, self.message);
        r.images = self.images.into_iter().map(image_in).collect();
        r.extra_messages = self
            .extra_messages
            .into_iter()
            .map(|m| Message {
                role: m.role,
                content: m.content.into(),
                tool_calls: m.tool_calls,
                tool_call_id: m.tool_call_id,
                images: m.images.into_iter().map(image_in).collect(),
            })
            .collect();
        r.extra_system_prompt = self.extra_system_prompt;
        r.model_override = self
            .model_override
            .map(|(provider, model)| ModelRef { provider, model });
        r.thinking = self.thinking;
        r.client_tools = self.client_tools;
        r.tool_choice = match (self.tool_choice.0.as_str(), self.tool_choice.1) {
            ("none", _) => ToolChoice::None,
            ("required", _) => ToolChoice::Required,
            ("named", Some(n)) => ToolChoice::Named(n),
            _ => ToolChoice::Auto,
        };
        r.max_tokens = self.max_tokens;
        r.temperature = self.temperature;
        r.top_p = self.top_p;
        r.stream = self.stream;
        r.options = ModelOptions {
            stop: self.stop,
            response_format: self.response_format.map(|f| match f {
                WireFormat::JsonObject => ResponseFormat::JsonObject,
                WireFormat::JsonSchema {
                    name,
                    schema,
                    strict,
                } => ResponseFormat::JsonSchema {
                    name,
                    schema,
                    strict,
                },
            }),
            parallel_tool_calls: self.parallel_tool_calls,
            openai_passthrough: self.openai_passthrough,
        };
        r.channel = self.channel;
        r.timeout = self.timeout_ms.map(Duration::from_millis);
        r.sender_is_owner = self.sender_is_owner;
        r.spawn_depth = self.spawn_depth;
        r.deliver = self.deliver.map(|(channel, to)| ReplyRoute { channel, to });
        r
    }
}

#[derive(Serialize, Deserialize)]
enum WireFailure {
    NotConfigured(String),
    Connect(String, String),
    Timeout(String, String),
    Status(String, u16, String, Option<u64>),
    Protocol(String, String),
    Interrupted(String, String),
    RunTimeout,
    Aborted(String),
    Internal(String),
}

fn phase(p: &str) -> &'static str {
    if p == "first byte" {
        "first byte"
    } else {
        "idle"
    }
}

fn abort_reason(r: &str) -> &'static str {
    // The reasons runs abort with are a small fixed set; anything else reads as a cancel.
    for known in [
        "client disconnected",
        "aborted by request",
        OWNER_GONE,
        OWNER_SILENT,
        OWNER_UNKNOWN,
    ] {
        if r == known {
            return known;
        }
    }
    "aborted by request"
}

impl WireFailure {
    fn of(f: &RunFailure) -> WireFailure {
        match f {
            RunFailure::Provider(p) => match p {
                ProviderError::NotConfigured(m) => WireFailure::NotConfigured(m.clone()),
                ProviderError::Connect { provider, message } => {
                    WireFailure::Connect(provider.clone(), message.clone())
                }
                ProviderError::Timeout { provider, phase } => {
                    WireFailure::Timeout(provider.clone(), phase.to_string())
                }
                ProviderError::Status {
                    provider,
                    status,
                    message,
                    retry_after,
                } => WireFailure::Status(provider.clone(), *status, message.clone(), *retry_after),
                ProviderError::Protocol { provider, message } => {
                    WireFailure::Protocol(provider.clone(), message.clone())
                }
                ProviderError::Interrupted { provider, message } => {
                    WireFailure::Interrupted(provider.clone(), message.clone())
                }
            },
            RunFailure::Timeout => WireFailure::RunTimeout,
            RunFailure::Aborted(r) => WireFailure::Aborted(r.to_string()),
            RunFailure::Internal(m) => WireFailure::Internal(m.clone()),
        }
    }

    fn into_failure(self) -> RunFailure {
        let p = RunFailure::Provider;
        match self {
            WireFailure::NotConfigured(m) => p(ProviderError::NotConfigured(m)),
            WireFailure::Connect(provider, message) => {
                p(ProviderError::Connect { provider, message })
            }
            WireFailure::Timeout(provider, ph) => p(ProviderError::Timeout {
                provider,
                phase: phase(&ph),
            }),
            WireFailure::Status(provider, status, message, retry_after) => {
                p(ProviderError::Status {
                    provider,
                    status,
                    message,
                    retry_after,
                })
            }
            WireFailure::Protocol(provider, message) => {
                p(ProviderError::Protocol { provider, message })
            }
            WireFailure::Interrupted(provider, message) => {
                p(ProviderError::Interrupted { provider, message })
            }
            WireFailure::RunTimeout => RunFailure::Timeout,
            WireFailure::Aborted(r) => RunFailure::Aborted(abort_reason(&r)),
            WireFailure::Internal(m) => RunFailure::Internal(m),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct WireOutcome {
    run_id: String,
    session_key: String,
    agent_id: String,
    status: String,
    text: String,
    usage: Usage,
    stop: StopReason,
    pending_tool_calls: Vec<ToolCall>,
    failure: Option<WireFailure>,
    model: Option<String>,
    started_at: i64,
    ended_at: i64,
    delivery: Option<Value>,
    /// pre-provider, provider, post-provider, total (µs).
    times: Option<[u64; 4]>,
}

/// One run event.
#[derive(Serialize, Deserialize)]
pub enum WireEvent {
    /// [`RunEvent::Start`].
    Start {
        /// Run id.
        run_id: String,
        /// Session key.
        session_key: String,
        /// Transcript id.
        session_id: String,
        /// Model.
        model: Option<String>,
        /// Message.
        message: String,
        /// Start (ms).
        started_at: i64,
    },
    /// [`RunEvent::Delta`].
    Delta(String),
    /// [`RunEvent::Reasoning`].
    Reasoning(String),
    /// [`RunEvent::ToolCall`].
    ToolCall(String, String, String),
    /// [`RunEvent::ToolResult`].
    ToolResult(String, String, Value, bool),
    /// [`RunEvent::Done`].
    Done(Box<WireOutcomeBox>),
}

/// The boxed outcome of [`WireEvent::Done`].
#[derive(Serialize, Deserialize)]
pub struct WireOutcomeBox(WireOutcome);

fn status_of(s: &str) -> RunStatus {
    match s {
        "ok" => RunStatus::Ok,
        "aborted" => RunStatus::Aborted,
        "interrupted" => RunStatus::Interrupted,
        "running" => RunStatus::Running,
        _ => RunStatus::Error,
    }
}

impl WireEvent {
    /// The wire form of `e`.
    pub fn of(e: &RunEvent) -> WireEvent {
        match e {
            RunEvent::Start {
                run_id,
                session_key,
                session_id,
                model,
                message,
                started_at,
            } => WireEvent::Start {
                run_id: run_id.clone(),
                session_key: session_key.clone(),
                session_id: session_id.clone(),
                model: model.clone(),
                message: message.clone(),
                started_at: *started_at,
            },
            RunEvent::Delta(t) => WireEvent::Delta(t.clone()),
            RunEvent::Reasoning(t) => WireEvent::Reasoning(t.clone()),
            RunEvent::ToolCall {
                call_id,
                name,
                arguments,
            } => WireEvent::ToolCall(call_id.clone(), name.clone(), arguments.clone()),
            RunEvent::ToolResult {
                call_id,
                name,
                result,
                is_error,
            } => WireEvent::ToolResult(call_id.clone(), name.clone(), result.clone(), *is_error),
            RunEvent::Done(o) => WireEvent::Done(Box::new(WireOutcomeBox(WireOutcome {
                run_id: o.run_id.clone(),
                session_key: o.session_key.clone(),
                agent_id: o.agent_id.clone(),
                status: o.status.as_str().to_string(),
                text: o.text.clone(),
                usage: o.usage,
                stop: o.stop,
                pending_tool_calls: o.pending_tool_calls.clone(),
                failure: o.failure.as_ref().map(WireFailure::of),
                model: o.model.clone(),
                started_at: o.started_at,
                ended_at: o.ended_at,
                delivery: o.delivery.as_deref().cloned(),
                times: o.times.as_ref().map(|t| {
                    [t.pre_provider, t.provider, t.post_provider, t.total]
                        .map(|d| d.as_micros() as u64)
                }),
            }))),
        }
    }

    /// The in-process event.
    pub fn into_event(self) -> RunEvent {
        match self {
            WireEvent::Start {
                run_id,
                session_key,
                session_id,
                model,
                message,
                started_at,
            } => RunEvent::Start {
                run_id,
                session_key,
                session_id,
                model,
                message,
                started_at,
            },
            WireEvent::Delta(t) => RunEvent::Delta(t),
            WireEvent::Reasoning(t) => RunEvent::Reasoning(t),
            WireEvent::ToolCall(call_id, name, arguments) => RunEvent::ToolCall {
                call_id,
                name,
                arguments,
            },
            WireEvent::ToolResult(call_id, name, result, is_error) => RunEvent::ToolResult {
                call_id,
                name,
                result,
                is_error,
            },
            WireEvent::Done(o) => {
                let o = o.0;
                RunEvent::Done(RunOutcome {
                    run_id: o.run_id,
                    session_key: o.session_key,
                    agent_id: o.agent_id,
                    status: status_of(&o.status),
                    text: o.text,
                    usage: o.usage,
                    stop: o.stop,
                    pending_tool_calls: o.pending_tool_calls,
                    failure: o.failure.map(WireFailure::into_failure),
                    model: o.model,
                    started_at: o.started_at,
                    ended_at: o.ended_at,
                    delivery: o.delivery.map(Box::new),
                    times: o.times.map(|t| {
                        let [a, b, c, d] = t.map(Duration::from_micros);
                        Box::new(TurnTimes {
                            pre_provider: a,
                            provider: b,
                            post_provider: c,
                            total: d,
                        })
                    }),
                })
            }
        }
    }
}

/// Why an edge ended a turn it could not see through (rendered like an abort: 503).
pub const OWNER_GONE: &str = "the node running this turn went away";
/// See [`OWNER_GONE`].
pub const OWNER_SILENT: &str = "the node owning this session does not answer";
/// See [`OWNER_GONE`].
pub const OWNER_UNKNOWN: &str = "the session's owner could not be determined";

/// A failed outcome for a run the edge lost track of (its owner went away mid-turn).
pub fn lost_outcome(req_run: &str, key: &str, agent: &str, why: &'static str) -> RunEvent {
    let now = crate::storage::now_ms();
    RunEvent::Done(RunOutcome {
        run_id: req_run.to_string(),
        session_key: key.to_string(),
        agent_id: agent.to_string(),
        status: RunStatus::Aborted,
        text: String::new(),
        usage: Usage::default(),
        stop: StopReason::Stop,
        pending_tool_calls: vec![],
        failure: Some(RunFailure::Aborted(why)),
        model: None,
        started_at: now,
        ended_at: now,
        delivery: None,
        times: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_and_its_events_cross_the_bus_unchanged() {
        let mut r = TurnRequest::new(
            "r1".into(),
            "main".into(),
            "agent:main:x".into(),
            "hi".into(),
        );
        r.tool_choice = ToolChoice::Named("f".into());
        r.timeout = Some(Duration::from_secs(5));
        r.deliver = Some(ReplyRoute {
            channel: "telegram".into(),
            to: Some("42".into()),
        });
        let js = serde_json::to_vec(&WireTurn::from_request(&r)).unwrap();
        let back = serde_json::from_slice::<WireTurn>(&js)
            .unwrap()
            .into_request();
        assert_eq!(back.tool_choice, r.tool_choice);
        assert_eq!(back.timeout, r.timeout);
        assert_eq!(back.deliver, r.deliver);
        assert_eq!(back.session_key, r.session_key);

        let ev = lost_outcome("r1", "k", "main", OWNER_GONE);
        let js = serde_json::to_vec(&WireEvent::of(&ev)).unwrap();
        match serde_json::from_slice::<WireEvent>(&js)
            .unwrap()
            .into_event()
        {
            RunEvent::Done(o) => {
                assert_eq!(o.status, RunStatus::Aborted);
                assert_eq!(
                    o.failure.unwrap().to_string(),
                    format!("aborted: {OWNER_GONE}")
                );
            }
            _ => panic!("not a Done"),
        }
    }
}
