/** HTTP transport: headers, timeouts, the retry policy (429/503 after `Retry-After` or an
 * exponential backoff) and Server-Sent-Events parsing over `ReadableStream`. */
import { APIConnectionError, APIError, APITimeoutError, errorFromResponse } from "./errors.js";
import type { CallOptions, ClientOptions } from "./types.js";

/** The SDK's version. */
export const VERSION = "0.1.0";
const RETRY_STATUSES = new Set([429, 503]);

/** One HTTP call. */
export interface Spec {
  method: string;
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Unwrap `/api/v1`'s `{success, data}` envelope. */
  envelope?: boolean;
}

/** Settled client options. */
export class Transport {
  readonly baseUrl: string;
  readonly opts: ClientOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions = {}) {
    let base = (opts.baseUrl ?? "http://127.0.0.1:18789").replace(/\/+$/, "");
    if (base.endsWith("/v1")) base = base.slice(0, -3);
    this.baseUrl = base;
    this.opts = opts;
    const f = opts.fetch ?? globalThis.fetch;
    if (!f) throw new Error("no fetch implementation: pass one as `fetch`");
    this.fetchImpl = f.bind(globalThis);
  }

  /** Headers for every request. */
  headers(): Record<string, string> {
    const h: Record<string, string> = { Accept: "application/json" };
    const secret = this.opts.token ?? this.opts.password;
    if (secret) h.Authorization = `Bearer ${secret}`;
    return { ...h, ...(this.opts.headers ?? {}) };
  }

  /** The WebSocket URL of the gateway. */
  get wsUrl(): string {
    return this.baseUrl.replace(/^http/, "ws");
  }

  private url(spec: Spec): string {
    const u = new URL(this.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  /** Sends `spec`, retrying 429/503; resolves with the successful response (body unread). */
  async send(spec: Spec, call: CallOptions = {}): Promise<{ response: Response; done: () => void }> {
    const maxRetries = this.opts.maxRetries ?? 2;
    for (let attempt = 1; ; attempt++) {
      const ctl = new AbortController();
      const timeoutMs = call.timeout ?? this.opts.timeout ?? 300_000;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, timeoutMs);
      const onAbort = () => ctl.abort();
      call.signal?.addEventListener("abort", onAbort);
      const done = () => {
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", onAbort);
      };
      const headers = this.headers();
      if (spec.body !== undefined) headers["Content-Type"] = "application/json";
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(spec), {
          method: spec.method,
          headers,
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          signal: ctl.signal,
        });
      } catch (e) {
        done();
        if (timedOut) throw new APITimeoutError(`request timed out: ${spec.method} ${spec.path}`);
        if (call.signal?.aborted) throw e;
        throw new APIConnectionError(`cannot reach the gateway: ${(e as Error).message}`);
      }
      if (response.ok) {
        // The timer keeps running while a stream is read; `done` stops it.
        return { response, done };
      }
      let text = "";
      try {
        text = await response.text();
      } finally {
        done();
      }
      const err = errorFromResponse(response.status, decode(text), retryAfterSeconds(response.headers.get("retry-after")));
      const delay = backoffMs(attempt, err, maxRetries, this.opts.maxRetryDelay ?? 30_000);
      if (delay === null) throw err;
      this.opts.onRetry?.(attempt, err, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Sends `spec` and returns its decoded (and unwrapped) JSON. */
  async json<T>(spec: Spec, call: CallOptions = {}): Promise<T> {
    const { response, done } = await this.send(spec, call);
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      throw new APIConnectionError(`reading the answer failed: ${(e as Error).message}`);
    } finally {
      done();
    }
    let body = decode(text) as any;
    if (spec.envelope && body && typeof body === "object" && "success" in body) body = body.data;
    return body as T;
  }

  /** Sends `spec` and returns its Server-Sent Events. */
  async events(spec: Spec, call: CallOptions = {}): Promise<AsyncIterable<SseEvent>> {
    const { response, done } = await this.send(spec, call);
    return sseEvents(response, done);
  }
}

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Parses `response`'s body as Server-Sent Events, as they arrive. */
export async function* sseEvents(response: Response, done: () => void = () => {}): AsyncGenerator<SseEvent> {
  if (!response.body) {
    done();
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let event = "message";
  let data: string[] = [];
  const line = function* (raw: string): Generator<SseEvent> {
    const l = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (l === "") {
      if (data.length) yield { event, data: data.join("\n") };
      event = "message";
      data = [];
      return;
    }
    if (l.startsWith(":")) return;
    const i = l.indexOf(":");
    const name = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? "" : l.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") event = value;
    else if (name === "data") data.push(value);
  };
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new APIConnectionError(`stream broken: ${(e as Error).message}`);
      }
      if (chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const raw = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        yield* line(raw);
      }
    }
    buf += decoder.decode();
    if (buf) yield* line(buf);
    yield* line("");
  } finally {
    done();
    reader.cancel().catch(() => {});
  }
}

/** JSON if it parses, else the text. */
export function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `Retry-After` (seconds or an HTTP date) in seconds. */
export function retryAfterSeconds(v: string | null): number | null {
  if (!v) return null;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, (t - Date.now()) / 1000);
}

/** Milliseconds before retry `attempt` of a request that failed with `err`, or `null`. */
export function backoffMs(attempt: number, err: APIError, maxRetries: number, maxDelay: number): number | null {
  if (!RETRY_STATUSES.has(err.status) || attempt > maxRetries) return null;
  if (err.retryAfter !== null) return Math.min(err.retryAfter * 1000, maxDelay);
  return Math.min(500 * 2 ** (attempt - 1), maxDelay) * (0.75 + Math.random() / 2);
}
