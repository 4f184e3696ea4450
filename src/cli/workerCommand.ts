/**
 * `fleetsim worker --queue redis://HOST:PORT/DB`: runs the jobs of experiments started with
 * `--queue` on this machine, until SIGINT or SIGTERM, after which it finishes the jobs it is
 * running and exits (docs/DISTRIBUTED.md).
 */
import { parseQueueUrl } from '../distributed/queueUrl.js';
import { startQueueWorker } from '../distributed/queueWorker.js';
import { defaultWorkers } from '../experiments/pool.js';
import { InputError } from '../scenario/errors.js';
import { describeValue } from '../scenario/zodIssues.js';
import { MAX_WORKERS } from './experimentCommands.js';
import { packageVersion } from './help.js';

/** Flags of `worker`. */
export interface WorkerArgs {
  /** `--queue`: the Redis URL whose queue carries the experiment's jobs. */
  queue: string;
  /** `--concurrency`: jobs run at once, one thread each (default: every core). */
  concurrency?: number;
  /** `--lock-seconds`: the lock of a running job, renewed every half: a dead worker's job is taken back after it. */
  lockSeconds: number;
  /** `--stalled-check-seconds`: time between two checks for jobs of dead workers. */
  stalledCheckSeconds: number;
}

/** Runs the command until a signal stops it. */
export async function workerCommand(args: WorkerArgs): Promise<void> {
  const concurrency = args.concurrency === undefined ? defaultWorkers() : checkedInteger('--concurrency', args.concurrency, 1, MAX_WORKERS);
  const lockSeconds = checkedInteger('--lock-seconds', args.lockSeconds, 1, 86_400);
  const stalledCheckSeconds = checkedInteger('--stalled-check-seconds', args.stalledCheckSeconds, 1, 86_400);
  const target = parseQueueUrl(args.queue);
  const log = (line: string): void => { process.stderr.write(`fleetsim worker: ${line}\n`); };
  const worker = await startQueueWorker(target, { concurrency, lockSeconds, stalledCheckSeconds, version: packageVersion(), log });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Announced once the signals are handled: a supervisor that signals on seeing the line stops it cleanly.
    log(`taking experiment jobs from ${target.url}, ${concurrency} at a time (SIGINT or SIGTERM: finish them and stop)`);
  });
  log(`${signal}: finishing the running jobs`);
  await worker.close();
}

function checkedInteger(flag: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InputError('command line', flag, `expected an integer ${min}..${max}, got ${describeValue(value)}`);
  }
  return value;
}
