import { type Transport } from "./transport.js";
import type { GatewayEvent } from "./types.js";
/** Socket options. */
export interface SocketOptions {
    /** Scopes to ask for (default `operator.read`, `operator.write`). */
    scopes?: string[];
    /** Milliseconds to wait for the handshake and for each answer (default 30000). */
    timeout?: number;
}
/** A protocol-4 connection. */
export declare class GatewaySocket {
    private readonly t;
    /** The `hello-ok` payload, after `connect`. */
    hello: any;
    private ws;
    private readonly pending;
    private readonly listeners;
    private readonly scopes;
    private readonly timeout;
    constructor(t: Transport, options?: SocketOptions);
    /** Opens the socket and performs the handshake; resolves with `hello-ok`. A failed handshake
     * closes the socket and rejects (a refused `connect` with {@link GatewayCallError}). */
    connect(): Promise<any>;
    private handshake;
    private onFrame;
    /** Calls `method`; resolves with the answer's payload, rejects with {@link GatewayCallError}.
     * `expectFinal` skips an `accepted` acknowledgement (the `agent` method). */
    call<T = any>(method: string, params?: unknown, opts?: {
        expectFinal?: boolean;
        timeout?: number;
    }): Promise<T>;
    /** Calls `listener` for every event named `event` (`*`: all); returns an unsubscribe function. */
    on(event: string, listener: (e: GatewayEvent) => void): () => void;
    /** Events named `event` (`*`: all) from now on, as an async iterable (ends when the loop breaks). */
    events(event?: string): AsyncIterable<GatewayEvent>;
    /** Closes the socket. */
    close(): void;
}
