/**
 * Errors thrown by the client. Every failed HTTP answer becomes an {@link APIError} subclass
 * chosen by status; the gateway's three error shapes (the `/api/v1` envelope, seed 003's and
 * OpenAI's) are all read into `code` and `message`.
 */

/** Base class of everything this package throws. */
export class ClawgateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The gateway could not be reached. */
export class APIConnectionError extends ClawgateError {}

/** The request did not complete within the client's timeout. */
export class APITimeoutError extends APIConnectionError {}

/** The gateway answered with an error status. */
export class APIError extends ClawgateError {
  /** HTTP status. */
  readonly status: number;
  /** Machine-readable code (`unauthorized`, `not_found`, `rate_limited`, ...), if any. */
  readonly code: string | null;
  /** Seconds the gateway asked to wait (`Retry-After`), if it said. */
  readonly retryAfter: number | null;
  /** The decoded body (JSON, or the text). */
  readonly body: unknown;

  constructor(status: number, code: string | null, message: string, retryAfter: number | null = null, body: unknown = null) {
    super(`${status} ${code ?? "error"}: ${message}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

/** 400. */
export class BadRequestError extends APIError {}
/** 401: missing or wrong token/password. */
export class AuthenticationError extends APIError {}
/** 403: not allowed (e.g. deleting a main session). */
export class PermissionDeniedError extends APIError {}
/** 404: no such session, skill, model or path. */
export class NotFoundError extends APIError {}
/** 409: the resource's state forbids it (e.g. a disabled skill). */
export class ConflictError extends APIError {}
/** 429: over a limit; see `retryAfter`. */
export class RateLimitError extends APIError {}
/** 5xx: the gateway or its model upstream failed. */
export class ServerError extends APIError {}
/** A stream reported a failure after it started. */
export class StreamError extends APIError {}

/** A WebSocket `call` answered `ok: false`. */
export class GatewayCallError extends ClawgateError {
  /** OpenClaw's error code (`INVALID_REQUEST`, `UNAVAILABLE`, ...). */
  readonly code: string;
  /** The error's `details`, if any. */
  readonly details: unknown;

  constructor(code: string, message: string, details: unknown = null) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

const BY_STATUS: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  429: RateLimitError,
};

/** The error for an answer with `status`, decoded `body` and `Retry-After` seconds. */
export function errorFromResponse(status: number, body: unknown, retryAfter: number | null): APIError {
  let code: string | null = null;
  let message = `HTTP ${status}`;
  const err = body && typeof body === "object" ? (body as Record<string, unknown>).error : undefined;
  if (err && typeof err === "object") {
    const e = err as Record<string, unknown>;
    code = (typeof e.code === "string" && e.code) || (typeof e.type === "string" && e.type) || null;
    if (typeof e.message === "string" && e.message) message = e.message;
  } else if (typeof err === "string") {
    message = err;
  } else if (typeof body === "string" && body) {
    message = body;
  }
  const Cls = BY_STATUS[status] ?? (status >= 500 ? ServerError : APIError);
  return new Cls(status, code, message, retryAfter, body);
}
