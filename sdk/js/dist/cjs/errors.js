"use strict";
/**
 * Errors thrown by the client. Every failed HTTP answer becomes an {@link APIError} subclass
 * chosen by status; the gateway's three error shapes (the `/api/v1` envelope, seed 003's and
 * OpenAI's) are all read into `code` and `message`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.GatewayCallError = exports.StreamError = exports.ServerError = exports.RateLimitError = exports.ConflictError = exports.NotFoundError = exports.PermissionDeniedError = exports.AuthenticationError = exports.BadRequestError = exports.APIError = exports.APITimeoutError = exports.APIConnectionError = exports.ClawgateError = void 0;
exports.errorFromResponse = errorFromResponse;
/** Base class of everything this package throws. */
class ClawgateError extends Error {
    constructor(message) {
        super(message);
        this.name = new.target.name;
    }
}
exports.ClawgateError = ClawgateError;
/** The gateway could not be reached. */
class APIConnectionError extends ClawgateError {
}
exports.APIConnectionError = APIConnectionError;
/** The request did not complete within the client's timeout. */
class APITimeoutError extends APIConnectionError {
}
exports.APITimeoutError = APITimeoutError;
/** The gateway answered with an error status. */
class APIError extends ClawgateError {
    /** HTTP status. */
    status;
    /** Machine-readable code (`unauthorized`, `not_found`, `rate_limited`, ...), if any. */
    code;
    /** Seconds the gateway asked to wait (`Retry-After`), if it said. */
    retryAfter;
    /** The decoded body (JSON, or the text). */
    body;
    constructor(status, code, message, retryAfter = null, body = null) {
        super(`${status} ${code ?? "error"}: ${message}`);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
        this.body = body;
    }
}
exports.APIError = APIError;
/** 400. */
class BadRequestError extends APIError {
}
exports.BadRequestError = BadRequestError;
/** 401: missing or wrong token/password. */
class AuthenticationError extends APIError {
}
exports.AuthenticationError = AuthenticationError;
/** 403: not allowed (e.g. deleting a main session). */
class PermissionDeniedError extends APIError {
}
exports.PermissionDeniedError = PermissionDeniedError;
/** 404: no such session, skill, model or path. */
class NotFoundError extends APIError {
}
exports.NotFoundError = NotFoundError;
/** 409: the resource's state forbids it (e.g. a disabled skill). */
class ConflictError extends APIError {
}
exports.ConflictError = ConflictError;
/** 429: over a limit; see `retryAfter`. */
class RateLimitError extends APIError {
}
exports.RateLimitError = RateLimitError;
/** 5xx: the gateway or its model upstream failed. */
class ServerError extends APIError {
}
exports.ServerError = ServerError;
/** A stream reported a failure after it started. */
class StreamError extends APIError {
}
exports.StreamError = StreamError;
/** A WebSocket `call` answered `ok: false`. */
class GatewayCallError extends ClawgateError {
    /** OpenClaw's error code (`INVALID_REQUEST`, `UNAVAILABLE`, ...). */
    code;
    /** The error's `details`, if any. */
    details;
    constructor(code, message, details = null) {
        super(`${code}: ${message}`);
        this.code = code;
        this.details = details;
    }
}
exports.GatewayCallError = GatewayCallError;
const BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
};
/** The error for an answer with `status`, decoded `body` and `Retry-After` seconds. */
function errorFromResponse(status, body, retryAfter) {
    let code = null;
    let message = `HTTP ${status}`;
    const err = body && typeof body === "object" ? body.error : undefined;
    if (err && typeof err === "object") {
        const e = err;
        code = (typeof e.code === "string" && e.code) || (typeof e.type === "string" && e.type) || null;
        if (typeof e.message === "string" && e.message)
            message = e.message;
    }
    else if (typeof err === "string") {
        message = err;
    }
    else if (typeof body === "string" && body) {
        message = body;
    }
    const Cls = BY_STATUS[status] ?? (status >= 500 ? ServerError : APIError);
    return new Cls(status, code, message, retryAfter, body);
}
