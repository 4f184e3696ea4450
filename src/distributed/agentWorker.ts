/**
 * The agent's side of live agents over BullMQ: a BullMQ `Worker` on the agent's own queue
 * (./agentQueues.ts) that runs each attempt the engine started on it through a handler, reports
 * the start as job progress and returns the outcome as the job's result. A handler that throws
 * fails the job (an `agent-error` to the engine); a worker that dies or hangs loses its job's
 * lock, and the stalled-job check fails the job (`maxStalledCount` 0: an attempt runs on one
 * agent once; retrying it is the engine's decision, under a new attempt number).
 *
 * {@link runAgentWorker} is the typed helper for teams; {@link emulatedAgentHandler} is the
 * simulator's agent model behind it (for tests and `fleetsim agent-worker --emulate`).
 */
import { Worker } from 'bullmq';
import type { Outcome, StartReport } from '../engine/messages.js';
import type { TaskSpec } from '../engine/task.js';
import { RemoteAgentModel } from '../live/clients/remoteAgentModel.js';
import { InputError } from '../scenario/errors.js';
import type { SimAgentConfig } from '../scenario/types.js';
import { outcomeStreams } from '../sim/random.js';
import { AGENT_QUEUE_PREFIX, agentQueueName, startReportForRedis, type AttemptJobData, type AttemptJobResult } from './agentQueues.js';
import { bullConnectionOptions, checkQueueVersion, connectRedis, parseQueueUrl } from './connection.js';

/** One attempt as a handler receives it. */
export interface AgentAttempt {
  /** The task as the engine holds it (times in the driver's seconds). */
  readonly task: TaskSpec;
  /** The attempt number (a retry of the task has a higher one). */
  readonly attempt: number;
  /** The engine's id of the agent (`<id>#n` for a later incarnation). */
  readonly agentId: string;
  /** Aborted when this worker closes; the handler should stop then (the engine will hear of it through the stalled-job check). */
  readonly signal: AbortSignal;
  /** Reports the attempt's start (setup tokens spent, whether the context was resident); at most once, before returning. */
  started(report: StartReport): Promise<void>;
  /**
   * For an agent in virtual time (it answers at once): how many seconds the attempt took on the
   * agent's own clock, returned with the result (`durationSeconds`) for a driver that replays the
   * fleet on a manual clock (`VirtualTimeConnector`). At most once, before returning.
   */
  ranFor(durationSeconds: number): void;
}

/** Runs an attempt; resolves with its outcome (a failure is an outcome too: `{ ok: false, reason }`). */
export type AgentHandler = (attempt: AgentAttempt) => Promise<Outcome>;

/** Options of {@link runAgentWorker}. */
export interface AgentWorkerOptions {
  /** Attempts run at once (the agent's capacity). @defaultValue 1 */
  readonly concurrency?: number;
  /** Seconds a job's lock lasts without renewal: a worker silent for longer has stalled. @defaultValue 30 */
  readonly lockSeconds?: number;
  /** Milliseconds the first connection may take. @defaultValue 3000 */
  readonly connectTimeoutMs?: number;
  /** When given, the queue is stamped with this fleetsim version, and one stamped by another is refused. */
  readonly version?: string;
}

/** A running agent worker. */
export interface AgentWorker {
  /** The BullMQ worker (for its events: `completed`, `failed`, `error`). */
  readonly worker: Worker<AttemptJobData, AttemptJobResult>;
  /** Stops taking jobs and waits for the running ones to end. */
  close(): Promise<void>;
}

const DEFAULT_LOCK_SECONDS = 30;

/**
 * Runs `handler` for every attempt the engine starts on agent `agentId`, taking jobs from its
 * queue in the Redis at `url` (`redis://HOST:PORT/DB`).
 * @throws InputError naming `--queue` for a bad URL, an unreachable Redis, a missing DB, or a
 * queue of another fleetsim version; naming `--agent` for an id that cannot name a queue
 */
export async function runAgentWorker(url: string, agentId: string, handler: AgentHandler, options: AgentWorkerOptions = {}): Promise<AgentWorker> {
  const queueUrl = parseQueueUrl(url);
  let name: string;
  try {
    name = agentQueueName(agentId);
  } catch (error) {
    throw new InputError('command line', '--agent', (error as Error).message);
  }
  const client = await connectRedis(queueUrl, options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs });
  try {
    if (options.version !== undefined) await checkQueueVersion(client, queueUrl, { prefix: AGENT_QUEUE_PREFIX, queueName: name, version: options.version });
  } finally {
    client.disconnect();
  }
  const lockMs = (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000;
  const worker = new Worker<AttemptJobData, AttemptJobResult>(name, async (job, _token, signal) => {
    let startReported = false;
    let durationSeconds: number | undefined;
    const attempt: AgentAttempt = {
      task: job.data.task,
      attempt: job.data.attempt,
      agentId: job.data.agentId,
      signal: signal ?? new AbortController().signal,
      started: async (report) => {
        if (startReported) return;
        startReported = true;
        await job.updateProgress({ started: startReportForRedis(report) });
      },
      ranFor: (seconds) => { durationSeconds ??= seconds; },
    };
    const outcome = await handler(attempt);
    return durationSeconds === undefined ? { outcome } : { outcome, durationSeconds };
  }, {
    connection: bullConnectionOptions(queueUrl), prefix: AGENT_QUEUE_PREFIX,
    concurrency: options.concurrency ?? 1, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 0,
  });
  return {
    worker,
    close: async () => {
      // Jobs cut short by closing end through the stalled-job check (lock not renewed).
      await worker.close();
    },
  };
}

/**
 * The simulator's agent model for one scenario agent (the same plans and seeded outcome streams
 * as `fleetsim agents`), with its times divided by `speedup`: reports the start at once, takes
 * the planned duration in real time, then returns the planned outcome.
 */
export function emulatedAgentHandler(config: SimAgentConfig, options: { readonly seed: number; readonly replication?: number; readonly speedup: number }): AgentHandler {
  const model = new RemoteAgentModel(config, outcomeStreams(options.seed, options.replication ?? 0), options.speedup);
  let active = 0;
  return async ({ task, attempt, signal, started }) => {
    const plan = model.plan(task, attempt, active + 1);
    active++;
    try {
      await started({ setupTokens: plan.setupTokens, contextHit: plan.contextHit });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, plan.durationMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error(`${task.id} attempt ${attempt}: the worker closed`));
        }, { once: true });
      });
      return plan.outcome;
    } finally {
      active--;
    }
  };
}

/**
 * The simulator's agent model for one scenario agent in virtual time, for a driver on a manual
 * clock behind a `VirtualTimeConnector`: plans the attempt (the plans and seeded outcome streams
 * of {@link emulatedAgentHandler}), reports its start with the agent's context as the simulator
 * reports it (block hits, utilization, resident keys), reports the planned duration
 * (`ranFor`), and returns the outcome at once. Run it one attempt at a time (`concurrency` 1), so
 * the model meets the agent's attempts in the order the engine started them.
 */
export function virtualTimeAgentHandler(config: SimAgentConfig, options: { readonly seed: number; readonly replication?: number }): AgentHandler {
  const model = new RemoteAgentModel(config, outcomeStreams(options.seed, options.replication ?? 0), 1);
  return async ({ task, attempt, started, ranFor }) => {
    // The slot count an offer answer reads; a start's plan reads only the agent's skills.
    const plan = model.plan(task, attempt, 1);
    const { setupTokens, contextHit, contextBlocksHit, agent } = plan;
    await started(contextBlocksHit === undefined ? { setupTokens, contextHit, agent } : { setupTokens, contextHit, contextBlocksHit, agent });
    ranFor(plan.durationSeconds);
    return plan.outcome;
  };
}
