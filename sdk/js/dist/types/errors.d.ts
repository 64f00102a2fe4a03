/**
 * Errors thrown by the client. Every failed HTTP answer becomes an {@link APIError} subclass
 * chosen by status; the gateway's three error shapes (the `/api/v1` envelope, seed 003's and
 * OpenAI's) are all read into `code` and `message`.
 */
/** Base class of everything this package throws. */
export declare class ClawgateError extends Error {
    constructor(message: string);
}
/** The gateway could not be reached. */
export declare class APIConnectionError extends ClawgateError {
}
/** The request did not complete within the client's timeout. */
export declare class APITimeoutError extends APIConnectionError {
}
/** The gateway answered with an error status. */
export declare class APIError extends ClawgateError {
    /** HTTP status. */
    readonly status: number;
    /** Machine-readable code (`unauthorized`, `not_found`, `rate_limited`, ...), if any. */
    readonly code: string | null;
    /** Seconds the gateway asked to wait (`Retry-After`), if it said. */
    readonly retryAfter: number | null;
    /** The decoded body (JSON, or the text). */
    readonly body: unknown;
    constructor(status: number, code: string | null, message: string, retryAfter?: number | null, body?: unknown);
}
/** 400. */
export declare class BadRequestError extends APIError {
}
/** 401: missing or wrong token/password. */
export declare class AuthenticationError extends APIError {
}
/** 403: not allowed (e.g. deleting a main session). */
export declare class PermissionDeniedError extends APIError {
}
/** 404: no such session, skill, model or path. */
export declare class NotFoundError extends APIError {
}
/** 409: the resource's state forbids it (e.g. a disabled skill). */
export declare class ConflictError extends APIError {
}
/** 429: over a limit; see `retryAfter`. */
export declare class RateLimitError extends APIError {
}
/** 5xx: the gateway or its model upstream failed. */
export declare class ServerError extends APIError {
}
/** A stream reported a failure after it started. */
export declare class StreamError extends APIError {
}
/** A WebSocket `call` answered `ok: false`. */
export declare class GatewayCallError extends ClawgateError {
    /** OpenClaw's error code (`INVALID_REQUEST`, `UNAVAILABLE`, ...). */
    readonly code: string;
    /** The error's `details`, if any. */
    readonly details: unknown;
    constructor(code: string, message: string, details?: unknown);
}
/** The error for an answer with `status`, decoded `body` and `Retry-After` seconds. */
export declare function errorFromResponse(status: number, body: unknown, retryAfter: number | null): APIError;
