/**
 * Expected failures. Each carries an HTTP status and a stable code; the one error handler turns
 * them into `{"error": {"code", "message", "details"}}`. Anything else that escapes is a bug.
 */

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, "bad_request", message, details);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, "invalid_input", message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in first") {
    super(401, "unauthenticated", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Your role does not allow this") {
    super(403, "forbidden", message);
  }
}

/** Ids Cairn makes look like `usr_01j…`; anything else came from the client and is not repeated. */
const OWN_ID = /^[a-z]{2,5}_[0-9a-z]{10,40}$/;

export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super(
      404,
      "not_found",
      id !== undefined && OWN_ID.test(id) ? `${what} not found: ${id}` : `${what} not found`,
    );
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = "conflict") {
    super(409, code, message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(429, "locked_out", message, { retryAfterSeconds });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, "payload_too_large", `Request body is larger than ${limit} bytes`);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
