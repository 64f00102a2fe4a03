//! Turning a validated `/v1/responses` request into an agent turn, and run events into
//! OpenResponses events — shared by the HTTP (JSON/SSE) and WebSocket modes.

use super::select;
use crate::auth::Presented;
use crate::core::run::TurnRequest;
use crate::core::run::{RunEvent, RunOutcome};
use crate::error::GatewayError;
use crate::providers::types::{
    ImageData, Message, Role, StopReason, ToolCall, ToolChoice, ToolSpec,
};
use crate::responses::media::{self, MediaConfig, ResolveOptions};
use crate::responses::prompt::{ConversationItem, HistoryRole, TurnInput};
use crate::responses::schema::{self as rschema, Input, Item};
use crate::responses::{build_turn, ResponseResource, ResponsesRequest, StreamEmitter, Usage};
use crate::state::AppState;
use crate::storage::StoredResponse;
use actix_web::HttpRequest;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// What a continuation needs to know about the response it continues.
#[derive(Debug, Clone)]
pub struct PrevInfo {
    /// Session of the earlier response.
    pub session_key: String,
    /// Agent of the earlier response.
    pub agent_id: String,
    /// Credential hash it was created under.
    pub auth_subject: String,
    /// `x-openclaw-session-key` it was created with.
    pub requested_session_key: Option<String>,
    /// `call_id`s of the function calls it returned.
    pub call_ids: Vec<String>,
}

impl PrevInfo {
    /// From a stored response row.
    pub fn from_stored(r: &StoredResponse) -> PrevInfo {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        PrevInfo {
            session_key: r.session_key.clone(),
            agent_id: r.agent_id.clone(),
            auth_subject: r.auth_subject.clone(),
            requested_session_key: r.requested_session_key.clone(),
            call_ids: call_ids_of(&body),
        }
    }
}

/// `call_id`s of the `function_call` items in a response body.
pub fn call_ids_of(body: &Value) -> Vec<String> {
    body["output"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["type"] == "function_call")
                .filter_map(|i| i["call_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A prepared turn.
pub struct Prepared {
    /// The agent turn to start.
    pub turn: TurnRequest,
    /// The response resource the events describe.
    pub resource: ResponseResource,
    /// Names of client tools (their calls become `function_call` output items).
    pub client_tools: Vec<String>,
    /// Persist the final response (`store`, default true).
    pub store: bool,
    /// Credential hash (scopes stored responses).
    pub auth_subject: String,
    /// `x-openclaw-session-key` header, if any.
    pub requested_session_key: Option<String>,
}

/// Who is calling, as a stable hash of the credential (never the credential itself).
pub fn auth_subject(state: &AppState, req: &HttpRequest) -> String {
    let p = Presented::from_request(req);
    match p.bearer.or(p.password) {
        Some(secret) => format!("bearer:{:x}", Sha256::digest(secret.as_bytes())),
        None => format!("gateway-auth:{}", state.config().auth.mode.as_str()),
    }
}

/// The error OpenAI returns for an unknown or foreign `previous_response_id`.
pub fn previous_not_found(id: &str) -> GatewayError {
    GatewayError::BadRequest {
        message: format!("Previous response with id '{id}' not found."),
        param: Some("previous_response_id".into()),
        code: Some("previous_response_not_found"),
    }
}

fn bad(e: impl std::fmt::Display) -> GatewayError {
    GatewayError::bad_request(e.to_string())
}

/// Files/images policy from `gateway.http.endpoints.responses`.
pub fn media_config(state: &AppState) -> Result<MediaConfig, GatewayError> {
    match &state.config().responses_raw {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| GatewayError::Internal(format!("responses media config: {e}"))),
        None => Ok(MediaConfig::default()),
    }
}

/// Compacted history comes back as an opaque item: expand it into the system context.
fn expand_compaction(parsed: &ResponsesRequest, input: &mut TurnInput) {
    if let Input::Items(items) = &parsed.input {
        let restored: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Compaction(c) => decode_compaction(&c.encrypted_content),
                _ => None,
            })
            .collect();
        if !restored.is_empty() {
            let text = format!("Earlier conversation (compacted):\n{}", restored.join("\n"));
            input.extra_system_prompt = Some(match input.extra_system_prompt.take() {
                Some(prev) => format!("{text}\n\n{prev}"),
                None => text,
            });
        }
    }
}

/// Fetches and checks the request's images and files (SSRF-guarded); files become context
/// text, images are returned for the model.
async fn resolve_media(
    state: &AppState,
    input: &mut TurnInput,
    media_opts: ResolveOptions,
) -> Result<Vec<ImageData>, GatewayError> {
    let mcfg = media_config(state)?;
    media::check_url_parts(&input.images, &input.files, &mcfg).map_err(bad)?;
    let resolved = media::resolve_media(&input.images, &input.files, &mcfg, media_opts)
        .await
        .map_err(bad)?;
    if let Some(ctx) = resolved.file_context() {
        input.append_file_context(&ctx);
    }
    let images: Vec<ImageData> = resolved
        .images
        .into_iter()
        .map(|i| ImageData {
            mime: i.mime,
            base64: i.data_base64,
        })
        .collect();
    Ok(images)
}

/// The session a request continues: `x-openclaw-session-key`, else the session of the
/// `previous_response_id` it continues (which must be this caller's, for this agent, and must
/// have made every call the request answers), else one per `user` or a fresh one.
fn session_for(
    req: &HttpRequest,
    parsed: &ResponsesRequest,
    (agent_id, subject, header_key): (&str, &str, &Option<String>),
    input: &TurnInput,
    lookup: &dyn Fn(&str) -> Option<PrevInfo>,
) -> Result<String, GatewayError> {
    let mut prev_session = None;
    if let Some(prev_id) = &parsed.previous_response_id {
        let prev = lookup(prev_id)
            .filter(|p| {
                p.auth_subject == subject
                    && p.agent_id == agent_id
                    && p.requested_session_key == *header_key
            })
            .ok_or_else(|| previous_not_found(prev_id))?;
        for item in &input.items {
            if let ConversationItem::FunctionCallOutput { call_id, .. } = item {
                if !prev.call_ids.iter().any(|c| c == call_id) {
                    return Err(GatewayError::bad_param(
                        format!(
                            "No tool call found for function call output with call_id {call_id}."
                        ),
                        "input",
                    ));
                }
            }
        }
        prev_session = Some(prev.session_key);
    }
    Ok(match (&header_key, prev_session) {
        (Some(k), _) => k.clone(),
        (None, Some(k)) => k,
        (None, None) => select::session_key(req, agent_id, parsed.user.as_deref(), "openresponses"),
    })
}

/// Validates and prepares a turn. `lookup` finds an earlier response by id (connection cache,
/// then the store). `media_opts` relaxes fetch rules only in tests.
pub async fn prepare(
    state: &AppState,
    req: &HttpRequest,
    parsed: ResponsesRequest,
    lookup: &dyn Fn(&str) -> Option<PrevInfo>,
    media_opts: ResolveOptions,
) -> Result<Prepared, GatewayError> {
    let cfg = &state.config();
    let sel = select::select(cfg, req, Some(&parsed.model))?;
    let mut input = build_turn(&parsed).map_err(bad)?;
    expand_compaction(&parsed, &mut input);
    let images = resolve_media(state, &mut input, media_opts).await?;
    let agent = cfg
        .agent(&sel.agent_id)
        .ok_or_else(|| GatewayError::Internal("agent vanished".into()))?;
    if !images.is_empty() {
        let model = sel
            .model_override
            .clone()
            .or_else(|| cfg.model_for(agent).primary);
        if let Some(m) = model.filter(|m| !crate::providers::accepts_images(cfg, m)) {
            return Err(GatewayError::bad_param(format!("Model '{m}' does not accept image input (declare input: [\"text\", \"image\"] in its models entry)."), "input"));
        }
    }

    let subject = auth_subject(state, req);
    let header_key = req
        .headers()
        .get("x-openclaw-session-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let who = (sel.agent_id.as_str(), subject.as_str(), &header_key);
    let session_key = session_for(req, &parsed, who, &input, lookup)?;

    let resp_id = crate::responses::resource::new_response_id();
    let mut turn = TurnRequest::new(
        resp_id.clone(),
        sel.agent_id.clone(),
        session_key,
        String::new(),
    );
    // Authenticated callers of /v1/responses hold the gateway secret: owners, as in OpenClaw.
    turn.sender_is_owner = true;
    let structured = input
        .items
        .iter()
        .any(|i| !matches!(i, ConversationItem::Message { .. }));
    if structured {
        turn.extra_messages = structured_messages(&input.items);
        if let Some(last_user) = turn
            .extra_messages
            .iter_mut()
            .rev()
            .find(|m| m.role == Role::User)
        {
            last_user.images = images;
        } else if !images.is_empty() {
            turn.extra_messages.push(Message {
                images,
                ..Message::text(Role::User, "User sent image(s) with no text.")
            });
        }
    } else {
        turn.message = input.message.clone();
        turn.images = images;
    }
    turn.extra_system_prompt = input.extra_system_prompt.clone();
    turn.model_override = sel.model_override;
    turn.client_tools = input
        .client_tools
        .iter()
        .map(|t| ToolSpec {
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            parameters: std::sync::Arc::new(t.parameters.clone()),
        })
        .collect();
    turn.tool_choice = match &input.tool_choice {
        rschema::ToolChoice::Auto => ToolChoice::Auto,
        rschema::ToolChoice::None => ToolChoice::None,
        rschema::ToolChoice::Required => ToolChoice::Required,
        rschema::ToolChoice::Function(n) => ToolChoice::Named(n.clone()),
    };
    turn.max_tokens = input.max_output_tokens.map(u64::from);
    turn.temperature = parsed.temperature;
    turn.top_p = parsed.top_p;
    turn.thinking = parsed
        .reasoning
        .as_ref()
        .and_then(|r| r.effort)
        .map(rschema::ReasoningEffort::thinking_level);
    turn.options.response_format = parsed
        .text
        .as_ref()
        .and_then(|t| t.format.as_ref())
        .and_then(rschema::TextFormat::response_format);
    turn.options.parallel_tool_calls = parsed.parallel_tool_calls;
    turn.stream = true;
    turn.channel = select::message_channel(req);
    let client_tools = turn.client_tools.iter().map(|t| t.name.clone()).collect();
    let store = parsed.store.unwrap_or(true);
    let resource = ResponseResource::from_request(resp_id, chrono::Utc::now().timestamp(), &parsed);
    Ok(Prepared {
        turn,
        resource,
        client_tools,
        store,
        auth_subject: subject,
        requested_session_key: header_key,
    })
}

/// Items as real provider messages (for tool round trips): consecutive function calls become
/// one assistant message with several tool calls.
fn structured_messages(items: &[ConversationItem]) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    for item in items {
        match item {
            ConversationItem::Message { role, text } => {
                let role = match role {
                    HistoryRole::User => Role::User,
                    HistoryRole::Assistant => Role::Assistant,
                    HistoryRole::Tool => Role::Tool,
                };
                out.push(Message::text(role, text.clone()));
            }
            ConversationItem::FunctionCall {
                call_id,
                name,
                arguments,
            } => {
                let call = ToolCall {
                    id: call_id.clone(),
                    name: name.clone(),
                    arguments: arguments.clone(),
                };
                match out.last_mut() {
                    Some(m) if m.role == Role::Assistant => m.tool_calls.push(call),
                    _ => out.push(Message {
                        tool_calls: vec![call],
                        ..Message::text(Role::Assistant, "")
                    }),
                }
            }
            ConversationItem::FunctionCallOutput { call_id, output } => {
                out.push(Message {
                    tool_call_id: Some(call_id.clone()),
                    ..Message::text(Role::Tool, output.clone())
                });
            }
        }
    }
    out
}

/// Feeds one run event to the emitter; returns the OpenResponses events to send.
pub fn on_event(em: &mut StreamEmitter, ev: &RunEvent, client_tools: &[String]) -> Vec<Value> {
    match ev {
        RunEvent::Delta(t) => em.text_delta(t),
        RunEvent::ToolCall {
            call_id,
            name,
            arguments,
        } if client_tools.contains(name) => em.tool_call(call_id, name, arguments),
        RunEvent::Done(o) => finish(em, o),
        _ => vec![],
    }
}

/// Final events for an outcome.
pub fn finish(em: &mut StreamEmitter, o: &RunOutcome) -> Vec<Value> {
    match &o.failure {
        Some(f) => em.fail(&super::run::failure_error(f).to_string()),
        None => {
            if o.pending_tool_calls.is_empty() {
                match o.stop {
                    StopReason::Length => em.set_incomplete("max_output_tokens"),
                    StopReason::ContentFilter => em.set_incomplete("content_filter"),
                    _ => {}
                }
            }
            let u = &o.usage;
            em.finish(Usage::from_run(
                u.input,
                u.output,
                u.cache_read,
                u.cache_write,
                (u.total > 0).then_some(u.total),
            ))
        }
    }
}

/// Persists a finished response when `store` allows it; resolves once it is written.
pub fn save(
    state: &AppState,
    p: &PreparedMeta,
    body: &Value,
) -> impl std::future::Future<Output = ()> + 'static {
    let write = p.store.then(|| {
        let row = StoredResponse {
            id: p.id.clone(),
            session_key: p.session_key.clone(),
            agent_id: p.agent_id.clone(),
            auth_subject: p.auth_subject.clone(),
            requested_session_key: p.requested_session_key.clone(),
            created_at: crate::storage::now_ms(),
            body: body.to_string(),
        };
        let app = state.app.clone();
        async move { app.save_response(&row).await }
    });
    let id = p.id.clone();
    async move {
        if let Some(Err(e)) = match write {
            Some(w) => Some(w.await),
            None => None,
        } {
            tracing::error!(error = %e, id = %id, "cannot store response");
        }
    }
}

/// What [`save`] needs once the turn itself has been handed to the router.
#[derive(Debug, Clone)]
pub struct PreparedMeta {
    /// Response id.
    pub id: String,
    /// Session key.
    pub session_key: String,
    /// Agent id.
    pub agent_id: String,
    /// Credential hash.
    pub auth_subject: String,
    /// Header session key.
    pub requested_session_key: Option<String>,
    /// Persist it.
    pub store: bool,
}

impl Prepared {
    /// The bookkeeping part, kept after `turn` is moved into the router.
    pub fn meta(&self) -> PreparedMeta {
        PreparedMeta {
            id: self.turn.run_id.clone(),
            session_key: self.turn.session_key.clone(),
            agent_id: self.turn.agent_id.clone(),
            auth_subject: self.auth_subject.clone(),
            requested_session_key: self.requested_session_key.clone(),
            store: self.store,
        }
    }
}

/// Opaque (base64url JSON) carrier of a compacted conversation.
pub fn encode_compaction(transcript: &str) -> String {
    let payload = json!({"v": 1, "transcript": transcript});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string())
}

/// Reverses [`encode_compaction`]; `None` for content not made by this gateway.
pub fn decode_compaction(s: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim())
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    v.get("transcript")
        .and_then(Value::as_str)
        .map(str::to_string)
}
