"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Clawgate = exports.ChatResource = exports.AgentResource = exports.ConfigResource = exports.SkillsResource = exports.MemoryResource = exports.SessionsResource = exports.MessageResource = void 0;
/** The client: `Clawgate` (also exported as `OpenClaw` and `OpenClawClient`) and its resources. */
const errors_js_1 = require("./errors.js");
const transport_js_1 = require("./transport.js");
const ws_js_1 = require("./ws.js");
const seg = encodeURIComponent;
function call(p) {
    return { timeout: p?.timeout, signal: p?.signal };
}
function streamFailure(v, fallback) {
    const err = (v && typeof v === "object" && (v.error ?? v)) || {};
    return new errors_js_1.StreamError(200, err.code ?? null, err.message ?? fallback, null, v);
}
async function* messageChunks(events) {
    for await (const { data } of events) {
        if (data === "[DONE]")
            return;
        const v = (0, transport_js_1.decode)(data);
        if (v && v.success === false)
            throw streamFailure(v, "stream failed");
        if (v && typeof v.chunk === "string" && v.chunk)
            yield v.chunk;
    }
}
async function* agentEvents(events) {
    for await (const { event, data } of events) {
        const v = (0, transport_js_1.decode)(data);
        if (event === "error")
            throw streamFailure(v, "run failed");
        yield { type: event, data: v && typeof v === "object" ? v : { value: v } };
        if (event === "done")
            return;
    }
}
async function* chatChunks(events) {
    for await (const { data } of events) {
        if (data === "[DONE]")
            return;
        const v = (0, transport_js_1.decode)(data);
        if (v && v.error && !v.choices)
            throw streamFailure(v, "stream failed");
        yield v;
    }
}
/** Seed 001's message API (`/api/v1/message`). */
class MessageResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** Sends `text` to the default agent and waits for the reply (`.text`). */
    send(p) {
        return this.t.json({ method: "POST", path: "/api/v1/message", body: { text: p.text, session: p.session, model: p.model }, envelope: true }, call(p));
    }
    /** Sends `text`; resolves (once the gateway accepted it) with an async iterable of text chunks. */
    async stream(p) {
        const spec = { method: "POST", path: "/api/v1/message/stream", body: { text: p.text, session: p.session, model: p.model } };
        return messageChunks(await this.t.events(spec, call(p)));
    }
}
exports.MessageResource = MessageResource;
/** The default agent's sessions (`/api/v1/sessions`). */
class SessionsResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** Most recently used first. */
    async list(p = {}) {
        const v = await this.t.json({ method: "GET", path: "/api/v1/sessions", query: { limit: p.limit }, envelope: true }, call(p));
        return v.sessions;
    }
    /** Creates a session; `model` applies to all its turns. */
    create(p = {}) {
        return this.t.json({ method: "POST", path: "/api/v1/sessions", body: { label: p.label, model: p.model }, envelope: true }, call(p));
    }
    /** Deletes a session (its `id`/`sessionId` or full key); resolves `true`. */
    async delete(id, p = {}) {
        const v = await this.t.json({ method: "DELETE", path: `/api/v1/sessions/${seg(id)}`, envelope: true }, call(p));
        return v.deleted;
    }
}
exports.SessionsResource = SessionsResource;
/** The agent's memory (`/api/v1/memory`). */
class MemoryResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** Searches the notes; each hit has `.content`. */
    async search(p) {
        const query = { query: p.query, limit: p.limit, minScore: p.minScore, agentId: p.agentId };
        const v = await this.t.json({ method: "GET", path: "/api/v1/memory/search", query, envelope: true }, call(p));
        return v.results;
    }
    /** Appends a note (searchable when this resolves). */
    add(p) {
        return this.t.json({ method: "POST", path: "/api/v1/memory", body: { content: p.content, tags: p.tags, type: p.type }, envelope: true }, call(p));
    }
}
exports.MemoryResource = MemoryResource;
/** Skills (`/api/v1/skills`). */
class SkillsResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** The skills an agent sees. */
    async list(p = {}) {
        const v = await this.t.json({ method: "GET", path: "/api/v1/skills", query: { agentId: p.agentId }, envelope: true }, call(p));
        return v.skills;
    }
    /** Runs a skill with `args`. */
    execute(name, p = {}) {
        const body = { args: p.args ?? {}, session: p.session, agentId: p.agentId };
        return this.t.json({ method: "POST", path: `/api/v1/skills/${seg(name)}/execute`, body, envelope: true }, call(p));
    }
}
exports.SkillsResource = SkillsResource;
/** The running configuration, secrets redacted (`/api/v1/config`). */
class ConfigResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** One part by dot path (`gateway.auth.mode`). */
    get(path = "gateway", p = {}) {
        const parts = path.split(".").filter(Boolean).map(seg).join("/");
        return this.t.json({ method: "GET", path: `/api/v1/config/${parts}`, envelope: true }, call(p));
    }
}
exports.ConfigResource = ConfigResource;
function agentBody(p, stream) {
    const b = { message: p.message, sessionKey: p.sessionKey, agentId: p.agentId, options: p.options };
    if (stream)
        b.stream = true;
    return b;
}
/** Seed 003's agent API (`/v1/agent/run`). */
class AgentResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** Runs one agent turn; resolves with `{runId, sessionKey, response, usage}`. */
    run(p) {
        return this.t.json({ method: "POST", path: "/v1/agent/run", body: agentBody(p, false) }, call(p));
    }
    /** Runs one agent turn; resolves with an async iterable of its events. */
    async stream(p) {
        return agentEvents(await this.t.events({ method: "POST", path: "/v1/agent/run/stream", body: agentBody(p, true) }, call(p)));
    }
}
exports.AgentResource = AgentResource;
/** Pass-through to the OpenAI-compatible `/v1/chat/completions`. */
class ChatResource {
    t;
    constructor(t) {
        this.t = t;
    }
    /** Sends the request body as is (`model` defaults to `openclaw`): the completion object, or
     * with `stream: true` an async iterable of chunk objects. */
    async create(body, p = {}) {
        const b = { model: "openclaw", ...body };
        const spec = { method: "POST", path: "/v1/chat/completions", body: b };
        if (!b.stream)
            return this.t.json(spec, call(p));
        return chatChunks(await this.t.events(spec, call(p)));
    }
}
exports.ChatResource = ChatResource;
/**
 * A client for one gateway.
 *
 * ```js
 * const client = new Clawgate({ baseUrl: "http://localhost:18789", token: "..." });
 * const r = await client.message.send({ text: "hi" });
 * for await (const chunk of await client.message.stream({ text: "a poem" })) process.stdout.write(chunk);
 * ```
 */
class Clawgate {
    /** Settled options and the HTTP transport. */
    transport;
    /** Seed 001's message API. */
    message;
    /** Sessions. */
    sessions;
    /** Memory. */
    memory;
    /** Skills. */
    skills;
    /** Configuration reads. */
    config;
    /** Seed 003's agent API. */
    agent;
    /** OpenAI-compatible chat completions. */
    chat;
    constructor(options = {}) {
        this.transport = new transport_js_1.Transport(options);
        this.message = new MessageResource(this.transport);
        this.sessions = new SessionsResource(this.transport);
        this.memory = new MemoryResource(this.transport);
        this.skills = new SkillsResource(this.transport);
        this.config = new ConfigResource(this.transport);
        this.agent = new AgentResource(this.transport);
        this.chat = new ChatResource(this.transport);
    }
    /** `GET /api/v1/status`. */
    status(p = {}) {
        return this.transport.json({ method: "GET", path: "/api/v1/status", envelope: true }, call(p));
    }
    /** A WebSocket client for OpenClaw's protocol 4; `await socket.connect()` before calling. */
    ws(options = {}) {
        return new ws_js_1.GatewaySocket(this.transport, options);
    }
}
exports.Clawgate = Clawgate;
