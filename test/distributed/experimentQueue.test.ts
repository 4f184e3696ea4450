/**
 * `compare|sweep|regress --queue` with real `fleetsim worker` processes on a real redis-server:
 * the report is the in-process one, and a bad `--queue` is one line and exit 2, fast.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { versionKey } from '../../src/distributed/connection.js';
import { EXPERIMENT_QUEUE, QUEUE_PREFIX } from '../../src/distributed/experimentQueue.js';
import { POOL_TIMELINE_ENV, type TimelineFile } from '../../src/experiments/poolTimeline.js';
import { expectInputError, runCli } from '../cli/runCli.js';
import { eventually } from '../support/eventually.js';
import { runFleetsim, startWorker, withoutTiming, type WorkerProcess } from '../support/fleetsimProcesses.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

const SWEEP = ['sweep', 'scenarios/specialists.yaml', '--param', 'agents[0].count=3,4', '--replications', '3'];

describeWithRedis('an experiment over --queue with three fleetsim workers', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-queue-'));
    workers = await Promise.all([1, 2, 3].map(() => startWorker(redis.url, '--concurrency', '1')));
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the summary.json of the in-process run, byte for byte apart from timing, twice over', async () => {
    const local = runCli(...SWEEP, '--workers', '2', '--out', join(dir, 'local'));
    expect(local.status, local.stderr).toBe(0);
    const queued = await runFleetsim(...SWEEP, '--queue', redis.url, '--workers', '1', '--out', join(dir, 'queued'));
    expect(queued.status, queued.stderr).toBe(0);
    const expected = withoutTiming(readFileSync(join(dir, 'local', 'summary.json'), 'utf8'));
    expect(withoutTiming(readFileSync(join(dir, 'queued', 'summary.json'), 'utf8'))).toBe(expected);
    expect(queued.stdout.replaceAll(join(dir, 'queued'), 'OUT')).toBe(local.stdout.replaceAll(join(dir, 'local'), 'OUT'));
    // Submitted again: the same jobs, the same report; and the queue holds no job afterwards.
    const again = await runFleetsim(...SWEEP, '--queue', redis.url, '--workers', '1', '--out', join(dir, 'again'));
    expect(again.status, again.stderr).toBe(0);
    expect(withoutTiming(readFileSync(join(dir, 'again', 'summary.json'), 'utf8'))).toBe(expected);
    const client = new Redis(redis.url);
    const keys = await client.keys(`${QUEUE_PREFIX}:${EXPERIMENT_QUEUE}:run-*`);
    client.disconnect();
    expect(keys).toEqual([]);
  });

  it('draws the report\'s charts in its own thread: no thread waits for the queue, whatever --workers says', async () => {
    const timeline = join(dir, 'timeline.json');
    // The child copies this process's environment when it is spawned.
    process.env[POOL_TIMELINE_ENV] = timeline;
    const queued = runFleetsim('compare', 'scenarios/specialists.yaml', '--replications', '2', '--queue', redis.url, '--workers', '4', '--out', join(dir, 'threads'));
    delete process.env[POOL_TIMELINE_ENV];
    const finished = await queued;
    expect(finished.status, finished.stderr).toBe(0);
    const spans = (JSON.parse(readFileSync(timeline, 'utf8')) as TimelineFile).spans;
    expect(spans.filter((span) => span.activity === 'chart').length).toBeGreaterThan(5);
    expect(new Set(spans.map((span) => span.thread))).toEqual(new Set([0]));
  });

  it('runs regress through the queue with the verdicts of an in-process run', async () => {
    const baseline = join(dir, 'baseline.json');
    const update = runCli('regress', 'scenarios/hoarding.yaml', '--baseline', baseline, '--update', '--replications', '3', '--workers', '1');
    expect(update.status, update.stderr).toBe(0);
    const queued = await runFleetsim('regress', 'scenarios/hoarding.yaml', '--baseline', baseline, '--replications', '3', '--queue', redis.url);
    expect(queued.status, queued.stderr).toBe(0);
    const local = runCli('regress', 'scenarios/hoarding.yaml', '--baseline', baseline, '--replications', '3', '--workers', '1');
    expect(queued.stdout).toBe(local.stdout);
  });

  it('a worker stops on SIGTERM after its running jobs, with exit code 0', async () => {
    const worker = workers.pop()!;
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.stderr()).toContain('SIGTERM: finishing the running jobs');
  });
});

describeWithRedis('an experiment over --queue whose jobs vanish from Redis', () => {
  let redis: RedisServer;
  let dir: string;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-queue-'));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says that no worker is there yet, enqueues the jobs again, and completes with the same report', async () => {
    const local = runCli(...SWEEP, '--workers', '2', '--out', join(dir, 'local'));
    expect(local.status, local.stderr).toBe(0);
    const coordinator = runFleetsim(...SWEEP, '--queue', redis.url, '--workers', '1', '--out', join(dir, 'queued'));
    const client = new Redis(redis.url);
    await eventually(async () => (await client.llen(`${QUEUE_PREFIX}:${EXPERIMENT_QUEUE}:wait`)) > 0, 20_000, 'the sweep\'s jobs waiting in the queue');
    // A Redis restarted without persistence: every job forgotten while the command waits.
    await client.flushdb();
    worker = await startWorker(redis.url, '--concurrency', '2');
    const queued = await coordinator;
    client.disconnect();
    expect(queued.status, queued.stderr).toBe(0);
    expect(queued.stderr).toContain(`no fleetsim worker is taking jobs from ${redis.url} yet`);
    expect(withoutTiming(readFileSync(join(dir, 'queued', 'summary.json'), 'utf8')))
      .toBe(withoutTiming(readFileSync(join(dir, 'local', 'summary.json'), 'utf8')));
  });
});

describeWithRedis('a bad --queue', () => {
  let redis: RedisServer;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis.stop(); });

  const started = (): number => Date.now();

  it('unreachable: exit 2, one line, within the connect timeout', () => {
    const t0 = started();
    expectInputError(runCli(...SWEEP, '--queue', 'redis://127.0.0.1:1/0'), '--queue', 'cannot reach Redis at 127.0.0.1:1');
    expectInputError(runCli('worker', '--queue', 'redis://127.0.0.1:1/0'), '--queue', 'cannot reach Redis at 127.0.0.1:1');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('a DB index the server does not have: exit 2, one line', () => {
    const url = `redis://127.0.0.1:${redis.port}/99`;
    expectInputError(runCli(...SWEEP, '--queue', url), '--queue', 'Redis has no database 99');
    expectInputError(runCli('worker', '--queue', url), '--queue', 'Redis has no database 99');
  });

  it('a queue holding jobs of another fleetsim version: exit 2, one line', async () => {
    const url = `redis://127.0.0.1:${redis.port}/3`;
    const client = new Redis(url);
    await client.set(versionKey(QUEUE_PREFIX, EXPERIMENT_QUEUE), '0.0.0-older');
    client.disconnect();
    expectInputError(runCli(...SWEEP, '--queue', url), '--queue', 'holds jobs of fleetsim 0.0.0-older');
    expectInputError(runCli('worker', '--queue', url), '--queue', 'holds jobs of fleetsim 0.0.0-older');
    expectInputError(runCli('regress', 'scenarios/hoarding.yaml', '--baseline', 'reports/baseline/library.json', '--queue', url), '--queue', 'holds jobs of fleetsim 0.0.0-older');
  });

  it('a malformed URL: exit 2, one line, before anything runs', () => {
    expectInputError(runCli(...SWEEP, '--queue', 'localhost:6379'), '--queue', 'scheme "localhost" is not redis');
    expectInputError(runCli(...SWEEP, '--queue', 'redis//x'), '--queue', 'not a URL');
    expectInputError(runCli('compare', 'scenarios/specialists.yaml', '--queue', 'http://127.0.0.1/0'), '--queue', 'scheme "http" is not redis');
    expectInputError(runCli('worker', '--queue', 'redis://127.0.0.1:6379/x'), '--queue', 'is not a database index');
    expectInputError(runCli('worker', '--queue', redis.url, '--concurrency', '0'), '--concurrency', 'expected an integer 1..256');
  });
});
