/**
 * The Node flags the live bench starts its service under: the V8 pool size `fleetsim serve`
 * would give itself, set on the bench's command line so that the pid it measures is the
 * service's; flags of the user's (`--service-node-flags`, `--service-args --v8-threads`) kept.
 * And the nice value its own threads measure at: lowered, never raised. And its throughput
 * verdict: an open loop that kept up with an offered rate at or above the target shows that
 * rate; any other sustained phase what it answered in its window.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceNodeFlags, throughputVerdict } from '../../bench/live.js';

const fewCores = availableParallelism() <= 2;
let nodeOptions: string | undefined;
beforeEach(() => {
  nodeOptions = process.env.NODE_OPTIONS;
  delete process.env.NODE_OPTIONS;
});
afterEach(() => {
  if (nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions;
});

describe('the live bench\'s service flags', () => {
  it(`add --v8-pool-size=1 to the flags given, on this host only if it has two cores or fewer (it has ${availableParallelism()})`, () => {
    expect(serviceNodeFlags([], [])).toEqual(fewCores ? ['--v8-pool-size=1'] : []);
    expect(serviceNodeFlags(['--max-semi-space-size=4'], ['--fsyncs-in-flight', '2'])).toEqual(fewCores ? ['--max-semi-space-size=4', '--v8-pool-size=1'] : ['--max-semi-space-size=4']);
  });

  it('keep a pool size the user gave, in --service-node-flags, NODE_OPTIONS or --v8-threads', () => {
    expect(serviceNodeFlags(['--v8-pool-size=2'], [])).toEqual(['--v8-pool-size=2']);
    expect(serviceNodeFlags([], ['--v8-threads', '3'])).toEqual([]);
    process.env.NODE_OPTIONS = '--v8-pool-size=4';
    expect(serviceNodeFlags([], [])).toEqual([]);
  });
});

describe('the live bench\'s own threads', () => {
  it('are lowered to the nice value asked for, never raised by a later, higher priority, and report the value in effect', () => {
    const built = fileURLToPath(new URL('../../dist/bench/live.js', import.meta.url));
    expect(existsSync(built), 'run `npm run build` first: the thread whose priority changes is a child process\'s').toBe(true);
    // In a child process: a thread's priority is its own, and raising it back may need a privilege.
    const script = `const { niceThisThread } = await import(process.argv[1]);
const { getPriority } = await import('node:os');
const start = getPriority(0);
const target = Math.min(19, start + 5);
const first = niceThisThread(target).nice;
const lowered = getPriority(0);
const second = niceThisThread(Math.max(start, target - 3)).nice;
console.log(JSON.stringify({ target, first, lowered, second, after: getPriority(0) }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, built], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const { target, first, lowered, second, after } = JSON.parse(child.stdout) as Record<'target' | 'first' | 'lowered' | 'second' | 'after', number>;
    expect(lowered).toBe(target);
    expect(after).toBe(target);
    // What it reports (the bench's `clientNice`) is what the thread runs at, not what was asked.
    expect([first, second]).toEqual([target, target]);
  });
});

describe('the live bench\'s throughput verdict', () => {
  const open = (offered: number, answered: number, sustained = true) => ({ name: `multiplexed, open loop ${offered}/s`, offeredPerSecond: offered, submissionsPerSecond: answered, sustained });
  const closed = (answered: number, sustained = true) => ({ name: 'multiplexed, closed loop 1,000 in flight', offeredPerSecond: undefined, submissionsPerSecond: answered, sustained });

  it('credits an open loop sustained at the target with the offered rate, though it answered a few fewer in its window (--no-closed-loop)', () => {
    const verdict = throughputVerdict([open(1000, 999), open(2500, 2498), open(5000, 4997)], 5000);
    expect(verdict).toMatchObject({ sustainedPerSecond: 5000, pass: true });
    expect(verdict.text).toBe('5,000/s (multiplexed, open loop 5000/s: kept up with the offered rate, 4,997/s answered in its window, the rest in flight at its end), pass');
  });

  it('shows a closed loop\'s measured rate when it is higher, and when the open loop at the target was not sustained', () => {
    expect(throughputVerdict([open(5000, 4997), closed(19_600)], 5000)).toMatchObject({ sustainedPerSecond: 19_600, pass: true, text: '19,600/s (multiplexed, closed loop 1,000 in flight: answered in its window), pass' });
    expect(throughputVerdict([open(5000, 4700, false), closed(4200)], 5000)).toMatchObject({ sustainedPerSecond: 4200, pass: false, text: '4,200/s (multiplexed, closed loop 1,000 in flight: answered in its window), FAIL' });
  });

  it('shows what an open loop below the target answered, and FAIL when no phase was sustained', () => {
    expect(throughputVerdict([open(2500, 2497), open(5000, 4100, false)], 5000)).toMatchObject({ sustainedPerSecond: 2497, pass: false });
    expect(throughputVerdict([open(5000, 4100, false), closed(3000, false)], 5000)).toEqual({ sustainedPerSecond: 0, pass: false, text: 'no phase sustained, FAIL' });
  });
});
