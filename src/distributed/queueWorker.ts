/**
 * The BullMQ worker behind `fleetsim worker`: takes experiment jobs from the queue and runs them
 * in sandboxed worker threads (src/distributed/processor.ts), `concurrency` at a time, so that
 * its main thread keeps renewing the jobs' locks however long a run takes. A job recovered from
 * a dead worker (src/distributed/stalledJobs.ts) runs again elsewhere: harmless, since a job is
 * a pure function of its data.
 */
import { Worker } from 'bullmq';
import { compiledFileBeside } from '../experiments/pool.js';
import { bullConnectionOptions, checkQueue, type QueueUrl } from './connection.js';
import { EXPERIMENT_QUEUE, QUEUE_PREFIX, connectionReporter } from './experimentQueue.js';
import type { QueuedJobData } from './jobCodec.js';
import { DEFAULT_LOCK_SECONDS, DEFAULT_STALLED_CHECK_SECONDS, MAX_STALLS_PER_JOB } from './stalledJobs.js';

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Jobs run at once (one worker thread each). */
  readonly concurrency: number;
  /** This fleetsim's version: a queue stamped by another is refused. */
  readonly version: string;
  /** Lock duration of a running job. @defaultValue {@link DEFAULT_LOCK_SECONDS} */
  readonly lockSeconds?: number;
  /** Time between two stalled-job checks. @defaultValue {@link DEFAULT_STALLED_CHECK_SECONDS} */
  readonly stalledCheckSeconds?: number;
  /** Connect timeout of the first connection. */
  readonly connectTimeoutMs?: number;
  /** Where to report failed jobs and lost connections, one line each. */
  readonly log: (line: string) => void;
}

/** A running queue worker. */
export interface QueueWorker {
  /** Stops taking jobs and resolves once the running ones have finished. */
  close(): Promise<void>;
}

/**
 * Checks the queue (reachable, DB index, version) and starts taking its jobs.
 * @throws InputError naming `--queue` when the queue cannot be used
 */
export async function startQueueWorker(target: QueueUrl, options: QueueWorkerOptions): Promise<QueueWorker> {
  await checkQueue(target, { prefix: QUEUE_PREFIX, queueName: EXPERIMENT_QUEUE, version: options.version }, { timeoutMs: options.connectTimeoutMs });
  const worker = new Worker<QueuedJobData, string>(EXPERIMENT_QUEUE, compiledFileBeside(import.meta.url, 'processor.js'), {
    connection: bullConnectionOptions(target),
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency,
    useWorkerThreads: true,
    lockDuration: (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000,
    stalledInterval: (options.stalledCheckSeconds ?? DEFAULT_STALLED_CHECK_SECONDS) * 1000,
    maxStalledCount: MAX_STALLS_PER_JOB,
  });
  worker.on('error', connectionReporter(target, options.log));
  worker.on('failed', (job, error) => options.log(`job ${job?.id ?? '(unknown)'} failed: ${error.message.split('\n')[0]}`));
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
