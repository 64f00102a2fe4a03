// @ts-check
/**
 * The gateway WebSocket RPC client (protocol 4, operator role). One socket; requests are
 * matched to answers by id; events go to listeners. A refused credential stops the client
 * (no retry storm); a dropped connection reconnects with exponential backoff.
 */

/** @typedef {{token?: string, password?: string}} Credential */

/** An RPC error answer. */
export class RpcError extends Error {
  /** @param {{code?: string, message?: string, details?: any}} e */
  constructor(e) {
    super(e?.message || e?.code || "request failed");
    this.code = e?.code;
    this.details = e?.details;
  }
}

/** The socket URL: the page's own origin and path (any path upgrades), so it works behind a proxy. */
export function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${location.pathname}`;
}

const SCOPES = ["operator.read", "operator.write", "operator.admin", "operator.approvals"];

export class Gateway {
  /** @param {Credential} credential */
  constructor(credential) {
    this.credential = credential;
    /** @type {WebSocket|null} */
    this.ws = null;
    this.nextId = 1;
    /** @type {Map<string, {resolve: (v: any) => void, reject: (e: any) => void}>} */
    this.pending = new Map();
    /** @type {Map<string, Set<(payload: any) => void>>} */
    this.listeners = new Map();
    /** @type {any} */
    this.hello = null;
    this.stopped = false;
    this.attempt = 0;
    /** @type {(state: string, detail?: string) => void} */
    this.onState = () => {};
    /** @type {(message: string) => void} */
    this.onAuthFailed = () => {};
  }

  /**
   * Opens the socket and completes the handshake.
   * @returns {Promise<any>} the hello-ok payload
   */
  connect() {
    return new Promise((resolve, reject) => {
      this.onState("connecting");
      const ws = new WebSocket(socketUrl());
      this.ws = ws;
      let settled = false;
      ws.addEventListener("open", () => {
        const auth = this.credential.password ? { password: this.credential.password } : { token: this.credential.token };
        this.send("connect", {
          minProtocol: 4, maxProtocol: 4,
          client: { id: "openclaw-control-ui", version: "clawgate-web", platform: "web", mode: "ui" },
          role: "operator", scopes: SCOPES, caps: ["tool-events"], auth,
          userAgent: navigator.userAgent, locale: navigator.language,
        }).then((hello) => {
          settled = true;
          this.hello = hello;
          this.attempt = 0;
          this.onState("connected");
          resolve(hello);
        }, (err) => {
          if (settled) return;
          settled = true;
          if (err.code !== "CLOSED") {
            // The gateway refused the handshake (credential, origin, protocol): stop for good.
            this.stopped = true;
            err.refused = true;
            this.onState("refused", err.message);
          }
          reject(err);
        });
      });
      ws.addEventListener("message", (ev) => this.receive(String(ev.data)));
      ws.addEventListener("close", (ev) => {
        for (const p of this.pending.values()) p.reject(new RpcError({ code: "CLOSED", message: "connection closed" }));
        this.pending.clear();
        if (!settled) {
          // The caller of connect() decides what happens next.
          settled = true;
          this.onState("offline", ev.reason);
          reject(new RpcError({ code: "UNAVAILABLE", message: ev.reason || "cannot reach the gateway" }));
          return;
        }
        if (this.stopped || ws !== this.ws) return;
        if (ev.code === 4001 || (ev.code === 1008 && /auth|unauthori[sz]ed/i.test(ev.reason))) {
          this.stopped = true;
          this.onState("refused", ev.reason);
          this.onAuthFailed(ev.reason || "the gateway closed the session");
          return;
        }
        this.reconnect();
      });
    });
  }

  /** Reconnects after a network failure, with backoff (1 s, 2 s, 4 s … 30 s). */
  reconnect() {
    const delay = Math.min(30000, 1000 * 2 ** this.attempt++);
    this.onState("reconnecting", `retrying in ${Math.round(delay / 1000)} s`);
    setTimeout(() => {
      if (this.stopped) return;
      this.connect().then(() => this.emit("reconnected", {}), (err) => {
        if (err.refused) this.onAuthFailed(err.message);
        else if (!this.stopped) this.reconnect();
      });
    }, delay);
  }

  /** @param {string} text */
  receive(text) {
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    if (frame.type === "res") {
      const p = this.pending.get(frame.id);
      if (!p) return;
      // `agent` answers twice (ack, then final); everything here waits for the first.
      this.pending.delete(frame.id);
      if (frame.ok) p.resolve(frame.payload);
      else p.reject(new RpcError(frame.error));
    } else if (frame.type === "event") {
      this.emit(frame.event, frame.payload);
    }
  }

  /** @param {string} event @param {any} payload */
  emit(event, payload) {
    for (const fn of this.listeners.get(event) ?? []) {
      try { fn(payload); } catch (e) { console.error(e); }
    }
  }

  /**
   * Subscribes to an event; returns the unsubscribe function.
   * @param {string} event
   * @param {(payload: any) => void} fn
   */
  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)?.add(fn);
    return () => this.listeners.get(event)?.delete(fn);
  }

  /**
   * Sends a request and waits for its answer.
   * @param {string} method
   * @param {any} [params]
   * @returns {Promise<any>}
   */
  send(method, params) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RpcError({ code: "UNAVAILABLE", message: "not connected" }));
    }
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  /** Closes for good. */
  close() {
    this.stopped = true;
    this.ws?.close(1000, "logout");
  }

  /**
   * Calls a REST route of the gateway with the same credential (for what has no RPC method).
   * @param {string} method
   * @param {string} path relative to the page, e.g. "v1/channels/x/enable"
   */
  async http(method, path) {
    /** @type {Record<string, string>} */
    const headers = this.credential.password
      ? { "X-OpenClaw-Password": this.credential.password }
      : { Authorization: `Bearer ${this.credential.token ?? ""}` };
    const res = await fetch(apiUrl(path), { method, headers });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new RpcError({ code: String(res.status), message: body?.error?.message || res.statusText });
    return body;
  }
}

/**
 * The URL of a gateway route: the page sits at `<prefix><basePath>/`, the API at `<prefix>/`.
 * @param {string} path e.g. "v1/channels"
 */
export function apiUrl(path) {
  const base = document.querySelector('meta[name="clawgate-base-path"]')?.getAttribute("content") ?? "";
  const page = location.pathname.replace(/index\.html$/, "");
  const at = page.lastIndexOf(base + "/");
  const root = at >= 0 ? page.slice(0, at) + "/" : "/";
  return new URL(root + path, location.origin);
}
