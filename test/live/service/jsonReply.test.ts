/**
 * `sendJson` answers as Fastify's own `reply.send` would: the same status line, the same headers
 * in the same order (but `Date`) and the same body bytes, over real HTTP; a route that throws
 * before it is still answered by the error handler. And the service's routes on a task's path,
 * which answer with it, answer every success and error as they did through Fastify's reply.
 */
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { JSON_CONTENT_TYPE, sendJson } from '../../../src/live/service/jsonReply.js';
import { scenarioText, startService, type Running } from './serviceHarness.js';

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

/** The status, raw header pairs (Date left out: it is the clock's) and body bytes of a request with a JSON body, or none. */
function call(url: string, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const sent = httpRequest(`${url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          if (response.rawHeaders[i]!.toLowerCase() !== 'date') lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
        }
        resolve({ status: response.statusCode!, headers: lines, body: Buffer.concat(chunks) });
      });
    });
    sent.on('error', reject);
    sent.end(body === undefined ? undefined : JSON.stringify(body));
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
      const [viaFastify, direct] = [await call(url, 'POST', '/fastify', { answer }), await call(url, 'POST', '/raw', { answer })];
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
    const body = { answer: { ok: true }, fail: true };
    const [viaFastify, direct] = [await call(url, 'POST', '/fastify', body), await call(url, 'POST', '/raw', body)];
    expect(direct.status).toBe(400);
    expect(direct.headers).toEqual(viaFastify.headers);
    expect(direct.body.toString('utf8')).toBe('{"error":"body.fail: refused"}');
  });
});

describe('the service\'s routes on a task\'s path', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  /**
   * Each success answered with the status, body bytes and head a route answered through
   * Fastify's reply has (the head of `GET /v1/tasks/{id}`'s, its length aside); each error as
   * the error handler answers it.
   */
  async function expectAnswers(url: string, steps: readonly (readonly [string, string, unknown, number, string])[]): Promise<void> {
    const reference = await call(url, 'GET', '/v1/tasks/t1');
    expect(reference.status).toBe(200);
    for (const [method, path, body, status, text] of steps) {
      const answer = await call(url, method, path, body);
      expect({ step: `${method} ${path}`, status: answer.status, body: answer.body.toString('utf8') }).toEqual({ step: `${method} ${path}`, status, body: text });
      expect(answer.headers).toEqual(reference.headers.map((line) => (line.startsWith('content-length: ') ? `content-length: ${answer.body.length}` : line)));
    }
  }

  it('answer the submissions, polls and reports (and their errors) with the bytes and statuses Fastify\'s reply gave', async () => {
    running = await startService(scenarioText('heartbeatSeconds: 5'));
    const { url } = running;
    expect((await call(url, 'POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 10 })).status).toBe(201);
    const start = '{"kind":"start","task":{"id":"ID","type":"code","priority":2,"tokens":10,"contextTokens":0},"attempt":1}';
    await expectAnswers(url, [
      ['POST', '/v1/tasks', { id: 't2', type: 'code', tokens: 10 }, 201, '{"id":"t2","state":"queued"}'],
      ['POST', '/v1/tasks', { id: 't2', type: 'code', tokens: 10 }, 200, '{"id":"t2","state":"queued"}'],
      ['POST', '/v1/tasks', { id: 't2', type: 'code', tokens: 11 }, 409, '{"error":"body: task t2 was submitted before with another body"}'],
      ['POST', '/v1/tasks', { type: 'code', tokens: -1 }, 400, '{"error":"body.tokens: expected a number >= 0, got -1"}'],
      ['POST', '/v1/agents/a1/poll?wait=0', undefined, 404, '{"error":"params.id: agent a1 is not in the fleet (register with POST /v1/agents)"}'],
      ['POST', '/v1/agents/a1/attempts/t1/1/started', {}, 404, '{"error":"params.id: no agent a1 ever registered"}'],
      ['POST', '/v1/agents/a1/reports', { reports: [{ task: 't1', attempt: 1, started: {} }] }, 404, '{"error":"params.id: no agent a1 ever registered"}'],
    ]);
    expect((await call(url, 'POST', '/v1/agents', { id: 'a1', capacity: 2 })).status).toBe(201);
    await expectAnswers(url, [
      ['POST', '/v1/agents/a1/poll?wait=1', undefined, 200, `{"commands":[${start.replace('ID', 't1')},${start.replace('ID', 't2')}]}`],
      ['POST', '/v1/agents/a1/poll?wait=0', undefined, 200, '{"commands":[]}'],
      ['POST', '/v1/agents/a1/attempts/t1/1/started', {}, 200, '{"stale":false}'],
      ['POST', '/v1/agents/a1/attempts/t1/1/started', { setupTokens: -1 }, 400, '{"error":"body.setupTokens: expected a number >= 0, got -1"}'],
      ['POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true }, 200, '{"stale":false}'],
      ['POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true }, 200, '{"stale":true}'],
      ['POST', '/v1/agents/a1/reports', { reports: [{ task: 't2', attempt: 1, started: {}, finished: { ok: true } }, { task: 't2', attempt: 0 }] }, 200,
        '{"results":[{"started":{"stale":false},"finished":{"stale":false}},{"error":"body.reports[1].attempt: expected a number >= 1, got 0","status":400}]}'],
      ['POST', '/v1/agents/a1/reports', { reports: [] }, 400, '{"error":"body.reports: expected a non-empty list"}'],
    ]);
  });

  it('answer offers (and their errors) with the bytes and statuses Fastify\'s reply gave', async () => {
    running = await startService(scenarioText('heartbeatSeconds: 5', 'delegation: { mode: offer }'));
    const { url } = running;
    expect((await call(url, 'POST', '/v1/agents', { id: 'a1' })).status).toBe(201);
    expect((await call(url, 'POST', '/v1/tasks', { id: 't1', type: 'code' })).status).toBe(201);
    const offer = JSON.parse((await call(url, 'POST', '/v1/agents/a1/poll?wait=1')).body.toString('utf8')).commands[0].offerId as string;
    await expectAnswers(url, [
      ['POST', `/v1/agents/a1/offers/${offer}`, { accept: 'yes' }, 400, '{"error":"body.accept: expected true or false, got \\"yes\\""}'],
      ['POST', `/v1/agents/a2/offers/${offer}`, { accept: true }, 404, '{"error":"params.id: no agent a2 ever registered"}'],
      ['POST', `/v1/agents/a1/offers/${offer}`, { accept: true }, 200, '{"stale":false}'],
      ['POST', `/v1/agents/a1/offers/${offer}`, { accept: true }, 200, '{"stale":true}'],
    ]);
  });
});
