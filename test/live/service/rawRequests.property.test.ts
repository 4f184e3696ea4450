/**
 * Property: no request, however malformed, crashes the service or corrupts its log. Requests are
 * written byte by byte on a socket, so that what a client library would refuse to send reaches
 * the service too: any method, a route of the API or none with odd segments (percent escapes
 * good and bad, `..`, `__proto__`, 2,000 characters), odd query strings (repeated, negative,
 * huge, not numbers), content types, bodies (arbitrary JSON, text, prototype keys, one over the
 * body cap) framed by a content length that is right, short or long, or chunked, and with or
 * without a token. Every request is answered under 500 (or, with a content length longer than
 * its body, not at all), a 4xx with a body is `{ error: '<one line>' }` and nothing else, nothing is
 * kept as an internal error, the ledger holds, and a restart on the data directory recovers the
 * same tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { send, type Framing, type RawAnswer, type RawRequest } from './rawHttp.js';
import { ledgerBalances, listTasks, scenarioText, startService } from './serviceHarness.js';

/** The body cap of the scenario below (`live.maxBodyBytes`). */
const MAX_BODY_BYTES = 4096;
const ADMIN_TOKEN = 'admin-token-0123456789';
const AGENT_TOKEN = 'agent-a1-token-0123456789';

const TASK_BODIES = ['{"id":"t0","type":"code","tokens":1}', '{"id":"t1","type":"review"}', '{"type":"code"}', '{"id":"t0","type":"review"}'];
const REPORT_BODIES = ['{}', '{"ok":true}', '{"ok":false,"reason":"agent-error"}', '{"ok":true,"quality":2}'];
/** The API's routes with their methods and bodies they take, and paths that are none of them. */
const ROUTES: readonly (readonly [string, string, readonly string[]])[] = [
  ['POST', '/v1/tasks', TASK_BODIES], ['GET', '/v1/tasks', ['']], ['GET', '/v1/tasks/{id}', ['']], ['DELETE', '/v1/tasks/{id}', ['']],
  ['POST', '/v1/tasks/batch', ['{"tasks":[{"type":"code"},{"type":"nope"}]}', '{"tasks":[{"id":"t1","type":"code"}]}']],
  ['POST', '/v1/agents', ['{"id":"a1"}', '{"id":"r1"}', '{"id":"a2","skills":{"code":1},"capacity":1}']],
  ['POST', '/v1/agents/{agent}/poll', ['', '{}']], ['POST', '/v1/agents/poll', ['{"agents":["a1","r1"]}', '{"agents":["a1"],"reports":[]}', '{"agents":["a1"],"offers":[{"agent":"a1","offerId":"o1","accept":true}]}']],
  ['POST', '/v1/agents/{agent}/attempts/{id}/{attempt}/started', REPORT_BODIES],
  ['POST', '/v1/agents/{agent}/attempts/{id}/{attempt}/finished', REPORT_BODIES],
  ['POST', '/v1/agents/{agent}/offers/{id}', ['{"accept":true}', '{"accept":false,"reason":"busy"}']],
  ['POST', '/v1/agents/{agent}/reports', ['{"reports":[{"task":"t0","attempt":1,"kind":"started"}]}', '{"reports":[{"task":"t0","attempt":1,"kind":"finished","ok":true}]}']],
  ['POST', '/v1/admin', ['{"op":"drain","agentId":"a1"}', '{"op":"pause","taskId":"t0"}', '{"op":"resume","taskId":"t0"}', '{"op":"pause-type","type":"code"}', '{"op":"resume-type","type":"code"}', '{"op":"set-priority","type":"code","priority":1}']],
  ['GET', '/v1/metrics', ['']], ['GET', '/metrics', ['']], ['GET', '/v1/latency', ['']], ['DELETE', '/v1/latency', ['']],
  ['GET', '/healthz', ['']], ['GET', '/', ['']], ['POST', '/v2/tasks', TASK_BODIES], ['POST', '//v1//tasks', TASK_BODIES],
  ['GET', '/v1/tasks/', ['']],
];
/** Odd path segments, given in place of an agent, task or attempt now and then. */
const ODD_SEGMENTS = [
  '0', '-1', '1e308', 'NaN', '%00', '%2F', '..', '%E2%82%AC', '%zz', '%', '%20', "'", '__proto__', 'constructor', 'x'.repeat(2_000),
];
const QUERIES = [
  '', '?', '?&&', '?wait=0', '?wait=-1', '?wait=1e308', '?wait=abc', '?wait=0&wait=1', '?limit=0', '?limit=-1',
  '?limit=1e9', '?limit=abc', '?limit=2.5', '?state=bogus', '?state=queued', '?type=code&limit=2', '?cursor=zzz',
  '?cursor=-1', '?cursor=99999999999999999999', '?__proto__=1', '?limit=1&limit=2', '?a=%zz',
];
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'FOO'];
const CONTENT_TYPES = [
  undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
  'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=latin1',
];
/** Bodies that are JSON the routes might take, or nearly. */
const NEAR_BODIES = [
  '{"id":"t0","type":"code","tokens":1}', '{"id":"t1","type":"review"}', '{"type":"code"}', '{"id":"a1"}',
  '{"tasks":[{"type":"code"},{"type":"nope"}]}', '{"agents":["a1","r1"],"wait":0}', '{"reports":[{"task":"t0","attempt":1,"kind":"started"}]}',
  '{"__proto__":{"polluted":1},"type":"code"}', '{"constructor":{"prototype":{"polluted":1}}}', '', '{', 'null', '[]',
  `{"id":"${'x'.repeat(MAX_BODY_BYTES)}"}`,
];

const bodyArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NEAR_BODIES) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
/** Mostly one of `usual` (ids the service knows or may know), sometimes an odd one. */
const segment = (...usual: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_SEGMENTS) });
/** Mostly a route's own method and no query, sometimes anything. */
const routeArb = fc.record({
  route: fc.constantFrom(...ROUTES),
  method: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  agent: segment('a1', 'a2', 'r1'), id: segment('t0', 't1'), attempt: segment('1', '2'),
  query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...QUERIES) }),
}).chain(({ route: [ownMethod, template, ownBodies], method, agent, id, attempt, query }) => fc.record({
  method: fc.constant(method ?? ownMethod),
  path: fc.constant(template.replace('{agent}', agent).replace('{id}', id).replace('{attempt}', attempt) + query),
  // Mostly a body the route takes, sometimes any.
  body: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...ownBodies) }, { weight: 1, arbitrary: bodyArb }),
}));
const requestArb: fc.Arbitrary<RawRequest> = fc.record({
  route: routeArb,
  // Mostly JSON (none for a body left empty), sometimes anything.
  contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('json' as const) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
  token: fc.oneof({ weight: 3, arbitrary: fc.constant(ADMIN_TOKEN) }, { weight: 1, arbitrary: fc.constantFrom(undefined, AGENT_TOKEN, 'unknown-token-0123456789', '') }),
  framing: fc.constantFrom<Framing>('length', 'length', 'length', 'length', 'short', 'long', 'chunked'),
}).map(({ route, contentType, ...rest }) => ({
  ...route, ...rest, contentType: contentType !== 'json' ? contentType : route.body === '' ? undefined : 'application/json',
}));

/** What is wrong with `answer` to `request`, or undefined. */
function problemWith(request: RawRequest, answer: RawAnswer): string | undefined {
  if (answer.status === undefined) {
    // A content length longer than the body leaves the service waiting for bytes that never come.
    return request.framing === 'long' ? undefined : 'the connection closed without an answer';
  }
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status >= 400 && request.method !== 'HEAD' && answer.body !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return `a ${answer.status} whose body is not JSON: ${answer.body.slice(0, 300)}`;
    }
    // Every refusal reads the same: `{ error: '<one line>' }`, nothing else, whoever answered it.
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error !== 'string' || error === '' || error.includes('\n') || Object.keys(parsed as object).length !== 1) {
      return `a ${answer.status} that is not { error: '<one line>' }: ${answer.body.slice(0, 300)}`;
    }
  }
  return undefined;
}

describe('raw requests', () => {
  it.each([
    ['without tokens', undefined],
    ['with a token file', { [ADMIN_TOKEN]: 'admin' as const, [AGENT_TOKEN]: 'agent:a1' as const }],
  ])('never crash the service or corrupt its log (%s)', async (_, tokens) => {
    const text = scenarioText(`heartbeatSeconds: 60, maxBodyBytes: ${MAX_BODY_BYTES}`);
    const adminToken = tokens === undefined ? undefined : ADMIN_TOKEN;
    const seen = { answered: 0, created: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 5, maxLength: 25 }), async (requests) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-raw-'));
        let running = await startService(text, { dataDir, fsync: false, ...(tokens === undefined ? {} : { tokens }) });
        try {
          for (const request of requests) {
            const answer = await send(running.url, request);
            expect(problemWith(request, answer), `${request.method} ${request.path} (${request.framing}, ${request.contentType ?? 'no type'}): ${request.body.slice(0, 120)}`).toBeUndefined();
            if (answer.status === 201) seen.created++;
            if (answer.status !== undefined && answer.status >= 400) seen.refused++;
            else if (answer.status !== undefined) seen.answered++;
            expect(running.service.errors).toEqual([]);
            expect(ledgerBalances(running)).toBe(true);
          }
          expect((await running.request('GET', '/healthz')).status).toBe(200);
          const before = (await listTasks(running, adminToken)).map((task) => task.id);
          const submitted = running.service.context.driver.counts().submitted;
          await running.close();
          running = await startService(text, { dataDir, fsync: false, ...(tokens === undefined ? {} : { tokens }) });
          expect((await listTasks(running, adminToken)).map((task) => task.id)).toEqual(before);
          expect(running.service.context.driver.counts().submitted).toBe(submitted);
          expect(ledgerBalances(running)).toBe(true);
        } finally {
          await running.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60, seed: 20261207 },
    );
    // The generator reaches every kind of outcome, so the property says something about each.
    expect(seen.answered).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(10);
    expect(seen.created).toBeGreaterThan(5);
  }, 180_000);
});
