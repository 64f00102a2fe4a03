//! Deliberate deviations from the recorded OpenClaw 2026.9.6 answers: `(pattern, reason)`,
//! where the pattern (`*` = anything) matches a difference line `<file> <part> <path>: <what>`
//! (`extra` = clawgate sends a key OpenClaw does not; `missing` = the other way round).
//! Mirrored in docs/http-api.md and docs/websocket.md ("Deliberate deviations").
//! Entries marked "protocol helper" belong to the handshake/scopes work and go away with it.

/// The allowlist.
pub const DEVIATIONS: &[(&str, &str)] = &[
    // ---- HTTP ----
    (
        "http/err-get-chat content-type: text/plain != application/json",
        "405 has a JSON error body (OpenAI error shape) instead of plain text",
    ),
    (
        "http/err-unknown-path content-type: text/plain != application/json",
        "404 has a JSON error body (OpenAI error shape) instead of plain text",
    ),
    (
        "http/err-* body $.error.code: extra",
        "OpenAI error objects carry `code` and `param` (null when unused)",
    ),
    (
        "http/err-* body $.error.param: extra",
        "OpenAI error objects carry `code` and `param` (null when unused)",
    ),
    (
        "http/responses-* $.*: extra",
        "Responses objects carry every OpenAI Responses field (sampling settings, \
         `sequence_number`, `annotations`, …), as the OpenAI SDKs expect",
    ),
    (
        "http/chat-stream* sse[chat.completion.chunk] $.choices[].delta.content: extra",
        "the role chunk also carries `content: \"\"` (as OpenAI sends it)",
    ),
    (
        "http/ready* body $.eventLoop: missing",
        "no Node event loop: clawgate has no event-loop delay statistics",
    ),
    (
        "http/tools-invoke-sessions_list*.sessions[].createdAt: extra",
        "extra counters on session rows (createdAt, messageCount, input/outputTokens)",
    ),
    (
        "http/tools-invoke-sessions_list*.sessions[].messageCount: extra",
        "extra counters on session rows",
    ),
    (
        "http/tools-invoke-sessions_list*.sessions[].inputTokens: extra",
        "extra counters on session rows",
    ),
    (
        "http/tools-invoke-sessions_list*.sessions[].outputTokens: extra",
        "extra counters on session rows",
    ),
    // ---- WebSocket: the handshake (protocol helper) ----
    (
        "ws/* res:connect#1 *",
        "protocol helper: hello-ok features/snapshot/policy/server fields",
    ),
    (
        "ws/* events[connect.challenge] $.capabilities[]: empty",
        "protocol helper: connect.challenge capabilities",
    ),
    (
        "ws/health-env events sequence: [\"connect.challenge\"] != [\"connect.challenge\", \"presence\"]",
        "protocol helper: presence broadcast on connect of a backend client",
    ),
    (
        "ws/gateway-probe res:status#1 *",
        "protocol helper: scopes of a `probe`-mode client (OpenClaw answers FORBIDDEN)",
    ),
    (
        "ws/gateway-probe res:system-presence#1 *",
        "protocol helper: scopes of a `probe`-mode client (OpenClaw answers FORBIDDEN)",
    ),
    (
        "ws/gateway-probe res:config.get#1: extra frame",
        "recording artefact: the probe closed before OpenClaw answered config.get",
    ),
    // ---- WebSocket: methods ----
    (
        "ws/* res:health#1 $.payload.plugins: missing",
        "no plugin system",
    ),
    (
        "ws/* res:health#1 $.payload.eventLoop: missing",
        "no Node event loop statistics",
    ),
    (
        "ws/* res:health#1 $.payload.configReload: missing",
        "no config hot reload",
    ),
    (
        "ws/* res:health#1 $.payload.agents[].heartbeat: missing",
        "no per-agent heartbeat block (docs/automation.md); `heartbeatSeconds` is the configured pace",
    ),
    (
        "ws/call-health events[health] $.configReload: missing",
        "no config hot reload",
    ),
    (
        "ws/call-health events[health] $.agents[].heartbeat: missing",
        "no per-agent heartbeat block; `heartbeatSeconds` is the configured pace",
    ),
    (
        "ws/call-health events[health] $.plugins: missing",
        "no plugin system",
    ),
    (
        "ws/call-health events[health] $.eventLoop: missing",
        "no Node event loop statistics",
    ),
    (
        "ws/call-status res:status#1 *",
        "status is clawgate's own (uptime, live runs, process RSS); OpenClaw's desktop, \
         plugin and V8 heap fields have no counterpart",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].createdAt: extra",
        "extra stored fields on session rows (createdAt, messageCount, label, thinkingLevel)",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].messageCount: extra",
        "extra stored fields on session rows",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].label: extra",
        "protocol helper: null label is dropped there",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].thinkingLevel: extra",
        "extra stored fields on session rows (the session's thinking override)",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.*agentRuntime: missing",
        "no agent runtimes / cloud placement",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].contextBudgetStatus: missing",
        "no pre-prompt context budget estimate",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].estimatedCostUsd: missing",
        "no token pricing",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].effectiveQueueMode: missing",
        "no queue modes (a message during a run waits for it)",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].startedAt: missing",
        "per-run timing is not persisted (startedAt, endedAt, runtimeMs, lastRunId)",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].endedAt: missing",
        "per-run timing is not persisted",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].runtimeMs: missing",
        "per-run timing is not persisted",
    ),
    (
        "ws/call-sessions-list res:sessions.list#1 $.payload.sessions[].lastRunId: missing",
        "per-run timing is not persisted",
    ),
    (
        "ws/call-models-list res:models.list#1 $.payload.models[].input: extra",
        "models carry their input modalities",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.*agentRuntime: missing",
        "no agent runtimes / cloud placement",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.deltaCursor: missing",
        "no incremental history cursor: clients page with `limit`",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.thinkingLevel: extra",
        "the session's thinking override",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].__openclaw.runId: extra",
        "every message of a turn names its run (OpenClaw: assistant messages only)",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].__openclaw.senderIsOwner: missing",
        "sender ownership is not stored per message",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].__openclaw.transcriptPosition: missing",
        "transcripts are SQLite rows, not files: `seq` is the position",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].*idempotencyKey: missing",
        "idempotency keys are kept per run, not per message",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].api: missing",
        "GAP: per-message provider/model/usage/stopReason are not stored yet (needs a \
         transcript migration)",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].provider: missing",
        "GAP: per-message metadata not stored yet",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].model: missing",
        "GAP: per-message metadata not stored yet",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].usage: missing",
        "GAP: per-message metadata not stored yet",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].stopReason: missing",
        "GAP: per-message metadata not stored yet",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.messages[].responseId: missing",
        "GAP: per-message metadata not stored yet",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.sessionInfo.*: missing",
        "sessionInfo is the sessions.list row: no participants, automation links, activity \
         summaries or per-run timing (see the sessions.list entries)",
    ),
    (
        "ws/call-chat-history res:chat.history#1 $.payload.sessionInfo.*: extra",
        "sessionInfo is the sessions.list row with its extra stored fields",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.traceId: missing",
        "no OpenTelemetry trace context on log records (traceId, spanId, traceFlags)",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.spanId: missing",
        "no OpenTelemetry trace context on log records",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.traceFlags: missing",
        "no OpenTelemetry trace context on log records",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.1: type *",
        "records are positional (tslog): `1` is the message, or the fields object with the \
         message in `2`; which one depends on the line, not on the gateway",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.2: *",
        "records are positional (tslog): `2` exists only on lines with fields",
    ),
    (
        "ws/logs-tail res:logs.tail#1 $.payload.lines[]#json.1.*",
        "a record's fields are its own line's (which lines are last differs per run)",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.meta.agentMeta.*: missing",
        "agentMeta carries session, model, summed usage and promptTokens; no harness, bridge, \
         code-mode, credential, pricing (`cost`), per-call usage or context-budget reports",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.meta.executionTrace: missing",
        "no execution trace / request shaping / system-prompt report in results",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.meta.requestShaping: missing",
        "no execution trace / request shaping / system-prompt report in results",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.meta.systemPromptReport: missing",
        "no execution trace / request shaping / system-prompt report in results",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.meta.finalPromptText: missing",
        "the final prompt text is not echoed back",
    ),
    (
        "ws/*agent* res:agent#2 $.payload.result.sourceReplyDeliveryState: missing",
        "delivery is reported in `delivery` when asked for",
    ),
    (
        "ws/*agent* events[agent/lifecycle/end] $.data.terminalReceipt: missing",
        "no terminal receipts (requested/effective model audit)",
    ),
    (
        "ws/*agent* events[agent/lifecycle/end] $.data.terminalReply: missing",
        "the final reply is in the `chat` final event and the `agent` result",
    ),
    (
        "ws/*agent* events sequence: *",
        "the task entry is upserted at start and at the end only (no activity upserts between \
         lifecycle phases), and there is no second `lifecycle/model` (provider null) after \
         `finishing`; every other kind comes in OpenClaw's order",
    ),
];

/// The reason a difference is allowed, if it is.
pub fn explain(diff: &str) -> Option<&'static str> {
    DEVIATIONS
        .iter()
        .find(|(p, _)| super::glob(p, diff))
        .map(|(_, r)| *r)
}
