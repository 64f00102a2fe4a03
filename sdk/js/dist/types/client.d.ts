import { Transport } from "./transport.js";
import type { AgentEvent, AgentRunParams, AgentRunResult, CallOptions, ClientOptions, CreatedSession, GatewayStatus, Memory, MemoryRecord, MessageParams, MessageResponse, Session, Skill, SkillResult } from "./types.js";
import { GatewaySocket, type SocketOptions } from "./ws.js";
/** Seed 001's message API (`/api/v1/message`). */
export declare class MessageResource {
    private readonly t;
    constructor(t: Transport);
    /** Sends `text` to the default agent and waits for the reply (`.text`). */
    send(p: MessageParams): Promise<MessageResponse>;
    /** Sends `text`; resolves (once the gateway accepted it) with an async iterable of text chunks. */
    stream(p: MessageParams): Promise<AsyncIterable<string>>;
}
/** The default agent's sessions (`/api/v1/sessions`). */
export declare class SessionsResource {
    private readonly t;
    constructor(t: Transport);
    /** Most recently used first. */
    list(p?: {
        limit?: number;
    } & CallOptions): Promise<Session[]>;
    /** Creates a session; `model` applies to all its turns. */
    create(p?: {
        label?: string;
        model?: string;
    } & CallOptions): Promise<CreatedSession>;
    /** Deletes a session (its `id`/`sessionId` or full key); resolves `true`. */
    delete(id: string, p?: CallOptions): Promise<boolean>;
}
/** The agent's memory (`/api/v1/memory`). */
export declare class MemoryResource {
    private readonly t;
    constructor(t: Transport);
    /** Searches the notes; each hit has `.content`. */
    search(p: {
        query: string;
        limit?: number;
        minScore?: number;
        agentId?: string;
    } & CallOptions): Promise<Memory[]>;
    /** Appends a note (searchable when this resolves). */
    add(p: {
        content: string;
        tags?: string[];
        type?: string;
    } & CallOptions): Promise<MemoryRecord>;
}
/** Skills (`/api/v1/skills`). */
export declare class SkillsResource {
    private readonly t;
    constructor(t: Transport);
    /** The skills an agent sees. */
    list(p?: {
        agentId?: string;
    } & CallOptions): Promise<Skill[]>;
    /** Runs a skill with `args`. */
    execute(name: string, p?: {
        args?: unknown;
        session?: string;
        agentId?: string;
    } & CallOptions): Promise<SkillResult>;
}
/** The running configuration, secrets redacted (`/api/v1/config`). */
export declare class ConfigResource {
    private readonly t;
    constructor(t: Transport);
    /** One part by dot path (`gateway.auth.mode`). */
    get<T = unknown>(path?: string, p?: CallOptions): Promise<T>;
}
/** Seed 003's agent API (`/v1/agent/run`). */
export declare class AgentResource {
    private readonly t;
    constructor(t: Transport);
    /** Runs one agent turn; resolves with `{runId, sessionKey, response, usage}`. */
    run(p: AgentRunParams): Promise<AgentRunResult>;
    /** Runs one agent turn; resolves with an async iterable of its events. */
    stream(p: AgentRunParams): Promise<AsyncIterable<AgentEvent>>;
}
/** Pass-through to the OpenAI-compatible `/v1/chat/completions`. */
export declare class ChatResource {
    private readonly t;
    constructor(t: Transport);
    /** Sends the request body as is (`model` defaults to `openclaw`): the completion object, or
     * with `stream: true` an async iterable of chunk objects. */
    create(body: {
        messages: unknown[];
        model?: string;
        stream?: boolean;
        [k: string]: unknown;
    }, p?: CallOptions): Promise<any>;
}
/**
 * A client for one gateway.
 *
 * ```js
 * const client = new Clawgate({ baseUrl: "http://localhost:18789", token: "..." });
 * const r = await client.message.send({ text: "hi" });
 * for await (const chunk of await client.message.stream({ text: "a poem" })) process.stdout.write(chunk);
 * ```
 */
export declare class Clawgate {
    /** Settled options and the HTTP transport. */
    readonly transport: Transport;
    /** Seed 001's message API. */
    readonly message: MessageResource;
    /** Sessions. */
    readonly sessions: SessionsResource;
    /** Memory. */
    readonly memory: MemoryResource;
    /** Skills. */
    readonly skills: SkillsResource;
    /** Configuration reads. */
    readonly config: ConfigResource;
    /** Seed 003's agent API. */
    readonly agent: AgentResource;
    /** OpenAI-compatible chat completions. */
    readonly chat: ChatResource;
    constructor(options?: ClientOptions);
    /** `GET /api/v1/status`. */
    status(p?: CallOptions): Promise<GatewayStatus>;
    /** A WebSocket client for OpenClaw's protocol 4; `await socket.connect()` before calling. */
    ws(options?: SocketOptions): GatewaySocket;
}
