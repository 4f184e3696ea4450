/**
 * Runs jobs on a pool of worker threads (piscina), or in this thread for one worker. Jobs start
 * in job order (each worker takes the next job when it finishes one) and results come back in
 * job order, whatever order the workers finish in, so an experiment's results do not depend on
 * the number of workers, and the first cells of a sweep finish first.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runJob, type JobResult, type RunJob } from './job.js';

/** How to run jobs. */
export interface PoolOptions {
  /** Worker threads; 1 runs every job in this thread. @defaultValue the number of cores */
  readonly workers?: number;
  /** Called as each job finishes, with the number of jobs finished so far and the index of this one. */
  readonly onJobDone?: (done: number, finished: number) => void;
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
  if (workers <= 1) return runInThread(jobs, options.onJobDone);
  // Loaded only when threads are used: a run in this thread need not pay for it (CLI start-up).
  const { Piscina } = await import('piscina');
  const pool = new Piscina<RunJob, JobResult>({ filename: workerFile(), minThreads: workers, maxThreads: workers });
  const results: JobResult[] = new Array<JobResult>(jobs.length);
  let next = 0;
  let done = 0;
  // Piscina starts queued tasks in no particular order; handing each worker the next job only
  // when it is free keeps the start order, so cells (and their progress) finish in order.
  const feed = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await pool.run(jobs[i]!);
      options.onJobDone?.(++done, i);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, feed));
  } finally {
    await pool.destroy();
  }
  return results;
}

// Async like the pool, though it blocks: the caller awaits either the same way.
async function runInThread(jobs: readonly RunJob[], onJobDone: PoolOptions['onJobDone']): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const [i, job] of jobs.entries()) {
    results.push(await runJob(job));
    onJobDone?.(i + 1, i);
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
