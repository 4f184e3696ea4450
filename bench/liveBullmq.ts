/**
 * `npm run bench -- --only live-bullmq`: what carrying an attempt over Redis costs, for live
 * agents over BullMQ (src/distributed). The connector and agent workers whose handler answers at
 * once run in this process against one redis-server (started here on a free port with nothing
 * kept on disk, or the one `--queue URL` names); each attempt is a job added, taken, its start
 * reported as progress, completed, and its completion read back from the queue's event stream.
 *
 * - sequential: one attempt at a time (after a warm-up): start-to-outcome latency, p50 and p99;
 * - concurrent: many attempts at once over four agent queues (each worker taking 50 at a time):
 *   attempts per second end to end.
 *
 * Both sides share this process's CPU (and Redis the machine's), so the figures are an upper
 * bound on the transport's cost per attempt, not a capacity of a deployment.
 */
import { quantile } from 'simple-statistics';
import type { AgentView } from '../src/engine/agent.js';
import type { TaskView } from '../src/engine/task.js';
import { runAgentWorker, type AgentHandler, type AgentWorker } from '../src/distributed/agentWorker.js';
import { BullmqAgentConnector } from '../src/distributed/bullmqConnector.js';
import { bullConnectionOptions, parseQueueUrl } from '../src/distributed/connection.js';
import type { CommandOf } from '../src/live/connector.js';
import { startRedis } from '../test/support/redisProcess.js';

const WARMUP = 100;
const SEQUENTIAL = 1_000;
const CONCURRENT = 4_000;
const AGENTS = 4;
const WORKER_CONCURRENCY = 50;

/** What the bench measured. */
export interface LiveBullmqFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** Attempts one at a time: their count and round trip quantiles and mean, ms. */
  readonly sequential: { readonly attempts: number; readonly p50Ms: number; readonly p99Ms: number; readonly meanMs: number };
  /** Attempts side by side over several agents: count, agents, seconds taken and attempts per second. */
  readonly concurrent: { readonly attempts: number; readonly agents: number; readonly seconds: number; readonly attemptsPerSecond: number };
}

const answerAtOnce: AgentHandler = async ({ started }) => {
  await started({ setupTokens: 0, contextHit: null });
  return { ok: true, quality: 1 };
};

function startCommand(taskId: string, agentId: string): CommandOf<'start'> {
  const task = { spec: { id: taskId, type: 'job', priority: 2, tokens: 100, contextTokens: 0 } } as unknown as TaskView;
  return { kind: 'start', task, agent: { spec: { id: agentId } } as unknown as AgentView, attempt: 1 };
}

function attemptContext(): { signal: AbortSignal; started: () => void } {
  return { signal: new AbortController().signal, started: () => undefined };
}

/** Measures the transport; `queueUrl` names a Redis to use instead of starting one. */
export async function measureLiveBullmq(queueUrl?: string): Promise<LiveBullmqFigures> {
  const server = queueUrl === undefined ? await startRedis() : undefined;
  const url = queueUrl ?? server!.url;
  const connector = new BullmqAgentConnector({ connection: bullConnectionOptions(parseQueueUrl(url)) });
  const workers: AgentWorker[] = [];
  try {
    for (let i = 0; i < AGENTS; i++) workers.push(await runAgentWorker(url, `bench-${i}`, answerAtOnce, { concurrency: WORKER_CONCURRENCY }));
    const run = `${process.pid}-${Date.now()}`;
    for (let i = 0; i < WARMUP; i++) await connector.start(startCommand(`w-${run}-${i}`, 'bench-0'), attemptContext());
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const begin = performance.now();
      await connector.start(startCommand(`s-${run}-${i}`, 'bench-0'), attemptContext());
      latencies.push(performance.now() - begin);
    }
    const begin = performance.now();
    await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => connector.start(startCommand(`c-${run}-${i}`, `bench-${i % AGENTS}`), attemptContext())));
    const seconds = (performance.now() - begin) / 1000;
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    return {
      benchmark: `attempts carried over BullMQ with both sides in one process, handler answering at once (${server === undefined ? url : 'a redis-server started here'})`,
      sequential: {
        attempts: SEQUENTIAL, p50Ms: round(quantile(latencies, 0.5)), p99Ms: round(quantile(latencies, 0.99)),
        meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      },
      concurrent: { attempts: CONCURRENT, agents: AGENTS, seconds: Math.round(seconds * 1000) / 1000, attemptsPerSecond: Math.round(CONCURRENT / seconds) },
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await connector.close();
    await server?.stop();
  }
}

/** The figures as text. */
export function formatLiveBullmq(figures: LiveBullmqFigures): string {
  const { sequential: s, concurrent: c } = figures;
  return [
    `  sequential: ${s.attempts} attempts one at a time, start to outcome p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, mean ${s.meanMs} ms`,
    `  concurrent: ${c.attempts} attempts at once over ${c.agents} agent queues in ${c.seconds} s: ${c.attemptsPerSecond.toLocaleString('en-US')} attempts/s`,
  ].join('\n');
}
