/**
 * Runs jobs on a pool of worker threads (piscina), or in this thread for one worker. Results
 * come back in job order, whatever order the workers finish in, so an experiment's results do
 * not depend on the number of workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { runJob, type JobResult, type RunJob } from './job.js';

/** How to run jobs. */
export interface PoolOptions {
  /** Worker threads; 1 runs every job in this thread. @defaultValue the number of cores */
  readonly workers?: number;
  /** Called as runs progress with the runs done (fractional in-process) and the job index finished, if any. */
  readonly onProgress?: (done: number, finished: number | undefined) => void;
}

/** Worker threads by default: one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs `jobs` and returns their results in the same order.
 * @throws the first job's error (a bug: jobs hold validated scenarios)
 */
export async function runJobs(jobs: readonly RunJob[], options: PoolOptions = {}): Promise<JobResult[]> {
  const workers = Math.min(options.workers ?? defaultWorkers(), jobs.length);
  if (workers <= 1) return runInThread(jobs, options.onProgress);
  const pool = new Piscina<RunJob, JobResult>({ filename: workerFile(), minThreads: workers, maxThreads: workers });
  const results: JobResult[] = new Array<JobResult>(jobs.length);
  let done = 0;
  try {
    await Promise.all(jobs.map(async (job, i) => {
      results[i] = await pool.run(job);
      options.onProgress?.(++done, i);
    }));
  } finally {
    await pool.destroy();
  }
  return results;
}

async function runInThread(jobs: readonly RunJob[], onProgress: PoolOptions['onProgress']): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const [i, job] of jobs.entries()) {
    results.push(runJob(job, onProgress === undefined ? undefined : (fraction) => onProgress(i + fraction, undefined)));
    onProgress?.(i + 1, i);
  }
  return results;
}

/**
 * The worker's compiled file. Beside this module in dist/; when this module runs from source
 * (the TypeScript tests), the build's copy, since a worker thread cannot load TypeScript.
 */
function workerFile(): string {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside.href;
  const here = fileURLToPath(import.meta.url);
  const built = here.replace(/([\\/])src([\\/]experiments[\\/])pool\.ts$/, '$1dist$1src$2worker.js');
  if (built === here || !existsSync(built)) throw new Error(`experiment worker not found beside ${here}: run npm run build`);
  return pathToFileURL(built).href;
}
