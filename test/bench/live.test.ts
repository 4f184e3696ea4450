/**
 * The Node flags the live bench starts its service under: the V8 pool size `fleetsim serve`
 * would give itself, set on the bench's command line so that the pid it measures is the
 * service's; flags of the user's (`--service-node-flags`, `--service-args --v8-threads`) kept.
 * And the nice value its own threads measure at: lowered, never raised.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/live.js';

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
