/** The experiment pool: the same results in item order whichever thread ran what, costliest items first. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunJob } from '../../src/experiments/job.js';
import { ExperimentPool, takeNext, takingOrder } from '../../src/experiments/pool.js';
import type { PoolSpan, TimelineFile } from '../../src/experiments/poolTimeline.js';
import { parseScenario } from '../../src/scenario/load.js';
import { ROOT } from '../cli/runCli.js';
import { FLEET_SMALL, fleetSmallText } from './support.js';

const scenario = parseScenario(fleetSmallText(), 'fleet.yaml', { replications: 4 });

/** Every strategy × replication of the small fleet, with series. */
function jobs(): RunJob[] {
  return scenario.strategies.flatMap((_, strategy) =>
    Array.from({ length: scenario.replications }, (__, replication) => ({ cell: 0, strategy, replication, scenario, decisionSampleEvery: 64, series: true })));
}

/** A result without its wall-clock parts. */
function comparable(result: Awaited<ReturnType<ExperimentPool['drain']>>[number]): string {
  if (!('metrics' in result)) throw new Error('not a run result');
  return JSON.stringify({ metrics: result.metrics, submitted: result.submitted, decisions: result.decisions, series: result.series });
}

/**
 * A pool whose worker threads are up and have loaded the simulator. A thread starting cold can
 * miss a whole queue: with this thread's code optimised by the tests before, it ran the 12 runs
 * of {@link jobs} in 0.2–0.4 s, before a starting worker took one in 6 of 20 pools on a loaded
 * machine (0 of 20 once it was ready).
 */
async function readyPool(workers: number, options?: ConstructorParameters<typeof ExperimentPool>[2]): Promise<ExperimentPool> {
  const pool = new ExperimentPool(workers, ['run'], options);
  await pool.ready();
  return pool;
}

describe('experiment pool', () => {
  const pools = [1, 2, 3].map((workers) => new ExperimentPool(workers, ['run']));
  // Worker threads up before the first queue, so that their share of it does not depend on how long they take to start.
  beforeAll(() => Promise.all(pools.map((pool) => pool.ready())));
  afterAll(() => Promise.all(pools.map((pool) => pool.close())));

  it('returns the same results, in item order, on 1, 2 and 3 threads, the worker threads taking their share', async () => {
    const [one, ...more] = await Promise.all(pools.map((pool) => pool.drain('run', jobs())));
    for (const results of more) expect(results!.map(comparable)).toEqual(one!.map(comparable));
    expect(one!.map((r) => ('metrics' in r ? r.metrics.tasks.completed : 0)).every((n) => n > 0)).toBe(true);
    expect(pools[0]!.itemsDone).toEqual({ here: jobs().length, workers: 0 });
    for (const pool of pools.slice(1)) {
      expect(pool.itemsDone.here + pool.itemsDone.workers).toBe(jobs().length);
      expect(pool.itemsDone.workers).toBeGreaterThan(0);
    }
  });

  it('takes the costliest items first, ties in list order, and reports each as it finishes', async () => {
    const finished: number[] = [];
    const some = jobs().slice(0, 4);
    const results = await pools[0]!.drain('run', some, { cost: [1, 3, 2, 3], onDone: (done, index) => finished.push(index) });
    expect(finished).toEqual([1, 3, 2, 0]);
    expect(results.map(comparable)).toEqual((await pools[0]!.drain('run', some)).map(comparable));
  });

  it('orders ties from the end of the list for the threads that take them reversed, costliest first for every thread', () => {
    expect(takingOrder(4, [1, 3, 2, 3])).toEqual([1, 3, 2, 0]);
    expect(takingOrder(4, [1, 3, 2, 3], 'reversed')).toEqual([3, 1, 2, 0]);
    expect(takingOrder(3, undefined, 'reversed')).toEqual([2, 1, 0]);
  });

  it('takes an item once: the next one of a thread\'s order that no thread has taken', () => {
    const taken = new Int32Array(new SharedArrayBuffer(4 * 4));
    const forward = [0, 1, 2, 3];
    const backward = [3, 2, 1, 0];
    expect(takeNext(taken, forward, 0)).toBe(0);
    expect(takeNext(taken, backward, 0)).toBe(0);
    expect(takeNext(taken, backward, 1)).toBe(1);
    // Items 0, 3 and 2 are taken: the forward thread gets 1, and then neither finds one left.
    expect(takeNext(taken, forward, 1)).toBe(1);
    expect(takeNext(taken, backward, 2)).toBe(4);
    expect(takeNext(taken, forward, 2)).toBe(4);
    expect([...taken]).toEqual([1, 1, 1, 1]);
  });

  it('has two threads take a compare\'s runs from both ends of the list, so that each runs fewer strategies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-timeline-'));
    const file = join(dir, 'timeline.json');
    const pool = await readyPool(2, { timelineFile: file });
    try {
      await pool.drain('run', jobs());
      await pool.close();
      const { spans } = JSON.parse(readFileSync(file, 'utf8')) as TimelineFile;
      const ran = (here: boolean): number[] => spans.filter((span) => span.activity === 'run' && (span.thread === threadId) === here).map((span) => span.index!).sort((a, b) => a - b);
      const mine = ran(true);
      const theirs = ran(false);
      expect(theirs.length).toBeGreaterThan(0);
      expect(mine).toEqual(jobs().slice(0, mine.length).map((_, i) => i));
      expect(theirs).toEqual(jobs().map((_, i) => i).slice(mine.length));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with the error of a failing item, from a worker thread too, and stays usable', async () => {
    const broken = jobs().map((job) => ({ ...job, strategy: 99 }));
    for (const pool of pools) await expect(pool.drain('run', broken)).rejects.toThrow('runJob: no strategy 99 in cell 0');
    expect((await pools[1]!.drain('run', jobs().slice(0, 2))).map(comparable)).toEqual((await pools[0]!.drain('run', jobs().slice(0, 2))).map(comparable));
  });

  it('runs a queue on this thread alone when told to (maxThreads: 1), with the same results', async () => {
    const pool = pools[2]!;
    const before = pool.itemsDone;
    const results = await pool.drain('run', jobs(), { maxThreads: 1 });
    expect(results.map(comparable)).toEqual((await pools[0]!.drain('run', jobs())).map(comparable));
    expect(pool.itemsDone.workers).toBe(before.workers);
    expect(pool.itemsDone.here).toBe(before.here + jobs().length);
  });

  it('does nothing for no items', async () => {
    expect(await pools[1]!.drain('run', [])).toEqual([]);
  });

  it('records a timeline: each thread\'s start, every item once on the thread that ran it, and the loading after a queue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-timeline-'));
    const file = join(dir, 'timeline.json');
    const pool = new ExperimentPool(2, [], { timelineFile: file, prepareLater: ['chart'] });
    try {
      await pool.drain('run', jobs());
      await pool.ready();
      await pool.close();
      const { spans, osThreads } = JSON.parse(readFileSync(file, 'utf8')) as TimelineFile;
      const items = spans.filter((span) => span.activity === 'run');
      expect(items.map((span) => span.index).sort((a, b) => a! - b!)).toEqual(jobs().map((_, i) => i));
      const worker = spans.find((span) => span.thread !== threadId && span.activity === 'start');
      expect(worker).toBeDefined();
      const ran = (thread: number): number => items.filter((span) => span.thread === thread).length;
      expect({ here: ran(threadId), workers: ran(worker!.thread) }).toEqual(pool.itemsDone);
      // The worker loads the charts' stack once no run is left for it to take, not before.
      const load = spans.find((span) => span.thread === worker!.thread && span.activity === 'load');
      expect(load!.startMs).toBeGreaterThanOrEqual(Math.max(...items.filter((span) => span.thread === worker!.thread).map((span) => span.endMs)));
      for (const span of spans) expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
      // On Linux: every thread's CPU time, and each OS thread of the process (V8's own too).
      if (process.platform === 'linux') {
        expect(items.every((span) => span.cpuSeconds! >= 0)).toBe(true);
        expect(Object.keys(osThreads)).toContain(String(worker!.osThread));
      }
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every thread\'s spans when closed as soon as a queue is drained, as a command closes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-timeline-'));
    const file = join(dir, 'timeline.json');
    // The worker loads the charts' stack after its runs, so its task settles well after the last result.
    const pool = new ExperimentPool(2, [], { timelineFile: file, prepareLater: ['chart'] });
    try {
      await pool.drain('run', jobs());
      await pool.close();
      const { spans } = JSON.parse(readFileSync(file, 'utf8')) as TimelineFile;
      const worker = spans.find((span) => span.thread !== threadId && span.activity === 'start');
      expect(worker).toBeDefined();
      expect(spans.filter((span) => span.thread === worker!.thread && span.activity === 'load')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the next kind of work in this thread while it waits for a worker\'s last item (prepareHereLater), and only then', async () => {
    // A short run for this thread (the first item) and a long one for the worker (it takes from
    // the end): this thread runs out of items while the worker still runs.
    const [short, long] = [2_000, 40_000].map((stop) => parseScenario(fleetSmallText().replace('stop: { time: 500 }', `stop: { time: ${stop} }`), 'fleet.yaml', { replications: 1 }));
    const items = [short!, long!].map((of): RunJob => ({ cell: 0, strategy: 0, replication: 0, scenario: of, decisionSampleEvery: 64 }));
    const loadsHere = async (options: { prepareHereLater?: ['chart'] }): Promise<{ lastRunEndMs: number; loads: PoolSpan[] }> => {
      // The worker loads the simulator first, so that it takes its item at once.
      const pool = new ExperimentPool(2, ['run'], { timeline: true, ...options });
      try {
        await pool.ready();
        await pool.drain('run', items);
        expect(pool.itemsDone).toEqual({ here: 1, workers: 1 });
        const here = pool.timeline.filter((span) => span.thread === threadId);
        return { lastRunEndMs: Math.max(...here.filter((span) => span.activity === 'run').map((span) => span.endMs)), loads: here.filter((span) => span.activity === 'load') };
      } finally {
        await pool.close();
      }
    };
    const prepared = await loadsHere({ prepareHereLater: ['chart'] });
    expect(prepared.loads).toHaveLength(1);
    expect(prepared.loads[0]!.startMs).toBeGreaterThanOrEqual(prepared.lastRunEndMs);
    expect((await loadsHere({})).loads).toEqual([]);
  });

  it("has its worker threads optimise on their own thread, and leaves the process's other isolates compiling on V8's", () => {
    // V8 traces each optimisation with its mode: the main thread's (and a thread made after the
    // pool's are up) concurrent, on V8's helper threads; the pool's worker's synchronous.
    const built = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'dist/src', path)).href);
    const script = `import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ExperimentPool } from ${built('experiments/pool.js')};
import { parseScenario } from ${built('scenario/load.js')};
const scenario = parseScenario(readFileSync(${JSON.stringify(join(ROOT, FLEET_SMALL))}, 'utf8'), 'fleet.yaml', { replications: 4 });
const jobs = scenario.strategies.flatMap((_, strategy) => Array.from({ length: 4 }, (__, replication) => ({ cell: 0, strategy, replication, scenario, decisionSampleEvery: 64 })));
const pool = new ExperimentPool(2, ['run']);
await pool.ready(); // the worker thread up first: a thread that starts late may run none of the jobs
await pool.drain('run', jobs);
await pool.close();
process.stdout.write('--- the pool closed\\n');
const later = new Worker('function f(a) { return (a * 2 + 1) % 1000; } let s = 0; for (let i = 0; i < 3e6; i++) s = f(s);', { eval: true });
await once(later, 'exit');`;
    const child = spawnSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const [during, after] = child.stdout.split('--- the pool closed\n') as [string, string];
    const modes = (text: string) => ({
      concurrent: text.split('mode: ConcurrencyMode::kConcurrent').length - 1,
      synchronous: text.split('mode: ConcurrencyMode::kSynchronous').length - 1,
    });
    expect(modes(during).concurrent).toBeGreaterThan(0);
    expect(modes(during).synchronous).toBeGreaterThan(0);
    expect(modes(after).concurrent).toBeGreaterThan(0);
    expect(modes(after).synchronous).toBe(0);
  });
});
