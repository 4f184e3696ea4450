/**
 * `--queue redis://HOST:PORT/DB` of `compare`, `sweep` and `regress`: run the jobs on
 * `fleetsim worker` processes through Redis instead of this machine's threads (docs/DISTRIBUTED.md).
 */
import type { JobRunner } from '../experiments/pool.js';
import { packageVersion } from './help.js';

/** The yargs option of `--queue`. */
export const QUEUE_OPTION = {
  type: 'string', requiresArg: true,
  describe: 'redis://HOST:PORT/DB: run the jobs on fleetsim worker processes through this Redis (same report)',
} as const;

/**
 * The job runner of `--queue`, once the queue is checked (reachable, DB index, version); none
 * without the flag. BullMQ is loaded only when the flag is given.
 * @throws InputError naming `--queue` when the queue cannot be used
 */
export async function queueJobRunner(queue: string | undefined): Promise<JobRunner | undefined> {
  if (queue === undefined) return undefined;
  const [{ parseQueueUrl }, { queueRunner }] = await Promise.all([import('../distributed/connection.js'), import('../distributed/experimentQueue.js')]);
  return queueRunner(parseQueueUrl(queue), { version: packageVersion(), log: (line) => process.stderr.write(`fleetsim: ${line}\n`) });
}
