/**
 * An error a route answers with: an HTTP status and one line for the client
 * (`{ error: '<line>' }`). Anything else thrown in a route is a bug, answered 500 without detail.
 */

/** A client-visible error: status and one line naming what was wrong. */
export class HttpError extends Error {
  /** @param statusCode - the HTTP status; @param message - one line (newlines are folded). */
  constructor(readonly statusCode: number, message: string) {
    super(message.replace(/\s*\n\s*/g, ' ').trim());
    this.name = 'HttpError';
  }
}

/** True for an {@link HttpError}. */
export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}
