/**
 * WebSocket client for OpenClaw's gateway protocol (version 4). The gateway opens with a
 * `connect.challenge` event; the client answers with `connect` (role `operator`, its scopes,
 * the token or password) and gets `hello-ok`. Then `call(method, params)` sends `req` frames and
 * resolves with the matching `res` payload; events (`chat`, `agent`, `tick`, ...) reach
 * listeners registered with `on`, and `events(name)` iterates them.
 */
import { APIConnectionError, APITimeoutError, GatewayCallError } from "./errors.js";
import { VERSION } from "./transport.js";
let counter = 0;
function newId() {
    const c = globalThis.crypto;
    return c?.randomUUID ? c.randomUUID() : `req-${Date.now()}-${++counter}`;
}
/** A protocol-4 connection. */
export class GatewaySocket {
    t;
    /** The `hello-ok` payload, after `connect`. */
    hello = null;
    ws = null;
    pending = new Map();
    listeners = new Map();
    scopes;
    timeout;
    constructor(t, options = {}) {
        this.t = t;
        this.scopes = options.scopes ?? ["operator.read", "operator.write"];
        this.timeout = options.timeout ?? 30_000;
    }
    /** Opens the socket and performs the handshake; resolves with `hello-ok`. A failed handshake
     * closes the socket and rejects (a refused `connect` with {@link GatewayCallError}). */
    async connect() {
        try {
            return await this.handshake();
        }
        catch (e) {
            this.close();
            throw e;
        }
    }
    async handshake() {
        const WS = this.t.opts.WebSocket ?? globalThis.WebSocket;
        if (!WS)
            throw new Error("no WebSocket implementation: pass one as `WebSocket` (e.g. the `ws` package on Node 20)");
        const ws = new WS(this.t.wsUrl);
        this.ws = ws;
        const challenge = new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new APITimeoutError("no connect.challenge in time")), this.timeout);
            ws.onerror = () => {
                clearTimeout(timer);
                reject(new APIConnectionError(`cannot open the WebSocket at ${this.t.wsUrl}`));
            };
            ws.onmessage = (m) => {
                const v = JSON.parse(String(m.data));
                if (v.type === "event" && v.event === "connect.challenge") {
                    clearTimeout(timer);
                    ws.onmessage = (mm) => this.onFrame(String(mm.data));
                    resolve();
                }
            };
        });
        ws.onclose = () => {
            for (const p of this.pending.values()) {
                clearTimeout(p.timer);
                p.reject(new APIConnectionError("the WebSocket closed"));
            }
            this.pending.clear();
        };
        await challenge;
        const o = this.t.opts;
        const auth = o.password && !o.token ? { password: o.password } : { token: o.token ?? "" };
        this.hello = await this.call("connect", {
            minProtocol: 4,
            maxProtocol: 4,
            client: { id: "gateway-client", version: VERSION, platform: globalThis.process?.platform ?? "web", mode: "backend", instanceId: newId() },
            caps: [],
            auth,
            role: "operator",
            scopes: this.scopes,
        });
        return this.hello;
    }
    onFrame(text) {
        const v = JSON.parse(text);
        if (v.type === "res") {
            const p = this.pending.get(v.id);
            if (!p)
                return;
            if (p.final && v.ok && v.payload?.status === "accepted")
                return;
            this.pending.delete(v.id);
            clearTimeout(p.timer);
            if (v.ok)
                p.resolve(v.payload);
            else
                p.reject(new GatewayCallError(v.error?.code ?? "UNKNOWN", v.error?.message ?? "call failed", v.error?.details ?? null));
        }
        else if (v.type === "event") {
            const ev = { event: v.event, payload: v.payload, seq: v.seq };
            for (const name of [v.event, "*"])
                for (const f of this.listeners.get(name) ?? [])
                    f(ev);
        }
    }
    /** Calls `method`; resolves with the answer's payload, rejects with {@link GatewayCallError}.
     * `expectFinal` skips an `accepted` acknowledgement (the `agent` method). */
    call(method, params = {}, opts = {}) {
        if (!this.ws)
            return Promise.reject(new Error("not connected: await connect() first"));
        const id = newId();
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new APITimeoutError(`no answer to ${method} in time`));
            }, opts.timeout ?? this.timeout);
            this.pending.set(id, { resolve, reject, final: !!opts.expectFinal, timer });
            this.ws.send(JSON.stringify({ type: "req", id, method, params }));
        });
    }
    /** Calls `listener` for every event named `event` (`*`: all); returns an unsubscribe function. */
    on(event, listener) {
        let set = this.listeners.get(event);
        if (!set)
            this.listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
    }
    /** Events named `event` (`*`: all) from now on, as an async iterable (ends when the loop breaks). */
    events(event = "*") {
        const queue = [];
        let wake = null;
        const off = this.on(event, (e) => {
            queue.push(e);
            wake?.();
        });
        return {
            [Symbol.asyncIterator]: () => ({
                next: async () => {
                    while (!queue.length)
                        await new Promise((r) => (wake = r));
                    return { value: queue.shift(), done: false };
                },
                return: async () => {
                    off();
                    return { value: undefined, done: true };
                },
            }),
        };
    }
    /** Closes the socket. */
    close() {
        this.ws?.close();
        this.ws = null;
    }
}
