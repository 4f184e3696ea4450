/**
 * How a `fleetsim worker` that dies mid-job loses the job to another (BullMQ's stalled-job
 * check): the settings and their defaults. Kept apart from the worker so that the command line
 * can show the defaults without loading BullMQ.
 *
 * A worker holds a lock on each job it runs and renews it every half lock. A worker that dies
 * stops renewing; once the lock has expired, the stalled-job check of any live worker, run every
 * `stalledCheckSeconds`, puts the job back in the queue, and another worker runs it again.
 */

/** Lock of a running job by default: long enough for a busy machine, short enough to recover soon. */
export const DEFAULT_LOCK_SECONDS = 30;

/** Time between two stalled-job checks by default (BullMQ's own default). */
export const DEFAULT_STALLED_CHECK_SECONDS = 30;

/**
 * How often a job may be recovered from a dead worker before it is failed: a job that kills
 * every worker that takes it (out of memory, say) must not go round for ever.
 */
export const MAX_STALLS_PER_JOB = 20;
