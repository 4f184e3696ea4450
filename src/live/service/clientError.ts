/**
 * The answer to a request Node's HTTP parser could not read (a malformed request line or header,
 * a body shorter or longer than its content length, a chunk of the wrong size, headers over the
 * size limit, a client too slow): it never reaches a route, so Fastify answers it alone, with a
 * body of its own shape. This one answers `{ error: 'request: …' }` on one line, as every other
 * refusal of the service reads, with the status Fastify would give.
 */
import type { Socket } from 'node:net';

/** The status and one-line reason for the parser's error `code`. */
export function clientErrorAnswer(code: string | undefined): { readonly status: number; readonly reason: string; readonly error: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'Request Timeout', error: 'request: not received in time' };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, reason: 'Request Header Fields Too Large', error: 'request: headers larger than the limit' };
  return { status: 400, reason: 'Bad Request', error: `request: malformed HTTP (${code ?? 'unreadable'})` };
}

/**
 * Fastify's `clientErrorHandler`: writes {@link clientErrorAnswer}'s answer when the socket can
 * still take it, then closes the connection (its bytes can no longer be told apart). A reset
 * connection is left as it is: there is no one to answer.
 */
export function answerClientError(error: Error & { readonly code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, reason, error: message } = clientErrorAnswer(error.code);
    const body = JSON.stringify({ error: message });
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
