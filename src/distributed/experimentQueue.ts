/**
 * The experiment side of `--queue`: every job of a compare, sweep or regress becomes a BullMQ
 * job on the queue `experiments` (keys `fleetsim:experiments:*`) for `fleetsim worker` processes
 * on any machine, and the results come back by job id, in job order.
 *
 * - A job's id is a hash of its content, so enqueuing the same experiment again (after the
 *   coordinator was stopped, say) finds the jobs, and the results, already there.
 * - BullMQ delivers a job at least once: a worker that stalls past its lock loses the job to
 *   another, and both may finish it. A job is a pure function of its data, so both results are
 *   the same; the first one read is kept, and a job is counted once however often it ran.
 * - Results arrive through `QueueEvents` (Redis streams) and, in case an event was missed while
 *   a connection was down, through a sweep of the outstanding jobs' hashes every second; a job
 *   that vanished from Redis (a server restarted without its append-only file) is enqueued again.
 */
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobResult, RunJob } from '../experiments/job.js';
import { takingOrder, type JobRunner } from '../experiments/pool.js';
import { bullConnectionOptions, checkQueue, type QueueUrl } from './connection.js';
import { decodeResult, encodeJob, type EncodedJob, type QueuedJobData } from './jobCodec.js';

/** BullMQ key prefix of every fleetsim queue. */
export const QUEUE_PREFIX = 'fleetsim';

/** Name of the queue experiments' jobs go to. */
export const EXPERIMENT_QUEUE = 'experiments';

/** How often the outstanding jobs are looked up in Redis, besides the completion events. */
const SWEEP_MS = 1000;

/** Jobs added in one round trip. */
const ADD_BATCH = 500;

// Kept until the coordinator has read them (it then removes them): a resubmission finds them.
const JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: false, removeOnFail: false };

/** What {@link queueRunner} needs besides the queue. */
export interface QueueRunnerOptions {
  /** This fleetsim's version: the queue is stamped with it, and refused when stamped by another. */
  readonly version: string;
  /** Connect timeout of the first connection. */
  readonly connectTimeoutMs?: number;
  /** Where to say what the coordinator is waiting for (no worker yet, a lost connection). */
  readonly log?: (line: string) => void;
}

/**
 * Checks the queue at once (reachable, DB index, version), so that a bad `--queue` is reported
 * before any scenario runs, and returns a {@link JobRunner} that runs jobs on it.
 * @throws InputError naming `--queue` (see {@link checkQueue})
 */
export async function queueRunner(target: QueueUrl, options: QueueRunnerOptions): Promise<JobRunner> {
  await checkQueue(target, { prefix: QUEUE_PREFIX, queueName: EXPERIMENT_QUEUE, version: options.version }, { timeoutMs: options.connectTimeoutMs });
  return (jobs, runOptions) => runOnQueue(target, jobs, { ...runOptions, log: options.log ?? (() => undefined) });
}

interface RunOnQueueOptions {
  readonly cost?: readonly number[];
  readonly onJobDone?: (done: number, index: number) => void;
  readonly log: (line: string) => void;
}

async function runOnQueue(target: QueueUrl, jobs: readonly RunJob[], options: RunOnQueueOptions): Promise<JobResult[]> {
  const connection = bullConnectionOptions(target);
  const queue = new Queue<QueuedJobData, string>(EXPERIMENT_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(EXPERIMENT_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const sweeper = new Redis(connection);
  const reportLost = connectionReporter(target, options.log);
  queue.on('error', reportLost);
  events.on('error', reportLost);
  sweeper.on('error', reportLost);
  const collector = new ResultCollector(jobs.map(encodeJob), options.onJobDone);
  try {
    // Listening before adding: a job finished at once is then seen by its event, not a sweep.
    await events.waitUntilReady();
    events.on('completed', ({ jobId, returnvalue }) => collector.accept(jobId, returnvalue as unknown));
    const order = takingOrder(jobs.length, options.cost);
    await addJobs(queue, uniqueInOrder(order.map((index) => collector.encoded[index]!)));
    if ((await queue.getWorkersCount()) === 0) options.log(`no fleetsim worker is taking jobs from ${target.url} yet: start some with fleetsim worker --queue ${target.url}`);
    while (!collector.complete) {
      await collector.waitForProgress(SWEEP_MS);
      if (!collector.complete) await sweep(queue, sweeper, collector);
    }
    // Read: their results need not stay in Redis (a stale worker finishing one later is refused).
    await Promise.all(collector.ids().map((id) => queue.remove(id)));
    return collector.results();
  } finally {
    sweeper.disconnect();
    await events.close();
    await queue.close();
  }
}

/**
 * Results by job id, each counted once, in job order: a second result for an id (a job that ran
 * twice) and a result for an id of another experiment are ignored.
 */
export class ResultCollector {
  /** The experiment's jobs, in job order. */
  readonly encoded: readonly EncodedJob[];
  private readonly indices = new Map<string, number[]>();
  private readonly found: (JobResult | undefined)[];
  private done = 0;
  private wake: (() => void) | undefined;

  /**
   * @param encoded - the experiment's jobs, in job order
   * @param onJobDone - called once per job as its result is recorded, with the number recorded so far
   */
  constructor(encoded: readonly EncodedJob[], private readonly onJobDone?: (done: number, index: number) => void) {
    this.encoded = encoded;
    this.found = new Array<JobResult | undefined>(encoded.length);
    encoded.forEach(({ id }, index) => {
      const list = this.indices.get(id);
      if (list === undefined) this.indices.set(id, [index]);
      else list.push(index);
    });
  }

  /** Whether every job has its result. */
  get complete(): boolean {
    return this.done === this.encoded.length;
  }

  /** Ids still awaited. */
  outstanding(): string[] {
    return [...this.indices.keys()].filter((id) => this.found[this.indices.get(id)![0]!] === undefined);
  }

  /** The job of id `id`. */
  encodedById(id: string): EncodedJob {
    return this.encoded[this.indices.get(id)![0]!]!;
  }

  /** Every id of the experiment. */
  ids(): string[] {
    return [...this.indices.keys()];
  }

  /** Records the result of job `id` unless it is not one of ours or already recorded. */
  accept(id: string, returnvalue: unknown): void {
    const indices = this.indices.get(id);
    if (indices === undefined || this.found[indices[0]!] !== undefined) return;
    if (typeof returnvalue !== 'string') throw new Error(`job ${id} completed without an encoded result (${typeof returnvalue})`);
    const result = decodeResult(returnvalue);
    for (const index of indices) {
      this.found[index] = result;
      this.done++;
      this.onJobDone?.(this.done, index);
    }
    this.wake?.();
  }

  /** Resolves when a result arrives or after `ms`, whichever is first. */
  waitForProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }

  /** The results in job order. @throws Error when some job has none yet (a bug in the caller) */
  results(): JobResult[] {
    // Not `found.map`: it would skip the holes of jobs without a result.
    return Array.from({ length: this.found.length }, (_, index) => {
      const result = this.found[index];
      if (result === undefined) throw new Error(`runOnQueue: no result for job ${index}`);
      return result;
    });
  }
}

/** Adds jobs, a batch per round trip; a job whose id is already there is left as it is. */
async function addJobs(queue: Queue<QueuedJobData, string>, jobs: readonly EncodedJob[]): Promise<void> {
  for (let start = 0; start < jobs.length; start += ADD_BATCH) {
    const batch = jobs.slice(start, start + ADD_BATCH);
    await queue.addBulk(batch.map(({ id, data }) => ({ name: 'run', data: { job: data }, opts: { ...JOB_OPTIONS, jobId: id } })));
  }
}

/** Looks every outstanding job up: takes the finished ones, re-adds the vanished ones, fails on a failed one. */
async function sweep(queue: Queue<QueuedJobData, string>, client: Redis, collector: ResultCollector): Promise<void> {
  const outstanding = collector.outstanding();
  const pipeline = client.pipeline();
  for (const id of outstanding) pipeline.hmget(queue.toKey(id), 'returnvalue', 'failedReason', 'finishedOn', 'data');
  const replies = (await pipeline.exec()) ?? [];
  const vanished: EncodedJob[] = [];
  let failed: { id: string; reason: string } | undefined;
  outstanding.forEach((id, i) => {
    const [error, fields] = replies[i] ?? [null, null];
    if (error !== null) throw error;
    const [returnvalue, failedReason, finishedOn, data] = fields as (string | null)[];
    if (data === null) {
      vanished.push(collector.encodedById(id));
    } else if (finishedOn !== null && returnvalue !== null && returnvalue !== 'null') {
      collector.accept(id, JSON.parse(returnvalue));
    } else if (finishedOn !== null && failedReason !== null && failedReason !== '') {
      failed ??= { id, reason: failedReason };
    }
  });
  if (failed !== undefined) {
    // Removed, so that the command run again tries it afresh (a job that killed its workers
    // may pass on others); a failure of the run itself is a bug, which a retry will not mend.
    await queue.remove(failed.id);
    throw new Error(`job ${failed.id} failed on a fleetsim worker: ${failed.reason}`);
  }
  if (vanished.length > 0) await addJobs(queue, vanished);
}

/** `encoded` without repeated ids, first occurrence kept. */
function uniqueInOrder(encoded: readonly EncodedJob[]): EncodedJob[] {
  const seen = new Set<string>();
  return encoded.filter(({ id }) => {
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Says that the connection to Redis was lost, at most once every ten seconds (BullMQ reconnects). */
export function connectionReporter(target: QueueUrl, log: (line: string) => void): (error: Error) => void {
  let lastMs = -Infinity;
  return (error) => {
    const now = Date.now();
    if (now - lastMs < 10_000) return;
    lastMs = now;
    log(`Redis at ${target.url}: ${error.message.split('\n')[0]}; reconnecting`);
  };
}
