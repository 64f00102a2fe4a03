/** HTTP transport: headers, timeouts, the retry policy (429/503 after `Retry-After` or an
 * exponential backoff) and Server-Sent-Events parsing over `ReadableStream`. */
import { APIError } from "./errors.js";
import type { CallOptions, ClientOptions } from "./types.js";
/** The SDK's version. */
export declare const VERSION = "0.1.0";
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
export declare class Transport {
    readonly baseUrl: string;
    readonly opts: ClientOptions;
    private readonly fetchImpl;
    constructor(opts?: ClientOptions);
    /** Headers for every request. */
    headers(): Record<string, string>;
    /** The WebSocket URL of the gateway. */
    get wsUrl(): string;
    private url;
    /** Sends `spec`, retrying 429/503; resolves with the successful response (body unread). */
    send(spec: Spec, call?: CallOptions): Promise<{
        response: Response;
        done: () => void;
    }>;
    /** Sends `spec` and returns its decoded (and unwrapped) JSON. */
    json<T>(spec: Spec, call?: CallOptions): Promise<T>;
    /** Sends `spec` and returns its Server-Sent Events. */
    events(spec: Spec, call?: CallOptions): Promise<AsyncIterable<SseEvent>>;
}
/** One Server-Sent Event. */
export interface SseEvent {
    event: string;
    data: string;
}
/** Parses `response`'s body as Server-Sent Events, as they arrive. */
export declare function sseEvents(response: Response, done?: () => void): AsyncGenerator<SseEvent>;
/** JSON if it parses, else the text. */
export declare function decode(text: string): unknown;
/** `Retry-After` (seconds or an HTTP date) in seconds. */
export declare function retryAfterSeconds(v: string | null): number | null;
/** Milliseconds before retry `attempt` of a request that failed with `err`, or `null`. */
export declare function backoffMs(attempt: number, err: APIError, maxRetries: number, maxDelay: number): number | null;
