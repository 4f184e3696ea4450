/**
 * The BullMQ sandboxed processor of `fleetsim worker`: BullMQ runs it in a worker thread, so the
 * worker's main thread stays free to renew the locks of running jobs however long a run takes.
 * A job is a pure function of its data (see src/experiments/job.ts): running it twice gives the
 * same result.
 */
import type { SandboxedJob } from 'bullmq';
import { runJob } from '../experiments/job.js';
import { decodeJob, encodeResult, type QueuedJobData } from './jobCodec.js';

/** Runs one queued experiment job; resolves to its encoded result. */
export default async function processRunJob(job: SandboxedJob<QueuedJobData, string>): Promise<string> {
  return encodeResult(await runJob(decodeJob(job.data.job)));
}
