/**
 * Faults during an experiment over `--queue`, with real processes: `fleetsim worker`s killed
 * with SIGKILL while they run jobs, and the Redis server itself killed and restarted from its
 * append-only file. BullMQ's stalled-job check gives each lost job to another worker; the
 * experiment completes with the report of the in-process run: nothing missing, nothing counted
 * twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXPERIMENT_QUEUE, QUEUE_PREFIX } from '../../src/distributed/experimentQueue.js';
import { runCli } from '../cli/runCli.js';
import { runFleetsim, startWorker, withoutTiming, type WorkerProcess } from '../support/fleetsimProcesses.js';
import { eventually } from '../support/eventually.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

/** 40 runs of about half a second each (a round of kills stops at most a few): long enough to be killed in the middle of. */
const SWEEP = [
  'sweep', 'scenarios/identical-high-load.yaml', '--param', 'stop.time=900,1000',
  '--strategy', 'random,round-robin', '--replications', '10',
];
/** Short locks, so that a dead worker's job comes back within three seconds. */
const WORKER_FLAGS = ['--concurrency', '1', '--lock-seconds', '2', '--stalled-check-seconds', '1'];
const WORKERS = 3;
const ROUNDS = 4;
const KILLS = WORKERS * ROUNDS;
/** Jobs taken back from dead workers, at least: a worker may be killed just between two jobs. */
const STALLS = 10;

/** A bound on each wait for the workers' locks, which only a failure reaches (a lock lasts seconds). */
const LOCKS_TIMEOUT_MS = 60_000;

describeWithRedis('an experiment over --queue whose workers and Redis die under it', () => {
  let redis: RedisServer;
  let dir: string;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-faults-'));
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`completes with the in-process report after ${KILLS} SIGKILLs of busy workers and a SIGKILL of Redis`, async () => {
    const local = runCli(...SWEEP, '--workers', '2', '--out', join(dir, 'local'));
    expect(local.status, local.stderr).toBe(0);

    const coordinator = runFleetsim(...SWEEP, '--queue', redis.url, '--workers', '1', '--out', join(dir, 'queued'));
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // refused while Redis restarts; it reconnects
    const locks = async (): Promise<number> => (await client.keys(`${QUEUE_PREFIX}:${EXPERIMENT_QUEUE}:run-*:lock`)).length;
    const stalls = async (): Promise<number> => {
      const entries = await client.xrange(`${QUEUE_PREFIX}:${EXPERIMENT_QUEUE}:events`, '-', '+');
      return entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
    };

    // Rounds of three workers (one job at a time each), killed together once each holds the
    // lock of a job, that is in the middle of it; the next round starts once their locks have
    // expired. Redis is killed and restarted from its append-only file half-way.
    let kills = 0;
    for (let round = 0; kills < KILLS; round++) {
      if (round === ROUNDS / 2) await redis.restart('SIGKILL');
      workers.push(...await Promise.all(Array.from({ length: WORKERS }, () => startWorker(redis.url, ...WORKER_FLAGS))));
      await eventually(async () => (await locks()) === WORKERS, LOCKS_TIMEOUT_MS, `round ${round}: each of ${WORKERS} workers holding a job's lock`);
      await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
      kills += WORKERS;
      await eventually(async () => (await locks()) === 0, LOCKS_TIMEOUT_MS, `round ${round}: the killed workers' locks expired`);
    }
    workers.push(...await Promise.all(Array.from({ length: WORKERS }, () => startWorker(redis.url, ...WORKER_FLAGS))));
    const queued = await coordinator;
    expect(queued.status, queued.stderr).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // Each stalled event is a job taken back from a worker that died while running it.
    expect(await stalls()).toBeGreaterThanOrEqual(STALLS);
    expect(withoutTiming(readFileSync(join(dir, 'queued', 'summary.json'), 'utf8')))
      .toBe(withoutTiming(readFileSync(join(dir, 'local', 'summary.json'), 'utf8')));
    expect(await client.keys(`${QUEUE_PREFIX}:${EXPERIMENT_QUEUE}:run-*`)).toEqual([]);
    client.disconnect();
  }, 300_000);
});
