/**
 * fleetsim embedded in a Node service: the engine and its live driver run in-process, agents are
 * async functions, and a small HTTP API (node:http) takes submissions and cancellations. At the
 * end the program plays its own client: it submits tasks over HTTP, cancels one, drains the
 * driver and prints the engine's ledger. See examples/README.md.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createLiveDriver, defaultEngineConfig, findStrategy, isFinal, LiveDriverError, RealClock,
  type AgentConnector, type AgentSpec, type Outcome, type TaskSpec,
} from 'fleetsim/engine';

/** One of your agents: does a task's work; stops when `signal` aborts (the engine gave up on the attempt). */
type AgentFunction = (task: TaskSpec, signal: AbortSignal) => Promise<Outcome>;

/** A stand-in for a model call: works through the task's tokens at `tokensPerSecond`. */
function modelAgent(name: string, tokensPerSecond: number, quality: number): AgentFunction {
  return async (task, signal) => {
    try {
      await sleep((task.tokens / tokensPerSecond) * 1000, undefined, { signal });
    } catch (error) {
      if (signal.aborted) console.log(`${name} stopped working on ${task.id}: aborted`);
      throw error; // the engine no longer waits for this attempt: its result is ignored
    }
    return { ok: true, quality };
  };
}

// The fleet: what the engine knows of each agent (its spec) and the function that does its work.
const fleet: { spec: AgentSpec; run: AgentFunction }[] = [
  { spec: { id: 'coder-fast', capacity: 2, tokensPerSecond: 40_000, skills: { code: 0.9 }, weight: 2, tags: [] }, run: modelAgent('coder-fast', 40_000, 0.9) },
  { spec: { id: 'coder-slow', capacity: 1, tokensPerSecond: 10_000, skills: { code: 0.7, review: 0.4 }, weight: 1, tags: [] }, run: modelAgent('coder-slow', 10_000, 0.7) },
  { spec: { id: 'reviewer', capacity: 2, tokensPerSecond: 20_000, skills: { review: 0.9, research: 0.6 }, weight: 2, tags: [] }, run: modelAgent('reviewer', 20_000, 0.85) },
];
const agentFunctions = new Map(fleet.map(({ spec, run }) => [spec.id, run]));

// The in-process connector: the engine's start command becomes a call of the chosen agent's function.
const connector: AgentConnector = {
  start: (command, { signal, started }) => {
    const run = agentFunctions.get(command.agent.spec.id);
    if (run === undefined) return Promise.reject(new Error(`no function for agent ${command.agent.spec.id}`));
    started({ setupTokens: 0, contextHit: null }); // these tasks need no context loaded
    return run(command.task.spec, signal);
  },
};

const strategy = findStrategy('skill-weighted');
if (strategy === undefined) throw new Error('no such strategy');
const driver = createLiveDriver({
  engine: {
    config: defaultEngineConfig(),
    strategy: strategy.create(strategy.params.parse({})),
    strategyRandom: Math.random, // seed these to replay a run's decisions
    engineRandom: Math.random,
  },
  clock: new RealClock(),
  connector,
  onEvent: (event) => {
    if (event.kind === 'transition' && isFinal(event.to)) {
      console.log(`${event.task.spec.id} ${event.task.spec.type} ${event.to} on ${event.agent?.spec.id ?? '-'} at ${event.time.toFixed(3)} s`);
    }
  },
});
for (const { spec } of fleet) driver.agentJoined(spec);

let submissions = 0;

/** Answers one request: POST /tasks `{ type, tokens }`, DELETE /tasks/{id}, GET /counts. */
async function handle(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method === 'POST' && path === '/tasks') {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: { type?: unknown; tokens?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    if (typeof body.type !== 'string' || typeof body.tokens !== 'number' || !(body.tokens > 0)) {
      return { status: 400, body: { error: 'type (a string) and tokens (a positive number) are required' } };
    }
    const id = `task-${++submissions}`;
    try {
      driver.submit({ id, type: body.type, tokens: body.tokens, priority: 2, contextTokens: 0 });
    } catch (error) {
      if (error instanceof LiveDriverError) return { status: 503, body: { error: error.message } }; // stopped or overloaded
      throw error;
    }
    return { status: 202, body: { id } };
  }
  const task = /^\/tasks\/([^/]+)$/.exec(path);
  if (request.method === 'DELETE' && task !== null) {
    driver.cancel(task[1]!); // a running attempt's signal aborts; unknown or final ids change nothing
    return { status: 200, body: { id: task[1] } };
  }
  if (request.method === 'GET' && path === '/counts') return { status: 200, body: driver.counts() };
  return { status: 404, body: { error: `no route ${request.method ?? ''} ${path}` } };
}

const server = createServer((request, response) => {
  handle(request).then(
    ({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    (error: unknown) => response.writeHead(500).end(JSON.stringify({ error: String(error) })),
  );
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The service's own client: a long task, nine short ones, then the long one is cancelled.
const submit = async (type: string, tokens: number): Promise<string> => {
  const response = await fetch(`${base}/tasks`, { method: 'POST', body: JSON.stringify({ type, tokens }) });
  if (response.status !== 202) throw new Error(`POST /tasks answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
};
const long = await submit('research', 1_000_000);
const short = await Promise.all(['code', 'code', 'review', 'code', 'review', 'code', 'code', 'review', 'code'].map((type) => submit(type, 2_000)));
await fetch(`${base}/tasks/${long}`, { method: 'DELETE' });
console.log(`submitted ${short.length + 1} tasks over HTTP, cancelled ${long}`);

await driver.stop({ drain: true }); // resolves once every accepted task is final
server.close();
console.log(`counts ${JSON.stringify(driver.counts())}`);
