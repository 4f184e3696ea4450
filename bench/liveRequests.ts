/**
 * `npm run bench -- --only live-requests`: what one HTTP request costs `fleetsim serve`, by kind.
 * A fresh service per kind (fsync on, `--latency-probe` as in `--only live`, bench/live.ts's
 * scenario with its 100 agents registered) is sent a fixed number of requests of that kind,
 * {@link IN_FLIGHT} at a time over keep-alive connections; the figure is the service's CPU
 * (user + system of the whole process, all threads, from /proc) over them, per request. The
 * kinds: `GET /healthz` (Node's HTTP and Fastify alone), a multi-agent poll with `wait=0` listing
 * 1 or all 100 agents (no commands to hand out), and submission batches of 1, 5 and 50 tasks
 * (each answered after the group commit, fsync included, that covers it). CPU, not latency: fair
 * on a shared machine; run it on two builds, alternated, to compare them. `--service-args` adds
 * `fleetsim serve` flags (`--fsyncs-in-flight 1`).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveBenchScenario, processCpuSeconds, startService } from './live.js';
import { Client } from './liveClient.js';
import { parseScenario } from '../src/scenario/load.js';

/** Requests in flight at once (a few clients of one service). */
export const IN_FLIGHT = 4;
/** Requests sent before measuring (warms the service's code up). */
const WARMUP_REQUESTS = 400;

/** One kind of request: how to make the `i`-th one, and how many tasks it submits. */
interface RequestKind {
  readonly name: string;
  readonly requests: number;
  readonly tasksPerRequest: number;
  readonly make: (client: Client, agentIds: readonly string[], i: number) => Promise<{ status: number; body: unknown }>;
}

function submissionBatch(size: number): RequestKind {
  return {
    name: `POST /v1/tasks/batch, ${size} task${size === 1 ? '' : 's'}`,
    // About 16,000 tasks whatever the size, so that the queue the engine holds is alike.
    requests: Math.max(IN_FLIGHT * 40, Math.round(16_000 / size)),
    tasksPerRequest: size,
    make: (client, _agentIds, i) => client.call('POST', '/v1/tasks/batch', { tasks: Array.from({ length: size }, (_, k) => ({ id: `r${i}-${k}`, type: 'job', tokens: 100 })) }),
  };
}

const KINDS: readonly RequestKind[] = [
  { name: 'GET /healthz', requests: 16_000, tasksPerRequest: 0, make: (client) => client.call('GET', '/healthz') },
  { name: 'POST /v1/agents/poll?wait=0, 1 agent', requests: 16_000, tasksPerRequest: 0, make: (client, agentIds, i) => client.call('POST', '/v1/agents/poll?wait=0', { agents: [agentIds[i % agentIds.length]] }) },
  { name: 'POST /v1/agents/poll?wait=0, 100 agents', requests: 16_000, tasksPerRequest: 0, make: (client, agentIds) => client.call('POST', '/v1/agents/poll?wait=0', { agents: agentIds }) },
  submissionBatch(1),
  submissionBatch(5),
  submissionBatch(50),
];

/** The figures of one kind in one round. */
export interface LiveRequestRow {
  /** The request kind measured. */
  readonly kind: string;
  /** Round number, from 1 (every kind is measured once per round, in order). */
  readonly round: number;
  /** Requests sent. */
  readonly requests: number;
  /** The service's CPU per request, microseconds. */
  readonly serviceMicrosPerRequest: number;
  /** The same per task submitted (submission batches only). */
  readonly serviceMicrosPerTask: number | undefined;
  /** Wall clock per request (a request's round trip ÷ {@link IN_FLIGHT}), microseconds: loaded-machine noise included. */
  readonly wallMicrosPerRequest: number;
  /** Group commits of the log (each one fsync) per request over the same requests, from the service's `--latency-probe`. */
  readonly fsyncsPerRequest: number;
  /** The machine's 1-minute load average when the kind began. */
  readonly loadAverage: number;
}

/** What the bench measured. */
export interface LiveRequestsFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** The `fleetsim serve` flags the services were started with. */
  readonly serviceArgs: readonly string[];
  /** One row per kind and round. */
  readonly rows: readonly LiveRequestRow[];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Sends `count` requests of the kind, {@link IN_FLIGHT} at a time, from request number `first`; throws on an answer other than 2xx. */
async function send(kind: RequestKind, client: Client, agentIds: readonly string[], first: number, count: number): Promise<void> {
  let next = first;
  const end = first + count;
  const lane = async (): Promise<void> => {
    while (next < end) {
      const answer = await kind.make(client, agentIds, next++);
      if (answer.status >= 300) throw new Error(`${kind.name}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function measureKind(kind: RequestKind, round: number, scenarioFile: string, dir: string, agentIds: readonly string[], serviceArgs: readonly string[]): Promise<LiveRequestRow> {
  const dataDir = join(dir, `data-${round}-${kind.name.replace(/\W+/g, '-')}`);
  const service = await startService(scenarioFile, dataDir, [], serviceArgs);
  const client = new Client(service.url, IN_FLIGHT);
  try {
    for (const id of agentIds) {
      const answer = await client.call('POST', '/v1/agents', { id });
      if (answer.status >= 300) throw new Error(`registering ${id}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    const loadAverage = (await import('node:os')).loadavg()[0]!;
    await send(kind, client, agentIds, 0, WARMUP_REQUESTS);
    // The probe's figures over the window: how many group commits (fsyncs) the requests made.
    await client.call('DELETE', '/v1/latency');
    const cpu0 = processCpuSeconds(service.child.pid);
    const start = performance.now();
    await send(kind, client, agentIds, WARMUP_REQUESTS, kind.requests);
    const wallMicros = (performance.now() - start) * 1000;
    const cpu1 = processCpuSeconds(service.child.pid);
    const latency = await client.call('GET', '/v1/latency');
    const fsyncs = (latency.body as { groupCommit?: { fsync?: { count?: number } } }).groupCommit?.fsync?.count ?? 0;
    if (cpu0 === undefined || cpu1 === undefined) throw new Error('the service\'s CPU time is read from /proc: Linux only');
    const perRequest = ((cpu1 - cpu0) * 1e6) / kind.requests;
    return {
      kind: kind.name,
      round,
      requests: kind.requests,
      serviceMicrosPerRequest: perRequest,
      serviceMicrosPerTask: kind.tasksPerRequest === 0 ? undefined : perRequest / kind.tasksPerRequest,
      wallMicrosPerRequest: wallMicros / kind.requests,
      fsyncsPerRequest: fsyncs / kind.requests,
      loadAverage,
    };
  } finally {
    await client.close();
    await stop(service.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Measures every kind `rounds` times (kinds in order within a round), the services started with `serviceArgs` (`fleetsim serve` flags). */
export async function measureLiveRequests(rounds = 2, serviceArgs: readonly string[] = []): Promise<LiveRequestsFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-live-requests-'));
  try {
    const scenarioFile = join(dir, 'live-bench.yaml');
    writeFileSync(scenarioFile, liveBenchScenario());
    const agentIds = parseScenario(liveBenchScenario(), scenarioFile).agents.map((agent) => agent.spec.id);
    const rows: LiveRequestRow[] = [];
    for (let round = 1; round <= rounds; round++) for (const kind of KINDS) rows.push(await measureKind(kind, round, scenarioFile, dir, agentIds, serviceArgs));
    return { benchmark: 'live-requests', serviceArgs, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as a Markdown table (as docs/LIVE-RECORD.md quotes them). */
export function formatLiveRequests(figures: LiveRequestsFigures): string {
  const rows = figures.rows.map((row) => `| ${[
    row.kind,
    String(row.round),
    row.requests.toLocaleString('en-US'),
    row.serviceMicrosPerRequest.toFixed(1),
    row.serviceMicrosPerTask === undefined ? '' : row.serviceMicrosPerTask.toFixed(1),
    row.fsyncsPerRequest.toFixed(2),
    row.wallMicrosPerRequest.toFixed(1),
    row.loadAverage.toFixed(1),
  ].join(' | ')} |`);
  return [
    `What one request costs fleetsim serve${figures.serviceArgs.length === 0 ? '' : ` ${figures.serviceArgs.join(' ')}`} (fsync on, ${IN_FLIGHT} requests in flight; service CPU from /proc, all threads)`,
    '',
    '| request | round | requests | service µs/request | service µs/task | fsyncs/request | wall µs/request | load avg |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '(µs/task: per task submitted; a submission batch is answered after the fsync covering it, so its figure includes its share of a group commit)',
  ].join('\n');
}
