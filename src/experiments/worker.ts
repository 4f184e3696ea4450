/**
 * Entry point of a worker thread of the experiment pool (piscina loads this file by its
 * path in dist/). One call runs one job.
 */
import { runJob, type JobResult, type RunJob } from './job.js';

/** Runs one job in this worker thread. */
export default function work(job: RunJob): Promise<JobResult> {
  return runJob(job);
}
