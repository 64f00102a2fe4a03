/** Request options and result shapes (the gateway's JSON, camelCase as sent). */
/** Client settings. */
export interface ClientOptions {
    /** The gateway root, e.g. `http://localhost:18789` (a trailing `/v1` is ignored). */
    baseUrl?: string;
    /** The gateway token (`gateway.auth.token`), sent as `Authorization: Bearer`. */
    token?: string;
    /** The gateway password (password mode), sent the same way. */
    password?: string;
    /** Milliseconds per request (default 300000). */
    timeout?: number;
    /** How often a 429 or 503 answer is retried (default 2). */
    maxRetries?: number;
    /** Upper bound of one retry delay in milliseconds (default 30000). */
    maxRetryDelay?: number;
    /** Extra headers for every request. */
    headers?: Record<string, string>;
    /** A `fetch` implementation (default: the global one). */
    fetch?: typeof fetch;
    /** A WebSocket constructor for {@link Clawgate.ws} (default: the global `WebSocket`; pass the
     * `ws` package's on Node 20). */
    WebSocket?: unknown;
    /** Called before each retry with the attempt (1-based), the error and the delay in ms. */
    onRetry?: (attempt: number, error: import("./errors.js").APIError, delayMs: number) => void;
}
/** Per-call options. */
export interface CallOptions {
    /** Milliseconds for this call (overrides the client's). */
    timeout?: number;
    /** Aborts the call. */
    signal?: AbortSignal;
}
/** `message.send` / `message.stream` arguments (seed 001). */
export interface MessageParams extends CallOptions {
    text: string;
    /** Session name of the default agent (default `default`). */
    session?: string;
    /** A configured `provider/model`. */
    model?: string;
}
/** The answer to `message.send`. */
export interface MessageResponse {
    messageId: string;
    text: string;
    usage: {
        inputTokens: number;
        outputTokens: number;
    };
}
/** A session of the default agent. */
export interface Session {
    id: string;
    sessionKey: string;
    label: string | null;
    createdAt: string;
    updatedAt: string;
    messageCount: number;
    model: string | null;
    [key: string]: unknown;
}
/** The answer to `sessions.create`. */
export interface CreatedSession {
    sessionId: string;
    sessionKey: string;
    label: string | null;
    createdAt: string;
    model: string | null;
}
/** A memory search hit. */
export interface Memory {
    content: string;
    score: number;
    source: string;
    path: string;
    startLine: number;
    endLine: number;
}
/** Where `memory.add` stored a note. */
export interface MemoryRecord {
    memoryId: string;
    createdAt: string;
    path: string;
}
/** A skill an agent sees. */
export interface Skill {
    name: string;
    description: string;
    enabled: boolean;
    eligible: boolean;
    version?: string | null;
    [key: string]: unknown;
}
/** The answer to `skills.execute`. */
export interface SkillResult {
    result: unknown;
    executionTime: number;
    dispatch: string;
}
/** `GET /api/v1/status`. */
export interface GatewayStatus {
    gateway: {
        status: string;
        version: string;
        uptime: number;
    };
    models: {
        available: number;
        default: string | null;
    };
    sessions: {
        active: number;
        total: number;
    };
    runs: {
        active: number;
    };
}
/** `agent.run` / `agent.stream` arguments (seed 003). */
export interface AgentRunParams extends CallOptions {
    message: string;
    sessionKey?: string;
    agentId?: string;
    options?: {
        thinking?: string;
        model?: string;
        timeoutSeconds?: number;
        [key: string]: unknown;
    };
}
/** The answer to `agent.run`. */
export interface AgentRunResult {
    runId: string;
    sessionKey: string;
    response: string;
    usage: {
        promptTokens: number;
        completionTokens: number;
        totalTokens: number;
    };
}
/** One event of `agent.stream`: `delta` (`data.delta`), `tool.call`, `tool.result`, `done`. */
export interface AgentEvent {
    type: string;
    data: Record<string, any>;
}
/** An OpenClaw protocol event received over the WebSocket. */
export interface GatewayEvent {
    event: string;
    payload: any;
    seq?: number;
}
