/**
 * A route's successful JSON answer written straight to Node's response, past Fastify's reply
 * pipeline (its serializer lookup, `onSend` hook chain and payload checks): the routes on every
 * task's path answer thousands of times a second, and that pipeline was a tenth of the service's
 * main thread. Every route on a task's path answers its successes so: the submissions (single
 * and batch), the agents' polls (single and multi-agent) and their reports (`started`,
 * `finished`, offer answers, `/reports`). The bytes on the wire are those `reply.send(body)`
 * writes: status, the same `content-type` and `content-length`, the body by `JSON.stringify`,
 * in one `end`.
 * Errors are thrown before this and still answered by the service's error handler.
 */
import type { FastifyReply } from 'fastify';

/** The content type Fastify gives a JSON body. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Answers `reply` with `body` as JSON and `status` (200 unless given), taking the reply from
 * Fastify (`reply.hijack()`): the route must return nothing after calling this.
 */
export function sendJson(reply: FastifyReply, body: unknown, status: 200 | 201 = 200): void {
  const text = JSON.stringify(body);
  reply.hijack();
  // Header names lower-case and in Fastify's order, so that the head is byte for byte the same.
  reply.raw.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(text)) });
  reply.raw.end(text);
}
