/**
 * LoadClient against a scripted stand-in for the service: submissions on the scaled schedule,
 * retried with the same client id and body until acknowledged, dependencies after their
 * acknowledgement, refusals counted and their dependents skipped; the same whether tasks go one
 * per request (`batchSize` 1) or in batches (`POST /v1/tasks/batch`, each item answered alone);
 * a trace's tasks with their prompt prefix, under an id prefix and a task limit, and a trace
 * found bad as it is read (changed since the scenario loaded) stops the run with its row's error.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE, LoadClient } from '../../../src/live/clients/loadClient.js';
import { loadScenario, parseScenario } from '../../../src/scenario/load.js';
import { tempDir, traceScenario, writeFixture } from '../../traces/traceFixtures.js';

const scenario = parseScenario(`
name: load-stand-in
seed: 1
agents: [{ id: a1, capacity: 1, speed: 10, skills: { job: 1 } }]
workload:
  jobs:
    - { id: a, at: 0, type: job, tokens: 5, timeout: 50 }
    - { id: b, at: 0, type: job, tokens: 5, dependsOn: [a] }
    - { id: c, at: 20, type: job, tokens: 5, deadline: 40 }
strategies: [least-connections]`, 'load-stand-in.yaml');

interface Received {
  readonly atMs: number;
  readonly body: { id: string; [key: string]: unknown };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
});

/**
 * A stand-in answering each submission with `answer(body, nth time this id is seen)`, alone or
 * as an item of a batch; a `reset` for any item of a batch closes the connection unanswered.
 */
async function standIn(answer: (id: string, nth: number) => number | 'reset', delayMs: (id: string) => number = () => 0): Promise<{ url: string; received: Received[]; answeredAtMs: ReadonlyMap<string, number> }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const answeredAtMs = new Map<string, number>();
  const start = performance.now();
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += String(chunk)));
    request.on('end', () => {
      const batched = request.url === '/v1/tasks/batch';
      const bodies = batched ? (JSON.parse(text) as { tasks: Received['body'][] }).tasks : [JSON.parse(text) as Received['body']];
      const statuses = bodies.map((body) => {
        received.push({ atMs: performance.now() - start, body });
        const nth = (seen.get(body.id) ?? 0) + 1;
        seen.set(body.id, nth);
        return answer(body.id, nth);
      });
      if (statuses.includes('reset')) {
        request.socket.destroy();
        return;
      }
      const answered = (): void => {
        for (const body of bodies) answeredAtMs.set(body.id, performance.now() - start);
      };
      const itemAnswer = (id: string, status: number): object => (status < 300 ? { id, state: 'queued' } : { error: 'body: submitted before with another body' });
      setTimeout(() => {
        answered();
        if (batched) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ results: bodies.map((body, i) => ({ ...itemAnswer(body.id, statuses[i] as number), status: statuses[i] })) }));
          return;
        }
        response.writeHead(statuses[0] as number, { 'content-type': 'application/json' });
        response.end(JSON.stringify(itemAnswer(bodies[0]!.id, statuses[0] as number)));
      }, Math.max(...bodies.map((body) => delayMs(body.id))));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, answeredAtMs };
}

const backoff = { baseMs: 20, capMs: 50, minMs: 5 };

describe.each([['one task per request', 1], ['batched', DEFAULT_BATCH_SIZE]])('LoadClient, %s', (_mode, batchSize) => {
  it('retries a failed submission with the same id and body until acknowledged', async () => {
    const { url, received } = await standIn((_id, nth) => (nth === 1 ? 'reset' : nth === 2 ? 503 : 201));
    const acknowledged: string[] = [];
    const client = new LoadClient({ scenario, url, speedup: 100, batchSize, backoff, onAcknowledged: (id) => acknowledged.push(id) });
    const summary = await client.run();
    expect(summary).toMatchObject({ submitted: 3, acknowledged: 3, retried: 6, refused: 0, skipped: 0 });
    expect(acknowledged.sort()).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) {
      const bodies = received.filter((r) => r.body.id === id).map((r) => JSON.stringify(r.body));
      expect(bodies).toHaveLength(3);
      expect(new Set(bodies).size).toBe(1);
    }
  });

  it('sends on the schedule ÷ K, times ÷ K, and a dependent only after its dependency is acknowledged', async () => {
    const { url, received, answeredAtMs } = await standIn(() => 201, (id) => (id === 'a' ? 150 : 0));
    const summary = await new LoadClient({ scenario, url, speedup: 100, batchSize, backoff }).run();
    expect(summary).toMatchObject({ submitted: 3, acknowledged: 3, retried: 0 });
    const at = (id: string): Received => received.find((r) => r.body.id === id)!;
    // b depends on a, whose answer the stand-in holds 150 ms: b comes only after that answer.
    expect(at('b').atMs).toBeGreaterThanOrEqual(answeredAtMs.get('a')!);
    expect(answeredAtMs.get('a')! - at('a').atMs).toBeGreaterThan(100);
    // c arrives at 20 s: sent 0.2 s real after the run began (the stand-in's clock started before), never earlier.
    expect(at('c').atMs).toBeGreaterThanOrEqual(200);
    expect(at('a').body).toMatchObject({ timeoutSeconds: 0.5 });
    expect(at('c').body).toMatchObject({ deadline: 0.4 });
  });

  it('counts a refusal, skips what depends on it, and limits the tasks to --tasks', async () => {
    const logs: string[] = [];
    const { url, received } = await standIn((id) => (id === 'a' ? 409 : 201));
    const summary = await new LoadClient({ scenario, url, speedup: 100, batchSize, backoff, log: (line) => logs.push(line) }).run();
    expect(summary).toMatchObject({ submitted: 3, acknowledged: 1, refused: 1, skipped: 1 });
    expect(received.map((r) => r.body.id).sort()).toEqual(['a', 'c']);
    expect(logs).toEqual(['a: refused, HTTP 409: body: submitted before with another body', 'b: not submitted, a task it depends on was refused']);
    const limited = await new LoadClient({ scenario, url, speedup: 100, batchSize, backoff, maxTasks: 1 }).run();
    expect(limited.submitted).toBe(1);
  });
});

describe('LoadClient batching', () => {
  it('sends the tasks that become ready in one turn in one batch, and at most batchSize per batch', async () => {
    const burst = parseScenario(`
name: burst
seed: 1
agents: [{ id: a1, capacity: 1, speed: 10, skills: { job: 1 } }]
workload: { jobs: [${Array.from({ length: 5 }, (_, i) => `{ id: j${i}, at: 0, type: job, tokens: 5 }`).join(', ')}] }
strategies: [least-connections]`, 'burst.yaml');
    const requests: number[] = [];
    const { url } = await standIn(() => 201);
    server!.prependListener('request', (request: { url?: string; headers: Record<string, string | string[] | undefined> }) => {
      if (request.url === '/v1/tasks/batch') requests.push(Number(request.headers['content-length'] ?? 0));
    });
    const summary = await new LoadClient({ scenario: burst, url, speedup: 100, batchSize: 3, backoff }).run();
    expect(summary).toMatchObject({ submitted: 5, acknowledged: 5, retried: 0 });
    expect(requests).toHaveLength(2);
  });
});

describe('LoadClient of a trace', () => {
  it('submits the trace\'s first --tasks tasks with their prompt prefix, under --id-prefix, at their times ÷ K', async () => {
    const dir = tempDir();
    try {
      const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ timestamp: i * 100, input_length: 10, output_length: 2, hash_ids: [0, 1 + (i % 2), 7] }));
      writeFixture(dir, 'prefix.jsonl', `${rows.join('\n')}\n`);
      const scenario = loadScenario(traceScenario(dir, '{ file: prefix.jsonl, format: mooncake, blockTokens: 4 }'));
      const { url, received } = await standIn(() => 201);
      const summary = await new LoadClient({ scenario, url, speedup: 2, backoff, maxTasks: 6, idPrefix: 'again/' }).run();
      expect(summary).toMatchObject({ submitted: 6, acknowledged: 6, refused: 0 });
      expect(received.map((r) => r.body.id)).toEqual(['again/r0', 'again/r1', 'again/r2', 'again/r3', 'again/r4', 'again/r5']);
      expect(received[3]!.body).toEqual({ id: 'again/r3', type: scenario.workload.trace!.type, tokens: 2, priority: 2, contextTokens: 10, contextKey: 'block-2', contextBlocks: [0, 2, 7], contextBlockTokens: 4 });
      // r5 arrives at 0.5 s of the scenario: 0.25 s real at K = 2.
      expect(received[5]!.atMs).toBeGreaterThanOrEqual(250);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with the row\'s error, its submissions under way given up, when the trace turns out bad as it is read', async () => {
    const dir = tempDir();
    try {
      const row = (timestamp: number): string => JSON.stringify({ timestamp, input_length: 10, output_length: 2, hash_ids: [0, 1, 2] });
      const path = writeFixture(dir, 'prefix.jsonl', `${row(0)}\n${row(100)}\n${row(200)}\n`);
      const scenario = loadScenario(traceScenario(dir, '{ file: prefix.jsonl, format: mooncake, blockTokens: 4 }'));
      // Changed after the loader checked it: its third row is now bad (the replay reads one row ahead of the arrivals).
      writeFileSync(path, `${row(0)}\n${row(100)}\n{"timestamp": 200, "input_length": -1}\n`);
      // The service never answers: without the stop, r0 would be retried without end.
      const { url, received } = await standIn(() => 'reset');
      const client = new LoadClient({ scenario, url, speedup: 1, backoff });
      await expect(client.run()).rejects.toThrow(/prefix\.jsonl: line 3, column input_length: /);
      // r0 was handed to the submitter (sent or not, the batch forms on the next turn) and given up unacknowledged.
      expect(received.filter((r) => r.body.id !== 'r0')).toEqual([]);
      expect(client.summary).toMatchObject({ submitted: 1, acknowledged: 0 });
      // Given up: no retry comes after the run ended (they come every 5 to 50 ms while one is under way).
      const sent = received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toHaveLength(sent);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
