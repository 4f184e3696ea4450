/**
 * How experiment jobs and their results travel through Redis. BullMQ stores JSON, which would
 * turn NaN and ±Infinity into null and typed arrays into objects; a result must come back
 * exactly as a worker thread would post it, so both directions use V8's structured-clone
 * serialization (what worker threads use) inside a base64 string.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { JobResult, RunJob } from '../experiments/job.js';

/** A job as it is enqueued: its encoded form and its content-addressed id. */
export interface EncodedJob {
  /** `run-<sha256 of the encoded job, 32 hex digits>`: the same job always has the same id. */
  readonly id: string;
  /** The job, serialized and base64-encoded. */
  readonly data: string;
}

/** The payload of a BullMQ job of the experiment queue. */
export interface QueuedJobData {
  /** The run job, serialized and base64-encoded (see {@link EncodedJob}). */
  readonly job: string;
}

/**
 * Encodes a job for the queue. The id depends only on the job's content, so enqueuing the same
 * experiment again finds its jobs (and their results) already there instead of adding copies.
 */
export function encodeJob(job: RunJob): EncodedJob {
  const bytes = serialize(job);
  return { id: `run-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`, data: bytes.toString('base64') };
}

/** The job back from {@link encodeJob}'s `data`. */
export function decodeJob(data: string): RunJob {
  return deserialize(Buffer.from(data, 'base64')) as RunJob;
}

/** Encodes a job's result for the queue. */
export function encodeResult(result: JobResult): string {
  return serialize(result).toString('base64');
}

/** The result back from {@link encodeResult}. */
export function decodeResult(text: string): JobResult {
  return deserialize(Buffer.from(text, 'base64')) as JobResult;
}
