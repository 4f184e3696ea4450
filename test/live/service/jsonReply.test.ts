/**
 * `sendJson` answers as Fastify's own `reply.send` would: the same status line, the same headers
 * in the same order (but `Date`) and the same body bytes, over real HTTP; a route that throws
 * before it is still answered by the error handler.
 */
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { JSON_CONTENT_TYPE, sendJson } from '../../../src/live/service/jsonReply.js';

interface RawAnswer {
  readonly status: number;
  readonly headers: string[];
  readonly body: Buffer;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The status, raw header pairs (Date left out: it is the clock's) and body bytes of a POST. */
function post(url: string, path: string, body: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          if (response.rawHeaders[i]!.toLowerCase() !== 'date') headers.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
        }
        resolve({ status: response.statusCode!, headers, body: Buffer.concat(chunks) });
      });
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A service-like app: `/fastify` answers by returning the body, `/raw` by `sendJson`; `fail: true` throws first. */
async function start(): Promise<string> {
  app = Fastify({ logger: false });
  app.setErrorHandler((error: Error, _request, reply) => reply.code(400).send({ error: error.message }));
  const answer = (body: { answer: unknown; fail?: boolean }): unknown => {
    if (body.fail === true) throw new Error('body.fail: refused');
    return body.answer;
  };
  app.post('/fastify', async (request) => answer(request.body as { answer: unknown }));
  app.post('/raw', async (request, reply) => {
    sendJson(reply, answer(request.body as { answer: unknown }));
  });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const ANSWERS: readonly unknown[] = [
  { results: [{ id: 't1', state: 'queued', status: 201 }, { error: 'body.tasks[1].priority: too large', status: 400 }] },
  { commands: [{ agent: 'a1', commands: [{ kind: 'start', task: { id: 'tâche-é-😀', tokens: 1.5e-7 }, attempt: 1 }] }], results: [{ started: { stale: false } }, {}] },
  { commands: [] },
  { text: '"quoted"\n\u2028 and \\ back', nothing: null, deep: [[[1, 0.1, 1e21]]] },
];

describe('sendJson', () => {
  it('writes the status, headers and body bytes that Fastify\'s reply writes', async () => {
    const url = await start();
    for (const answer of ANSWERS) {
      const body = JSON.stringify({ answer });
      const [viaFastify, direct] = [await post(url, '/fastify', body), await post(url, '/raw', body)];
      expect(direct.status).toBe(200);
      expect(direct.headers).toEqual(viaFastify.headers);
      expect(direct.headers).toContain(`content-type: ${JSON_CONTENT_TYPE}`);
      expect(direct.headers).toContain(`content-length: ${direct.body.length}`);
      expect(direct.body.equals(viaFastify.body)).toBe(true);
      expect(JSON.parse(direct.body.toString('utf8'))).toEqual(answer);
    }
  });

  it('leaves a route that throws before it to the error handler', async () => {
    const url = await start();
    const body = JSON.stringify({ answer: { ok: true }, fail: true });
    const [viaFastify, direct] = [await post(url, '/fastify', body), await post(url, '/raw', body)];
    expect(direct.status).toBe(400);
    expect(direct.headers).toEqual(viaFastify.headers);
    expect(direct.body.toString('utf8')).toBe('{"error":"body.fail: refused"}');
  });
});
